"""How a ``microceph`` or ``ceph`` run fails: its exit, shared error texts, what is not covered."""

# pyright: strict

from __future__ import annotations

from typing import NoReturn

from ...errors import SimError
from ...host import SIMULATED

NO_CONF = (
    "Error initializing cluster client: ObjectNotFound('RADOS object not found "
    "(error calling conf_read_file)')"
)

NOT_INITIALISED = 'Error: Database is not yet initialized'  # microcluster DatabaseNotReady

INITIALISED = 'Error: Unable to initialize cluster: Database is online'  # controlPost

PRE_INIT = 'Error: Failed to run pre-init hook before starting the API: '
"""How microcluster reports a failed ``PreInit`` hook (canonical/microcluster
``internal/rest/resources/control.go`` @ v3, commit 21427d3 "Run PreInit hook before
bootstrapping/joining"). Assumption: v2.1.0, which MicroCeph squid builds with and which is not
mirrored (its ``v2`` branch here predates PreInit), words it the same."""

ENOENT, EPERM, EINVAL = 2, 1, 22


class ExitError(Exception):
    """The program exits with ``code`` after printing ``message`` (a line) on stderr."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def not_emulated(what: str) -> NoReturn:
    raise SimError(
        f'{what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/microceph/__init__.py for what is'
    )

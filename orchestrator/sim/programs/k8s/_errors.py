"""How a ``k8s`` run fails: its exit, shared error texts, and what the simulation lacks."""

# pyright: strict

from __future__ import annotations

from typing import NoReturn

from ...errors import SimError
from ...host import SIMULATED

NOT_IN_CLUSTER = (
    'Error: The node is not part of a Kubernetes cluster. You can bootstrap a new cluster '
    'with:\n\n  sudo k8s bootstrap'
)

RESTRICTED = 'this action is restricted on workers'

DQLITE_DEPRECATED = (
    'Warning: k8s-dqlite datastore is deprecated and will be removed in Canonical Kubernetes '
    '1.36. It is recommended to bootstrap new clusters with etcd instead.'
)
"""``k8s bootstrap``'s warning for ``datastore-type: k8s-dqlite`` (``k8s_bootstrap.go``
@ release-1.32 .. release-1.35; ``PrintErrln`` joins its two arguments with a space)."""


class ExitError(Exception):
    """The program exits with ``code`` after printing ``message`` (a line) on stderr."""

    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def not_emulated(what: str) -> NoReturn:
    """Fail loudly for a real k8s feature the simulation does not cover."""
    raise SimError(
        f'k8s {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/k8s/__init__.py for what is'
    )

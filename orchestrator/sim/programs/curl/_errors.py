"""How a ``curl`` run fails: a command line it refuses, a transfer that fails, the unemulated."""

# pyright: strict

from __future__ import annotations

from typing import NoReturn

from ...errors import SimError
from ...host import SIMULATED

TRY = "curl: try 'curl --help' or 'curl --manual' for more information\n"


def not_emulated(what: str) -> NoReturn:
    raise SimError(
        f'curl {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/curl/__init__.py for what is'
    )


class UsageError(Exception):
    """A command line curl rejects: the message line, the ``try`` line, exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class TransferError(Exception):
    """A transfer that failed: curl's exit status and its error text."""

    def __init__(self, code: int, message: str, *, remote: str = '') -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.remote = remote  # the address connected to ('' when no connection was made)

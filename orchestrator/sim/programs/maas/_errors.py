"""How a ``maas`` run ends other than by returning: Python's exits, argparse's errors, a hang."""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING, NoReturn

from ...errors import SimError
from ...host import SIMULATED

if TYPE_CHECKING:
    pass

__all__ = ['EndOfInputError', 'ExitError', 'HelpRequestedError', 'UsageError', 'not_emulated']


class ExitError(Exception):
    """The program exits, as Python's ``SystemExit``: a message goes to stderr with status 1."""

    def __init__(self, code: int = 0, message: str | None = None) -> None:
        super().__init__(code, message)
        self.code = 1 if message is not None and code == 0 else code
        self.message = message


class UsageError(Exception):
    """MAAS's ArgumentParser.error: help (here the usage line), the message, exit 2."""

    def __init__(self, usage: str, message: str) -> None:
        super().__init__(message)
        self.usage = usage
        self.message = message


class HelpRequestedError(Exception):
    """``-h``: the help text on stdout, exit 0."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class EndOfInputError(Exception):
    """The program waits for ever for an answer on its standard input (end of input)."""


def not_emulated(what: str) -> NoReturn:
    """Fail loudly for a real MAAS feature the simulation does not cover."""
    raise SimError(
        f'maas {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/maas/__init__.py for what is'
    )

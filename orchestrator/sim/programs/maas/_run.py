"""One ``maas`` run: what it prints, what it reads, how it waits (the base of every command)."""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from metal_host import CommandTimeoutError, Completed, Sensitive

from ...errors import SimError
from ...host import SIMULATED
from ..systemctl import Output, Systemd
from ._errors import EndOfInputError
from ._state import regiond_config

if TYPE_CHECKING:
    from ...host import Invocation, SimHost
    from ...world import World

__all__ = ['Run']


class Run:
    """One ``maas`` run on one machine: its output, its input, the World it acts on.

    The commands are mixins of it (:mod:`._init`, :mod:`._status`, :mod:`._config`,
    :mod:`._django`, :mod:`._api`), put together in :class:`._cli.MaasRun`.
    """

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.host: SimHost = invocation.host
        self.world: World = invocation.world
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._input: Iterator[str] = iter((invocation.input or '').splitlines(keepends=True))

    # -- output and input -------------------------------------------------------------------------

    def print(self, text: str = '', end: str = '\n') -> None:
        """``print_msg``: to standard output."""
        self.stdout.append(text + end)

    def completed(self, code: int) -> Completed:
        """The run's result, with every Sensitive argument scrubbed from what it printed."""
        return self.invocation.result(
            self.scrub(''.join(self.stdout)), self.scrub(''.join(self.stderr)), code
        )

    def scrub(self, text: str) -> str:
        for arg in self.invocation.argv:
            if isinstance(arg, Sensitive) and arg:
                text = text.replace(str.__str__(arg), '<redacted>')
        return text

    def readline(self) -> str | None:
        """The next line of standard input, or None at its end."""
        return next(self._input, None)

    def read_input(self, prompt: str) -> str:
        """The maascli ``read_input``: ``input()``; on end of input a newline, and again."""
        self.stdout.append(prompt)
        line = self.readline()
        if line is None:
            self.print()
            raise EndOfInputError
        return line.removesuffix('\n')

    def read_password(self, prompt: str) -> str:
        """``getpass`` with no terminal: a warning, the prompt on stderr, a line of input."""
        self.stderr.append(f'Warning: Password input may be echoed.\n{prompt}')
        line = self.readline()
        if line is None:
            self.print()
            raise EndOfInputError
        self.stderr.append('\n')
        return line.removesuffix('\n')

    def required_prompt(self, title: str, help_text: str, default: str | None = None) -> str:
        """snap.py's ``required_prompt``: ask until there is an answer."""
        prompt = f'{title} [default={default}]: ' if default is not None else f'{title}: '
        value = ''
        while not value or value == 'help':
            value = self.read_input(prompt)
            if not value and default is not None:
                value = default
            if value == 'help':
                self.print(help_text)
        return value

    def prompt_for_choices(self, prompt: str, choices: Sequence[str], default: str) -> str:
        """The maascli ``prompt_for_choices``."""
        while True:
            value = self.read_input(prompt)
            if not value:
                return default
            if value in choices:
                return value
            self.print('Invalid input, try again.')
            self.print()

    def hang(self) -> NoReturn:
        """The program waits for input that never comes: the caller's timeout kills it."""
        timeout = self.invocation.timeout
        if timeout is None:
            raise SimError(
                f'{self.invocation.argv[0]} waits for ever for an answer on its standard input '
                f'(no terminal, end of input); with no timeout the simulation ({SIMULATED}) '
                'cannot wait with it'
            ) from None
        self.world.sleep(timeout)
        raise CommandTimeoutError(
            self.invocation.argv,
            timeout,
            self.scrub(''.join(self.stdout)),
            self.scrub(''.join(self.stderr)),
        ) from None

    def systemd(self) -> Systemd:
        """The machine's systemd, as ``snapctl`` drives the snap's services through snapd."""
        return Systemd(self.host, Output())

    def update_config(self, settings: Mapping[str, Any]) -> None:
        """MAASConfiguration.update: merge, dropping settings that are None."""
        state = self.host.namespace('maas')
        merged = {**regiond_config(self.host), **settings}
        state['config'] = {key: value for key, value in merged.items() if value is not None}

"""Command-line parsing as juju/gnuflag does it, with its error texts.

juju/gnuflag ``flag.go`` (commit 2ce1bb71843d, the one juju/cmd depends on) ``Parse`` and
``parseOne``/``parseFlagArg``:

- flags may follow positional arguments (juju/cmd's ``CommandBase.AllowInterspersedFlags`` is
  true); ``--`` ends the flags; ``-`` and ``""`` are positional;
- ``--name`` and ``--name=value`` are long flags; a single dash starts a run of one-rune
  flags (``-abc`` is ``-a -b -c``; ``-rX`` gives ``-r`` the value ``X``), so ``-format`` is
  ``-f`` and fails;
- a boolean flag takes no value unless written ``--flag=value``; any other flag takes the rest
  of its argument or the next argument;
- errors: ``flag provided but not defined: -x`` (``--xy`` for longer names), ``flag needs an
  argument: --name``, ``invalid value "v" for flag --name: <why>``, ``empty flag in argument
  "--=x"``; an undefined ``-h``/``--help`` asks for help (``ErrHelp``).

Value parsers: ``strconv.ParseBool`` and ``strconv.ParseInt(s, 0, 64)`` with Go's error texts;
juju/cmd's ``--format`` (``output.go``: ``unknown format "x"``) and its ``-o``/``--output``.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

from ...juju import go_quote
from ._errors import HelpRequested, UsageError
from ._format import FORMATTERS, Formatter

__all__ = ['FlagSet', 'Output', 'go_atoi', 'go_parse_bool', 'go_parse_int', 'go_quote']

_TRUE: Final = frozenset({'1', 't', 'T', 'TRUE', 'true', 'True'})
_FALSE: Final = frozenset({'0', 'f', 'F', 'FALSE', 'false', 'False'})


def go_parse_bool(text: str) -> bool:
    """``strconv.ParseBool``."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f'strconv.ParseBool: parsing {go_quote(text)}: invalid syntax')


def go_parse_int(text: str, *, base0: bool = True, func: str = 'ParseInt') -> int:
    """``strconv.ParseInt(text, 0, 64)`` (``base0``) or base 10, with Go's errors."""
    quoted = go_quote(text)
    syntax = ValueError(f'strconv.{func}: parsing {quoted}: invalid syntax')
    body = text
    neg = False
    if body[:1] in ('+', '-'):
        neg = body[0] == '-'
        body = body[1:]
    base = 10
    if base0 and len(body) > 1 and body[0] == '0':
        prefix = body[1].lower()
        if prefix in ('x', 'o', 'b'):
            base = {'x': 16, 'o': 8, 'b': 2}[prefix]
            body = body[2:]
        else:
            base = 8
            body = body[1:]
    # base 0 admits Go's literal underscores (placement is not checked here)
    digits = body.replace('_', '') if base0 else body
    allowed = '0123456789abcdefABCDEF' if base == 16 else '0123456789'[:base]
    if not digits or not all(c in allowed for c in digits):
        raise syntax
    try:
        value = int(digits, base)
    except ValueError:
        raise syntax from None
    value = -value if neg else value
    if not -(1 << 63) <= value < 1 << 63:
        raise ValueError(f'strconv.{func}: parsing {quoted}: value out of range')
    return value


def go_atoi(text: str) -> int:
    """``strconv.Atoi``: base 10, an optional sign."""
    return go_parse_int(text, base0=False, func='Atoi')


@dataclasses.dataclass
class _Flag:
    name: str
    kind: str  # 'bool', 'string', 'int' or 'value'
    key: str  # where the value is kept: flags sharing a key are aliases
    setter: Callable[[str], None] | None = None


class FlagSet:
    """The flags of one command and, after :meth:`parse`, their values."""

    def __init__(self) -> None:
        self._flags: dict[str, _Flag] = {}
        self._values: dict[str, object] = {}
        self.seen: set[str] = set()

    def _add(
        self,
        names: Iterable[str],
        kind: str,
        default: object,
        setter: Callable[[str], None] | None = None,
    ) -> str:
        names = list(names)
        key = names[0]
        self._values[key] = default
        for name in names:
            self._flags[name] = _Flag(name, kind, key, setter)
        return key

    def bool(self, *names: str, default: bool = False) -> None:
        """``f.BoolVar`` under each of ``names`` (aliases share one value)."""
        self._add(names, 'bool', default)

    def string(self, *names: str, default: str = '') -> None:
        """``f.StringVar``."""
        self._add(names, 'string', default)

    def int(self, *names: str, default: int = 0) -> None:
        """``f.IntVar``."""
        self._add(names, 'int', default)

    def var(self, *names: str, setter: Callable[[str], None]) -> None:
        """``f.Var`` with a ``gnuflag.Value`` whose ``Set`` is ``setter`` (raise ValueError)."""
        self._add(names, 'value', None, setter)

    def get_bool(self, name: str) -> bool:
        value = self._values[self._flags[name].key]
        assert isinstance(value, bool)
        return value

    def get_str(self, name: str) -> str:
        value = self._values[self._flags[name].key]
        assert isinstance(value, str)
        return value

    def get_int(self, name: str) -> int:
        value = self._values[self._flags[name].key]
        assert isinstance(value, int)
        return value

    def _set(self, flag: _Flag, shown: str, value: str) -> None:
        try:
            if flag.kind == 'bool':
                self._values[flag.key] = go_parse_bool(value)
            elif flag.kind == 'int':
                self._values[flag.key] = go_parse_int(value)
            elif flag.kind == 'string':
                self._values[flag.key] = value
            else:
                assert flag.setter is not None
                flag.setter(value)
        except ValueError as e:
            raise UsageError(f'invalid value {go_quote(value)} for flag {shown}: {e}') from None
        self.seen.add(flag.key)

    def parse(self, args: Sequence[str]) -> list[str]:
        """Parse ``args`` (flags interspersed); return the positional arguments."""
        positional: list[str] = []
        pending = list(args)
        while pending:
            arg = pending.pop(0)
            if arg in ('-', '') or arg[0] != '-':
                positional.append(arg)
                continue
            if arg == '--':
                positional.extend(pending)
                break
            if arg[1] == '-':
                body = arg[2:]
                name, eq, value = body.partition('=')
                if eq and not name:
                    raise UsageError(f'empty flag in argument {go_quote(arg)}')
                self._long(name, value if eq else None, pending)
                continue
            runes = arg[1:]
            while runes:
                name, runes = runes[0], runes[1:]
                runes = self._short(name, runes, pending)
        return positional

    def _short(self, name: str, rest: str, pending: list[str]) -> str:
        """Handle one-rune flag ``name`` followed in its argument by ``rest``; return the rest."""
        flag = self._flags.get(name)
        if flag is None:
            self._undefined(name)
        assert flag is not None
        if flag.kind == 'bool' and not rest.startswith('='):
            self._set(flag, '-' + name, 'true')
            return rest
        if rest:  # the rest of the argument is the value, '=' and all
            self._set(flag, '-' + name, rest)
            return ''
        if not pending:
            raise UsageError(f'flag needs an argument: -{name}')
        self._set(flag, '-' + name, pending.pop(0))
        return ''

    def _long(self, name: str, value: str | None, pending: list[str]) -> None:
        """Handle ``--name`` (``value`` None) or ``--name=value``."""
        shown = ('--' if len(name) > 1 else '-') + name
        flag = self._flags.get(name)
        if flag is None:
            self._undefined(name)
        assert flag is not None
        if flag.kind == 'bool' and value is None:
            self._set(flag, shown, 'true')
            return
        if value is None:
            if not pending:
                raise UsageError(f'flag needs an argument: {shown}')
            value = pending.pop(0)
        self._set(flag, shown, value)

    def _undefined(self, name: str) -> None:
        if name in ('help', 'h'):
            raise HelpRequested
        shown = ('--' if len(name) > 1 else '-') + name
        raise UsageError(f'flag provided but not defined: {shown}')


class Output:
    """juju/cmd's ``cmd.Output``: ``--format`` and ``-o``/``--output`` on a command's flags."""

    def __init__(
        self, flags: FlagSet, default: str, formatters: Mapping[str, Formatter] | None = None
    ) -> None:
        self._formatters = dict(formatters or FORMATTERS)
        self.name = default
        self._flags = flags
        flags.var('format', setter=self._set_format)
        flags.string('o', 'output')

    def _set_format(self, value: str) -> None:
        if value not in self._formatters:
            raise ValueError(f'unknown format {go_quote(value)}')
        self.name = value

    @property
    def path(self) -> str:
        """The ``--output`` file, or '' for stdout."""
        return self._flags.get_str('o')

    def format(self, value: object) -> bytes:
        """The bytes the chosen formatter writes for ``value``."""
        return self._formatters[self.name](value)

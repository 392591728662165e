"""dash's emulated builtins: ``echo``, ``true``, ``false``, ``:``, ``test`` and ``[``."""

# pyright: strict

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Mapping

from ._call import DIR, FILE, Call, CommandResult, read_operand, stat_kind
from ._syntax import ShellError

__all__ = ['DASH_BUILTINS']


_ECHO_ESCAPES: Mapping[str, str] = {
    '\\': '\\',
    'a': '\a',
    'b': '\b',
    'f': '\f',
    'n': '\n',
    'r': '\r',
    't': '\t',
    'v': '\v',
}


def _echo(call: Call) -> CommandResult:
    r"""Echo as dash's builtin: only ``-n``, and backslash escapes always (``\c`` stops)."""
    args = call.args
    end = '\n'
    if args[:1] == ('-n',):
        args, end = args[1:], ''
    text = ' '.join(args) + end
    out: list[str] = []
    i = 0
    while i < len(text):
        c, escaped = text[i], text[i + 1 : i + 2]
        if c != '\\' or not escaped:
            out.append(c)
            i += 1
        elif escaped == 'c':
            break
        elif escaped in _ECHO_ESCAPES:
            out.append(_ECHO_ESCAPES[escaped])
            i += 2
        elif escaped in '01234567':
            start = i + 2 if escaped == '0' else i + 1
            digits = re.match(r'[0-7]{0,3}', text[start : start + 3])
            octal = digits.group() if digits else ''
            out.append(chr(int(octal or '0', 8) & 0xFF))
            i = start + len(octal)
        else:
            out.append(c)
            i += 1
    return CommandResult(''.join(out))


def _true(call: Call) -> CommandResult:
    return CommandResult()


def _false(call: Call) -> CommandResult:
    return CommandResult(status=1)


_TEST_UNARY: Mapping[str, Callable[[Call, str], bool]] = {
    '-e': lambda call, arg: stat_kind(call, arg) in (DIR, FILE),
    '-f': lambda call, arg: stat_kind(call, arg) == FILE,
    '-d': lambda call, arg: stat_kind(call, arg) == DIR,
    '-s': lambda call, arg: stat_kind(call, arg) == FILE and bool(read_operand(call, arg)[0]),
    '-n': lambda call, arg: arg != '',
    '-z': lambda call, arg: arg == '',
}
_TEST_BINARY: Mapping[str, Callable[[str, str], bool]] = {
    '=': lambda a, b: a == b,
    '!=': lambda a, b: a != b,
}
_TEST_NOT_EMULATED = frozenset(
    {'-b', '-c', '-g', '-G', '-h', '-k', '-L', '-O', '-p', '-r', '-S', '-t', '-u', '-w', '-x'}
    | {'-eq', '-ne', '-lt', '-le', '-gt', '-ge', '-nt', '-ot', '-ef', '-a', '-o', '<', '>'}
)
"""dash's test operators that are not emulated: refused rather than called unexpected."""


def _test(call: Call) -> CommandResult:
    """Test and ``[`` as dash's builtins, up to three arguments: file and string tests, ``!``."""
    args = call.args
    if posixpath.basename(call.name) == '[':
        if args[-1:] != (']',):
            raise ShellError(call.line, f'{call.name}: missing ]')
        args = args[:-1]
    return CommandResult(status=0 if _truth(call, args) else 1)


def _truth(call: Call, args: tuple[str, ...]) -> bool:
    if len(args) > 3:
        raise call.unsupported(f'{call.name} with more than three arguments')
    if not args:
        return False
    if len(args) == 1:
        return args[0] != ''
    if len(args) == 3 and args[1] in _TEST_BINARY:
        return _TEST_BINARY[args[1]](args[0], args[2])
    if args[0] == '!':
        return not _truth(call, args[1:])
    op = args[0] if len(args) == 2 else args[1]
    if op in _TEST_NOT_EMULATED:
        raise call.unsupported(f"operator '{op}' of {call.name}")
    if len(args) == 2 and op in _TEST_UNARY:
        return _TEST_UNARY[op](call, args[1])
    raise ShellError(call.line, f'{call.name}: {op}: unexpected operator')


DASH_BUILTINS: Mapping[str, Callable[[Call], CommandResult]] = {
    'echo': _echo,
    'true': _true,
    'false': _false,
    ':': _true,
    'test': _test,
    '[': _test,
}

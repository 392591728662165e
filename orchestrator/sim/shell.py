"""A command line run on a simulated machine, for ``olm exec`` (Juju's ``juju exec``).

``juju exec --unit X -- COMMAND...`` has the unit's machine run a command line with
``/bin/sh -c``. A simulated machine (:class:`~orchestrator.sim.SimHost`) has no shell, and nothing
here may ever run on the real machine, so :func:`run_command_line` interprets the small part of
POSIX sh such command lines use, over the simulated machine's files, identity and emulated
programs, and answers with dash's and GNU coreutils' texts and exit statuses:

- words split and quoted as sh does (``'...'``, ``"..."``, backslash), and ``#`` comments;
- lists ``a; b``, ``a && b``, ``a || b`` (and newlines) and pipelines ``a | b``;
- commands over the machine: ``echo``, ``true``, ``false``, ``:``, ``cat``, ``ls``,
  ``hostname``, ``test``/``[``, ``grep``, ``head``, ``wc -l``;
- any other program runs through :meth:`SimHost.call <orchestrator.sim.SimHost.call>`: the
  emulated ``snap``, ``k8s``, ``microceph``, ``systemctl`` ... answer, with the World's faults
  applied, and a program the machine lacks gives dash's ``sh: 1: NAME: not found`` (127).

Everything else a shell does (expansions, assignments, redirections, globbing, subshells,
compound commands, its other builtins, relative paths, since a simulated machine has no working
directory) fails with exit status 2 and ``sh: 1: unsupported on a simulated machine: ...``, so
the simulation's limits are never mistaken for the machine's answer. The whole command line is
read before anything runs, so an unsupported construct anywhere runs nothing at all.
"""

# pyright: strict

from __future__ import annotations

import posixpath
import re
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, NoReturn, TypeAlias

from metal_host import Completed
from metal_host._protocol import machine_path

from .host import DEFAULT_ENV, SimHost

__all__ = ['ShellResult', 'run_command_line']

ShellResult: TypeAlias = Completed
"""What a command line gives: argv ``('sh', '-c', COMMAND)``, the exit status of the last
command run, and the standard output and error of every command run, each in order."""

_NOT_FOUND = 127
_SHELL_ERROR = 2  # dash's status for a syntax error or a misused builtin
_PATH_DIRS = frozenset(DEFAULT_ENV['PATH'].split(':'))
_OPERATOR = re.compile(r'&&|\|\||;;|<<|>>|<&|>&|<>|>\||[;|&()<>]')  # longest first
_SUPPORTED_OPERATORS = frozenset({'&&', '||', ';', '|'})
_UNSUPPORTED_OPERATORS: Mapping[str, str] = {
    '&': 'background job',
    '(': 'subshell',
    ')': 'subshell',
    ';;': 'case clause',
    '<<': 'here-document',
}
_RESERVED = frozenset(
    {'!', '{', '}', 'case', 'do', 'done', 'elif', 'else', 'esac', 'fi', 'for', 'if', 'then'}
    | {'until', 'while'}
)
_SHELL_BUILTINS = frozenset(
    {'.', 'alias', 'bg', 'break', 'cd', 'command', 'continue', 'eval', 'exec', 'exit'}
    | {'export', 'fc', 'fg', 'getopts', 'hash', 'jobs', 'kill', 'local', 'printf', 'pwd'}
    | {'read', 'readonly', 'return', 'set', 'shift', 'times', 'trap', 'type', 'ulimit'}
    | {'umask', 'unalias', 'unset', 'wait'}
)
"""dash's builtins that are not emulated: refused rather than reported as not found."""


class _ShellError(Exception):
    """What stops a command (or the whole line) as dash would, with exit status 2."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.stderr = f'sh: {line}: {message}\n'


def _unsupported(line: int, construct: str) -> _ShellError:
    return _ShellError(line, f'unsupported on a simulated machine: {construct}')


# -- reading the command line ------------------------------------------------------------------


@dataclass(frozen=True)
class _Word:
    """A word after quote removal.

    ``quoted`` says, character by character, which were quoted: globbing, tilde expansion and
    assignments only see unquoted characters.
    """

    text: str
    quoted: tuple[bool, ...]
    line: int

    @property
    def plain(self) -> bool:
        return not any(self.quoted)

    def globs(self) -> bool:
        """Whether sh would expand it as a pathname pattern (``*``, ``?``, ``[...]``)."""
        bare = [c for c, q in zip(self.text, self.quoted, strict=True) if not q]
        if '*' in bare or '?' in bare:
            return True
        return '[' in bare and ']' in bare[bare.index('[') + 1 :]

    def assigns(self) -> bool:
        """Whether it is a variable assignment (``NAME=value``) in command position."""
        found = re.match(r'[A-Za-z_][A-Za-z0-9_]*=', self.text)
        return found is not None and not any(self.quoted[: found.end()])


@dataclass(frozen=True)
class _Operator:
    text: str  # one of _SUPPORTED_OPERATORS, or '\n'
    line: int


@dataclass(frozen=True)
class _Command:
    argv: tuple[str, ...]
    line: int


def _expansion(text: str, dollar: int) -> str | None:
    """The expansion a ``$`` at ``text[dollar]`` starts, or None for a literal ``$``."""
    rest = text[dollar + 1 :]
    if rest.startswith('(('):
        return "arithmetic expansion '$((...))'"
    if rest.startswith('('):
        return "command substitution '$(...)'"
    if rest.startswith('{'):
        return "parameter expansion '${...}'"
    name = re.match(r'[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-]', rest)
    return f"parameter expansion '${name.group()}'" if name else None


class _Reader:
    """Splits a command line into words and operators as sh does, refusing what it cannot do."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.line = 1
        self.tokens: list[_Word | _Operator] = []
        self._chars: list[str] = []
        self._quoted: list[bool] = []

    def read(self) -> list[_Word | _Operator]:
        text = self.text
        while self.pos < len(text):
            c = text[self.pos]
            if c in ' \t':
                self.pos += 1
            elif c == '\n':
                self.tokens.append(_Operator('\n', self.line))
                self.line += 1
                self.pos += 1
            elif c == '#':
                end = text.find('\n', self.pos)
                self.pos = len(text) if end < 0 else end
            elif text.startswith('\\\n', self.pos):
                self.pos += 2
                self.line += 1
            elif self._operator() is None:
                self._word()
        return self.tokens

    def _operator(self) -> str | None:
        found = _OPERATOR.match(self.text, self.pos)
        if found is None:
            return None
        op = found.group()
        if op not in _SUPPORTED_OPERATORS:
            kind = _UNSUPPORTED_OPERATORS.get(op, 'redirection')
            raise _unsupported(self.line, f"{kind} '{op}'")
        self.tokens.append(_Operator(op, self.line))
        self.pos += len(op)
        return op

    def _word(self) -> None:
        text = self.text
        self._chars = []
        self._quoted = []
        line = self.line
        while self.pos < len(text):
            c = text[self.pos]
            if c in ' \t\n' or c in ';&|<>()':
                break
            if c == "'":
                end = text.find("'", self.pos + 1)
                if end < 0:
                    self._unterminated()
                self._add(text[self.pos + 1 : end], quoted=True)
                self.pos = end + 1
            elif c == '"':
                self._double_quoted()
            elif c == '\\':
                escaped = text[self.pos + 1 : self.pos + 2]
                if escaped == '\n':
                    self.line += 1
                else:
                    self._add(escaped or '\\', quoted=True)
                self.pos += 2
            else:
                self._refuse_substitution(c)
                self._add(c, quoted=False)
                self.pos += 1
        self.tokens.append(_Word(''.join(self._chars), tuple(self._quoted), line))

    def _add(self, part: str, *, quoted: bool) -> None:
        self._chars.extend(part)
        self._quoted.extend([quoted] * len(part))
        self.line += part.count('\n')

    def _double_quoted(self) -> None:
        text = self.text
        self.pos += 1
        while self.pos < len(text):
            c = text[self.pos]
            if c == '"':
                self.pos += 1
                return
            escaped = text[self.pos + 1 : self.pos + 2]
            if c == '\\' and escaped and escaped in '$`"\\\n':
                if escaped == '\n':
                    self.line += 1
                else:
                    self._add(escaped, quoted=True)
                self.pos += 2
                continue
            self._refuse_substitution(c)
            self._add(c, quoted=True)
            self.pos += 1
        self._unterminated()

    def _refuse_substitution(self, c: str) -> None:
        if c == '`':
            raise _unsupported(self.line, "command substitution '`...`'")
        if c == '$':
            expansion = _expansion(self.text, self.pos)
            if expansion is not None:
                raise _unsupported(self.line, expansion)

    def _unterminated(self) -> NoReturn:
        self.line += self.text.count('\n', self.pos)
        raise _ShellError(self.line, 'Syntax error: Unterminated quoted string')


_Pipeline: TypeAlias = tuple[_Command, ...]


class _Parser:
    """Groups the tokens into ``(connector, pipeline)`` pairs: the list dash would run."""

    def __init__(self, tokens: Sequence[_Word | _Operator]) -> None:
        self.tokens = tokens
        self.pos = 0

    def parse(self) -> list[tuple[str, _Pipeline]]:
        items: list[tuple[str, _Pipeline]] = []
        connector = ';'
        self._skip_newlines()
        while self.pos < len(self.tokens):
            items.append((connector, self._pipeline()))
            if self.pos == len(self.tokens):
                break
            op = self.tokens[self.pos]  # the pipeline stopped at an operator other than |
            assert isinstance(op, _Operator)  # a word would have continued the pipeline
            self.pos += 1
            self._skip_newlines()
            connector = ';' if op.text == '\n' else op.text
            if connector != ';' and self.pos == len(self.tokens):
                raise _ShellError(op.line, 'Syntax error: end of file unexpected')
        return items

    def _skip_newlines(self) -> None:
        while self.pos < len(self.tokens) and self._at('\n'):
            self.pos += 1

    def _at(self, op: str) -> bool:
        token = self.tokens[self.pos]
        return isinstance(token, _Operator) and token.text == op

    def _pipeline(self) -> _Pipeline:
        commands = [self._command()]
        while self.pos < len(self.tokens) and self._at('|'):
            line = self.tokens[self.pos].line
            self.pos += 1
            self._skip_newlines()
            if self.pos == len(self.tokens):
                raise _ShellError(line, 'Syntax error: end of file unexpected')
            commands.append(self._command())
        return tuple(commands)

    def _command(self) -> _Command:
        words: list[_Word] = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if not isinstance(token, _Word):
                break
            words.append(token)
            self.pos += 1
        if not words:
            token = self.tokens[self.pos]
            raise _ShellError(token.line, f'Syntax error: "{token.text}" unexpected')
        return _checked(words)


def _checked(words: Sequence[_Word]) -> _Command:
    """The command the words make, or the reason the simulation cannot run it."""
    head = words[0]
    name = head.text
    if head.plain and name in _RESERVED:
        raise _unsupported(head.line, f"reserved word '{name}'")
    if head.assigns():
        raise _unsupported(head.line, f"variable assignment '{name}'")
    for word in words:
        if word.globs():
            raise _unsupported(word.line, f"pathname expansion '{word.text}'")
        if word.text.startswith('~') and not word.quoted[0]:
            raise _unsupported(word.line, f"tilde expansion '{word.text}'")
    if name in _SHELL_BUILTINS:
        raise _unsupported(head.line, f"shell builtin '{name}'")
    if '/' in name and not name.startswith('/'):
        raise _unsupported(head.line, _relative(name))
    return _Command(tuple(w.text for w in words), head.line)


def _relative(path: str) -> str:
    return f"relative path '{path}' (a simulated machine has no working directory)"


# -- running it ----------------------------------------------------------------------------------


def run_command_line(host: SimHost, command: str) -> ShellResult:
    """Run a command line on a simulated machine as ``/bin/sh -c COMMAND`` would on a real one.

    It is how ``olm exec`` reaches a simulated machine; see the module's documentation for the
    part of sh it understands. Programs run through :meth:`SimHost.call`, so the World's faults
    apply and nothing is retried, as in a shell.

    Args:
        host: the simulated machine.
        command: the command line (``juju exec``'s arguments joined, quoted for sh).

    Returns:
        argv ``('sh', '-c', command)``, the exit status of the last command run (2 when the
        line cannot be run at all), and the standard output and error of the commands run.

    Raises:
        CommandTimeoutError: an emulated program simulated a hang.
    """
    argv = ('sh', '-c', command)
    try:
        items = _Parser(_Reader(command).read()).parse()
    except _ShellError as error:
        return Completed(argv, _SHELL_ERROR, '', error.stderr)
    stdout: list[str] = []
    stderr: list[str] = []
    status = 0
    for connector, pipeline in items:
        if (connector == '&&' and status != 0) or (connector == '||' and status == 0):
            continue
        stdin: str | None = None
        for one in pipeline:
            result = _run(host, one, stdin)
            stderr.append(result.stderr)
            stdin = result.stdout
            status = result.status
        stdout.append(stdin or '')
    return Completed(argv, status, ''.join(stdout), ''.join(stderr))


class _Result(NamedTuple):
    stdout: str = ''
    stderr: str = ''
    status: int = 0


@dataclass(frozen=True)
class _Call:
    """One run of an emulated command.

    Attributes:
        name: argv[0] as written; GNU tools name themselves by it in their messages.
    """

    host: SimHost
    name: str
    args: tuple[str, ...]
    stdin: str | None
    line: int

    def unsupported(self, what: str) -> _ShellError:
        return _unsupported(self.line, what)


def _run(host: SimHost, command: _Command, stdin: str | None) -> _Result:
    name = command.argv[0]
    emulated = _emulated(host, name)
    if emulated is not None:
        try:
            return emulated(_Call(host, name, command.argv[1:], stdin, command.line))
        except _ShellError as error:
            return _Result('', error.stderr, _SHELL_ERROR)
    result = host.call(command.argv, input=stdin)
    missing = f'{name}: No such file or directory'
    if result.returncode == _NOT_FOUND and result.stderr.rstrip('\n') == missing:
        return _Result(result.stdout, f'sh: {command.line}: {name}: not found\n', _NOT_FOUND)
    return _Result(result.stdout, result.stderr, result.returncode)


def _emulated(host: SimHost, name: str) -> Callable[[_Call], _Result] | None:
    """The command this module emulates for ``name``, if it does.

    dash's own builtins always win; the coreutils-like programs give way to a program of the
    same name registered in the World. A path reaches them only from a PATH directory.
    """
    base = posixpath.basename(name)
    if name != base and posixpath.dirname(name) not in _PATH_DIRS:
        return None
    if name == base and base in _DASH_BUILTINS:
        return _DASH_BUILTINS[base]
    if base in host.world.programs:
        return None
    return _PROGRAMS.get(base) or _DASH_BUILTINS.get(base)


# -- files ---------------------------------------------------------------------------------------

_DIR = 'directory'
_FILE = 'file'
_MISSING = 'No such file or directory'
_NOT_DIR = 'Not a directory'
_IS_DIR = 'Is a directory'


def _stat(call: _Call, arg: str) -> str:
    """``_DIR``, ``_FILE``, or why the path cannot be reached, in the C library's words."""
    if not arg.startswith('/'):
        raise call.unsupported(_relative(arg))
    host = call.host
    name = machine_path(arg)
    if host.is_dir(name):
        return _DIR
    if host.exists(name):
        return _NOT_DIR if arg.endswith('/') else _FILE
    parent = posixpath.dirname(name)
    while parent != '/':
        if host.exists(parent) and not host.is_dir(parent):
            return _NOT_DIR
        parent = posixpath.dirname(parent)
    return _MISSING


def _read(call: _Call, arg: str) -> tuple[str, str | None]:
    """A file's text (``-``: standard input), or ``('', why it cannot be read)``."""
    if arg == '-':
        return call.stdin or '', None
    kind = _stat(call, arg)
    if kind == _FILE:
        return call.host.read_text(machine_path(arg)), None
    return '', _IS_DIR if kind == _DIR else kind


def _options(call: _Call, allowed: str) -> tuple[set[str], list[str]]:
    """GNU-style short options (anywhere before ``--``) and the operands."""
    flags: set[str] = set()
    operands: list[str] = []
    only_operands = False
    for arg in call.args:
        if only_operands or arg == '-' or not arg.startswith('-'):
            operands.append(arg)
        elif arg == '--':
            only_operands = True
        elif set(arg[1:]) <= set(allowed):
            flags.update(arg[1:])
        else:
            raise call.unsupported(f"option '{arg}' of {call.name}")
    return flags, operands


def _lines(text: str) -> list[str]:
    """The lines with their newlines; the last may lack one."""
    return re.findall(r'[^\n]*\n|[^\n]+\Z', text)


# -- dash's builtins -----------------------------------------------------------------------------

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


def _echo(call: _Call) -> _Result:
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
    return _Result(''.join(out))


def _true(call: _Call) -> _Result:
    return _Result()


def _false(call: _Call) -> _Result:
    return _Result(status=1)


_TEST_UNARY: Mapping[str, Callable[[_Call, str], bool]] = {
    '-e': lambda call, arg: _stat(call, arg) in (_DIR, _FILE),
    '-f': lambda call, arg: _stat(call, arg) == _FILE,
    '-d': lambda call, arg: _stat(call, arg) == _DIR,
    '-s': lambda call, arg: _stat(call, arg) == _FILE and bool(_read(call, arg)[0]),
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


def _test(call: _Call) -> _Result:
    """Test and ``[`` as dash's builtins, up to three arguments: file and string tests, ``!``."""
    args = call.args
    if posixpath.basename(call.name) == '[':
        if args[-1:] != (']',):
            raise _ShellError(call.line, f'{call.name}: missing ]')
        args = args[:-1]
    return _Result(status=0 if _truth(call, args) else 1)


def _truth(call: _Call, args: tuple[str, ...]) -> bool:
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
    raise _ShellError(call.line, f'{call.name}: {op}: unexpected operator')


_DASH_BUILTINS: Mapping[str, Callable[[_Call], _Result]] = {
    'echo': _echo,
    'true': _true,
    'false': _false,
    ':': _true,
    'test': _test,
    '[': _test,
}


# -- programs ------------------------------------------------------------------------------------


def _cat(call: _Call) -> _Result:
    """GNU cat without options: the files (``-`` or none: standard input) in turn."""
    _, operands = _options(call, '')
    out: list[str] = []
    err: list[str] = []
    for arg in operands or ['-']:
        text, why = _read(call, arg)
        out.append(text)
        if why is not None:
            err.append(f'{call.name}: {arg}: {why}\n')
    return _Result(''.join(out), ''.join(err), 1 if err else 0)


def _ls(call: _Call) -> _Result:
    """GNU ls to a pipe: one name per line, files first, then each directory."""
    _, operands = _options(call, '1')
    if not operands:
        raise call.unsupported(f'{call.name} without a path (there is no working directory)')
    files: list[str] = []
    directories: list[str] = []
    err: list[str] = []
    for arg in operands:
        kind = _stat(call, arg)
        if kind == _DIR:
            directories.append(arg)
        elif kind == _FILE:
            files.append(arg)
        else:
            err.append(f"{call.name}: cannot access '{arg}': {kind}\n")
    out = [f'{name}\n' for name in sorted(files)]
    for directory in sorted(directories):
        if out:
            out.append('\n')
        if len(operands) > 1:
            out.append(f'{directory}:\n')
        names = call.host.listdir(machine_path(directory))
        out.extend(f'{name}\n' for name in names if not name.startswith('.'))
    return _Result(''.join(out), ''.join(err), 2 if err else 0)


def _hostname(call: _Call) -> _Result:
    """The host name, or with ``-I`` every address, each followed by a space."""
    flags, operands = _options(call, 'I')
    if operands:
        raise call.unsupported(f'setting the host name with {call.name}')
    if 'I' in flags:
        return _Result(''.join(f'{a} ' for a in call.host.addresses()) + '\n')
    return _Result(call.host.hostname() + '\n')


_BRE_SWAPPED = frozenset('(){}|+?')
"""Special in a GNU basic regex only when escaped; in Python's the other way round."""
_CLASSES: Mapping[str, str] = {
    'alnum': '0-9A-Za-z',
    'alpha': 'A-Za-z',
    'blank': ' \\t',
    'digit': '0-9',
    'lower': 'a-z',
    'punct': re.escape(string.punctuation),
    'space': ' \\t\\n\\r\\f\\v',
    'upper': 'A-Z',
    'xdigit': '0-9A-Fa-f',
}


def _bracket(pattern: str, start: int) -> tuple[str, int]:
    """The POSIX bracket expression at ``pattern[start]`` in Python's terms, and its end."""
    i = start + 1
    out = ['[']
    if pattern[i : i + 1] == '^':
        out.append('^')
        i += 1
    if pattern[i : i + 1] == ']':
        out.append('\\]')
        i += 1
    while i < len(pattern):
        c = pattern[i]
        if c == ']':
            return ''.join(out) + ']', i + 1
        if pattern.startswith('[:', i):
            end = pattern.find(':]', i)
            name = pattern[i + 2 : end]
            if end < 0 or name not in _CLASSES:
                raise ValueError(f'character class {name!r}')
            out.append(_CLASSES[name])
            i = end + 2
            continue
        if pattern.startswith(('[.', '[='), i):
            raise ValueError('collating elements')
        out.append('\\' + c if c in '\\[&~|' else c)
        i += 1
    raise ValueError('unterminated bracket expression')


def _python_regex(pattern: str, *, basic: bool) -> str:
    """A GNU grep basic (or extended) regex in Python's terms."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        at_start = not out or out[-1] in ('(', '|')
        if c == '\\':
            if i + 1 == len(pattern):
                raise ValueError('trailing backslash')
            escaped = pattern[i + 1]
            if escaped in '<>':
                out.append('\\b')
            elif basic and escaped in _BRE_SWAPPED:
                out.append(escaped)
            else:
                out.append('\\' + escaped)
            i += 2
            continue
        if c == '[':
            bracket, i = _bracket(pattern, i)
            out.append(bracket)
            continue
        if basic and (
            c in _BRE_SWAPPED
            or (c == '*' and (at_start or out == ['^']))
            or (c == '^' and not at_start)
            or (
                c == '$' and i + 1 < len(pattern) and not pattern.startswith(('\\)', '\\|'), i + 1)
            )
        ):
            out.append('\\' + c)
        else:
            out.append(c)
        i += 1
    return ''.join(out)


def _grep(call: _Call) -> _Result:
    """GNU grep over one file or standard input: ``-q``, ``-c``, ``-v``, ``-i``, ``-F``, ``-E``."""
    flags, operands = _options(call, 'qcviFE')
    if not operands:
        usage = f'Usage: {call.name} [OPTION]... PATTERNS [FILE]...\n'
        return _Result('', usage + f"Try '{call.name} --help' for more information.\n", 2)
    pattern, files = operands[0], operands[1:]
    if len(files) > 1:
        raise call.unsupported(f'{call.name} with more than one file')
    try:
        if '\n' in pattern:
            raise ValueError('several patterns')
        source = (
            re.escape(pattern) if 'F' in flags else _python_regex(pattern, basic='E' not in flags)
        )
        regex = re.compile(source, re.IGNORECASE if 'i' in flags else 0)
    except (ValueError, re.error):
        raise call.unsupported(f"{call.name} pattern '{pattern}'") from None
    text, why = _read(call, files[0] if files else '-')
    if why is not None:
        return _Result('', f'{call.name}: {files[0]}: {why}\n', 2)
    lines = [line.removesuffix('\n') for line in _lines(text)]
    chosen = [line for line in lines if (regex.search(line) is None) == ('v' in flags)]
    status = 0 if chosen else 1
    if 'q' in flags:
        return _Result(status=status)
    if 'c' in flags:
        return _Result(f'{len(chosen)}\n', status=status)
    return _Result(''.join(f'{line}\n' for line in chosen), status=status)


def _head(call: _Call) -> _Result:
    """GNU head of one file or standard input: the first ten lines, or ``-n N`` (``-N``)."""
    count = '10'
    operands: list[str] = []
    args = list(call.args)
    while args:
        arg = args.pop(0)
        if arg == '--':
            operands.extend(args)
            break
        if arg == '-n' and args:
            count = args.pop(0)
        elif arg.startswith('-n'):
            count = arg[2:]
        elif arg[1:].isdigit() and arg.startswith('-'):
            count = arg[1:]
        elif arg.startswith('-') and arg != '-':
            raise call.unsupported(f"option '{arg}' of {call.name}")
        else:
            operands.append(arg)
    if not count.isdigit():
        raise call.unsupported(f"line count '{count}' of {call.name}")
    if len(operands) > 1:
        raise call.unsupported(f'{call.name} with more than one file')
    arg = operands[0] if operands else '-'
    text, why = _read(call, arg)
    if why == _IS_DIR:
        return _Result('', f"{call.name}: error reading '{arg}': {why}\n", 1)
    if why is not None:
        return _Result('', f"{call.name}: cannot open '{arg}' for reading: {why}\n", 1)
    return _Result(''.join(_lines(text)[: int(count)]))


def _wc(call: _Call) -> _Result:
    """GNU ``wc -l`` of one file or standard input: the number of newlines."""
    flags, operands = _options(call, 'l')
    if flags != {'l'}:
        raise call.unsupported(f'{call.name} without -l')
    if len(operands) > 1:
        raise call.unsupported(f'{call.name} with more than one file')
    arg = operands[0] if operands else '-'
    text, why = _read(call, arg)
    if why in (_MISSING, _NOT_DIR):
        return _Result('', f'{call.name}: {arg}: {why}\n', 1)
    lines = text.count('\n')
    if arg == '-':
        return _Result(f'{lines}\n')
    err = f'{call.name}: {arg}: {why}\n' if why is not None else ''  # a directory reads as empty
    return _Result(f'{lines} {arg}\n', err, 1 if err else 0)


_PROGRAMS: Mapping[str, Callable[[_Call], _Result]] = {
    'cat': _cat,
    'ls': _ls,
    'hostname': _hostname,
    'grep': _grep,
    'head': _head,
    'wc': _wc,
}
"""Programs of a real Ubuntu machine emulated here, over the simulated machine's files."""

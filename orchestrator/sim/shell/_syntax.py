"""Reading a command line as dash does: words, quotes, operators, then lists and pipelines.

The whole line is read before anything runs; a construct the simulation does not support
(expansions, redirections, compound commands ...) is refused here, so nothing of the line runs.
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn, TypeAlias

__all__ = [
    'SHELL_ERROR',
    'Command',
    'Parser',
    'Reader',
    'ShellError',
    'relative_path',
    'unsupported_error',
]


SHELL_ERROR = 2  # dash's status for a syntax error or a misused builtin


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


class ShellError(Exception):
    """What stops a command (or the whole line) as dash would, with exit status 2."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.stderr = f'sh: {line}: {message}\n'


def unsupported_error(line: int, construct: str) -> ShellError:
    return ShellError(line, f'unsupported on a simulated machine: {construct}')


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
class Command:
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


class Reader:
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
            raise unsupported_error(self.line, f"{kind} '{op}'")
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
            raise unsupported_error(self.line, "command substitution '`...`'")
        if c == '$':
            expansion = _expansion(self.text, self.pos)
            if expansion is not None:
                raise unsupported_error(self.line, expansion)

    def _unterminated(self) -> NoReturn:
        self.line += self.text.count('\n', self.pos)
        raise ShellError(self.line, 'Syntax error: Unterminated quoted string')


_Pipeline: TypeAlias = tuple[Command, ...]


class Parser:
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
                raise ShellError(op.line, 'Syntax error: end of file unexpected')
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
                raise ShellError(line, 'Syntax error: end of file unexpected')
            commands.append(self._command())
        return tuple(commands)

    def _command(self) -> Command:
        words: list[_Word] = []
        while self.pos < len(self.tokens):
            token = self.tokens[self.pos]
            if not isinstance(token, _Word):
                break
            words.append(token)
            self.pos += 1
        if not words:
            token = self.tokens[self.pos]
            raise ShellError(token.line, f'Syntax error: "{token.text}" unexpected')
        return _checked(words)


def _checked(words: Sequence[_Word]) -> Command:
    """The command the words make, or the reason the simulation cannot run it."""
    head = words[0]
    name = head.text
    if head.plain and name in _RESERVED:
        raise unsupported_error(head.line, f"reserved word '{name}'")
    if head.assigns():
        raise unsupported_error(head.line, f"variable assignment '{name}'")
    for word in words:
        if word.globs():
            raise unsupported_error(word.line, f"pathname expansion '{word.text}'")
        if word.text.startswith('~') and not word.quoted[0]:
            raise unsupported_error(word.line, f"tilde expansion '{word.text}'")
    if name in _SHELL_BUILTINS:
        raise unsupported_error(head.line, f"shell builtin '{name}'")
    if '/' in name and not name.startswith('/'):
        raise unsupported_error(head.line, relative_path(name))
    return Command(tuple(w.text for w in words), head.line)


def relative_path(path: str) -> str:
    return f"relative path '{path}' (a simulated machine has no working directory)"

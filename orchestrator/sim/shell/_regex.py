"""grep's patterns (POSIX basic and extended regular expressions) as Python's ``re`` reads them."""

# pyright: strict

from __future__ import annotations

import re
import string
from collections.abc import Mapping

__all__ = ['python_regex']


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


def python_regex(pattern: str, *, basic: bool) -> str:
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

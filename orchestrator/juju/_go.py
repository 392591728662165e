"""Go's formatting and parsing, as Juju's messages and parsers use them.

Juju is written in Go: its messages quote with ``%q`` and show values with ``%#v``, and its
parsers take booleans as ``strconv.ParseBool`` does. Constraints, charm metadata and bundles
all repeat Juju's words, so they share one rendering of Go's rules.
"""

# pyright: strict

from __future__ import annotations

import decimal
import math
import re
from collections.abc import Mapping
from typing import Final, cast

GO_TRUE: Final = frozenset({'1', 't', 'T', 'TRUE', 'true', 'True'})
GO_FALSE: Final = frozenset({'0', 'f', 'F', 'FALSE', 'false', 'False'})
"""The spellings Go's ``strconv.ParseBool`` accepts; anything else is an error."""


def go_quote(text: str) -> str:
    """Quote like Go's ``%q`` (``strconv.Quote``), so messages match Juju's byte for byte.

    Python's ``isprintable`` stands for Go's ``unicode.IsPrint``; a byte that was not UTF-8
    (decoded with ``surrogateescape``) comes back as Go's hex byte escape.
    """
    out: list[str] = []
    for char in text:
        escape = _GO_QUOTE_ESCAPES.get(char)
        if escape is not None:
            out.append(escape)
        elif 0xDC80 <= ord(char) <= 0xDCFF:
            out.append(f'\\x{ord(char) - 0xDC00:02x}')
        elif char == ' ' or char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f'\\x{ord(char):02x}')
        elif ord(char) < 0x10000:
            out.append(f'\\u{ord(char):04x}')
        else:
            out.append(f'\\U{ord(char):08x}')
    return '"' + ''.join(out) + '"'


_GO_QUOTE_ESCAPES: Final = {
    '\a': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
    '"': '\\"',
}


def go_value(value: object) -> str:
    """Render a YAML-decoded value like Go's ``%#v``, as Juju's config messages show it."""
    if value is None:
        return '<nil>'
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, Mapping):
        items = cast(Mapping[object, object], value)
        body = ', '.join(f'{go_value(k)}:{go_value(v)}' for k, v in items.items())
        return f'map[string]interface {{}}{{{body}}}'
    if isinstance(value, list | tuple):
        seq = cast(list[object], value)
        return f'[]interface {{}}{{{", ".join(go_value(v) for v in seq)}}}'
    return go_quote(str(value))


def _go_float(value: float) -> str:
    """Go's ``%v`` of a float64: shortest digits, ``%e`` form below 1e-4 or from 1e6 on."""
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return '+Inf' if value > 0 else '-Inf'
    if value == 0:
        return '-0' if math.copysign(1, value) < 0 else '0'
    sign, digit_tuple, exponent = decimal.Decimal(repr(value)).as_tuple()
    digits = ''.join(map(str, digit_tuple)).rstrip('0') or '0'
    point = len(digit_tuple) + int(exponent)  # digits before the decimal point
    exp = point - 1
    text: str
    if exp < -4 or exp >= 6:  # strconv's 'g' with the shortest precision
        mantissa = digits[0] + ('.' + digits[1:] if len(digits) > 1 else '')
        text = f'{mantissa}e{"-" if exp < 0 else "+"}{abs(exp):02d}'
    elif point <= 0:
        text = '0.' + '0' * -point + digits
    elif point >= len(digits):
        text = digits + '0' * (point - len(digits))
    else:
        text = digits[:point] + '.' + digits[point:]
    return ('-' if sign else '') + text


_DURATION_UNITS: Final = {
    'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'μs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0,
}  # fmt: skip


def go_duration(text: str) -> float:
    """Go's ``time.ParseDuration`` in seconds (``1m30s``, ``0.001s``, ``-2h``, ``0``).

    Raises:
        ValueError: Go would refuse the text; the message is Go's
            (``time: invalid duration "x"``, ``time: missing unit in duration "1"``).
    """
    body, sign = text, 1.0
    if body[:1] in ('+', '-'):
        sign, body = (-1.0 if body[0] == '-' else 1.0), body[1:]
    if body == '0':
        return 0.0
    if not body:
        raise ValueError(f'time: invalid duration {go_quote(text)}')
    total, pos = 0.0, 0
    while pos < len(body):
        number = re.match(r'[0-9]*(?:\.[0-9]*)?', body[pos:])
        digits = number.group() if number else ''
        if digits in ('', '.'):
            raise ValueError(f'time: invalid duration {go_quote(text)}')
        pos += len(digits)
        unit = re.match(r'[^0-9.]*', body[pos:])
        name = unit.group() if unit else ''
        if not name:
            raise ValueError(f'time: missing unit in duration {go_quote(text)}')
        if name not in _DURATION_UNITS:
            raise ValueError(f'time: unknown unit {go_quote(name)} in duration {go_quote(text)}')
        total += float(digits) * _DURATION_UNITS[name]
        pos += len(name)
    if total * 1e9 > (2**63 if sign < 0 else 2**63 - 1):
        # Go's Duration is an int64 of nanoseconds: ParseDuration refuses what overflows it.
        raise ValueError(f'time: invalid duration {go_quote(text)}')
    return sign * total

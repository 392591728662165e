"""Juju's output formatters (``--format smart|yaml|json``), byte for byte as Go writes them.

The formatters are juju/cmd's ``output.go`` (tag v3.1.1, commit 0458506994): ``FormatSmart``
prints a string as is, a ``[]string`` one item a line, a bool as ``True``/``False`` (pyjuju's
spelling), nil as nothing and anything else as YAML; ``FormatYaml`` is ``yaml.v2``'s
``Marshal`` with the trailing newlines trimmed to one (nothing for nil); ``FormatJson`` is
``encoding/json``'s ``Marshal`` and a newline.

Go values are modelled in Python so that what Go would print can be told apart:

- ``dict`` is a Go map: YAML sorts its keys with yaml.v2's ``keyList.Less`` (go-yaml/yaml
  ``sorter.go``, tag v2.4.0: letters before digits, digit runs compared as numbers), JSON
  sorts them bytewise (``encoding/json`` sorts map keys);
- :class:`Struct` is a Go struct: its fields in declaration order, as both encoders write them
  (``omitempty`` is the caller's business: leave the field out);
- :class:`StrList` is a Go ``[]string`` (the only list ``FormatSmart`` prints itself), a plain
  ``list`` is a ``[]interface{}``;
- :data:`NIL_MAP` and :data:`NIL_LIST` are a Go map or slice that is nil: YAML ``{}``/``[]``,
  JSON ``null``, and a nil ``[]string`` prints nothing in smart format;
- ``datetime`` is a ``time.Time``, written as RFC 3339 with nanoseconds (``time.RFC3339Nano``,
  which both encoders use).

YAML is emitted by PyYAML's emitter, a port of the same libyaml emitter yaml.v2 carries
(``emitterc.go``): 2-space indents, sequences in maps not indented, 80-column folding, unicode
unescaped. yaml.v2's own choice of scalar style is made here (``encode.go`` ``stringv``,
``resolve.go``, tag v2.4.0): a string with a newline is a literal block, a string that would
read back as another type (``"true"``, ``"1"``, ``"2001-01-01"``, ``""``...) is double-quoted,
any other is plain unless the emitter finds plain unsafe (then single-quoted, as libyaml does).
"""

# pyright: strict

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any, Final, cast

import yaml
from yaml.emitter import Emitter
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver
from yaml.serializer import Serializer

__all__ = [
    'FORMATTERS',
    'NIL_LIST',
    'NIL_MAP',
    'Formatter',
    'StrList',
    'Struct',
    'format_json',
    'format_smart',
    'format_yaml',
    'go_float_g',
    'rfc3339nano',
]


class Struct(dict[str, Any]):
    """A Go struct: written in the order its fields were given, never sorted."""


class StrList(list[str]):
    """A Go ``[]string``: smart format prints it one item a line."""


class _Nil:
    """A Go map or slice that is nil (it differs from an empty one in JSON and smart)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f'NIL_{self.kind.upper()}'


NIL_MAP: Final = _Nil('map')
NIL_LIST: Final = _Nil('list')

Formatter = Callable[[object], bytes]


# --- numbers and times as Go prints them ---------------------------------------------------


def _shortest_digits(f: float) -> tuple[str, int]:
    """The shortest round-trip digits of abs(f) and the decimal point's position (Go ``decimal``).

    ``repr`` gives the shortest digits that read back as ``f``, as Go's ``strconv`` does (Ryū).
    """
    sign, digits, exponent = Decimal(repr(abs(f))).as_tuple()
    del sign
    text = ''.join(str(d) for d in digits)
    assert isinstance(exponent, int)
    point = len(text) + exponent
    stripped = text.rstrip('0')
    lead = len(stripped) - len(stripped.lstrip('0'))
    return stripped.lstrip('0') or '0', point - lead


def _fmt_e(digits: str, point: int, neg: bool) -> str:
    mantissa = digits[0] + ('.' + digits[1:] if len(digits) > 1 else '')
    exp = point - 1
    return f'{"-" if neg else ""}{mantissa}e{"-" if exp < 0 else "+"}{abs(exp):02d}'


def _fmt_f(digits: str, point: int, neg: bool) -> str:
    if point <= 0:
        text = '0.' + '0' * -point + digits
    elif point >= len(digits):
        text = digits + '0' * (point - len(digits))
    else:
        text = digits[:point] + '.' + digits[point:]
    return ('-' if neg else '') + text


def go_float_g(f: float) -> str:
    """``strconv.FormatFloat(f, 'g', -1, 64)``: yaml.v2's ``floatv`` and Go's ``%v``.

    With the shortest precision Go switches to ``%e`` when the exponent is below -4 or at least
    6 (``strconv/ftoa.go``: "if precision was the shortest possible, use precision 6").
    """
    if math.isnan(f):
        return 'NaN'
    if math.isinf(f):
        return '+Inf' if f > 0 else '-Inf'
    neg = math.copysign(1.0, f) < 0
    if f == 0:
        return '-0' if neg else '0'
    digits, point = _shortest_digits(f)
    exp = point - 1
    if exp < -4 or exp >= 6:
        return _fmt_e(digits, point, neg)
    return _fmt_f(digits, point, neg)


def _go_json_float(f: float) -> str:
    """``encoding/json``'s ``floatEncoder``: ``'f'`` unless tiny or huge, then a tidy ``'e'``."""
    if math.isnan(f) or math.isinf(f):
        raise ValueError(f'json: unsupported value: {go_float_g(f)}')
    neg = math.copysign(1.0, f) < 0
    if f == 0:
        return '-0' if neg else '0'
    digits, point = _shortest_digits(f)
    if abs(f) < 1e-6 or abs(f) >= 1e21:
        text = _fmt_e(digits, point, neg)
        return re.sub(r'e-0(\d)$', r'e-\1', text)
    return _fmt_f(digits, point, neg)


def rfc3339nano(value: datetime.datetime) -> str:
    """``t.Format(time.RFC3339Nano)``: the fraction without trailing zeros, ``Z`` for UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    offset = value.utcoffset() or datetime.timedelta(0)
    text = value.strftime('%Y-%m-%dT%H:%M:%S')
    if value.microsecond:
        text += f'.{value.microsecond:06d}'.rstrip('0')
    if offset == datetime.timedelta(0):
        return text + 'Z'
    minutes = int(offset.total_seconds()) // 60
    sign = '-' if minutes < 0 else '+'
    minutes = abs(minutes)
    return f'{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}'


# --- yaml.v2 -------------------------------------------------------------------------------

# resolve.go's table of plain scalars that read back as bool, null, float or merge.
_RESOLVE_MAP: Final = frozenset(
    [
        'y',
        'Y',
        'yes',
        'Yes',
        'YES',
        'true',
        'True',
        'TRUE',
        'on',
        'On',
        'ON',
        'n',
        'N',
        'no',
        'No',
        'NO',
        'false',
        'False',
        'FALSE',
        'off',
        'Off',
        'OFF',
        '~',
        'null',
        'Null',
        'NULL',
        '.nan',
        '.NaN',
        '.NAN',
        '.inf',
        '.Inf',
        '.INF',
        '+.inf',
        '+.Inf',
        '+.INF',
        '-.inf',
        '-.Inf',
        '-.INF',
        '<<',
    ]
)
_YAML_STYLE_FLOAT: Final = re.compile(r'^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$')
_TIMESTAMP: Final = re.compile(
    r'^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'
    r'(([Tt][0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]{1,9})?(Z|[-+][0-9]{2}:[0-9]{2}))'
    r'|( [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]{1,9})?))?$'
)
_BASE60: Final = re.compile(r'^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$')


def _go_parse_int(text: str, bits_unsigned: bool = False) -> bool:
    """Whether ``strconv.ParseInt(text, 0, 64)`` (or ``ParseUint``) accepts ``text``."""
    body = text
    neg = False
    if not bits_unsigned and body[:1] in '+-' and body:
        neg = body[0] == '-'
        body = body[1:]
    base = 10
    if len(body) > 1 and body[0] == '0':
        prefix = body[1].lower()
        if prefix in 'xob':
            base = {'x': 16, 'o': 8, 'b': 2}[prefix]
            body = body[2:]
        else:
            base = 8
            body = body[1:]
    if not body:
        return False
    try:
        value = int(body, base)
    except ValueError:
        return False
    if bits_unsigned:
        return value < 1 << 64
    return -value >= -(1 << 63) if neg else value < 1 << 63


def _resolves_to_non_string(text: str) -> bool:
    """Whether yaml.v2's ``resolve("", text)`` is not ``!!str``, or ``text`` is a base-60 float."""
    if text == '' or text in _RESOLVE_MAP:
        return True
    hint = text[0]
    if hint == '.':
        # strconv.ParseFloat on a decimal that starts with its point
        return bool(re.fullmatch(r'\.[0-9]+([eE][-+]?[0-9]+)?', text))
    if hint in '+-0123456789':
        if _TIMESTAMP.match(text):
            return True
        plain = text.replace('_', '')
        if _go_parse_int(plain) or _go_parse_int(plain, bits_unsigned=True):
            return True
        if _YAML_STYLE_FLOAT.match(plain):
            return True
        if plain.startswith('0b'):
            return bool(re.fullmatch(r'[01]+', plain[2:]))
        if plain.startswith('-0b'):
            return bool(re.fullmatch(r'[01]+', plain[3:]))
        return bool(_BASE60.match(text))
    return False


def _natural_less(a: str, b: str) -> bool:
    """yaml.v2 ``keyList.Less`` for two string keys (go-yaml/yaml ``sorter.go``, tag v2.4.0)."""
    for i in range(min(len(a), len(b))):
        ca, cb = a[i], b[i]
        if ca == cb:
            continue
        al, bl = ca.isalpha(), cb.isalpha()
        if al and bl:
            return ca < cb
        if al or bl:
            return bl
        an = bn = 0
        if ca == '0' or cb == '0':
            j = i - 1
            while j >= 0 and a[j].isdigit():
                if a[j] != '0':
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and a[ai].isdigit():
            an = an * 10 + int(a[ai])
            ai += 1
        bi = i
        while bi < len(b) and b[bi].isdigit():
            bn = bn * 10 + int(b[bi])
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return ca < cb
    return len(a) < len(b)


def _yaml_sorted(keys: Sequence[str]) -> list[str]:
    out: list[str] = []
    for key in keys:  # insertion sort: maps here are small
        pos = len(out)
        while pos > 0 and _natural_less(key, out[pos - 1]):
            pos -= 1
        out.insert(pos, key)
    return out


_STR: Final = 'tag:yaml.org,2002:str'


def _scalar(text: str, style: str | None = None) -> ScalarNode:
    # Every scalar carries the str tag and the resolver below resolves every plain scalar to
    # str, so no tag is ever written: the style chosen here is all that shows.
    return ScalarNode(_STR, text, style=style)


def _string_node(text: str) -> ScalarNode:
    if '\n' in text:
        return _scalar(text, '|')
    if _resolves_to_non_string(text):
        return _scalar(text, '"')
    return _scalar(text)


def _yaml_node(value: object) -> Node:
    node: Node
    if isinstance(value, _Nil):
        node = (
            MappingNode('tag:yaml.org,2002:map', [], flow_style=True)
            if value.kind == 'map'
            else SequenceNode('tag:yaml.org,2002:seq', [], flow_style=True)
        )
    elif value is None:
        node = _scalar('null')
    elif isinstance(value, bool):
        node = _scalar('true' if value else 'false')
    elif isinstance(value, int):
        node = _scalar(str(value))
    elif isinstance(value, float):
        text = go_float_g(value)
        node = _scalar({'+Inf': '.inf', '-Inf': '-.inf', 'NaN': '.nan'}.get(text, text))
    elif isinstance(value, str):
        node = _string_node(value)
    elif isinstance(value, datetime.datetime):
        node = _scalar(rfc3339nano(value))
    elif isinstance(value, Mapping):
        mapping: Mapping[str, object] = value  # pyright: ignore[reportUnknownVariableType]
        keys = list(mapping) if isinstance(value, Struct) else _yaml_sorted(list(mapping))
        node = MappingNode(
            'tag:yaml.org,2002:map',
            [(_string_node(str(k)), _yaml_node(mapping[k])) for k in keys],
            flow_style=False,
        )
    elif isinstance(value, (list, tuple)):
        items = cast('Sequence[object]', value)
        node = SequenceNode(
            'tag:yaml.org,2002:seq', [_yaml_node(v) for v in items], flow_style=False
        )
    else:
        raise TypeError(f'no Go YAML form for {type(value).__name__}')
    return node


class _GoYamlDumper(Emitter, Serializer, BaseResolver):
    """libyaml's emitter without implicit resolvers: :func:`_yaml_node` picks every style."""

    def __init__(self, stream: Any, **kwds: Any) -> None:
        emitter_init: Callable[..., None] = Emitter.__init__  # pyright: ignore[reportUnknownMemberType]
        emitter_init(
            self, stream, canonical=None, indent=2, width=80, allow_unicode=True, line_break=None
        )
        serializer_init: Callable[..., None] = Serializer.__init__  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        serializer_init(self, encoding=None, explicit_start=None, explicit_end=None)
        BaseResolver.__init__(self)
        del kwds


def _yaml_text(value: object) -> str:
    text = yaml.serialize(_yaml_node(value), Dumper=_GoYamlDumper)  # pyright: ignore[reportUnknownMemberType]
    assert isinstance(text, str)
    # PyYAML closes a document whose root is a plain scalar with '...'; libyaml as yaml.v2
    # drives it (implicit document end) does not.
    if text.endswith('\n...\n'):
        text = text[: -len('...\n')]
    return text


def format_yaml(value: object) -> bytes:
    """juju/cmd ``FormatYaml``: nothing for nil, else the YAML with exactly one final newline."""
    if value is None:
        return b''
    text = _yaml_text(value).rstrip('\n')
    return (text + '\n').encode() if text else b''


# --- encoding/json -------------------------------------------------------------------------

_JSON_HTML: Final = {'<': '\\u003c', '>': '\\u003e', '&': '\\u0026'}


def _json_string(text: str) -> str:
    # encoding/json escapes <, > and & (HTMLEscape) and U+2028/U+2029 besides what every JSON
    # encoder escapes; non-ASCII is written as UTF-8.
    out = json.dumps(text, ensure_ascii=False)
    out = re.sub('[<>&]', lambda m: _JSON_HTML[m.group(0)], out)
    return out.replace('\u2028', '\\u2028').replace('\u2029', '\\u2029')


def _json(value: object) -> str:
    if value is None or isinstance(value, _Nil):
        return 'null'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_json_float(value)
    if isinstance(value, str):
        return _json_string(value)
    if isinstance(value, datetime.datetime):
        return _json_string(rfc3339nano(value))
    if isinstance(value, Mapping):
        mapping: Mapping[str, object] = value  # pyright: ignore[reportUnknownVariableType]
        keys = list(mapping) if isinstance(value, Struct) else sorted(mapping, key=str)
        return '{' + ','.join(f'{_json_string(str(k))}:{_json(mapping[k])}' for k in keys) + '}'
    if isinstance(value, (list, tuple)):
        items = cast('Sequence[object]', value)
        return '[' + ','.join(_json(v) for v in items) + ']'
    raise TypeError(f'no Go JSON form for {type(value).__name__}')


def format_json(value: object) -> bytes:
    """juju/cmd ``FormatJson``: ``json.Marshal`` and a newline (``null`` for nil)."""
    return (_json(value) + '\n').encode()


def format_smart(value: object) -> bytes:
    """juju/cmd ``FormatSmart``: strings and ``[]string`` as text, bools as pyjuju did."""
    if value is None:
        return b''
    if isinstance(value, _Nil):
        return b'' if value.kind == 'list' else format_yaml(value)
    if isinstance(value, StrList):
        text = '\n'.join(value)
    elif isinstance(value, bool):
        text = 'True' if value else 'False'
    elif isinstance(value, str):
        text = value
    else:
        return format_yaml(value)
    return (text + '\n').encode() if text else b''


FORMATTERS: Final[Mapping[str, Formatter]] = {
    'smart': format_smart,
    'yaml': format_yaml,
    'json': format_json,
}

"""Decoding a YAML document into plain dicts of Go's field types, as yaml.v2 converts them.

A field of the wrong type is fatal and an unknown field is a warning, each in the words
``juju deploy`` uses (``unmarshal document 0: line 7: cannot unmarshal !!map into string``,
``document 0: line 12: unrecognized field "constraint"``).

Deliberate deviation: an unknown field that is a likely typo of a known one (``aplications``,
``num_unit``, ``contraints``: :data:`..nearest.LIKELY_TYPO`) is an error naming the field it
was meant to be. Juju ignores unknown fields with a warning (juju/juju PR #14474, merged on
2.9 in August 2022: ``WARNING These fields ... will be ignored during deployment``, after PR
#14427 had briefly made them fatal without ``--force``), so a typo'd ``constraints`` deploys
on the wrong machines and a typo'd ``applications`` leaves "at least one application must be
specified".
The error takes Juju's strict-decoding words (juju/juju ``internal/charm/bundledatasrc.go``
``parseBundleParts`` with yaml.v2 ``UnmarshalStrict`` and ``userFriendlyUnmarshalErrors``:
``line 1: field aplications not found in bundle``). Other unknown fields (a Charmhub bundle's
``name``, ``website``, ``issues``) stay warnings, as Juju has them.
"""

# pyright: strict

from __future__ import annotations

from typing import Any, Final, cast

from .._go import go_quote
from ..nearest import LIKELY_TYPO, did_you_mean, nearest
from ._schema import FieldType, ListOf, MapOf, Struct, go_type
from ._yaml import YamlMap, YamlSeq

_GO_INT: Final = range(-(2**63), 2**63)


def _yaml_tag(value: object, raw: str | None) -> str:
    """yaml.v2's description of a node it cannot convert: ``!!map``, ``!!str `abc```.

    An integer beyond int64 and uint64 resolves to ``!!float`` in yaml.v2 (``resolve.go``,
    tag v2.4.0: ``ParseInt``, then ``ParseUint``, then ``ParseFloat``).
    """
    if isinstance(value, dict):
        return '!!map'
    if isinstance(value, list):
        return '!!seq'
    tag = (
        'bool'
        if isinstance(value, bool)
        else 'int'
        if isinstance(value, int) and -(2**63) <= value < 2**64
        else 'float'
        if isinstance(value, int | float)
        else 'str'
    )
    text = raw if raw is not None else str(value)
    return f'!!{tag} `{text if len(text) <= 40 else text[:37] + "..."}`'


class Decoder:
    """Turns one YAML document into plain dicts of Go's field types, as yaml.v2 would."""

    def __init__(self, file: str, doc: int, errors: list[str], warnings: list[str]) -> None:
        self.file = file
        self.doc = doc
        self.errors = errors
        self.warnings = warnings

    def error(self, line: int, value: object, raw: str | None, kind: FieldType, path: str) -> None:
        where = f' (field {path})' if path else ''
        self.errors.append(
            f'{self.file}: unmarshal document {self.doc}: line {line}: cannot unmarshal '
            f'{_yaml_tag(value, raw)} into {go_type(kind)}{where}'
        )

    def duplicates(self, data: YamlMap, path: str) -> None:
        for key, line in data.duplicates:
            self.warnings.append(
                f'{self.file}: document {self.doc}: line {line}: key '
                f'{go_quote(self.key(data, key))} already set in map'
                + (f' (in {path})' if path else '')
            )

    @staticmethod
    def key(data: YamlMap, key: object) -> str:
        return key if isinstance(key, str) else data.key_text.get(key, str(key))

    def unknown(self, name: str, kind: Struct, line: int) -> None:
        """An unknown field: an error if it is a likely typo of a known one, else a warning."""
        meant = nearest(name, kind.fields, cutoff=LIKELY_TYPO)
        if meant is not None:
            self.errors.append(
                f'{self.file}: unmarshal document {self.doc}: line {line}: field {name} not '
                f'found in {kind.name} (did you mean "{meant}"?)'
            )
            return
        self.warnings.append(
            f'{self.file}: document {self.doc}: line {line}: unrecognized field '
            f'{go_quote(name)}{did_you_mean(name, kind.fields)}'
        )

    def decode(
        self, value: object, kind: FieldType, path: str, line: int, raw: str | None
    ) -> object:
        if value is None:
            return None
        if kind == 'any':
            return to_plain(value)
        if kind == 'string':
            if isinstance(value, str):
                return value
            if isinstance(value, bool | int | float):
                return raw if raw is not None else str(value)
        elif kind == 'int':
            # Go's int holds what fits in 64 bits (yaml.v2 decode.go ``scalar``, v2.4.0).
            if isinstance(value, int) and not isinstance(value, bool) and value in _GO_INT:
                return value
            if isinstance(value, float) and value.is_integer() and -(2**63) <= value < 2**63:
                return int(value)
        elif kind == 'bool':
            if isinstance(value, bool):
                return value
        elif isinstance(kind, ListOf):
            if isinstance(value, YamlSeq):
                return [
                    self.decode(item, kind.item, f'{path}[{index}]', value.line, value.raw[index])
                    for index, item in enumerate(value)
                ]
        elif isinstance(value, YamlMap):
            self.duplicates(value, path)
            return self.mapping(value, kind, path)
        self.error(line, value, raw, kind, path)
        return None

    def mapping(self, data: YamlMap, kind: Struct | MapOf, path: str) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in data.items():
            line = data.lines.get(key, data.line)
            if not isinstance(key, str | int | float | bool | None):
                self.error(line, key, None, 'string', path)
                continue
            name = self.key(data, key)
            inner = f'{path}.{name}' if path else name
            if isinstance(kind, Struct):
                field = kind.fields.get(name)
                if field is None:
                    self.unknown(name, kind, line)
                    continue
            else:
                field = kind.value
            result[name] = self.decode(value, field, inner, line, data.raw.get(key))
        return result


def to_plain(value: object) -> object:
    """A decoded ``interface {}`` value: plain dicts with string keys, plain lists."""
    if isinstance(value, YamlMap):
        return {Decoder.key(value, k): to_plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in cast(dict[object, object], value).items()}
    if isinstance(value, list):
        return [to_plain(v) for v in cast(list[object], value)]
    return value


def struct_field(spec: object, key: str) -> Any:
    """A field of a decoded struct that may be null."""
    return cast(dict[str, Any], spec).get(key) if isinstance(spec, dict) else None

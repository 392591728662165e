"""Actions and their parameter schemas, checked in Juju's JSON-schema wording.

juju/charm ``actions.go`` (``ReadActionsYaml``) and the gojsonschema fork Juju validates with.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Mapping
from typing import Any, Final, cast

import yaml

from .. import yamlread

JSON_TYPES: Final = ('array', 'boolean', 'integer', 'null', 'number', 'object', 'string')

RESERVED_ACTION: Final = 'juju'

ACTION_STRING_KEYS: Final = ('description', 'title', 'execution-group')


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ActionSpec:
    """One action and its parameter schema.

    Attributes:
        name: the action name.
        description: its description (Juju's ``No description`` when none is given).
        params: JSON-schema property per parameter, as written.
        required: parameters that must be given.
        additional_properties: whether undeclared parameters are accepted; Juju's default is
            False (``ReadActionsYaml`` closes the schema unless the action opens it).
    """

    name: str
    description: str
    params: Mapping[str, Mapping[str, Any]]
    required: tuple[str, ...]
    additional_properties: bool


def declared_types(prop: Mapping[str, Any] | None) -> tuple[str, ...]:
    if prop is None:
        return ()
    kind = prop.get('type')
    if isinstance(kind, str):
        return (kind,)
    if isinstance(kind, list):
        return tuple(str(k) for k in cast(list[object], kind))
    return ()


def convert_params(spec: ActionSpec, params: Mapping[str, object]) -> dict[str, object]:
    """Dotted keys to nested objects, and YAML-typed strings where the schema wants a type."""
    result: dict[str, object] = {}
    for key, value in params.items():
        if '.' in key and key not in spec.params:
            head, *rest = key.split('.')
            target = result.setdefault(head, {})
            if not isinstance(target, dict):
                target = result[head] = {}
            node = cast(dict[str, object], target)
            for part in rest[:-1]:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = cast(dict[str, object], child)
            node[rest[-1]] = value
            continue
        types = declared_types(spec.params.get(key))
        if isinstance(value, str) and types and 'string' not in types:
            with contextlib.suppress(yaml.YAMLError):  # left a string: the type check says so
                value = yamlread.load(value)
        result[key] = value
    return result


def _json(value: object) -> str:
    """Go's ``json.Marshal`` of a decoded value: compact, keys sorted, whole floats bare."""

    def plain(item: object) -> object:
        if isinstance(item, float) and item.is_integer() and abs(item) < 1e21:
            return int(item)
        if isinstance(item, Mapping):
            return {str(k): plain(v) for k, v in cast(Mapping[object, object], item).items()}
        if isinstance(item, list | tuple):
            return [plain(v) for v in cast(list[object], item)]
        return item

    return json.dumps(plain(value), sort_keys=True, separators=(',', ':'), default=str)


def _is_type(value: object, kind: str) -> bool:
    if kind == 'string':
        return isinstance(value, str)
    if kind == 'boolean':
        return isinstance(value, bool)
    if kind == 'integer':
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == 'number':
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == 'array':
        return isinstance(value, list | tuple)
    if kind == 'object':
        return isinstance(value, Mapping)
    if kind == 'null':
        return value is None
    return True


def check_schema(schema: Mapping[str, Any], value: object, path: str, out: list[str]) -> None:
    """The JSON-schema checks Juju's actions use, in Juju's (gojsonschema fork) wording."""
    types = declared_types(schema)
    if types and not any(_is_type(value, kind) for kind in types):
        out.append(f'{path} : must be of type {", ".join(types)}, given {_json(value)}')
        return
    if not isinstance(value, Mapping):
        return
    obj = cast(Mapping[str, object], value)
    required = cast(list[object], schema.get('required') or [])
    out.extend(
        f'{path} : {json.dumps(str(name))} property is missing and required, given {_json(obj)}'
        for name in required
        if name not in obj
    )
    properties = cast(Mapping[str, Any], schema.get('properties') or {})
    if schema.get('additionalProperties', True) is False:
        out.extend(
            f'{path} : additional property {json.dumps(key)} is not allowed, given {_json(obj)}'
            for key in sorted(obj)
            if key not in properties
        )
    for key in sorted(obj):
        prop = properties.get(key)
        if isinstance(prop, Mapping):
            check_schema(cast(Mapping[str, Any], prop), obj[key], f'{path}.{key}', out)

"""The bundle document's Go types, as juju/charm ``bundledata.go`` declares them.

``BundleData``, ``ApplicationSpec``, ``MachineSpec``, ``SaasSpec`` and their nested structs,
described field by field, so that :mod:`._decode` converts a YAML document the way yaml.v2
unmarshals it into those structs (and names the Go type when it cannot).
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Final, Literal, TypeAlias


@dataclasses.dataclass(frozen=True, slots=True)
class Struct:
    name: str
    fields: Mapping[str, FieldType]


@dataclasses.dataclass(frozen=True, slots=True)
class MapOf:
    value: FieldType


@dataclasses.dataclass(frozen=True, slots=True)
class ListOf:
    item: FieldType


FieldType: TypeAlias = Literal['string', 'int', 'bool', 'any'] | Struct | MapOf | ListOf

_EXPOSED: Final = Struct(
    'exposed-endpoints',
    {'expose-to-spaces': ListOf('string'), 'expose-to-cidrs': ListOf('string')},
)
_OFFER_SPEC: Final = Struct('offers', {'endpoints': ListOf('string'), 'acl': MapOf('string')})
_APPLICATION: Final = Struct(
    'applications',
    {
        'charm': 'string',
        'channel': 'string',
        'revision': 'int',
        'series': 'string',
        'base': 'string',
        'resources': MapOf('any'),
        'num_units': 'int',
        'scale': 'int',
        'to': ListOf('string'),
        'placement': 'string',
        'expose': 'bool',
        'exposed-endpoints': MapOf(_EXPOSED),
        'options': MapOf('any'),
        'annotations': MapOf('string'),
        'constraints': 'string',
        'storage': MapOf('string'),
        'devices': MapOf('string'),
        'bindings': MapOf('string'),
        'offers': MapOf(_OFFER_SPEC),
        'plan': 'string',
        'trust': 'bool',
    },
)
_MACHINE: Final = Struct(
    'machines',
    {
        'constraints': 'string',
        'annotations': MapOf('string'),
        'series': 'string',
        'base': 'string',
    },
)
_SAAS: Final = Struct('saas', {'url': 'string'})
BUNDLE: Final = Struct(
    'bundle',
    {
        'bundle': 'string',
        'applications': MapOf(_APPLICATION),
        'services': MapOf(_APPLICATION),
        'machines': MapOf(_MACHINE),
        'saas': MapOf(_SAAS),
        'series': 'string',
        'default-base': 'string',
        'relations': ListOf(ListOf('string')),
        'tags': ListOf('string'),
        'description': 'string',
    },
)


def go_type(kind: FieldType) -> str:
    if isinstance(kind, Struct):
        return kind.name
    if isinstance(kind, MapOf):
        return f'map[string]{go_type(kind.value)}'
    if isinstance(kind, ListOf):
        return f'[]{go_type(kind.item)}'
    return 'interface {}' if kind == 'any' else kind

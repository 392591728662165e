"""Config options and Juju's coercion of their values (juju/charm ``config.go``)."""

# pyright: strict

from __future__ import annotations

import dataclasses
import math
import re
from typing import Final, Literal, TypeAlias

from .._go import GO_FALSE, GO_TRUE

OptionType: TypeAlias = Literal['string', 'int', 'float', 'boolean', 'secret']
Value: TypeAlias = str | int | float | bool

OPTION_TYPES: Final = ('string', 'int', 'float', 'boolean', 'secret')

_GO_INT: Final = re.compile(r'[+-]?(?:[0-9]+|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)')
_GO_FLOAT: Final = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?')
_INT64: Final = 2**63


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConfigOption:
    """One config option.

    Attributes:
        name: the option name.
        type: Juju's option type; a missing type is ``string``, as in Juju.
        default: the default, converted to the type, or None for no default.
        description: the option's description.
    """

    name: str
    type: OptionType
    default: Value | None
    description: str = ''


def coerce(kind: str, value: object) -> Value | None:
    """Juju's config schema coercion (juju/schema via ``Option.validate``); None if refused."""
    if kind in ('string', 'secret'):
        return value if isinstance(value, str) else None
    if kind == 'boolean':
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return True if value in GO_TRUE else False if value in GO_FALSE else None
        return None
    if isinstance(value, bool):
        return None
    if kind == 'int':
        if isinstance(value, int):
            return value if -_INT64 <= value < _INT64 else None
        if isinstance(value, str) and _GO_INT.fullmatch(value):
            prefixed = value.lstrip('+-')[:2].lower() in ('0x', '0o', '0b')
            number = int(value, 0) if prefixed else int(value, 10)
            return number if -_INT64 <= number < _INT64 else None
        return None
    # float
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _GO_FLOAT.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else None
    return None

"""Reading MAAS's JSON: each field checked for its type, a bad one named with where it was."""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from ..errors import (
    MaasApiError,
)


def as_object(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise bad_field(where, '', type(value).__name__, 'a JSON object')
    return cast('dict[str, object]', value)


def as_list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise bad_field(where, '', type(value).__name__, 'a JSON list')
    return cast('list[object]', value)


def get_str(data: Mapping[str, object], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise bad_field(where, key, value, 'a string')
    return value


def get_optional_str(data: Mapping[str, object], key: str, where: str) -> str:
    value = data.get(key)
    if value is None:
        return ''
    if not isinstance(value, str):
        raise bad_field(where, key, value, 'a string')
    return value


def get_int(data: Mapping[str, object], key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise bad_field(where, key, value, 'a non-negative number')
    return int(value)


def get_str_list(data: Mapping[str, object], key: str, where: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    items = as_list(value, f'{where} {key}')
    if not all(isinstance(item, str) for item in items):
        raise bad_field(where, key, value, 'a list of strings')
    return cast('list[str]', items)


def bad_field(where: str, key: str, value: object, expected: str) -> MaasApiError:
    field = f' field {key!r}' if key else ''
    return MaasApiError(
        f'cannot read MAAS {where}{field}: expected {expected}, got {value!r}', status=200
    )

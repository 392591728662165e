"""Merging overlays into the base bundle, with Juju's rules (juju/charm ``overlay.go``).

Relations are appended, ``machines`` replace the base's, an empty application (or saas) is
removed with every relation that names it, and an existing application's fields overwrite,
except its maps, which merge key by key.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from ._source import Part

_MAP_FIELDS: Final = frozenset({
    'resources', 'exposed-endpoints', 'options', 'annotations', 'storage', 'devices',
    'bindings', 'offers',
})  # fmt: skip
"""ApplicationSpec fields that overlays merge key by key (Go maps); the rest overwrite."""


def _remove_relations(relations: list[Any], name: str) -> list[Any]:
    """juju/charm ``removeRelations``: drop the relations naming ``name`` (keep odd ones)."""
    kept: list[Any] = []
    for relation in relations:
        if isinstance(relation, list) and len(cast(list[object], relation)) == 2:
            ends = [str(end) for end in cast(list[object], relation)]
            if any(end == name or end.startswith(f'{name}:') for end in ends):
                continue
        kept.append(relation)
    return kept


def _merge_struct(dst: dict[str, Any], src: Mapping[str, Any], map_fields: frozenset[str]) -> None:
    """juju/charm ``mergeStructs``: present fields overwrite, maps merge key by key."""
    for field, value in src.items():
        if field not in map_fields:
            dst[field] = value
            continue
        if not value:
            dst[field] = {}
            continue
        target = cast(dict[str, Any], dst.get(field) or {})
        for key, item in cast(dict[str, Any], value).items():
            if item is None:
                target.pop(key, None)
            else:
                target[key] = item
        dst[field] = target


def apply_overlay(base: dict[str, Any], part: Part, errors: list[str]) -> None:
    """juju/charm ``applyOverlay``."""
    overlay = part.data
    if not overlay:
        return
    if part.services:
        errors.append(
            f"{part.file}: bundle overlay file used deprecated 'services' key, this is not "
            'valid for bundle overlay files'
        )
        return
    relations = cast(list[Any], base.get('relations') or [])
    for section, map_fields in (('applications', _MAP_FIELDS), ('saas', frozenset[str]())):
        entries = cast(dict[str, Any] | None, overlay.get(section))
        if not entries:
            continue
        target = cast(dict[str, Any], base.get(section) or {})
        base[section] = target
        for name, spec in entries.items():
            if spec is None:
                target.pop(name, None)
                relations = _remove_relations(relations, name)
            elif name not in target or target[name] is None:
                target[name] = spec
            else:
                _merge_struct(target[name], cast(dict[str, Any], spec), map_fields)
    for key in ('series', 'default-base'):
        if overlay.get(key):
            base[key] = overlay[key]
    base['relations'] = relations + cast(list[Any], overlay.get('relations') or [])
    if overlay.get('machines') is not None:
        base['machines'] = overlay['machines']

"""How ``snap`` prints: tabwriter tables, notes, publishers, quoted names, JSON values."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

VERIFIED = '**'  # snapd's verified-publisher mark when its output is not a unicode terminal


def table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Go's tabwriter as snap uses it (min width 5, padding 2); the last column is not padded."""
    widths = [
        max(5, max(len(row[column]) for row in rows) + 2) for column in range(len(rows[0]) - 1)
    ]
    return [
        ''.join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + row[-1]
        for row in rows
    ]


def list_notes(record: Mapping[str, Any]) -> str:
    notes: list[str] = []
    if record.get('type') in ('base', 'snapd'):
        notes.append(str(record['type']))
    if record.get('confinement') == 'classic':
        notes.append('classic')
    if record.get('held'):
        notes.append('held')
    return ','.join(notes) or '-'


def quoted(names: Iterable[str]) -> str:
    return ', '.join(f'"{name}"' for name in names)


def json_value(value: Any) -> str:
    # Go's json.MarshalIndent(v, "", "\t"): sorted keys, tab indents.
    return json.dumps(value, indent='\t', sort_keys=True, ensure_ascii=False)

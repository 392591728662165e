"""How ``snap`` prints: tabwriter tables, notes, publishers, quoted names, JSON values."""

# pyright: strict

from __future__ import annotations

import datetime
import json
import re
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


_FOREVER_SECONDS = (2**63 - 1) / 1e9
"""A hold ``forever``: snapstate holds for Go's longest duration (about 292 years)."""

_DURATION_PART = re.compile(r'(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)')
_UNIT_SECONDS = {
    'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'μs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0,
}  # fmt: skip


def go_duration(text: str) -> float | None:
    """Seconds in a Go duration (``90s``, ``1h30m``, ``-2.5h``), None where ParseDuration fails.

    golang/go ``src/time/format.go`` ParseDuration: an optional sign, then one or more
    decimal numbers each with a unit; ``0`` alone is zero.
    """
    body = text[1:] if text[:1] in '+-' else text
    if body == '0':
        return 0.0
    if not body:
        return None
    total, position = 0.0, 0
    for match in _DURATION_PART.finditer(body):
        if match.start() != position:
            return None
        total += float(match[1]) * _UNIT_SECONDS[match[2]]
        position = match.end()
    if position != len(body):
        return None
    return -total if text.startswith('-') else total


def rfc3339(seconds: float) -> str:
    """A time as Go's ``time.RFC3339`` formats it on a machine whose clock is UTC."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.strftime('%Y-%m-%dT%H:%M:%SZ')


def hold_forever(now: float) -> str:
    """When a hold ``forever`` placed at ``now`` ends (RFC 3339 with Go's nanoseconds cut)."""
    moment = datetime.datetime.fromtimestamp(now + _FOREVER_SECONDS, datetime.UTC)
    return moment.isoformat().replace('+00:00', 'Z')


def human_time(then: float, now: float) -> str:
    """A time as snapd's ``timeutil.Human`` words it: ``today at 15:04 UTC``, a date ....

    canonical/snapd ``timeutil/human.go`` humanTimeSince (cutoff 60 days) @ 2.67.1, on a
    machine whose clock is UTC.
    """
    when = datetime.datetime.fromtimestamp(then, datetime.UTC)
    days = (when.date() - datetime.datetime.fromtimestamp(now, datetime.UTC).date()).days
    clock = when.strftime('%H:%M UTC')
    if abs(days) > 60:
        return when.strftime('%Y-%m-%d')
    if days < -1:
        return f'{-days} days ago, at {clock}'
    if days == -1:
        return f'yesterday at {clock}'
    if days == 0:
        return f'today at {clock}'
    if days == 1:
        return f'tomorrow at {clock}'
    return f'in {days} days, at {clock}'

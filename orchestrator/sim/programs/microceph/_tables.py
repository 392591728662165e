"""lxd's RenderTable (olekukonko/tablewriter: row lines, centred headers) and its sizes."""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any


def render_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+\n'

    def centred(text: str, width: int) -> str:
        left = (width - len(text)) // 2
        return ' ' * left + text + ' ' * (width - len(text) - left)

    out = [
        line,
        '| '
        + ' | '.join(centred(h.upper(), w) for h, w in zip(header, widths, strict=True))
        + ' |\n',
    ]
    out.append(line)
    for row in rows:
        out.append(
            '| ' + ' | '.join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + ' |\n'
        )
        out.append(line)
    return ''.join(out)


def natural(row: Sequence[str]) -> list[Any]:
    return [[int(p) if p.isdigit() else p for p in re.split(r'(\d+)', c)] for c in row]


def iec(size: int) -> str:
    """The size as lxd's ``units.GetByteSizeStringIEC(size, 2)`` prints it."""
    value = float(size)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'):
        if value < 1024 or unit == 'EiB':
            return f'{value:.2f}{unit}' if unit != 'B' else f'{size}B'
        value /= 1024
    raise AssertionError('unreachable')

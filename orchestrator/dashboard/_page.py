"""The page's four views rendered from a snapshot: HTML fragments, the graph as inline SVG.

Rendered on the server with jinja2 (autoescaped: every name, message and label a charm or a
pool file sets is text, never markup), so a live update is four fragments swapped in by a few
lines of script, and a test reads the same HTML the browser shows.
"""

# pyright: strict

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping, Sequence
from typing import Any

import jinja2
from markupsafe import Markup

from ._graph import render_graph
from ._snapshot import HookRun, MetalMachine, Snapshot, unit_order

__all__ = ['VIEWS', 'render_page', 'render_views']

VIEWS = ('model', 'metal', 'hooks', 'secrets')
"""The page's views, in the order its navigation lists them."""


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader('orchestrator.dashboard', 'templates'),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters['mib'] = _mib
    env.filters['clock'] = _clock
    return env


def render_views(snapshot: Snapshot) -> dict[str, str]:
    """Each view's content (what a live update replaces), by view name."""
    env = _environment()
    context = _context(snapshot)
    return {view: env.get_template(f'{view}.html').render(context) for view in VIEWS}


def render_page(snapshot: Snapshot, views: Mapping[str, str], revision: int) -> str:
    """The whole page, its views filled in, so it shows the model before any script runs."""
    # The views were rendered by this module's autoescaping environment: markup already.
    safe = {k: Markup(v) for k, v in views.items()}  # noqa: S704
    template = _environment().get_template('page.html')
    return template.render(snapshot=snapshot, views=safe, view_names=VIEWS, revision=revision)


def _context(snapshot: Snapshot) -> dict[str, Any]:
    return {
        'snapshot': snapshot,
        # Every name and label in it is escaped by render_graph.
        'graph': Markup(render_graph(snapshot.applications, snapshot.relations)),  # noqa: S704
        'zones': _zones(snapshot.metal),
        'timeline': _timeline(snapshot.hooks),
        'failures': [h for h in reversed(snapshot.hooks) if h.failed][:50],
    }


def _zones(
    machines: Sequence[MetalMachine],
) -> list[tuple[str, list[tuple[str, list[MetalMachine]]]]]:
    """Machines by zone, then by resource pool, each sorted by name ('' sorts last)."""
    grouped: dict[str, dict[str, list[MetalMachine]]] = {}
    for machine in machines:
        grouped.setdefault(machine.zone, {}).setdefault(machine.pool, []).append(machine)
    return [
        (zone, [(pool, sorted(ms, key=lambda m: (not m.units, m.hostname)))
                for pool, ms in sorted(pools.items(), key=lambda p: (not p[0], p[0]))])
        for zone, pools in sorted(grouped.items(), key=lambda z: (not z[0], z[0]))
    ]  # fmt: skip


class _Row:
    """One unit's line of the timeline: its hooks placed by the order they ran in."""

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self.application = unit.split('/')[0]
        self.hooks: list[tuple[float, HookRun]] = []

    @property
    def failed(self) -> int:
        return sum(1 for _, h in self.hooks if h.failed)


def _timeline(hooks: Sequence[HookRun]) -> dict[str, Any]:
    """Rows per unit; each hook's x is its place among all the hooks kept (0-1000).

    Hooks come in bursts (a deploy settles in seconds, the next command comes minutes later):
    on a time axis a burst would be one line, so the axis is the order they ran in, and each
    hook says its time when pointed at.
    """
    rows: dict[str, _Row] = {}
    total = max(len(hooks), 1)
    for index, hook in enumerate(hooks):
        x = index * 1000 / total
        rows.setdefault(hook.unit, _Row(hook.unit)).hooks.append((x, hook))
    width = max(1000 / total, 1.5)
    return {
        'rows': sorted(rows.values(), key=lambda r: unit_order(r.unit)),
        'width': width,
        'first': hooks[0].time if hooks else None,
        'last': hooks[-1].time if hooks else None,
    }


def _mib(value: int | None) -> str:
    if value is None:
        return '?'
    return f'{value / 1024:g} GiB' if value >= 1024 else f'{value} MiB'


def _clock(value: float | None) -> str:
    if value is None:
        return ''
    return datetime.datetime.fromtimestamp(value, datetime.UTC).strftime('%Y-%m-%d %H:%M:%S UTC')

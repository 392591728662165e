"""The model as a picture: applications as circles, relations as lines named by interface.

Drawn server-side as SVG, so the page needs no graph library and no build step, and a test can
read the picture as text. The drawing follows Juju's own dashboard (canonical/juju-dashboard
``src/components/Topology/Topology.tsx``, commit 3e65244): a principal application is a circle of
radius 90 and a subordinate one of radius 60, light grey (``#f5f5f5``) with a 3-pixel border,
one grey line per related pair and none for peer relations. Unlike it, olm colours the border
by the application's status, names each line's interface, and draws consumed offers (SAAS,
which the dashboard leaves out: its issue 526) with a dashed border and dashed lines.

Juju's dashboard places applications by their ``gui-x``/``gui-y`` annotations or on a grid;
olm's model keeps no annotations, so each connected group of applications is laid out in
layers by its distance from its most related application (a tree for the usual charmed
stack), groups side by side, and the same model always gets the same picture.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence
from html import escape

from ._snapshot import Application, Relation

__all__ = ['STATUS_COLOURS', 'render_graph']

PRINCIPAL_RADIUS = 90
SUBORDINATE_RADIUS = 60
_SLOT = 270  # horizontal room per application in a layer
_LAYER = 300  # vertical room per layer
_MARGIN = 40
_LABEL = 60  # room under a circle for the application's name and charm

STATUS_COLOURS = {
    'active': '#0e8420',
    'blocked': '#c7162b',
    'error': '#c7162b',
    'waiting': '#f99b11',
    'maintenance': '#f99b11',
    'terminated': '#666666',
}
"""The border of an application by its status: green, red, amber as traffic lights read (olm's
choice: Juju's topology draws every border grey); anything else (unknown) is that grey."""
_GREY = '#888888'


@dataclasses.dataclass(frozen=True)
class _Placed:
    app: Application
    x: float
    y: float

    @property
    def radius(self) -> int:
        return SUBORDINATE_RADIUS if self.app.subordinate else PRINCIPAL_RADIUS


def render_graph(applications: Sequence[Application], relations: Sequence[Relation]) -> str:
    """The ``<svg id="model-graph">`` of the model (its own viewBox; scales to its box)."""
    placed = _layout(applications, relations)
    width = max((p.x + PRINCIPAL_RADIUS + _MARGIN for p in placed.values()), default=400)
    height = max((p.y + PRINCIPAL_RADIUS + _LABEL + _MARGIN for p in placed.values()), default=200)
    parts = [
        f'<svg id="model-graph" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="the model\'s applications and relations" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" preserveAspectRatio="xMidYMin meet">'
    ]
    parts += [_edge(placed, r) for r in relations if r.apps[0] in placed and r.apps[1] in placed]
    parts += [_node(p) for p in placed.values()]
    if not placed:
        parts.append('<text x="20" y="40" class="empty">No applications in this model.</text>')
    parts.append('</svg>')
    return '\n'.join(parts)


def _layout(
    applications: Sequence[Application], relations: Sequence[Relation]
) -> dict[str, _Placed]:
    names = sorted(a.name for a in applications)
    by_name = {a.name: a for a in applications}
    neighbours: dict[str, set[str]] = {n: set() for n in names}
    for r in relations:
        a, b = r.apps
        if a in neighbours and b in neighbours:
            neighbours[a].add(b)
            neighbours[b].add(a)
    placed: dict[str, _Placed] = {}
    left = 0.0
    for group in _groups(names, neighbours):
        layers = _layers(group, neighbours)
        columns = max(len(layer) for layer in layers)
        for depth, layer in enumerate(layers):
            # Each layer centred under the widest one of its group.
            offset = (columns - len(layer)) * _SLOT / 2
            for index, name in enumerate(layer):
                x = left + offset + index * _SLOT + _SLOT / 2
                y = _MARGIN + PRINCIPAL_RADIUS + depth * _LAYER
                placed[name] = _Placed(by_name[name], x, y)
        left += columns * _SLOT
    return placed


def _groups(names: Iterable[str], neighbours: dict[str, set[str]]) -> list[list[str]]:
    """Connected groups, the largest first (ties by name); lone applications last."""
    seen: set[str] = set()
    groups: list[list[str]] = []
    for name in names:
        if name in seen:
            continue
        group: list[str] = []
        todo = [name]
        seen.add(name)
        while todo:
            current = todo.pop()
            group.append(current)
            for other in sorted(neighbours[current] - seen):
                seen.add(other)
                todo.append(other)
        groups.append(sorted(group))
    return sorted(groups, key=lambda g: (-len(g), g[0]))


def _layers(group: list[str], neighbours: dict[str, set[str]]) -> list[list[str]]:
    """Breadth-first layers from the most related application, each ordered under its parents."""
    root = min(group, key=lambda n: (-len(neighbours[n]), n))
    depth = {root: 0}
    order = [root]
    for current in order:
        for other in sorted(neighbours[current]):
            if other not in depth:
                depth[other] = depth[current] + 1
                order.append(other)
    layers: list[list[str]] = [[] for _ in range(max(depth.values()) + 1)]
    position: dict[str, float] = {}
    for name in order:
        layers[depth[name]].append(name)
    for layer in layers:
        # Barycentre of the already placed neighbours above, so lines cross less.
        def key(name: str) -> tuple[float, str]:
            above = [position[o] for o in neighbours[name] if o in position]
            return (sum(above) / len(above) if above else 0.0, name)

        layer.sort(key=key)
        for index, name in enumerate(layer):
            position[name] = index - len(layer) / 2
    return layers


def _colour(status: str) -> str:
    return STATUS_COLOURS.get(status, _GREY)


def _node(p: _Placed) -> str:
    app, r = p.app, p.radius
    classes = ['application']
    if app.subordinate:
        classes.append('subordinate')
    if app.saas:
        classes.append('saas')
    count = len(app.units)
    if app.saas:
        inner = [('saas-label', 'SAAS'), ('status', app.status)]
        below = [('name', app.name), ('charm', app.url)]
    else:
        revision = '' if app.revision is None else f'rev {app.revision}'
        inner = [('unit-count', f'{count} unit' + ('' if count == 1 else 's')),
                 ('status', app.status), ('revision', revision)]  # fmt: skip
        below = [('name', app.name)]
        if app.charm and app.charm != app.name:
            below.append(('charm', f'charm {app.charm}'))
    title = f'{app.name}: {app.status}' + (f' ({app.message})' if app.message else '')
    lines = [
        f'<g class="{" ".join(classes)}" data-name="{escape(app.name)}" '
        f'data-status="{escape(app.status)}" data-units="{count}" '
        f'transform="translate({p.x:.0f},{p.y:.0f})">',
        f'<title>{escape(title)}</title>',
        f'<circle r="{r}" fill="#f5f5f5" stroke="{_colour(app.status)}" stroke-width="3"'
        + (' stroke-dasharray="10 6"' if app.saas else '')
        + '/>',
        f'<circle r="{r - 10}" fill="none" stroke="{_colour(app.status)}" stroke-opacity="0.25" '
        f'stroke-width="12"/>',
    ]
    for index, (cls, text) in enumerate(t for t in inner if t[1]):
        y = (index - 1) * 24 + 6
        fill = f' fill="{_colour(app.status)}"' if cls == 'status' else ''
        lines.append(
            f'<text class="{cls}" y="{y}" text-anchor="middle"{fill}>{escape(text)}</text>'
        )
    for index, (cls, text) in enumerate(below):
        lines.append(
            f'<text class="{cls}" y="{r + 26 + index * 20}" text-anchor="middle">'
            f'{escape(text)}</text>'
        )
    lines.append('</g>')
    return '\n'.join(lines)


def _edge(placed: dict[str, _Placed], relation: Relation) -> str:
    a, b = placed[relation.apps[0]], placed[relation.apps[1]]
    dx, dy = b.x - a.x, b.y - a.y
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    x1, y1 = a.x + ux * a.radius, a.y + uy * a.radius
    x2, y2 = b.x - ux * b.radius, b.y - uy * b.radius
    dashed = a.app.saas or b.app.saas or relation.scope == 'container'
    ends = ' '.join(relation.apps)
    endpoints = ' — '.join(
        f'{app}:{endpoint}' if endpoint else app
        for app, endpoint in zip(relation.apps, relation.endpoints, strict=True)
    )
    label = relation.interface or '?'
    return '\n'.join([
        f'<g class="relation" data-apps="{escape(ends)}" '
        f'data-interface="{escape(relation.interface)}" data-scope="{escape(relation.scope)}">',
        f'<title>{escape(endpoints)} ({escape(label)})</title>',
        f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#666666" '
        f'stroke-width="2"' + (' stroke-dasharray="8 6"' if dashed else '') + '/>',
        # Past the middle, away from the upper application's name.
        f'<text class="interface" x="{x1 + (x2 - x1) * 0.6:.0f}" '
        f'y="{y1 + (y2 - y1) * 0.6 + 5:.0f}" '
        f'text-anchor="middle">{escape(label)}</text>',
        '</g>',
    ])  # fmt: skip

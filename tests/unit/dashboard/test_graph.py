"""The model graph: what it draws (nodes, edges, shapes) and that it draws it the same way."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from dashboardtools import stack

from orchestrator.dashboard import Application, Relation
from orchestrator.dashboard._graph import render_graph

SVG = '{http://www.w3.org/2000/svg}'


def _tree(applications: tuple[Application, ...], relations: tuple[Relation, ...]) -> ET.Element:
    return ET.fromstring(render_graph(applications, relations))  # it is well-formed XML


def _nodes(svg: ET.Element) -> dict[str, ET.Element]:
    return {g.get('data-name', ''): g for g in svg.iter(f'{SVG}g')
            if 'application' in g.get('class', '').split()}  # fmt: skip


def test_every_application_is_a_node_with_its_status_and_unit_count():
    snapshot = stack()
    nodes = _nodes(_tree(snapshot.applications, snapshot.relations))
    assert sorted(nodes) == ['app', 'db', 'logging', 'rack', 'region']
    assert nodes['rack'].get('data-status') == 'blocked'
    assert nodes['rack'].get('data-units') == '2'
    texts = {t.get('class'): t.text for t in nodes['rack'].iter(f'{SVG}text')}
    assert texts['unit-count'] == '2 units'
    assert texts['name'] == 'rack'
    assert texts['charm'] == 'charm rack-agent'  # named when it is not the application's name
    assert 'charm' not in {t.get('class') for t in nodes['app'].iter(f'{SVG}text')}


def test_subordinates_are_smaller_and_saas_is_dashed_as_juju_draws_them():
    snapshot = stack()
    nodes = _nodes(_tree(snapshot.applications, snapshot.relations))
    radius = {name: int(next(g.iter(f'{SVG}circle')).get('r', '0')) for name, g in nodes.items()}
    assert radius['logging'] == 60 and radius['app'] == 90  # juju-dashboard Topology.tsx
    assert 'subordinate' in nodes['logging'].get('class', '')
    assert 'saas' in nodes['db'].get('class', '')
    assert next(nodes['db'].iter(f'{SVG}circle')).get('stroke-dasharray')
    assert next(nodes['region'].iter(f'{SVG}circle')).get('stroke-dasharray') is None


def test_each_relation_is_an_edge_named_by_its_interface():
    snapshot = stack()
    svg = _tree(snapshot.applications, snapshot.relations)
    edges = {g.get('data-apps'): g for g in svg.iter(f'{SVG}g') if g.get('class') == 'relation'}
    assert sorted(edges) == ['app logging', 'db region', 'rack region']
    label = next(edges['rack region'].iter(f'{SVG}text'))
    assert label.text == 'metal-region'
    # A cross-model or container relation is dashed; an ordinary one is not.
    dashed = {k: next(g.iter(f'{SVG}path')).get('stroke-dasharray') for k, g in edges.items()}
    assert dashed['db region'] and dashed['app logging'] and dashed['rack region'] is None


def test_names_charms_set_are_text_never_markup():
    evil = Application('x', status='blocked', message='<script>alert(1)</script>"', units=())
    svg = render_graph([evil, Application('y')], [Relation(('x', 'y'), ('a', 'b'), '<i>')])
    assert '<script>' not in svg and '<i>' not in svg
    assert '&lt;script&gt;' in svg and '&lt;i&gt;' in svg
    ET.fromstring(svg)


def test_the_same_model_is_drawn_the_same_way_whatever_the_order():
    snapshot = stack()
    first = render_graph(snapshot.applications, snapshot.relations)
    again = render_graph(snapshot.applications[::-1], snapshot.relations[::-1])
    assert _positions(first) == _positions(again)


def _positions(svg: str) -> dict[str, str]:
    return {name: g.get('transform', '') for name, g in _nodes(ET.fromstring(svg)).items()}


def test_a_related_group_is_laid_out_in_layers_from_its_most_related_application():
    snapshot = stack()
    nodes = _nodes(_tree(snapshot.applications, snapshot.relations))

    def y(name: str) -> float:
        return float(nodes[name].get('transform', '').split(',')[1].rstrip(')'))

    assert y('region') < y('rack') == y('db')  # region relates to both: it is the root
    assert y('app') < y('logging')


def test_an_empty_model_says_so():
    svg = render_graph([], [])
    assert 'No applications' in svg
    ET.fromstring(svg)


def test_a_relation_to_an_application_not_drawn_is_left_out():
    snapshot = stack()
    apps = tuple(a for a in snapshot.applications if a.name != 'db')
    edges = [g for g in _tree(apps, snapshot.relations).iter(f'{SVG}g')
             if g.get('class') == 'relation']  # fmt: skip
    assert sorted(g.get('data-apps') for g in edges) == ['app logging', 'rack region']


def test_a_line_that_would_cross_another_application_bends_around_it():
    # a, b and c in one layer under r: a-c passes through b unless it bends.
    apps = tuple(Application(n) for n in ('r', 'a', 'b', 'c'))
    relations = (
        Relation(('a', 'r'), ('x', 'x'), 'one'),
        Relation(('b', 'r'), ('x', 'x'), 'one'),
        Relation(('c', 'r'), ('x', 'x'), 'one'),
        Relation(('a', 'c'), ('y', 'y'), 'two'),
    )
    svg = _tree(apps, relations)
    paths = {g.get('data-apps'): next(g.iter(f'{SVG}path')).get('d', '')
             for g in svg.iter(f'{SVG}g') if g.get('class') == 'relation'}  # fmt: skip
    assert ' Q ' in paths['a c']
    assert all(' L ' in d for k, d in paths.items() if k != 'a c')

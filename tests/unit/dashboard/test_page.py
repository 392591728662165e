"""The page's views rendered from a snapshot: what each shows, as the browser will read it."""

from __future__ import annotations

import dataclasses
import html.parser

from dashboardtools import stack

from orchestrator.dashboard import HookRun, Unit
from orchestrator.dashboard._page import VIEWS, render_page, render_views


class _Elements(html.parser.HTMLParser):
    """Every start tag with its attributes, and the text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or '' for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def having(self, attribute: str, cls: str = '') -> list[dict[str, str]]:
        return [a for _, a in self.tags
                if attribute in a and (not cls or cls in a.get('class', '').split())]  # fmt: skip


def test_the_model_view_has_the_graph_and_every_unit():
    page = _Elements(render_views(stack())['model'])
    assert [a['id'] for a in page.having('id') if a['id'] == 'model-graph']
    assert [a['data-unit'] for a in page.having('data-unit')] == [
        'region/0',
        'rack/0',
        'rack/1',
        'app/0',
        'logging/0',
    ]
    text = ''.join(page.text)
    assert 'region/0*' in text  # the leader, marked as juju status marks it
    assert 'on app/0' in text  # a subordinate says its principal


def test_the_metal_view_groups_machines_by_zone_then_resource_pool():
    page = _Elements(render_views(stack())['metal'])
    zones = [a['data-zone'] for a in page.having('data-zone')]
    assert zones == ['zone-a', 'zone-b']
    pools = [a['data-pool'] for a in page.having('data-pool')]
    assert pools == ['default', 'default', 'spare']
    machines = {a['data-hostname']: a['data-status'] for a in page.having('data-hostname')}
    assert machines == {'node-01': 'Deployed', 'node-02': 'Deployed', 'node-03': 'Ready'}
    units = [a['data-unit'] for a in page.having('data-unit', 'unit')]
    assert units == ['region/0', 'app/0', 'rack/0']
    capacity = page.having('data-application')
    assert [a['data-application'] for a in capacity] == ['rack']
    text = ''.join(page.text)
    assert '8 cores · 16 GiB' in text and 'sda 480 GB (ssd)' in text and 'nvme' in text


def test_the_hooks_view_has_a_row_per_unit_and_marks_failures():
    page = _Elements(render_views(stack())['hooks'])
    rows = {a['data-unit']: a for a in page.having('data-unit', 'timeline-row')}
    assert list(rows) == ['rack/0', 'rack/1', 'region/0']  # by application, then number
    assert rows['rack/1']['data-failed'] == '1' and rows['region/0']['data-failed'] == '0'
    hooks = page.having('data-hook', 'hook')
    assert [h['data-hook'] for h in hooks] == ['install', 'install', 'install',
                                               'metal-region-relation-changed']  # fmt: skip
    failed = [h for h in hooks if 'failed' in h['class'].split()]
    assert [h['data-outcome'] for h in failed] == ['error']
    assert 'RuntimeError: no disk' in ''.join(page.text)  # in the failures table


def test_the_timeline_places_hooks_by_the_order_they_ran():
    hooks = tuple(HookRun(n, 1000.0 + n, f'u/{n % 2}', 'update-status') for n in range(10))
    page = _Elements(render_views(stack(hooks=hooks))['hooks'])
    xs = [float(h['x']) for h in page.having('data-hook', 'hook')]
    # Row u/0 has the even runs, row u/1 the odd ones: each at its place among all ten.
    assert xs == [0, 200, 400, 600, 800, 100, 300, 500, 700, 900]


def test_the_secrets_view_shows_metadata_only():
    page = _Elements(render_views(stack())['secrets'])
    rows = page.having('data-uri')
    assert [r['data-uri'] for r in rows] == ['secret:d1']
    text = ''.join(page.text)
    assert 'shared-secret' in text and 'monthly' in text and 'region' in text


def test_what_charms_say_is_escaped_in_every_view():
    evil = '<img src=x onerror=alert(1)>'
    snapshot = stack(units=(Unit('a/0', 'a', '0', 'blocked', 'idle', evil),),
                     hooks=(HookRun(1, 1.0, 'a/0', 'install', 'error', evil),))  # fmt: skip
    for view, text in render_views(snapshot).items():
        assert evil not in text, view
    assert '&lt;img src=x onerror=alert(1)&gt;' in render_views(snapshot)['model']


def test_every_view_of_a_simulated_model_says_the_machines_are_simulated():
    snapshot = stack()
    page = _Elements(render_page(snapshot, render_views(snapshot), 7))
    sections = [a['id'] for a in page.having('id') if a['id'].startswith('view-')]
    assert sections == [f'view-{v}' for v in VIEWS]
    assert len(page.having('class', 'simulated-banner')) == len(VIEWS)
    body = next(a for t, a in page.tags if t == 'body')
    assert body == {'data-simulated': 'true', 'data-revision': '7'}


def test_a_real_controller_page_has_no_simulated_banner():
    snapshot = dataclasses.replace(stack(), simulated=False, source='juju lab:admin/k8s')
    page = _Elements(render_page(snapshot, render_views(snapshot), 1))
    assert not page.having('class', 'simulated-banner')
    assert len(page.having('class', 'source-banner')) == len(VIEWS)

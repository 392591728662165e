"""The dashboard as a user sees it in chromium: the stack's model, metal, hooks and secrets.

One stack is deployed and one dashboard served for the whole module (conftest.py), and one
browser keeps the page open from test to test, as a user would: the tests run in file order,
and the live ones change the model under the open page with ``olm`` commands. What the page
must show is read from ``olm``'s own JSON (``status``, ``pool list``, ``secrets``), never
written down here. The last test checks the browser's console over the whole session.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from browsertools import Console, cookies, logs, script, start_browser
from dashboardcli import Dashboard, related_pairs
from olmcli import ok

try:
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.chrome.webdriver import WebDriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:  # outside tox -e browser; CI always runs it there
    if os.environ.get('CI'):
        raise
    pytest.skip('selenium is not installed (tox -e browser installs it)', allow_module_level=True)

VIEWS = ('model', 'metal', 'hooks', 'secrets')
LIVE_WITHIN = 2.0
"""Seconds within which a change made by an olm command shows on the open page (issue 24)."""
SETTLE = 10.0
"""Seconds the page may take to draw what it already has: a bound on waiting, not a measure."""


def olm_json(stack: Path, *args: str) -> Any:
    """``olm ARGS --format json`` on the stack, parsed."""
    return json.loads(ok(stack, *args, '--format', 'json'))


READ = """
const [selector, names, inner] = arguments;
const closest = (el, name) => el.closest(`[${name}]`)?.getAttribute(name) ?? null;
return Array.from(document.querySelectorAll(selector), (el) => ({
  attrs: Object.fromEntries(names.map((name) => [name, el.getAttribute(name)])),
  classes: Array.from(el.classList),
  text: el.textContent.trim(),
  hidden: el.hidden,
  shown: el.getClientRects().length > 0,
  inner: inner ? Array.from(el.querySelectorAll(inner), (child) => child.textContent.trim()) : [],
  zone: closest(el, 'data-zone'),
  pool: closest(el, 'data-pool'),
  hostname: closest(el, 'data-hostname'),
}));
"""


@dataclasses.dataclass(frozen=True)
class Drawn:
    """One element as the page drew it, read with the others in one go (one script).

    The page redraws as the model changes, so the tests read what they check at once rather
    than element by element (an element read later may have been replaced meanwhile).
    """

    attrs: dict[str, str | None]
    classes: list[str]
    text: str
    hidden: bool
    """Its ``hidden`` attribute, as the page's filters set it."""
    shown: bool
    """It has a box on the page (it and its ancestors are displayed)."""
    inner: list[str]
    """The texts of the descendants asked for."""
    zone: str | None
    pool: str | None
    hostname: str | None
    """The ``data-zone``, ``data-pool`` and ``data-hostname`` it is in (or has)."""

    def __getitem__(self, name: str) -> str:
        value = self.attrs[name]
        assert value is not None, f'no {name}: {self}'
        return value


def read(browser: WebDriver, selector: str, *names: str, inner: str = '') -> list[Drawn]:
    """Every element matching ``selector``, with its attributes ``names``, in document order."""
    found = script(browser, READ, selector, list(names), inner)
    return [Drawn(**element) for element in found]


def retried(browser: WebDriver, action: Callable[[], object]) -> None:
    """Do ``action`` (a click, a choice), again if the page redrew its element meanwhile."""
    WebDriverWait(browser, SETTLE, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda _: action() or True
    )


def show(browser: WebDriver, view: str) -> None:
    """Click the view's link in the navigation, and wait until its section is shown."""
    link = f'nav a[data-view="{view}"]'
    retried(browser, lambda: browser.find_element(By.CSS_SELECTOR, link).click())
    WebDriverWait(browser, SETTLE).until(
        lambda _: not read(browser, f'section#view-{view}')[0].hidden,
        message=f'clicking {link} did not show section#view-{view}',
    )


def choose(browser: WebDriver, select: str, value: str) -> None:
    """Choose ``value`` in the ``<select>`` ``select`` (as a user does: its change event)."""
    retried(
        browser,
        lambda: Select(browser.find_element(By.CSS_SELECTOR, select)).select_by_value(value),
    )


def wait_for(browser: WebDriver, selector: str, timeout: float = SETTLE) -> None:
    """Wait until an element matches ``selector`` (fail after ``timeout`` seconds)."""
    WebDriverWait(browser, timeout).until(
        lambda _: css_count(browser, selector) > 0,
        message=f'nothing matched {selector} within {timeout} s',
    )


def css_count(browser: WebDriver, selector: str) -> int:
    return int(script(browser, 'return document.querySelectorAll(arguments[0]).length', selector))


def units_of(status: dict[str, Any]) -> dict[str, str]:
    """Every unit of ``olm status`` (subordinates too) and the machine it is on ('' if none)."""
    found: dict[str, str] = {}
    for application in status['applications'].values():
        for name, unit in application.get('units', {}).items():
            found[name] = unit.get('machine', '')
            for sub in unit.get('subordinates', {}):
                found[sub] = ''
    return found


def test_the_model_graph_shows_the_applications_and_their_relations(
    browser: WebDriver, stack: Path
):
    status = olm_json(stack, 'status')
    applications = status['applications']
    saas = status.get('application-endpoints', {})
    WebDriverWait(browser, SETTLE).until(
        lambda _: browser.find_element(By.ID, 'live').text.strip().lower() == 'live',
        message='the page never said it was live',
    )
    (body,) = read(browser, 'body', 'data-simulated')
    assert body['data-simulated'] == 'true'
    show(browser, 'model')
    wait_for(browser, 'svg#model-graph g.application')

    drawn = read(
        browser, 'svg#model-graph g.application', 'data-name', 'data-status', 'data-units'
    )
    nodes = {node['data-name']: node for node in drawn}
    assert len(nodes) == len(drawn), drawn  # one node per application
    assert set(nodes) == set(applications) | set(saas)
    deployed = {name for name, node in nodes.items() if 'saas' not in node.classes}
    assert len(deployed) == 6, deployed  # the stack's six charms (issue 24)
    assert deployed == set(applications)
    for name, application in applications.items():
        node = nodes[name]
        assert node.shown, name
        assert node['data-units'] == str(len(application.get('units', {}))), name
        assert node['data-status'] == application['application-status']['current'], name
        assert name in node.text
    for name in saas:
        assert nodes[name].shown, name

    edges = read(
        browser, 'svg#model-graph g.relation', 'data-apps', 'data-interface',
        inner='text.interface',
    )  # fmt: skip
    pairs = [(*edge['data-apps'].split(' '), edge['data-interface']) for edge in edges]
    assert len(pairs) == len(set(pairs)), pairs  # one edge per relation
    assert set(pairs) == related_pairs(status)
    for edge in edges:
        assert edge.inner == [edge['data-interface']], edge
        assert edge.shown, edge

    rows = read(browser, 'table#units-table tr[data-unit]', 'data-unit')
    assert sorted(row['data-unit'] for row in rows) == sorted(units_of(status))


def test_the_metal_view_shows_each_machine_by_zone_and_pool_with_its_units(
    browser: WebDriver, stack: Path
):
    status = olm_json(stack, 'status')
    pool = olm_json(stack, 'pool', 'list')['machines']
    show(browser, 'metal')

    drawn = read(browser, '#view-metal .machine[data-hostname]', 'data-status')
    machines = {machine.hostname: machine for machine in drawn}
    assert len(machines) == len(drawn) == len(pool)
    for machine in pool:
        shown = machines[machine['hostname']]
        assert (shown.zone, shown.pool) == (machine['zone'], machine['pool']), shown
        assert shown['data-status'] == machine['status'], shown
        assert shown.shown, shown

    hostnames = {number: machine['hostname'] for number, machine in status['machines'].items()}
    placed = {
        unit['data-unit']: unit.hostname
        for unit in read(browser, '#view-metal .machine .unit[data-unit]', 'data-unit')
    }
    principals = {unit: machine for unit, machine in units_of(status).items() if machine}
    assert placed == {unit: hostnames[machine] for unit, machine in principals.items()}

    rows = read(
        browser, '#view-metal table#capacity-table tr[data-application]', 'data-application',
        inner='td.fits',
    )  # fmt: skip
    assert sorted(row['data-application'] for row in rows) == sorted(status['applications'])
    for row in rows:
        (fits,) = row.inner
        assert int(fits) >= 0, row


def test_every_view_says_the_machines_are_simulated(browser: WebDriver):
    for view in VIEWS:
        show(browser, view)
        for section in read(browser, 'section[id^="view-"]', 'id'):
            assert section.hidden == (section['id'] != f'view-{view}'), (view, section['id'])
        (banner,) = read(browser, f'section#view-{view} .simulated-banner')
        assert banner.shown, view
        assert 'simulated' in banner.text.lower(), (view, banner.text)
    show(browser, 'model')


def _document_status(driver: WebDriver, url: str) -> int:
    """Navigate to ``url``; the HTTP status of the document, from DevTools' network events."""
    logs(driver, 'performance')  # what came before
    driver.get(url)
    for entry in logs(driver, 'performance'):
        message = json.loads(entry['message'])['message']
        if message['method'] == 'Network.responseReceived':
            response = message['params']['response']
            if message['params'].get('type') == 'Document' and response['url'] == url:
                return int(response['status'])
    raise AssertionError(f'no response seen for {url}')


def test_a_page_without_the_token_or_with_a_wrong_one_is_refused_in_the_browser(
    dashboard: Dashboard, console: Console
):
    # A browser of its own: the module's has the dashboard's cookie, which any page of it
    # sends; this one has never been given the token (as another user's browser, or a page
    # of another site, has not).
    driver = start_browser(performance=True)
    try:
        for url in (
            f'{dashboard.base}/',
            f'{dashboard.base}/?token=not-{dashboard.token}',
            f'{dashboard.base}/?token=',
            f'{dashboard.base}/api/snapshot',
        ):
            assert _document_status(driver, url) == 403, url
            assert css_count(driver, 'body[data-simulated]') == 0, url
            assert not cookies(driver), url
        # The same browser, given the token, is let in, and keeps the token as a cookie its
        # scripts cannot read and no other site's request carries.
        assert _document_status(driver, dashboard.url) == 200
        wait_for(driver, 'body[data-simulated="true"]')
        (cookie,) = cookies(driver)
        assert cookie['httpOnly'] is True, cookie
        assert cookie['sameSite'] == 'Strict', cookie
        assert dashboard.token not in str(script(driver, 'return document.cookie'))
        assert _document_status(driver, f'{dashboard.base}/api/snapshot') == 200
    finally:
        driver.quit()
    # The module's browser, with its cookie, still reads the model.
    assert css_count(console.driver, 'body[data-simulated="true"]') == 1


def test_a_request_without_the_token_or_from_a_foreign_host_is_refused(dashboard: Dashboard):
    token = {'token': dashboard.token}
    with httpx.Client(base_url=dashboard.base, timeout=30) as client:
        assert client.get('/').status_code == 403
        assert client.get('/', params={'token': 'x' + dashboard.token}).status_code == 403
        assert client.get('/api/snapshot').status_code == 403
        assert client.get('/events').status_code == 403
        # DNS rebinding: a page of another site whose name resolves to 127.0.0.1 reaches
        # the port, but its requests name that site in Host.
        for host in (f'attacker.example:{dashboard.port}', 'attacker.example', '127.0.0.1'):
            refused = client.get('/', params=token, headers={'Host': host})
            assert refused.status_code == 403, host
        for host in (f'127.0.0.1:{dashboard.port}', f'localhost:{dashboard.port}'):
            assert client.get('/', params=token, headers={'Host': host}).status_code == 200

        assert client.get('/', params=token).status_code == 200
        (cookie,) = client.cookies.keys()  # the page's own requests carry the token in it
        snapshot = client.get('/api/snapshot')
        assert snapshot.status_code == 200
        assert snapshot.json()['snapshot']['simulated'] is True  # with its revision
    wrong = {cookie: 'x' + dashboard.token}
    with httpx.Client(base_url=dashboard.base, timeout=30, cookies=wrong) as client:
        assert client.get('/api/snapshot').status_code == 403


def secret_values(node: Any) -> set[str]:
    """The string values in a revealed secret's content, long enough not to be common words."""
    if isinstance(node, dict):
        return {value for item in node.values() for value in secret_values(item)}  # pyright: ignore[reportUnknownVariableType]
    return {node} if isinstance(node, str) and len(node) >= 8 else set()


def test_the_secrets_view_lists_the_secrets_by_metadata_and_never_their_content(
    browser: WebDriver, stack: Path, dashboard: Dashboard
):
    secrets = olm_json(stack, 'secrets')
    assert secrets  # the stack's charms made some: a test of nothing otherwise
    show(browser, 'secrets')

    drawn = read(browser, 'table#secrets-table tr[data-uri]', 'data-uri', inner='td')
    rows = {row['data-uri'].removeprefix('secret:'): row for row in drawn}
    assert len(rows) == len(drawn)
    assert set(rows) == {uri.removeprefix('secret:') for uri in secrets}
    for uri, metadata in secrets.items():
        row = rows[uri.removeprefix('secret:')]
        assert row.shown, row
        assert metadata['owner'] in row.inner, (uri, row.inner)
        assert str(metadata['revision']) in row.inner, (uri, row.inner)
        if metadata.get('label'):
            assert metadata['label'] in row.inner, (uri, row.inner)

    contents: set[str] = set()
    for uri in secrets:
        revealed = olm_json(stack, 'show-secret', '--reveal', uri)
        contents |= secret_values(next(iter(revealed.values()))['content'])
    assert contents  # a test of nothing otherwise
    with httpx.Client(base_url=dashboard.base, timeout=30) as client:
        snapshot = client.get('/api/snapshot', params={'token': dashboard.token}).text
    page = browser.page_source
    for value in contents:
        assert value not in page
        assert value not in snapshot


def test_a_unit_added_by_add_unit_appears_within_2_s_without_a_reload(
    browser: WebDriver, stack: Path
):
    show(browser, 'model')
    before = olm_json(stack, 'status')['applications']['kubernetes-worker']['units']
    script(browser, 'window.__noReload = 1')
    (body,) = read(browser, 'body', 'data-revision')
    revision = int(body['data-revision'])

    out = ok(stack, 'add-unit', 'kubernetes-worker')
    exited = time.monotonic()

    (added,) = re.findall(r'^added unit (\S+)$', out, re.M)
    # Within 2 s of the exit: the waits share one deadline, counted from it.
    left = lambda: max(0.0, exited + LIVE_WITHIN - time.monotonic())  # noqa: E731
    wait_for(browser, f'table#units-table tr[data-unit="{added}"]', left())
    node = f'g.application[data-name="kubernetes-worker"][data-units="{len(before) + 1}"]'
    wait_for(browser, node, left())
    print(f'{added} shown {time.monotonic() - exited:.2f} s after add-unit exited')
    after = olm_json(stack, 'status')['applications']['kubernetes-worker']['units']
    assert set(after) == {*before, added}
    assert script(browser, 'return window.__noReload') == 1  # the same page
    (body,) = read(browser, 'body', 'data-revision')
    assert int(body['data-revision']) > revision
    assert browser.find_element(By.ID, 'live').text.strip().lower() == 'live'
    wait_for(browser, f'#view-metal .machine .unit[data-unit="{added}"]')  # the metal view too


def test_the_hook_timeline_highlights_errors_and_filters_by_application_unit_and_errors(
    browser: WebDriver, stack: Path
):
    # A hook fails as when the unit agent loses its controller connection mid-hook (olm's
    # simulated juju-hook fault, as tests/e2e/test_metal_k8s.py makes one).
    failing = 'rack-agent/0'
    machine = units_of(olm_json(stack, 'status'))[failing]
    ok(stack, 'inject-fault', 'juju-hook', 'fail-once', '--match', 'update-status',
       '--machine', machine)  # fmt: skip
    ok(stack, 'update-status')
    show(browser, 'hooks')
    failed = f'.timeline-row[data-unit="{failing}"] .hook.failed[data-hook="update-status"]'
    wait_for(browser, failed)
    wait_for(browser, 'g.application[data-name="rack-agent"][data-status="error"]')

    rows = timeline(browser)
    units = units_of(olm_json(stack, 'status'))
    assert {row['data-unit'] for row in rows} <= set(units)
    assert len({row['data-unit'] for row in rows}) == len(rows)  # one row per unit
    assert all(row['data-application'] == row['data-unit'].split('/')[0] for row in rows)
    assert not any(row.hidden for row in rows)  # nothing filtered yet
    for hook in read(browser, '.timeline-row .hook', 'data-hook', 'data-outcome'):
        assert ('failed' in hook.classes) == (hook['data-outcome'] != 'ok'), hook

    choose(browser, 'select#hook-app', 'rack-agent')
    rows = timeline(browser)
    assert shown_units(rows) == {
        row['data-unit'] for row in rows if row['data-application'] == 'rack-agent'
    }
    assert shown_units(rows) and len(shown_units(rows)) < len(rows)
    choose(browser, 'select#hook-app', '')
    assert not any(row.hidden for row in timeline(browser))

    choose(browser, 'select#hook-unit', 'rack-agent/1')
    assert shown_units(timeline(browser)) == {'rack-agent/1'}
    choose(browser, 'select#hook-unit', '')
    assert not any(row.hidden for row in timeline(browser))

    retried(browser, lambda: browser.find_element(By.ID, 'hook-errors-only').click())
    assert browser.find_element(By.ID, 'hook-errors-only').is_selected()
    rows = timeline(browser)
    with_errors = {row['data-unit'] for row in rows if row.inner}  # a .hook.failed in it
    assert shown_units(rows) == with_errors
    assert failing in with_errors
    retried(browser, lambda: browser.find_element(By.ID, 'hook-errors-only').click())
    assert not any(row.hidden for row in timeline(browser))

    ok(stack, 'resolve', failing)  # the fault fired once: the retry succeeds
    wait_for(browser, 'g.application[data-name="rack-agent"][data-status="active"]')
    show(browser, 'model')


def timeline(browser: WebDriver) -> list[Drawn]:
    """The hook timeline's rows (one per unit), with whether each has a failed hook."""
    return read(
        browser, '.timeline-row[data-unit]', 'data-unit', 'data-application',
        inner='.hook.failed',
    )  # fmt: skip


def shown_units(rows: list[Drawn]) -> set[str]:
    """The units whose timeline rows the filters left shown."""
    return {row['data-unit'] for row in rows if not row.hidden}


def test_the_browser_console_shows_no_errors_over_the_session(console: Console):
    # Last in the module: everything above ran in this browser (the refused pages in one of
    # their own, whose failed loads are the point of their test).
    errors = console.errors()
    assert not errors, 'the browser console showed errors:\n' + '\n'.join(errors)

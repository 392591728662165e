"""The dashboard in a real headless browser: one stack, one dashboard and one browser per module.

The stack is the demo's (``tox -e demo``): the lab pool imported, ``bundles/metal-k8s.yaml``
deployed with seed 1 and settled, in a state directory of the module's own, each step an
``olm`` process as tests/e2e/olmcli.py runs it. ``olm dashboard --port 0`` then serves it and
says where on its standard output; the browser is Debian's chromium, driven through Debian's
chromedriver (the same build, so the two always match) by Selenium, which is told where both
are so that it never tries to download a browser or a driver of its own.

Where chromium or chromedriver is missing the tests skip, saying so, except under CI (the
``CI`` variable set, as CI runs .ci/run), where they fail: CI installs both (.ci/run) and must
never pass without having driven a browser.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[2]
# The olm processes are run as the end-to-end tests run them (tests/e2e/olmcli.py), and the
# dashboard as tests/e2e/dashboardcli.py starts and stops it.
sys.path.insert(0, str(ROOT / 'tests' / 'e2e'))

from browsertools import Console, browser_paths, start_browser  # noqa: E402
from dashboardcli import Dashboard  # noqa: E402
from olmcli import LAB, ok  # noqa: E402

STACK = ROOT / 'bundles' / 'metal-k8s.yaml'


@pytest.fixture(scope='module')
def stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's stack, deployed and settled: its state directory (OLM_HOME)."""
    browser_paths()  # before the deploy: no browser, nothing to build
    state = tmp_path_factory.mktemp('stack') / 'olm'
    ok(state, 'pool', 'import', str(LAB))
    ok(state, 'deploy', str(STACK), '--seed', '1')
    ok(state, 'wait')
    return state


@pytest.fixture(scope='module')
def dashboard(stack: Path) -> Iterator[Dashboard]:
    """``olm dashboard --port 0`` on the stack; at the end, SIGINT, which must exit 0."""
    with Dashboard(stack) as served:
        yield served
        assert served.running(), f'olm dashboard ended early:\n{served.stderr}'
        returncode = served.stop()
    assert returncode == 0, f'olm dashboard exited {returncode} on SIGINT:\n{served.stderr}'
    assert served.stderr == '', served.stderr


@pytest.fixture(scope='module')
def console(dashboard: Dashboard) -> Iterator[Console]:
    """The module's browser, on the dashboard's URL; its console must show no error at the end.

    The module's last test checks the console over the whole session; this fixture checks it
    again at the end, for what came after (or when that test was not selected).
    """
    driver = start_browser()
    watched = Console(driver)
    try:
        driver.get(dashboard.url)
        yield watched
        errors = watched.errors()
    finally:
        driver.quit()
    assert not errors, 'the browser console showed errors:\n' + '\n'.join(errors)


@pytest.fixture
def browser(console: Console) -> WebDriver:
    """The module's browser (one session: the page stays open from test to test)."""
    return console.driver

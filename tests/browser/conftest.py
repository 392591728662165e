"""The dashboard in a real headless browser: one stack, one dashboard and one browser per module.

The stack is the demo's (``tox -e demo``): the lab pool imported, ``bundles/metal-k8s.yaml``
deployed with seed 1 and settled, in a state directory of the module's own, each step an
``olm`` process as tests/e2e/olmcli.py runs it. ``olm dashboard --port 0`` then serves it and
says where on its standard output; the browser is Debian's chromium, driven through Debian's
chromedriver (the same build, so the two always match) by Selenium, which is told where both
are so that it never tries to download a browser or a driver of its own.

Where chromium or chromedriver is missing the tests skip, saying so, except under CI (the
``CI`` variable set, as .ci/run does), where they fail: CI installs both (.ci/run) and must
never pass without having driven a browser.
"""

from __future__ import annotations

import dataclasses
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
STACK = ROOT / 'bundles' / 'metal-k8s.yaml'
URL = re.compile(r'http://127\.0\.0\.1:(\d+)/\?token=(\S+)')
"""The one line ``olm dashboard`` prints once it serves: where, and with which token."""
STARTUP_TIMEOUT = 120.0
"""How long the dashboard may take to print its URL (seconds), not a measure of anything."""
WINDOW = (1400, 900)


def command(*args: str) -> list[str]:
    """The argv of ``olm ARGS``: this Python running the CLI module, as tests/e2e/olmcli.py."""
    return [sys.executable, '-m', 'orchestrator.cli', *args]


def environment(state: Path) -> dict[str, str]:
    """The environment of an olm process on ``state``, as tests/e2e/olmcli.py builds it.

    The caller's ``OLM_*`` settings are dropped (no developer's model settings leak in);
    ``OLM_HOME`` is the module's state and a failed hook is retried only after an hour, so
    that it stays failed while the page is looked at.
    """
    built = {k: v for k, v in os.environ.items() if not k.startswith('OLM_')}
    built.update(OLM_HOME=str(state), OLM_RETRY_DELAY='3600')
    return built


def ok(state: Path, *args: str) -> str:
    """Run ``olm ARGS`` on ``state`` from the repository root; it must succeed: its stdout."""
    done = subprocess.run(
        command(*args), capture_output=True, text=True, env=environment(state), cwd=ROOT,
        timeout=600, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        pytest.fail(f'olm {" ".join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}')
    return done.stdout


def browser_paths() -> tuple[str, str]:
    """Debian's chromium and chromedriver (apt: chromium, chromium-driver), or skip (fail in CI).

    Selenium is imported here too, so that a run outside ``tox -e browser`` says what is
    missing instead of failing to collect.
    """
    found = {name: shutil.which(name) for name in ('chromium', 'chromedriver')}
    missing = [name for name, path in found.items() if path is None]
    try:
        import selenium  # noqa: F401  # pyright: ignore[reportUnusedImport]
    except ImportError:
        missing.append('selenium (tox -e browser installs it)')
    if missing:
        reason = (
            f'{", ".join(missing)} not installed: the dashboard was not tested in a browser '
            '(apt-get install chromium chromium-driver)'
        )
        if os.environ.get('CI'):
            pytest.fail(f'CI must install the browser (.ci/run does): {reason}')
        pytest.skip(reason)
    chromium, chromedriver = found['chromium'], found['chromedriver']
    assert chromium is not None
    assert chromedriver is not None
    return chromium, chromedriver


def start_browser(*, performance: bool = False) -> WebDriver:
    """A fresh headless chromium (its own profile: no cookie) at :data:`WINDOW`'s size.

    Its console is kept (``driver.get_log('browser')``); ``performance`` keeps the DevTools
    network events too, to read a response's status (``driver.get_log('performance')``).
    """
    chromium, chromedriver = browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage'):
        options.add_argument(argument)
    options.add_argument(f'--window-size={WINDOW[0]},{WINDOW[1]}')
    logs = {'browser': 'ALL', **({'performance': 'ALL'} if performance else {})}
    options.set_capability('goog:loggingPrefs', logs)
    return webdriver.Chrome(service=Service(chromedriver), options=options)


# Selenium's own signatures leave some types unknown; these three say what the tests use.


def script(driver: WebDriver, source: str, *args: object) -> Any:
    """Run JavaScript ``source`` in the page (``arguments`` are ``args``); what it returns."""
    return driver.execute_script(source, *args)  # pyright: ignore[reportUnknownMemberType]


def logs(driver: WebDriver, kind: str) -> list[dict[str, Any]]:
    """The entries of the browser's log ``kind`` since the last call (``browser``, ...)."""
    return driver.get_log(kind)  # pyright: ignore[reportUnknownMemberType]


def cookies(driver: WebDriver) -> list[dict[str, Any]]:
    """The cookies the browser keeps for the page's site."""
    return driver.get_cookies()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


@dataclasses.dataclass
class Dashboard:
    """A running ``olm dashboard``: its process, and where it serves."""

    process: subprocess.Popen[str]
    url: str
    """The URL it printed, token included."""
    port: int
    token: str
    stderr: Path

    @property
    def base(self) -> str:
        """Its address without the token: ``http://127.0.0.1:PORT``."""
        return f'http://127.0.0.1:{self.port}'


@dataclasses.dataclass
class Console:
    """Everything a browser's console said over a session (get_log drains what it returns)."""

    driver: WebDriver
    entries: list[dict[str, Any]] = dataclasses.field(default_factory=list[dict[str, Any]])

    def errors(self) -> list[str]:
        """The SEVERE entries so far: JavaScript errors, failed requests of the page."""
        self.entries.extend(logs(self.driver, 'browser'))
        return [entry['message'] for entry in self.entries if entry['level'] == 'SEVERE']


@pytest.fixture(scope='module')
def stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's stack, deployed and settled: its state directory (OLM_HOME)."""
    browser_paths()  # before the deploy: no browser, nothing to build
    state = tmp_path_factory.mktemp('stack') / 'olm'
    ok(state, 'pool', 'import', str(LAB))
    ok(state, 'deploy', str(STACK), '--seed', '1')
    ok(state, 'wait')
    return state


def _lines(stream: Any, into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


@pytest.fixture(scope='module')
def dashboard(stack: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """``olm dashboard --port 0`` on the stack; at the end, SIGINT, which must exit 0."""
    stderr = tmp_path_factory.mktemp('dashboard') / 'stderr'
    with stderr.open('w') as err:
        process = subprocess.Popen(
            command('dashboard', '--port', '0'), stdout=subprocess.PIPE, stderr=err, text=True,
            env=environment(stack), cwd=ROOT,
        )  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    found = None
    while found is None:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            process.kill()
            pytest.fail(f'olm dashboard printed no URL:\n{"".join(seen)}{stderr.read_text()}')
        seen.append(line)
        found = URL.search(line)
    served = Dashboard(process, found.group(0), int(found.group(1)), found.group(2), stderr)
    yield served
    if process.poll() is not None:
        pytest.fail(f'olm dashboard ended early ({process.returncode}):\n{stderr.read_text()}')
    process.send_signal(signal.SIGINT)
    try:
        returncode = process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f'olm dashboard did not stop on SIGINT:\n{stderr.read_text()}')
    assert returncode == 0, f'olm dashboard exited {returncode} on SIGINT:\n{stderr.read_text()}'


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

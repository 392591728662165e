"""Chromium for the browser tests: found (or skipped, or failed under CI), started, and read.

The browser is Debian's chromium, driven through Debian's chromedriver (the same build, so the
two always match) by Selenium, which is told where both are so that it never tries to download
a browser or a driver of its own.
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

WINDOW = (1400, 900)


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
class Console:
    """Everything a browser's console said over a session (get_log drains what it returns)."""

    driver: WebDriver
    entries: list[dict[str, Any]] = dataclasses.field(default_factory=list[dict[str, Any]])

    def errors(self) -> list[str]:
        """The SEVERE entries so far: JavaScript errors, failed requests of the page."""
        self.entries.extend(logs(self.driver, 'browser'))
        return [entry['message'] for entry in self.entries if entry['level'] == 'SEVERE']

"""Screenshots of ``olm dashboard`` for the README: the model view and the metal view.

Builds the demo's stack in a temporary state directory (``olm pool import`` of the lab pool,
``olm deploy bundles/metal-k8s.yaml --seed 1``, ``olm wait``: the commands of ``tox -e demo``),
or takes an existing one (``--state-dir``), serves it with ``olm dashboard --port 0``, opens the
page in Debian's headless chromium at 1400x900 through Debian's chromedriver (Selenium, told
where both are: nothing is downloaded), and saves the model view to ``--out`` (default
``docs/images/dashboard.png``) and the metal view beside it (``dashboard-metal.png``).

Needs the ``dashboard`` extra and the ``browser`` group (``tox -e screenshot`` has both) and
``apt-get install chromium chromium-driver``. The machines in the pictures are simulated, and
every view of the page says so.
"""

# pyright: strict

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[1]
URL = re.compile(r'http://127\.0\.0\.1:\d+/\?token=\S+')
"""The one line ``olm dashboard`` prints once it serves."""
SIZE = (1400, 900)
WAIT = 60.0
"""Seconds to wait for the page to draw."""


def olm(*args: str) -> list[str]:
    """The argv of ``olm ARGS``: this Python running the CLI module."""
    return [sys.executable, '-m', 'orchestrator.cli', *args]


def environment(state: Path) -> dict[str, str]:
    """This environment with ``OLM_HOME`` the stack's state directory."""
    return {**os.environ, 'OLM_HOME': str(state)}


def build_stack(state: Path, bundle: Path, pool: Path, seed: int) -> None:
    """The demo's stack on ``state``: the pool imported, the bundle deployed and settled."""
    for args in (
        ('pool', 'import', str(pool)),
        ('deploy', str(bundle), '--seed', str(seed)),
        ('wait',),
    ):
        print('+ olm', ' '.join(args), flush=True)
        subprocess.run(
            olm(*args), check=True, cwd=ROOT, env=environment(state), stdout=subprocess.DEVNULL
        )


def serve(state: Path) -> tuple[subprocess.Popen[str], str]:
    """``olm dashboard --port 0`` on ``state``: the process and the URL it printed."""
    process = subprocess.Popen(
        olm('dashboard', '--port', '0'),
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=environment(state),
    )
    assert process.stdout is not None
    for line in process.stdout:  # it prints the URL once it serves, or ends with an error
        found = URL.search(line)
        if found:
            return process, found.group(0)
    process.kill()
    raise SystemExit(f'ERROR olm dashboard printed no URL (exit {process.wait()})')


def browser() -> webdriver.Chrome:
    """Debian's headless chromium, through Debian's chromedriver, at :data:`SIZE`."""
    chromium, chromedriver = shutil.which('chromium'), shutil.which('chromedriver')
    if chromium is None or chromedriver is None:
        raise SystemExit(
            'ERROR chromium and chromedriver are needed: apt-get install chromium chromium-driver'
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        '--headless=new',
        '--no-sandbox',
        '--disable-dev-shm-usage',
        '--hide-scrollbars',
    ):
        options.add_argument(argument)
    options.add_argument(f'--window-size={SIZE[0]},{SIZE[1]}')
    return webdriver.Chrome(service=Service(chromedriver), options=options)


def shown(driver: webdriver.Chrome, view: str) -> bool:
    """The view's section is shown (clicking its link unhides it)."""
    section = driver.find_element(By.CSS_SELECTOR, f'section#view-{view}')
    return section.get_attribute('hidden') is None


def capture(url: str, model: Path, metal: Path) -> None:
    """Open the page; save the model view to ``model`` and the metal view to ``metal``."""
    driver = browser()
    try:
        # --window-size counts the window's frame too: the page itself is made SIZE.
        metrics = {'width': SIZE[0], 'height': SIZE[1], 'deviceScaleFactor': 1, 'mobile': False}
        driver.execute_cdp_cmd('Emulation.setDeviceMetricsOverride', metrics)  # pyright: ignore[reportUnknownMemberType]
        driver.get(url)
        wait = WebDriverWait(driver, WAIT)
        wait.until(lambda d: d.find_element(By.ID, 'live').text.strip().lower() == 'live')
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, 'svg#model-graph g.application'))
        for view, path in (('model', model), ('metal', metal)):
            driver.find_element(By.CSS_SELECTOR, f'nav a[data-view="{view}"]').click()
            wait.until(lambda d, view=view: shown(d, view))
            path.parent.mkdir(parents=True, exist_ok=True)
            if not driver.save_screenshot(str(path)):  # pyright: ignore[reportUnknownMemberType]
                raise SystemExit(f'ERROR chromium could not save {path}')
            print(f'wrote {path}', flush=True)
    finally:
        driver.quit()


def main(argv: list[str] | None = None) -> int:
    """Build or take the stack, serve it, and save the two screenshots."""
    parser = argparse.ArgumentParser(description='Screenshots of olm dashboard for the README')
    parser.add_argument(
        '--state-dir', type=Path, help='an existing olm state (default: build the demo stack)'
    )
    parser.add_argument(
        '--out',
        type=Path,
        default=ROOT / 'docs' / 'images' / 'dashboard.png',
        help='the model view PNG; the metal view is saved beside it as NAME-metal.png',
    )
    parser.add_argument('--bundle', type=Path, default=ROOT / 'bundles' / 'metal-k8s.yaml')
    parser.add_argument('--pool', type=Path, default=ROOT / 'bundles' / 'pools' / 'lab.yaml')
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    metal = out.with_name(f'{out.stem}-metal{out.suffix}')
    with tempfile.TemporaryDirectory(prefix='olm-screenshot-') as scratch:
        state: Path | None = args.state_dir
        if state is None:
            state = Path(scratch) / 'olm'
            build_stack(state, args.bundle.resolve(), args.pool.resolve(), args.seed)
        process, url = serve(state.resolve())
        try:
            capture(url, out, metal)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)
    return 0


if __name__ == '__main__':
    sys.exit(main())

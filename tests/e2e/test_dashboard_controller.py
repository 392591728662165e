"""``olm dashboard --controller NAME -m MODEL``: the page of a real controller's model.

The ``juju`` on the PATH is tests/data/juju/stub_juju, which prints published ``juju status``
and ``juju secrets`` outputs (tests/data/juju/README.md) and Juju's error texts; no Juju is
needed. The command runs as a user runs it, its page is read over HTTP, Ctrl-C stops it.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from olmcli import ROOT, command, environment, olm

STUB = ROOT / 'tests' / 'data' / 'juju' / 'stub_juju'
URL = re.compile(r'http://127\.0\.0\.1:\d+/\?token=\S+')


@pytest.fixture
def juju_env(tmp_path: Path) -> dict[str, str]:
    """PATH with the stub first as ``juju``; its command lines logged to ``juju.log``."""
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    (bin_dir / 'juju').symlink_to(STUB)
    env = environment(tmp_path / 'state')
    env['PATH'] = f'{bin_dir}:{env.get("PATH", "/usr/bin:/bin")}'
    env['STUB_JUJU_LOG'] = str(tmp_path / 'juju.log')
    return env


@pytest.fixture
def dashboard(juju_env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """``olm dashboard --controller lab -m subs --port 0`` running; the URL it printed."""
    process = subprocess.Popen(
        command('dashboard', '--controller', 'lab', '-m', 'subs', '--port', '0'),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=juju_env, cwd=ROOT,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines: list[str] = []
        for line in process.stdout:  # the URL comes once the model was read
            lines.append(line)
            match = URL.search(line)
            if match:
                yield process, match.group(0)
                break
        else:
            pytest.fail(
                f'no URL printed: {"".join(lines)}{process.stderr and process.stderr.read()}'
            )
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def test_the_page_of_a_controller_model_serves_its_snapshot(
    dashboard: tuple[subprocess.Popen[str], str], juju_env: dict[str, str]
) -> None:
    process, url = dashboard
    token = url.split('token=', 1)[1]
    api = url.split('/?', 1)[0] + '/api/snapshot'

    answer = httpx.get(api, params={'token': token}, timeout=30)
    refused = httpx.get(api, timeout=30)

    assert answer.status_code == 200
    snapshot: dict[str, Any] = answer.json()['snapshot']
    assert snapshot['source'] == 'juju: lab:subs'
    assert snapshot['simulated'] is False
    apps = {app['name']: app for app in snapshot['applications']}
    assert apps['nrpe']['subordinate_to'] == ['ubun2', 'ubuntu']
    assert {r['interface'] for r in snapshot['relations']} == {'juju-info'}
    assert {m['machine']: m['units'] for m in snapshot['metal']} == {
        '1': ['ubuntu/1'],
        '2': ['ubun2/0'],
    }
    failed = [(h['unit'], h['hook']) for h in snapshot['hooks'] if h['outcome'] == 'error']
    assert ('nrpe/2', 'install') in failed
    assert {s['label'] for s in snapshot['secrets']} == {'admin-account', 'admin-password'}
    assert refused.status_code == 403

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    logged = [
        json.loads(line) for line in Path(juju_env['STUB_JUJU_LOG']).read_text().splitlines()
    ]
    assert not any('--reveal' in argv for argv in logged)


def test_an_unknown_model_is_one_error_line(tmp_path: Path, juju_env: dict[str, str]) -> None:
    done = olm(
        tmp_path / 'state', 'dashboard', '--controller', 'lab', '-m', 'nope', '--port', '0',
        env={'PATH': juju_env['PATH'], 'STUB_JUJU_LOG': juju_env['STUB_JUJU_LOG']},
        timeout=60,
    )  # fmt: skip

    assert done.returncode == 1
    assert done.stderr == (
        'ERROR juju status -m lab:nope --format json failed (exit 1): '
        'ERROR model lab:admin/nope not found\n'
    )
    assert 'Traceback' not in done.stderr
    assert done.stdout == ''
    assert not (tmp_path / 'state').exists()

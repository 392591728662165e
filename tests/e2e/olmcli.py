"""olm as a user runs it, one process per command: the one way the end-to-end tests call it.

Every e2e test drives ``python -m orchestrator.cli`` on a state directory of its own (the
``OLM_HOME`` a user would set) and reads the result back as the next ``olm`` command would:
through ``status --format json`` or from the state's store. The environment of each run is
built here, the same for every test, so that no test inherits the model settings of a
developer's shell and no two tests disagree on what "olm with a failed hook" means:

* the calling process's ``OLM_HOME``, ``OLM_CHARMS``, ``OLM_RETRY_DELAY``,
  ``OLM_POLL_INTERVAL``, ``OLM_LOCK_TIMEOUT`` and ``OLM_PROGRESS_INTERVAL`` are dropped (other
  ``OLM_*`` settings pass); ``OLM_HOME`` is the test's state;
* ``OLM_RETRY_DELAY`` is an hour unless a test asks otherwise, so a failed hook shows in
  status instead of being retried by Juju's back-off while the test looks;
* the charms are the product charms under charms/ (found by name) unless a test names a
  directory of test charms (``OLM_CHARMS``);
* ``--debug`` is off unless asked for: tests check the one-line errors users see.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pytest

from orchestrator import sim
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
"""The made-up 20-machine lab inventory every e2e test imports as its pool."""
BUNDLES = ROOT / 'tests' / 'e2e' / 'bundles'
OFFERS = ROOT / 'bundles' / 'offers'
TEST_CHARMS = ROOT / 'tests' / 'charms'
HOLD_RETRIES = '3600'
"""``OLM_RETRY_DELAY`` by default: an hour, longer than any test, so failed hooks stay failed."""
SET_PER_TEST = frozenset({
    'OLM_HOME', 'OLM_CHARMS', 'OLM_RETRY_DELAY', 'OLM_POLL_INTERVAL', 'OLM_LOCK_TIMEOUT',
    'OLM_PROGRESS_INTERVAL',
})  # fmt: skip
"""What olm reads from the environment that each test sets for itself, or leaves unset."""


def environment(
    state: Path,
    *,
    charms: Path | None = None,
    retry_delay: str | None = HOLD_RETRIES,
    env: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of an olm process on ``state``: this one's, less :data:`SET_PER_TEST`.

    ``charms`` sets ``OLM_CHARMS``; ``retry_delay=None`` keeps Juju's own back-off; ``env``
    adds or overrides variables (a fake ``juju`` on ``PATH``, ``OLM_POLL_INTERVAL``...).
    """
    built = {k: v for k, v in os.environ.items() if k not in SET_PER_TEST}
    built['OLM_HOME'] = str(state)
    if charms is not None:
        built['OLM_CHARMS'] = str(charms)
    if retry_delay is not None:
        built['OLM_RETRY_DELAY'] = retry_delay
    built.update(env or {})
    return built


def command(*args: str, debug: bool = False) -> list[str]:
    """The argv of ``olm ARGS``: this Python running the CLI module (no install needed)."""
    return [sys.executable, '-m', 'orchestrator.cli', *(['--debug'] if debug else []), *args]


def olm(
    state: Path,
    *args: str,
    charms: Path | None = None,
    retry_delay: str | None = HOLD_RETRIES,
    env: Mapping[str, str] | None = None,
    stdin: str = '',
    debug: bool = False,
    timeout: float = 600,
    check: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run ``olm ARGS`` on the model in ``state``, in its own process, from the repository root.

    ``charms``, ``retry_delay`` and ``env`` are :func:`environment`'s; ``stdin`` is all the
    command reads (a prompt sees end of input, never the terminal); ``check`` fails the test
    on a non-zero exit, with the command's output.
    """
    done = subprocess.run(
        command(*args, debug=debug), capture_output=True, text=True, input=stdin,
        env=environment(state, charms=charms, retry_delay=retry_delay, env=env),
        timeout=timeout, check=False, cwd=ROOT,
    )  # fmt: skip
    if check and done.returncode != 0:
        pytest.fail(f'olm {" ".join(args)} exited {done.returncode}:\n{done.stdout}{done.stderr}')
    return done


def ok(state: Path, *args: str, **options: Any) -> str:
    """Run a command that must succeed; its standard output."""
    return olm(state, *args, check=True, **options).stdout


def refused(state: Path, *args: str, returncode: int | None = None, **options: Any) -> str:
    """Run a command that must fail as users see it: ``ERROR ...``, no traceback; its stderr.

    ``returncode`` pins the exit status (1 for a refused request, 2 for bad usage).
    """
    done = olm(state, *args, **options)
    shown = f'olm {" ".join(args)}:\n{done.stdout}{done.stderr}'
    if returncode is None:
        assert done.returncode != 0, shown
    else:
        assert done.returncode == returncode, shown
    assert done.stderr.startswith('ERROR '), shown
    assert 'Traceback' not in done.stderr, shown
    return done.stderr


def status(state: Path, *args: str, **options: Any) -> dict[str, Any]:
    """``olm status --format json`` (Juju's shape), parsed."""
    return json.loads(ok(state, 'status', '--format', 'json', *args, **options))


def without_times(node: Any) -> Any:
    """A status view without its clock (``since``, ``timestamp``): what two runs can share."""
    if isinstance(node, dict):
        items = cast('dict[str, Any]', node).items()
        return {k: without_times(v) for k, v in items if k not in ('since', 'timestamp')}
    if isinstance(node, list):
        return [without_times(v) for v in cast('list[Any]', node)]
    return node


def copy_state(state: Path, into: Path) -> Path:
    """An independent model: a copy of a state directory no olm is running on."""
    copy = into / 'olm'
    shutil.copytree(state, copy)
    return copy


# -- reading the state as the next olm command loads it -----------------------------------------


def records(state: Path, kind: str) -> dict[str, Any]:
    """The store's records of one kind (``unit``, ``secret``, ``sim-shared``...), by key."""
    store = Store(state)
    try:
        with store.snapshot() as txn:
            return txn.records(kind)
    finally:
        store.close()


def world(state: Path) -> sim.World:
    """The model's simulated machines and shared facts, loaded as olm loads them."""
    store = Store(state)
    try:
        with store.snapshot() as txn:
            loaded = sim.World()
            loaded.load_shared(txn.records('sim-shared')[''])
            for machine_id, data in txn.records('sim-machine').items():
                loaded.load_machine(machine_id, data)
    finally:
        store.close()
    return loaded


def shared_facts(state: Path) -> dict[str, Any]:
    """What every simulated machine of the model shares (MAAS databases, clusters...), raw."""
    return json.loads(records(state, 'sim-shared')[''])['shared']


# -- the load balancer's rendered haproxy.cfg ---------------------------------------------------


def haproxy_servers(config: str) -> list[str]:
    """The backend server addresses of a rendered haproxy.cfg, sorted."""
    return sorted(m.group(1) for m in re.finditer(r'^\s*server\s+\S+\s+(\S+)', config, re.M))


def haproxy_check(config: str, tmp: Path) -> None:
    """The real ``haproxy -c`` on a rendered config; skips the test where haproxy is missing.

    Call it after the test's other checks: a skip ends the test. CI installs haproxy (.ci/run),
    so there a missing haproxy fails instead.
    """
    haproxy = shutil.which('haproxy', path=f'{os.environ.get("PATH", "")}:/usr/sbin:/sbin')
    if haproxy is None:
        if os.environ.get('CI'):
            pytest.fail('CI must install haproxy (.ci/run does) to check the rendered config')
        pytest.skip('haproxy is not installed: the rendered config was not checked by haproxy')
    path = tmp / 'haproxy.cfg'
    path.write_text(config)
    done = subprocess.run([haproxy, '-c', '-f', str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr

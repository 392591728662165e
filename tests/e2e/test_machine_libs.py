"""Charms written with Canonical's charm libraries for the machine run on olm unchanged.

tests/charms/machine-libs drives its machine only through charmlibs-snap (snapd's REST API on
``/run/snapd.socket``), charmlibs-apt (``apt-get``, ``apt-cache``, ``dpkg``) and
charmlibs-systemd (``systemctl``), as published on PyPI; its ``legacy`` action does the same
with the older ``charms.operator_libs_linux`` libraries (v2 snap, v0 apt, v1 systemd). Deployed
through both runners, it reaches active, and the simulated machine shows afterwards what the
libraries did: the snap installed, held and configured with its service running, the package
installed with its service running.

The dispatch runner builds the charm's venv from its requirements.txt, as charmcraft's charm
plugin does. The in-process runner does not build one yet, so for it the same requirements are
installed into a directory put on the olm process's ``PYTHONPATH`` here.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from olmcli import TEST_CHARMS, ok, records, status

from orchestrator import sim

CHARM = TEST_CHARMS / 'machine-libs'
LEGACY_MIRROR = Path('/work/.mirror/canonical+operator-libs-linux/repo')
"""canonical/operator-libs-linux, where the ``charms.operator_libs_linux`` libraries live."""
LEGACY_LIBS = ('v0/apt.py', 'v1/systemd.py', 'v2/snap.py')

RUNNERS = [
    'scenario',
    pytest.param(
        'dispatch',
        marks=pytest.mark.skipif(shutil.which('bwrap') is None, reason='needs bubblewrap'),
    ),
]


@pytest.fixture(scope='module')
def charm_requirements(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The charm's requirements but ops, installed in a directory (the in-process runner's)."""
    target = tmp_path_factory.mktemp('requirements')
    wanted = [
        line.strip()
        for line in (CHARM / 'requirements.txt').read_text().splitlines()
        if line.strip() and not line.startswith(('#', 'ops'))
    ]
    done = subprocess.run(
        [sys.executable, '-m', 'pip', 'install', '--quiet', '--no-deps', '--target', str(target),
         *wanted],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode:
        pytest.skip(f'the charm libraries cannot be installed here: {done.stderr.strip()}')
    return target


def _machine(state: Path, machine_id: str) -> sim.SimHost:
    """The simulated machine as the model keeps it (nothing shared between machines here)."""
    return sim.World().load_machine(machine_id, records(state, 'sim-machine')[machine_id])


def _env(runner: str, requirements: Path) -> dict[str, str]:
    if runner != 'scenario':
        return {}
    path = os.environ.get('PYTHONPATH', '')
    return {'PYTHONPATH': os.pathsep.join(p for p in (path, str(requirements)) if p)}


@pytest.mark.parametrize('runner', RUNNERS)
def test_the_charm_libraries_drive_the_simulated_machine(
    lab: Path, charm_requirements: Path, runner: str
):
    env = _env(runner, charm_requirements)

    ok(lab, 'deploy', 'machine-libs', '--runner', runner, charms=TEST_CHARMS, env=env)

    unit = status(lab)['applications']['machine-libs']['units']['machine-libs/0']
    assert unit['workload-status']['current'] == 'active', unit
    assert unit['workload-status']['message'] == (
        'microceph squid/stable r1393 held (machine-libs); haproxy 2.8.5-1ubuntu3.3.amd64 running'
    )
    host = _machine(lab, unit['machine'])
    installed = host.state['snap']['snaps']['microceph']
    assert (installed['channel'], installed['held']) == ('squid/stable', True)
    assert installed['config'] == {'olm': {'test': 'machine-libs'}}
    # mon is left disabled by the snap's install: the charm started and enabled it.
    services = host.call(['snap', 'services', 'microceph.mon']).stdout.splitlines()
    assert services[1].split()[:3] == ['microceph.mon', 'enabled', 'active']
    assert host.call(['dpkg-query', '-W', 'haproxy']).stdout == 'haproxy\t2.8.5-1ubuntu3.3\n'
    assert host.call(['systemctl', 'is-active', 'haproxy']).stdout == 'active\n'
    # The snap's API and its command line are one snapd: the CLI sees the hold.
    listed = host.call(['snap', 'list', 'microceph']).stdout.splitlines()
    assert listed[1].split()[-1] == 'held'
    assert host.call(['snap', 'aliases']).stdout.splitlines()[1].split() == [
        'microceph.ceph', 'ceph', 'manual',
    ]  # fmt: skip


@pytest.mark.skipif(shutil.which('bwrap') is None, reason='needs bubblewrap')
@pytest.mark.skipif(not LEGACY_MIRROR.is_dir(), reason='needs canonical/operator-libs-linux')
def test_the_operator_libs_linux_copies_drive_it_too(lab: Path, tmp_path: Path):
    """The libraries as ``charmcraft fetch-lib`` puts them in a charm's lib/, from upstream.

    Through the dispatch runner, where the hook's ``/`` is its machine: v2 snap's SnapCache
    first checks that ``/usr/bin/snap`` exists, and v0 apt's RepositoryMapping reads
    ``/etc/apt/sources.list.d``, files the in-process runner would read on the computer olm
    runs on.
    """
    charms = tmp_path / 'charms'
    charm = charms / 'machine-libs'
    shutil.copytree(CHARM, charm)
    for name in LEGACY_LIBS:
        path = f'lib/charms/operator_libs_linux/{name}'
        target = charm / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shown = subprocess.run(
            ['git', '-C', str(LEGACY_MIRROR), 'show', f'HEAD:{path}'], capture_output=True,
            check=True,
        )  # fmt: skip
        target.write_bytes(shown.stdout)
    ok(lab, 'deploy', 'machine-libs', '--runner', 'dispatch', charms=charms)

    out = ok(lab, 'run', 'machine-libs/0', 'legacy', '--format', 'json', charms=charms)

    (task,) = json.loads(out).values()
    assert task['status'] == 'completed', task
    assert task['results'] == {
        'apt-releases': 'noble,noble-backports,noble-security,noble-updates',
        'maas-present': 'True',
        'maas-held': 'True',
        'maas-option': 'yes',
        'maas-services': 'pebble',
        'jq': '1.7.1-3build1.amd64',
        'haproxy-running': 'True',
        'return-code': 0,
    }
    host = _machine(lab, '0')
    assert host.state['snap']['snaps']['maas']['channel'] == '3.6/stable'
    assert host.call(['snap', 'get', 'system', 'refresh.hold']).stdout == 'forever\n'
    assert host.call(['snap', 'aliases', 'maas']).stdout.splitlines()[1].split() == [
        'maas', 'maas-cli', 'manual',
    ]  # fmt: skip
    assert host.call(['dpkg-query', '-W', 'jq']).stdout == 'jq\t1.7.1-3build1\n'

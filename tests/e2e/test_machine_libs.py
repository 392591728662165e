"""Charms written with Canonical's charm libraries for the machine run on olm unchanged.

tests/charms/machine-libs drives its machine only through charmlibs-snap (snapd's REST API on
``/run/snapd.socket``), charmlibs-apt (``apt-get``, ``apt-cache``, ``dpkg``) and
charmlibs-systemd (``systemctl``), as published on PyPI; its ``legacy`` action does the same
with the older ``charms.operator_libs_linux`` libraries (v2 snap, v0 apt, v1 systemd). Deployed
through both runners, it reaches active, and the simulated machine shows afterwards what the
libraries did: the snap installed, held and configured with its service running, the package
installed with its service running.

Neither runner is given the libraries: the dispatch runner builds the charm's venv from its
requirements.txt, as charmcraft's charm plugin does, and the in-process runner installs what of
it olm's own environment lacks (orchestrator/agent/charm_venv.py).
"""

from __future__ import annotations

import json
import shutil
import subprocess
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


def _machine(state: Path, machine_id: str) -> sim.SimHost:
    """The simulated machine as the model keeps it (nothing shared between machines here)."""
    return sim.World().load_machine(machine_id, records(state, 'sim-machine')[machine_id])


@pytest.mark.parametrize('runner', RUNNERS)
def test_the_charm_libraries_drive_the_simulated_machine(lab: Path, runner: str):
    ok(lab, 'deploy', 'machine-libs', '--runner', runner, charms=TEST_CHARMS)

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

"""The haproxy and keepalived emulations judge configurations as the real programs do.

Every file of ``corpus/haproxy/*.cfg`` and ``corpus/keepalived/*.conf`` (valid ones and the
failure kinds the charms can meet: missing interfaces, an empty ``unicast_peer`` block, unknown
keywords, bad addresses, timeouts, VRIDs and priorities, duplicate and missing sections ...) is
checked twice, by the real binary installed on this machine (``haproxy -c -f FILE``,
``keepalived -t -f FILE``) and by the emulation on a simulated machine (``orchestrator/sim/
programs/haproxy.py``, ``keepalived.py``), and the verdicts must be the same: the exit status
and the messages.

- haproxy: the ``[ALERT]`` lines without their PID prefix. HAProxy appends ``; did you mean
  'X' maybe ?`` to some unknown keywords (a spelling suggestion the emulation does not
  compute), so that suffix is left out of the comparison. ``[NOTICE]``/``[WARNING]`` lines are
  not compared.
- keepalived: its whole standard error.

The binaries here are Debian's (bookworm: haproxy 2.6, keepalived 2.2.7; CI installs them in
.ci/run), while the charm runs on Ubuntu 24.04 (haproxy 2.8 LTS, keepalived 2.2.8): the
messages compared are the same in both upstream versions (see
orchestrator/sim/conformance/haproxy.md and keepalived.md, which cite them).

``keepalived -t`` checks interfaces against the machine it runs on, so the simulated machine is
given this machine's interface names (``/sys/class/net``), and the corpus uses ``eth0`` (an
existing interface), ``lo`` and names that do not exist. keepalived's checks of scripts depend
on running as root (the charm's hooks do), so the keepalived half skips when not root. Each
half skips, saying why, when its binary is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from orchestrator.sim import SimHost, World

CORPUS = Path(__file__).resolve().parent / 'corpus'
HAPROXY_FILES = sorted((CORPUS / 'haproxy').glob('*.cfg'))
KEEPALIVED_FILES = sorted((CORPUS / 'keepalived').glob('*.conf'))
SEARCH_PATH = f'{os.environ.get("PATH", "")}:/usr/sbin:/sbin'
HAPROXY = shutil.which('haproxy', path=SEARCH_PATH)
KEEPALIVED = shutil.which('keepalived', path=SEARCH_PATH)
NET = Path('/sys/class/net')


def _interfaces() -> list[str]:
    """This machine's interface names, the loopback first."""
    names = sorted(p.name for p in NET.iterdir()) if NET.is_dir() else ['lo']
    return ['lo', *(n for n in names if n != 'lo')]


def _machine() -> SimHost:
    """A simulated machine with haproxy and keepalived, and this machine's interface names."""
    world = World(clock=lambda: 1_700_000_000.0, sleep=lambda _: None)
    host = world.add_machine('0', hostname='differential', addresses=['192.0.2.10'])
    host.apt_install('haproxy', 'keepalived')
    others = _interfaces()[1:]
    # The primary interface (the one carrying the address) first: eth0 when there is one.
    others.sort(key=lambda name: name != 'eth0')
    host.state['iproute'] = {'interfaces': others or ['eth0']}
    return host


def _alerts(stderr: str) -> list[str]:
    """haproxy's ALERT lines without the PID prefix and the spelling suggestion."""
    out: list[str] = []
    for line in stderr.splitlines():
        match = re.match(r'\[ALERT\]\s*\(\d+\) : (.*)$', line)
        if match is not None:
            out.append(re.sub(r"; did you mean '[^']*' maybe \?$", '', match.group(1)))
    return out


def _needs(binary: str | None, name: str) -> None:
    if binary is None:
        if os.environ.get('CI'):
            pytest.fail(f'CI must install {name} (.ci/run does) for the differential tests')
        pytest.skip(f'{name} is not installed here (apt-get install {name}); CI installs it')


def test_the_corpus_is_large_enough() -> None:
    assert len(HAPROXY_FILES) + len(KEEPALIVED_FILES) >= 40
    valid = [p for p in [*HAPROXY_FILES, *KEEPALIVED_FILES] if p.name.startswith('valid')]
    assert len(valid) >= 10


@pytest.mark.parametrize('path', HAPROXY_FILES, ids=lambda p: p.name)
def test_haproxy_check_verdict(path: Path) -> None:
    _needs(HAPROXY, 'haproxy')
    assert HAPROXY is not None
    real = subprocess.run(
        [HAPROXY, '-c', '-f', str(path)], capture_output=True, text=True, check=False
    )
    host = _machine()
    host.write_text(str(path), path.read_text())
    emulated = host.call(['haproxy', '-c', '-f', str(path)])
    assert (emulated.returncode, _alerts(emulated.stderr)) == (
        real.returncode,
        _alerts(real.stderr),
    )
    if real.returncode == 0:
        assert emulated.stdout == real.stdout == 'Configuration file is valid\n'
    assert path.name.startswith('valid') == (real.returncode == 0), 'name the file by verdict'


@pytest.mark.parametrize('path', KEEPALIVED_FILES, ids=lambda p: p.name)
def test_keepalived_config_test_verdict(path: Path) -> None:
    _needs(KEEPALIVED, 'keepalived')
    assert KEEPALIVED is not None
    if os.geteuid() != 0:
        pytest.skip('keepalived -t judges scripts differently when not root; run as root (CI)')
    uses = set(re.findall(r'\b(?:interface|dev)\s+(\S+)', path.read_text()))
    missing_here = {'eth0'} & uses - set(_interfaces())
    if missing_here:
        pytest.skip(f'this machine has no {", ".join(sorted(missing_here))} for the valid cases')
    real = subprocess.run(
        [KEEPALIVED, '-t', '-f', str(path)], capture_output=True, text=True, check=False
    )
    host = _machine()
    host.write_text(str(path), path.read_text())
    emulated = host.call(['keepalived', '-t', '-f', str(path)])
    assert (emulated.returncode, emulated.stderr) == (real.returncode, real.stderr)
    assert path.name.startswith('valid') == (real.returncode == 0), 'name the file by verdict'

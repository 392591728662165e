"""Injected faults: once, always, slow; scoped by machine and arguments; retried like LocalHost."""

from __future__ import annotations

import pytest
from metal_host import CommandError, CommandTimeoutError, RetryPolicy

from orchestrator.sim import Fault, SimHost, World

SNAP_BUSY = 'error: snap "k8s" has "install-snap" change in progress'


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def world(sleeps: list[float]) -> World:
    return World(sleep=sleeps.append, clock=lambda: 1_700_000_000.0)


@pytest.fixture
def host(world: World) -> SimHost:
    return world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])


def test_fail_once_then_success(world: World, host: SimHost) -> None:
    world.faults.inject('apt-get', 'fail-once', returncode=100, stderr='E: dpkg was interrupted')
    with pytest.raises(CommandError) as failed:
        host.apt_install('jq')
    assert failed.value.returncode == 100
    assert str(failed.value).endswith('failed (exit 100): E: dpkg was interrupted')
    assert len(world.faults) == 0
    host.apt_install('jq')
    assert [r.returncode for r in host.history] == [100, 0]


def test_fail_always_until_cleared(world: World, host: SimHost) -> None:
    world.faults.inject('systemctl', 'fail-always', match=['restart'], stderr='boom')
    for _ in range(3):
        assert host.run(['systemctl', 'restart', 'snapd'], check=False).stderr == 'boom'
    assert host.run(['systemctl', 'is-active', 'snapd']).stdout == 'active\n'  # not matched
    world.faults.clear('apt-get')
    assert len(world.faults) == 1
    world.faults.clear('systemctl')
    host.service('restart', 'snapd')


def test_match_is_an_argument_prefix(world: World, host: SimHost) -> None:
    world.faults.inject('snap', 'fail-always', match=('install', 'k8s'))
    assert host.run(['snap', 'install', 'maas'], check=False).returncode == 0
    assert host.run(['/usr/bin/snap', 'install', 'k8s', '--classic'], check=False).returncode == 1


def test_machine_scoped(world: World, host: SimHost) -> None:
    other = world.add_machine('1', hostname='node-1', addresses=['10.0.0.11'])
    world.faults.inject('snap', 'fail-always', machine='1')
    assert host.run(['snap', 'version'], check=False).returncode == 0
    assert other.run(['snap', 'version'], check=False).returncode == 1


def test_faults_hit_programs_the_world_does_not_emulate(world: World, host: SimHost) -> None:
    world.faults.inject('nvidia-smi', 'fail-once', returncode=9, stderr='nvidia-smi: failed')
    assert host.run(['nvidia-smi'], check=False).returncode == 9
    assert host.run(['nvidia-smi'], check=False).returncode == 127


def test_slow_sleeps_then_times_out(world: World, host: SimHost, sleeps: list[float]) -> None:
    world.faults.inject('snap', 'slow', delay=30.0)
    assert host.run(['snap', 'version'], timeout=60).returncode == 0
    assert sleeps == [30.0]
    world.retry = RetryPolicy(attempts=1)
    with pytest.raises(CommandTimeoutError) as timed_out:
        host.run(['snap', 'version'], timeout=10, check=False)  # check=False does not help
    assert str(timed_out.value) == "command 'snap version' timed out after 10s"
    assert sleeps == [30.0, 10.0]
    assert host.history[-1].returncode == -9


def test_transient_failures_are_retried_like_localhost(
    world: World, host: SimHost, sleeps: list[float]
) -> None:
    world.faults.inject('snap', 'fail-once', stderr=SNAP_BUSY)
    host.snap_install('k8s', classic=True)
    assert [r.returncode for r in host.history] == [1, 0]
    assert sleeps == [1.0]  # LocalHost's default back-off, through the World's sleep
    world.faults.inject('snap', 'fail-always', stderr=SNAP_BUSY)
    with pytest.raises(CommandError, match='change in progress'):
        host.snap_refresh('k8s')
    assert len(host.history) == 2 + 6
    assert sleeps == [1.0, 1.0, 2.0, 4.0, 8.0, 16.0]


def test_slow_timeouts_are_transient_too(world: World, host: SimHost) -> None:
    world.faults.inject('snap', 'slow', delay=100.0)
    with pytest.raises(CommandTimeoutError):
        host.run(['snap', 'list'], timeout=1)
    assert [r.returncode for r in host.history] == [-9] * 6


def test_validation() -> None:
    world = World()
    with pytest.raises(ValueError, match='positive delay'):
        world.faults.inject('snap', 'slow')
    with pytest.raises(ValueError, match=r'exit status in 1\.\.255'):
        world.faults.inject('snap', 'fail-once', returncode=0)
    with pytest.raises(ValueError, match='base name'):
        world.faults.inject('/usr/bin/snap', 'fail-once')
    with pytest.raises(ValueError, match='unknown fault kind'):
        world.faults.inject('snap', 'explode')  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='sequence of arguments'):
        world.faults.inject('snap', 'fail-once', match='install')


def test_json_round_trip() -> None:
    world = World()
    world.faults.inject('snap', 'fail-once', machine='2', match=['install'], stderr='x')
    world.faults.inject('k8s', 'slow', delay=2.5)
    again = World()
    again.faults.load_json(world.faults.to_json())
    assert list(again.faults) == list(world.faults)
    assert list(again.faults)[1] == Fault('k8s', 'slow', delay=2.5)

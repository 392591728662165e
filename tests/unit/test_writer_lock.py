"""The writer lock: its holder's record, a waiter's notice and timeout, a dead holder's leftovers.

flock locks belong to open file descriptions, so a second ``os.open`` of the lock file in this
process contends with the first as another process would: the tests hold the lock that way, or
in a child process where a pid of its own matters (stopped, dead).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from orchestrator.state.store import LockTimeoutError, LockWait, Store, holder_of

CHILD = textwrap.dedent("""
    import fcntl, os, sys, time
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    print('held', flush=True)
    time.sleep(600)
""")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / 'state')
    s.lock_wait = LockWait(command='olm deploy bundle.yaml')
    yield s
    s.close()


@pytest.fixture
def child(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the writer lock of ``tmp_path / 'state'`` (it left no record)."""
    (tmp_path / 'state').mkdir(mode=0o700)
    proc = subprocess.Popen(
        [sys.executable, '-c', CHILD, str(tmp_path / 'state' / 'writer.lock')],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdout.readline() == 'held\n'
    yield proc
    proc.send_signal(signal.SIGCONT)
    proc.kill()
    proc.wait()


def waiter(store: Store, notices: list[str], timeout: float) -> Store:
    other = Store(store.state_dir)
    other.lock_wait = LockWait(timeout=timeout, notice=notices.append, notice_after=0.0)
    return other


def test_the_holder_records_itself_privately_while_it_holds_the_lock(store: Store):
    record = store.state_dir / 'writer.lock.holder'
    with store.exclusive():
        data = json.loads(record.read_text())
        assert data['pid'] == os.getpid()
        assert data['command'] == 'olm deploy bundle.yaml'
        assert record.stat().st_mode & 0o777 == 0o600
        holder = holder_of(store.state_dir)
        assert holder is not None and holder.pid == os.getpid()
        assert holder.command == 'olm deploy bundle.yaml' and holder.since is not None
    assert not record.exists()
    assert holder_of(store.state_dir) is None


def test_a_waiter_names_the_holder_once_then_gives_up_with_one_error(store: Store):
    notices: list[str] = []
    other = waiter(store, notices, timeout=0.2)
    with store.exclusive(), pytest.raises(LockTimeoutError) as raised, other.exclusive():
        pytest.fail('the lock was taken twice')
    message = str(raised.value)
    assert message.startswith(f'could not get the writer lock of {store.state_dir} after waiting')
    assert f'held by process {os.getpid()} (olm deploy bundle.yaml) since ' in message
    assert len(notices) == 1
    assert notices[0].startswith(f'waiting for the writer lock of {store.state_dir} (up to 0.2s)')
    assert 'olm deploy bundle.yaml' in notices[0]
    other.close()


def test_nested_holds_are_one_hold(store: Store):
    with store.exclusive():
        with store.exclusive():
            pass
        holder = holder_of(store.state_dir)  # still held after the inner one let go
        assert holder is not None and holder.pid == os.getpid()
    assert holder_of(store.state_dir) is None


def test_a_dead_holders_record_is_never_trusted_alone(store: Store):
    record = store.state_dir / 'writer.lock.holder'
    store.state_dir.mkdir(mode=0o700)
    dead = subprocess.run([sys.executable, '-c', 'import os; print(os.getpid())'],
                          capture_output=True, text=True, check=True)  # fmt: skip
    stale = {'pid': int(dead.stdout), 'command': 'olm wait', 'since': 0.0}
    record.write_text(json.dumps(stale))
    # The lock is free (the kernel let go when it died): the next process simply takes it.
    with store.exclusive():
        assert json.loads(record.read_text())['pid'] == os.getpid()
    # Held without a fresh record (the holder has not written it yet): the kernel names it.
    record.write_text(json.dumps(stale))
    lock = os.open(store.state_dir / 'writer.lock', os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        holder = holder_of(store.state_dir)
    finally:
        os.close(lock)
    assert holder is not None
    assert holder.pid == os.getpid() and holder.command != 'olm wait' and holder.since is None


def test_a_stopped_holder_is_said_to_be_stopped(
    tmp_path: Path, store: Store, child: subprocess.Popen[str]
):
    child.send_signal(signal.SIGSTOP)
    notices: list[str] = []
    other = waiter(store, notices, timeout=0.1)
    stopped = (
        rf'process {child.pid} \(.*python.*\), which is stopped: resume it '
        rf'\(fg, or kill -CONT {child.pid}\) or end it'
    )
    with pytest.raises(LockTimeoutError, match=stopped), other.exclusive():
        pytest.fail('the lock was taken twice')
    other.close()


def test_a_holder_that_died_leaves_the_lock_free(store: Store, child: subprocess.Popen[str]):
    child.kill()
    child.wait()
    notices: list[str] = []
    other = waiter(store, notices, timeout=5)
    with other.exclusive():
        pass
    assert notices == []
    other.close()

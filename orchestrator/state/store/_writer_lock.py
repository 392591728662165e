"""The state directory's writer lock: who holds it, and how long another process waits for it.

One ``olm`` process changes a state directory at a time: it holds an ``flock`` on
``writer.lock`` (:meth:`Store.exclusive <orchestrator.state.store.Store.exclusive>`). A second
process used to wait on it in silence, however long the first took (one stopped with Ctrl-Z
holds it for ever). Now the holder records who it is when it takes the lock, in
``writer.lock.holder`` (its pid, command line and since when: written whole to a temporary file
and renamed over the old record, 0600 like everything in the directory), and a process that
finds the lock taken says so once, on standard error, soon after it starts waiting, then gives
up after its timeout with one ``ERROR`` line naming the holder and how long it waited.

The record is never trusted alone: the flock is the lock. A holder that died (``kill -9``)
leaves its record behind, but the kernel freed its flock, so the next process simply takes the
lock and writes its own record. A waiter believes a record only while its pid is alive and, on
Linux, the kernel's table of locks (``/proc/locks``) shows that pid holding the lock file;
otherwise it names the pid the kernel shows, or says it could not tell.

The messages follow apt's for its own locks (``apt-pkg/contrib/fileutl.cc``, ``GetLock``:
``Could not get lock %s. It is held by process %d (%s)``; apt waits with
``-o DPkg::Lock::Timeout=SECONDS``), read from a quotation of that source, not the file itself.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import fcntl
import json
import os
import time
from collections.abc import Callable, Generator
from pathlib import Path

from ._errors import StoreError

__all__ = ['LockHolder', 'LockTimeoutError', 'LockWait', 'hold', 'holder_of']

LOCK_NAME = 'writer.lock'
RECORD_NAME = 'writer.lock.holder'


class LockTimeoutError(StoreError):
    """Another process held the writer lock for longer than this one would wait."""


@dataclasses.dataclass(frozen=True)
class LockHolder:
    """The process holding the writer lock, as far as this process can tell.

    Attributes:
        pid: its process id (0: unknown).
        command: its command line ('' when unknown).
        since: when it took the lock (seconds since the epoch; None when unknown).
        stopped: it is stopped (Ctrl-Z, SIGSTOP): it will not let go until it is continued.
    """

    pid: int = 0
    command: str = ''
    since: float | None = None
    stopped: bool = False

    def describe(self) -> str:
        """``process 1234 (olm deploy x.yaml) since 2026-12-07T16:52:24Z``, with what is known."""
        if not self.pid:
            return 'another process (it left no record of itself)'
        text = f'process {self.pid}'
        if self.command:
            # On one line, however it was quoted, and short: it goes in a one-line message.
            command = ' '.join(self.command.split())
            text += f' ({command[:200]}{"..." if len(command) > 200 else ""})'
        if self.since is not None:
            text += f' since {_iso(self.since)}'
        if self.stopped:
            text += f', which is stopped: resume it (fg, or kill -CONT {self.pid}) or end it'
        return text


@dataclasses.dataclass(frozen=True)
class LockWait:
    """How a process waits for the writer lock, and what it records once it holds it.

    Attributes:
        timeout: seconds to wait before giving up; None waits as long as it takes.
        notice: told, once, who holds the lock when this process has waited ``notice_after``
            seconds (the CLI prints it on standard error); None says nothing.
        notice_after: seconds of waiting before the notice: a lock released at once is not
            worth a line.
        command: this process's command line, recorded while it holds the lock.
    """

    timeout: float | None = None
    notice: Callable[[str], None] | None = None
    notice_after: float = 0.5
    command: str = ''


@contextlib.contextmanager
def hold(directory: Path, wait: LockWait) -> Generator[None]:
    """Hold ``directory``'s writer lock, recording this process as its holder.

    Raises:
        LockTimeoutError: another process held it for longer than ``wait.timeout``.
    """
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        _acquire(lock, directory, wait)
        try:
            _record(directory, wait.command)
            try:
                yield
            finally:
                # Gone before the lock is: a waiter never reads a record of a holder that left.
                with contextlib.suppress(OSError):
                    (directory / RECORD_NAME).unlink()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    finally:
        os.close(lock)


def holder_of(directory: Path) -> LockHolder | None:
    """Who holds ``directory``'s writer lock now; None when nobody does.

    For readers (``olm status``) and tests: it takes the lock for an instant when it is free.
    """
    path = directory / LOCK_NAME
    try:
        lock = os.open(path, os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _holder(directory, lock)
        fcntl.flock(lock, fcntl.LOCK_UN)
        return None
    finally:
        os.close(lock)


def _acquire(lock: int, directory: Path, wait: LockWait) -> None:
    start = time.monotonic()
    noticed = False
    delay = 0.005
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        waited = time.monotonic() - start
        if not noticed and wait.notice is not None and waited >= wait.notice_after:
            noticed = True
            limit = 'until it is released' if wait.timeout is None else f'up to {wait.timeout:g}s'
            wait.notice(
                f'waiting for the writer lock of {directory} ({limit}): it is held by '
                f'{_holder(directory, lock).describe()}'
            )
        if wait.timeout is not None and waited >= wait.timeout:
            raise LockTimeoutError(
                f'could not get the writer lock of {directory} after waiting {waited:.1f}s '
                f'(--lock-timeout or $OLM_LOCK_TIMEOUT to wait longer): it is held by '
                f'{_holder(directory, lock).describe()}'
            )
        left = [0.1, delay]
        if wait.timeout is not None:
            left.append(max(0.0, wait.timeout - waited))
        if wait.notice is not None and not noticed:
            left.append(max(0.0, wait.notice_after - waited))
        time.sleep(min(left))
        delay *= 2


def _record(directory: Path, command: str) -> None:
    """Write this process's record whole, 0600, replacing any other (a dead holder's)."""
    record = json.dumps({'pid': os.getpid(), 'command': command, 'since': time.time()})
    temporary = directory / f'{RECORD_NAME}.{os.getpid()}'
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(descriptor, record.encode())
    finally:
        os.close(descriptor)
    os.replace(temporary, directory / RECORD_NAME)


def _holder(directory: Path, lock: int) -> LockHolder:
    """Who holds the lock that ``lock`` (an open descriptor of the lock file) waits on."""
    kernel = _kernel_holders(os.fstat(lock))
    try:
        data = json.loads((directory / RECORD_NAME).read_text())
        pid, command, since = int(data['pid']), str(data['command']), float(data['since'])
    except (OSError, ValueError, KeyError, TypeError):
        pid, command, since = 0, '', None
    believed = pid > 0 and _alive(pid) and (kernel is None or pid in kernel)
    if not believed:
        # No record, or one left by a holder that died: the kernel still knows the pid.
        pid = min(kernel) if kernel else 0
        command, since = (_cmdline(pid), None) if pid else ('', None)
    return LockHolder(pid=pid, command=command, since=since, stopped=bool(pid) and _stopped(pid))


def _kernel_holders(stat: os.stat_result) -> set[int] | None:
    """The pids ``/proc/locks`` shows holding an flock on the file; None where it cannot say."""
    try:
        lines = Path('/proc/locks').read_text().splitlines()
    except OSError:
        return None
    device = f'{os.major(stat.st_dev):02x}:{os.minor(stat.st_dev):02x}:{stat.st_ino}'
    pids: set[int] = set()
    for line in lines:
        # "1: FLOCK  ADVISORY  WRITE 1234 00:2a:5678 0 EOF"; a waiter's line has "->".
        fields = line.split()
        if (
            len(fields) >= 6
            and fields[1] == 'FLOCK'
            and '->' not in fields
            and fields[5] == device
            and fields[4].isdigit()
        ):
            pids.add(int(fields[4]))
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stopped(pid: int) -> bool:
    """Whether ``pid`` is stopped (state ``T`` in ``/proc/PID/stat``; False where unknown)."""
    try:
        stat = Path(f'/proc/{pid}/stat').read_text()
    except OSError:
        return False
    return stat.rpartition(')')[2].split()[:1] == ['T']


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f'/proc/{pid}/cmdline').read_bytes()
    except OSError:
        return ''
    return ' '.join(part.decode(errors='replace') for part in raw.split(b'\0') if part)


def _iso(when: float) -> str:
    return datetime.datetime.fromtimestamp(when, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')

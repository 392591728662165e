"""LocalHost: the real machine, through subprocess and the filesystem."""

# pyright: strict

from __future__ import annotations

import contextlib
import grp
import ipaddress
import json
import logging
import os
import pwd
import signal
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import cast

from ._errors import (
    CommandError,
    CommandTimeoutError,
    FileOperationError,
    MissingFileError,
    display,
)
from ._protocol import Completed, StrPath, machine_path
from ._retrying import NOT_EXECUTABLE, NOT_FOUND, ProgramHost, RetryPolicy

__all__ = ['LocalHost']

logger = logging.getLogger('metal_host')

_LOCALE = {'LC_ALL': 'C.UTF-8'}
"""The locale every program runs under. snap (snapd's i18n.G over gettext) and apt-get
(gettext) translate their messages by the locale, and the retry patterns (_retrying.py) and
the charms match the English originals; a hook's environment is not guaranteed to be English
(assumption: Juju passes the machine's locale through, so an operator's de_DE.UTF-8 would reach
the programs). Ubuntu's libc-bin ships C.UTF-8 (/usr/lib/locale/C.utf8): no locale to install."""

_REAP_SECONDS = 5.0


class LocalHost(ProgramHost):
    """The machine the charm runs on.

    Programs run with :mod:`subprocess` (never a shell); snap, apt-get and systemctl go through
    :meth:`run` like any other program, so they share its retries: a transient failure (see
    :func:`is_transient`) is retried under ``retry``, every other failure raises at once.

    Args:
        root: where machine paths are anchored. ``'/'`` on a real machine; a test passes a
            temporary directory and ``'/etc/haproxy/haproxy.cfg'`` lands under it. Programs
            are not affected: they always see the real filesystem.
        retry: the retry policy for transient failures.
        sleep: how to wait between attempts (tests inject a recorder).
    """

    def __init__(
        self,
        root: StrPath = '/',
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.root = Path(root)
        self.retry = retry if retry is not None else RetryPolicy()
        self._sleep = sleep

    def __repr__(self) -> str:
        return f'LocalHost(root={str(self.root)!r}, retry={self.retry!r})'

    # -- programs ------------------------------------------------------------------------------

    @property
    def retry_policy(self) -> RetryPolicy:
        """The policy transient failures are retried under (``retry``)."""
        return self.retry

    def _sleep_between(self, seconds: float) -> None:
        self._sleep(seconds)

    def _once(
        self,
        argv: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
    ) -> Completed:
        logger.debug('running %s', display(argv))
        try:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                encoding='utf-8',
                errors='replace',
                env={**os.environ, **_LOCALE, **(env or {})},
                start_new_session=True,  # a timeout kills the program and all it started
            )
        except OSError as error:
            code = NOT_FOUND if isinstance(error, FileNotFoundError) else NOT_EXECUTABLE
            raise CommandError(argv, code, '', f'{argv[0]}: {_reason(error)}') from None
        with proc:
            try:
                stdout, stderr = proc.communicate('' if input is None else input, timeout)
            except subprocess.TimeoutExpired:
                stdout, stderr = _kill(proc)
                assert timeout is not None  # only a timeout raises TimeoutExpired
                raise CommandTimeoutError(argv, timeout, stdout, stderr) from None
        if proc.returncode != 0:
            raise CommandError(argv, proc.returncode, stdout, stderr)
        return Completed(argv, 0, stdout, stderr)

    # -- files ---------------------------------------------------------------------------------

    def _path(self, path: StrPath) -> tuple[str, Path]:
        name = machine_path(path)
        return name, self.root / name.lstrip('/')

    def read_text(self, path: StrPath) -> str:
        """Read a UTF-8 text file (see :meth:`metal_host.Host.read_text`)."""
        name, real = self._path(path)
        try:
            with real.open(encoding='utf-8', newline='') as file:
                return file.read()
        except FileNotFoundError:
            raise MissingFileError('read', name, 'no such file') from None
        except (OSError, UnicodeDecodeError) as error:
            raise FileOperationError('read', name, _reason(error)) from error

    def write_text(
        self,
        path: StrPath,
        content: str,
        *,
        mode: int = 0o644,
        owner: str | None = None,
        group: str | None = None,
    ) -> bool:
        """Write a file atomically, only if it changes (see :meth:`metal_host.Host.write_text`).

        The content goes to a temporary file in the same directory, which gets its owner and
        mode and is flushed to disk before :func:`os.replace` puts it in place. A symbolic link
        is written through, not replaced.
        """
        if not 0 <= mode <= 0o7777:
            raise ValueError(f'mode must be a permission mode such as 0o644, got {mode:#o}')
        name, real = self._path(path)
        uid = _uid(owner, name)
        gid = _gid(group, name)
        data = content.encode('utf-8')
        try:
            if real.is_symlink():
                real = Path(os.path.realpath(real))
            if _unchanged(real, data, mode, uid, gid):
                return False
            real.parent.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=real.parent, prefix=f'.{real.name}.', suffix='.tmp')
            try:
                with os.fdopen(fd, 'wb') as file:
                    file.write(data)
                    if uid != -1 or gid != -1:
                        os.fchown(file.fileno(), uid, gid)
                    os.fchmod(file.fileno(), mode)  # after chown, which may clear set-id bits
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temp, real)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temp)
                raise
            _fsync_directory(real.parent)
        except OSError as error:
            raise FileOperationError('write', name, _reason(error)) from error
        logger.debug('wrote %s (mode %#o)', name, mode)
        return True

    def remove(self, path: StrPath) -> bool:
        """Remove a file; False if it was not there (see :meth:`metal_host.Host.remove`)."""
        name, real = self._path(path)
        try:
            real.unlink()
        except FileNotFoundError:
            return False
        except OSError as error:
            raise FileOperationError('remove', name, _reason(error)) from error
        logger.debug('removed %s', name)
        return True

    def exists(self, path: StrPath) -> bool:
        """Whether the file or directory exists."""
        return self._path(path)[1].exists()

    # -- identity --------------------------------------------------------------------------------

    def hostname(self) -> str:
        """The kernel's host name (``uname -n``)."""
        return socket.gethostname()

    def addresses(self) -> list[str]:
        """The machine's addresses, IPv4 first, without loopback or link-local ones.

        Asks ``ip -j address`` (iproute2), then ``hostname -I``, then the resolver and the
        routing table through the socket module; the first source that answers wins.
        """
        for source in (self._addresses_from_ip, self._addresses_from_hostname):
            try:
                found = source()
            except (CommandError, CommandTimeoutError, ValueError) as error:
                logger.debug('cannot list addresses that way: %s', error)
                continue
            if found:
                return _usable(found)
        return _usable(_addresses_from_sockets())

    def _addresses_from_ip(self) -> list[str]:
        out = self._run(['ip', '-j', 'address', 'show'], timeout=10, retry=False).stdout
        data: object = json.loads(out)
        if not isinstance(data, list):
            raise ValueError('ip -j address did not print a list')
        found: list[str] = []
        for link in cast('list[object]', data):
            if not isinstance(link, dict):
                continue
            link = cast('dict[str, object]', link)
            if 'LOOPBACK' in cast('list[object]', link.get('flags') or []):
                continue
            for info in cast('list[object]', link.get('addr_info') or []):
                if not isinstance(info, dict):
                    continue
                info = cast('dict[str, object]', info)
                local = info.get('local')
                if isinstance(local, str) and info.get('scope') not in ('host', 'link'):
                    found.append(local)
        return found

    def _addresses_from_hostname(self) -> list[str]:
        return self._run(['hostname', '-I'], timeout=10, retry=False).stdout.split()


def _kill(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Kill a timed-out program's process group and collect what it wrote."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        return proc.communicate(timeout=_REAP_SECONDS)
    except subprocess.TimeoutExpired:  # something left the group and holds the pipes open
        proc.kill()
        return '', ''


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)


def _uid(owner: str | None, path: str) -> int:
    """The user id for chown: -1 (leave as is) for None; a numeric name is an id."""
    if owner is None:
        return -1
    if owner.isdigit():
        return int(owner)
    try:
        return pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise FileOperationError('write', path, f'no user named {owner!r}') from None


def _gid(group: str | None, path: str) -> int:
    """The group id for chown: -1 (leave as is) for None; a numeric name is an id."""
    if group is None:
        return -1
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise FileOperationError('write', path, f'no group named {group!r}') from None


def _unchanged(real: Path, data: bytes, mode: int, uid: int, gid: int) -> bool:
    try:
        info = real.stat()
    except FileNotFoundError:
        return False
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(21, 'Is a directory')
    return (
        stat.S_IMODE(info.st_mode) == mode
        and uid in (-1, info.st_uid)
        and gid in (-1, info.st_gid)
        and info.st_size == len(data)
        and real.read_bytes() == data
    )


def _fsync_directory(directory: Path) -> None:
    """Make the rename durable; best effort (some filesystems refuse)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _addresses_from_sockets() -> list[str]:
    found: list[str] = []
    with contextlib.suppress(OSError):
        for *_, sockaddr in socket.getaddrinfo(socket.gethostname(), None):
            found.append(str(sockaddr[0]))
    # The source address the kernel would pick for the default route (no packet is sent).
    for family, target in ((socket.AF_INET, '192.0.2.1'), (socket.AF_INET6, '2001:db8::1')):
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((target, 9))
            found.append(str(probe.getsockname()[0]))
    return found


def _usable(candidates: Iterable[str]) -> list[str]:
    """Valid, global-enough, unique addresses; IPv4 before IPv6, otherwise in order."""
    seen: dict[str, ipaddress.IPv4Address | ipaddress.IPv6Address] = {}
    for text in candidates:
        try:
            address = ipaddress.ip_address(text.split('%', 1)[0])
        except ValueError:
            continue
        if address.is_loopback or address.is_link_local or address.is_unspecified:
            continue
        seen.setdefault(str(address), address)
    return sorted(seen, key=lambda text: seen[text].version)

"""The :class:`Host` protocol and the small values it speaks in."""

# pyright: strict

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, TypeAlias, runtime_checkable

__all__ = ['Completed', 'Host', 'ServiceAction', 'StrPath', 'machine_path']

StrPath: TypeAlias = 'str | os.PathLike[str]'
"""A machine path: ``'/etc/haproxy/haproxy.cfg'`` or a ``PurePosixPath``. Always absolute."""

ServiceAction: TypeAlias = Literal['start', 'stop', 'restart', 'reload', 'enable', 'disable']
"""What :meth:`Host.service` can ask systemd to do with a unit."""


@dataclass(frozen=True)
class Completed:
    """A program that ran to completion.

    With ``check=True`` (the default) :meth:`Host.run` only returns these for exit status 0; a
    non-zero status raises :class:`~metal_host.CommandError` instead.

    Attributes:
        argv: the command as run.
        returncode: its exit status.
        stdout: everything it wrote to standard output.
        stderr: everything it wrote to standard error.
    """

    argv: tuple[str, ...]
    returncode: int = 0
    stdout: str = ''
    stderr: str = ''

    @property
    def ok(self) -> bool:
        """Whether the program exited with status 0."""
        return self.returncode == 0


def machine_path(path: StrPath) -> str:
    """Normalise a machine path: absolute, no ``.``/``..`` or doubled slashes.

    Raises:
        ValueError: if ``path`` is relative (a machine has no useful working directory).
    """
    text = os.fspath(path)
    if not posixpath.isabs(text):
        raise ValueError(f'machine paths must be absolute, got {text!r}')
    normal = posixpath.normpath(text)
    # POSIX keeps a leading '//' as implementation-defined; on a machine it is just '/'.
    return '/' + normal.lstrip('/')


@runtime_checkable
class Host(Protocol):
    """Everything a charm may do to its machine.

    Get one with :func:`metal_host.current`; never construct one in charm code. Positional
    parameters are positional-only here so that implementations may name them freely; options
    are keyword-only. File paths are absolute machine paths.
    """

    def run(
        self,
        argv: Sequence[str],
        /,
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> Completed:
        """Run a program and wait for it.

        Args:
            argv: the program and its arguments (a list, never a shell string).
            input: text written to its standard input, which is otherwise empty.
            timeout: seconds after which it is killed; None waits for ever.
            check: raise on a non-zero exit status (else return it in :class:`Completed`).

        Raises:
            CommandError: it exited non-zero and ``check`` is true, or it could not be started.
            CommandTimeoutError: it outlived ``timeout``.
        """
        ...

    def read_text(self, path: StrPath, /) -> str:
        """Read a UTF-8 text file.

        Raises:
            MissingFileError: there is no such file.
            FileOperationError: it cannot be read.
        """
        ...

    def write_text(
        self,
        path: StrPath,
        content: str,
        /,
        *,
        mode: int = 0o644,
        owner: str | None = None,
        group: str | None = None,
    ) -> bool:
        """Make ``path`` hold ``content`` with ``mode`` (and owner/group, when given).

        The write is atomic (a reader sees the old file or the new one, never a mix) and
        creates missing parent directories.

        Returns:
            True if anything changed; False if the file already was exactly that, so a charm can
            restart its service only when its configuration really changed.

        Raises:
            FileOperationError: it cannot be written, or the owner or group does not exist.
        """
        ...

    def remove(self, path: StrPath, /) -> bool:
        """Remove a file.

        Returns:
            True if it was there, False if there was nothing to remove.

        Raises:
            FileOperationError: it cannot be removed (a directory, no permission).
        """
        ...

    def exists(self, path: StrPath, /) -> bool:
        """Whether ``path`` exists (a file or a directory)."""
        ...

    def snap_install(
        self, name: str, /, *, channel: str | None = None, classic: bool = False
    ) -> None:
        """Install a snap (nothing happens if it is already installed, as with snapd).

        Raises:
            CommandError: snapd refused.
        """
        ...

    def snap_refresh(self, name: str, /, *, channel: str | None = None) -> None:
        """Refresh an installed snap, switching to ``channel`` when given.

        Raises:
            CommandError: snapd refused (for instance, the snap is not installed).
        """
        ...

    def snap_hold(self, name: str, /) -> None:
        """Hold an installed snap's refreshes indefinitely.

        snapd then refreshes it neither automatically nor in a general ``snap refresh``; a
        refresh that names it (:meth:`snap_refresh`) still proceeds (canonical/snapd
        ``cmd/snap/cmd_snap_op.go`` longRefreshHelp @ 2.67.1).

        Raises:
            CommandError: snapd refused (for instance, the snap is not installed).
        """
        ...

    def apt_install(self, *packages: str) -> None:
        """Install Debian packages, non-interactively and without recommends.

        Raises:
            CommandError: apt-get failed.
        """
        ...

    def service(self, action: ServiceAction, name: str, /) -> None:
        """Ask systemd to start, stop, restart, reload, enable or disable a unit.

        Raises:
            CommandError: systemctl failed.
        """
        ...

    def service_active(self, name: str, /) -> bool:
        """Whether a systemd unit is active (``systemctl is-active``)."""
        ...

    def hostname(self) -> str:
        """The machine's host name."""
        ...

    def addresses(self) -> list[str]:
        """The machine's IP addresses: IPv4 first, then IPv6; no loopback or link-local."""
        ...

"""A simulated machine's in-memory filesystem and its user accounts.

:class:`MachineFiles` is the part of :class:`~orchestrator.sim.host.SimHost` that implements
the file half of :class:`metal_host.Host` as :class:`metal_host.LocalHost` behaves: the same
return values and the same :class:`~metal_host.FileOperationError` texts. A disk's device node
and its ``/dev/disk/by-id`` links exist as long as the machine has the disk.
"""

# pyright: strict

from __future__ import annotations

import posixpath
from collections.abc import Mapping

from metal_host import FileEntry, FileOperationError, MissingFileError, StrPath
from metal_host._protocol import machine_path

from .devices import DISK_BY_ID, MachineDevices

__all__ = ['MachineFiles']


class MachineFiles(MachineDevices):
    """The files, directories and accounts of a machine.

    Attributes:
        files: path → file, for every regular file on the machine.
        directories: directories that exist without holding any file.
    """

    files: dict[str, FileEntry]
    directories: set[str]

    def read_text(self, path: StrPath) -> str:
        """The file's content (see :meth:`metal_host.Host.read_text`)."""
        name = machine_path(path)
        entry = self.files.get(name)
        if entry is not None:
            return entry.content
        if self._under_file(name):
            raise FileOperationError('read', name, 'Not a directory')
        if self.is_dir(name):
            raise FileOperationError('read', name, 'Is a directory')
        raise MissingFileError('read', name, 'no such file')

    def write_text(
        self,
        path: StrPath,
        content: str,
        *,
        mode: int = 0o644,
        owner: str | None = None,
        group: str | None = None,
    ) -> bool:
        """Write a file, only if it changes (see :meth:`metal_host.Host.write_text`).

        As on a real machine, a new file belongs to root unless ``owner``/``group`` say
        otherwise, and naming a user or group the machine does not have fails (packages add
        their users: ``haproxy`` exists once the haproxy package is installed).
        """
        if not 0 <= mode <= 0o7777:
            raise ValueError(f'mode must be a permission mode such as 0o644, got {mode:#o}')
        name = machine_path(path)
        content.encode('utf-8')  # LocalHost encodes before writing; fail the same way
        user = self._account(owner, name, 'user', self.users())
        grp = self._account(group, name, 'group', self.groups())
        if self._under_file(name):
            raise FileOperationError('write', name, 'Not a directory')
        if name == '/' or self.is_dir(name):
            raise FileOperationError('write', name, 'Is a directory')
        old = self.files.get(name)
        new = FileEntry(
            content,
            mode,
            user if user is not None else (old.owner if old else 'root'),
            grp if grp is not None else (old.group if old else 'root'),
        )
        if new == old:
            return False
        self.files[name] = new
        self.version += 1
        return True

    def remove(self, path: StrPath) -> bool:
        """Remove a file; False if it was not there (see :meth:`metal_host.Host.remove`)."""
        self.version += 1
        name = machine_path(path)
        if self.files.pop(name, None) is not None:
            return True
        if self._under_file(name):
            raise FileOperationError('remove', name, 'Not a directory')
        if name == '/' or self.is_dir(name):
            raise FileOperationError('remove', name, 'Is a directory')
        return False

    def exists(self, path: StrPath) -> bool:
        """Whether the file or directory exists (a disk's device node or by-id link too)."""
        name = machine_path(path)
        if name in self.files or self.is_dir(name):
            return True
        return name.startswith('/dev/') and self.block_device_at(name) is not None

    def is_dir(self, path: StrPath) -> bool:
        """Whether ``path`` is a directory: explicit, or holding a file or directory.

        ``/dev/disk/by-id`` is one while the machine has a disk with a link there.
        """
        name = machine_path(path)
        if name == '/' or name in self.directories:
            return True
        if name in ('/dev/disk', DISK_BY_ID) and self.by_id_links():
            return True
        prefix = name + '/'
        return any(p.startswith(prefix) for p in self.files) or any(
            d.startswith(prefix) for d in self.directories
        )

    def mkdir(self, path: StrPath) -> None:
        """Create a directory and its parents (``mkdir -p``).

        Raises:
            FileOperationError: a file is in the way.
        """
        self.version += 1
        name = machine_path(path)
        if name in self.files or self._under_file(name):
            raise FileOperationError('mkdir', name, 'File exists')
        if name != '/':
            self.directories.add(name)

    def remove_tree(self, path: StrPath) -> None:
        """Remove a directory and everything under it (``rm -rf``); nothing if absent."""
        self.version += 1
        name = machine_path(path)
        prefix = name.rstrip('/') + '/'
        for file in [p for p in self.files if p == name or p.startswith(prefix)]:
            del self.files[file]
        self.directories = {d for d in self.directories if not (d == name or d.startswith(prefix))}

    def listdir(self, path: StrPath) -> list[str]:
        """The names directly inside a directory, sorted ([] if it does not exist)."""
        prefix = machine_path(path).rstrip('/') + '/'
        names = {
            p[len(prefix) :].split('/', 1)[0]
            for p in (*self.files, *self.directories)
            if p.startswith(prefix)
        }
        links = self.by_id_links() if prefix in ('/dev/', '/dev/disk/', f'{DISK_BY_ID}/') else []
        if links:
            names.update({'/dev/': ['disk'], '/dev/disk/': ['by-id']}.get(prefix, links))
        if prefix == '/dev/':
            for disk in self.block_devices:
                names.add(disk.name)
                names.update(name for _, name in disk.partitions)
        return sorted(names)

    def _under_file(self, name: str) -> bool:
        """Whether some ancestor of ``name`` is a regular file."""
        parent = posixpath.dirname(name)
        while parent not in ('/', ''):
            if parent in self.files:
                return True
            parent = posixpath.dirname(parent)
        return False

    def _account(
        self, name: str | None, path: str, kind: str, known: Mapping[str, int]
    ) -> str | None:
        """A user or group name to store: numeric ids map to names when the machine has one."""
        if name is None:
            return None
        if name.isdigit():
            return next((n for n, i in known.items() if i == int(name)), name)
        if name not in known:
            raise FileOperationError('write', path, f'no {kind} named {name!r}')
        return name

    # -- accounts --------------------------------------------------------------------------------

    def users(self) -> dict[str, int]:
        """User name → uid, from the machine's ``/etc/passwd``."""
        return _accounts(self.files.get('/etc/passwd'), uid_field=2)

    def groups(self) -> dict[str, int]:
        """Group name → gid, from the machine's ``/etc/group``."""
        return _accounts(self.files.get('/etc/group'), uid_field=2)

    def add_system_user(self, name: str, *, home: str = '/nonexistent', gecos: str = '') -> int:
        """Add a system user with a group of the same name, as ``adduser --system --group``.

        Nothing happens when the user exists. The uid and gid are the first free ones from
        100, as adduser picks them.

        Returns:
            The user's uid.
        """
        self.version += 1
        users = self.users()
        if name in users:
            return users[name]
        groups = self.groups()
        uid = next(i for i in range(100, 1000) if i not in users.values())
        gid = groups.get(name)
        if gid is None:
            gid = next(i for i in range(100, 1000) if i not in groups.values())
            self._append('/etc/group', f'{name}:x:{gid}:\n')
        self._append('/etc/passwd', f'{name}:x:{uid}:{gid}:{gecos}:{home}:/usr/sbin/nologin\n')
        return uid

    def _append(self, path: str, line: str) -> None:
        entry = self.files.get(path)
        text = entry.content if entry is not None else ''
        if text and not text.endswith('\n'):
            text += '\n'
        self.write_text(path, text + line, mode=entry.mode if entry else 0o644)


def _accounts(entry: FileEntry | None, *, uid_field: int) -> dict[str, int]:
    found: dict[str, int] = {'root': 0}
    if entry is None:
        return found
    for line in entry.content.splitlines():
        fields = line.split(':')
        if len(fields) > uid_field and fields[uid_field].isdigit():
            found[fields[0]] = int(fields[uid_field])
    return found

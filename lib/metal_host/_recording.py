"""RecordingHost: the fake machine charm unit tests bind."""

# pyright: strict

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import cast, get_args

from . import _commands
from ._errors import (
    CommandError,
    FileOperationError,
    HostError,
    MissingFileError,
    UnexpectedCommandError,
)
from ._protocol import Completed, Host, ServiceAction, StrPath, machine_path

__all__ = ['Call', 'FileEntry', 'RecordingHost', 'Response', 'ServiceState', 'SnapState']

Response = Completed | HostError | str
"""What a RecordingHost answers a command with: a result (its ``argv`` is ignored), an error to
raise, or just the standard output of a successful run."""

_HOST_METHODS = frozenset(name for name in dir(Host) if not name.startswith('_'))


@dataclass(frozen=True)
class Call:
    """One call a :class:`RecordingHost` received.

    Attributes:
        method: the Host method, e.g. ``'run'`` or ``'service'``.
        args: its positional arguments (``run``'s argv as a tuple).
        kwargs: the keyword options the caller set to something other than their default, so
            ``Call('snap_install', ('k8s',), {'classic': True})`` reads like the call.
    """

    method: str
    args: tuple[object, ...] = ()
    kwargs: Mapping[str, object] = field(default_factory=dict[str, object])


@dataclass(frozen=True)
class FileEntry:
    """A file on a :class:`RecordingHost` (owner and group None when never set)."""

    content: str
    mode: int = 0o644
    owner: str | None = None
    group: str | None = None


@dataclass(frozen=True)
class SnapState:
    """An installed snap on a :class:`RecordingHost` (channel None when none was asked for)."""

    channel: str | None = None
    classic: bool = False
    held: bool = False


@dataclass(frozen=True)
class ServiceState:
    """A systemd unit on a :class:`RecordingHost`."""

    active: bool = False
    enabled: bool = False


class RecordingHost:
    """A machine for charm unit tests: remembers everything, runs nothing.

    Every call is appended to :attr:`calls`. :meth:`run` answers from a table keyed by argv —
    an exact match first, else the longest matching prefix — and raises
    :class:`~metal_host.UnexpectedCommandError` for a command it has no answer for. Files live
    in :attr:`files`; snap, apt and systemd calls update :attr:`snaps`, :attr:`packages` and
    :attr:`services` without consulting the table::

        host = RecordingHost({'k8s status': 'cluster status: ready'})
        with metal_host.bound(host):
            ctx.run(ctx.on.install(), state)
        assert host.snaps['k8s'] == SnapState(channel='1.32-classic/stable', classic=True)
        assert host.commands == [('k8s', 'status')]

    Args:
        responses: the command table; a key is an argv tuple or a string split like a shell
            would (``'k8s status'``).
        files: files already on the machine: content, or a :class:`FileEntry`.
        hostname: what :meth:`hostname` answers.
        addresses: what :meth:`addresses` answers.
    """

    def __init__(
        self,
        responses: Mapping[str | tuple[str, ...], Response] | None = None,
        *,
        files: Mapping[str, str | FileEntry] | None = None,
        hostname: str = 'recording-host',
        addresses: Iterable[str] = ('10.0.0.10',),
    ) -> None:
        self.calls: list[Call] = []
        self.responses: dict[tuple[str, ...], Completed | HostError] = {}
        self.files: dict[str, FileEntry] = {}
        self.snaps: dict[str, SnapState] = {}
        self.packages: set[str] = set()
        self.services: dict[str, ServiceState] = {}
        self.failures: dict[str, tuple[HostError, bool]] = {}
        self._hostname = hostname
        self._addresses = list(addresses)
        for argv, response in (responses or {}).items():
            self._answer(argv, response)
        for path, entry in (files or {}).items():
            self.files[machine_path(path)] = (
                entry if isinstance(entry, FileEntry) else FileEntry(entry)
            )

    def __repr__(self) -> str:
        return f'RecordingHost(hostname={self._hostname!r}, calls={len(self.calls)})'

    # -- test API ------------------------------------------------------------------------------

    def expect(
        self,
        argv: str | Sequence[str],
        *,
        stdout: str = '',
        stderr: str = '',
        returncode: int = 0,
        error: HostError | None = None,
    ) -> None:
        """Answer ``argv`` (and, as a prefix, longer commands) with this result or error.

        A non-zero ``returncode`` raises :class:`~metal_host.CommandError` unless the caller
        passed ``check=False``, as on a real machine. A later answer for the same argv replaces
        the earlier one.
        """
        self._answer(argv, error or Completed((), returncode, stdout, stderr))

    def fail(self, method: str, error: HostError | None, *, once: bool = False) -> None:
        """Make a Host method raise ``error`` (after recording the call); None stops it.

        Args:
            method: a Host method name, e.g. ``'snap_install'``.
            error: what to raise, e.g. ``CommandError(['snap', 'install', 'k8s'], 1, '', ...)``.
            once: raise it on the next call only, then behave normally.
        """
        if method not in _HOST_METHODS:
            raise ValueError(f'{method!r} is not a Host method (one of {sorted(_HOST_METHODS)})')
        if error is None:
            self.failures.pop(method, None)
        else:
            self.failures[method] = (error, once)

    @property
    def commands(self) -> list[tuple[str, ...]]:
        """The argv of every :meth:`run`, in order."""
        return [_argv_of(call) for call in self.calls if call.method == 'run']

    def calls_to(self, method: str) -> list[Call]:
        """The calls of one method, in order (``host.calls_to('service')``)."""
        return [call for call in self.calls if call.method == method]

    # -- programs ------------------------------------------------------------------------------

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> Completed:
        """Answer from the table (see the class docstring)."""
        args = _commands.argv_tuple(argv)
        self._record(
            'run', args, input=(input, None), timeout=(timeout, None), check=(check, True)
        )
        response = self._lookup(args)
        if isinstance(response, HostError):
            if isinstance(response, CommandError) and not check:
                return Completed(args, response.returncode, response.stdout, response.stderr)
            raise response.with_traceback(None)
        if check and response.returncode != 0:
            raise CommandError(args, response.returncode, response.stdout, response.stderr)
        return Completed(args, response.returncode, response.stdout, response.stderr)

    # -- files ---------------------------------------------------------------------------------

    def read_text(self, path: StrPath) -> str:
        """The file's content from :attr:`files`."""
        name = machine_path(path)
        self._record('read_text', name)
        entry = self.files.get(name)
        if entry is None:
            if self._is_directory(name):
                raise FileOperationError('read', name, 'Is a directory')
            raise MissingFileError('read', name, 'no such file')
        return entry.content

    def write_text(
        self,
        path: StrPath,
        content: str,
        *,
        mode: int = 0o644,
        owner: str | None = None,
        group: str | None = None,
    ) -> bool:
        """Store the file in :attr:`files`; True if content, mode, owner or group changed."""
        if not 0 <= mode <= 0o7777:
            raise ValueError(f'mode must be a permission mode such as 0o644, got {mode:#o}')
        name = machine_path(path)
        self._record(
            'write_text',
            name,
            content,
            mode=(mode, 0o644),
            owner=(owner, None),
            group=(group, None),
        )
        if self._is_directory(name):
            raise FileOperationError('write', name, 'Is a directory')
        old = self.files.get(name)
        new = FileEntry(
            content,
            mode,
            owner if owner is not None else old and old.owner,
            group if group is not None else old and old.group,
        )
        self.files[name] = new
        return new != old

    def remove(self, path: StrPath) -> bool:
        """Drop the file from :attr:`files`; False if it was not there."""
        name = machine_path(path)
        self._record('remove', name)
        if self.files.pop(name, None) is not None:
            return True
        if self._is_directory(name):
            raise FileOperationError('remove', name, 'Is a directory')
        return False

    def exists(self, path: StrPath) -> bool:
        """A file in :attr:`files`, or a directory holding one."""
        name = machine_path(path)
        self._record('exists', name)
        return name in self.files or self._is_directory(name)

    def _is_directory(self, name: str) -> bool:
        prefix = name.rstrip('/') + '/'
        return any(path.startswith(prefix) for path in self.files)

    # -- snaps, packages, services ---------------------------------------------------------------

    def snap_install(
        self, name: str, *, channel: str | None = None, classic: bool = False
    ) -> None:
        """Add the snap to :attr:`snaps` (an installed snap is left as it is, as snapd does)."""
        self._record('snap_install', name, channel=(channel, None), classic=(classic, False))
        self.snaps.setdefault(name, SnapState(channel, classic))

    def snap_refresh(self, name: str, *, channel: str | None = None) -> None:
        """Switch an installed snap's channel; a snap that is not installed fails like snapd."""
        self._record('snap_refresh', name, channel=(channel, None))
        snap = self._installed(name, _commands.snap_refresh(name, channel))
        if channel is not None:
            self.snaps[name] = SnapState(channel, snap.classic, snap.held)

    def snap_hold(self, name: str) -> None:
        """Mark an installed snap held; a snap that is not installed fails like snapd."""
        self._record('snap_hold', name)
        snap = self._installed(name, _commands.snap_hold(name))
        self.snaps[name] = SnapState(snap.channel, snap.classic, held=True)

    def _installed(self, name: str, argv: list[str]) -> SnapState:
        snap = self.snaps.get(name)
        if snap is None:
            raise CommandError(argv, 1, '', f'error: snap "{name}" is not installed')
        return snap

    def apt_install(self, *packages: str) -> None:
        """Add the packages to :attr:`packages`."""
        self._record('apt_install', *packages)
        self.packages.update(packages)

    def service(self, action: ServiceAction, name: str) -> None:
        """Update :attr:`services` as systemd would.

        start and restart make the unit active, stop inactive; enable and disable set
        ``enabled``; reload changes nothing and never fails (the fake cannot know whether a
        package started its unit when it was installed, as Debian's do). A snap's unit
        (``snap.SNAP.APP``) exists only once SNAP is in :attr:`snaps`: before, every action
        fails as systemctl fails for a unit it does not have.
        """
        if action not in get_args(ServiceAction):
            raise ValueError(f'unknown service action {action!r}')
        self._record('service', action, name)
        self._snap_unit_exists(action, name)
        state = self.services.get(name, ServiceState())
        if action in ('start', 'restart'):
            state = ServiceState(True, state.enabled)
        elif action == 'stop':
            state = ServiceState(False, state.enabled)
        elif action in ('enable', 'disable'):
            state = ServiceState(state.active, action == 'enable')
        self.services[name] = state

    def _snap_unit_exists(self, action: ServiceAction, name: str) -> None:
        """Fail as systemctl does for a snap's unit while the snap is not installed.

        snapd writes ``snap.SNAP.APP.service`` when it installs SNAP (wrappers/internal/
        service_unit_gen.go @ 2.67.1); before that systemd has no such unit:
        ``Failed to start X: Unit X not found.`` (exit 5; ``not loaded`` for stop),
        ``Failed to enable unit: Unit file X does not exist.`` (exit 1)
        (systemd/systemd src/systemctl/systemctl-start-unit.c, src/shared/install.c, v255).
        """
        unit = name if name.endswith('.service') else f'{name}.service'
        parts = unit.split('.')
        if len(parts) < 4 or parts[0] != 'snap' or parts[1] in self.snaps:
            return
        argv = _commands.service(action, name)
        if action in ('enable', 'disable'):
            message = f'Failed to {action} unit: Unit file {unit} does not exist.'
            raise CommandError(argv, 1, '', message)
        missing = 'not loaded' if action == 'stop' else 'not found'
        raise CommandError(argv, 5, '', f'Failed to {action} {unit}: Unit {unit} {missing}.')

    def service_active(self, name: str) -> bool:
        """Whether :attr:`services` has the unit active."""
        self._record('service_active', name)
        return self.services.get(name, ServiceState()).active

    # -- identity --------------------------------------------------------------------------------

    def hostname(self) -> str:
        """The ``hostname`` given to the constructor."""
        self._record('hostname')
        return self._hostname

    def addresses(self) -> list[str]:
        """The ``addresses`` given to the constructor."""
        self._record('addresses')
        return list(self._addresses)

    # -- internals -----------------------------------------------------------------------------

    def _answer(self, argv: str | Sequence[str], response: Response) -> None:
        key = tuple(shlex.split(argv)) if isinstance(argv, str) else _commands.argv_tuple(argv)
        if not key:
            raise ValueError('a command must name a program')
        self.responses[key] = Completed((), 0, response) if isinstance(response, str) else response

    def _lookup(self, argv: tuple[str, ...]) -> Completed | HostError:
        exact = self.responses.get(argv)
        if exact is not None:
            return exact
        matches = [key for key in self.responses if argv[: len(key)] == key]
        if not matches:
            raise UnexpectedCommandError(argv, self.responses)
        return self.responses[max(matches, key=len)]

    def _record(self, method: str, *args: object, **options: tuple[object, object]) -> None:
        given = {key: value for key, (value, default) in options.items() if value != default}
        self.calls.append(Call(method, args, given))
        failure = self.failures.get(method)
        if failure is not None:
            error, once = failure
            if once:
                del self.failures[method]
            raise error.with_traceback(None)


def _argv_of(call: Call) -> tuple[str, ...]:
    return cast('tuple[str, ...]', call.args[0])

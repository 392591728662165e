"""The World and its machines: every simulated machine, the programs they run, what they share.

All machines of one model live in one World, so facts that span machines hold: a join token
one machine mints is known to the others through :attr:`World.shared`. The World is also the
unit of persistence: ``olm`` runs each command in a new process, so every machine's state and
the shared state round-trip through JSON (:meth:`World.dump_machine`, :meth:`World.dump_shared`)
and :attr:`World.changed` says what needs writing back.

A machine (:class:`SimHost`) belongs to its World and a World holds its machines, so the two
live in one module; a machine's hardware (:mod:`.devices`), files (:mod:`.filesystem`) and
first contents (:mod:`.base_system`) are their own modules below it. The World knows no
program: what its machines run comes from a :class:`MachineImage` (the built-in programs set
the default one), and programs add theirs on :attr:`World.programs`.

What is code is not persisted: the program table and the snap and package catalogs are rebuilt
by whoever builds the World.

Errors are :mod:`.errors`' (re-exported here): :class:`SimError`, :class:`UnknownMachineError`,
:class:`StateError`.
"""

# pyright: strict

from __future__ import annotations

import ipaddress
import json
import posixpath
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, cast

import metal_host
from metal_host import (
    CommandError,
    CommandTimeoutError,
    Completed,
    FileEntry,
    RetryPolicy,
    _commands,  # the very argv LocalHost runs, so the simulation cannot drift from it
)

from .base_system import BASE_DIRECTORIES, base_files
from .catalog import Catalog, PackageSpec, SnapSpec
from .devices import BlockDevice, NetworkDevice
from .errors import SimError, StateError, UnknownMachineError
from .filesystem import MachineFiles
from .label import SIMULATED
from .registry import ProgramRegistry
from .shared import SharedState
from .unix_http import HttpRequest, HttpResponse

__all__ = [
    'DEFAULT_ENV',
    'CommandRecord',
    'Handler',
    'Invocation',
    'MachineImage',
    'ProgramRegistry',
    'SimError',
    'SimHost',
    'SocketService',
    'StateError',
    'UnknownMachineError',
    'World',
    'set_default_image',
]


DEFAULT_ENV: Mapping[str, str] = {
    'PATH': '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin',
    'LANG': 'C.UTF-8',
}
"""The environment a program sees on a simulated machine, before a command's own additions
(``DEBIAN_FRONTEND`` for apt-get)."""

_NOT_FOUND = 127  # what a shell, and LocalHost, report for a program that is not there
_KILLED = -9  # what subprocess reports for a program killed by SIGKILL after its timeout
_MACHINE_FORMAT = 1


class CommandRecord(NamedTuple):
    """One program run on a SimHost, as kept in :attr:`SimHost.history`.

    Attributes:
        argv: the command (Sensitive arguments stay Sensitive, so a log can redact them).
        returncode: its exit status; 127 when no such program exists, -9 when it was killed
            for outliving its timeout.
    """

    argv: tuple[str, ...]
    returncode: int


@dataclass(frozen=True)
class Invocation:
    """What a program handler is given: one run of one program on one machine.

    Attributes:
        host: the machine it runs on (its files and per-program state).
        world: the World, for facts shared between machines.
        argv: the command line; ``argv[0]`` as the caller wrote it.
        input: the text on its standard input (None: empty).
        env: its environment (the machine's defaults plus the command's additions).
        timeout: the caller's timeout in seconds, or None.
    """

    host: SimHost
    world: World
    argv: tuple[str, ...]
    input: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_ENV))
    timeout: float | None = None

    @property
    def program(self) -> str:
        """The program's base name (``'snap'`` for ``/usr/bin/snap``)."""
        return posixpath.basename(self.argv[0])

    @property
    def args(self) -> tuple[str, ...]:
        """The arguments after the program name."""
        return self.argv[1:]

    def result(self, stdout: str = '', stderr: str = '', returncode: int = 0) -> Completed:
        """A :class:`~metal_host.Completed` for this invocation."""
        return Completed(self.argv, returncode, stdout, stderr)


Handler = Callable[[Invocation], Completed]
"""A simulated program: takes an :class:`Invocation`, returns what the program printed and its
exit status (a non-zero status is returned, not raised; the Host applies ``check``). It may
raise :class:`~metal_host.CommandTimeoutError` to simulate a hang."""

SocketService = Callable[['SimHost', HttpRequest], HttpResponse]
"""A daemon's API on a unix socket of a machine (snapd's on ``/run/snapd.socket``): given the
machine and one HTTP request, the answer (:mod:`.unix_http` carries them on the wire)."""


@dataclass(frozen=True)
class MachineImage:
    """What every machine of a World runs and is deployed with.

    The World knows no program by name: the built-in programs (:mod:`orchestrator.sim.programs`)
    describe Ubuntu 24.04 as MAAS deploys it in one of these and set it as the default
    (:func:`set_default_image`), so imports flow one way, programs to World.

    Attributes:
        programs: program base name → handler, registered in every World built with it.
        snaps: what the simulated snap store offers at first.
        packages: what the simulated apt archive offers at first.
        provision: lays down what a freshly deployed machine has beyond its base files
            (packages and their running services, ``/sys/class/net``).
        sockets: unix socket path → the daemon API answering on it, on every machine.
    """

    programs: Mapping[str, Handler]
    snaps: Mapping[str, SnapSpec]
    packages: Mapping[str, PackageSpec]
    provision: Callable[[SimHost], None]
    sockets: Mapping[str, SocketService] = field(default_factory=dict[str, SocketService])


_default: list[MachineImage] = []  # the image a World gets when given none


def set_default_image(image: MachineImage) -> None:
    """Make ``image`` the one every World built without an ``image`` gets."""
    _default[:] = [image]


def _default_image() -> MachineImage:
    if not _default:
        raise SimError(
            'no machine image is set: import orchestrator.sim (its programs set the default)'
        )
    return _default[0]


class World(SharedState):
    """Every simulated machine of a model, and what they share.

    Args:
        clock: the time source programs use for timestamps (``since`` in systemctl status).
        sleep: how simulated time passes: slow faults and retry back-off call it. Tests and
            the engine pass a virtual clock's sleep so nothing really waits.
        retry: how a SimHost retries transient failures; by default LocalHost's policy, so a
            charm sees on a simulated machine what it would see on a real one.
        image: what its machines run and are deployed with; by default the one the built-in
            programs set (:func:`set_default_image`, done by :mod:`orchestrator.sim.programs`).

    Attributes:
        image: the machine image it was built with.
        programs: the program table (the image's programs, then whatever registers later).
        sockets: unix socket path → the daemon API every machine answers on it (the image's).
        catalog: the simulated snap store and apt archive.
        faults: the armed faults.
        shared: JSON-able facts spanning machines, namespaced by program
            (``shared['k8s']['tokens']``); use :meth:`namespace`.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy | None = None,
        image: MachineImage | None = None,
    ) -> None:
        super().__init__(clock=clock, sleep=sleep, retry=retry)
        self.image = image if image is not None else _default_image()
        self.programs: ProgramRegistry[Handler] = ProgramRegistry()
        for name, handler in self.image.programs.items():
            self.programs.register(name, handler)
        self.sockets: dict[str, SocketService] = dict(self.image.sockets)
        self.catalog = Catalog(dict(self.image.snaps), dict(self.image.packages))
        self._hosts: dict[str, SimHost] = {}
        self._baseline: dict[str, str] = {}
        self._removed: set[str] = set()

    def __repr__(self) -> str:
        return f'<World of {len(self._hosts)} {SIMULATED}s>'

    # -- machines ------------------------------------------------------------------------------

    @property
    def machines(self) -> Mapping[str, SimHost]:
        """Machine id → machine, read-only."""
        return dict(self._hosts)

    def add_machine(
        self,
        machine_id: str,
        *,
        hostname: str,
        addresses: Sequence[str],
        disks: Sequence[BlockDevice] = (),
        interfaces: Sequence[NetworkDevice] = (),
    ) -> SimHost:
        """Add a freshly deployed machine (Ubuntu 24.04 as MAAS leaves it), or return it.

        ``disks`` are its block devices as the pool lists them (``lsblk`` shows them);
        ``interfaces`` its network interfaces (``ip`` and ``/sys/class/net`` show them, each
        with its addresses; without any, the machine has ``eth0`` carrying ``addresses``).

        Adding a machine that exists with the same host name and addresses returns it
        unchanged.

        Raises:
            ValueError: the id or host name is empty, an address is not an IP address, one of
                ``addresses`` is on none of the ``interfaces``, the interfaces are not a
                machine's (a repeated name, a parent missing), or the machine exists with
                another host name or other addresses.
        """
        if not machine_id:
            raise ValueError('a machine needs an id')
        if not hostname:
            raise ValueError('a machine needs a host name')
        ordered = _ordered_addresses(addresses)
        if interfaces:
            carried = {ip for device in interfaces for ip in device.ips}
            stray = [a for a in ordered if a not in carried]
            if stray:
                raise ValueError(
                    f'machine {machine_id!r}: {stray} on none of its interfaces '
                    f'{[d.name for d in interfaces]}'
                )
            ordered = _ordered_addresses([ip for device in interfaces for ip in device.ips])
        existing = self._hosts.get(machine_id)
        if existing is not None:
            if existing.hostname() != hostname or existing.addresses() != ordered:
                raise ValueError(
                    f'machine {machine_id!r} exists as {existing.hostname()!r} '
                    f'{existing.addresses()}, not {hostname!r} {ordered}'
                )
            return existing
        host = SimHost(self, machine_id, hostname=hostname, addresses=ordered)
        host.set_block_devices(disks)
        host.set_network_devices(interfaces)
        host.provision()
        self.image.provision(host)
        self._hosts[machine_id] = host
        self.activity += 1
        self._removed.discard(machine_id)
        return host

    def host(self, machine_id: str) -> SimHost:
        """The machine with this id.

        Raises:
            UnknownMachineError: there is none.
        """
        try:
            return self._hosts[machine_id]
        except KeyError:
            raise UnknownMachineError(machine_id) from None

    def remove_machine(self, machine_id: str) -> None:
        """Remove a machine (it was released); its id shows in :attr:`changed`.

        Raises:
            UnknownMachineError: there is none.
        """
        if machine_id not in self._hosts:
            raise UnknownMachineError(machine_id)
        del self._hosts[machine_id]
        self.activity += 1
        self._baseline.pop(machine_id, None)
        self._removed.add(machine_id)

    # -- persistence (the shared facts: see SharedState) ---------------------------------------

    def dump_machine(self, machine_id: str) -> str:
        """One machine's whole state as JSON (files, snaps, packages, services, program state).

        Raises:
            UnknownMachineError: there is no such machine.
            StateError: a program stored something that is not JSON-able.
        """
        return self._json(self.host(machine_id).to_json(), f'machine {machine_id!r}')

    def load_machine(self, machine_id: str, data: str) -> SimHost:
        """Recreate a machine from :meth:`dump_machine`'s output, replacing any of that id.

        The loaded machine counts as unchanged.

        Raises:
            StateError: ``data`` is not a dumped machine, or is another machine's.
        """
        try:
            parsed = json.loads(data)
            if not isinstance(parsed, dict):
                raise ValueError('not a JSON object')
            host = SimHost.from_json(self, cast('dict[str, Any]', parsed))
        except (ValueError, KeyError, TypeError) as error:
            raise StateError(f'cannot load machine {machine_id!r}: {error}') from error
        if host.machine_id != machine_id:
            raise StateError(
                f'cannot load machine {machine_id!r}: the data is machine {host.machine_id!r}'
            )
        self._hosts[machine_id] = host
        self.activity += 1
        self._removed.discard(machine_id)
        self._baseline[machine_id] = self._digest(self.dump_machine(machine_id))
        return host

    # -- change tracking -------------------------------------------------------------------------

    @property
    def changed(self) -> set[str]:
        """Machine ids changed, added or removed since :meth:`clear_changes` (``''``: shared).

        ``''`` is in the set when the shared facts or the faults changed. Computed by comparing
        each machine's dumped state with the one at the last clear, so no program has to
        remember to report its changes.
        """
        found = set(self._removed)
        for machine_id in self._hosts:
            digest = self._digest(self.dump_machine(machine_id))
            if self._baseline.get(machine_id) != digest:
                found.add(machine_id)
        if self._digest(self._shared_json()) != self._shared_baseline:
            found.add('')
        return found

    def clear_changes(self) -> None:
        """Take the current state as the baseline for :attr:`changed`."""
        self._baseline = {
            machine_id: self._digest(self.dump_machine(machine_id)) for machine_id in self._hosts
        }
        self._removed.clear()
        self._shared_baseline = self._digest(self._shared_json())


class SimHost(MachineFiles, metal_host.ProgramHost):
    """A simulated machine; implements :class:`metal_host.Host` exactly.

    Make one with :meth:`orchestrator.sim.World.add_machine`, never directly. Programs run as
    LocalHost runs real ones (the retries and the snap/apt-get/systemctl verbs are the same
    :class:`metal_host.ProgramHost` code): a program is looked up by base name in the World's
    program table, a missing one fails with exit status 127 and ``NAME: No such file or
    directory``, armed faults apply first, and transient failures retry under the World's
    policy, waiting with the World's ``sleep``. Beyond the Host
    protocol it offers what tests and emulated programs need: :attr:`files`,
    :attr:`directories`, per-program :attr:`state`, the command :attr:`history`, :meth:`call`
    for one program to run another, and small filesystem helpers.

    Attributes:
        machine_id: the machine's id in its World (a Juju machine id such as ``'0'``).
        files: path → file, for every regular file on the machine.
        directories: directories that exist without holding any file.
        state: per-program state, namespaced by program (``state['snap']``); JSON-able.
        history: every program run through :meth:`run` (each attempt, retries included), in
            order. Kept for the running process only; it is not part of the dumped state.
    """

    def __init__(
        self,
        world: World,
        machine_id: str,
        *,
        hostname: str,
        addresses: Sequence[str],
    ) -> None:
        self.world = world
        self.machine_id = machine_id
        self._log_prefix = f'{machine_id}: '
        self._hostname = hostname
        self._addresses = list(addresses)
        self.files: dict[str, FileEntry] = {}
        self.directories: set[str] = set()
        self.state: dict[str, Any] = {}
        self.history: list[CommandRecord] = []
        self.version = 0
        """Counts what may have changed the machine (a program run, a file or directory written
        or removed, a user added, program state handed out), so that a caller who saw it not
        move knows the machine's dump would be the same as before."""

    def __repr__(self) -> str:
        return f'<SimHost {self.machine_id!r} hostname={self._hostname!r} ({SIMULATED})>'

    @property
    def retry_policy(self) -> RetryPolicy:
        """The World's retry policy: transient failures retry as on a real machine."""
        return self.world.retry

    def _sleep_between(self, seconds: float) -> None:
        self.world.sleep(seconds)

    def call(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        env: Mapping[str, str] | None = None,
    ) -> Completed:
        """Run a program from inside another one (systemd running ``ExecStartPre=``).

        Unlike :meth:`run` it never raises for an exit status, does not retry and is not
        recorded in :attr:`history` (which holds what the charm ran). Faults still apply.

        Raises:
            CommandTimeoutError: a slow fault outlived ``timeout``.
        """
        args = _commands.argv_tuple(argv)
        return self._attempt(args, input, timeout, env, record=False)

    def _once(
        self,
        argv: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
    ) -> Completed:
        result = self._attempt(argv, input, timeout, env, record=True)
        if result.returncode != 0:
            raise CommandError(argv, result.returncode, result.stdout, result.stderr)
        return result

    def _attempt(
        self,
        args: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
        *,
        record: bool,
    ) -> Completed:
        """One run of one program: faults, then the handler.

        A non-zero exit status is returned, never raised.
        """
        program = posixpath.basename(args[0])
        self.world.activity += 1
        self.version += 1
        faults = self.world.faults
        slow = faults.slow(program, self.machine_id, args[1:])
        if slow is not None:
            if timeout is not None and slow.delay > timeout:
                self.world.sleep(timeout)
                if record:
                    self.history.append(CommandRecord(args, _KILLED))
                raise CommandTimeoutError(args, timeout)
            self.world.sleep(slow.delay)
        failure = faults.take_failure(program, self.machine_id, args[1:])
        if failure is not None:
            result = Completed(args, failure.returncode, '', failure.stderr)
        else:
            result = self._dispatch(program, args, input, timeout, env, record)
        if record:
            self.history.append(CommandRecord(args, result.returncode))
        return result

    def _dispatch(
        self,
        program: str,
        args: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
        record: bool,
    ) -> Completed:
        handler = self.world.programs.get(program)
        if handler is None:
            return Completed(args, _NOT_FOUND, '', f'{args[0]}: No such file or directory')
        invocation = Invocation(
            self, self.world, args, input, {**DEFAULT_ENV, **(env or {})}, timeout
        )
        try:
            result = handler(invocation)
        except CommandTimeoutError:
            if record:
                self.history.append(CommandRecord(args, _KILLED))
            raise
        except CommandError as error:  # a handler may raise rather than return a failure
            return Completed(args, error.returncode, error.stdout, error.stderr)
        return Completed(args, result.returncode, result.stdout, result.stderr)

    def request(self, socket_path: str, request: HttpRequest) -> HttpResponse | None:
        """Ask the daemon API on the machine's unix socket ``socket_path``; None: no such socket.

        What the API does to the machine counts as a change of it, as a program run does.
        """
        service = self.world.sockets.get(socket_path)
        if service is None:
            return None
        self.world.activity += 1
        self.version += 1
        return service(self, request)

    # -- files ---------------------------------------------------------------------------------

    def hostname(self) -> str:
        """The host name the machine was added with."""
        return self._hostname

    def addresses(self) -> list[str]:
        """The machine's addresses, IPv4 first (see :meth:`metal_host.Host.addresses`).

        A machine with network interfaces has the addresses of all of them, in the order
        ``ip -j address`` lists them, as LocalHost reads them (IPv4 first, otherwise in
        order); one without has those it was added with. Deviation: a keepalived VIP the
        machine holds is not among them (LocalHost would list it after the machine's own).
        """
        devices = self.network_devices
        if not devices:
            return list(self._addresses)
        found = list(dict.fromkeys(ip for d in devices for ip in d.ips))
        return sorted(found, key=lambda a: ipaddress.ip_address(a).version)

    # -- per-program state ------------------------------------------------------------------------

    def namespace(self, program: str) -> dict[str, Any]:
        """The program's slice of :attr:`state`, created empty on first use."""
        self.version += 1
        return cast('dict[str, Any]', self.state.setdefault(program, {}))

    # -- persistence ------------------------------------------------------------------------------

    def to_json(self) -> dict[str, Any]:
        """Everything that makes this machine what it is, JSON-able (not the history)."""
        return {
            'format': _MACHINE_FORMAT,
            'label': SIMULATED,
            'machine_id': self.machine_id,
            'hostname': self._hostname,
            'addresses': list(self._addresses),
            'files': {
                path: [entry.content, entry.mode, entry.owner, entry.group]
                for path, entry in sorted(self.files.items())
            },
            'directories': sorted(self.directories),
            'state': self.state,
        }

    @classmethod
    def from_json(cls, world: World, data: Mapping[str, Any]) -> SimHost:
        """Rebuild a machine from :meth:`to_json`'s output.

        Raises:
            KeyError, TypeError, ValueError: the data is not a dumped machine.
        """
        if data.get('format') != _MACHINE_FORMAT:
            raise ValueError(f'unsupported machine state format {data.get("format")!r}')
        host = cls(
            world,
            str(data['machine_id']),
            hostname=str(data['hostname']),
            addresses=[str(a) for a in cast('list[object]', data['addresses'])],
        )
        files = cast('dict[str, list[Any]]', data['files'])
        for path, (content, mode, owner, group) in files.items():
            host.files[str(path)] = FileEntry(str(content), int(mode), owner, group)
        host.directories = {str(d) for d in cast('list[object]', data['directories'])}
        host.state = dict(cast('dict[str, Any]', data['state']))
        return host

    def provision(self) -> None:
        """Lay down what a freshly deployed Ubuntu 24.04 machine has on disk."""
        self.version += 1
        for path, content in base_files(self._hostname).items():
            self.files[path] = FileEntry(content, 0o644, 'root', 'root')
        self.directories.update(BASE_DIRECTORIES)


def _ordered_addresses(addresses: Sequence[str]) -> list[str]:
    """Validated addresses, IPv4 first, otherwise in the given order, without duplicates."""
    if isinstance(addresses, str):
        raise TypeError(f'addresses must be a sequence of addresses, not {addresses!r}')
    parsed = [ipaddress.ip_address(text) for text in addresses]
    unique = list(dict.fromkeys(parsed))
    return [str(a) for a in sorted(unique, key=lambda a: a.version)]


if TYPE_CHECKING:
    # SimHost satisfies the protocol, checked by pyright rather than by hope.
    _conforms: metal_host.Host = SimHost(World(), '0', hostname='h', addresses=())

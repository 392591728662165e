"""The World: every simulated machine, the programs they run, and the facts they share.

All machines of one model live in one World, so facts that span machines hold: a join token
one machine mints is known to the others through :attr:`World.shared`. The World is also the
unit of persistence: ``olm`` runs each command in a new process, so every machine's state and
the shared state round-trip through JSON (:meth:`World.dump_machine`, :meth:`World.dump_shared`)
and :attr:`World.changed` says what needs writing back.

What is code is not persisted: the program table and the snap and package catalogs are rebuilt
by whoever builds the World (the built-in programs register themselves; later programs register
on top).

Errors::

    SimError                  anything the simulation itself refuses
    ├── UnknownMachineError   no machine with that id (also a KeyError)
    └── StateError            dumped state that cannot be loaded, or state that cannot be
                              dumped because a program stored something not JSON-able
                              (also a ValueError)
"""

# pyright: strict

from __future__ import annotations

import hashlib
import ipaddress
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from metal_host import RetryPolicy

from . import programs
from .faults import Faults
from .host import SIMULATED, BlockDevice, Handler, NetworkDevice, SimHost
from .programs.apt import DEFAULT_PACKAGES, PackageSpec
from .programs.snap import DEFAULT_SNAPS, SnapSpec

__all__ = [
    'Catalog',
    'ProgramRegistry',
    'SimError',
    'StateError',
    'UnknownMachineError',
    'World',
]

_FORMAT = 1


class SimError(Exception):
    """Base of the errors the simulation itself raises.

    Programs report their failures as exit statuses, as real ones do.
    """


class UnknownMachineError(SimError, KeyError):
    """There is no machine with that id in this World.

    Attributes:
        machine_id: the id asked for.
    """

    def __init__(self, machine_id: str) -> None:
        self.machine_id = machine_id
        super().__init__(f'no simulated machine {machine_id!r}')

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class StateError(SimError, ValueError):
    """Simulation state could not be loaded or dumped."""


class ProgramRegistry:
    """The program table: base name → handler.

    ``snap``, ``apt-get``, ``dpkg``, ``dpkg-query`` and ``systemctl`` are registered in every
    World; later programs (``k8s``, ``maas``, ``microceph`` …) register theirs::

        world.programs.register('k8s', k8s.handle)
    """

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}

    def __repr__(self) -> str:
        return f'ProgramRegistry({sorted(self._handlers)})'

    def __contains__(self, name: object) -> bool:
        return name in self._handlers

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._handlers))

    def __len__(self) -> int:
        return len(self._handlers)

    def register(self, name: str, handler: Handler, *, replace: bool = False) -> None:
        """Make ``name`` run ``handler`` on every machine.

        Args:
            name: the program's base name (what ``argv[0]`` ends with).
            handler: the emulation.
            replace: allow replacing an existing handler (to wrap or extend it).

        Raises:
            ValueError: ``name`` is empty or a path, or is taken and ``replace`` is false.
        """
        if not name or '/' in name:
            raise ValueError(f'a program is registered by its base name, got {name!r}')
        if name in self._handlers and not replace:
            raise ValueError(f'program {name!r} is already registered (pass replace=True)')
        self._handlers[name] = handler

    def unregister(self, name: str) -> None:
        """Remove a program; running it then fails as a missing executable does."""
        self._handlers.pop(name, None)

    def get(self, name: str) -> Handler | None:
        """The handler for ``name``, or None."""
        return self._handlers.get(name)


@dataclass
class Catalog:
    """What the simulated snap store and apt archive offer. Simulated data, not real releases.

    Attributes:
        snaps: snap name → what the store knows about it.
        packages: package name → what the archive knows about it.
    """

    snaps: dict[str, SnapSpec] = field(default_factory=lambda: dict(DEFAULT_SNAPS))
    packages: dict[str, PackageSpec] = field(default_factory=lambda: dict(DEFAULT_PACKAGES))

    def add_snap(self, spec: SnapSpec, *, replace: bool = False) -> None:
        """Offer a snap in the simulated store.

        Raises:
            ValueError: a snap of that name is offered and ``replace`` is false.
        """
        if spec.name in self.snaps and not replace:
            raise ValueError(f'snap {spec.name!r} is already in the catalog')
        self.snaps[spec.name] = spec

    def add_package(self, spec: PackageSpec, *, replace: bool = False) -> None:
        """Offer a Debian package in the simulated archive.

        Raises:
            ValueError: a package of that name is offered and ``replace`` is false.
        """
        if spec.name in self.packages and not replace:
            raise ValueError(f'package {spec.name!r} is already in the catalog')
        self.packages[spec.name] = spec


class World:
    """Every simulated machine of a model, and what they share.

    Args:
        clock: the time source programs use for timestamps (``since`` in systemctl status).
        sleep: how simulated time passes: slow faults and retry back-off call it. Tests and
            the engine pass a virtual clock's sleep so nothing really waits.
        retry: how a SimHost retries transient failures; by default LocalHost's policy, so a
            charm sees on a simulated machine what it would see on a real one.

    Attributes:
        programs: the program table.
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
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.retry = retry if retry is not None else RetryPolicy()
        self.programs = ProgramRegistry()
        for name, handler in programs.BUILTIN.items():
            self.programs.register(name, handler)
        self.catalog = Catalog()
        self.faults = Faults()
        self.shared: dict[str, Any] = {}
        self.activity = 0
        """Counts program runs (and machines added or removed): the shared facts change only
        through those and the faults, so a caller that saw neither move knows they did not."""
        self._hosts: dict[str, SimHost] = {}
        self._baseline: dict[str, str] = {}
        self._removed: set[str] = set()
        self._shared_baseline = self._digest(self._shared_json())

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
        programs.provision(host)
        programs.iproute.provision_sysfs(host)
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

    def namespace(self, program: str) -> dict[str, Any]:
        """The program's slice of :attr:`shared`, created empty on first use."""
        return cast('dict[str, Any]', self.shared.setdefault(program, {}))

    # -- persistence ---------------------------------------------------------------------------

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

    def dump_shared(self) -> str:
        """The shared facts and the armed faults as JSON.

        Raises:
            StateError: a program stored something that is not JSON-able.
        """
        return self._shared_json()

    def load_shared(self, data: str) -> None:
        """Restore :meth:`dump_shared`'s output; it then counts as unchanged.

        Raises:
            StateError: ``data`` is not dumped shared state.
        """
        try:
            parsed = json.loads(data)
            if not isinstance(parsed, dict):
                raise ValueError('not a JSON object')
            parsed = cast('dict[str, Any]', parsed)
            if parsed.get('format') != _FORMAT:
                raise ValueError(f'unsupported shared state format {parsed.get("format")!r}')
            shared = parsed['shared']
            if not isinstance(shared, dict):
                raise ValueError('shared is not an object')
            faults = Faults()
            faults.load_json(cast('list[dict[str, Any]]', parsed['faults']))
        except (ValueError, KeyError, TypeError) as error:
            raise StateError(f'cannot load shared state: {error}') from error
        self.shared = cast('dict[str, Any]', shared)
        self.faults = faults
        self._shared_baseline = self._digest(self._shared_json())

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

    # -- internals -------------------------------------------------------------------------------

    def _shared_json(self) -> str:
        return self._json(
            {
                'format': _FORMAT,
                'label': SIMULATED,
                'shared': self.shared,
                'faults': self.faults.to_json(),
            },
            'shared state',
        )

    @staticmethod
    def _json(data: object, what: str) -> str:
        try:
            return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(',', ':'))
        except (TypeError, ValueError) as error:
            raise StateError(f'{what} is not JSON-able: {error}') from error

    @staticmethod
    def _digest(text: str) -> str:
        return hashlib.sha256(text.encode('utf-8')).hexdigest()


def _ordered_addresses(addresses: Sequence[str]) -> list[str]:
    """Validated addresses, IPv4 first, otherwise in the given order, without duplicates."""
    if isinstance(addresses, str):
        raise TypeError(f'addresses must be a sequence of addresses, not {addresses!r}')
    parsed = [ipaddress.ip_address(text) for text in addresses]
    unique = list(dict.fromkeys(parsed))
    return [str(a) for a in sorted(unique, key=lambda a: a.version)]

"""ceph-storage unit tests: ``src`` first on the path, and the fakes the tests share.

:class:`World` is one MicroCeph cluster as the Ceph contract describes it (members, single-use
node-bound tokens, OSDs, pools, clients); :class:`CephHost` is a RecordingHost whose
``microceph``/``ceph``/``lsblk`` commands act on the World. A test injects a failure with
:meth:`CephHost.expect`, which wins over the emulation.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import metal_host
from ops import testing

SRC = Path(__file__).resolve().parents[2] / 'src'
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))
for _name in ('charm', 'workload', 'config', 'databag', 'membership', 'tokens'):
    _module = sys.modules.get(_name)
    if _module is not None and not str(getattr(_module, '__file__', '')).startswith(str(SRC)):
        del sys.modules[_name]

import charm  # noqa: E402 - needs SRC on the path

PEER_ID = 3
FSID = '5f1c7a8e-2b3d-4c5e-9f60-7a8b9c0d1e2f'
INITIALISED = 'Error: Unable to initialize cluster: Database is online'
"""microcluster v2 ``controlPost`` on a node that is already in a cluster."""


def by_id(path: str) -> str:
    """The /dev/disk/by-id link of a test device, as MicroCeph records and Juju reports it."""
    name = path.rsplit('/', 1)[-1]
    return f'/dev/disk/by-id/wwn-0x5000c500{name.encode().hex():0>8}'


def lsblk(*blank: str, mounted: str | None = None) -> str:
    """lsblk JSON: a partitioned boot disk sda, blank disks, optionally a mounted one."""
    devices: list[dict[str, Any]] = [
        {
            'name': 'sda', 'path': '/dev/sda', 'size': 500107862016, 'type': 'disk',
            'mountpoints': [None], 'fstype': None, 'rota': False,
            'children': [
                {'name': 'sda1', 'path': '/dev/sda1', 'size': 1000000, 'type': 'part',
                 'mountpoints': ['/boot/efi'], 'fstype': 'vfat', 'rota': False},
                {'name': 'sda2', 'path': '/dev/sda2', 'size': 499000000000, 'type': 'part',
                 'mountpoints': ['/'], 'fstype': 'ext4', 'rota': False},
            ],
        },
    ]  # fmt: skip
    for path in blank:
        devices.append({  # noqa: PERF401 - one literal per disk reads best
            'name': path[5:], 'path': path, 'size': 1000204886016, 'type': 'disk',
            'mountpoints': [None], 'fstype': None, 'rota': True,
        })  # fmt: skip
    if mounted:
        devices.append({
            'name': mounted[5:], 'path': mounted, 'size': 1000204886016, 'type': 'disk',
            'mountpoints': ['/srv'], 'fstype': 'xfs', 'rota': True,
        })  # fmt: skip
    return json.dumps({'blockdevices': devices})


@dataclasses.dataclass
class World:
    """One MicroCeph cluster shared by every CephHost of a test."""

    members: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    tokens: dict[str, str] = dataclasses.field(default_factory=dict[str, str])
    osds: list[tuple[str, str]] = dataclasses.field(default_factory=list[tuple[str, str]])
    pools: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict[str, dict[str, Any]])
    filesystems: set[str] = dataclasses.field(default_factory=set[str])
    clients: dict[str, tuple[str, tuple[str, ...]]] = dataclasses.field(
        default_factory=dict[str, tuple[str, tuple[str, ...]]]
    )
    minted: int = 0
    buckets: dict[str, tuple[str, str | None]] = dataclasses.field(
        default_factory=dict[str, tuple[str, str | None]]
    )
    """CRUSH buckets other than root default: name -> (type, parent); members are hosts."""
    rules: list[str] = dataclasses.field(default_factory=lambda: ['replicated_rule'])

    def crush(self) -> dict[str, tuple[str, str | None]]:
        """The whole CRUSH map: root default, a host per member, the buckets added."""
        out: dict[str, tuple[str, str | None]] = {'default': ('root', None)}
        out |= {m: ('host', 'default') for m in self.members}
        return out | self.buckets

    def secrets(self) -> set[str]:
        """Every credential the World handed out: join tokens and cephx keys."""
        return {*self.tokens, *(k for k, _ in self.clients.values())}


class CephHost(metal_host.RecordingHost):
    """A machine with (or without) microceph, as far as the charm can tell."""

    def __init__(
        self,
        world: World | None = None,
        *,
        hostname: str = 'ceph-0',
        address: str = '10.0.0.1',
        disks: str | None = None,
        installed: bool = True,
    ) -> None:
        super().__init__(hostname=hostname, addresses=[address])
        self.world = world or World()
        self.name = hostname
        self.disks = disks if disks is not None else lsblk('/dev/sdb', '/dev/sdc')
        self.injected: set[tuple[str, ...]] = set()
        if installed:
            self.snaps['microceph'] = metal_host.SnapState('squid/stable', held=True)

    def expect(self, argv: str | Sequence[str], **kwargs: Any) -> None:
        key = tuple(argv.split()) if isinstance(argv, str) else tuple(argv)
        self.injected.add(key)
        super().expect(argv, **kwargs)

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> metal_host.Completed:
        args = tuple(str(a) for a in argv)
        if not any(args[: len(k)] == k for k in self.injected):
            rc, out, err = self._emulate(args)
            self.responses[args] = metal_host.Completed((), rc, out, err)
        return super().run(argv, input=input, timeout=timeout, check=check)

    @property
    def member(self) -> bool:
        return self.name in self.world.members

    def _emulate(self, a: tuple[str, ...]) -> tuple[int, str, str]:
        if a[0] == 'lsblk':
            return self._lsblk(a[1:])
        if a[:3] == ('microceph', 'cluster', 'bootstrap'):
            if self.member or self.world.members:
                return 1, '', f'{INITIALISED}\n'
            self.world.members[self.name] = a[a.index('--microceph-ip') + 1]
            return 0, '', ''
        if a[:3] == ('microceph', 'cluster', 'join'):
            if self.member:
                return 1, '', f'{INITIALISED}\n'
            if self.world.tokens.pop(a[3], None) != self.name:
                return (
                    1,
                    '',
                    (
                        'Error: 1 join attempts were unsuccessful. Last error: '
                        'CoreTokenRecord not found\n'
                    ),
                )
            self.world.members[self.name] = a[a.index('--microceph-ip') + 1]
            return 0, '', ''
        if not self.member:
            return 1, '', 'Error: Database is not yet initialized\n'
        if a[:2] == ('microceph', 'status'):
            return 0, 'MicroCeph deployment summary:\n', ''
        if a[:3] == ('microceph', 'cluster', 'add'):
            self.world.minted += 1
            token = f'eyJtaWNyb2NlcGgtdG9rZW4i{self.world.minted:04d}{a[3]}='
            self.world.tokens[token] = a[3]
            return 0, token + '\n', ''
        if a[:4] == ('microceph', 'disk', 'list', '--json'):
            configured = [
                {'osd': i, 'path': p, 'location': h} for i, (h, p) in enumerate(self.world.osds)
            ]
            return 0, json.dumps({'ConfiguredDisks': configured, 'AvailableDisks': []}), ''
        if a[:3] == ('microceph', 'disk', 'add'):
            path = a[3]
            device = self._device(path)
            stable = by_id(device) if device else path
            table = f'\n+----------+---------+\n|   PATH   | STATUS  |\n| {path} | {{}} |\n'
            if device is None:
                reason = f'failed to set stable disk path: invalid disk path: {path}'
                return 1, table.format('Failure'), f'Error: {reason}\n'
            if (self.name, stable) in self.world.osds:
                reason = 'failed to record disk: This "disks" entry already exists'
                return 1, table.format('Failure'), f'Error: {reason}\n'
            self.world.osds.append((self.name, stable))
            return 0, table.format('Success'), ''
        if a[0] == 'microceph.ceph':
            return self._ceph(a[1:])
        return 127, '', f'{a[0]}: command not found'

    def _devices(self) -> list[dict[str, Any]]:
        """lsblk's devices, a disk that is one of this host's OSDs labelled ceph_bluestore."""
        devices: list[dict[str, Any]] = json.loads(self.disks)['blockdevices']
        mine = {p for h, p in self.world.osds if h == self.name}
        for device in devices:
            if by_id(device['path']) in mine:
                device['fstype'] = 'ceph_bluestore'
        return devices

    def _device(self, path: str) -> str | None:
        """The /dev path ``path`` leads to (a device or its by-id link), as stat() follows it."""
        for device in self._devices():
            for one in [device, *device.get('children', [])]:
                if path in (one['path'], by_id(one['path'])):
                    return str(one['path'])
        return None

    def _lsblk(self, a: tuple[str, ...]) -> tuple[int, str, str]:
        """util-linux lsblk 2.39 --json: every device, or the ones named (symlinks followed)."""
        named = [x for x in a if x.startswith('/')]
        devices = self._devices()
        if not named:
            return 0, json.dumps({'blockdevices': devices}), ''
        found = [self._device(x) for x in named]
        rows = [
            {'path': one['path'], 'name': one['name'], 'type': one['type']}
            for device in devices
            for one in [device, *device.get('children', [])]
            if one['path'] in found
        ]
        errors = ''.join(
            f'lsblk: {x}: not a block device\n' for x, f in zip(named, found, strict=True) if not f
        )
        code = 0 if not errors else 32 if not rows else 64
        return code, json.dumps({'blockdevices': rows}) if rows else '', errors

    def _ceph(self, a: tuple[str, ...]) -> tuple[int, str, str]:
        w = self.world
        if a[:1] == ('status',):
            mons = min(len(w.members), 3)
            return 0, json.dumps({
                'fsid': FSID, 'health': {'status': 'HEALTH_OK'},
                'monmap': {'num_mons': mons},
                'osdmap': {'num_osds': len(w.osds), 'num_up_osds': len(w.osds),
                           'num_in_osds': len(w.osds)},
            }), ''  # fmt: skip
        if a == ('fsid',):
            return 0, FSID + '\n', ''
        if a[:2] == ('mon', 'dump'):
            mons = [
                {'name': n, 'addr': f'{ip}:6789/0', 'public_addrs': {'addrvec': [
                    {'type': 'v2', 'addr': f'{ip}:3300'}, {'type': 'v1', 'addr': f'{ip}:6789'}]}}
                for n, ip in list(w.members.items())[:3]
            ]  # fmt: skip
            return 0, json.dumps({'fsid': FSID, 'mons': mons}), ''
        if a[:3] == ('osd', 'pool', 'ls'):
            return 0, json.dumps(sorted(w.pools)), ''
        if a[:3] == ('osd', 'pool', 'create'):
            if a[3] in w.pools:
                return 0, '', f"pool '{a[3]}' already exists\n"
            w.pools[a[3]] = {}
            return 0, '', f"pool '{a[3]}' created\n"
        if a[:4] == ('osd', 'pool', 'application', 'enable'):
            w.pools[a[4]]['application'] = a[5]
            return 0, '', f"enabled application '{a[5]}' on pool '{a[4]}'\n"
        if a[:3] == ('osd', 'pool', 'set'):
            if a[3] not in w.pools:
                return 2, '', f"Error ENOENT: unrecognized pool '{a[3]}'\n"
            w.pools[a[3]][a[4]] = a[5] if a[4] == 'crush_rule' else int(a[5])
            return 0, '', f'set pool {a[3]} {a[4]} to {a[5]}\n'
        if a[:3] == ('fs', 'volume', 'create'):
            w.filesystems.add(a[3])
            for kind in ('meta', 'data'):
                w.pools.setdefault(f'cephfs.{a[3]}.{kind}', {'application': 'cephfs'})
            return 0, '', ''
        if a[:2] == ('osd', 'tree'):
            crush = w.crush()
            ids = {name: -1 - i for i, name in enumerate(crush)}
            nodes = [
                {'id': ids[n], 'name': n, 'type': t,
                 'children': [ids[c] for c, (_, p) in crush.items() if p == n]}
                for n, (t, _) in crush.items()
            ]  # fmt: skip
            return 0, json.dumps({'nodes': nodes, 'stray': []}), ''
        if a[:3] == ('osd', 'crush', 'add-bucket'):
            if a[3] in w.crush():
                return 0, '', f"bucket '{a[3]}' already exists\n"
            w.buckets[a[3]] = (a[4], None)
            return 0, '', f'added bucket {a[3]} type {a[4]} to crush map\n'
        if a[:3] == ('osd', 'crush', 'move'):
            kind, _, parent = a[4].partition('=')
            if a[3] not in w.crush():
                return 2, '', f'Error ENOENT: item {a[3]} does not exist\n'
            w.buckets[a[3]] = (w.crush()[a[3]][0], parent)
            w.buckets.setdefault(parent, (kind, None))
            return 0, '', f"moved item id -9 name '{a[3]}' to location {{{a[4]}}} in crush map\n"
        if a[:4] == ('osd', 'crush', 'rule', 'create-replicated'):
            if a[4] not in w.rules:
                w.rules.append(a[4])
            return 0, '', ''
        if a[:4] == ('osd', 'crush', 'rule', 'ls'):
            return 0, json.dumps(w.rules), ''
        if a[:2] == ('auth', 'caps'):
            if a[2] not in w.clients:
                return 2, '', f"Error ENOENT: couldn't find entry {a[2]}\n"
            w.clients[a[2]] = (w.clients[a[2]][0], a[3:])
            return 0, '', f'updated caps for {a[2]}\n'
        if a[:2] == ('auth', 'get-or-create'):
            name, caps = a[2], a[3:-2]
            if name in w.clients and w.clients[name][1] != caps:
                return 22, '', f'Error EINVAL: key for {name} exists but cap mon does not match\n'
            key = w.clients.get(name, (f'AQCk{len(w.clients):04d}cephxkeyfortests==', caps))[0]
            w.clients[name] = (key, caps)
            return 0, json.dumps([{'entity': name, 'key': key, 'caps': {}}]), ''
        return 22, '', f'no valid command found: ceph {" ".join(a)}\n'


def network(address: str, endpoint: str = 'ceph-peers', cidr: str = '') -> testing.Network:
    """network-get ``endpoint``: ``address``, with its subnet when ``cidr`` is given."""
    return testing.Network(
        endpoint,
        bind_addresses=[testing.BindAddress([testing.Address(address, cidr=cidr)])],
        ingress_addresses=[address],
        egress_subnets=[cidr or f'{address}/32'],
    )


ENDPOINTS = ('ceph-peers', 'public', 'cluster', 'admin')
"""Every endpoint network-get answers for: the peers and the three extra bindings."""


def networks(address: str) -> set[testing.Network]:
    """A one-NIC machine: every binding on ``address`` (Juju reports no subnet)."""
    return {network(address, endpoint) for endpoint in ENDPOINTS}


def context(unit_id: int = 0, zone: str | None = None) -> testing.Context[charm.CephStorageCharm]:
    return testing.Context(charm.CephStorageCharm, unit_id=unit_id, availability_zone=zone)


def leaks(state: testing.State, secrets: set[str]) -> list[str]:
    """Where a credential shows in what the charm wrote: databags and status."""
    found: list[str] = []
    for relation in state.relations:
        bags = {'app': relation.local_app_data, 'unit': relation.local_unit_data}
        for which, bag in bags.items():
            for key, value in bag.items():
                found += [f'{relation.endpoint} {which} {key}' for s in secrets if s in value]
    found += ['status' for s in secrets if s in state.unit_status.message]
    return found


@dataclasses.dataclass
class Cluster:
    """Several units sharing one peer relation, one World and the app secrets."""

    size: int
    leader: int = 0
    config: dict[str, str | int] = dataclasses.field(default_factory=dict[str, str | int])
    zones: dict[int, str] = dataclasses.field(default_factory=dict[int, str])
    """Unit number -> the availability zone Juju gives its hooks (none when missing)."""
    networks: dict[int, set[testing.Network]] = dataclasses.field(
        default_factory=dict[int, set[testing.Network]]
    )
    """Unit number -> what network-get answers it (default: one NIC, 10.0.0.N+1)."""

    def __post_init__(self) -> None:
        self.world = World()
        self.members: set[int] = set(range(self.size))
        self.hosts = {
            n: CephHost(self.world, hostname=f'ceph-{n}', address=f'10.0.0.{n + 1}')
            for n in self.members
        }
        self.unit_data: dict[int, dict[str, str]] = {n: {} for n in self.members}
        self.app_data: dict[str, str] = {}
        self.stored: dict[int, frozenset[testing.StoredState]] = {
            n: frozenset() for n in self.members
        }
        self.secrets: dict[str, testing.Secret] = {}
        self.statuses: dict[int, Any] = {}
        self.extra: list[testing.RelationBase] = []
        self.outs: dict[int, testing.State] = {}

    def state(self, n: int) -> testing.State:
        relation = testing.PeerRelation(
            'ceph-peers',
            id=PEER_ID,
            local_unit_data=dict(self.unit_data[n]),
            local_app_data=dict(self.app_data),
            peers_data={m: dict(self.unit_data[m]) for m in self.members if m != n},
        )
        return testing.State(
            leader=n == self.leader,
            config=self.config,
            relations={relation, *self.extra},
            networks=self.networks.get(n) or networks(f'10.0.0.{n + 1}'),
            secrets=set(self.secrets.values()),
            stored_states=self.stored[n],
        )

    def run(self, n: int, event: Any = None) -> testing.State:
        ctx = context(n, self.zones.get(n))
        state = self.state(n)
        if event is not None:
            made = event(ctx, state)
        elif len(self.members) > 1:
            other = min(self.members - {n})
            made = ctx.on.relation_changed(state.get_relation(PEER_ID), remote_unit=other)
        else:
            made = ctx.on.update_status()
        with metal_host.bound(self.hosts[n]):
            out = ctx.run(made, state)
        self.unit_data[n] = dict(out.get_relation(PEER_ID).local_unit_data)
        if n == self.leader:
            self.app_data = dict(out.get_relation(PEER_ID).local_app_data)
            self.secrets = {s.id: s for s in out.secrets if s.owner == 'app'}
            self.extra = [r for r in out.relations if r.id != PEER_ID]
        self.stored[n] = out.stored_states
        self.statuses[n] = out.unit_status
        self.outs[n] = out
        assert not leaks(out, self.world.secrets()), leaks(out, self.world.secrets())
        return out

    def settle(self, rounds: int = 10) -> None:
        for _ in range(rounds):
            before = (repr(self.unit_data), repr(self.app_data), len(self.world.osds))
            for n in sorted(self.members):
                self.run(n)
            if (repr(self.unit_data), repr(self.app_data), len(self.world.osds)) == before:
                return
        raise AssertionError('the cluster did not settle')

"""A small model for the dashboard's unit tests, and a source that serves it."""

from __future__ import annotations

import dataclasses

from orchestrator.dashboard import (
    Application,
    Capacity,
    DashboardError,
    HookRun,
    MetalMachine,
    Relation,
    SecretInfo,
    Snapshot,
    Unit,
)


def stack(**changes: object) -> Snapshot:
    """A region on a consumed database, a rack, and a principal with a subordinate."""
    snapshot = Snapshot(
        source='olm model lab (simulated machines)',
        model='lab',
        simulated=True,
        applications=(
            Application('region', 'metal-controller', 3, 'active', 'ready', ('region/0',)),
            Application('rack', 'rack-agent', 1, 'blocked', 'no region', ('rack/0', 'rack/1')),
            Application('app', 'app', 2, 'active', '', ('app/0',)),
            Application('logging', 'logging', 5, 'active', '', ('logging/0',), ('app',)),
            Application('db', status='active', saas=True, url='admin/database.db'),
        ),
        relations=(
            Relation(('db', 'region'), ('database', 'database'), 'postgresql_client'),
            Relation(('rack', 'region'), ('metal-region', 'metal-region'), 'metal-region'),
            Relation(('app', 'logging'), ('juju-info', 'juju-info'), 'juju-info', 'container'),
        ),
        units=(
            Unit('region/0', 'region', '0', 'active', 'idle', 'ready', leader=True),
            Unit('rack/0', 'rack', '1', 'blocked', 'idle', 'no region', leader=True),
            Unit('rack/1', 'rack', '2', 'blocked', 'error', 'hook failed: "install"'),
            Unit('app/0', 'app', '0', 'active', 'idle'),
            Unit('logging/0', 'logging', '', 'active', 'idle', principal='app/0'),
        ),
        metal=(
            MetalMachine(
                'node-01',
                '0',
                'abc123',
                'zone-a',
                'default',
                'Deployed',
                'amd64/generic',
                8,
                16384,
                ('sda 480 GB (ssd)',),
                ('ssd',),
                ('region/0', 'app/0'),
            ),
            MetalMachine(
                'node-02',
                '1',
                'def456',
                'zone-b',
                'default',
                'Deployed',
                'amd64/generic',
                4,
                8192,
                units=('rack/0',),
            ),
            MetalMachine(
                'node-03',
                '',
                'ghi789',
                'zone-b',
                'spare',
                'Ready',
                'arm64/generic',
                64,
                262144,
                tags=('nvme',),
            ),
        ),
        capacity=(Capacity('rack', 'cores=2 mem=4096M', ('oam',), 3),),
        hooks=(
            HookRun(1, 1796680000.0, 'region/0', 'install'),
            HookRun(2, 1796680001.0, 'rack/1', 'install', 'error', 'RuntimeError: no disk'),
            HookRun(3, 1796680002.0, 'rack/0', 'install'),
            HookRun(4, 1796680003.0, 'region/0', 'metal-region-relation-changed (1, rack/0)'),
        ),
        secrets=(SecretInfo('secret:d1', 'region', 'shared-secret', 2, 'monthly', 'c', 'u'),),
        offers=(),
    )
    return dataclasses.replace(snapshot, **changes)  # type: ignore[arg-type]


class ListSource:
    """A source that answers the snapshots it is given, one per change."""

    def __init__(self, *snapshots: Snapshot) -> None:
        self.snapshots = list(snapshots)
        self.current = self.snapshots.pop(0)
        self.reads = 0
        self.fail: str | None = None
        self.closed = False

    def push(self, snapshot: Snapshot) -> None:
        self.snapshots.append(snapshot)

    def describe(self) -> str:
        return self.current.source

    def changed(self) -> bool:
        if self.snapshots:
            self.current = self.snapshots.pop(0)
            return True
        return self.reads == 0

    def snapshot(self) -> Snapshot:
        if self.fail:
            raise DashboardError(self.fail)
        self.reads += 1
        return self.current

    def close(self) -> None:
        self.closed = True

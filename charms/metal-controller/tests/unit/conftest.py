"""metal-controller unit tests: ``src`` on the path (lib/ is there by the repo's pytest config).

Also the fakes every test module shares: :class:`MaasHost`, a RecordingHost whose ``snap list
maas`` follows the snaps it installed and whose ``maas init`` writes the shared secret, and
:class:`Cluster`, which runs several units of the charm against one peer relation the way Juju
would, carrying each unit's databag, stored state and the application's secrets from one
event to the next.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import metal_host
import pytest
from metal_interfaces import postgresql_client_testing
from ops import testing

SRC = Path(__file__).resolve().parents[2] / 'src'
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

import charm  # noqa: E402 - needs SRC on the path

VERSIONS = {
    '3.5/stable': '3.5.4-16349-g.0a67b5b9d',
    '3.6/stable': '3.6.0-16377-g.dc4fc3b74',
    '3.6/edge': '3.6.1-16402-g.e7c84a3f1',
    'latest/stable': '3.4.2-14353-g.5a5221d57',  # hypothetical: a track that names no series
}
SHARED_SECRET = '5e1f0c2a9b7d4e3f8a6c1b0d2e4f6a8c'
API_KEY = 'cOnSuMeRkEy0123:tOkEnKeY0123456789:tOkEnSeCrEt0123456789abcdef'
DB_PASSWORD = postgresql_client_testing.DEFAULT_PASSWORD
DB_USER = postgresql_client_testing.DEFAULT_USERNAME
SECRET_FILE = '/var/snap/maas/common/maas/secret'
PEER_ID = 7
DB_ID = 8

CREDENTIALS = {SHARED_SECRET, API_KEY, DB_PASSWORD}
"""Test values that must never appear in databags, statuses, action results or logs."""


def snap_list(channel: str, version: str | None = None) -> str:
    """``snap list maas`` as snapd prints it."""
    version = version or VERSIONS[channel]
    return (
        'Name  Version                  Rev    Tracking    Publisher    Notes\n'
        f'maas  {version}  38130  {channel}  canonical**  held\n'
    )


class MaasHost(metal_host.RecordingHost):
    """A machine with the maas snap as far as the charm can tell.

    ``snap list maas`` answers from :attr:`snaps` (so installing and refreshing show), a
    successful ``maas init`` writes the shared secret file, and the admin commands succeed
    unless a test says otherwise with :meth:`expect`.
    """

    def __init__(
        self,
        *,
        installed: str | None = '3.6/stable',
        address: str = '10.0.0.1',
        hostname: str = 'region-0',
        initialised: bool = False,
    ) -> None:
        super().__init__(hostname=hostname, addresses=[address])
        if installed is not None:
            self.snaps['maas'] = metal_host.SnapState(installed, held=True)
        if initialised:
            self.files[SECRET_FILE] = metal_host.FileEntry(SHARED_SECRET + '\n')
        self.expect('maas init')
        self.expect('maas createadmin', stdout='Admin created')
        self.expect('maas apikey', stdout=API_KEY + '\n')

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> metal_host.Completed:
        if tuple(argv) == ('snap', 'list', 'maas'):
            snap = self.snaps.get('maas')
            if snap is None:
                self.expect(argv, returncode=1, stderr='error: no matching snaps installed')
            else:
                assert snap.channel is not None
                self.expect(argv, stdout=snap_list(snap.channel))
        done = super().run(argv, input=input, timeout=timeout, check=check)
        if tuple(argv[:2]) == ('maas', 'init') and done.ok:
            self.files[SECRET_FILE] = metal_host.FileEntry(SHARED_SECRET + '\n')
        return done

    @property
    def inits(self) -> list[tuple[str, ...]]:
        """Every ``maas init`` command run."""
        return [argv for argv in self.commands if argv[:2] == ('maas', 'init')]

    @property
    def maas_commands(self) -> list[tuple[str, ...]]:
        """Every ``maas`` command run."""
        return [argv for argv in self.commands if argv[0] == 'maas']


def database(**overrides: Any) -> tuple[testing.Relation, testing.Secret]:
    """The database relation as metal-controller sees it, created, and its user secret."""
    kwargs: dict[str, Any] = {'database': 'maas', 'id': DB_ID, **overrides}
    relation, secret = postgresql_client_testing.relation_for_requirer('database', **kwargs)
    assert secret is not None
    return relation, secret


def network(address: str, endpoint: str = 'metal-region') -> testing.Network:
    """network-get ``endpoint`` for a unit at ``address``."""
    return testing.Network(
        endpoint,
        bind_addresses=[testing.BindAddress([testing.Address(address)])],
        ingress_addresses=[address],
        egress_subnets=[f'{address}/32'],
    )


ENDPOINTS = ('region-peers', 'metal-region', 'database')
"""The endpoints network-get answers for."""


def networks(address: str, **where: str) -> set[testing.Network]:
    """Every binding of a unit at ``address``; ``where`` moves an endpoint (``_`` for ``-``)."""
    moved = {endpoint.replace('_', '-'): ip for endpoint, ip in where.items()}
    return {network(moved.get(endpoint, address), endpoint) for endpoint in ENDPOINTS}


def peers(
    unit_data: Mapping[str, str] | None = None,
    app_data: Mapping[str, str] | None = None,
    others: Mapping[int, Mapping[str, str]] | None = None,
) -> testing.PeerRelation:
    """The region-peers relation."""
    return testing.PeerRelation(
        'region-peers',
        id=PEER_ID,
        local_unit_data=dict(unit_data or {}),
        local_app_data=dict(app_data or {}),
        peers_data={n: dict(d) for n, d in (others or {}).items()},
    )


def context(unit_id: int = 0) -> testing.Context[charm.MetalControllerCharm]:
    """A context for the charm, its metadata read from charmcraft.yaml."""
    return testing.Context(charm.MetalControllerCharm, unit_id=unit_id)


def leaks(state: testing.State, *extra: str) -> list[str]:
    """Where a credential shows in what the charm wrote: databags and status."""
    found: list[str] = []
    secrets = CREDENTIALS | set(extra)
    for relation in state.relations:
        bags = {'app': relation.local_app_data, 'unit': relation.local_unit_data}
        for which, bag in bags.items():
            for key, value in bag.items():
                found += [
                    f'{relation.endpoint} {which} {key}' for secret in secrets if secret in value
                ]
    found += ['status' for secret in secrets if secret in state.unit_status.message]
    return found


@dataclasses.dataclass
class Cluster:
    """Several units of metal-controller sharing one peer relation and one database.

    :meth:`run` runs one event (by default region-peers relation-changed) on one unit with
    that unit's view (its databag, the others' as remote data, the app databag, its stored
    state, every secret) and carries the output forward, the way Juju commits a hook. Each unit
    has its own :class:`MaasHost`.
    """

    size: int
    leader: int = 0
    config: dict[str, str | bool] = dataclasses.field(default_factory=dict[str, str | bool])
    networks: dict[int, set[testing.Network]] = dataclasses.field(
        default_factory=dict[int, set[testing.Network]]
    )
    """Unit number -> what network-get answers it (default: every binding on its address)."""

    def __post_init__(self) -> None:
        self.members: set[int] = set(range(self.size))
        self.hosts = {
            n: MaasHost(address=self.address(n), hostname=f'region-{n}') for n in self.members
        }
        self.unit_data: dict[int, dict[str, str]] = {n: {} for n in self.members}
        self.app_data: dict[str, str] = {}
        self.stored: dict[int, frozenset[testing.StoredState]] = {
            n: frozenset() for n in self.members
        }
        self.db, db_secret = database()
        self.secrets: dict[str, testing.Secret] = {db_secret.id: db_secret}
        self.statuses: dict[int, Any] = {}
        self.extra_relations: list[testing.RelationBase] = []

    @staticmethod
    def address(n: int) -> str:
        return f'10.0.0.{n + 1}'

    @staticmethod
    def unit(n: int) -> str:
        return f'metal-controller/{n}'

    def state(self, n: int) -> testing.State:
        relation = peers(
            self.unit_data[n],
            self.app_data,
            {m: self.unit_data[m] for m in self.members if m != n},
        )
        return testing.State(
            leader=n == self.leader,
            config=self.config,
            relations={relation, self.db, *self.extra_relations},
            networks=self.networks.get(n) or networks(self.address(n)),
            secrets=set(self.secrets.values()),
            stored_states=self.stored[n],
        )

    def run(
        self,
        n: int,
        event: Callable[[testing.Context[charm.MetalControllerCharm], testing.State], Any]
        | None = None,
    ) -> testing.State:
        ctx = context(n)
        state = self.state(n)
        if event is not None:
            made = event(ctx, state)
        elif len(self.members) > 1:  # what a unit sees after another one wrote peer data
            other = min(self.members - {n})
            made = ctx.on.relation_changed(state.get_relation(PEER_ID), remote_unit=other)
        else:
            made = ctx.on.update_status()
        with metal_host.bound(self.hosts[n]):
            out = ctx.run(made, state)
        self.unit_data[n] = dict(out.get_relation(PEER_ID).local_unit_data)
        if n == self.leader:
            self.app_data = dict(out.get_relation(PEER_ID).local_app_data)
        self.stored[n] = out.stored_states
        self.secrets.update({s.id: s for s in out.secrets})
        self.statuses[n] = out.unit_status
        assert not leaks(out), leaks(out)
        return out

    def settle(self, order: Iterable[int] | None = None, rounds: int = 10) -> None:
        """Run peer relation-changed round after round on every unit until no databag changes."""
        for _ in range(rounds):
            before = (repr(self.unit_data), repr(self.app_data))
            for n in order if order is not None else sorted(self.members):
                self.run(n)
            if (repr(self.unit_data), repr(self.app_data)) == before:
                return
        raise AssertionError('the cluster did not settle')

    def depart(self, n: int) -> testing.State:
        """Unit ``n`` leaves: the leader sees region-peers relation-departed."""
        self.members.discard(n)
        state = self.state(self.leader)
        relation = state.get_relation(PEER_ID)
        ctx = context(self.leader)
        event = ctx.on.relation_departed(relation, remote_unit=n, departing_unit=n)
        with metal_host.bound(self.hosts[self.leader]):
            out = ctx.run(event, state)
        self.unit_data[self.leader] = dict(out.get_relation(PEER_ID).local_unit_data)
        self.app_data = dict(out.get_relation(PEER_ID).local_app_data)
        self.stored[self.leader] = out.stored_states
        self.statuses[self.leader] = out.unit_status
        return out

    @property
    def turn(self) -> str | None:
        raw = self.app_data.get('turn')
        return None if not raw else raw.strip('"')

    def inits(self) -> dict[int, int]:
        """How many times each unit ran ``maas init``."""
        return {n: len(host.inits) for n, host in self.hosts.items()}


@pytest.fixture
def host() -> MaasHost:
    """A machine with maas 3.6/stable installed, not initialised."""
    return MaasHost()

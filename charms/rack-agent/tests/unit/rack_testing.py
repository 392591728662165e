"""A machine that plays the maas snap for rack-agent's tests, and State builders.

:class:`Machine` is a ``RecordingHost`` (every call recorded, nothing run) that also answers
``snap list maas`` from the snap it has installed and plays what ``maas init rack`` does on a
real machine (MAAS 3.5+): it writes the rack's secret; then a region that is up and shares the
secret registers the rack (``maas_id``), one with another secret makes rackd send
:data:`workload.SECRET_REJECTED` to the journal, and one that is down
:data:`workload.REGION_UNAVAILABLE`; ``journalctl -t maas-rackd -o cat`` answers from that
journal (``--lines=1``, ``--show-cursor``, ``--after-cursor``) as the emulated journalctl does.
A ``slow`` region leaves no verdict yet, as real rackd, which registers in the background,
often does. (charms/rack-agent/tests/unit/test_workload.py runs the same functions against the
emulated snap itself.)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

import metal_host
from metal_interfaces.metal_region_testing import DEFAULT_SHARED_SECRET, relation_for_requirer
from ops import testing

import workload

RegionBehaviour = Literal['up', 'down', 'slow']

VERSIONS: Mapping[str, str] = {
    '3.5/stable': '3.5.4-16349-g.0a67b5b9d',
    '3.6/stable': '3.6.0-16377-g.dc4fc3b74',
    '3.6/edge': '3.6.1-16402-g.e7c84a3f1',
}
"""The maas snap's version per channel (as the simulated catalog has them)."""

API_URL = 'http://10.0.0.10:5240/MAAS'
ADDRESSES = ('10.0.0.11', '10.0.0.12', '10.0.0.13')
ADDRESS_URLS = tuple(f'http://{a}:5240/MAAS' for a in ADDRESSES)
SYSTEM_ID = '7xwpet'
HOSTNAME = 'rack-host'
OAM_ADDRESS = '10.0.0.31'
"""The machine's first address: its PXE/OAM interface's, not where the region reaches it."""
ADDRESS = '10.20.0.31'
"""The unit's address on its metal-region binding (network-get's ingress address)."""
ENDPOINT = 'metal-region'


def region_network(*addresses: str) -> testing.Network:
    """network-get metal-region: the unit's addresses in the endpoint's space (none: none)."""
    return testing.Network(
        ENDPOINT,
        bind_addresses=[testing.BindAddress([testing.Address(a) for a in addresses])]
        if addresses
        else [],
        ingress_addresses=addresses,
        egress_subnets=[f'{a}/32' for a in addresses],
    )


class Machine(metal_host.RecordingHost):
    """A RecordingHost with the maas snap's behaviour (see the module docstring).

    Args:
        regions: how each region URL behaves; a URL not listed is down.
        region_secret: the secret the regions share.
        installed: the channel the maas snap is already installed from (None: not installed).
    """

    def __init__(
        self,
        *,
        regions: Mapping[str, RegionBehaviour] | None = None,
        region_secret: str = DEFAULT_SHARED_SECRET,
        installed: str | None = '3.6/stable',
        addresses: Iterable[str] = (OAM_ADDRESS, ADDRESS, 'fd00::31'),
    ) -> None:
        super().__init__({'maas init rack': ''}, hostname=HOSTNAME, addresses=addresses)
        self.regions: dict[str, RegionBehaviour] = dict(
            regions if regions is not None else {API_URL: 'up'}
        )
        self.region_secret = region_secret
        self.journal: list[str] = []
        if installed is not None:
            self.snaps['maas'] = metal_host.SnapState(installed, held=True)

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> metal_host.Completed:
        args = tuple(argv)
        if args == ('snap', 'list', 'maas'):
            self._answer_snap_list()
        if args[:1] == ('journalctl',):
            self._answer_journalctl(args)
        result = super().run(argv, input=input, timeout=timeout, check=check)
        if args[:3] == ('maas', 'init', 'rack'):
            self._init_rack(args)
        return result

    # -- what tests look at ----------------------------------------------------------------

    @property
    def inits(self) -> list[tuple[str, str]]:
        """(URL, secret) of every ``maas init rack``, in order."""
        return [
            (args[args.index('--maas-url') + 1], args[args.index('--secret') + 1])
            for args in self.commands
            if args[:3] == ('maas', 'init', 'rack')
        ]

    @property
    def init_urls(self) -> list[str]:
        """The URL of every ``maas init rack``, in order."""
        return [url for url, _ in self.inits]

    def content(self, path: object) -> str | None:
        entry = self.files.get(str(path))
        return entry.content if entry is not None else None

    def log(self, line: str) -> None:
        """Send a line to rackd's journal (not recorded as a call)."""
        self.journal.append(line)

    # -- the emulation -----------------------------------------------------------------------

    def _answer_snap_list(self) -> None:
        snap = self.snaps.get('maas')
        if snap is None or snap.channel is None:
            self.expect(
                'snap list maas', returncode=1, stderr='error: no matching snaps installed'
            )
            return
        table = (
            'Name  Version                  Rev    Tracking    Publisher   Notes\n'
            f'maas  {VERSIONS[snap.channel]}  38130  {snap.channel}  canonical**  '
            f'{"held" if snap.held else "-"}\n'
        )
        self.expect('snap list maas', stdout=table)

    def _answer_journalctl(self, args: tuple[str, ...]) -> None:
        assert args[:6] == ('journalctl', '-t', 'maas-rackd', '-o', 'cat', '--no-pager'), args
        start = 0
        for arg in args[6:]:
            if arg.startswith('--after-cursor='):
                start = int(arg.removeprefix('--after-cursor=s=test;i='), 16)
        shown = list(enumerate(self.journal, start=1))[start:]
        if '--lines=1' in args:
            shown = shown[-1:]
        out = ''.join(f'{line}\n' for _, line in shown)
        if '--show-cursor' in args and shown:
            out += f'-- cursor: s=test;i={shown[-1][0]:x}\n'
        self.expect(' '.join(args), stdout=out)

    def _init_rack(self, args: tuple[str, ...]) -> None:
        url = args[args.index('--maas-url') + 1]
        secret = args[args.index('--secret') + 1]
        self.files[str(workload.SECRET_FILE)] = metal_host.FileEntry(str(secret), 0o600)
        behaviour = self.regions.get(url, 'down')
        if behaviour == 'slow':
            return
        if behaviour == 'down':
            self.log(
                'provisioningserver.rpc.clusterservice: [info] '
                f'{workload.REGION_UNAVAILABLE}Connection was refused by other side: 111: '
                f'Connection refused. (While requesting RPC info at {url}).'
            )
        elif secret != self.region_secret:
            self.log(
                'provisioningserver.rpc.clusterservice: [info] '
                f"Event-loop 'region-0:pid=4242' {workload.SECRET_REJECTED}"
            )
        else:
            self.files[str(workload.MAAS_ID_FILE)] = metal_host.FileEntry(SYSTEM_ID)


def region_relation(
    *, maas_version: str | None = '3.6.0', **kwargs: Any
) -> tuple[testing.Relation, testing.Secret | None]:
    """The metal-region relation as the rack sees it (a 3.6 region by default)."""
    return relation_for_requirer(ENDPOINT, maas_version=maas_version, **kwargs)


def stored(*, channel: str = '3.6/stable', attempt: Mapping[str, Any] | None = None) -> Any:
    """The charm's StoredState: the channel it installed, where registration stands."""
    return testing.StoredState(
        owner_path='RackAgentCharm',
        content={'channel': channel, 'attempt': dict(attempt or {})},
    )


def charm_stored(state: testing.State) -> Mapping[str, Any]:
    """The content of the charm's own StoredState in an output state."""
    [found] = [s for s in state.stored_states if s.owner_path == 'RackAgentCharm']
    return found.content


def with_relation(
    state: testing.State, relation: testing.Relation, secret: testing.Secret | None
) -> testing.State:
    """``state`` with ``relation`` (and its secret) replacing the relation of the same id."""
    relations = {r for r in state.relations if r.id != relation.id} | {relation}
    secrets = (
        set(state.secrets)
        if secret is None
        else ({s for s in state.secrets if s.id != secret.id} | {secret})
    )
    return dataclasses.replace(state, relations=relations, secrets=secrets)

"""The same request reaches MAAS through ``olm --controller … add-unit`` as through olm's own.

olm's own ``add-unit`` merges model < application < ``--constraints`` and sends the
application's bound spaces with the allocation (as Juju's provisioner does for a unit's
machine). On a real controller, ``juju add-machine`` knows no application, so olm merges and
adds the spaces itself before calling it. Here both paths run against the same model (olm
plays the juju CLI for the reads), and the MAAS ``allocate`` parameters each one leads to are
compared: Juju's MAAS provider translates ``add-machine``'s constraints (no bindings: the
machine has no unit yet), olm's pool translates the unit's.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pytest
from olmcli import ROOT, ok, olm

from orchestrator import controller
from orchestrator.cloud import AllocationRequest, Pool
from orchestrator.juju import constraints
from orchestrator.state.store import Store


@pytest.fixture
def model(lab: Path) -> Path:
    ok(lab, 'set-model-constraints', 'mem=4G')
    ok(lab, 'deploy', 'kubernetes-worker', '-n', '0', '--constraints', 'mem=16G tags=ssd',
       '--bind', 'oam kube-cluster=internal')  # fmt: skip
    return lab


def test_the_same_maas_request_through_the_controller_as_through_olm(
    model: Path, monkeypatch: pytest.MonkeyPatch
):
    store = Store(model)
    with store.snapshot() as txn:
        network = txn.pool.network
    store.close()

    # olm's own add-unit: what its pool is asked for.
    seen: list[tuple[tuple[str, tuple[str, ...]], ...]] = []
    original = Pool.allocate

    def recording(self: Pool, cons: object, *args: object, **kwargs: object) -> object:
        bound = cast('frozenset[str]', kwargs.get('bindings', frozenset[str]()))
        assert isinstance(cons, constraints.Constraints)
        request = AllocationRequest.from_constraints(
            cons, network=self.network, bindings=sorted(bound)
        )
        seen.append(request.params)
        return original(self, cons, *args, **kwargs)  # pyright: ignore[reportArgumentType]

    from orchestrator import engine as olm_engine

    monkeypatch.setattr(Pool, 'allocate', recording)
    store = Store(model)
    engine = olm_engine.Engine(store, charms_dir=ROOT / 'charms')
    engine.add_unit('kubernetes-worker', 1, constraints='cores=2', settle=False)
    store.close()
    monkeypatch.undo()
    (olm_params,) = seen

    # The controller path: olm answers the reads as juju would; add-machine is recorded.
    sent: list[str] = []

    def juju(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
        args = list(argv[1:])
        if args[0] == 'add-machine':
            sent.append(args[args.index('--constraints') + 1])
            return subprocess.CompletedProcess(argv, 0, '', 'created machine 7\n')
        if args[0] == 'status' and sent:  # once the machine exists: MAAS gave it a node
            return subprocess.CompletedProcess(
                argv, 0, '{"machines": {"7": {"instance-id": "abc123"}}}', ''
            )
        if args[0] == 'add-unit':
            return subprocess.CompletedProcess(argv, 0, '', '')
        if args[:2] == ['models', '--controller']:
            return subprocess.CompletedProcess(argv, 0, '{"current-model": "admin/default"}', '')
        cleaned = [a for i, a in enumerate(args) if a != '-m' and args[i - 1] != '-m']
        return olm(model, *cleaned, retry_delay=None, timeout=300)

    done = controller.add_unit('lab', 'kubernetes-worker', 1, 'cores=2', run=juju)
    (text,) = sent
    assert done.constraints == text
    # Juju's MAAS provider for a machine added by hand: its constraints, no bindings.
    juju_params = AllocationRequest.from_constraints(
        constraints.parse(text), network=network
    ).params
    assert juju_params == olm_params
    assert dict(olm_params)['interfaces'] == ('1:space=1;2:space=2',)  # internal and oam
    assert text == 'cores=2 mem=16384M tags=ssd spaces=internal,oam'

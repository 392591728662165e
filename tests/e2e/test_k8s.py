"""Kubernetes under olm: control plane and workers joining, scaling and leaving (simulation).

The real charms (charms/kubernetes-control-plane, charms/kubernetes-worker) drive the emulated
``k8s`` program on simulated machines. What the World knows (cluster members, nodes, join
tokens) is read back from the model's store, as the next ``olm`` command would load it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from olmcli import BUNDLES, copy_state, ok, olm, status, world

from orchestrator import sim
from orchestrator.sim.programs import k8s as k8s_sim
from orchestrator.state.store import Store

BUNDLE = BUNDLES / 'k8s.yaml'
CP = 'kubernetes-control-plane'
WORKER = 'kubernetes-worker'


def cluster(state: Path) -> dict[str, Any]:
    (only,) = world(state).namespace('k8s')['clusters'].values()
    return only


def assert_all_active(state: Path) -> None:
    for app in (CP, WORKER):
        for name, unit in status(state)['applications'][app]['units'].items():
            assert unit['workload-status']['current'] == 'active', (name, unit)


@pytest.fixture(scope='module')
def model(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm-k8s'))
    ok(state, 'deploy', str(BUNDLE), '--seed', '7')
    return state


def test_one_control_plane_and_two_workers_form_a_three_node_cluster(model: Path):
    assert_all_active(model)
    nodes = cluster(model)['nodes']
    roles = sorted(node['role'] for node in nodes.values())
    assert roles == ['control-plane', 'worker', 'worker']
    machines = status(model)['machines']
    workers = status(model)['applications'][WORKER]['units'].values()
    assert {machines[u['machine']]['hostname'] for u in workers} <= set(nodes)


def test_the_cluster_runs_on_k8s_snaps_default_datastore(model: Path):
    # k8s-snap defaults to etcd since 1.32 and drops k8s-dqlite in 1.36 (releases/snap/1.36.md)
    facts = cluster(model)
    assert facts['datastore-type'] == 'etcd'


def test_scale_the_control_plane_to_three_then_remove_a_worker(model: Path):
    ok(model, 'add-unit', CP, '-n', '2')
    assert_all_active(model)
    nodes = cluster(model)['nodes']
    assert len(nodes) == 5
    assert sum(node['role'] == 'control-plane' for node in nodes.values()) == 3

    units = status(model)['applications'][WORKER]['units']
    name = sorted(units)[-1]
    machines = status(model)['machines']
    hostname = machines[units[name]['machine']]['hostname']
    ok(model, 'remove-unit', name)
    assert_all_active(model)
    facts = cluster(model)
    assert len(facts['nodes']) == 4
    assert hostname not in facts['nodes']

    # Its token no longer works: spent, and the node is gone; a fresh machine presenting it
    # under the removed node's name is refused.
    tokens = [t for t, info in facts['tokens'].items() if info['name'] == hostname]
    assert tokens and all(facts['tokens'][t]['state'] != 'unused' for t in tokens)
    loaded = world(model)
    probe = loaded.add_machine('probe', hostname=hostname, addresses=['10.246.9.9'])
    probe.snap_install('k8s', channel='1.32-classic/stable', classic=True)
    leader = next(n for n in facts['nodes'].values() if n['role'] == 'control-plane')
    for secret in tokens:
        token = k8s_sim.worker_token(secret, [f'{leader["address"]}:6400'], facts['ca'])
        refused = probe.run(
            ['k8s', 'join-cluster', token, '--name', hostname, '--address', '10.246.9.9'],
            check=False,
        )
        assert refused.returncode == 1
        assert 'invalid token' in refused.stderr


def stop_k8sd(state: Path, machine_id: str) -> None:
    """The machine's k8sd stops answering (a dead node), written back as olm would."""
    store = Store(state)
    try:
        with store.transaction() as txn:
            loaded = sim.World()
            loaded.load_shared(txn.records('sim-shared')[''])
            loaded.load_machine(machine_id, txn.records('sim-machine')[machine_id])
            loaded.host(machine_id).run(['snap', 'stop', 'k8s.k8sd'])
            txn.put_records('sim-machine', [(machine_id, loaded.dump_machine(machine_id))])
    finally:
        store.close()


def test_a_control_plane_whose_k8sd_is_gone_is_removed(model: Path):
    # microcluster refuses to remove an unreachable member without --force
    # (canonical/microcluster internal/rest/resources/cluster.go, RunPreRemoveHook).
    units = status(model)['applications'][CP]['units']
    name = next(n for n, u in sorted(units.items()) if not u.get('leader'))
    machine = units[name]['machine']
    hostname = status(model)['machines'][machine]['hostname']
    assert cluster(model)['nodes'][hostname]['role'] == 'control-plane'
    stop_k8sd(model, machine)
    ok(model, 'remove-unit', name)
    assert_all_active(model)
    assert hostname not in cluster(model)['nodes']


@pytest.fixture(scope='module')
def dqlite_model(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A control plane and a worker on k8s 1.35, on the deprecated k8s-dqlite datastore."""
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm-k8s-dqlite'))
    bundle = state.parent / 'bundle.yaml'
    bundle.write_text(
        'applications:\n'
        f'  {CP}:\n'
        f'    charm: {CP}\n'
        '    num_units: 1\n'
        '    options:\n'
        '      channel: 1.35-classic/stable\n'
        '      bootstrap-datastore: k8s-dqlite\n'
        '      node-labels: tier=control example.kubernetes.io/pool=metal\n'
        f'  {WORKER}:\n'
        f'    charm: {WORKER}\n'
        '    num_units: 1\n'
        '    options:\n'
        '      channel: 1.35-classic/stable\n'
        '      node-labels: pool=metal\n'
        'relations:\n'
        f'- [{WORKER}:kube-cluster, {CP}:kube-cluster]\n'
    )
    ok(state, 'deploy', str(bundle), '--seed', '7')
    return state


def test_a_k8s_dqlite_cluster_is_not_upgraded_to_1_36(dqlite_model: Path):
    # k8s-snap 1.36's post-refresh hook refuses a k8s-dqlite node, with no migration path
    # (snap/hooks/post-refresh @ release-1.36, releases/snap/1.36.md): the action refuses first.
    assert cluster(dqlite_model)['datastore-type'] == 'k8s-dqlite'
    unit = next(iter(status(dqlite_model)['applications'][CP]['units']))
    done = olm(dqlite_model, 'run', unit, 'upgrade', 'channel=1.36-classic/stable')
    # event.fail(): the action failed with the charm's message, the command did not (Juju).
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'failed: ' in done.stdout and 'k8s-dqlite' in done.stdout and '1.36' in done.stdout
    for host in world(dqlite_model).machines.values():
        assert '1.35-classic/stable' in host.run(['snap', 'list', 'k8s']).stdout


def test_a_control_plane_keeps_k8s_snaps_role_labels_beside_its_own(dqlite_model: Path):
    # kubelet's extra --node-labels replace k8s-snap's (setup/kubelet.go @ release-1.32)
    loaded = world(dqlite_model)
    facts = cluster(dqlite_model)
    (plane,) = (n for n in facts['nodes'].values() if n['role'] == 'control-plane')
    host = loaded.host(plane['machine'])
    listing = host.run(['k8s', 'kubectl', 'get', 'nodes', '-o', 'json']).stdout
    nodes = {n['metadata']['name']: n['metadata']['labels'] for n in json.loads(listing)['items']}
    labels = nodes[host.hostname()]
    assert labels['tier'] == 'control'
    # a label kubelet may not set itself registers through kubectl, not --node-labels
    # (kubelet refuses to start with it: cmd/kubelet/app/options/options.go)
    assert labels['example.kubernetes.io/pool'] == 'metal'
    assert labels['node-role.kubernetes.io/control-plane'] == ''
    assert labels['k8sd.io/role'] == 'control-plane'
    (worker,) = (labels for name, labels in nodes.items() if name != host.hostname())
    assert worker['pool'] == 'metal'
    assert worker['node-role.kubernetes.io/worker'] == ''
    assert worker['k8sd.io/role'] == 'worker'

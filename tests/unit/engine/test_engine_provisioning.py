"""Provisioning units' machines: storage volumes, deployment failures, the reasons, the plan."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from orchestrator import engine as olm_engine
from orchestrator.agent import runner
from orchestrator.agent.hooks import Hook
from orchestrator.cloud import InventoryError, NoMatchError, Status
from orchestrator.juju import constraints, storage
from orchestrator.state import model
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[3]
PRODUCT_BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'

MakeEngine = Callable[..., olm_engine.Engine]


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def hosts(engine: olm_engine.Engine, application: str) -> list[str]:
    machines = {m.id: m.hostname for m in engine.machines()}
    view = engine.status_view().model
    return [machines[u.machine] for u in view.units_of(application)]


def statuses(engine: olm_engine.Engine) -> dict[str, Status]:
    return {m.hostname: m.status for m in engine.pool_machines()}


def test_the_lab_pool_file_creates_its_storage_pool(engine: olm_engine.Engine):
    pools = engine.storage_pools()
    assert sorted(pools) == ['loop', 'maas', 'rootfs', 'ssd', 'tmpfs']
    assert pools['ssd'] == storage.StoragePool('ssd', 'maas', {'tags': 'ssd'})
    engine.create_storage_pool('nvme', 'maas', {'tags': 'nvme'})
    assert engine.storage_pools()['nvme'].tags == ('nvme',)
    with pytest.raises(storage.StorageError, match=r'^pool "ssd" already exists$'):
        engine.create_storage_pool('ssd', 'maas', {'tags': 'nvme'})


def test_a_bad_storage_pool_in_a_pool_file_imports_nothing(tmp_path: Path):
    text = LAB_POOL.read_text().replace('provider: maas', 'provider: ebs', 1)
    store = Store(tmp_path / 'bad')
    try:
        engine = olm_engine.Engine(store)
        with pytest.raises(
            InventoryError, match='storage-pools: storage provider "ebs" not found'
        ):
            engine.import_pool(write(tmp_path / 'pool.yaml', text))
        assert engine.pool_machines() == []
        assert 'ssd' not in engine.storage_pools()
    finally:
        store.close()


def test_volumes_from_a_maas_pool_pick_machines_with_such_a_disk(
    engine: olm_engine.Engine, tmp_path: Path
):
    bundle = write(tmp_path / 'b.yaml', (
        'applications:\n'
        '  disks:\n'
        '    charm: disks\n'
        '    num_units: 3\n'
        '    storage: {data: "ssd,1,900G"}\n'
    ))  # fmt: skip
    engine.deploy(str(bundle), settle=False)
    # The cheapest Ready machine of each zone with an unused ssd disk of 900 GB or more
    # (node-01..03 have only their boot disk; node-05's second disk is rotary).
    assert hosts(engine, 'disks') == ['node-04', 'node-16', 'node-06']
    assert engine.constraints('disks') == ''


def test_an_unknown_pool_changes_nothing(engine: olm_engine.Engine, tmp_path: Path):
    bundle = write(tmp_path / 'b.yaml', (
        'applications:\n'
        '  disks: {charm: disks, num_units: 1, storage: {data: "nvme,1"}}\n'
    ))  # fmt: skip
    before = statuses(engine)
    with pytest.raises(olm_engine.EngineError) as caught:
        engine.deploy(str(bundle), settle=False)
    assert str(caught.value) == 'cannot add application "disks": pool "nvme" not found'
    assert statuses(engine) == before
    assert engine.machines() == []
    assert engine.status_view().model.applications == {}


def test_no_machine_with_the_disks_is_a_no_match(engine: olm_engine.Engine, tmp_path: Path):
    bundle = write(tmp_path / 'b.yaml', (
        'applications:\n'
        '  disks: {charm: disks, num_units: 1, storage: {data: "ssd,3,4T"}}\n'
    ))  # fmt: skip
    with pytest.raises(NoMatchError) as caught:
        engine.deploy(str(bundle), settle=False)
    assert 'storage=root:0,0:4096(ssd),1:4096(ssd),2:4096(ssd): excludes 18 of 18' in str(
        caught.value
    )


def test_a_failed_deployment_is_replaced_by_another_machine(engine: olm_engine.Engine):
    engine.inject_fault(olm_engine.DEPLOY_FAULT, 'fail-once', match=['node-01'],
                        stderr='Failed deployment: curtin command failed')  # fmt: skip
    report = engine.deploy('tracer', constraints='cores=4 mem=8G', settle=False)
    (started,) = report.machines
    assert started.failures == ('node-01: Failed deployment: curtin command failed',)
    # Again the cheapest match of the first zone by name: node-01 failed, node-04 is next.
    assert started.hostname == 'node-04'
    assert hosts(engine, 'tracer') == ['node-04']
    pool = {m.hostname: m for m in engine.pool_machines()}
    assert pool['node-01'].status is Status.FAILED_DEPLOYMENT
    assert pool['node-01'].status_message == 'Failed deployment: curtin command failed'
    assert engine.faults() == []  # a fail-once fault is used up


def test_when_every_match_fails_nothing_changes(engine: olm_engine.Engine):
    for host in ('node-12', 'node-13'):  # the only gpu machines
        engine.inject_fault(olm_engine.DEPLOY_FAULT, 'fail-always', match=[host])
    before = statuses(engine)
    with pytest.raises(olm_engine.EngineError) as caught:
        engine.deploy('tracer', constraints='tags=gpu', settle=False)
    message = str(caught.value)
    assert message.startswith('cannot start instance for machine "0": node-13: Failed deploy')
    assert 'no other machine matches' in message
    assert statuses(engine) == before
    assert engine.machines() == []


def test_add_unit_says_why_each_machine(engine: olm_engine.Engine):
    engine.deploy('tracer', num_units=1, constraints='cores=2 mem=6G', settle=False)
    report = engine.add_unit('tracer', 2, settle=False)
    assert report.units == ['tracer/1', 'tracer/2']
    first, second = report.machines
    assert (first.hostname, second.hostname) == ('node-02', 'node-03')
    assert first.reason == (
        '4 cores, 8 GiB: the cheapest Ready match (cores + GiB = 12) in zone-b, which held 0 '
        "of the application's machines (the fewest of any zone)"
    )
    assert 'in zone-c, which held 0' in second.reason


@pytest.fixture
def product(tmp_path: Path) -> olm_engine.Engine:
    """An engine on the lab pool that resolves the product charms (nothing is run)."""
    store = Store(tmp_path / 'product')
    engine = olm_engine.Engine(store, charms_dir=ROOT / 'charms')
    engine.import_pool(LAB_POOL)
    yield engine
    store.close()


def test_the_plan_is_what_the_deploy_does(product: olm_engine.Engine):
    before = statuses(product)
    plan = product.plan(PRODUCT_BUNDLE)
    assert statuses(product) == before and product.machines() == []
    assert not plan.unplaced and len(plan.units) == 15
    product.deploy(str(PRODUCT_BUNDLE), settle=False)
    for unit in plan.units:
        application, _, number = unit.unit.partition('/')
        assert hosts(product, application)[int(number)] == unit.hostname, unit
    headroom = {h.application: h.more for h in plan.headroom}
    for h in plan.headroom:
        if not h.storage:
            assert product.capacity(constraints.parse(h.constraints), bindings=h.spaces) == h.more
    # node-12 and node-14 are left; node-20 would fit but does not reach the internal space
    # the worker's endpoints are bound to.
    assert headroom['kubernetes-worker'] == 2
    assert headroom['ceph-storage'] == 2  # node-12 and node-14 have a spare ssd disk


def test_a_plan_lists_every_unit_that_cannot_fit(product: olm_engine.Engine, tmp_path: Path):
    bundle = write(tmp_path / 'b.yaml', (
        'applications:\n'
        '  kubernetes-worker: {charm: kubernetes-worker, num_units: 19, constraints: cores=2}\n'
        '  big: {charm: kubernetes-worker, num_units: 1, constraints: cores=256}\n'
    ))  # fmt: skip
    plan = product.plan(bundle)
    unplaced = [u.unit for u in plan.unplaced]
    assert unplaced == ['kubernetes-worker/18', 'big/0']
    assert all(u.hostname for u in plan.units if not u.problem)
    assert plan.unplaced[1].problem.startswith('No available machine matches constraints:')
    assert 'cpu_count=256: excludes 0 of 0 Ready machines' in plan.unplaced[1].problem
    assert {h.application: h.more for h in plan.headroom} == {'kubernetes-worker': 0, 'big': 0}
    assert plan.to_json()['fits'] is False


def test_a_plan_keeps_the_units_already_deployed(product: olm_engine.Engine):
    product.deploy(str(PRODUCT_BUNDLE), settle=False)
    plan = product.plan(PRODUCT_BUNDLE)
    assert plan.units == ()
    assert plan.existing['kubernetes-control-plane'] == 3


def test_storage_is_attached_before_install_and_detached_after_stop(
    engine: olm_engine.Engine, tmp_path: Path
):
    bundle = write(tmp_path / 'b.yaml', (
        'applications:\n'
        '  disks: {charm: disks, num_units: 2, storage: {data: "ssd,1,900G"}}\n'
    ))  # fmt: skip
    engine.deploy(str(bundle))
    units = engine.status_view().model.units
    # node-04's spare ssd is sdb; node-16's only ssd beyond its boot disk is nvme0n1. Both have
    # a serial, so MAAS's id_path and Juju's location are their /dev/disk/by-id links (juju/juju
    # provider/maas/volumes.go, core/blockdevice/path.go): wwn-<WWN> (the last of its links,
    # LXD's DeviceID) and nvme-eui.<EUI>, from the WWNs the lab pool records for them.
    pool = {m.hostname: m for m in engine.pool_machines()}
    node04_sdb = next(d for d in pool['node-04'].disks if d.name == 'sdb')
    node16_nvme = next(d for d in pool['node-16'].disks if d.name == 'nvme0n1')
    sdb = f'/dev/disk/by-id/wwn-{node04_sdb.wwn}'
    assert node04_sdb.wwn.startswith('0x5') and node16_nvme.wwn.startswith('eui.')
    # The required filesystem store (scratch) is made on the machine: Juju's rootfs default.
    assert units['disks/0'].storage == {
        'data/0': sdb, 'scratch/0': '/var/lib/juju/storage/scratch/0',
    }  # fmt: skip
    assert units['disks/1'].storage == {
        'data/1': f'/dev/disk/by-id/nvme-{node16_nvme.wwn}',
        'scratch/1': '/var/lib/juju/storage/scratch/1',
    }
    assert units['disks/0'].workload.message == f'data: {sdb}'
    events = [e.event for e in engine.debug_log() if e.unit == 'disks/1']
    assert events[:3] == [
        'data-storage-attached (data/1)', 'scratch-storage-attached (scratch/1)', 'install',
    ]  # fmt: skip
    attached = next(e for e in engine.debug_log() if e.event == 'data-storage-attached (data/0)')
    assert f'attached data/0 at {sdb}' in attached.detail  # storage-get location
    mark = engine.debug_log()[-1].seq
    engine.remove_unit(['disks/1'])
    events = [e.event for e in engine.debug_log(after=mark) if e.unit == 'disks/1']
    assert events[-4:] == [
        'stop', 'data-storage-detaching (data/1)', 'scratch-storage-detaching (scratch/1)',
        'remove',
    ]  # fmt: skip


def test_network_get_subnet_is_the_one_the_machines_ip_reports(engine: olm_engine.Engine):
    """A charm that reads its binding's subnet (network-get) and one that reads ``ip -j addr``
    on its machine see the same subnet; Juju's bind address carries the subnet's CIDR, not a
    host route (juju/juju ``network-get``: ``cidr`` of each bind address)."""
    engine.deploy('tracer')
    listed = json.loads(engine.exec('ip -j addr show', unit='tracer/0').stdout)
    with engine._context.session() as s:  # pyright: ignore[reportPrivateUsage]
        m = s.model
        unit = m.units['tracer/0']
        spec = engine._context.spec(m.applications['tracer'])  # pyright: ignore[reportPrivateUsage]
        state = runner.project(m, unit, Hook(kind='update-status'), spec)
    bind = next(iter(state.networks)).bind_addresses[0].addresses[0]
    subnets = {
        str(ipaddress.ip_interface(f'{a["local"]}/{a["prefixlen"]}').network)
        for link in listed
        for a in link['addr_info']
        if a['local'] == bind.value
    }
    assert subnets == {bind.cidr} and bind.cidr != f'{bind.value}/32'


def test_network_get_answers_from_the_bound_space_with_the_pool_s_devices(
    product: olm_engine.Engine,
):
    """Each endpoint's network-get is the unit machine's device and address in the space it is
    bound to (``--bind "oam kube-cluster=storage"``), as Juju answers from the machine's
    link-layer devices; ingress-address in relation data follows the same binding."""
    product.deploy('kubernetes-worker', bind='oam kube-cluster=storage', settle=False)
    with product._context.session() as s:  # pyright: ignore[reportPrivateUsage]
        m = s.model
        unit = m.units['kubernetes-worker/0']
        machine = m.machines[unit.machine]
        spec = product._context.spec(m.applications['kubernetes-worker'])  # pyright: ignore[reportPrivateUsage]
        state = runner.project(m, unit, Hook(kind='update-status'), spec)
    pool = {p.hostname: p for p in product.pool_machines()}[machine.hostname]
    on = {
        link.space: (i.name, i.mac, link.ip, link.subnet)
        for i in pool.interfaces
        for link in i.links
    }
    networks = {n.binding_name: n for n in state.networks}
    for endpoint, space in (('kube-cluster', 'storage'), ('juju-info', 'oam')):
        (bind,) = networks[endpoint].bind_addresses
        name, mac, ip, cidr = on[space]
        assert (bind.interface_name, bind.mac_address) == (name, mac)
        assert [(a.value, a.cidr) for a in bind.addresses] == [(ip, cidr)]
        assert list(networks[endpoint].ingress_addresses) == [ip]
    assert on['storage'][2] != machine.address  # not the boot address
    relation = model.Relation(
        id=99,
        endpoints=[
            model.RelationEndpoint('kubernetes-worker', 'kube-cluster', 'requirer', 'kube-cluster')
        ],
    )
    data = runner.default_unit_data(m, unit, relation)
    assert data['ingress-address'] == on['storage'][2]
    assert data['egress-subnets'] == f'{on["storage"][2]}/32'


def test_a_plan_counts_the_units_after_the_pool_runs_out(
    product: olm_engine.Engine, tmp_path: Path
):
    """Issue 22: once one unit finds no machine, the later ones are counted, not allocated."""
    bundle = write(tmp_path / 'b.yaml', (
        'applications:\n'
        '  kubernetes-worker:\n'
        '    {charm: kubernetes-worker, num_units: 500000, constraints: cores=2}\n'
    ))  # fmt: skip
    plan = product.plan(bundle)
    first, rest = plan.unplaced
    assert (first.unit, first.count) == ('kubernetes-worker/18', 1)
    assert (rest.unit, rest.count) == ('kubernetes-worker/19..kubernetes-worker/499999', 499981)
    assert rest.problem == first.problem
    assert plan.unplaced_count == 500000 - 18
    assert plan.to_json()['units'][-1]['count'] == 499981

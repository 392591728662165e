"""The product bundle bundles/metal-k8s.yaml on the lab pool, end to end (simulation).

Every machine here is simulated: bundles/pools/lab.yaml is a made-up inventory of 20 machines,
and the programs the real charms run (snap, k8s, maas, microceph, haproxy, keepalived...) are
emulated in orchestrator/sim over one shared World. ``olm`` runs as a subprocess per command,
with its state (OLM_HOME) under pytest's tmp_path; the emulated cluster is read back from that
state as the next ``olm`` command would load it.

What is checked:

* the bundle converges: every unit active, a 3 control-plane + 3 worker Kubernetes cluster
  whose node names are the machines' hostnames, both load balancers listing the 3 API backends
  (the rendered haproxy.cfg also passes the real ``haproxy -c`` when haproxy is installed), both
  racks registered with the MAAS region, the Ceph storage classes (ceph-xfs the default), a
  kubeconfig pointing at the VIP, one Ceph unit per zone on a machine with a spare ssd >= 900 GB;
* scaling: which machines ``add-unit`` takes and why, a request that cannot fit changes nothing,
  ``remove-unit`` drains a worker and releases its machine;
* relations: the load-balancer relation removed and added back converges again;
* ten interleavings (seeds) of the whole deploy converge;
* faults: a MAAS deployment failing (another machine is used), a program failing once (retried),
  a program failing until cleared (the unit recovers once it is cleared), a hook error (shown
  as juju status shows it, cleared by ``olm resolve``).

One seed-1 deployment is shared: read-only checks use it as is, and each mutating test works on
its own copy of the state directory (one sqlite file), which is much cheaper than a redeploy.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from olmcli import (
    ROOT,
    copy_state,
    haproxy_check,
    haproxy_servers,
    ok,
    olm,
    records,
    shared_facts,
    status,
    world,
)

from orchestrator import sim
from orchestrator.sim.host import maas_id_path
from orchestrator.state.store import LogEntry, Store

BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
SEED = 1
VIP = '10.247.0.250'  # on the internal space, where the bundle binds the load balancer
API = f'https://{VIP}:6443'
CP = 'kubernetes-control-plane'
WORKER = 'kubernetes-worker'
LB = 'load-balancer'
CEPH = 'ceph-storage'
RACK = 'rack-agent'
WORKER_SHAPE = 'mem=6G cores=2'
MACHINE_LINE = re.compile(r'^machine (\d+): (\S+?):? (.*)$', re.M)
HAPROXY_CFG = '/etc/haproxy/haproxy.cfg'


# -- reading olm's state ------------------------------------------------------------------------


def pool(state: Path) -> dict[str, dict[str, Any]]:
    """The pool's machines by hostname, as ``olm pool list --format json`` shows them."""
    listed = json.loads(ok(state, 'pool', 'list', '--format', 'json'))
    return {m['hostname']: m for m in listed['machines']}


def units(now: dict[str, Any], app: str) -> dict[str, Any]:
    """An application's units in a status view."""
    return now['applications'][app]['units']


def hostnames(now: dict[str, Any], app: str) -> dict[str, str]:
    """Unit name -> the hostname of its machine, in a status view."""
    return {name: now['machines'][u['machine']]['hostname'] for name, u in units(now, app).items()}


def address_in(now: dict[str, Any], unit: dict[str, Any], space: str) -> str:
    """The unit machine's address on ``space``, from ``network-interfaces`` in status."""
    nics = now['machines'][unit['machine']]['network-interfaces']
    (address,) = [a for nic in nics.values() if nic['space'] == space for a in nic['ip-addresses']]
    return address


def hook_log(state: Path, unit: str) -> list[LogEntry]:
    """The event trace of one unit (``olm debug-log --details --include UNIT``)."""
    store = Store(state)
    try:
        with store.snapshot() as txn:
            return [entry for entry in txn.log() if entry.unit == unit]
    finally:
        store.close()


def cluster(state: Path) -> dict[str, Any]:
    """The emulated Kubernetes cluster (there is exactly one)."""
    (only,) = world(state).namespace('k8s')['clusters'].values()
    return only


def maas_databases(state: Path) -> dict[str, Any]:
    """The emulated MAAS regions' databases (racks, regions), by database URI."""
    return shared_facts(state)['maas']['databases']


def assert_all_active(now: dict[str, Any]) -> None:
    not_active = {
        name: unit['workload-status']
        for app in now['applications'].values()
        for name, unit in app['units'].items()
        if unit['workload-status']['current'] != 'active'
    }
    assert not not_active


def worker_nodes(state: Path) -> set[str]:
    return {n for n, node in cluster(state)['nodes'].items() if node['role'] == 'worker'}


# -- load balancer and kubeconfig ---------------------------------------------------------------


def lb_configs(state: Path, now: dict[str, Any]) -> dict[str, str]:
    """Each load-balancer unit's rendered haproxy.cfg, read from its simulated machine."""
    loaded = world(state)
    return {
        name: loaded.host(unit['machine']).read_text(HAPROXY_CFG)
        for name, unit in units(now, LB).items()
    }


def assert_lbs_front_the_control_plane(state: Path, now: dict[str, Any]) -> list[str]:
    """Both load balancers list the three API backends; their rendered configs."""
    # The control plane's loadbalancer endpoint is bound to the internal space.
    backends = sorted(f'{address_in(now, u, "internal")}:6443' for u in units(now, CP).values())
    assert len(backends) == 3
    configs = lb_configs(state, now)
    assert len(configs) == 2
    for name, config in configs.items():
        assert haproxy_servers(config) == backends, name
    return list(configs.values())


def kubeconfig_server(state: Path) -> str:
    """The API server of the kubeconfig the leader's ``get-kubeconfig`` action hands out."""
    done = ok(state, 'run', f'{CP}/leader', 'get-kubeconfig', '--format', 'json')
    (task,) = json.loads(done).values()  # juju run --format json: the task, by unit
    result = task['results']
    secret = records(state, 'secret')[result['kubeconfig-secret-id']]
    kubeconfig = yaml.safe_load(secret['revisions'][str(secret['latest'])]['kubeconfig'])
    (entry,) = kubeconfig['clusters']
    server = entry['cluster']['server']
    assert result['server'] == server
    return server


# -- the pool: sizes and MAAS's choice ----------------------------------------------------------

_DECIMAL = {'': 1, 'K': 10**3, 'M': 10**6, 'G': 10**9, 'T': 10**12}
_BINARY_GIB = {'M': 1 / 1024, 'G': 1, 'T': 1024}


def disk_bytes(size: str) -> float:
    """A pool-list disk size (decimal, like MAAS): ``960G``, ``1.92T``."""
    match = re.fullmatch(r'([\d.]+)([KMGT]?)', size)
    assert match, size
    return float(match[1]) * _DECIMAL[match[2]]


def memory_gib(size: str) -> float:
    """A pool-list memory size (binary, like Juju's mem=): ``8G`` is 8 GiB."""
    match = re.fullmatch(r'([\d.]+)([MGT])', size)
    assert match, size
    return float(match[1]) * _BINARY_GIB[match[2]]


INTERNAL = '10.247.0.0/24'
"""The lab's internal subnet (space internal), where the bundle binds Kubernetes."""


def expected_picks(
    state: Path,
    now: dict[str, Any],
    app: str,
    count: int,
    cores: int,
    mem_gib: float,
    subnet: str = INTERNAL,
) -> list[str]:
    """What add-unit should take, worked out from the pool and the application's placement.

    MAAS hands out the cheapest Ready machine that fits (cores + GiB of memory) and has a NIC
    on the space the application is bound to (here: linked to ``subnet``), and Juju puts each
    new unit in the zone holding the fewest of the application's machines among the zones that
    still have a fitting Ready machine (ties: the first zone by name).
    """
    machines = pool(state)
    ready = [
        m
        for m in machines.values()
        if m['status'] == 'Ready'
        and m['cores'] >= cores
        and memory_gib(m['memory']) >= mem_gib
        and any(link['subnet'] == subnet for i in m['interfaces'] for link in i.get('links', []))
    ]
    held = Counter(machines[h]['zone'] for h in hostnames(now, app).values())
    picks: list[str] = []
    for _ in range(count):
        zone = min({m['zone'] for m in ready}, key=lambda z: (held[z], z))
        best = min(
            (m for m in ready if m['zone'] == zone),
            key=lambda m: (m['cores'] + memory_gib(m['memory']), m['hostname']),
        )
        picks.append(best['hostname'])
        ready.remove(best)
        held[zone] += 1
    return picks


def _block_device(disk: dict[str, Any]) -> sim.BlockDevice:
    """A disk of ``olm pool list --format json`` as its simulated machine has it."""
    return sim.BlockDevice(
        disk['name'], int(disk_bytes(disk['size'])), disk['boot'], 'rotary' in disk['tags'],
        disk.get('model', ''), disk.get('serial', ''), disk.get('wwn', ''),
        disk.get('id_path', ''),
    )  # fmt: skip


def placed(output: str) -> list[tuple[str, str]]:
    """The ``machine K: HOSTNAME (reason)`` lines of add-unit: (K, HOSTNAME), in order."""
    return [(m.group(1), m.group(2)) for m in MACHINE_LINE.finditer(output)]


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope='module')
def deployment(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The bundle deployed once with seed 1, and what ``olm deploy`` printed."""
    state = copy_state(imported_lab, tmp_path_factory.mktemp('metal-k8s'))
    return state, ok(state, 'deploy', str(BUNDLE), '--seed', str(SEED))


@pytest.fixture(scope='module')
def deployed(deployment: tuple[Path, str]) -> Path:
    return deployment[0]


@pytest.fixture(scope='module')
def deployed_status(deployed: Path) -> dict[str, Any]:
    return status(deployed)


@pytest.fixture
def model(deployed: Path, tmp_path: Path) -> Path:
    """A copy of the seed-1 deployment for a test that changes it."""
    return copy_state(deployed, tmp_path)


@pytest.fixture(scope='module')
def scaled(
    deployed: Path, deployed_status: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, str, list[str]]:
    """A copy where two workers were added with the demo worker shape.

    Returns the state, what add-unit printed and the machines worked out beforehand.
    """
    state = copy_state(deployed, tmp_path_factory.mktemp('scaled'))
    expected = expected_picks(state, deployed_status, WORKER, 2, cores=2, mem_gib=6)
    out = ok(state, 'add-unit', WORKER, '-n', '2', '--constraints', WORKER_SHAPE)
    return state, out, expected


# -- 1. the deployment --------------------------------------------------------------------------


def test_every_unit_is_active(deployed_status: dict[str, Any]):
    assert_all_active(deployed_status)
    scale = {name: len(app['units']) for name, app in deployed_status['applications'].items()}
    assert scale == {
        CEPH: 3, 'metal-controller': 2, RACK: 2, CP: 3, WORKER: 3, LB: 2,
    }  # fmt: skip


def test_kubernetes_has_three_control_plane_and_three_worker_nodes_named_by_hostname(
    deployed: Path, deployed_status: dict[str, Any]
):
    by_role: dict[str, set[str]] = {}
    for name, node in cluster(deployed)['nodes'].items():
        by_role.setdefault(node['role'], set()).add(name)
    assert by_role == {
        'control-plane': set(hostnames(deployed_status, CP).values()),
        'worker': set(hostnames(deployed_status, WORKER).values()),
    }
    assert len(by_role['control-plane']) == 3 and len(by_role['worker']) == 3


def test_both_load_balancers_list_the_three_api_backends_and_pass_haproxy_check(
    deployed: Path, deployed_status: dict[str, Any], tmp_path: Path
):
    for config in assert_lbs_front_the_control_plane(deployed, deployed_status):
        haproxy_check(config, tmp_path)


def test_the_maas_region_has_exactly_the_two_racks_registered(
    deployed: Path, deployed_status: dict[str, Any]
):
    (database,) = maas_databases(deployed).values()
    registered = sorted(rack['hostname'] for rack in database['racks'].values())
    racks = sorted(hostnames(deployed_status, RACK).values())
    assert len(racks) == 2
    assert registered == racks
    assert len(database['regions']) == 2


def test_ceph_storage_classes_exist_and_ceph_xfs_is_the_default(deployed: Path):
    classes = {
        obj['object']['metadata']['name']: obj['object']
        for key, obj in cluster(deployed)['objects'].items()
        if key.startswith('storage.k8s.io/StorageClass/')
    }
    assert {'ceph-xfs', 'ceph-ext4'} <= set(classes)
    default = {
        name
        for name, sc in classes.items()
        if sc['metadata'].get('annotations', {}).get('storageclass.kubernetes.io/is-default-class')
        == 'true'
    }
    assert default == {'ceph-xfs'}
    assert classes['ceph-xfs']['parameters']['csi.storage.k8s.io/fstype'] == 'xfs'
    assert classes['ceph-ext4']['parameters']['csi.storage.k8s.io/fstype'] == 'ext4'


def test_the_kubeconfig_points_at_the_vip(deployed: Path):
    assert kubeconfig_server(deployed) == API


def test_ceph_units_are_one_per_zone_each_with_a_spare_ssd_of_at_least_900_gb(
    deployed: Path, deployed_status: dict[str, Any]
):
    machines = pool(deployed)
    hosts = hostnames(deployed_status, CEPH)
    assert len(hosts) == 3
    assert len({machines[h]['zone'] for h in hosts.values()}) == 3
    attached = {name: data['storage'] for name, data in records(deployed, 'unit').items()}
    for unit, host in hosts.items():
        spare = {  # as Juju reports a MAAS disk: its id_path, by-id for a disk with a serial
            maas_id_path(host, _block_device(d))
            for d in machines[host]['disks']
            if not d['boot'] and 'ssd' in d['tags'] and disk_bytes(d['size']) >= 900e9
        }
        assert spare, (unit, host, machines[host]['disks'])
        # Juju attached one of them as the unit's osd-devices storage, and it is the OSD.
        (location,) = attached[unit].values()
        assert location in spare, (unit, attached[unit], spare)
        message = deployed_status['applications'][CEPH]['units'][unit]['workload-status']
        assert '1 OSD here (3 up of 3 in cluster)' in message['message'], message


# -- networks: spaces, bindings and the machines' own NICs --------------------------------------


def test_kubernetes_nodes_are_on_their_internal_space_addresses(
    deployed: Path, deployed_status: dict[str, Any]
):
    # Every Kubernetes unit is bound to the internal space (the bundle's bindings): k8s
    # bootstraps and joins on that binding's address, so it is each node's InternalIP, not the
    # machine's first (PXE, oam) address.
    nodes = cluster(deployed)['nodes']
    for app in (CP, WORKER):
        for name, unit in units(deployed_status, app).items():
            host = deployed_status['machines'][unit['machine']]['hostname']
            internal = address_in(deployed_status, unit, 'internal')
            assert internal.startswith('10.247.0.'), (name, internal)
            assert nodes[host]['address'] == internal, (name, nodes[host])
            assert unit['public-address'] != internal  # the machine's boot (oam) address


def test_ceph_replicates_on_the_storage_space(deployed: Path, deployed_status: dict[str, Any]):
    # ceph-storage's cluster binding is the storage space and its public one the internal
    # space, as charm-microceph takes them: the cluster's config database says so.
    (ceph,) = world(deployed).namespace('microceph')['clusters'].values()
    assert ceph['config']['cluster_network'] == '10.248.0.0/24'
    assert ceph['config']['public_network'] == '10.247.0.0/24'
    for unit in units(deployed_status, CEPH).values():
        assert address_in(deployed_status, unit, 'storage').startswith('10.248.0.')


def test_the_vip_is_on_the_nic_of_its_subnet_which_is_not_eth0(
    deployed: Path, deployed_status: dict[str, Any]
):
    loaded = world(deployed)
    holders: dict[str, str] = {}
    for name, unit in units(deployed_status, LB).items():
        shown = loaded.host(unit['machine']).run(['ip', '-j', 'addr', 'show'])
        for link in json.loads(shown.stdout):
            if any(a['local'] == VIP for a in link['addr_info']):
                holders[name] = link['ifname']
                own = [a['local'] for a in link['addr_info'] if a['local'] != VIP]
                # keepalived put it on the NIC holding the unit's internal address
                assert own == [address_in(deployed_status, unit, 'internal')], link
    assert len(holders) == 1, holders  # one MASTER holds it
    ((holder, nic),) = holders.items()
    assert nic != 'eth0' and nic in {'eno2', 'bond0', 'br0', 'enp2s0', 'enp65s0f0'}, nic
    nics = deployed_status['machines'][units(deployed_status, LB)[holder]['machine']][
        'network-interfaces'
    ]
    assert nic in nics and nics[nic]['space'] == 'internal'


def test_status_shows_each_machine_s_nics_and_the_applications_bindings(
    deployed_status: dict[str, Any],
):
    bindings = deployed_status['applications'][CEPH]['endpoint-bindings']
    assert bindings[''] == 'internal' and bindings['cluster'] == 'storage'
    assert bindings['ceph-client'] == 'internal'
    assert deployed_status['applications']['metal-controller']['endpoint-bindings'][''] == 'oam'
    for machine in deployed_status['machines'].values():
        nics = machine['network-interfaces']
        assert 'eth0' not in nics
        boot = [n for n, nic in nics.items() if machine['dns-name'] in nic['ip-addresses']]
        assert len(boot) == 1 and nics[boot[0]]['space'] == 'oam'


# -- 2. and 3. scaling out ----------------------------------------------------------------------


def test_add_unit_takes_the_cheapest_fitting_ready_machines_spread_over_zones(
    scaled: tuple[Path, str, list[str]],
):
    state, out, expected = scaled
    # Reasoning from lab.yaml: after the deploy, node-12 (zone-a, 64 cores + 512 GiB), node-14
    # (zone-c, 64 + 256) and node-20 (zone-c, 8 + 32) are the Ready machines, and the workers
    # hold one machine in each zone. node-20 is the cheapest, but it has no NIC on the internal
    # space the workers are bound to, so MAAS never offers it. Zone-b has nothing Ready, so the
    # first unit goes to zone-a (tied with zone-c, first by name) and takes node-12; zone-a then
    # holds two, so the second goes to zone-c: node-14.
    assert expected == ['node-12', 'node-14']
    taken = placed(out)
    assert [host for _, host in taken] == expected, out
    assert out.count('the cheapest Ready match') == 2, out
    assert re.search(r'^added unit kubernetes-worker/3$', out, re.M), out
    assert re.search(r'^added unit kubernetes-worker/4$', out, re.M), out
    now = status(state)
    assert_all_active(now)
    new = {n: u['machine'] for n, u in units(now, WORKER).items() if n.endswith(('/3', '/4'))}
    assert sorted(new.values()) == sorted(machine for machine, _ in taken)
    assert sorted(hostnames(now, WORKER)[n] for n in new) == expected
    assert worker_nodes(state) == set(hostnames(now, WORKER).values())
    assert len(worker_nodes(state)) == 5
    machines = pool(state)
    assert [machines[h]['status'] for h in expected] == ['Deployed', 'Deployed']


@pytest.mark.parametrize(
    ('constraints', 'explained'),
    [
        # Only node-20 is Ready now: it has the cores and memory, but no NIC on the internal
        # space the workers are bound to (Juju asks MAAS for interfaces=1:space=1).
        (
            WORKER_SHAPE,
            [
                '2 machines requested, 0 Ready machines match',
                'interfaces=1:space=internal: excludes 1 of 1 Ready machines',
            ],
        ),
        # Nothing in the lab has 256 cores.
        ('mem=6G cores=256', ['cpu_count=256: excludes 1 of 1 Ready machines', 'mem=6144:']),
    ],
    ids=['two-units-one-machine', 'cores-256'],
)
def test_a_request_that_cannot_fit_fails_explains_and_changes_nothing(
    scaled: tuple[Path, str, list[str]], constraints: str, explained: list[str]
):
    state, _, _ = scaled
    before_status = status(state)
    before_pool = pool(state)
    assert [h for h, m in before_pool.items() if m['status'] == 'Ready'] == ['node-20']

    done = olm(state, 'add-unit', WORKER, '-n', '2', '--constraints', constraints)

    assert done.returncode != 0
    shown = done.stdout + done.stderr
    assert re.search(r'^ERROR .*No available machine matches constraints', shown, re.M), shown
    for line in explained:
        assert line in shown, shown
    after_status = status(state)
    for view in (before_status, after_status):
        view.pop('controller', None)  # the clock, not the model
    assert after_status == before_status
    assert pool(state) == before_pool


# -- 4. removing a worker -----------------------------------------------------------------------


def test_remove_unit_drains_the_worker_revokes_its_token_and_releases_the_machine(
    model: Path, deployed_status: dict[str, Any]
):
    name = f'{WORKER}/2'
    host = hostnames(deployed_status, WORKER)[name]
    assert host in worker_nodes(model)

    out = ok(model, 'remove-unit', name)

    assert f'removed unit {name}' in out
    now = status(model)
    assert name not in units(now, WORKER)
    assert host not in {m['hostname'] for m in now['machines'].values()}
    assert_all_active(now)
    facts = cluster(model)
    assert host not in facts['nodes']
    assert len(facts['nodes']) == 5
    # The Kubernetes side: the tokens issued for that node are spent, none is left usable.
    tokens = [t for t in facts['tokens'].values() if t['name'] == host]
    assert tokens and all(t['state'] != 'unused' for t in tokens)
    # The Juju side: no join-token secret for the unit, no grant or consumer of it left, and
    # the control plane's token map on the relation no longer names it.
    label = f'join-token-{name.replace("/", "-")}'
    for secret in records(model, 'secret').values():
        assert not (secret['label'] or '').endswith(label), secret['label']
        assert name not in secret['consumers']
        assert all(name not in granted for granted in secret['grants'].values())
    for relation in records(model, 'relation').values():
        tokens_map = relation.get('app_data', {}).get(CP, {}).get('join-tokens')
        if tokens_map:
            assert name not in json.loads(tokens_map)
    released = pool(model)[host]
    assert released['status'] == 'Ready'
    assert released.get('owner') is None


# -- 5. the load-balancer relation, removed and added back --------------------------------------


def test_the_load_balancer_relation_removed_and_added_back_converges(model: Path, tmp_path: Path):
    ok(model, 'remove-relation', CP, LB)
    for name, unit in units(status(model), LB).items():
        assert unit['workload-status']['current'] != 'active', (name, unit)

    ok(model, 'integrate', f'{CP}:loadbalancer', f'{LB}:loadbalancer')

    now = status(model)
    assert_all_active(now)
    configs = assert_lbs_front_the_control_plane(model, now)
    assert kubeconfig_server(model) == API
    assert len(cluster(model)['nodes']) == 6
    for config in configs:  # last: a skip (no haproxy here) ends the test
        haproxy_check(config, tmp_path)


# -- 6. many interleavings ----------------------------------------------------------------------


@pytest.mark.parametrize('seed', range(1, 11))
def test_the_bundle_converges_for_every_seed(
    seed: int, imported_lab: Path, tmp_path: Path, request: pytest.FixtureRequest
):
    if seed == SEED:  # the shared deployment is this one
        state, out = request.getfixturevalue('deployment')
    else:
        state = copy_state(imported_lab, tmp_path)
        out = ok(state, 'deploy', str(BUNDLE), '--seed', str(seed))
    assert f'settled (seed {seed})' in out
    now = status(state)
    assert_all_active(now)
    # The control plane sums the cluster up: every node joined, Ceph's default class in use.
    summary = now['applications'][CP]['application-status']['message']
    assert 'control plane, 6 nodes (storage: ceph-xfs default)' in summary, summary
    nodes = cluster(state)['nodes']
    assert sorted(n['role'] for n in nodes.values()) == ['control-plane'] * 3 + ['worker'] * 3
    assert set(nodes) == set(hostnames(now, CP).values()) | set(hostnames(now, WORKER).values())


# -- 7. faults ----------------------------------------------------------------------------------


def test_a_failed_maas_deployment_moves_the_unit_to_another_machine(
    model: Path, deployed_status: dict[str, Any]
):
    # The unit would get node-12, and node-14 after it (see the add-unit test).
    doomed, fallback = expected_picks(model, deployed_status, WORKER, 2, cores=2, mem_gib=6)
    assert (doomed, fallback) == ('node-12', 'node-14')
    ok(model, 'pool', 'fail-deployment', doomed)

    out = ok(model, 'add-unit', WORKER, '--constraints', WORKER_SHAPE)

    assert [host for _, host in placed(out)] == [doomed, fallback], out
    assert f'{doomed}: Failed deployment' in out
    now = status(model)
    assert_all_active(now)
    assert hostnames(now, WORKER)[f'{WORKER}/3'] == fallback
    assert fallback in worker_nodes(model)
    assert doomed not in worker_nodes(model)
    machines = pool(model)
    assert machines[doomed]['status'] == 'Failed deployment'
    assert machines[fallback]['status'] == 'Deployed'


@pytest.mark.parametrize(
    ('returncode', 'stderr', 'retried_by'),
    [
        # snapd busy (a change conflict exits 10, cmd/snap/main.go exitCodeFromError @ 2.67.1):
        # metal_host retries the command itself (tenacity), within the hook.
        ('10', 'error: snap "k8s" has "install-snap" change in progress', 'transient, retrying'),
        # A plain failure: the charm reports it and installs again on its next event.
        ('1', 'error: cannot install "k8s": simulated', 'ERROR cannot install k8s from'),
    ],
    ids=['transient-retried-in-the-hook', 'retried-on-the-next-event'],
)
def test_a_program_failing_once_is_retried_and_the_worker_ends_active(
    model: Path, returncode: str, stderr: str, retried_by: str
):
    ok(
        model, 'inject-fault', 'snap', 'fail-once', '--match', 'install k8s',
        '--returncode', returncode, '--stderr', stderr,
    )  # fmt: skip

    out = ok(model, 'add-unit', WORKER, '--constraints', WORKER_SHAPE, retry_delay='0')

    ((machine, host),) = placed(out)
    assert 'no fault armed' in ok(model, 'faults')  # it fired
    hooks = hook_log(model, f'{WORKER}/3')
    assert any(retried_by in entry.detail for entry in hooks), hooks
    # Retried by the charm, so no hook of the unit failed: olm had nothing to retry, although
    # OLM_RETRY_DELAY=0 would have retried one at once.
    assert {entry.outcome for entry in hooks} == {'ok'}, hooks
    assert_all_active(status(model))
    assert host in worker_nodes(model)
    installed = world(model).host(machine).run(['snap', 'list', 'k8s'], check=False)
    assert installed.returncode == 0, installed.stderr


def test_a_program_failing_until_cleared_blocks_the_unit_until_the_fault_is_cleared(
    model: Path,
):
    # The product charms turn a failing program into a Blocked or Waiting status with the
    # reason, never a hook error (so there is nothing for `olm resolve` to retry), and try
    # again on their next event once the cause is gone.
    ok(model, 'inject-fault', 'snap', 'fail-always', '--match', 'install k8s')
    out = ok(model, 'add-unit', WORKER, '--constraints', WORKER_SHAPE)
    ((_, host),) = placed(out)
    name = f'{WORKER}/3'
    ok(model, 'update-status')  # still failing: still blocked
    unit = units(status(model), WORKER)[name]
    assert unit['workload-status']['current'] == 'blocked', unit
    assert 'cannot install k8s from' in unit['workload-status']['message']
    assert unit['juju-status']['current'] == 'idle'
    assert host not in worker_nodes(model)
    refused = olm(model, 'resolve', name)
    assert refused.returncode != 0
    assert 'not in an error state' in refused.stderr

    ok(model, 'faults', '--clear')
    ok(model, 'update-status')

    assert_all_active(status(model))
    assert host in worker_nodes(model)


def test_a_hook_error_shows_in_status_and_resolve_clears_it(model: Path):
    # A hook fails as when the unit agent loses its controller connection mid-hook: its hook
    # tools fail, ops raises, the charm does not catch it (simulated: olm's juju-hook fault).
    ok(model, 'inject-fault', 'juju-hook', 'fail-once', '--match', 'install')
    out = ok(model, 'add-unit', WORKER, '--constraints', WORKER_SHAPE)
    assert 'units in error: kubernetes-worker/3' in out
    name = f'{WORKER}/3'
    unit = units(status(model), WORKER)[name]
    # As juju status shows it: workload error with the hook, agent idle.
    assert unit['workload-status']['current'] == 'error', unit
    assert unit['workload-status']['message'] == 'hook failed: "install"'
    assert unit['juju-status']['current'] == 'idle'
    table = ok(model, 'status')
    assert re.search(rf'{re.escape(name)}\s+error\s+idle', table)
    assert 'hook failed: "install"' in table

    ok(model, 'resolve', name)  # retries install, which now succeeds, and the unit carries on

    assert_all_active(status(model))
    assert len(worker_nodes(model)) == 4

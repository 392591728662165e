"""The metal-k8s stack through jubilant: the same tests on olm and on a real controller.

Everything here goes through the Juju CLI (``juju status``, ``run``, ``exec``, ``show-secret``
...), never through olm's internals: on olm these commands reach simulated machines; on a real
controller, real ones. The tests run in order on one model (module scope).
"""

from __future__ import annotations

import json
from typing import Any

import jubilant
import yaml
from conftest import Target

CP = 'kubernetes-control-plane'
WORKER = 'kubernetes-worker'
LB = 'load-balancer'
APPS = {
    'ceph-storage': 3, 'metal-controller': 2, 'rack-agent': 2, CP: 3, WORKER: 3, LB: 2,
}  # fmt: skip
# The workers' endpoints are bound to the internal space (the bundle's bindings): a machine
# added for them by hand must reach it, or the new unit has no address to join with.
WORKER_CONSTRAINTS = {'mem': '6G', 'cores': 2, 'spaces': 'internal'}


def kubectl(juju: jubilant.Juju, *args: str) -> Any:
    """``k8s kubectl ... -o json`` on the control plane's leader, parsed."""
    task = juju.exec('k8s', 'kubectl', *args, '-o', 'json', unit=f'{CP}/leader')
    return json.loads(task.stdout)


def node_names(juju: jubilant.Juju) -> set[str]:
    return {item['metadata']['name'] for item in kubectl(juju, 'get', 'nodes')['items']}


def hostname_of(status: jubilant.Status, unit: str) -> str:
    app = unit.split('/')[0]
    machine = status.apps[app].units[unit].machine
    return status.machines[machine].hostname


def hardware(status: jubilant.Status, machine: str) -> dict[str, str]:
    fields = (f.partition('=') for f in status.machines[machine].hardware.split())
    return {key: value for key, _, value in fields}


def address_in(status: jubilant.Status, machine: str, space: str) -> str:
    """The machine's (first) address on ``space``, from status' network-interfaces."""
    nics = status.machines[machine].network_interfaces.values()
    return next(ip for nic in nics if nic.space == space for ip in nic.ip_addresses)


def vip_holders(juju: jubilant.Juju, status: jubilant.Status, vip: str) -> list[str]:
    """The load-balancer units whose machine has the VIP on an interface."""
    holders: list[str] = []
    for unit in sorted(status.apps[LB].units):
        listing = json.loads(juju.exec('ip -j addr show', unit=unit).stdout)
        addresses = {a['local'] for iface in listing for a in iface.get('addr_info', [])}
        if vip in addresses:
            holders.append(unit)
    return holders


def test_deploy_the_bundle_and_every_unit_goes_active(target: Target):
    juju = target.juju
    pools = json.loads(juju.cli('storage-pools', '--format', 'json'))
    if 'ssd' not in pools:  # a real MAAS model needs it; olm's lab pool file declares it
        juju.cli('create-storage-pool', 'ssd', 'maas', 'tags=ssd')
    juju.deploy(target.bundle, overlays=target.overlays)
    status = juju.wait(jubilant.all_active, error=jubilant.any_error)
    assert {name: len(app.units) for name, app in status.apps.items()} == APPS
    assert jubilant.all_agents_idle(status)


def test_kubernetes_has_every_machine_as_a_node(target: Target):
    status = target.juju.status()
    expected = {hostname_of(status, u) for app in (CP, WORKER) for u in status.apps[app].units}
    assert node_names(target.juju) == expected


def test_get_kubeconfig_hands_out_a_secret_pointing_at_the_vip(target: Target):
    juju = target.juju
    vip = str(juju.config(LB)['vip'])
    task = juju.run(f'{CP}/leader', 'get-kubeconfig')
    assert task.results['server'] == f'https://{vip}:6443'
    assert 'kubeconfig' not in task.results  # a credential: only its secret's id is in results
    secret = juju.show_secret(task.results['kubeconfig-secret-id'], reveal=True)
    kubeconfig = yaml.safe_load(secret.content['kubeconfig'])
    (cluster,) = kubeconfig['clusters']
    assert cluster['cluster']['server'] == f'https://{vip}:6443'


def test_ceph_storage_classes_exist_with_ceph_xfs_the_default(target: Target):
    classes = {
        sc['metadata']['name']: sc for sc in kubectl(target.juju, 'get', 'storageclass')['items']
    }
    assert {'ceph-xfs', 'ceph-ext4'} <= set(classes)
    default = {
        name
        for name, sc in classes.items()
        if sc['metadata'].get('annotations', {}).get('storageclass.kubernetes.io/is-default-class')
        == 'true'
    }
    assert default == {'ceph-xfs'}


def test_scale_workers_on_machines_that_meet_the_constraints(target: Target):
    juju = target.juju
    before = juju.status()
    # One machine: the lab has a single Ready amd64 machine on the internal space left after
    # the bundle (a real MAAS needs one too).
    juju.add_machine(constraints=WORKER_CONSTRAINTS, num_machines=1)
    new = sorted(set(juju.status().machines) - set(before.machines), key=int)
    assert len(new) == 1
    juju.add_unit(WORKER, num_units=len(new), to=new)
    status = juju.wait(jubilant.all_active, error=jubilant.any_error)
    assert len(status.apps[WORKER].units) == len(before.apps[WORKER].units) + 1
    for machine in new:
        shape = hardware(status, machine)
        assert int(shape['cores']) >= 2, shape
        assert int(shape['mem'].rstrip('M')) >= 6 * 1024, shape
        nics = status.machines[machine].network_interfaces.values()
        assert 'internal' in {nic.space for nic in nics}, nics
    placed = {u.machine for u in status.apps[WORKER].units.values()}
    assert set(new) <= placed
    workers = {hostname_of(status, u) for u in status.apps[WORKER].units}
    assert workers <= node_names(juju)


def test_remove_the_vip_holder_and_the_api_stays_reachable_through_the_other(target: Target):
    juju = target.juju
    vip = str(juju.config(LB)['vip'])
    status = juju.status()
    (holder,) = vip_holders(juju, status, vip)
    juju.remove_unit(holder)
    status = juju.wait(jubilant.all_active, error=jubilant.any_error)
    (survivor,) = status.apps[LB].units
    assert vip_holders(juju, status, vip) == [survivor]
    assert juju.exec('systemctl is-active haproxy', unit=survivor).stdout.strip() == 'active'
    config = juju.exec('cat /etc/haproxy/haproxy.cfg', unit=survivor).stdout
    for unit in status.apps[CP].units.values():
        # the control plane's loadbalancer endpoint is bound to the internal space
        assert f'{address_in(status, unit.machine, "internal")}:6443' in config
    # The API through the VIP, from a worker: the VIP's new holder, its HAProxy, a backend.
    # k8s-snap runs kube-apiserver with --anonymous-auth=false, so a request without
    # credentials gets 401 and the Status "Unauthorized" from the API server itself: proof
    # that the VIP, its HAProxy and a live backend answered (HAProxy alone would close the
    # connection: curl exit 35, code 000).
    livez = f"curl -sk -o /dev/null -w '%{{http_code}}' https://{vip}:6443/livez"
    assert juju.exec(livez, unit=f'{WORKER}/0').stdout == '401'
    body = json.loads(juju.exec(f'curl -sk https://{vip}:6443/livez', unit=f'{WORKER}/0').stdout)
    assert (body['kind'], body['reason'], body['code']) == ('Status', 'Unauthorized', 401)
    assert len(node_names(juju)) == len(status.apps[CP].units) + len(status.apps[WORKER].units)


def test_show_unit_shows_each_side_of_the_kube_cluster_relation(target: Target):
    juju = target.juju
    status = juju.status()
    leader = next(name for name, unit in status.apps[CP].units.items() if unit.leader)
    info = juju.show_unit(leader)
    assert info.leader
    endpoints = {r.endpoint: r for r in info.relation_info}
    assert {'cluster', 'kube-cluster', 'loadbalancer', 'ceph-client'} <= set(endpoints)
    assert set(endpoints['kube-cluster'].related_units) == set(status.apps[WORKER].units)
    assert set(endpoints['cluster'].related_units) == set(status.apps[CP].units) - {leader}
    worker = juju.show_unit(sorted(status.apps[WORKER].units)[0])
    (joined,) = [r for r in worker.relation_info if r.endpoint == 'kube-cluster']
    assert set(joined.related_units) == set(status.apps[CP].units)


def test_a_user_secret_is_added_granted_and_revealed(target: Target):
    juju = target.juju
    uri = juju.add_secret('lab-token', {'token': 'integration-test'}, info='from the suite')
    juju.grant_secret(uri, WORKER)
    (listed,) = [s for s in juju.secrets() if s.uri == uri]
    assert (listed.name, listed.owner, listed.revision) == ('lab-token', '<model>', 1)
    assert juju.show_secret('lab-token', reveal=True).content == {'token': 'integration-test'}
    shown = juju.show_secret(uri)
    assert [a.target for a in shown.access or []] == [f'application-{WORKER}']


def test_the_model_is_the_one_the_suite_added(target: Target):
    juju = target.juju
    assert juju.model is not None
    info = juju.show_model()
    assert info.short_name == juju.model.rpartition(':')[2]
    assert (info.model_type, info.life) == ('iaas', 'alive')
    assert juju.model_constraints() == {'arch': 'amd64'}

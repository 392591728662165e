"""The reader of Juju's JSON documents on real ``juju status`` / ``juju secrets`` outputs.

The outputs are in tests/data/juju (README.md there says where each was published): Juju 3.6's
relations (``related-application``, ``interface``, ``scope``) and 3.2's (the related
applications' names only), subordinates, a SAAS entry, an offer, containers, AWS zones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orchestrator.dashboard._juju_documents import read_secrets, read_status
from orchestrator.dashboard._snapshot import Relation

DATA = Path(__file__).resolve().parents[2] / 'data' / 'juju'


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text())


def test_a_36_model_gives_interfaces_scopes_and_subordinate_units() -> None:
    reading = read_status(load('status-subordinates-3.6.json'))

    assert reading.model == 't'
    apps = {app.name: app for app in reading.applications}
    assert sorted(apps) == ['nrpe', 'ubun2', 'ubuntu']
    assert apps['nrpe'].subordinate_to == ('ubun2', 'ubuntu')
    assert apps['nrpe'].units == ('nrpe/2', 'nrpe/1')
    assert (apps['ubuntu'].charm, apps['ubuntu'].revision) == ('ubuntu', 26)
    assert apps['nrpe'].status == 'blocked'
    assert set(reading.relations) == {
        Relation(('nrpe', 'ubun2'), ('general-info', 'juju-info'), 'juju-info', 'container'),
        Relation(('nrpe', 'ubuntu'), ('general-info', 'juju-info'), 'juju-info', 'container'),
    }
    units = {unit.name: unit for unit in reading.units}
    assert units['nrpe/1'].principal == 'ubuntu/1'
    assert units['nrpe/1'].machine == ''
    assert units['nrpe/2'].message == 'Nagios server not configured or related'
    assert (units['ubun2/0'].machine, units['ubun2/0'].leader) == ('2', True)


def test_a_36_model_machines_are_its_instances_with_their_units() -> None:
    reading = read_status(load('status-subordinates-3.6.json'))

    machines = {m.machine: m for m in reading.machines}
    assert machines['1'].hostname == 'juju-663cb8-1'
    assert machines['1'].system_id == 'juju-663cb8-1'
    assert machines['1'].status == 'running'
    assert machines['1'].arch == 'amd64'
    assert machines['1'].units == ('ubuntu/1',)  # its subordinate nrpe/1 is under ubuntu/1
    assert machines['2'].units == ('ubun2/0',)
    assert all(m.pool == '' and m.zone == '' for m in machines.values())  # LXD has no zones
    # "cores=0 mem=0M virt-type=container": LXD without limits, so unknown
    assert (machines['1'].cores, machines['1'].memory_mib) == (None, None)


def test_a_32_charmed_kubernetes_on_aws_gives_edges_without_interfaces() -> None:
    reading = read_status(load('status-k8s-aws-3.2.json'))

    apps = {app.name: app for app in reading.applications}
    assert len(apps) == 6
    assert apps['calico'].subordinate_to == ('kubernetes-control-plane', 'kubernetes-worker')
    assert apps['containerd'].subordinate
    assert not apps['etcd'].subordinate
    assert apps['kubernetes-worker'].exposed
    assert apps['etcd'].revision == 742
    pairs = {r.apps: r for r in reading.relations}
    assert set(pairs) == {
        ('calico', 'etcd'),
        ('calico', 'kubernetes-control-plane'),
        ('calico', 'kubernetes-worker'),
        ('containerd', 'kubernetes-control-plane'),
        ('containerd', 'kubernetes-worker'),
        ('easyrsa', 'etcd'),
        ('easyrsa', 'kubernetes-control-plane'),
        ('easyrsa', 'kubernetes-worker'),
        ('etcd', 'kubernetes-control-plane'),
        ('kubernetes-control-plane', 'kubernetes-worker'),
    }  # peers (etcd:cluster, coordinator, kube-masters) are not edges
    assert pairs[('calico', 'etcd')].endpoints == ('etcd', 'db')
    assert pairs[('calico', 'etcd')].interface == ''  # Juju 3.2 does not print it


def test_aws_machines_have_zones_hardware_and_their_container_units() -> None:
    reading = read_status(load('status-k8s-aws-3.2.json'))

    machines = {m.machine: m for m in reading.machines}
    zero = machines['0']
    assert (zero.zone, zero.system_id) == ('us-west-2d', 'i-0786c85c882bf194e')
    assert (zero.cores, zero.memory_mib, zero.disks) == (2, 8192, ('root 16 GiB',))
    assert zero.status == 'running'
    # easyrsa/0 is in container 0/lxd/0 on machine 0
    assert set(zero.units) == {'easyrsa/0', 'etcd/0', 'kubernetes-control-plane/0'}
    assert machines['1'].zone == 'us-west-2c'
    assert machines['1'].units == ('kubernetes-worker/0',)


def test_a_saas_entry_is_a_node_and_its_relation_takes_the_offer_interface() -> None:
    reading = read_status(load('status-cmr-consumer-3.2.json'))

    saas = next(app for app in reading.applications if app.saas)
    assert saas.name == 'mysql-cmi'
    assert saas.url == 'jaas-staging:huwshimi@external/cmi-provider.mysql-cmi'
    assert saas.charm == ''
    assert reading.relations == (
        Relation(('mysql-cmi', 'slurmdbd'), ('mysql', 'db'), 'mysql', 'global'),
    )


def test_offers_are_listed_by_name() -> None:
    assert read_status(load('status-offers-fragment.json')).offers == ('mysql-cmi',)


def test_secrets_are_read_by_metadata() -> None:
    secrets = {s.uri: s for s in read_secrets(load('secrets-3.6.json'))}

    assert set(secrets) == {'secret:d0vdtqnmp25c762e7jug', 'secret:d0vdtqeski35bidi7jug'}
    model_owned = secrets['secret:d0vdtqnmp25c762e7jug']
    assert (model_owned.owner, model_owned.label, model_owned.revision) == (
        '<model>',
        'admin-account',
        2,
    )
    assert model_owned.updated == '2025-06-03T11:39:35Z'
    (charm,) = read_secrets(load('secrets-single-3.6.json'))
    assert (charm.label, charm.rotation, charm.owner) == (
        'example-charm-secret',
        'daily',
        'example-charm',
    )


def test_a_revealed_listing_gives_no_content() -> None:
    document = load('secrets-revealed-3.6.json')
    assert 'password' in json.dumps(document)  # the fixture has content...

    (secret,) = read_secrets(document)

    assert secret.label == 'example-charm-secret'
    assert 'password' not in repr(secret) and 'username' not in repr(secret)  # ...not carried

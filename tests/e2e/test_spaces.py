"""Spaces and bindings from the command line, on the lab pool (simulated machines).

``olm spaces``, ``add-machine --constraints spaces=…``, ``deploy --bind`` and bundle bindings,
and every bad input among them: one clear message, exit 1, no traceback, nothing changed.
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import olmcli
import pytest
from olmcli import ROOT, ok, olm

refused = partial(olmcli.refused, returncode=1)
"""A command refused as a bad request: exit 1, one ``ERROR`` line; its stderr."""


def snapshot(state: Path) -> tuple[Any, Any]:
    pool = json.loads(ok(state, 'pool', 'list', '--format', 'json'))
    machines = json.loads(ok(state, 'machines', '--format', 'json'))['machines']
    return pool, machines


def links_of(machine: dict[str, Any]) -> set[str]:
    return {link['subnet'] for i in machine['interfaces'] for link in i.get('links', [])}


def test_spaces_lists_the_pool_s_spaces_as_juju_spaces_does(lab: Path):
    out = ok(lab, 'spaces')
    lines = out.splitlines()
    assert lines[1].split() == ['Name', 'Space', 'ID', 'Subnets']
    assert lines[2].split() == ['alpha', '0']
    assert [line.split() for line in lines[3:]] == [
        ['internal', '1', '10.247.0.0/24'],
        ['oam', '2', '10.246.0.0/24'],
        ['storage', '3', '10.248.0.0/24'],
    ]
    listed = json.loads(ok(lab, 'spaces', '--format', 'json'))['spaces']
    storage = next(s for s in listed if s['name'] == 'storage')
    assert storage['subnets']['10.248.0.0/24']['type'] == 'ipv4'


def test_add_machine_spaces_storage_picks_only_machines_on_storage(lab: Path):
    pool = {m['hostname']: m for m in json.loads(ok(lab, 'pool', 'list', '--format', 'json'))[
        'machines'
    ]}  # fmt: skip
    on_storage = {h for h, m in pool.items() if '10.248.0.0/24' in links_of(m)}
    assert 'node-01' not in on_storage and 'node-20' in on_storage
    out = ok(lab, 'add-machine', '-n', '4', '--constraints', 'spaces=storage')
    picked = [line.split()[4] for line in out.splitlines() if line.startswith('created machine')]
    assert len(picked) == 4 and set(picked) <= on_storage, out
    # The cheapest machines (node-01..03) do not reach storage; without the constraint they
    # would be taken first.
    assert not {'node-01', 'node-02', 'node-03'} & set(picked)


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (
            ('add-machine', '--constraints', 'spaces=dmz'),
            'ERROR spaces: unrecognised space in constraint "dmz"',
        ),
        (
            ('add-machine', '--constraints', 'spaces=storage,^storage'),
            'ERROR spaces: negative space "storage" from constraints clashes with required '
            'spaces for instance NICs',
        ),
        (
            ('deploy', 'kubernetes-worker', '--bind', 'internal kube-cluster=dmz'),
            'ERROR cannot add application "kubernetes-worker": space "dmz" not found',
        ),
        (
            ('deploy', 'kubernetes-worker', '--bind', 'internal metrics=internal'),
            'ERROR cannot add application "kubernetes-worker": application "kubernetes-worker" '
            'wants to bind endpoint "metrics" to space "internal", but the endpoint is not '
            'defined by the charm',
        ),
        (
            ('deploy', 'kubernetes-worker', '--bind', '=internal'),
            "ERROR --bind must be in the form '[<default-space>] [<endpoint-name>=<space> ...]'; "
            'found "=" without endpoint name. Use a lone space name to set the default.',
        ),
    ],
    ids=[
        'unknown-space',
        'clashing-spaces',
        'bind-unknown-space',
        'bind-unknown-endpoint',
        'bind-malformed',
    ],
)
def test_bad_spaces_and_bindings_are_one_message_and_change_nothing(
    lab: Path, args: tuple[str, ...], message: str
):
    before = snapshot(lab)
    assert refused(lab, *args).strip() == message
    assert snapshot(lab) == before


def test_a_space_no_ready_machine_reaches_is_explained(lab: Path):
    before = snapshot(lab)
    error = refused(lab, 'add-machine', '--constraints', 'spaces=storage,^oam')
    assert "[('interfaces', ['3:space=3']), ('not_subnets', ['space:2'])]" in error
    assert 'not_subnets=10.246.0.0/24: excludes 18 of 18 Ready machines' in error
    assert snapshot(lab) == before


def test_a_bundle_binding_an_unknown_space_is_refused(lab: Path, tmp_path: Path):
    bundle = tmp_path / 'b.yaml'
    bundle.write_text(
        'applications:\n'
        '  kubernetes-worker: {charm: kubernetes-worker, num_units: 1, bindings: {"": dmz}}\n'
    )
    before = snapshot(lab)
    error = refused(lab, 'deploy', str(bundle))
    assert 'space "dmz" not found' in error
    assert snapshot(lab) == before


def test_deploy_bind_places_the_unit_and_answers_network_get_from_the_space(lab: Path):
    ok(lab, 'deploy', 'kubernetes-worker', '--bind', 'oam kube-cluster=storage')
    now = json.loads(ok(lab, 'status', '--format', 'json'))
    app = now['applications']['kubernetes-worker']
    assert app['endpoint-bindings'] == {
        '': 'oam', 'juju-info': 'oam', 'kube-cluster': 'storage'
    }  # fmt: skip
    (unit,) = app['units'].values()
    nics = now['machines'][unit['machine']]['network-interfaces']
    assert {nic['space'] for nic in nics.values()} >= {'oam', 'storage'}


def test_a_pool_file_linking_an_unknown_subnet_is_refused(tmp_path: Path):
    pool = tmp_path / 'pool.yaml'
    pool.write_text(
        'subnets: [{cidr: 10.0.0.0/24, space: oam}]\n'
        'machines:\n'
        '  - hostname: n1\n'
        '    cores: 4\n'
        '    memory: 8G\n'
        '    disks: [{name: sda, size: 240G}]\n'
        '    interfaces: [{name: eno1, links: [{subnet: 10.9.0.0/24, ip: 10.9.0.5}]}]\n'
    )
    state = tmp_path / 'olm'
    error = refused(state, 'pool', 'import', str(pool))
    assert error.strip() == (
        f'ERROR {pool}: machine 1 (n1): interfaces[0].links[0].subnet: unknown subnet '
        "'10.9.0.0/24'; the file declares 10.0.0.0/24"
    )
    assert not state.exists(), 'a refused import made a state directory'


def test_plan_shows_the_space_of_each_unit_s_addresses(lab: Path):
    done = olm(lab, 'plan', str(ROOT / 'bundles' / 'metal-k8s.yaml'), '--format', 'json')
    assert done.returncode == 0, done.stdout + done.stderr
    plan = json.loads(done.stdout)
    by_unit = {u['unit']: u for u in plan['units']}
    for name, unit in by_unit.items():
        spaces = {a['space'] for a in unit['addresses']}
        assert 'oam' in spaces, unit  # every machine boots on oam
        if name.startswith(('kubernetes-', 'load-balancer/')):
            assert 'internal' in spaces, unit  # bound to internal
        if name.startswith('ceph-storage/'):
            assert {'internal', 'storage'} <= spaces, unit
    assert plan['headroom']['ceph-storage']['spaces'] == ['internal', 'storage']
    tabular = ok(lab, 'plan', str(ROOT / 'bundles' / 'metal-k8s.yaml'))
    assert 'Addresses (space)' in tabular and '(storage)' in tabular


def test_a_second_pool_file_with_a_known_subnet_on_another_space_is_refused(
    lab: Path, tmp_path: Path
):
    pool = tmp_path / 'more.yaml'
    pool.write_text(
        'subnets: [{cidr: 10.247.0.0/24, space: storage, fabric: fabric-1}]\n'
        'machines:\n'
        '  - hostname: extra-01\n'
        '    cores: 4\n'
        '    memory: 8G\n'
        '    disks: [{name: sda, size: 240G}]\n'
        '    interfaces: [{name: eno1, links: [{subnet: 10.247.0.0/24, ip: 10.247.0.201}]}]\n'
    )
    before = snapshot(lab)
    error = refused(lab, 'pool', 'import', str(pool))
    assert error.strip() == (
        f'ERROR {pool}: subnet 10.247.0.0/24 is already in the pool on space "internal", '
        'fabric "fabric-1", VLAN 0'
    )
    assert snapshot(lab) == before
    assert 'storage' not in ok(lab, 'spaces').splitlines()[3]  # internal is still internal

"""Endpoint bindings: Juju's --bind parser and checks, and network-get's addresses per space."""

from __future__ import annotations

import pytest

from orchestrator.state import bindings, model

BOOT = model.MachineAddress('eno1', '52:54:00:00:00:01', '10.246.0.11', '10.246.0.0/24', 'oam')
INTERNAL = model.MachineAddress('bond0', '52:54:00:00:00:02', '10.247.0.11', '10.247.0.0/24',
                                'internal')  # fmt: skip
LOOSE = model.MachineAddress('eno3', '52:54:00:00:00:03', '192.168.9.11', '192.168.9.0/24', '')


def _machine(*addresses: model.MachineAddress) -> model.Machine:
    return model.Machine(
        id='0', instance_id='abc123', hostname='node-01', address='10.246.0.11', zone='zone-a',
        hardware='', addresses=addresses,
    )  # fmt: skip


def test_parse_bind_takes_a_default_and_endpoint_bindings():
    assert bindings.parse_bind('oam kube-cluster=internal "public"=storage') == {
        '': 'oam', 'kube-cluster': 'internal', '"public"': 'storage'
    }  # fmt: skip
    with pytest.raises(bindings.BindingError, match='found multiple "=" in binding'):
        bindings.parse_bind('a=b=c')


def test_effective_bindings_fill_every_endpoint_with_the_default():
    assert bindings.effective({'': 'oam', 'db': 'internal'}, ['db', 'juju-info']) == {
        '': 'oam', 'db': 'internal', 'juju-info': 'oam'
    }  # fmt: skip
    assert bindings.spaces_needed({'db': 'internal'}, ['db', 'juju-info']) == {'internal'}


def test_a_named_space_answers_the_devices_on_its_subnets():
    machine = _machine(BOOT, INTERNAL, LOOSE)
    assert bindings.addresses_in(machine, 'internal') == [INTERNAL]
    assert bindings.addresses_in(machine, 'storage') == []


def test_alpha_answers_spaceless_subnets_and_the_private_address_whatever_its_space():
    # juju/juju networkinfo.go machineNetworkInfos: the private address is returned "in the
    # alpha space no matter its *real* space", with the addresses on alpha's own subnets.
    assert bindings.addresses_in(_machine(BOOT, INTERNAL, LOOSE), 'alpha') == [BOOT, LOOSE]
    assert bindings.addresses_in(_machine(BOOT, INTERNAL), 'alpha') == [BOOT]
    (only,) = bindings.addresses_in(_machine(), 'alpha')
    assert only.ip == '10.246.0.11'  # a machine the cloud described by its address alone

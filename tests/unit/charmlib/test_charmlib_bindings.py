"""metal_charm.bindings: an endpoint's bind address, ingress address and subnet."""

from __future__ import annotations

from typing import Any

import ops
from metal_charm import bindings
from ops import testing

FOUND: dict[str, str | None] = {}


class Charm(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.config_changed, self._read)

    def _read(self, _: ops.EventBase) -> None:
        FOUND.clear()
        FOUND['bind'] = bindings.bind_address(self.model, 'public')
        FOUND['ingress'] = bindings.ingress_address(self.model, 'public')
        FOUND['subnet'] = bindings.bind_subnet(self.model, 'public')


def read(*networks: testing.Network) -> dict[str, str | None]:
    meta: dict[str, Any] = {'name': 'reader', 'extra-bindings': {'public': None}}
    ctx = testing.Context(Charm, meta=meta)
    ctx.run(ctx.on.config_changed(), testing.State(networks=set(networks)))
    return dict(FOUND)


def network(*addresses: tuple[str, str], ingress: tuple[str, ...] = ()) -> testing.Network:
    return testing.Network(
        'public',
        bind_addresses=[
            testing.BindAddress(
                [testing.Address(value, cidr=cidr) for value, cidr in addresses],
                interface_name='eth1',
            )
        ],
        ingress_addresses=ingress or tuple(value for value, _ in addresses),
        egress_subnets=[cidr for _, cidr in addresses],
    )


def test_the_bind_address_and_its_subnet_are_the_bindings() -> None:
    found = read(network(('10.20.0.5', '10.20.0.0/24')))
    assert found == {'bind': '10.20.0.5', 'ingress': '10.20.0.5', 'subnet': '10.20.0.0/24'}


def test_ingress_may_differ_from_the_bind_address() -> None:
    found = read(network(('10.20.0.5', '10.20.0.0/24'), ingress=('203.0.113.5',)))
    assert found['bind'] == '10.20.0.5'
    assert found['ingress'] == '203.0.113.5'


def test_a_host_route_says_nothing_about_the_subnet() -> None:
    assert read(network(('10.20.0.5', '10.20.0.5/32')))['subnet'] is None


def test_no_address_in_the_space_is_none_not_another_address() -> None:
    empty = testing.Network('public', bind_addresses=[], ingress_addresses=[], egress_subnets=[])
    assert read(empty) == {'bind': None, 'ingress': None, 'subnet': None}

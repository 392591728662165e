"""Where this unit is on an endpoint's network: its Juju binding's address and subnet.

On a machine with several NICs (MAAS: a PXE/OAM interface, then one per space), the machine's
first address is rarely the one a service should use. Juju binds each endpoint to a space and
``network-get <endpoint>`` answers the addresses this unit has in that space; the charms take
their addresses from there and never from the machine's address list.

Which of network-get's addresses (Juju's ``network-get`` hook tool, juju/juju
``worker/uniter/runner/jujuc/network-get.go``):

- ``bind-address`` (:func:`bind_address`): the address the unit *listens on* in the space, an
  address of one of this machine's interfaces. A daemon configured with its own address
  (k8sd's ``--address``, MicroCeph's ``--microceph-ip``, kubelet's node IP, a MAAS rack's
  registration) needs this one: it must exist on the machine.
- ``ingress-address`` (:func:`ingress_address`): the address *other units* should use to reach
  this one. It is the same address on a MAAS machine; it differs behind NAT or across models
  (the public address), which is why what a unit publishes on a relation is its ingress address.
"""

# pyright: strict

from __future__ import annotations

import ops

__all__ = ['bind_address', 'bind_subnet', 'ingress_address']


def _network(model: ops.Model, endpoint: str) -> ops.Network | None:
    """The endpoint's network as network-get answers it; None if Juju answers nothing."""
    try:
        return model.get_binding(endpoint).network
    except ops.ModelError:
        return None


def bind_address(model: ops.Model, endpoint: str) -> str | None:
    """The address this unit listens on for ``endpoint`` (``network-get --bind-address``).

    None when Juju gives no address for the endpoint's space: a machine without an address in
    that space cannot serve it, and falling back to another address would put the service on
    the wrong network.
    """
    network = _network(model, endpoint)
    address = network.bind_address if network is not None else None
    return str(address) if address is not None else None


def ingress_address(model: ops.Model, endpoint: str) -> str | None:
    """The address other units reach this one at on ``endpoint`` (``--ingress-address``)."""
    network = _network(model, endpoint)
    address = network.ingress_address if network is not None else None
    return str(address) if address is not None else None


def bind_subnet(model: ops.Model, endpoint: str) -> str | None:
    """The subnet (CIDR) of the bind address's interface, as network-get reports it.

    None when the address's interface reports no subnet or only a host route (/32, /128),
    which says nothing about the network the address is on.
    """
    network = _network(model, endpoint)
    if network is None or network.bind_address is None:
        return None
    wanted = str(network.bind_address)
    for interface in network.interfaces:
        subnet = interface.subnet
        if (
            str(interface.address) == wanted
            and subnet is not None
            and subnet.prefixlen < subnet.max_prefixlen
        ):
            return str(subnet)
    return None

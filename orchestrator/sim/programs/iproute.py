"""``ip``: iproute2's address listing on simulated machines (a simulation).

``ip`` comes with the ``iproute2`` package every simulated machine has. Only the JSON address
listing is emulated: ``ip -j [-br] addr|address|a [show|list|ls] [dev] [IFACE]``, with the shape
iproute2 6.1 prints (copied from a real run; noble's iproute2 6.1 prints the same keys). Every
machine has ``lo`` (127.0.0.1/8, ::1/128) and a primary interface carrying its addresses (IPv4
as /24 with a broadcast, IPv6 as /64), ``eth0`` unless the machine's
``state['iproute']['interfaces']`` lists other names (MAAS machines have ``eno1``, ``enp…``,
bonds and bridges; the first name carries the addresses, the others are up without any), plus,
on the machine holding a keepalived VIP (see :mod:`.keepalived`), the VIP as an extra ``inet``
entry on the interface keepalived put it on, after the machine's own (``"secondary": true``
when inside an existing subnet, no broadcast, as keepalived adds it). An unknown device:
``Device "X" does not exist.``, exit 1. Anything else raises :class:`~orchestrator.sim.SimError`.
"""

# pyright: strict

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import TYPE_CHECKING, Any, NoReturn, cast

from metal_host import Completed
from metal_host._retrying import NOT_FOUND

from ..host import SIMULATED
from . import keepalived

if TYPE_CHECKING:
    from ..host import Invocation, SimHost

__all__ = ['handle', 'interface_names', 'interfaces', 'subnet_of']

_FOREVER = 4294967295


def _not_emulated(what: str) -> NoReturn:
    from ..world import SimError  # the World imports the programs; import it when it is built

    raise SimError(
        f'ip {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/iproute.py for what is'
    )


def subnet_of(address: str) -> str:
    """The subnet a simulated machine's address is on, as its ``ip`` and Juju's network-get say.

    Assumption: the pool does not model MAAS subnets yet, so every IPv4 address is on its /24
    and every IPv6 one on its /64; ``ip -j addr`` and the ``cidr`` of a unit's bind addresses
    both come from here, so a charm reading either sees the same subnet.
    """
    ip = ipaddress.ip_address(address)
    return str(ipaddress.ip_interface(f'{ip}/{24 if ip.version == 4 else 64}').network)


def _inet(local: str, prefixlen: int, scope: str, label: str, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {'family': 'inet', 'local': local, 'prefixlen': prefixlen}
    if 'broadcast' in extra:
        entry['broadcast'] = extra.pop('broadcast')
    entry['scope'] = scope
    entry.update(extra)
    entry['label'] = label
    entry['valid_life_time'] = _FOREVER
    entry['preferred_life_time'] = _FOREVER
    return entry


def _inet6(local: str, prefixlen: int, scope: str) -> dict[str, Any]:
    return {
        'family': 'inet6',
        'local': local,
        'prefixlen': prefixlen,
        'scope': scope,
        'valid_life_time': _FOREVER,
        'preferred_life_time': _FOREVER,
    }


def interface_names(host: SimHost) -> list[str]:
    """The machine's interface names: ``lo``, then the primary one (``eth0`` by default)."""
    state = host.state.get('iproute')
    mapping = cast('dict[str, object]', state) if isinstance(state, dict) else {}
    names = mapping.get('interfaces')
    listed = [str(n) for n in cast('list[object]', names)] if isinstance(names, list) else []
    return ['lo', *(listed or ['eth0'])]


def interfaces(host: SimHost) -> list[dict[str, Any]]:
    """The machine's interfaces as ``ip -j addr show`` prints them."""
    lo: dict[str, Any] = {
        'ifindex': 1,
        'ifname': 'lo',
        'flags': ['LOOPBACK', 'UP', 'LOWER_UP'],
        'mtu': 65536,
        'qdisc': 'noqueue',
        'operstate': 'UNKNOWN',
        'group': 'default',
        'txqlen': 1000,
        'link_type': 'loopback',
        'address': '00:00:00:00:00:00',
        'broadcast': '00:00:00:00:00:00',
        'addr_info': [_inet('127.0.0.1', 8, 'host', 'lo'), _inet6('::1', 128, 'host')],
    }
    primary, *others = interface_names(host)[1:]
    mac = hashlib.sha256(f'mac:{host.machine_id}:{host.hostname()}'.encode()).digest()[:5]
    v4: list[dict[str, Any]] = []
    v6: list[dict[str, Any]] = []
    networks: list[ipaddress.IPv4Network] = []
    for address in host.addresses():
        ip = ipaddress.ip_address(address)
        if ip.version == 4:
            network = ipaddress.IPv4Network(subnet_of(address))
            networks.append(network)
            v4.append(
                _inet(
                    str(ip),
                    network.prefixlen,
                    'global',
                    primary,
                    broadcast=str(network.broadcast_address),
                )
            )
        else:
            v6.append(
                _inet6(str(ip), ipaddress.IPv6Network(subnet_of(address)).prefixlen, 'global')
            )
    for vip, prefixlen in keepalived.held_addresses(host.world, host, primary):
        ip = ipaddress.ip_address(vip)
        if ip.version == 6:
            v6.insert(0, _inet6(vip, prefixlen, 'global'))
            continue
        extra: dict[str, Any] = {}
        if any(ip in n and n.prefixlen <= prefixlen for n in networks):
            extra['secondary'] = True
        v4.append(_inet(vip, prefixlen, 'global', primary, **extra))
    links = [lo, _link(2, primary, mac, v4 + v6)]
    for index, name in enumerate(others, 3):
        digest = hashlib.sha256(f'mac:{host.machine_id}:{name}'.encode()).digest()[:5]
        # A VIP keepalived holds on this interface is its only address (no subnet of its own).
        held = [
            _inet(vip, prefixlen, 'global', name)
            if ipaddress.ip_address(vip).version == 4
            else _inet6(vip, prefixlen, 'global')
            for vip, prefixlen in keepalived.held_addresses(host.world, host, name)
        ]
        links.append(_link(index, name, digest, held))
    return links


def _link(index: int, name: str, mac: bytes, addr_info: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        'ifindex': index,
        'ifname': name,
        'flags': ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
        'mtu': 1500,
        'qdisc': 'fq_codel',
        'operstate': 'UP',
        'group': 'default',
        'txqlen': 1000,
        'link_type': 'ether',
        'address': '02:' + ':'.join(f'{b:02x}' for b in mac),
        'broadcast': 'ff:ff:ff:ff:ff:ff',
        'addr_info': addr_info,
    }


def handle(invocation: Invocation) -> Completed:
    """Run ``ip`` where iproute2 is installed."""
    host = invocation.host
    if not keepalived.installed(host, 'iproute2'):
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    args = list(invocation.args)
    as_json = brief = False
    while args and args[0].startswith('-'):
        option = args.pop(0)
        if option in ('-j', '-json', '--json'):
            as_json = True
        elif option in ('-br', '-brief', '--brief'):
            brief = True
        else:
            _not_emulated(f'option {option!r}')
    if not args or args[0] not in ('a', 'addr', 'address'):
        _not_emulated(' '.join(invocation.args) or 'without arguments')
    rest = args[1:]
    if rest and rest[0] in ('show', 'list', 'ls', 'lst', 'sh'):
        rest = rest[1:]
    if rest and rest[0] == 'dev':
        rest = rest[1:]
        if not rest:
            return invocation.result('', 'Command line is not complete. Try option "help"\n', 255)
    if len(rest) > 1:
        _not_emulated(f'addr show {" ".join(rest)}')
    if not as_json:
        _not_emulated('without -j (only the JSON listing is)')
    links = interfaces(host)
    if rest:
        links = [link for link in links if link['ifname'] == rest[0]]
        if not links:
            return invocation.result('', f'Device "{rest[0]}" does not exist.\n', 1)
    if brief:
        links = [
            {
                'ifname': link['ifname'],
                'operstate': link['operstate'],
                'addr_info': [
                    {'local': a['local'], 'prefixlen': a['prefixlen']} for a in link['addr_info']
                ],
            }
            for link in links
        ]
    return invocation.result(json.dumps(links, separators=(',', ':')) + '\n')

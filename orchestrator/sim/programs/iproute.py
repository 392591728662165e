"""``ip``: iproute2's address and link listings on simulated machines (a simulation).

``ip`` comes with the ``iproute2`` package every simulated machine has. Only the JSON listings
are emulated: ``ip -j [-br] address|addr|a [show|list|lst|ls|sh] [[dev] IFACE]`` and ``ip -j
[-br] link|l [show|list|lst|ls|sh] [[dev] IFACE]``, with the keys, in the order, iproute2 6.1
prints them (iproute2/iproute2 ``ip/ipaddress.c`` ``print_linkinfo``,
``print_linkinfo_brief``, ``print_link_flags``, ``lib/utils.c`` ``print_name_and_link`` @
v6.1.0; the plain shape was copied from a run of iproute2 6.1).

A machine given network interfaces by the pool (:class:`~orchestrator.sim.host.NetworkDevice`)
has ``lo`` (ifindex 1) and then each of them in the pool's order (ifindex 2, 3, …), as the
deployed kernel has them:

- physical NICs ``BROADCAST,MULTICAST,UP,LOWER_UP`` with qdisc ``fq_codel`` (assumption: a
  single-queue NIC; a multi-queue one shows ``mq``), bonds, bridges and VLANs qdisc
  ``noqueue`` (the kernel gives these ``IFF_NO_QUEUE`` devices the noqueue qdisc);
- a bond has ``MASTER`` among its flags, its members ``SLAVE`` and ``"master": "<bond>"``, and,
  as bonding (fail_over_mac=none, the default) gives every member the bond's MAC, a member
  whose own MAC differs shows the bond's as ``address`` and its own as ``permaddr``; a bridge's
  ports have ``"master": "<bridge>"`` without ``SLAVE`` (that flag is bonding's);
- a VLAN interface has ``"link": "<parent>"`` before ``ifname``, which is its bare name
  (``bond0.30``; the text output's ``bond0.30@bond0`` is JSON's ``link`` and ``ifname``),
  since the kernel reports its parent as ``IFLA_LINK``;
- each has the pool's MAC and MTU and its addresses with the pool's prefixes, IPv4 ones with
  their broadcast (below /31), IPv4 before IPv6, a second IPv4 address in an existing one's
  subnet with the same prefix marked ``"secondary": true`` and listed after the primaries
  (the kernel's ``__inet_insert_ifa``).

A machine without interfaces has, as before the pool described them, ``lo`` and a primary
interface carrying its addresses (IPv4 as /24 with a broadcast, IPv6 as /64), ``eth0`` unless
the machine's ``state['iproute']['interfaces']`` lists other names (the first carries the
addresses, the others are up without any). Assumption, both ways: no IPv6 link-local
(``fe80::``) addresses are listed.

On the machine holding a keepalived VIP (see :mod:`.keepalived`) the VIP is an extra entry on
the interface keepalived put it on, after the machine's own IPv4 ones (IPv6: first), without a
broadcast, ``secondary`` by the same rule. ``ip link`` has no ``addr_info`` and adds
``"linkmode": "DEFAULT"`` after ``operstate``; ``-br`` prints ``ifname``, ``operstate`` and
``addr_info`` (``local``, ``prefixlen``) for addresses, ``ifname``, ``operstate``, ``address``
and ``flags`` for links. An unknown device: ``Device "X" does not exist.``, exit 1. Anything
else raises :class:`~orchestrator.sim.SimError`.

:func:`provision_sysfs` lays the same interfaces out under ``/sys/class/net`` (``address``,
``mtu``, ``operstate``, ``type``; a bond's ``bonding/slaves``), as the kernel's
``net/core/net-sysfs.c`` and ``drivers/net/bonding/bond_sysfs.c`` show them.
"""

# pyright: strict

from __future__ import annotations

import hashlib
import ipaddress
import json
from typing import TYPE_CHECKING, Any, NoReturn

from metal_host import Completed
from metal_host._retrying import NOT_FOUND

from ..errors import SimError
from ..host import SIMULATED
from . import keepalived
from ._machine_state import installed, interface_names

if TYPE_CHECKING:
    from ..host import Invocation, SimHost

__all__ = [
    'SYS_CLASS_NET',
    'handle',
    'interface_names',
    'interfaces',
    'links',
    'provision_sysfs',
    'subnet_of',
]

_FOREVER = 4294967295


def _not_emulated(what: str) -> NoReturn:
    raise SimError(
        f'ip {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/iproute.py for what is'
    )


def subnet_of(address: str, host: SimHost | None = None) -> str:
    """The subnet a simulated machine's address is on, as its ``ip`` and Juju's network-get say.

    On a machine whose interfaces the pool describes (``host`` given, with
    :attr:`~orchestrator.sim.SimHost.network_devices`), the prefix is the pool's: that of the
    interface address ``address`` is. Otherwise (assumption: no subnet known) every IPv4
    address is on its /24 and every IPv6 one on its /64; ``ip -j addr`` and the ``cidr`` of a
    unit's bind addresses both come from here, so a charm reading either sees the same subnet.
    """
    ip = ipaddress.ip_address(address)
    if host is not None:
        for device in host.network_devices:
            for given in device.addresses:
                interface = ipaddress.ip_interface(given)
                if interface.ip == ip:
                    return str(interface.network)
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


def _lo(*, do_link: bool) -> dict[str, Any]:
    link: dict[str, Any] = {
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
    }
    if do_link:
        return _with_linkmode(link)
    link['addr_info'] = [_inet('127.0.0.1', 8, 'host', 'lo'), _inet6('::1', 128, 'host')]
    return link


def _with_linkmode(link: dict[str, Any]) -> dict[str, Any]:
    """``ip link``'s keys: ``linkmode`` after ``operstate`` (``print_linkinfo``, ``do_link``)."""
    out: dict[str, Any] = {}
    for key, value in link.items():
        out[key] = value
        if key == 'operstate':
            out['linkmode'] = 'DEFAULT'
    return out


def _link(
    index: int,
    name: str,
    mac: str,
    *,
    flags: tuple[str, ...] = ('BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'),
    mtu: int = 1500,
    qdisc: str = 'fq_codel',
    parent: str = '',
    master: str = '',
    permaddr: str = '',
) -> dict[str, Any]:
    """One link in ``print_linkinfo``'s key order (no ``addr_info``, no ``linkmode``)."""
    link: dict[str, Any] = {'ifindex': index}
    if parent:
        link['link'] = parent  # print_name_and_link: IFLA_LINK, printed before the name
    link['ifname'] = name
    link['flags'] = list(flags)
    link['mtu'] = mtu
    link['qdisc'] = qdisc
    if master:
        link['master'] = master
    link['operstate'] = 'UP'
    link['group'] = 'default'
    link['txqlen'] = 1000
    link['link_type'] = 'ether'
    link['address'] = mac
    link['broadcast'] = 'ff:ff:ff:ff:ff:ff'
    if permaddr:
        link['permaddr'] = permaddr
    return link


class _Addresses:
    """One interface's ``addr_info`` as the kernel orders it.

    IPv4: an address inside an existing primary's subnet with the same prefix is a secondary
    (``IFA_F_SECONDARY``) and goes last; a primary goes after the last primary (torvalds/linux
    ``net/ipv4/devinet.c`` ``__inet_insert_ifa``). IPv4 entries come before IPv6 ones (the
    address dump walks AF_INET before AF_INET6).
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.v4: list[dict[str, Any]] = []
        self.v6: list[dict[str, Any]] = []

    def add_v4(self, ip: str, prefixlen: int, *, broadcast: bool) -> None:
        network = ipaddress.ip_interface(f'{ip}/{prefixlen}').network
        secondary = any(
            not entry.get('secondary')
            and entry['prefixlen'] == prefixlen
            and ipaddress.ip_address(ip)
            in ipaddress.ip_interface(f'{entry["local"]}/{prefixlen}').network
            for entry in self.v4
        )
        extra: dict[str, Any] = {}
        if broadcast and prefixlen < 31:
            extra['broadcast'] = str(network.broadcast_address)
        if secondary:
            extra['secondary'] = True
            self.v4.append(_inet(ip, prefixlen, 'global', self.label, **extra))
            return
        primaries = sum(1 for entry in self.v4 if not entry.get('secondary'))
        self.v4.insert(primaries, _inet(ip, prefixlen, 'global', self.label, **extra))

    def add(
        self, ip: str, prefixlen: int, *, broadcast: bool = True, newest: bool = False
    ) -> None:
        """Add an address; ``newest`` IPv6 ones go first (the VIP keepalived adds last)."""
        if ipaddress.ip_address(ip).version == 4:
            self.add_v4(ip, prefixlen, broadcast=broadcast)
        elif newest:
            self.v6.insert(0, _inet6(ip, prefixlen, 'global'))
        else:
            self.v6.append(_inet6(ip, prefixlen, 'global'))

    def entries(self) -> list[dict[str, Any]]:
        return self.v4 + self.v6


def _add_vips(host: SimHost, name: str, addresses: _Addresses) -> None:
    for vip, prefixlen in keepalived.held_addresses(host.world, host, name):
        addresses.add(vip, prefixlen, broadcast=False, newest=True)


def _mac(digest: bytes) -> str:
    return '02:' + ':'.join(f'{b:02x}' for b in digest)


def _default_links(host: SimHost, *, do_link: bool) -> list[dict[str, Any]]:
    """A machine without pool interfaces: its primary one carries all its addresses."""
    primary, *others = interface_names(host)[1:]
    mac = hashlib.sha256(f'mac:{host.machine_id}:{host.hostname()}'.encode()).digest()[:5]
    out: list[dict[str, Any]] = [_link(2, primary, _mac(mac))]
    for index, name in enumerate(others, 3):
        digest = hashlib.sha256(f'mac:{host.machine_id}:{name}'.encode()).digest()[:5]
        out.append(_link(index, name, _mac(digest)))
    if do_link:
        return out
    for link in out:
        addresses = _Addresses(link['ifname'])
        if link['ifname'] == primary:
            for address in host.addresses():
                network = ipaddress.ip_network(subnet_of(address))
                addresses.add(address, network.prefixlen)
        _add_vips(host, link['ifname'], addresses)
        link['addr_info'] = addresses.entries()
    return out


def _device_links(host: SimHost, *, do_link: bool) -> list[dict[str, Any]]:
    """A machine whose interfaces the pool describes: each as the kernel shows it."""
    devices = host.network_devices
    by_name = {d.name: d for d in devices}
    masters = {
        member: d.name for d in devices if d.type in ('bond', 'bridge') for member in d.parents
    }
    out: list[dict[str, Any]] = []
    for index, device in enumerate(devices, 2):
        master = by_name.get(masters.get(device.name, ''))
        bond = master if master is not None and master.type == 'bond' else None
        enslaved = bond is not None
        flags = ['BROADCAST', 'MULTICAST']
        if device.type == 'bond':
            flags.append('MASTER')
        if enslaved:
            flags.append('SLAVE')
        flags += ['UP', 'LOWER_UP']
        mac = device.mac.lower()
        permaddr = ''
        if bond is not None and bond.mac.lower() != mac:
            mac, permaddr = bond.mac.lower(), mac
        link = _link(
            index,
            device.name,
            mac,
            flags=tuple(flags),
            mtu=device.mtu,
            qdisc='fq_codel' if device.type == 'physical' else 'noqueue',
            parent=device.parents[0] if device.type == 'vlan' and device.parents else '',
            master=master.name if master is not None else '',
            permaddr=permaddr,
        )
        if not do_link:
            addresses = _Addresses(device.name)
            for given in device.addresses:
                interface = ipaddress.ip_interface(given)
                addresses.add(str(interface.ip), interface.network.prefixlen)
            _add_vips(host, device.name, addresses)
            link['addr_info'] = addresses.entries()
        out.append(link)
    return out


def interfaces(host: SimHost) -> list[dict[str, Any]]:
    """The machine's interfaces as ``ip -j addr show`` prints them."""
    build = _device_links if host.network_devices else _default_links
    return [_lo(do_link=False), *build(host, do_link=False)]


def links(host: SimHost) -> list[dict[str, Any]]:
    """The machine's interfaces as ``ip -j link show`` prints them."""
    build = _device_links if host.network_devices else _default_links
    return [_lo(do_link=True), *(_with_linkmode(link) for link in build(host, do_link=True))]


SYS_CLASS_NET = '/sys/class/net'
"""Where the kernel shows each network interface (``net/core/net-sysfs.c``)."""


def provision_sysfs(host: SimHost) -> None:
    """Lay the pool's interfaces out under ``/sys/class/net`` (nothing for a machine without).

    Per interface (torvalds/linux ``net/core/net-sysfs.c``): ``address`` (the current MAC,
    0444), ``mtu`` (0644), ``operstate`` (``up``; ``unknown`` for ``lo``, 0444) and ``type``
    (``ARPHRD_ETHER`` 1, ``ARPHRD_LOOPBACK`` 772 for ``lo``, 0444), each a line; a bond's
    ``bonding/slaves`` (0644) names its members separated by spaces
    (``drivers/net/bonding/bond_sysfs.c`` ``bonding_show_slaves``). Not modelled: the
    ``master`` and ``lower_*`` symlinks, a bridge's ``brif/`` (the simulated filesystem has no
    symlinks) and the other attributes.
    """
    devices = host.network_devices
    if not devices:
        return
    for link in links(host):
        name = str(link['ifname'])
        base = f'{SYS_CLASS_NET}/{name}'
        host.write_text(f'{base}/address', f'{link["address"]}\n', mode=0o444)
        host.write_text(f'{base}/mtu', f'{link["mtu"]}\n', mode=0o644)
        host.write_text(f'{base}/operstate', f'{str(link["operstate"]).lower()}\n', mode=0o444)
        kind = '772' if link['link_type'] == 'loopback' else '1'
        host.write_text(f'{base}/type', f'{kind}\n', mode=0o444)
    for device in devices:
        if device.type == 'bond':
            slaves = ' '.join(device.parents)
            host.write_text(
                f'{SYS_CLASS_NET}/{device.name}/bonding/slaves', f'{slaves}\n', mode=0o644
            )


def _command(word: str) -> str:
    """The object ``ip`` runs for ``word`` (``ip/ip.c``: the first command it prefixes)."""
    if word and 'address'.startswith(word):
        return 'address'
    if word and 'link'.startswith(word):  # "link" comes before "l2tp" in ip.c's table
        return 'link'
    return ''


def handle(invocation: Invocation) -> Completed:
    """Run ``ip`` where iproute2 is installed."""
    host = invocation.host
    if not installed(host, 'iproute2'):
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
    command = _command(args[0]) if args else ''
    if not command:
        _not_emulated(' '.join(invocation.args) or 'without arguments')
    rest = args[1:]
    if rest and rest[0] in ('show', 'list', 'ls', 'lst', 'sh'):
        rest = rest[1:]
    if rest and rest[0] == 'dev':
        rest = rest[1:]
        if not rest:
            return invocation.result('', 'Command line is not complete. Try option "help"\n', 255)
    if len(rest) > 1:
        _not_emulated(f'{command} show {" ".join(rest)}')
    if not as_json:
        _not_emulated('without -j (only the JSON listing is)')
    listed = interfaces(host) if command == 'address' else links(host)
    if rest:
        listed = [link for link in listed if link['ifname'] == rest[0]]
        if not listed:
            return invocation.result('', f'Device "{rest[0]}" does not exist.\n', 1)
    if brief:
        listed = [_brief(link, command) for link in listed]
    return invocation.result(json.dumps(listed, separators=(',', ':')) + '\n')


def _brief(link: dict[str, Any], command: str) -> dict[str, Any]:
    """``print_linkinfo_brief``: [link,] ifname, operstate, then addresses or MAC and flags."""
    out: dict[str, Any] = {}
    if 'link' in link:
        out['link'] = link['link']
    out['ifname'] = link['ifname']
    out['operstate'] = link['operstate']
    if command == 'link':
        out['address'] = link['address']
        out['flags'] = link['flags']
    else:
        out['addr_info'] = [
            {'local': a['local'], 'prefixlen': a['prefixlen']} for a in link['addr_info']
        ]
    return out

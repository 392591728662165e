"""A scripted MAAS region for httpx.MockTransport, answering with MAAS-shaped JSON.

The machine JSON carries the fields MAAS's machines handler displays
(``DISPLAYED_MACHINE_FIELDS`` in canonical/maas ``src/maasserver/api/machines.py``), with the
nested shapes its emitter produces: ``zone`` and ``pool`` objects, ``boot_disk`` as the whole
block-device object, sizes in bytes, memory in MiB, ``status`` as the NodeStatus int.

Networks are shaped as MAAS 3.6 emits them (canonical/maas tag 3.6.5; every shape below is
checked against the API documentation examples ``src/maasserver/api/examples/machines.json``,
``subnets.json`` and ``spaces.json`` of that tag): each builder names the handler fields it
carries.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from orchestrator.cloud.maas import MaasCloud, RetryPolicy

URL = 'http://10.0.0.10:5240/MAAS'
API_KEY = 'cOnSuMeRkEy:tOkEnKeYpArT:sEcReTtOkEnSeCrEt'
KEY_PARTS = tuple(API_KEY.split(':'))

STATUS_NAMES = {
    0: 'New',
    4: 'Ready',
    6: 'Deployed',
    8: 'Broken',
    9: 'Deploying',
    10: 'Allocated',
    11: 'Failed deployment',
    12: 'Releasing',
}

NO_MATCH = (
    "No available machine matches constraints: [('cpu_count', ['2']), ('mem', ['6144'])] "
    '(resolved to "cpu_count=2.0 mem=6144.0")'
)


def block_device(
    device_id: int,
    name: str,
    size: int,
    tags: Sequence[str] = (),
    *,
    system_id: str = 'abc123',
    model: str = 'Micron_5300',
    serial: str | None = None,
    id_path: str | None = None,
) -> dict[str, Any]:
    """``DISPLAYED_BLOCKDEVICE_FIELDS`` (``api/blockdevices.py`` @ 3.6.5). ``model`` and
    ``serial`` are '' when unknown (``PhysicalBlockDevice``: ``blank=True, null=False``);
    ``id_path`` may be null (``BlockDevice.id_path``: ``null=True``; ``examples/machines.json``).
    """
    return {
        'id': device_id,
        'name': name,
        'type': 'physical',
        'size': size,
        'block_size': 512,
        'available_size': 0,
        'used_size': size,
        'tags': list(tags),
        'model': model,
        'serial': f'SN{device_id:06d}' if serial is None else serial,
        'path': f'/dev/disk/by-dname/{name}',
        'id_path': f'/dev/disk/by-id/wwn-0x5000{device_id:012x}' if id_path is None else id_path,
        'firmware_version': 'D3MU001',
        'uuid': None,
        'partition_table_type': 'GPT',
        'partitions': [],
        'filesystem': None,
        'storage_pool': None,
        'numa_node': 0,
        'used_for': 'GPT partitioned with 2 partitions',
        'system_id': system_id,
        'resource_uri': f'/MAAS/api/2.0/nodes/{system_id}/blockdevices/{device_id}/',
    }


def machine_json(
    system_id: str,
    hostname: str,
    *,
    cores: int = 4,
    memory: int = 8192,
    zone: str = 'zone-a',
    pool: str = 'default',
    status: int = 4,
    status_name: str | None = None,
    tags: Sequence[str] = (),
    owner: str | None = None,
    architecture: str = 'amd64/generic',
    disks: Sequence[dict[str, Any]] | None = None,
    boot: int | None = None,
    ip_addresses: Sequence[str] = ('10.0.1.21',),
    interfaces: Sequence[dict[str, Any]] | None = None,
    boot_interface: str | None = None,
) -> dict[str, Any]:
    if disks is None:
        disks = [block_device(1, 'sda', 480_103_981_056, ['ssd'], system_id=system_id)]
    boot_disk = next((d for d in disks if d['id'] == boot), disks[0] if disks else None)
    return {
        'system_id': system_id,
        'hostname': hostname,
        'fqdn': f'{hostname}.maas',
        'domain': {'name': 'maas', 'id': 0, 'authoritative': True, 'ttl': None},
        'description': '',
        'hardware_uuid': '4c4c4544-0038-4b10-8050-b4c04f4e4e32',
        'architecture': architecture,
        'min_hwe_kernel': '',
        'hwe_kernel': None,
        'cpu_count': cores,
        'cpu_speed': 2400,
        'memory': memory,
        'swap_size': None,
        'storage': sum(d['size'] for d in disks) / 1000**2,
        'status': status,
        'status_name': status_name or STATUS_NAMES.get(status, 'Other'),
        'status_message': None if status == 4 else 'Deployed',
        'status_action': '',
        'osystem': 'ubuntu' if status in (6, 9) else '',
        'distro_series': 'noble' if status in (6, 9) else '',
        'netboot': status != 6,
        'locked': False,
        'owner': owner,
        'owner_data': {},
        'zone': {
            'name': zone,
            'description': '',
            'id': 1,
            'resource_uri': f'/MAAS/api/2.0/zones/{zone}/',
        },
        'pool': {
            'name': pool,
            'description': 'Default pool' if pool == 'default' else '',
            'id': 0,
            'resource_uri': f'/MAAS/api/2.0/resourcepool/{pool}/',
        },
        'tag_names': list(tags),
        'power_type': 'ipmi',
        'power_state': 'off',
        'ip_addresses': list(ip_addresses),
        # get_boot_interface(): the whole interface object (or null without interfaces).
        'boot_interface': (
            next((i for i in interfaces if i['name'] == boot_interface), interfaces[0])
            if interfaces
            else None
        ),
        'interface_set': list(interfaces or []),
        'boot_disk': boot_disk,
        'blockdevice_set': list(disks),
        'physicalblockdevice_set': list(disks),
        'virtualblockdevice_set': [],
        'node_type': 0,
        'node_type_name': 'Machine',
        'pod': None,
        'resource_uri': f'/MAAS/api/2.0/machines/{system_id}/',
    }


def zone_json(name: str, zone_id: int = 1) -> dict[str, Any]:
    return {
        'name': name,
        'description': '',
        'id': zone_id,
        'resource_uri': f'/MAAS/api/2.0/zones/{name}/',
    }


# -- networks ----------------------------------------------------------------------------------


def vlan_json(
    vlan_id: int, vid: int, fabric_id: int, space: str | None, *, mtu: int = 1500
) -> dict[str, Any]:
    """``DISPLAYED_VLAN_FIELDS`` (``api/vlans.py`` @ 3.6.5): ``fabric`` by name
    (``Fabric.get_name``: ``fabric-<id>`` when unnamed), ``space`` by name or ``undefined``
    (``VlanHandler.space``); ``name`` is ``untagged`` for VID 0, else the VID."""
    return {
        'vid': vid,
        'mtu': mtu,
        'dhcp_on': vid == 0,
        'external_dhcp': None,
        'relay_vlan': None,
        'fabric': f'fabric-{fabric_id}',
        'id': vlan_id,
        'primary_rack': 'x7fa4k',
        'secondary_rack': None,
        'name': 'untagged' if vid == 0 else str(vid),
        'space': space or 'undefined',
        'fabric_id': fabric_id,
        'resource_uri': f'/MAAS/api/2.0/vlans/{vlan_id}/',
    }


def subnet_json(
    subnet_id: int, cidr: str, vlan: dict[str, Any], *, gateway: str | None = None
) -> dict[str, Any]:
    """``DISPLAYED_SUBNET_FIELDS`` (``api/subnets.py`` @ 3.6.5): ``space`` is the VLAN's name or
    ``undefined`` (``SubnetHandler.space``), ``name`` defaults to the CIDR; a link embeds this
    whole object (``Interface.get_links``)."""
    return {
        'name': cidr,
        'description': '',
        'vlan': vlan,
        'cidr': cidr,
        'rdns_mode': 2,
        'gateway_ip': gateway,
        'dns_servers': [],
        'allow_dns': True,
        'allow_proxy': True,
        'active_discovery': False,
        'managed': True,
        'disabled_boot_architectures': [],
        'id': subnet_id,
        'space': vlan['space'],
        'resource_uri': f'/MAAS/api/2.0/subnets/{subnet_id}/',
    }


def space_json(space_id: int, name: str, subnets: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``DISPLAYED_SPACE_FIELDS`` (``api/spaces.py`` @ 3.6.5); the ``undefined`` placeholder
    has id -1 and ``resource_uri`` ``.../spaces/undefined/`` (``UNDEFINED_SPACE``)."""
    vlans = list({s['vlan']['id']: s['vlan'] for s in subnets}.values())
    return {
        'id': space_id,
        'name': name,
        'description': '',
        'vlans': vlans,
        'subnets': list(subnets),
        'resource_uri': f'/MAAS/api/2.0/spaces/{"undefined" if space_id == -1 else space_id}/',
    }


def link_json(
    link_id: int, mode: str, subnet: dict[str, Any] | None = None, ip: str | None = None
) -> dict[str, Any]:
    """``Interface.get_links`` (``models/interface.py`` @ 3.6.5): ``ip_address`` only when the
    address is set, ``subnet`` only when there is one."""
    link: dict[str, Any] = {'id': link_id, 'mode': mode}
    if ip is not None:
        link['ip_address'] = ip
    if subnet is not None:
        link['subnet'] = subnet
    return link


def interface_json(
    interface_id: int,
    name: str,
    kind: str,
    mac: str,
    vlan: dict[str, Any] | None,
    *,
    parents: Sequence[str] = (),
    children: Sequence[str] = (),
    links: Sequence[dict[str, Any]] = (),
    params: dict[str, Any] | str = '',
    mtu: int = 1500,
    system_id: str = 'abc123',
) -> dict[str, Any]:
    """``DISPLAYED_INTERFACE_FIELDS`` (``api/interfaces.py`` @ 3.6.5): ``parents`` and
    ``children`` sorted names, ``params`` an object or '' when empty, ``effective_mtu`` from
    ``get_effective_mtu``, ``vlan`` a VLAN object (null when disconnected)."""
    physical = kind == 'physical'
    return {
        'system_id': system_id,
        'id': interface_id,
        'name': name,
        'type': kind,
        'vlan': vlan,
        'mac_address': mac,
        'parents': sorted(parents),
        'children': sorted(children),
        'tags': [],
        'enabled': True,
        'links': list(links),
        'params': params,
        'discovered': None,
        'effective_mtu': mtu,
        'vendor': 'Intel Corporation' if physical else None,
        'product': 'Ethernet Controller X710 for 10GbE SFP+' if physical else None,
        'firmware_version': '9.20 0x8000d8c5 1.3429.0' if physical else None,
        'link_connected': True,
        'interface_speed': 10000 if physical else 0,
        'link_speed': 10000 if physical else 0,
        'numa_node': 0 if physical else None,
        'sriov_max_vf': 0,
        'resource_uri': f'/MAAS/api/2.0/nodes/{system_id}/interfaces/{interface_id}/',
    }


Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Region:
    """Answers requests in order from a script, and keeps every request it got."""

    script: list[Answer] = field(default_factory=list[Answer])
    requests: list[httpx.Request] = field(default_factory=list[httpx.Request])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if not self.script:
            raise AssertionError(f'unexpected request {request.method} {request.url}')
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    def cloud(self, *, attempts: int = 3, waits: list[float] | None = None) -> MaasCloud:
        slept = waits if waits is not None else []
        retry = RetryPolicy(attempts=attempts, sleep=slept.append)
        return MaasCloud(URL, API_KEY, transport=httpx.MockTransport(self), retry=retry)


def ok(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


def text(status: int, body: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, text=body, headers=headers)


def form(request: httpx.Request) -> list[tuple[str, str]]:
    """The form fields of a POST, in order, repeated fields repeated."""
    if not request.content:
        return []
    assert request.headers['content-type'] == 'application/x-www-form-urlencoded'
    return urllib.parse.parse_qsl(request.content.decode(), keep_blank_values=True)


def route(request: httpx.Request) -> tuple[str, str, str]:
    """(method, path, op) of a request."""
    return request.method, request.url.path, request.url.params.get('op', '')

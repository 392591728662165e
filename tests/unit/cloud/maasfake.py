"""A scripted MAAS region for httpx.MockTransport, answering with MAAS-shaped JSON.

The machine JSON carries the fields MAAS's machines handler displays
(``DISPLAYED_MACHINE_FIELDS`` in canonical/maas ``src/maasserver/api/machines.py``), with the
nested shapes its emitter produces: ``zone`` and ``pool`` objects, ``boot_disk`` as the whole
block-device object, sizes in bytes, memory in MiB, ``status`` as the NodeStatus int.
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
    device_id: int, name: str, size: int, tags: Sequence[str] = (), *, system_id: str = 'abc123'
) -> dict[str, Any]:
    return {
        'id': device_id,
        'name': name,
        'type': 'physical',
        'size': size,
        'block_size': 512,
        'available_size': 0,
        'used_size': size,
        'tags': list(tags),
        'model': 'Micron_5300',
        'serial': f'SN{device_id:06d}',
        'path': f'/dev/disk/by-dname/{name}',
        'id_path': f'/dev/disk/by-id/wwn-0x5000{device_id:012x}',
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
        'boot_interface': {'name': 'eno1', 'mac_address': '52:54:00:12:34:56'},
        'interface_set': [],
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

"""Inventory files: the lab pool, every field, every rejection, system ids and the generator."""

from __future__ import annotations

import collections
import dataclasses
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from builders import disk, machine

from orchestrator.cloud import GB, InventoryError, Machine, Status, inventory

LAB = Path(__file__).resolve().parents[2] / 'bundles' / 'pools' / 'lab.yaml'
ID_RE = re.compile(r'[abcdefghjkmnpqrstuvwxy0-9]{6}')


def _doc() -> dict[str, object]:
    """Three valid machines; the bad cases break the second one."""
    return {
        'machines': [
            {
                'hostname': f'node-0{i}',
                'cores': 4 * i,
                'memory': f'{8 * i}G',
                'disks': [{'name': 'sda', 'size': '480G', 'tags': ['ssd']}],
                'tags': ['ssd'],
                'zone': 'zone-a',
            }
            for i in (1, 2, 3)
        ]
    }


def _second(doc: dict[str, object]) -> dict[str, object]:
    return doc['machines'][1]  # type: ignore[index]


def _error(data: object, source: str = 'bad.yaml') -> str:
    with pytest.raises(InventoryError) as info:
        inventory.parse(data, source)
    return str(info.value)


# -- the lab pool ---------------------------------------------------------------------------------


def test_lab_pool_loads():
    machines = inventory.load(LAB)
    assert len(machines) == 20
    assert [m.hostname for m in machines] == [f'node-{i:02d}' for i in range(1, 21)]
    assert {m.zone for m in machines} == {'zone-a', 'zone-b', 'zone-c'}
    assert collections.Counter(m.pool for m in machines) == {'default': 16, 'storage': 4}
    assert {m.status for m in machines} == {Status.READY, Status.DEPLOYED, Status.BROKEN}
    by_name = {m.hostname: m for m in machines}
    assert by_name['node-09'].status is Status.DEPLOYED
    assert by_name['node-09'].owner == 'admin'
    assert by_name['node-11'].status is Status.BROKEN
    assert sum(m.status is Status.READY for m in machines) == 18
    assert all(m.owner is None for m in machines if m.status is Status.READY)
    assert by_name['node-01'].system_id == 'k7dq3a'
    assert len({m.system_id for m in machines}) == 20
    assert all(ID_RE.fullmatch(m.system_id) for m in machines)
    assert by_name['node-14'].arch == 'arm64/generic'
    assert by_name['node-14'].power_type == 'redfish'
    assert by_name['node-12'].memory == 512 * 1024
    assert by_name['node-01'].address == '10.246.0.11'
    assert by_name['node-01'].power_parameters['power_address'] == '10.245.0.11'


def test_lab_pool_disks():
    machines = inventory.load(LAB)
    for m in machines:
        assert 1 <= len(m.disks) <= 6
        assert [d.boot for d in m.disks] == [True] + [False] * (len(m.disks) - 1)
        assert len({d.name for d in m.disks}) == len(m.disks)
    by_name = {m.hostname: m for m in machines}
    nvme1n1 = by_name['node-06'].disks[1]
    assert (nvme1n1.name, nvme1n1.size, nvme1n1.tags) == ('nvme1n1', 1920 * GB, {'nvme', 'ssd'})
    assert nvme1n1.model == 'SIM NVMe 1.92T' and nvme1n1.wwn.startswith('eui.')
    assert by_name['node-01'].disks[0] == disk('sda', 240, 'ssd', boot=True)  # identity unknown
    assert by_name['node-16'].storage == 480 * GB + 1600 * GB + 4 * 12_000 * GB
    kinds = {tag for m in machines for d in m.disks for tag in d.tags}
    assert kinds == {'ssd', 'nvme', 'rotary'}


def test_lab_pool_is_a_realistic_lab():
    loaded = inventory.load_file(LAB)
    assert [s.name for s in loaded.network.spaces] == ['internal', 'oam', 'storage']
    assert {s.cidr: (s.fabric, s.vid) for s in loaded.network.subnets} == {
        '10.246.0.0/24': ('fabric-0', 0),
        '10.247.0.0/24': ('fabric-1', 0),
        '10.248.0.0/24': ('fabric-1', 30),
    }
    nics = {i.name for m in loaded.machines for i in m.interfaces}
    assert {'eno1', 'enp65s0f0', 'ens1f0np0', 'enP2p1s0f0', 'bond0', 'br0', 'bond0.30'} <= nics
    assert 'eth0' not in nics
    bonds = [i for m in loaded.machines for i in m.interfaces if i.type == 'bond']
    assert bonds and all(len(b.parents) == 2 for b in bonds)
    by_name = {m.hostname: m for m in loaded.machines}
    assert by_name['node-20'].spaces == {'oam', 'storage'}  # no internal NIC
    assert by_name['node-17'].address == '10.246.0.27'  # the boot NIC's address
    serials = [d.serial for m in loaded.machines for d in m.disks if d.serial]
    wwns = [d.wwn for m in loaded.machines for d in m.disks if d.wwn]
    assert len(serials) == len(set(serials)) >= 20 and len(wwns) == len(serials)


def test_lab_pool_supports_the_demo():
    machines = inventory.load(LAB)
    ready = [m for m in machines if m.status is Status.READY]
    # mem=6G cores=2 fits many, the cheapest being the 4-core/8G boxes.
    small = [m for m in ready if m.cores >= 2 and m.memory >= 6 * 1024]
    assert len(small) == 18
    assert min(small, key=lambda m: m.cost).cores == 4
    assert sum(m.cores == 4 and m.memory == 8 * 1024 for m in ready) == 3
    # root-disk=900G (MAAS storage root:900 GB) fits a few Ready machines, and two that are not.
    big_root = [m.hostname for m in machines if m.disks[0].size >= 900 * GB]
    assert big_root == ['node-06', 'node-08', 'node-09', 'node-10', 'node-11', 'node-12']
    gpus = [m for m in machines if 'gpu' in m.tags]
    assert len(gpus) >= 2
    assert any(m.zone == 'zone-b' and 'nvme' not in m.tags for m in gpus)
    assert max(m.cores for m in machines) < 256
    assert {'gpu', 'ssd', 'nvme', 'hdd'} <= {t for m in machines for t in m.tags}


# -- every field ----------------------------------------------------------------------------------


def test_parse_every_field():
    data = {
        'machines': [
            {
                'hostname': 'gpu-1',
                'system_id': 'abc123',
                'arch': 'arm64/xgene-uboot',
                'cores': 64,
                'memory': '1.5T',
                'disks': [
                    {'name': 'sda', 'size': 4_000_000_000_000, 'tags': ['rotary']},
                    {'name': 'nvme0n1', 'size': '1.92T', 'tags': ['nvme', 'ssd'], 'boot': True},
                ],
                'tags': ['gpu', 'nvme', 'gpu'],
                'zone': 'zone-b',
                'pool': 'storage',
                'power_type': 'redfish',
                'power_parameters': {'power_address': '10.0.0.1', 'power_pass': 's3cret'},
                'address': '2001:DB8::1',
                'status': 'failed deployment',
                'owner': 'admin',
            }
        ]
    }
    (m,) = inventory.parse(data, 'x.yaml')
    assert m == Machine(
        system_id='abc123',
        hostname='gpu-1',
        arch='arm64/xgene-uboot',
        cores=64,
        memory=1536 * 1024,
        disks=(
            disk('nvme0n1', 1920, 'nvme', 'ssd', boot=True),  # the boot disk comes first
            disk('sda', 4000, 'rotary'),
        ),
        tags=frozenset({'gpu', 'nvme'}),
        zone='zone-b',
        pool='storage',
        power_type='redfish',
        power_parameters={'power_address': '10.0.0.1', 'power_pass': 's3cret'},
        address='2001:db8::1',
        status=Status.FAILED_DEPLOYMENT,
        owner='admin',
    )


def test_parse_defaults():
    data = {'machines': [{'hostname': 'n1', 'cores': 1, 'memory': 512, 'disks': [
        {'name': 'sda', 'size': 1}, {'name': 'sdb', 'size': 2}]}]}  # fmt: skip
    (m,) = inventory.parse(data, 'x.yaml')
    assert m.arch == 'amd64/generic'
    assert m.zone == 'default'
    assert m.pool == 'default'
    assert m.power_type == 'manual'
    assert dict(m.power_parameters) == {}
    assert m.address == ''
    assert m.status is Status.READY
    assert m.owner is None
    assert m.tags == frozenset()
    assert m.disks == (disk('sda', 1 / GB, boot=True), disk('sdb', 2 / GB))
    assert ID_RE.fullmatch(m.system_id)


@pytest.mark.parametrize(
    ('arch', 'expected'),
    [('amd64', 'amd64/generic'), ('arm64', 'arm64/generic'), ('s390x', 's390x/generic'),
     ('ppc64el/generic', 'ppc64el/generic'), ('riscv64/sifive', 'riscv64/sifive')],
)  # fmt: skip
def test_arch_gets_a_subarchitecture(arch: str, expected: str):
    doc = _doc()
    _second(doc)['arch'] = arch
    assert inventory.parse(doc, 'x.yaml')[1].arch == expected


@pytest.mark.parametrize(
    ('memory', 'mib'),
    [(2048, 2048), ('2048', 2048), ('512M', 512), ('8G', 8192), ('8g', 8192), ('1.5G', 1536),
     ('1T', 1024**2), ('0.1M', 1), ('0.0001G', 1)],
)  # fmt: skip
def test_memory_is_binary_mib(memory: object, mib: int):
    doc = _doc()
    _second(doc)['memory'] = memory
    assert inventory.parse(doc, 'x.yaml')[1].memory == mib


@pytest.mark.parametrize(
    ('size', 'size_bytes'),
    [(1234, 1234), ('1234', 1234), ('1.5K', 1500), ('480G', 480 * GB), ('1.92T', 1_920 * GB),
     ('16T', 16_000 * GB), ('2m', 2_000_000), ('0.0001K', 1)],
)  # fmt: skip
def test_disk_sizes_are_decimal_bytes(size: object, size_bytes: int):
    doc = _doc()
    _second(doc)['disks'] = [{'name': 'sda', 'size': size}]
    assert inventory.parse(doc, 'x.yaml')[1].disks[0].size == size_bytes


def test_empty_machine_list_is_an_empty_pool():
    assert inventory.parse({'machines': []}, 'x.yaml') == []


def test_identical_tag_sets_and_disks_are_shared():
    machines = inventory.parse(_doc(), 'x.yaml')
    assert machines[0].tags is machines[2].tags
    assert machines[0].disks is machines[1].disks


# -- rejections -----------------------------------------------------------------------------------


def _set(field: str, value: object) -> Callable[[dict[str, object]], None]:
    def change(doc: dict[str, object]) -> None:
        _second(doc)[field] = value

    return change


def _delete(field: str) -> Callable[[dict[str, object]], None]:
    def change(doc: dict[str, object]) -> None:
        del _second(doc)[field]

    return change


def _disks(*disks: dict[str, object]) -> Callable[[dict[str, object]], None]:
    return _set('disks', list(disks))


def _both_ids(doc: dict[str, object]) -> None:
    for entry in doc['machines'][:2]:  # type: ignore[index]
        entry['system_id'] = 'abc123'


def _not_a_mapping(doc: dict[str, object]) -> None:
    doc['machines'][1] = 'node-02'  # type: ignore[index]


SDA = {'name': 'sda', 'size': '480G'}
M2 = 'bad.yaml: machine 2 (node-02): '

BAD_MACHINES = [
    ('missing hostname', _delete('hostname'), 'bad.yaml: machine 2: hostname: required'),
    ('bad hostname', _set('hostname', 'Node_2'),
     'bad.yaml: machine 2 (Node_2): hostname: must be 1-63 lowercase letters, digits and inner '
     "hyphens (the MAAS hostname rule), got 'Node_2'"),
    ('bad system_id', _set('system_id', 'ABC'),
     M2 + "system_id: must be 6 lowercase letters or digits, got 'ABC'"),
    ('bad arch', _set('arch', 'x86'),
     M2 + 'arch: must be one of amd64, arm64, ppc64el, s390x, riscv64, optionally with a '
     "/subarchitecture, got 'x86'"),
    ('cores 0', _set('cores', 0),
     M2 + 'cores: Input should be greater than or equal to 1, got 0'),
    ('cores eight', _set('cores', 'eight'),
     M2 + "cores: Input should be a valid integer, got 'eight'"),
    ('cores bool', _set('cores', True), M2 + 'cores: Input should be a valid integer, got True'),
    ('missing memory', _delete('memory'), M2 + 'memory: required'),
    ('bad memory', _set('memory', '8GB'),
     M2 + "memory: must be MiB or a size with an M/G/T suffix (1G = 1024 MiB), got '8GB'"),
    ('zero memory', _set('memory', '0G'), M2 + "memory: must be at least 1 MiB, got '0G'"),
    ('no disks', _disks(), M2 + 'disks: must list at least one disk, got []'),
    ('bad disk size', _disks(SDA, {'name': 'sdb', 'size': '12X'}),
     M2 + 'disks[1].size: must be bytes or a size with a K/M/G/T suffix (1G = 10^9 bytes), '
     "got '12X'"),
    ('zero disk size', _disks({'name': 'sda', 'size': 0}),
     M2 + 'disks[0].size: must be at least 1 byte, got 0'),
    ('two boot disks', _disks({**SDA, 'boot': True}, {'name': 'sdb', 'size': 1, 'boot': True}),
     M2 + 'disks: at most one disk can be the boot disk, got 2 (sda, sdb)'),
    ('duplicate disk names', _disks(SDA, SDA),
     M2 + "disks: disk name 'sda' is used twice; names must be unique"),
    ('bad disk name', _disks({'name': '/dev/sda', 'size': 1}),
     M2 + "disks[0].name: must be a kernel device name such as sda or nvme0n1, got '/dev/sda'"),
    ('bad disk tag', _disks({**SDA, 'tags': ['ssd', 'fast disk']}),
     M2 + 'disks[0].tags[1]: must be a MAAS tag name: 1-256 letters, digits, "-" or "_", '
     "got 'fast disk'"),
    ('unknown disk key', _disks({**SDA, 'type': 'ssd'}),
     M2 + 'disks[0].type: unknown field; expected one of name, size, tags, boot'),
    ('bad tag', _set('tags', ['gpu', 'a,b']),
     M2 + 'tags[1]: must be a MAAS tag name: 1-256 letters, digits, "-" or "_", got \'a,b\''),
    ('tag too long', _set('tags', ['x' * 257]), M2 + 'tags[0]: must be a MAAS tag name'),
    ('tags not a list', _set('tags', 'gpu'), M2 + "tags: Input should be a valid list, got 'gpu'"),
    ('unknown key', _set('colour', 'blue'),
     M2 + 'colour: unknown field; expected one of hostname, system_id, arch, cores, memory, '
     'disks, tags, zone, pool, power_type, power_parameters, address, interfaces, status, owner, '
     'previous_status, status_message'),
    ('bad zone', _set('zone', 'zone a'),
     M2 + "zone: must be 1-256 letters, digits, \"-\" or \"_\", got 'zone a'"),
    ('bad power type', _set('power_type', 'ipmi2'), M2 + 'power_type: must be a MAAS power type'),
    ('power parameter not a string', _set('power_parameters', {'power_port': 623}),
     M2 + 'power_parameters.power_port: Input should be a valid string, got 623'),
    ('bad address', _set('address', '10.0.0.256'),
     M2 + "address: must be an IPv4 or IPv6 address, got '10.0.0.256'"),
    ('bad status', _set('status', 'Sleeping'),
     M2 + "status: unknown machine status 'Sleeping'; expected one of 'New'"),
    ('status number', _set('status', 4),
     M2 + 'status: must be a MAAS status label such as "Ready", got 4'),
    ('owner of a Ready machine', _set('owner', 'admin'),
     M2 + "owner: a Ready machine has no owner, got 'admin'"),
    ('previous status not Broken', _set('previous_status', 'Deployed'),
     M2 + "previous_status: only a Broken machine has one, got 'Deployed' on a Ready machine"),
    ('duplicate hostname', _set('hostname', 'node-01'),
     'bad.yaml: duplicate hostname "node-01" (machines 1 and 2)'),
    ('duplicate system_id', _both_ids,
     'bad.yaml: duplicate system_id "abc123" (machines 1 and 2)'),
    ('not a mapping', _not_a_mapping,
     "bad.yaml: machine 2: expected a mapping describing a machine, got 'node-02'"),
]  # fmt: skip


@pytest.mark.parametrize(
    ('change', 'expected'),
    [pytest.param(change, expected, id=name) for name, change, expected in BAD_MACHINES],
)
def test_bad_machine_is_one_error_naming_file_machine_and_field(
    change: Callable[[dict[str, object]], None], expected: str
):
    doc = _doc()
    inventory.parse(doc, 'bad.yaml')  # the document is valid until the change
    change(doc)
    message = _error(doc)
    assert message.startswith(expected)
    assert '(and' not in message  # exactly one problem in each case


def test_system_id_cannot_be_another_machines_hostname():
    doc = _doc()
    _second(doc)['system_id'] = 'node03'
    doc['machines'][2]['hostname'] = 'node03'  # type: ignore[index]
    assert _error(doc) == (
        "bad.yaml: machine 2 (node-02): system_id: 'node03' is the hostname of machine 3; "
        'a reference must name exactly one machine'
    )


def test_bad_machine_reads_the_same_from_a_file(tmp_path: Path):
    for _name, change, expected in BAD_MACHINES:
        doc = _doc()
        change(doc)
        path = tmp_path / 'bad.yaml'
        path.write_text(yaml.safe_dump(doc))
        with pytest.raises(InventoryError) as info:
            inventory.load(path)
        assert str(info.value).startswith(expected.replace('bad.yaml', str(path), 1))
        assert str(info.value) == _error(doc, str(path))


@pytest.mark.parametrize(
    ('data', 'expected'),
    [
        (['node-01'], 'bad.yaml: expected a mapping with a "machines" list, got a list'),
        (None, 'bad.yaml: expected a mapping with a "machines" list, got an empty document'),
        ({}, 'bad.yaml: expected a mapping with a "machines" list, got no "machines" key'),
        ({'machines': {'node-01': {}}},
         'bad.yaml: expected a mapping with a "machines" list, got machines: {\'node-01\': {}}'),
        ({'machines': [], 'zones': []},
         'bad.yaml: unknown top-level key \'zones\'; expected a mapping with a "machines" list'),
    ],
)  # fmt: skip
def test_bad_document(data: object, expected: str):
    assert _error(data) == expected


def _rename(entry: dict[str, object], old: str, new: str) -> None:
    entry[new] = entry.pop(old)


@pytest.mark.parametrize(
    ('change', 'expected'),
    [
        (lambda d: _rename(d, 'machines', 'machine'),
         'bad.yaml: unknown top-level key \'machine\' (did you mean "machines"?)'),
        (lambda d: d.update({'subnet': []}),
         'bad.yaml: unknown top-level key \'subnet\' (did you mean "subnets"?)'),
        (lambda d: _rename(d['machines'][1], 'memory', 'memroy'),
         'bad.yaml: machine 2 (node-02): memroy: unknown field (did you mean "memory"?) '
         '(and 1 more problem)'),
        (lambda d: _rename(d['machines'][1], 'hostname', 'hostnme'),
         'bad.yaml: machine 2: hostnme: unknown field (did you mean "hostname"?) '
         '(and 1 more problem)'),
        (lambda d: _rename(d['machines'][1]['disks'][0], 'tags', 'tag'),
         'bad.yaml: machine 2 (node-02): disks[0].tag: unknown field (did you mean "tags"?)'),
        (lambda d: d.update({'storage-pools': {'ssd': {'provder': 'maas'}}}),
         'bad.yaml: storage-pools: ssd: unknown key \'provder\' (did you mean "provider"?)'),
        (lambda d: d.update({'subnets': [{'cidr': '10.0.0.0/24', 'spcae': 'oam'}]}),
         'bad.yaml: subnets[0].spcae: unknown field (did you mean "space"?)'),
    ],
)  # fmt: skip
def test_a_typo_of_a_key_names_the_key_it_was_meant_to_be(
    tmp_path: Path, change: Callable[[Any], None], expected: str
):
    doc = _doc()
    change(doc)
    path = tmp_path / 'bad.yaml'
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    with pytest.raises(InventoryError) as info:
        inventory.load(path)
    assert str(info.value) == expected.replace('bad.yaml', str(path), 1)


def test_several_problems_report_the_first_and_count_the_rest():
    doc = _doc()
    machines = doc['machines']
    machines[2]['cores'] = 0  # type: ignore[index]
    machines[1]['hostname'] = 'node-01'  # type: ignore[index]
    machines[1]['memory'] = 'lots'  # type: ignore[index]
    assert _error(doc) == (
        'bad.yaml: machine 2 (node-01): memory: must be MiB or a size with an M/G/T suffix '
        "(1G = 1024 MiB), got 'lots' (and 2 more problems)"
    )
    del machines[2]['cores']  # type: ignore[index]
    machines[1]['memory'] = '8G'  # type: ignore[index]
    assert _error(doc) == (
        'bad.yaml: duplicate hostname "node-01" (machines 1 and 2) (and 1 more problem)'
    )


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('machines:\n  - hostname: n1\n    cores: [4\n',
         "bad.yaml: not valid YAML: did not find expected ',' or ']' (line 4, column 1)"),
        ('machines:\n  - hostname: n1\n    cores: 4\n  cores: 5\n',
         "bad.yaml: not valid YAML: did not find expected '-' indicator (line 4, column 3)"),
        ('machines:\n  - hostname: n1\n    cores: 4\n    cores: 8\n',
         "bad.yaml: not valid YAML: found duplicate key 'cores' (line 4, column 5)"),
        ('machines: []\nmachines: []\n',
         "bad.yaml: not valid YAML: found duplicate key 'machines' (line 2, column 1)"),
        ('machines: []\n---\nmachines: []\n',
         'bad.yaml: not valid YAML: expected a single document, but found another document '
         '(line 2, column 1)'),
        ('', 'bad.yaml: expected a mapping with a "machines" list, got an empty document'),
        ('- node-01\n', 'bad.yaml: expected a mapping with a "machines" list, got a list'),
        ('nodes: []\n',
         'bad.yaml: unknown top-level key \'nodes\'; expected a mapping with a "machines" list'),
        ('machines: 3\n', 'bad.yaml: expected a mapping with a "machines" list, got machines: 3'),
        ('machines:\n', 'bad.yaml: expected a mapping with a "machines" list, got machines: None'),
    ],
)  # fmt: skip
def test_bad_file(tmp_path: Path, text: str, expected: str):
    path = tmp_path / 'bad.yaml'
    path.write_text(text)
    with pytest.raises(InventoryError) as info:
        inventory.load(path)
    message = str(info.value).replace(str(path), 'bad.yaml')
    assert message.startswith(expected)
    if 'not valid YAML' in expected:
        assert re.search(r'\(line \d+, column \d+\)$', message)


def test_missing_file(tmp_path: Path):
    path = tmp_path / 'lab.yaml'
    with pytest.raises(InventoryError) as info:
        inventory.load(path)
    assert str(info.value) == f'{path}: no such file'


def test_not_utf8(tmp_path: Path):
    path = tmp_path / 'lab.yaml'
    path.write_bytes(b'machines: [\xff]\n')
    with pytest.raises(InventoryError, match=r'lab\.yaml: not UTF-8 text'):
        inventory.load(path)


# -- system ids -----------------------------------------------------------------------------------


def _ids(*hostnames: str, explicit: dict[str, str] | None = None) -> list[str]:
    entries: list[dict[str, object]] = [
        {'hostname': h, 'cores': 1, 'memory': 1, 'disks': [{'name': 'sda', 'size': 1}]}
        for h in hostnames
    ]
    for entry in entries:
        if explicit and entry['hostname'] in explicit:
            entry['system_id'] = explicit[str(entry['hostname'])]
    return [m.system_id for m in inventory.parse({'machines': entries}, 'x.yaml')]


def test_system_id_is_derived_from_the_hostname_alone():
    first = _ids('node-01', 'node-02')
    assert first == _ids('node-01', 'node-02')
    assert _ids('node-02', 'node-01') == first[::-1]
    assert _ids('other', 'node-02')[1] == first[1]
    assert all(ID_RE.fullmatch(i) for i in first)
    assert first[0] != first[1]


def test_derived_system_ids_are_unique():
    hostnames = [f'host-{i}' for i in range(5000)]
    ids = _ids(*hostnames)
    assert len(set(ids)) == 5000
    assert all(ID_RE.fullmatch(i) for i in ids)


def test_derived_system_id_steps_around_a_taken_one():
    (natural,) = _ids('node-01')
    ids = _ids('node-01', 'node-02', explicit={'node-02': natural})
    assert ids[1] == natural
    assert ids[0] != natural
    assert ID_RE.fullmatch(ids[0])
    assert ids == _ids('node-01', 'node-02', explicit={'node-02': natural})  # deterministic


# -- writing --------------------------------------------------------------------------------------


def _broken() -> Machine:
    disks = (disk('sda', 1920, 'ssd', boot=True), disk('sdb', 500.107862016, 'rotary'))
    m = machine('n1', 8, 1.5, tags=('ssd',), disks=disks, status=Status.BROKEN, owner='admin')
    return dataclasses.replace(
        m,
        system_id='abc123',
        power_type='ipmi',
        power_parameters={'power_address': '10.0.0.1', 'power_pass': 'hunter2'},
        previous_status=Status.DEPLOYED,
        status_message='Broken: fan failure',
    )


def test_to_record_masks_power_pass():
    m = _broken()
    record = inventory.to_record(m)
    assert record['power_parameters'] == {'power_address': '10.0.0.1', 'power_pass': '********'}
    assert 'hunter2' not in repr(record)
    assert inventory.to_record(m, secrets=True)['power_parameters'] == dict(m.power_parameters)
    assert inventory.to_document([m])['machines'] == [inventory.to_record(m, secrets=True)]
    assert 'hunter2' not in repr(inventory.to_document([m], secrets=False))


def test_to_record_format():
    assert inventory.to_record(_broken()) == {
        'hostname': 'n1',
        'system_id': 'abc123',
        'arch': 'amd64/generic',
        'cores': 8,
        'memory': '1536M',
        'disks': [
            {'name': 'sda', 'size': '1.92T', 'tags': ['ssd'], 'boot': True},
            {'name': 'sdb', 'size': 500_107_862_016, 'tags': ['rotary'], 'boot': False},
        ],
        'tags': ['ssd'],
        'zone': 'zone-a',
        'pool': 'default',
        'power_type': 'ipmi',
        'power_parameters': {'power_address': '10.0.0.1', 'power_pass': '********'},
        'status': 'Broken',
        'owner': 'admin',
        'previous_status': 'Deployed',
        'status_message': 'Broken: fan failure',
    }
    plain = inventory.to_record(machine('n2'))
    assert plain['memory'] == '8G'
    assert 'owner' not in plain
    assert 'power_parameters' not in plain
    assert 'address' not in plain


def test_document_round_trips_exactly(tmp_path: Path):
    loaded = inventory.load_file(LAB)
    machines = [_broken(), *loaded.machines]
    document = inventory.to_document(machines, network=loaded.network)
    assert inventory.parse(document, 'x') == machines
    path = tmp_path / 'out.yaml'
    path.write_text(inventory.dump_yaml(document))
    assert inventory.load_file(path).machines == machines
    assert inventory.load_file(path).network == loaded.network


def test_dump_yaml_writes_long_lists_in_slices_with_the_same_text():
    document = inventory.to_document(inventory.generate(2100, 5))
    text = inventory.dump_yaml(document)
    assert text == yaml.safe_dump(document, sort_keys=False, default_flow_style=None)
    assert text.startswith('machines:\n- hostname: node-0001\n')
    with_network = inventory.to_document(
        inventory.generate(1500, 5), network=inventory.GENERATED_NETWORK
    )
    text = inventory.dump_yaml(with_network)
    assert text == yaml.safe_dump(with_network, sort_keys=False, default_flow_style=None)
    assert text.startswith('spaces: [internal, oam, storage]\nsubnets:\n')
    assert inventory.dump_yaml({'b': 1, 'a': [1, 2]}) == 'b: 1\na: [1, 2]\n'


# -- the generator --------------------------------------------------------------------------------


def test_generate_is_deterministic_by_seed():
    assert inventory.generate(300, 7) == inventory.generate(300, 7)
    assert inventory.generate(300, 7) != inventory.generate(300, 8)
    assert inventory.generate(0, 1) == []


def test_generate_round_trips():
    generated = inventory.generate(200, 1)
    document = inventory.to_document(generated, network=inventory.GENERATED_NETWORK)
    assert inventory.parse(document, 'g') == generated


def test_generate_is_heterogeneous():
    machines = inventory.generate(2000, 3)
    assert [m.hostname for m in machines[:2]] == ['node-0001', 'node-0002']
    assert machines[-1].hostname == 'node-2000'
    assert {m.zone for m in machines} == {'zone-a', 'zone-b', 'zone-c'}
    pools = collections.Counter(m.pool for m in machines)
    assert set(pools) == {'default', 'storage'}
    assert pools['default'] > 5 * pools['storage']
    tags = collections.Counter(t for m in machines for t in m.tags)
    assert {'ssd', 'nvme', 'hdd', 'gpu', 'sriov'} <= set(tags)
    assert 0.02 < tags['gpu'] / len(machines) < 0.09
    assert {m.arch for m in machines} >= {'amd64/generic', 'arm64/generic'}
    assert {len(m.disks) for m in machines} == {1, 2, 3, 4, 5, 6}
    assert {t for m in machines for d in m.disks for t in d.tags} == {'ssd', 'nvme', 'rotary'}
    assert len({m.cores for m in machines}) >= 8
    assert min(m.memory for m in machines) >= 8 * 1024
    assert max(m.memory for m in machines) <= 1024 * 1024
    assert all(m.status is Status.READY and m.owner is None for m in machines)
    assert all([d.boot for d in m.disks] == [True] + [False] * (len(m.disks) - 1)
               for m in machines)  # fmt: skip
    assert all(m.power_type == 'ipmi' and m.power_parameters['power_pass'] for m in machines)
    assert len({m.system_id for m in machines}) == len({m.address for m in machines}) == 2000


def test_generate_keeps_shapes_bounded_and_shares_objects():
    machines = inventory.generate(20_000, 11)
    shapes = {(m.arch, m.cores, m.memory) for m in machines}
    assert 10 <= len(shapes) <= 60
    assert shapes == {(m.arch, m.cores, m.memory) for m in inventory.generate(20_000, 12)}
    assert len({m.zone for m in machines}) == 6  # big pools span more zones
    assert len({id(m.tags) for m in machines}) == len({m.tags for m in machines}) < 40
    assert len({id(m.disks) for m in machines}) == len({m.disks for m in machines}) < 200


def test_generate_prefix_and_bad_arguments():
    assert [m.hostname for m in inventory.generate(3, 1, prefix='rack1')] == [
        'rack1-01', 'rack1-02', 'rack1-03']  # fmt: skip
    with pytest.raises(ValueError, match='count'):
        inventory.generate(-1, 1)
    with pytest.raises(ValueError, match='prefix'):
        inventory.generate(3, 1, prefix='Rack_1')


# -- networks -------------------------------------------------------------------------------------

_SUBNETS = [
    {'cidr': '10.0.0.0/24', 'name': 'oam', 'space': 'oam'},
    {'cidr': '10.0.1.0/24', 'space': 'storage', 'fabric': 'fabric-1', 'vid': 30},
]


def _networked(**machine_fields: object) -> dict[str, object]:
    entry: dict[str, object] = {
        'hostname': 'n1',
        'cores': 4,
        'memory': '8G',
        'disks': [{'name': 'sda', 'size': '240G'}],
        'interfaces': [
            {'name': 'eno1', 'links': [{'subnet': 'oam', 'ip': '10.0.0.5'}]},
            {'name': 'eno2'},
            {'name': 'eno3'},
            {'name': 'bond0', 'type': 'bond', 'parents': ['eno2', 'eno3']},
            {'name': 'bond0.30', 'type': 'vlan', 'parents': ['bond0'], 'vid': 30,
             'links': [{'subnet': '10.0.1.0/24', 'ip': '10.0.1.5'}]},
        ],
    }  # fmt: skip
    entry.update(machine_fields)
    return {'subnets': _SUBNETS, 'machines': [entry]}


def test_a_machine_with_nics_reaches_its_links_spaces():
    (m,) = inventory.parse(_networked(), 'x.yaml')
    assert m.address == '10.0.0.5'
    assert m.spaces == {'oam', 'storage'}
    bond = m.interfaces[3]
    assert (bond.type, bond.parents, bond.mac) == ('bond', ('eno2', 'eno3'), m.interfaces[1].mac)
    vlan = m.interfaces[4]
    assert vlan.links[0].space == 'storage' and vlan.links[0].prefixlen == 24


def _nics(*changes: tuple[int, str, object]) -> list[dict[str, object]]:
    nics = cast(list[dict[str, object]], _networked()['machines'][0]['interfaces'])  # pyright: ignore[reportIndexIssue]
    nics = [dict(n) for n in nics]
    for index, key, value in changes:
        nics[index][key] = value
    return nics


@pytest.mark.parametrize(
    ('document', 'message'),
    [
        (
            _networked(
                interfaces=_nics((0, 'links', [{'subnet': '10.9.0.0/24', 'ip': '10.9.0.1'}]))
            ),
            'x.yaml: machine 1 (n1): interfaces[0].links[0].subnet: unknown subnet '
            "'10.9.0.0/24'; the file declares 10.0.0.0/24, 10.0.1.0/24",
        ),
        (
            _networked(interfaces=_nics((0, 'links', [{'subnet': 'oam', 'ip': '10.0.1.9'}]))),
            'x.yaml: machine 1 (n1): interfaces[0].links[0].ip: 10.0.1.9 is not in subnet '
            '10.0.0.0/24',
        ),
        (
            _networked(interfaces=_nics((4, 'vid', 40))),
            'x.yaml: machine 1 (n1): interfaces[4].links[0].subnet: 10.0.1.0/24 is on VLAN 30, '
            "not on this interface's VLAN 40",
        ),
        (
            _networked(interfaces=_nics((3, 'parents', ['eno2', 'bond0.30']))),
            'x.yaml: machine 1 (n1): interfaces: bond0: a bond needs one or more physical parents',
        ),
        (
            _networked(interfaces=_nics((1, 'name', 'eno1'))),
            "x.yaml: machine 1 (n1): interfaces: interface name 'eno1' is used "
            'twice; names must be unique',
        ),
        (
            _networked(interfaces=_nics((0, 'links', [{'subnet': 'oam'}]))),
            'x.yaml: machine 1 (n1): interfaces: eno1: links[0]: a static link needs an ip',
        ),
        (
            _networked(address='10.0.0.99'),
            'x.yaml: machine 1 (n1): address: 10.0.0.99 is not an IP of any of its interfaces',
        ),
    ],
)
def test_a_bad_network_is_one_error_naming_machine_and_field(
    document: dict[str, object], message: str
):
    with pytest.raises(InventoryError) as caught:
        inventory.parse(document, 'x.yaml')
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ('subnets', 'message'),
    [
        (
            [{'cidr': '10.0.0.0/16'}, {'cidr': '10.0.1.0/24'}],
            'x.yaml: subnets[1].cidr: 10.0.1.0/24 overlaps subnet 10.0.0.0/16',
        ),
        (
            [{'cidr': '10.0.0.1/24'}],
            'x.yaml: subnets[0].cidr: must be a network in CIDR form (10.0.0.0/24), got '
            "'10.0.0.1/24'",
        ),
        (
            [{'cidr': '10.0.0.0/24', 'space': 'Storage_Net'}],
            'x.yaml: subnets[0].space: must be a space name Juju can use (lower-case letters, '
            'digits and single hyphens, not "alpha" or "undefined"), got \'Storage_Net\'',
        ),
        (
            [{'cidr': '10.0.0.0/24', 'space': 'a'}, {'cidr': '10.0.1.0/24', 'space': 'b'}],
            "x.yaml: subnets[1].space: 10.0.1.0/24 is on fabric 'fabric-0' VLAN 0 with "
            '10.0.0.0/24, which is in space "a"; MAAS keeps the space on the VLAN, so its '
            'subnets share one',
        ),
        (
            [{'cidr': '10.0.0.0/24', 'gateway': '10.0.9.1'}],
            'x.yaml: subnets[0].gateway: 10.0.9.1 is not in 10.0.0.0/24',
        ),
    ],
)
def test_a_bad_subnet_is_one_error_naming_it(subnets: list[object], message: str):
    with pytest.raises(InventoryError) as caught:
        inventory.parse({'subnets': subnets, 'machines': []}, 'x.yaml')
    assert str(caught.value) == message


def test_an_address_used_twice_in_the_file_is_refused():
    one = cast(list[dict[str, object]], _networked()['machines'])[0]
    two = dict(one, hostname='n2')
    with pytest.raises(InventoryError, match=r'machine 2 \(n2\): interfaces\[0\]\.links\[0\]\.ip: '
                       r'10\.0\.0\.5 is already the address of n1'):  # fmt: skip
        inventory.parse({'subnets': _SUBNETS, 'machines': [one, two]}, 'x.yaml')


def test_disk_identity_is_checked():
    document = _networked(disks=[{'name': 'sda', 'size': '240G', 'wwn': 'naa'}])
    with pytest.raises(InventoryError, match=r'disks\[0\]\.wwn: must be a WWN as lsblk shows it'):
        inventory.parse(document, 'x.yaml')

"""MAAS's storage constraint: grammar and disk-picking rule."""

import pytest
from builders import disk, machine

from orchestrator.cloud import GB, RequestError, storage


def test_parse_items_labels_sizes_and_tags():
    items = storage.parse('root:100,data:50(ssd),1.5(ssd,nvme)')
    assert [(i.label, i.size, sorted(i.tags)) for i in items] == [
        ('root', 100 * GB, []),
        ('data', 50 * GB, ['ssd']),
        ('2', int(1.5 * GB), ['nvme', 'ssd']),
    ]
    assert items[1].text == 'data:50(ssd)'


@pytest.mark.parametrize(
    'value',
    [
        '',
        'root',
        'root:',
        'root:10,',
        ',root:10',
        'root:10 data:5',
        'a:1(x',
        'r:1..2',
        'root:10;data:5',
        'a:1,a:2',
        '-5',
    ],
)
def test_malformed_uses_maas_message(value: str):
    with pytest.raises(RequestError) as info:
        storage.parse(value)
    assert str(info.value) == f'storage: Malformed storage constraint, "{value}".'


def test_first_item_is_the_root_device():
    m = machine('n1', disks=(disk('sda', 200, 'ssd', boot=True), disk('sdb', 4000)))
    assert storage.match(storage.parse('root:150(ssd)'), m) == {'root': 'sda'}
    # The large disk is not the root device, so it cannot satisfy the root item.
    assert storage.match(storage.parse('root:1000'), m) is None
    assert storage.match(storage.parse('root:100(nvme)'), m) is None


def test_boot_flag_names_the_root_device():
    m = machine('n1', disks=(disk('sda', 4000), disk('nvme0n1', 500, 'nvme', boot=True)))
    assert storage.match(storage.parse('root:400(nvme)'), m) == {'root': 'nvme0n1'}


def test_other_items_take_the_smallest_fitting_unused_disk():
    m = machine(
        'n1',
        disks=(
            disk('sda', 100, boot=True),
            disk('sdb', 2000),
            disk('sdc', 500),
            disk('sdd', 1000),
        ),
    )
    assert storage.match(storage.parse('root:0,a:400'), m) == {'root': 'sda', 'a': 'sdc'}
    assert storage.match(storage.parse('root:0,a:400,b:400'), m) == {
        'root': 'sda',
        'a': 'sdc',
        'b': 'sdd',
    }
    assert storage.match(storage.parse('root:0,a:400,b:400,c:400,d:1'), m) is None


def test_most_specific_items_are_matched_first():
    m = machine(
        'n1',
        disks=(
            disk('sda', 100, boot=True),
            disk('sdb', 500, 'ssd'),
            disk('sdc', 900),
        ),
    )
    # In written order, 'a' would take the small ssd and leave 'b' nothing; MAAS sorts by tags.
    assert storage.match(storage.parse('root:0,a:400,b:400(ssd)'), m) == {
        'root': 'sda',
        'b': 'sdb',
        'a': 'sdc',
    }


def test_no_disk_serves_two_items_and_root_is_never_reused():
    m = machine('n1', disks=(disk('sda', 1000, boot=True), disk('sdb', 1000)))
    assert storage.match(storage.parse('root:10,a:10'), m) == {'root': 'sda', 'a': 'sdb'}
    assert storage.match(storage.parse('root:10,a:10,b:10'), m) is None

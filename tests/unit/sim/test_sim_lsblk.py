"""lsblk on simulated machines: the pool's disks, as util-linux prints them in JSON."""

from __future__ import annotations

import json

import pytest

from orchestrator.sim import BlockDevice, SimError, World

TB = 1_000_204_886_016


@pytest.fixture
def host():
    world = World()
    return world.add_machine(
        '0',
        hostname='node-0',
        addresses=['10.0.0.10'],
        disks=[
            BlockDevice('sda', 480_103_981_056, boot=True),
            BlockDevice('sdb', TB, rotational=True),
            BlockDevice('nvme0n1', 1_920_383_410_176),
        ],
    )


def lsblk(host, *args: str):
    done = host.run(['lsblk', *args], check=False)
    return done, (json.loads(done.stdout) if done.stdout else None)


def test_json_lists_every_disk_with_the_boot_disk_partitioned(host):
    done, data = lsblk(host, '--json', '--bytes')
    assert done.returncode == 0
    assert done.stdout.startswith('{\n   "blockdevices": [')
    names = [d['name'] for d in data['blockdevices']]
    assert names == ['sda', 'sdb', 'nvme0n1']
    sda, sdb, nvme = data['blockdevices']
    assert set(sda) == {'name', 'maj:min', 'rm', 'size', 'ro', 'type', 'mountpoints', 'children'}
    assert [(p['name'], p['mountpoints']) for p in sda['children']] == [
        ('sda1', ['/boot/efi']),
        ('sda2', ['/']),
    ]
    assert sdb == {
        'name': 'sdb',
        'maj:min': '8:16',
        'rm': False,
        'size': TB,
        'ro': False,
        'type': 'disk',
        'mountpoints': [None],
    }
    assert nvme['maj:min'].startswith('259:')


def test_output_columns_paths_nodeps_and_human_sizes(host):
    _, data = lsblk(host, '-J', '-p', '-d', '-o', 'NAME,SIZE,ROTA,FSTYPE,TYPE')
    assert data['blockdevices'][1] == {
        'name': '/dev/sdb',
        'size': '931.5G',
        'rota': True,
        'fstype': None,
        'type': 'disk',
    }
    assert all('children' not in d for d in data['blockdevices'])
    assert data['blockdevices'][0]['size'] == '447.1G'


def test_named_devices_and_a_missing_one(host):
    done, data = lsblk(host, '--json', '-o', 'PATH', '/dev/sdb')
    assert data == {'blockdevices': [{'path': '/dev/sdb'}]}
    done, _ = lsblk(host, '--json', '/dev/sdz')
    assert (done.returncode, done.stderr) == (32, 'lsblk: /dev/sdz: not a block device\n')
    done, _ = lsblk(host, '--json', '-o', 'NAME,BOGUS')
    assert (done.returncode, done.stderr) == (1, 'lsblk: unknown column: bogus\n')


def test_tabular_output_is_not_emulated(host):
    with pytest.raises(SimError, match='not emulated'):
        host.run(['lsblk'])


def test_disks_survive_a_dump_and_load(host):
    world = host.world
    again = World()
    again.load_machine('0', world.dump_machine('0'))
    assert again.host('0').block_devices == host.block_devices
    assert [d.name for d in again.host('0').block_devices] == ['sda', 'sdb', 'nvme0n1']

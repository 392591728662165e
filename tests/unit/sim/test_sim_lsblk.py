"""lsblk on simulated machines: the pool's disks, as util-linux prints them in JSON."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from orchestrator.sim import BlockDevice, SimError, World
from orchestrator.sim.host import disk_identity, maas_id_path
from orchestrator.sim.programs.lsblk import json_text

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
    # sd disks 16 minors each on major 8 by their letter; NVMe on the dynamic major 259
    assert (sda['maj:min'], sdb['maj:min'], nvme['maj:min']) == ('8:0', '8:16', '259:0')
    assert [p['maj:min'] for p in sda['children']] == ['8:1', '8:2']


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
    # the table is printed anyway, empty (checked against util-linux 2.38.1's lsblk)
    assert done.stdout == '{\n   "blockdevices": [\n\n   ]\n}\n'
    done, _ = lsblk(host, '--json', '-o', 'NAME,BoGuS')
    assert (done.returncode, done.stderr) == (1, 'lsblk: unknown column: BoGuS\n')


def test_tabular_output_is_not_emulated(host):
    with pytest.raises(SimError, match='not emulated'):
        host.run(['lsblk'])


def test_disks_survive_a_dump_and_load(host):
    world = host.world
    again = World()
    again.load_machine('0', world.dump_machine('0'))
    assert again.host('0').block_devices == host.block_devices
    assert [d.name for d in again.host('0').block_devices] == ['sda', 'sdb', 'nvme0n1']


def test_serial_wwn_and_id_link_as_udev_names_them(host):
    _, data = lsblk(host, '--json', '-o', 'NAME,MODEL,SERIAL,WWN,ID-LINK')
    sda, sdb, nvme = data['blockdevices']
    assert sdb['model'] == 'SIMULATED DISK'
    assert sdb['serial'].startswith('SIM')
    assert sdb['wwn'].startswith('0x5') and len(sdb['wwn']) == 18
    # the shortest of ata-SIMULATED_DISK_<serial> and wwn-<wwn>
    assert sdb['id-link'] == f'wwn-{sdb["wwn"]}'
    assert nvme['wwn'].startswith('eui.')
    assert nvme['id-link'] == f'nvme-{nvme["wwn"]}'
    # partitions: no MODEL or SERIAL of their own, their disk's WWN and -partN links
    assert sda['children'][1] == {
        'name': 'sda2',
        'model': None,
        'serial': None,
        'wwn': sda['wwn'],
        'id-link': f'{sda["id-link"]}-part2',
    }


def test_a_by_id_link_lists_the_device_it_points_to(host):
    _, data = lsblk(host, '--json', '-o', 'NAME,WWN')
    wwn = data['blockdevices'][1]['wwn']
    done, data = lsblk(
        host, '--json', '--bytes', '-o', 'NAME,PATH,SIZE', f'/dev/disk/by-id/wwn-{wwn}'
    )
    assert done.returncode == 0
    assert data == {'blockdevices': [{'name': 'sdb', 'path': '/dev/sdb', 'size': TB}]}
    serial = host.disk_identity(host.block_devices[0]).serial
    link = f'/dev/disk/by-id/ata-SIMULATED_DISK_{serial}-part1'
    _, data = lsblk(host, '--json', '-o', 'PATH,MOUNTPOINTS', link)
    assert data == {'blockdevices': [{'path': '/dev/sda1', 'mountpoints': ['/boot/efi']}]}
    done, data = lsblk(host, '--json', '-o', 'PATH', '/dev/disk/by-id/wwn-0x5000000000000000')
    assert (done.returncode, done.stderr) == (
        32,
        'lsblk: /dev/disk/by-id/wwn-0x5000000000000000: not a block device\n',
    )
    done, data = lsblk(host, '--json', '-o', 'PATH', '/dev/sdb', '/dev/sdz')
    assert (done.returncode, data) == (64, {'blockdevices': [{'path': '/dev/sdb'}]})


def test_options_as_getopt_long_reads_them(host):
    """util-linux lsblk.c @ v2.39.3: longopts, "AabdDzE:e:fhJlNnMmo:OpPiI:rstVvST::w:x:y"."""
    done, data = lsblk(host, '-Jbd', '--output=NAME,SIZE', '--pat', '/dev/sdb')
    assert data == {'blockdevices': [{'name': '/dev/sdb', 'size': TB}]}
    try_help = "Try 'lsblk --help' for more information.\n"
    done, _ = lsblk(host, '--json', '--bogus')
    assert (done.returncode, done.stderr) == (
        1,
        "lsblk: unrecognized option '--bogus'\n" + try_help,
    )
    done, _ = lsblk(host, '-JQ')
    assert (done.returncode, done.stderr) == (1, "lsblk: invalid option -- 'Q'\n" + try_help)
    done, _ = lsblk(host, '--json', '--no')
    assert done.stderr.startswith("lsblk: option '--no' is ambiguous; possibilities: '--nodeps'")
    done, _ = lsblk(host, '--json', '-o')
    assert done.stderr == "lsblk: option requires an argument -- 'o'\n" + try_help
    with pytest.raises(SimError, match='not emulated'):
        host.run(['lsblk', '--json', '--fs'])


def test_json_is_laid_out_as_libsmartcols_does(host):
    """lib/jsonwrt.c: three spaces a level, objects in an array joined by '},{', a bare value
    indented one level and a space."""
    done, data = lsblk(host, '--json', '--bytes', '-o', 'NAME,SIZE,MOUNTPOINTS', '/dev/sda')
    assert done.stdout == (
        '{\n'
        '   "blockdevices": [\n'
        '      {\n'
        '         "name": "sda",\n'
        f'         "size": {data["blockdevices"][0]["size"]},\n'
        '         "mountpoints": [\n'
        '             null\n'
        '         ],\n'
        '         "children": [\n'
        '            {\n'
        '               "name": "sda1",\n'
        '               "size": 1073741824,\n'
        '               "mountpoints": [\n'
        '                   "/boot/efi"\n'
        '               ]\n'
        '            },{\n'
        '               "name": "sda2",\n'
        f'               "size": {data["blockdevices"][0]["children"][1]["size"]},\n'
        '               "mountpoints": [\n'
        '                   "/"\n'
        '               ]\n'
        '            }\n'
        '         ]\n'
        '      }\n'
        '   ]\n'
        '}\n'
    )


@pytest.mark.skipif(shutil.which('lsblk') is None, reason='no real lsblk here')
def test_the_layout_is_the_real_lsblks():
    """Differential: re-laying out the real lsblk's JSON gives its very text."""
    for argv in (
        ['lsblk', '--json', '--bytes', '-o', 'NAME,PATH,SIZE,TYPE,MOUNTPOINTS,FSTYPE,ROTA'],
        ['lsblk', '--json'],
        ['lsblk', '--json', '/dev/olm-no-such-device'],
    ):
        real = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
        if real:
            assert json_text(json.loads(real)) == real, argv


def test_the_pools_disk_identity_is_what_lsblk_and_udev_show():
    """Model, serial and WWN the pool recorded; the by-id links systemd 255's
    60-persistent-storage.rules makes from them (ata_id escapes whitespace as ``_``)."""
    world = World()
    sata = BlockDevice(
        'sdb', TB, model='Samsung SSD 870 EVO 1TB', serial='S6PUNX0T123456',
        wwn='0x5002538f4312abcd',
    )  # fmt: skip
    nvme = BlockDevice(
        'nvme0n1', TB, model='SAMSUNG MZQL21T9HCJR-00A07', serial='S64GNE0R600123',
        wwn='eui.36344630526001230025384500000001',
    )  # fmt: skip
    sas = BlockDevice(
        'sdc', TB, model='ST4000NM0023', serial='Z1Z0ABCD', wwn='0x5000c50057d6e8ff',
        id_path='/dev/disk/by-id/scsi-35000c50057d6e8ff',
    )  # fmt: skip
    virtio = BlockDevice('vda', TB, serial='data-1')
    host = world.add_machine(
        '0', hostname='node-0', addresses=['10.0.0.10'], disks=[sata, nvme, sas, virtio]
    )
    _, data = lsblk(host, '--json', '-o', 'NAME,MODEL,SERIAL,WWN,ID-LINK')
    rows = {d['name']: d for d in data['blockdevices']}
    assert rows['sdb'] == {
        'name': 'sdb',
        'model': 'Samsung SSD 870 EVO 1TB',
        'serial': 'S6PUNX0T123456',
        'wwn': '0x5002538f4312abcd',
        'id-link': 'wwn-0x5002538f4312abcd',
    }
    assert host.disk_identity(sata).links == (
        'ata-Samsung_SSD_870_EVO_1TB_S6PUNX0T123456',
        'wwn-0x5002538f4312abcd',
    )
    assert host.disk_identity(nvme).links == (
        'nvme-SAMSUNG_MZQL21T9HCJR-00A07_S64GNE0R600123',
        'nvme-SAMSUNG_MZQL21T9HCJR-00A07_S64GNE0R600123_1',
        'nvme-eui.36344630526001230025384500000001',
    )
    assert rows['nvme0n1']['wwn'] == 'eui.36344630526001230025384500000001'
    # the pool's id_path is a link too, and MAAS's id_path (Juju's location) is the pool's
    assert 'scsi-35000c50057d6e8ff' in host.disk_identity(sas).links
    assert host.disk_identity(sas).device_id == 'scsi-35000c50057d6e8ff'
    assert maas_id_path('node-0', sas) == '/dev/disk/by-id/scsi-35000c50057d6e8ff'
    _, data = lsblk(host, '--json', '-o', 'NAME', '/dev/disk/by-id/scsi-35000c50057d6e8ff')
    assert data == {'blockdevices': [{'name': 'sdc'}]}
    # a virtio disk with a serial: virtio-<serial>; without a model none is reported
    assert host.disk_identity(virtio).links == ('virtio-data-1',)
    assert (rows['vda']['model'], rows['vda']['serial']) == (None, 'data-1')
    # /dev/disk/by-id holds exactly these links, and they exist
    assert host.listdir('/dev/disk/by-id') == host.by_id_links()
    assert host.exists('/dev/disk/by-id/virtio-data-1')
    assert not host.exists('/dev/disk/by-id/virtio-data-2')


def test_a_disk_without_recorded_identity_is_derived_as_before():
    named = disk_identity('node-0', 'sdb')
    assert disk_identity('node-0', BlockDevice('sdb', TB)) == named
    assert named.model == 'SIMULATED DISK' and named.serial.startswith('SIM')
    assert maas_id_path('node-0', BlockDevice('sdb', TB)) == maas_id_path('node-0', 'sdb')
    assert maas_id_path('node-0', 'sdb') == f'/dev/disk/by-id/{named.device_id}'
    # a serial alone: the model and WWN are still derived
    partly = disk_identity('node-0', BlockDevice('sdb', TB, serial='X1'))
    assert partly.links == ('ata-SIMULATED_DISK_X1', f'wwn-{named.wwn}')
    assert maas_id_path('node-0', BlockDevice('vdb', TB)) == '/dev/vdb'
    assert BlockDevice.from_json(BlockDevice('sdb', TB).to_json()) == BlockDevice('sdb', TB)
    assert set(BlockDevice('sdb', TB).to_json()) == {'name', 'size', 'boot', 'rotational'}

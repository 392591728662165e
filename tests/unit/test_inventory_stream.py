"""A pool file read as a stream: the same machines and messages as read whole, in flat memory."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from orchestrator.cloud import InventoryError, inventory

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'


def _whole(path: Path) -> list[object]:
    """The machines as a document read whole gives them (``parse`` of ``safe_load``)."""
    return list(inventory.parse(yaml.safe_load(path.read_text()), str(path)))


def _message(path: Path) -> str:
    with pytest.raises(InventoryError) as info:
        inventory.load(path)
    return str(info.value)


def _generated(path: Path, count: int, *, network_last: bool = False) -> Path:
    machines = inventory.generate(count, seed=7)
    document = inventory.to_document(machines, network=inventory.GENERATED_NETWORK)
    if network_last:
        document = {'machines': document.pop('machines'), **document}
    path.write_text(inventory.dump_yaml(document))
    return path


def test_spaces_and_subnets_after_the_machines_read_as_before_them(tmp_path: Path):
    first = inventory.load_file(_generated(tmp_path / 'first.yaml', 40))
    last = inventory.load_file(_generated(tmp_path / 'last.yaml', 40, network_last=True))
    assert (tmp_path / 'last.yaml').read_text().startswith('machines:')
    assert last.machines == first.machines
    assert last.network == first.network
    assert {space for m in last.machines for space in m.spaces} == {'oam', 'internal', 'storage'}


def test_a_link_after_which_the_subnets_come_is_checked_against_them(tmp_path: Path):
    pool = tmp_path / 'pool.yaml'
    pool.write_text(
        'machines:\n'
        '- {hostname: n1, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}],\n'
        '   interfaces: [{name: eno1, links: [{subnet: 10.9.0.0/24, ip: 10.9.0.5}]}]}\n'
        'subnets: [{cidr: 10.0.0.0/24, space: oam}]\n'
    )
    assert _message(pool) == (
        f'{pool}: machine 1 (n1): interfaces[0].links[0].subnet: unknown subnet '
        "'10.9.0.0/24'; the file declares 10.0.0.0/24"
    )


def test_a_derived_system_id_avoids_the_id_of_a_later_machine(tmp_path: Path):
    """System ids derive against every id of the file, as when it is read whole."""
    alone = {'hostname': 'n1', 'cores': 1, 'memory': '1G', 'disks': [{'name': 'sda', 'size': 1}]}
    plain = inventory.parse({'machines': [alone]}, 'x')[0].system_id
    pool = tmp_path / 'pool.yaml'
    pool.write_text(
        'machines:\n'
        '- {hostname: n1, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}]}\n'
        f'- {{hostname: n2, system_id: {plain}, cores: 1, memory: 1G, '
        'disks: [{name: sda, size: 1G}]}\n'
        f'- {{hostname: "{plain[:3]}x{plain[4:]}", cores: 1, memory: 1G, '
        'disks: [{name: sda, size: 1G}]}\n'
    )
    machines = inventory.load(pool)
    assert machines[1].system_id == plain
    assert machines[0].system_id not in (plain, '')
    assert machines == _whole(pool)


def test_entries_with_anchors_aliases_and_merge_keys_read_as_when_whole(tmp_path: Path):
    pool = tmp_path / 'pool.yaml'
    pool.write_text(
        'machines:\n'
        '- &base {hostname: n1, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}]}\n'
        '- {<<: *base, hostname: n2}\n'
        '- {<<: {hostname: n3, cores: 2}, memory: 2G, disks: [{name: sda, size: 1G}]}\n'
        '- {hostname: !!str n4, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}]}\n'
    )
    machines = inventory.load(pool)
    assert [m.hostname for m in machines] == ['n1', 'n2', 'n3', 'n4']
    assert machines == _whole(pool)
    merged_twice = tmp_path / 'twice.yaml'
    merged_twice.write_text(
        'machines:\n'
        '- &base {hostname: n1, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}]}\n'
        '- {<<: *base}\n'
    )
    assert _message(merged_twice) == (
        f'{merged_twice}: duplicate hostname "n1" (machines 1 and 2)'
    )


@pytest.mark.parametrize(
    'value',
    ["'123456'", '123456', 'null', 'yes', '"n1"', '~', '2001-12-14', '[a]', '{a: b}', "''"],
)
def test_a_reference_that_is_not_a_string_reads_as_when_whole(tmp_path: Path, value: str):
    pool = tmp_path / 'pool.yaml'
    pool.write_text(
        'machines:\n'
        '- {hostname: n1, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}]}\n'
        f'- {{hostname: {value}, system_id: {value}, cores: 1, memory: 1G, '
        'disks: [{name: sda, size: 1G}]}\n'
    )
    try:
        whole: object = _whole(pool)
    except InventoryError as error:
        whole = str(error)
    try:
        streamed: object = inventory.load(pool)
    except InventoryError as error:
        streamed = str(error)
    assert streamed == whole


def test_not_utf8_names_the_byte_past_the_first_chunk(tmp_path: Path):
    pool = tmp_path / 'pool.yaml'
    head = b'machines:\n' + b'# padding\n' * 20_000
    pool.write_bytes(head + b'- hostname: n\xc3(\n')
    assert _message(pool) == (
        f'{pool}: not UTF-8 text (invalid continuation byte at byte {len(head) + 13})'
    )


def test_an_anchor_containing_itself_is_named(tmp_path: Path):
    pool = tmp_path / 'pool.yaml'
    pool.write_text('machines:\n- {hostname: n1, tags: &t [x, *t]}\n')
    assert _message(pool) == (
        f"{pool}: not valid YAML: anchor 't' value contains itself (line 2, column 24)"
    )


def test_a_problem_in_the_last_entry_refuses_the_file(tmp_path: Path):
    """Machines are spooled as read; the error comes once every entry is seen."""
    pool = _generated(tmp_path / 'pool.yaml', 30)
    with pool.open('a') as f:
        f.write('- {hostname: node-31, cores: 0, memory: 1G, disks: [{name: sda, size: 1G}]}\n')
    with pytest.raises(InventoryError, match=r'machine 31 \(node-31\): cores: Input should be'):
        inventory.check_file(pool)


def test_a_problem_before_a_late_network_is_named_as_when_whole(tmp_path: Path):
    """A machine's own problem comes first, whatever its links and wherever the network."""
    pool = tmp_path / 'pool.yaml'
    pool.write_text(
        'machines:\n'
        '- {hostname: n1, cores: 1, memory: 1G, disks: [{name: sda, size: 1G}],\n'
        '   interfaces: [{name: eno1, links: [{subnet: oam, ip: 10.0.0.5}]}]}\n'
        '- {hostname: n2, cores: 0, memory: 1G, disks: [{name: sda, size: 1G}]}\n'
        'subnets: [{cidr: 10.0.0.0/24, name: oam}]\n'
    )
    assert _message(pool) == (
        f'{pool}: machine 2 (n2): cores: Input should be greater than or equal to 1, got 0'
    )


def test_the_spool_gives_back_what_it_was_given(tmp_path: Path):
    machines = inventory.load(LAB) + inventory.generate(50, seed=2)
    with inventory.Spool(iter(machines)) as spool:
        assert spool.count == len(machines)
        assert list(spool) == machines


def test_progress_ticks_after_each_machine(tmp_path: Path):
    pool = _generated(tmp_path / 'pool.yaml', 20)
    ticks: list[tuple[str, int, int]] = []

    def tick(stage: str, machines: int, read: int) -> None:
        ticks.append((stage, machines, read))

    with inventory.check_file(pool, tick) as checked:
        assert sum(1 for _ in checked) == checked.count == 20
    size = pool.stat().st_size
    assert [t[:2] for t in ticks] == [('import', n) for n in range(1, 21)]
    assert all(0 < t[2] <= size for t in ticks)


_PEAK = textwrap.dedent("""
    import re, sys
    from pathlib import Path
    from orchestrator.cloud import inventory
    with inventory.check_file(sys.argv[1]) as checked:
        count = sum(1 for _ in checked)
    # The process's peak resident set (getrusage's would include the forking parent's).
    status = Path('/proc/self/status').read_text()
    print(count, re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))
""")


def _peak_kib(path: Path) -> tuple[int, int]:
    done = subprocess.run(
        [sys.executable, '-c', _PEAK, str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    count, peak = done.stdout.split()
    return int(count), int(peak)


def test_memory_does_not_grow_with_the_number_of_machines(tmp_path: Path):
    """Reading and spooling 5,000 machines peaks within 6 MB of reading 1,000.

    What grows is a few hundred bytes a machine (its hostname, system id and addresses, to
    refuse duplicates); held whole, each machine cost about 8 KB and its text 1 KB more.
    """
    small = _peak_kib(_generated(tmp_path / 'small.yaml', 1000))
    large = _peak_kib(_generated(tmp_path / 'large.yaml', 5000))
    assert (small[0], large[0]) == (1000, 5000)
    assert large[1] - small[1] < 6 * 1024, (small, large)


@pytest.mark.parametrize('count', [0, 3, 1000, 2100])
def test_a_pool_written_as_generated_is_the_document_written_whole(count: int):
    whole = inventory.generate(count, seed=11)
    out = io.StringIO()
    written = inventory.write_yaml(
        out, inventory.generate_lazily(count, seed=11), network=inventory.GENERATED_NETWORK
    )
    assert written == count
    assert out.getvalue() == inventory.dump_yaml(
        inventory.to_document(whole, network=inventory.GENERATED_NETWORK)
    )


def test_a_lazy_generator_refuses_a_bad_prefix_before_making_anything():
    with pytest.raises(ValueError, match="prefix 'A_' does not make valid MAAS hostnames"):
        inventory.generate_lazily(3, seed=1, prefix='A_')

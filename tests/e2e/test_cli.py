"""The olm CLI end to end: separate processes over one state directory (simulated pool)."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from olmcli import LAB, ROOT, ok, olm


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / 'olm'


def pool_json(state: Path) -> list[dict[str, Any]]:
    return json.loads(ok(state, 'pool', 'list', '--format', 'json'))['machines']


def test_import_list_and_formats(lab: Path):
    table = ok(lab, 'pool', 'list')
    assert table.startswith('Pool (embedded pool, simulated machines): 20 machines')
    assert 'Hostname' in table and 'zone-b' in table
    machines = pool_json(lab)
    assert len(machines) == 20
    assert all(
        m['power_parameters'].get('power_pass', '********') == '********'  # type: ignore[union-attr]
        for m in machines
    )
    doc = yaml.safe_load(ok(lab, 'pool', 'list', '--format', 'yaml'))
    assert doc['simulated'] is True and len(doc['machines']) == 20


def test_add_machine_spreads_and_records_machines(lab: Path):
    out = ok(lab, 'add-machine', '-n', '2', '--constraints', 'mem=6G cores=2')
    assert out.count('created machine') == 2
    doc = json.loads(ok(lab, 'machines', '--format', 'json'))
    machines = doc['machines']
    assert list(machines) == ['0', '1']
    zones = {m['hardware'].rsplit('availability-zone=', 1)[1] for m in machines.values()}
    assert len(zones) == 2  # Juju's zone spreading
    assert all(m['juju-status']['current'] == 'started' for m in machines.values())
    assert all(m['constraints'] == 'cores=2 mem=6144M' for m in machines.values())
    deployed = {m['hostname']: m for m in pool_json(lab)}
    for m in machines.values():
        assert deployed[m['hostname']]['status'] == 'Deployed'
    table = ok(lab, 'machines')
    assert 'simulated machines' in table and 'Inst id' in table


def test_remove_machine_releases_and_numbers_are_not_reused(lab: Path):
    ok(lab, 'add-machine', '-n', '2')
    host = json.loads(ok(lab, 'machines', '--format', 'json'))['machines']['0']['hostname']
    out = ok(lab, 'remove-machine', '0')
    assert out.strip() == f'removed machine 0 (released {host} to Ready)'
    assert {m['hostname']: m['status'] for m in pool_json(lab)}[host] == 'Ready'
    ok(lab, 'add-machine')
    assert list(json.loads(ok(lab, 'machines', '--format', 'json'))['machines']) == [
        '1',
        '2',
    ]


def test_no_fit_is_explained_and_changes_nothing(lab: Path):
    before = pool_json(lab)
    done = olm(lab, 'add-machine', '-n', '3', '--constraints', 'cores=64 mem=256G tags=gpu')
    assert done.returncode == 1
    assert done.stdout == ''
    lines = done.stderr.splitlines()
    assert lines[0].startswith('ERROR No available machine matches constraints: ')
    assert any(line.startswith('  cpu_count=64: excludes ') for line in lines)
    assert 'Traceback' not in done.stderr
    assert pool_json(lab) == before
    assert json.loads(ok(lab, 'machines', '--format', 'json'))['machines'] == {}


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (
            ['add-machine', '--constraints', 'mem=lots'],
            'ERROR bad "mem" constraint: must be a non-negative float with optional M/G/T/P',
        ),
        (['add-machine', '--constraints', 'colour=red'], 'ERROR unknown constraint "colour"'),
        (['add-machine', '--constraints', 'cores'], 'ERROR malformed constraint "cores"'),
        (['add-machine', '-n', '0'], 'ERROR argument -n/--num-machines: -n must be a positive'),
        (['add-machine', 'rack=3'], 'ERROR unknown placement directive: rack=3'),
        (['remove-machine', '7'], 'ERROR machine 7 not found'),
        (
            ['pool', 'capacity', '--constraints', 'arch=sparc'],
            'ERROR bad "arch" constraint: "sparc" not recognized',
        ),
        (['pool', 'generate', '--count', 'many'], 'ERROR argument --count: --count must be an'),
        (['pool', 'release', 'nowhere'], 'ERROR machine "nowhere" not found in the pool'),
        (['pool', 'list', '--format', 'xml'], 'ERROR argument --format: invalid choice'),
        (['frobnicate'], 'ERROR argument COMMAND: invalid choice'),
        (['wait', '--timeout', '-1'], 'ERROR argument --timeout: --timeout must be a number of'),
        (['wait', '--timeout', 'nan'], 'ERROR argument --timeout: --timeout must be a number of'),
        (['--state-dir', '', 'status'], 'ERROR argument --state-dir: --state-dir must be a path'),
        (['--lock-timeout', '-1', 'wait'], 'ERROR argument --lock-timeout: --lock-timeout must'),
        (['wait', '--lock-timeout', 'soon'], 'ERROR argument --lock-timeout: --lock-timeout must'),
        # A read-only command makes no controller at a mistyped path (test_state_dir_refusals
        # checks every read-only command, and the damaged or too open state directories).
        (
            ['--state-dir', '/nonexistent/typo/olm', 'status'],
            'ERROR state directory /nonexistent/typo/olm does not exist: commands that change',
        ),
        (
            ['--state-dir', '/nonexistent/typo/olm', 'pool', 'list'],
            'ERROR state directory /nonexistent/typo/olm does not exist: commands that change',
        ),
        # issue 22 (names): constraint items that name nothing, bases, names Juju refuses
        (
            ['pool', 'capacity', '--constraints', 'tags=^'],
            'ERROR bad "tags" constraint: "" is not a valid tag name',
        ),
        (
            ['add-machine', '--constraints', 'tags=ssd,,nvme'],
            'ERROR bad "tags" constraint: "" is not a valid tag name',
        ),
        (
            ['set-model-constraints', 'zones=,'],
            'ERROR bad "zones" constraint: "" is not a valid zone name',
        ),
        (
            ['deploy', str(ROOT / 'charms' / 'load-balancer'), '--base', 'centos@7'],
            'ERROR base: centos@7/stable (Juju deploys workloads on ubuntu@20.04, ',
        ),
        (['remove-unit', 'app/-1'], 'ERROR invalid unit name "app/-1"'),
        (['remove-unit', 'app'], 'ERROR invalid unit name "app"'),
        (['resolve', 'app/01'], 'ERROR invalid unit name "app/01"'),
        (['model-config', 'logging-config=<root>=NOPE'], 'ERROR unknown severity level "NOPE"'),
        (['model-config', 'default-base=windows@10'], 'ERROR base "windows@10" not supported'),
        (
            ['offer', 'lb:loadbalancer', 'Bad_Name'],
            'ERROR cannot add application offer "Bad_Name": offer name "Bad_Name" not valid',
        ),
        (
            ['deploy', '--dry-run', str(ROOT / 'charms' / 'load-balancer'), '--bind', 'nowhere'],
            'ERROR cannot add application "load-balancer": space "nowhere" not found',
        ),
        (
            ['deploy', '--dry-run', str(ROOT / 'charms' / 'load-balancer'), '--to', '99'],
            'ERROR machine 99 not found',
        ),
        (['advance-clock', '99999999999h'], 'ERROR time: invalid duration "99999999999h"'),
        (['remove-machine', 'abc'], 'ERROR invalid machine id "abc"'),
        (['remove-machine', '--', '-1'], 'ERROR invalid machine id "-1"'),
        (
            ['scp', str(ROOT / 'README.md'), 'app/-1:/tmp/x'],
            'ERROR "app/-1" is not a unit or machine of the model',
        ),
        (['run', 'app/-1', 'backup'], 'ERROR invalid unit or action name "app/-1"'),
        (
            ['run', 'app/0', 'backup', 'snake_case=1'],
            'ERROR key "snake_case" must start and end with lowercase alphanumeric',
        ),
        (
            ['model-config', 'update-status-hook-interval=99999999999h'],
            'ERROR invalid update status hook interval in model configuration: time: invalid '
            'duration "99999999999h"',
        ),
        (
            ['pool', 'generate', '--count', '1e11'],
            "ERROR argument --count: --count must be an integer from 1 to 1,000,000, got '1e11'",
        ),
        (
            ['pool', 'generate', '--count', '100000000000'],
            'ERROR argument --count: --count must be an integer from 1 to 1,000,000',
        ),
        (
            ['add-unit', 'ubuntu', '-n', '99999999999999999999'],
            'ERROR argument -n/--num-units: invalid value "99999999999999999999" for option -n: '
            'strconv.ParseInt: parsing "99999999999999999999": value out of range',
        ),
        (
            ['add-machine', '-n', '99999999999999999999'],
            'ERROR argument -n/--num-machines: invalid value "99999999999999999999" for option',
        ),
        (
            ['deploy', 'ubuntu', '-n', '99999999999999999999'],
            'ERROR argument -n/--num-units: invalid value "99999999999999999999" for option -n',
        ),
        (
            ['pool', 'generate', '--count', '3', '--prefix', 'A_'],
            "ERROR prefix 'A_' does not make valid MAAS hostnames",
        ),
        (
            ['pool', 'generate', '--count', '3', '-o', '/nonexistent/pool.yaml'],
            'ERROR cannot write /nonexistent/pool.yaml: No such file or directory',
        ),
        (['dashboard', '--port', '70000'], 'ERROR argument --port: --port must be 0 to 65535'),
        (['dashboard', '--port', 'http'], 'ERROR argument --port: --port must be an integer'),
        (['dashboard', '-m', 'nope'], 'ERROR model olm:admin/nope not found'),
    ],
)
def test_bad_arguments_give_one_line_and_no_traceback(lab: Path, args: list[str], message: str):
    before = pool_json(lab)
    done = olm(lab, *args)
    assert done.returncode != 0
    assert done.stderr.startswith(message), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert pool_json(lab) == before


def test_debug_shows_the_traceback(lab: Path):
    done = olm(lab, 'remove-machine', '7', debug=True)
    assert done.returncode == 1 and 'Traceback' in done.stderr


def test_bad_pool_file_imports_nothing(state: Path, tmp_path: Path):
    data = yaml.safe_load(LAB.read_text())
    data['machines'][5]['cores'] = 'eight'
    bad = tmp_path / 'bad.yaml'
    bad.write_text(yaml.safe_dump(data))
    done = olm(state, 'pool', 'import', str(bad))
    assert done.returncode == 1
    assert done.stderr.startswith('ERROR ') and 'bad.yaml' in done.stderr
    assert 'cores' in done.stderr and 'Traceback' not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert not state.exists()  # not even an empty controller


def test_import_twice_is_refused_whole(lab: Path):
    done = olm(lab, 'pool', 'import', str(LAB))
    assert done.returncode == 1 and 'already in the pool' in done.stderr
    assert len(pool_json(lab)) == 20


def test_capacity_and_unsupported_constraint_warning(lab: Path):
    first = ok(lab, 'pool', 'capacity', '--constraints', 'mem=6G cores=2')
    free = int(first.split()[0])
    done = olm(lab, 'add-machine', '--constraints', 'mem=6G cores=2 cpu-power=100', check=True)
    assert 'WARNING unsupported constraints: cpu-power' in done.stderr
    after = ok(lab, 'pool', 'capacity', '--constraints', 'mem=6G cores=2')
    assert int(after.split()[0]) == free - 1


def test_model_constraints_merge_under_machine_constraints(lab: Path):
    ok(lab, 'set-model-constraints', 'cores=4', 'tags=ssd')
    assert ok(lab, 'model-constraints').strip() == 'cores=4 tags=ssd'
    ok(lab, 'add-machine', '--constraints', 'tags=')
    m = json.loads(ok(lab, 'machines', '--format', 'json'))['machines']['0']
    assert m['constraints'] == 'cores=4 tags='


def test_pool_lifecycle_commands(lab: Path):
    host = next(m['hostname'] for m in pool_json(lab) if m['status'] == 'Ready')
    assert ok(lab, 'pool', 'mark-broken', str(host), '--message', 'fan').endswith('Broken\n')
    assert ok(lab, 'pool', 'mark-fixed', str(host)).endswith('Ready\n')
    ok(lab, 'add-machine', str(host))
    done = olm(lab, 'pool', 'release', str(host))
    assert done.returncode == 1 and 'olm remove-machine 0' in done.stderr


def test_generate_is_seeded_and_importable(state: Path, tmp_path: Path):
    out = tmp_path / 'gen.yaml'
    ok(state, 'pool', 'generate', '--count', '300', '--seed', '7', '-o', str(out))
    again = ok(state, 'pool', 'generate', '--count', '300', '--seed', '7')
    assert out.read_text() == again
    ok(state, 'pool', 'import', str(out))
    assert len(pool_json(state)) == 300


def test_two_processes_at_once_never_corrupt_the_state(state: Path, tmp_path: Path):
    ok(state, 'pool', 'generate', '--count', '200', '--seed', '3', '--import')
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as workers:
        started = [
            workers.submit(olm, state, 'add-machine', '-n', '5', '--constraints', 'cores=2')
            for _ in range(8)
        ]
        runs = [future.result() for future in started]
    assert all(r.returncode == 0 for r in runs)
    machines = json.loads(ok(state, 'machines', '--format', 'json'))['machines']
    assert sorted(map(int, machines)) == list(range(40))
    hosts = [m['hostname'] for m in machines.values()]
    assert len(set(hosts)) == 40
    deployed = [m for m in pool_json(state) if m['status'] == 'Deployed']
    assert sorted(m['hostname'] for m in deployed) == sorted(hosts)
    conn = sqlite3.connect(state / 'state.db')
    assert conn.execute('PRAGMA integrity_check').fetchone() == ('ok',)
    assert conn.execute('PRAGMA journal_mode').fetchone() == ('wal',)


def test_state_dir_flag_and_default(tmp_path: Path):
    work = tmp_path / 'cwd'
    work.mkdir()
    shutil.copy(LAB, work / 'lab.yaml')
    env = {k: v for k, v in os.environ.items() if k != 'OLM_HOME'}
    run = subprocess.run(
        [sys.executable, '-m', 'orchestrator.cli', 'pool', 'import', 'lab.yaml'],
        cwd=work, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert 'imported 20 machines' in run.stdout
    assert (work / '.olm' / 'state.db').exists()
    other = tmp_path / 'other'
    ok(tmp_path / 'ignored', '--state-dir', str(other), 'add-model', 'second')
    assert (other / 'state.db').exists()
    shown = ok(tmp_path / 'ignored', '--state-dir', str(other), 'pool', 'list')
    assert 'The pool is empty' in shown
    assert not (tmp_path / 'ignored').exists()


def test_plan_shows_placement_and_headroom_and_changes_nothing(lab: Path):
    before = ok(lab, 'pool', 'list', '--format', 'json')
    out = ok(lab, 'plan', str(ROOT / 'bundles' / 'metal-k8s.yaml'))
    assert out.startswith('Plan for ') and 'simulated machines (nothing deployed)' in out
    assert 'ceph-storage/0              node-04  zone-a' in out
    assert 'the cheapest Ready match' in out
    assert 'Headroom after this plan' in out
    assert 'root:0,0:900(ssd)' in out  # the storage constraint Ceph's volume becomes
    assert ok(lab, 'pool', 'list', '--format', 'json') == before
    assert json.loads(ok(lab, 'machines', '--format', 'json'))['machines'] == {}


def test_storage_pools_follow_jujus_rules(lab: Path):
    listed = yaml.safe_load(ok(lab, 'storage-pools', '--format', 'yaml'))
    assert listed['ssd'] == {'provider': 'maas', 'attrs': {'tags': 'ssd'}}
    assert set(listed) == {'loop', 'maas', 'rootfs', 'ssd', 'tmpfs'}
    ok(lab, 'create-storage-pool', 'fast', 'maas', 'tags=nvme,ssd')
    assert 'fast' in ok(lab, 'storage-pools')
    for args, message in (
        (('fast', 'maas'), 'ERROR pool "fast" already exists'),
        (('slow', 'ebs'), 'ERROR storage provider "ebs" not found'),
        (('9x', 'maas'), 'ERROR pool name "9x" not valid'),
    ):
        done = olm(lab, 'create-storage-pool', *args)
        assert done.returncode == 1 and done.stderr.strip() == message
        assert 'Traceback' not in done.stderr

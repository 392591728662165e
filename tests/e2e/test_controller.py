"""``olm --controller NAME add-unit``: the juju commands it runs on a real controller.

A fake ``juju`` client on the PATH records its arguments and answers as Juju does (machines
reported on standard error as ``created machine N``, allocated by MAAS later and shown by
``juju status``); no Juju is needed.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from olmcli import olm

FAKE_JUJU = r"""
import json, os, sys

# A fake juju client, modelled on juju/juju: add-machine only records machines and prints
# "created machine N" on stderr (cmd/juju/machine/add.go), then the provisioner asks MAAS;
# status shows each machine pending (instance-id "pending") on its first poll, then either
# started with an instance or in "provisioning error" with the MAAS provider's error
# (internal/provider/maas environ.go StartInstance: "failed to acquire node: ..."; the
# "No available machine matches constraints" text is MAAS's 409 from machines op=allocate).
args = sys.argv[1:]
with open(os.environ['JUJU_LOG'], 'a') as log:
    log.write(' '.join(args) + '\n')
state_file = os.environ['JUJU_LOG'] + '.machines'
machines = json.load(open(state_file)) if os.path.exists(state_file) else {}
env = os.environ.get
command = args[0]

def flag(name, default=None):
    return args[args.index(name) + 1] if name in args else default

if command == 'models':
    print(json.dumps({'models': [], 'current-model': env('JUJU_CURRENT_MODEL', 'admin/metal')}))
elif command == 'model-constraints':
    print(env('JUJU_MODEL_CONSTRAINTS', '{}'))
elif command == 'constraints':
    if env('JUJU_NO_APP'):
        print('ERROR application "x" not found', file=sys.stderr); sys.exit(1)
    print(env('JUJU_APP_CONSTRAINTS', '{}'))
elif command == 'status':
    fail = set(filter(None, env('JUJU_MAAS_FAIL', '').split(',')))
    shown = {}
    for mid, m in machines.items():
        m['polls'] += 1
        if m['polls'] == 1 or env('JUJU_MAAS_SLOW'):
            shown[mid] = {'juju-status': {'current': 'pending'}, 'instance-id': 'pending',
                          'machine-status': {'current': 'pending'}}
        elif mid in fail:
            shown[mid] = {'juju-status': {'current': 'pending'}, 'instance-id': 'pending',
                          'machine-status': {'current': 'provisioning error', 'message':
                              'failed to acquire node: No available machine matches '
                              'constraints: ' + m['constraints']}}
        else:
            shown[mid] = {'juju-status': {'current': 'started'}, 'instance-id': 'node-' + mid,
                          'machine-status': {'current': 'running'}}
    bindings = json.loads(env('JUJU_BINDINGS', '{"": "alpha"}'))
    print(json.dumps({'machines': shown, 'applications': {
        app: {'endpoint-bindings': bindings} for app in ('x', 'kubernetes-worker', 'ceph-storage')
    }}))
elif command == 'add-machine':
    n = int(flag('-n', '1'))
    partial = env('JUJU_ADD_MACHINE_PARTIAL')
    made = n if partial is None else int(partial)
    for i in range(made):
        mid = str(7 + len(machines))
        machines[mid] = {'constraints': flag('--constraints', ''), 'polls': 0}
        print('created machine ' + mid, file=sys.stderr)
    if made < n:
        print('failed to create %d machine(s)' % (n - made), file=sys.stderr)
        print('ERROR cannot add a new machine: quota exceeded', file=sys.stderr)
        json.dump(machines, open(state_file, 'w')); sys.exit(1)
elif command == 'remove-machine':
    for mid in args[3:]:
        machines.pop(mid, None)
        print('will remove machine ' + mid)
elif command == 'add-unit':
    if env('JUJU_FAIL_ADD_UNIT'):
        print('ERROR application "x" not found', file=sys.stderr); sys.exit(1)
json.dump(machines, open(state_file, 'w'))
"""


@pytest.fixture
def juju(tmp_path: Path) -> Path:
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    script = bin_dir / 'juju'
    script.write_text(f'#!{sys.executable}\n{FAKE_JUJU}')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def on_controller(home: Path, *args: str, **juju_env: str) -> subprocess.CompletedProcess[str]:
    """olm with the fake juju first on the PATH; ``juju_env`` tells the fake how to answer."""
    env = {
        'PATH': f'{home / "bin"}{os.pathsep}{os.environ["PATH"]}',
        'JUJU_LOG': str(home / 'juju.log'),
        'OLM_POLL_INTERVAL': '0',
        **juju_env,
    }
    return olm(home / 'olm', *args, env=env, retry_delay=None, timeout=60)


def calls(home: Path) -> list[str]:
    return (home / 'juju.log').read_text().splitlines()


def test_add_unit_with_constraints_is_add_machine_then_add_unit_to_them(juju: Path):
    # The model keeps its owner as juju models names it (was: stripped to lab:metal).
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'kubernetes-worker', '-n', '2',
                         '--constraints', 'mem=6G cores=2')  # fmt: skip
    assert done.returncode == 0, done.stderr
    target = 'lab:admin/metal'
    assert calls(juju) == [
        'models --controller lab --format json',
        f'model-constraints -m {target} --format json',
        f'constraints -m {target} kubernetes-worker --format json',
        f'status -m {target} --format json',
        f'add-machine -m {target} -n 2 --constraints cores=2 mem=6144M',
        f'status -m {target} --format json',
        f'status -m {target} --format json',
        f'add-unit -m {target} kubernetes-worker -n 2 --to 7,8',
    ]
    assert 'waiting for MAAS: machine(s) 7, 8 pending' in done.stdout
    assert 'on machines 7, 8 of lab:admin/metal (a real Juju controller)' in done.stdout
    assert not (juju / 'olm').exists() or 'state.db' not in os.listdir(juju / 'olm')


def test_model_and_application_constraints_and_bound_spaces_reach_add_machine(juju: Path):
    # juju add-machine merges with the model's constraints only and add-unit --to bypasses
    # the application's: olm merges model < application < --constraints itself, and asks
    # for the spaces the application's endpoints are bound to (alpha needs none).
    done = on_controller(
        juju, '--controller', 'lab', 'add-unit', 'kubernetes-worker', '--constraints', 'cores=2',
        JUJU_MODEL_CONSTRAINTS='{"mem": 4096}',
        JUJU_APP_CONSTRAINTS='{"mem": 16384, "tags": ["k8s"]}',
        JUJU_BINDINGS='{"": "alpha", "kube-api": "internal", "cos": "alpha"}',
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    added = [c for c in calls(juju) if c.startswith('add-machine')]
    # Constraints.__str__ is juju/juju core/constraints/constraints.go String(): tags, then spaces.
    assert added == [
        'add-machine -m lab:admin/metal -n 1 --constraints cores=2 mem=16384M tags=k8s '
        'spaces=internal'
    ]


def test_the_model_can_be_named_and_the_flag_go_after_the_command(juju: Path):
    done = on_controller(juju, 'add-unit', 'ceph-storage', '--controller', 'lab', '-m', 'storage',
                         '--constraints', 'cores=8')  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert calls(juju)[0] == 'model-constraints -m lab:storage --format json'
    assert 'add-machine -m lab:storage -n 1 --constraints cores=8' in calls(juju)


@pytest.mark.parametrize(
    ('given', 'target'),
    [('admin/foo', 'lab:admin/foo'), ('bob/foo', 'lab:bob/foo'), ('lab:prod', 'lab:prod'),
     ('lab:alice/prod', 'lab:alice/prod')],
)  # fmt: skip
def test_the_model_is_read_as_juju_reads_it(juju: Path, given: str, target: str):
    # juju/juju cmd/modelcmd SplitModelName: [controller:]model, the model with its owner.
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x', '-m', given)
    assert done.returncode == 0, done.stderr
    assert f'add-unit -m {target} x -n 1 --to 7' in calls(juju)


def test_the_current_model_of_another_owner_keeps_its_owner(juju: Path):
    # As user bob, an unqualified "foo" would be bob/foo: the owner juju models shows is kept.
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x',
                         JUJU_CURRENT_MODEL='admin/foo')  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert 'add-unit -m lab:admin/foo x -n 1 --to 7' in calls(juju)


def test_a_model_of_another_controller_is_refused(juju: Path):
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x', '-m', 'other:prod')
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'ERROR -m other:prod is a model of controller "other", not of --controller lab'
    )
    assert not (juju / 'juju.log').exists()


def test_maas_matching_no_machine_removes_them_all_and_adds_no_unit(juju: Path):
    # Real juju add-machine succeeds; the failure comes later, from the provisioner.
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x', '-n', '2', '--constraints',
                         'mem=999G', JUJU_MAAS_FAIL='8')  # fmt: skip
    assert done.returncode == 1
    assert 'Traceback' not in done.stderr
    assert done.stderr.strip() == (
        'ERROR machine 8: failed to acquire node: No available machine matches constraints: '
        'mem=1022976M; machines 7, 8 it created were removed, no unit was added'
    )
    assert 'remove-machine -m lab:admin/metal 7 8' in calls(juju)
    assert not any(c.startswith('add-unit') for c in calls(juju))


def test_machines_maas_has_not_allocated_in_time_are_removed(juju: Path):
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x', '--timeout', '0',
                         JUJU_MAAS_SLOW='1')  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'ERROR timed out after 0s waiting for MAAS: machine(s) 7 pending; machines 7 it '
        'created were removed, no unit was added'
    )
    assert not any(c.startswith('add-unit') for c in calls(juju))


def test_a_partly_failed_add_machine_names_and_removes_what_it_created(juju: Path):
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x', '-n', '3',
                         JUJU_ADD_MACHINE_PARTIAL='2')  # fmt: skip
    assert done.returncode == 1
    assert done.stderr.startswith(
        'ERROR juju add-machine -m lab:admin/metal -n 3 failed (exit 1): '
    )
    assert 'quota exceeded; machines 7, 8 it created were removed' in done.stderr
    assert 'remove-machine -m lab:admin/metal 7 8' in calls(juju)
    assert not any(c.startswith('add-unit') for c in calls(juju))


def test_a_failing_juju_is_one_error_line(juju: Path):
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x', '-n', '2', JUJU_NO_APP='1')
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'ERROR juju constraints -m lab:admin/metal x --format json failed (exit 1): '
        'ERROR application "x" not found'
    )
    assert not any(c.startswith('add-machine') for c in calls(juju))
    done = on_controller(juju, '--controller', 'lab', 'add-unit', 'x', '-n', '2',
                         JUJU_FAIL_ADD_UNIT='1')  # fmt: skip
    assert done.returncode == 1
    assert 'machines 7, 8 it created were removed, no unit was added' in done.stderr


def test_only_add_unit_goes_to_a_controller(juju: Path):
    done = on_controller(juju, '--controller', 'lab', 'status')
    assert done.returncode == 2
    assert done.stderr.strip() == (
        'ERROR --controller: only add-unit and dashboard run on a real controller'
    )

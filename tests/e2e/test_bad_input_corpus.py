"""The bad-input corpus of the files olm reads: bundles, overlays, offer files, pool files.

Each case writes one realistic bad file (a typo'd key, a base Juju deploys nothing on, a
constraint that names nothing), runs the ``olm`` command that reads it, and checks what a user
sees: a non-zero exit, one ``ERROR`` line naming the file and the field or value with what was
meant, no traceback, and a state directory whose every table holds what it held before.
Command-line cases are in ``test_cli.py::test_bad_arguments_give_one_line_and_no_traceback``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from olmcli import LAB, OFFERS, ROOT, copy_state, olm

LB = str(ROOT / 'charms' / 'load-balancer')


def dump(state: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the state's database, read-only, in a stable order."""
    db = sqlite3.connect(f'file:{state / "state.db"}?mode=ro', uri=True)
    try:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {
            table: sorted(db.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in tables
        }
    finally:
        db.close()


def bundle(apps: dict[str, Any] | None = None, /, **top: Any) -> dict[str, Any]:
    """A valid one-application bundle, changed by the case."""
    return {'applications': apps or {'lb': {'charm': LB, 'num_units': 1}}, **top}


def pool(**changes: Any) -> dict[str, Any]:
    """A valid one-machine pool file (a hostname the lab does not have), changed by the case."""
    machine: dict[str, Any] = {
        'hostname': 'extra-01',
        'cores': 4,
        'memory': '8G',
        'disks': [{'name': 'sda', 'size': '480G'}],
    }
    machine.update(changes)
    return {'machines': [machine]}


def _rename(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    data[new] = data.pop(old)
    return data


Case = tuple[str, Callable[[Path], list[str]], str]
"""(id, write the files and return the olm arguments, what the one ERROR line must hold)."""


def _deploy(content: Any, *extra: str) -> Callable[[Path], list[str]]:
    def write(tmp: Path) -> list[str]:
        path = tmp / 'bad-bundle.yaml'
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        return ['deploy', str(path), *extra]

    return write


def _overlay(content: Any) -> Callable[[Path], list[str]]:
    def write(tmp: Path) -> list[str]:
        base = tmp / 'bundle.yaml'
        base.write_text(yaml.safe_dump(bundle()))
        path = tmp / 'bad-overlay.yaml'
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        return ['deploy', str(base), '--overlay', str(path)]

    return write


def _offer(change: Callable[[dict[str, Any]], object]) -> Callable[[Path], list[str]]:
    def write(tmp: Path) -> list[str]:
        offers = tmp / 'offers'
        offers.mkdir()
        data = yaml.safe_load((OFFERS / 'postgresql.yaml').read_text())
        change(data)
        (offers / 'postgresql.yaml').write_text(yaml.safe_dump(data, sort_keys=False))
        path = tmp / 'bundle.yaml'
        path.write_text(
            yaml.safe_dump(bundle(saas={'postgresql': {'url': 'admin/database.postgresql'}}))
        )
        return ['deploy', str(path), '--offers', str(offers)]

    return write


def _import(content: Any) -> Callable[[Path], list[str]]:
    def write(tmp: Path) -> list[str]:
        path = tmp / 'bad-pool.yaml'
        path.write_text(yaml.safe_dump(content, sort_keys=False))
        return ['pool', 'import', str(path)]

    return write


CASES: list[Case] = [
    # -- a typo'd key is named with the key it was meant to be --------------------------------
    (
        'bundle-top-level-typo',
        _deploy(_rename(bundle(), 'applications', 'aplications')),
        'bad-bundle.yaml: unmarshal document 0: line 1: field aplications not found in bundle '
        '(did you mean "applications"?)',
    ),
    (
        'bundle-application-key-typo',
        _deploy(bundle({'lb': {'charm': LB, 'num_unit': 2}})),
        'field num_unit not found in applications (did you mean "num_units"?)',
    ),
    (
        'bundle-constraints-typo',
        _deploy(bundle({'lb': {'charm': LB, 'contraints': 'mem=4G'}})),
        'field contraints not found in applications (did you mean "constraints"?)',
    ),
    (
        'bundle-machine-key-typo',
        _deploy(
            bundle({'lb': {'charm': LB, 'to': ['0']}}, machines={'0': {'constraint': 'mem=4G'}})
        ),
        'field constraint not found in machines (did you mean "constraints"?)',
    ),
    (
        'bundle-relations-typo',
        _deploy(bundle(relation=[['lb', 'other']])),
        'field relation not found in bundle (did you mean "relations"?)',
    ),
    (
        'overlay-key-typo',
        _overlay({'applications': {'lb': {'optoins': {'vip': '10.246.0.250'}}}}),
        'bad-overlay.yaml: unmarshal document 0: line 3: field optoins not found in '
        'applications (did you mean "options"?)',
    ),
    (
        'offer-file-key-typo',
        _offer(lambda d: _rename(d, 'relation-data', 'relaton-data')),
        'offers/postgresql.yaml: relaton-data: unknown field (did you mean "relation-data"?)',
    ),
    (
        'offer-file-endpoint-key-typo',
        _offer(lambda d: _rename(d['endpoints']['database'], 'interface', 'interfce')),
        'endpoints.database.interfce: unknown field (did you mean "interface"?)',
    ),
    (
        'pool-machine-key-typo',
        _import({'machines': [_rename(pool()['machines'][0], 'memory', 'memroy')]}),
        'bad-pool.yaml: machine 1 (extra-01): memroy: unknown field (did you mean "memory"?)',
    ),
    (
        'pool-top-level-typo',
        _import(_rename(pool(), 'machines', 'machine')),
        'bad-pool.yaml: unknown top-level key \'machine\' (did you mean "machines"?)',
    ),
    (
        'pool-disk-key-typo',
        _import(pool(disks=[{'name': 'sda', 'size': '480G', 'tag': ['ssd']}])),
        'disks[0].tag: unknown field (did you mean "tags"?)',
    ),
    (
        'pool-storage-pools-key-typo',
        _import({**pool(), 'storage-pools': {'ssd': {'provder': 'maas'}}}),
        'storage-pools: ssd: unknown key \'provder\' (did you mean "provider"?)',
    ),
    (
        'pool-subnet-key-typo',
        _import({'subnets': [{'cidr': '10.9.0.0/24', 'spcae': 'oam'}], **pool()}),
        'subnets[0].spcae: unknown field (did you mean "space"?)',
    ),
    (
        'bundle-unknown-resource',
        _deploy(bundle({'lb': {'charm': LB, 'num_units': 1, 'resources': {'haproxy-cfg': 1}}})),
        'bad-bundle.yaml: application "lb": unrecognized resource "haproxy-cfg"',
    ),
    # -- a base Juju deploys no workload on ----------------------------------------------------
    (
        'bundle-default-base-windows',
        _deploy(bundle(**{'default-base': 'windows@10'})),
        'bad-bundle.yaml: default-base: base: windows@10/stable (Juju deploys workloads on',
    ),
    (
        'bundle-application-base-centos',
        _deploy(bundle({'lb': {'charm': LB, 'num_units': 1, 'base': 'centos@7'}})),
        'application "lb": base: centos@7/stable (Juju deploys workloads on',
    ),
    (
        'bundle-machine-series-xenial',
        _deploy(bundle({'lb': {'charm': LB, 'to': ['0']}}, machines={'0': {'series': 'xenial'}})),
        'machine "0": series "xenial": base: ubuntu@16.04/stable',
    ),
    (
        'bundle-series-windows-dry-run',
        _deploy(bundle(**{'default-base': 'windows@10'}), '--dry-run'),
        'default-base: base: windows@10/stable',
    ),
    # -- a constraint that names nothing -------------------------------------------------------
    (
        'bundle-constraints-lone-caret',
        _deploy(bundle({'lb': {'charm': LB, 'constraints': 'tags=^'}})),
        'invalid constraints "tags=^" in application "lb": bad "tags" constraint: "" is not a '
        'valid tag name',
    ),
    (
        'bundle-machine-constraints-empty-zone',
        _deploy(
            bundle({'lb': {'charm': LB, 'to': ['0']}}, machines={'0': {'constraints': 'zones=,'}})
        ),
        'invalid constraints "zones=," in machine "0": bad "zones" constraint: "" is not a '
        'valid zone name',
    ),
]


@pytest.mark.parametrize(('write', 'message'), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_file_is_named_and_changes_nothing(
    lab: Path, tmp_path: Path, write: Callable[[Path], list[str]], message: str
):
    work = tmp_path / 'files'
    work.mkdir()
    args = write(work)
    before = dump(lab)
    done = olm(lab, *args)
    shown = f'olm {" ".join(args)}:\n{done.stdout}{done.stderr}'
    assert done.returncode != 0, shown
    errors = [line for line in done.stderr.splitlines() if not line.startswith('WARNING ')]
    assert len(errors) == 1 and errors[0].startswith('ERROR '), shown
    assert message in errors[0], shown
    assert str(work) in errors[0], shown  # the file is named
    assert 'Traceback' not in done.stderr, shown
    assert dump(lab) == before


def test_the_lab_pool_and_a_bundle_still_load(lab: Path, tmp_path: Path):
    """The corpus's valid base files are valid: each case fails for its one change only."""
    path = tmp_path / 'bundle.yaml'
    path.write_text(yaml.safe_dump(bundle()))
    assert olm(lab, 'deploy', '--dry-run', str(path)).returncode == 0
    good = tmp_path / 'pool.yaml'
    good.write_text(yaml.safe_dump(pool()))
    assert olm(lab, 'pool', 'import', str(good)).returncode == 0
    assert LAB.exists()


# -- bad arguments against a deployed application ------------------------------------------------


@pytest.fixture(scope='module')
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One load-balancer unit on the lab pool: copied by each test, never changed."""
    state = tmp_path_factory.mktemp('deployed') / 'olm'
    olm(state, 'pool', 'import', str(LAB), check=True)
    olm(state, 'deploy', '--quiet', LB, 'lb', check=True)
    return state


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        # juju/juju cmd/juju/application/config.go: Juju's words, its full stop included
        (
            ['config', 'lb', 'vipp'],
            'ERROR key "vipp" not found in "lb" application config or charm settings.',
        ),
        (['config', 'lb', 'vipp=10.0.0.1'], 'ERROR lb: unknown option "vipp"'),
        (
            ['config', 'lb', 'virtual-router-id=abc'],
            'ERROR lb: option "virtual-router-id" expected int, got "abc"',
        ),
        (['remove-unit', 'lb/-1'], 'ERROR invalid unit name "lb/-1"'),
        (['remove-unit', 'lb'], 'ERROR invalid unit name "lb"'),
        (['resolve', 'lb/00'], 'ERROR invalid unit name "lb/00"'),
        (
            ['offer', 'lb:loadbalancer', 'LB'],
            'ERROR cannot add application offer "LB": offer name "LB" not valid',
        ),
        (['set-constraints', 'lb', 'tags=ssd,^'], 'ERROR bad "tags" constraint: "" is not a'),
        (
            ['deploy', '--dry-run', LB, 'lb2', '--bind', 'nosuch-space'],
            'ERROR cannot add application "lb2": space "nosuch-space" not found',
        ),
        (['deploy', '--dry-run', LB, 'lb'], 'ERROR cannot add application "lb": application'),
    ],
)
def test_a_bad_argument_on_a_deployed_model_is_named_and_changes_nothing(
    deployed: Path, tmp_path: Path, args: list[str], message: str
):
    state = copy_state(deployed, tmp_path)
    before = dump(state)
    done = olm(state, *args)
    shown = f'olm {" ".join(args)}:\n{done.stdout}{done.stderr}'
    assert done.returncode != 0, shown
    assert done.stderr.startswith(message), shown
    assert len(done.stderr.strip().splitlines()) == 1, shown
    assert 'Traceback' not in done.stderr, shown
    assert dump(state) == before

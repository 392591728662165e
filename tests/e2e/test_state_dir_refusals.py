"""A state directory olm must not use: each refused in one line, and nothing written.

The bad-input cases that need files (the shared corpus in test_cli.py takes arguments only):
a mistyped ``--state-dir`` for a command that only reads (no empty controller is made there),
a directory, database or key file that others can reach, a damaged database (garbage,
truncated), and a lost or wrong secrets key. Every case exits non-zero with one ``ERROR`` line
naming the path and what is wrong, shows no traceback, and leaves every file of the state
directory (and its absence) as it was.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

import pytest
from olmcli import copy_state, ok, olm

READ_ONLY = [
    ['status'],
    ['status', '--format', 'json'],
    ['models'],
    ['show-model', 'default'],
    ['machines'],
    ['pool', 'list'],
    ['pool', 'capacity', '--constraints', 'mem=4G'],
    ['secrets'],
    ['list-secrets'],
    ['show-secret', 'secret:d1kp3pgmp25c77an1m0g'],
    ['show-unit', 'app/0'],
    ['debug-log'],
    ['storage'],
    ['storage-pools'],
    ['offers'],
    ['find-offers'],
    ['spaces'],
    ['ssh-keys'],
    ['faults'],
    ['model-constraints'],
    ['constraints', 'app'],
    ['config', 'app'],
    ['model-config'],
    ['model-config', 'default-base'],
    ['plan', 'bundles/metal-k8s.yaml'],
]


def snapshot(state: Path) -> dict[str, tuple[int, str]] | None:
    """Every file of the state directory: its mode and content digest (None: no directory)."""
    if not state.exists():
        return None
    return {
        p.name: (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(state.iterdir())
    } | {'.': (state.stat().st_mode, '')}


def refused_whole(state: Path, *args: str) -> str:
    """Run a command that must be refused and change nothing; its one line of error."""
    before = snapshot(state)
    done = olm(state, *args)
    shown = f'olm {" ".join(args)}:\n{done.stdout}{done.stderr}'
    assert done.returncode != 0, shown
    assert done.stderr.startswith('ERROR '), shown
    assert 'Traceback' not in done.stderr, shown
    assert len(done.stderr.strip().splitlines()) == 1, shown
    assert snapshot(state) == before
    return done.stderr.strip()


@pytest.fixture(scope='module')
def committed(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A state directory with a model's change committed (a secret): a database and its key."""
    state = copy_state(imported_lab, tmp_path_factory.mktemp('committed'))
    ok(state, 'add-secret', 'canary', 'password=canary-value-1234')
    return state


@pytest.fixture
def state(committed: Path, tmp_path: Path) -> Path:
    return copy_state(committed, tmp_path)


# -- a state directory that does not exist -----------------------------------------------------


@pytest.mark.parametrize('args', READ_ONLY, ids=' '.join)
def test_a_read_only_command_does_not_make_a_missing_state_directory(
    tmp_path: Path, args: list[str]
):
    typo = tmp_path / 'typo' / 'path'
    message = refused_whole(typo, *args)
    assert message == (
        f'ERROR state directory {typo} does not exist: commands that change state (olm pool '
        'import, olm deploy, olm add-model ...) create it; read-only commands do not'
    )
    assert not (tmp_path / 'typo').exists()


def test_a_read_only_command_does_not_make_a_database_in_an_empty_directory(tmp_path: Path):
    empty = tmp_path / 'empty'
    empty.mkdir(mode=0o700)
    message = refused_whole(empty, 'status')
    assert message.startswith(f'ERROR no olm state in {empty} (state.db does not exist)')
    assert list(empty.iterdir()) == []


def test_a_command_that_changes_state_still_makes_one(tmp_path: Path):
    new = tmp_path / 'new' / 'olm'
    ok(new, 'add-model', 'first')
    assert sorted(p.name for p in new.iterdir()) == ['secrets.key', 'state.db']
    assert 'first' in ok(new, 'models')


# -- reachable by others -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ('name', 'mode', 'fix'),
    [('.', 0o755, 700), ('.', 0o750, 700), ('state.db', 0o644, 600),
     ('state.db', 0o660, 600), ('secrets.key', 0o604, 600)],
)  # fmt: skip
@pytest.mark.parametrize('args', [['status'], ['add-model', 'other']], ids=' '.join)
def test_a_state_directory_others_can_reach_is_refused(
    state: Path, name: str, mode: int, fix: int, args: list[str]
):
    path = state if name == '.' else state / name
    path.chmod(mode)
    message = refused_whole(state, *args)
    assert message == (
        f"ERROR permissions 0{mode:o} for '{path}' are too open: it holds secrets and must not "
        f"be accessible by others; run: chmod {fix} '{path}'"
    )
    path.chmod(0o700 if name == '.' else 0o600)
    assert 'other' not in ok(state, 'models')


# -- a damaged database --------------------------------------------------------------------------


def test_a_garbage_database_is_named(state: Path):
    (state / 'state.db').write_bytes(b'garbage\n')
    message = refused_whole(state, 'status')
    assert (
        message == f'ERROR cannot open state database {state / "state.db"}: file is not a database'
    )
    refused_whole(state, 'add-model', 'other')


@pytest.mark.parametrize('keep', [100, 4096, 0.5])
def test_a_truncated_database_is_named(state: Path, keep: float):
    db = state / 'state.db'
    size = db.stat().st_size
    os.truncate(db, int(size * keep) if isinstance(keep, float) else int(keep))
    for args in (['status'], ['add-model', 'other'], ['pool', 'list']):
        message = refused_whole(state, *args)
        assert message.startswith('ERROR ') and str(db) in message, message
        assert 'malformed' in message or 'not a database' in message, message


# -- the secrets key -----------------------------------------------------------------------------


def test_a_lost_key_is_named(state: Path):
    key = state / 'secrets.key'
    key.unlink()
    message = refused_whole(state, 'status')
    assert message == (
        f'ERROR secrets key {key} not found: {state / "state.db"} is encrypted with it; '
        'restore it from the backup of this state directory'
    )
    refused_whole(state, 'add-secret', 'another', 'password=x')
    assert not key.exists()


def test_another_key_is_named(state: Path):
    key = state / 'secrets.key'
    key.write_bytes(base64.b64encode(os.urandom(32)) + b'\n')
    message = refused_whole(state, 'show-secret', 'canary', '--reveal')
    assert message == (
        f'ERROR {key} is not the key {state / "state.db"} was encrypted with: restore the key '
        'file backed up with this database'
    )


def test_a_key_file_that_is_not_a_key_is_named(state: Path):
    key = state / 'secrets.key'
    key.write_text('not a key\n')
    message = refused_whole(state, 'secrets')
    assert message == (
        f'ERROR secrets key {key} is not a key olm wrote (expected 32 bytes, base64)'
    )


def test_the_right_key_reads_the_secret_back(state: Path):
    assert 'canary-value-1234' in ok(state, 'show-secret', 'canary', '--reveal')

"""No secret value or BMC password can be read from the state directory without its key.

The product bundle (bundles/metal-k8s.yaml) is deployed on the lab pool, whose BMC passwords
are made unique here, and a user secret is added: every secret's content (``olm show-secret
--reveal``: the charms' MAAS, PostgreSQL, VRRP and Ceph credentials and the user's) and every
``power_pass`` is then looked for in the raw bytes of every file of the state directory but the
key (``state.db`` and, kept by a reader held open during the commands, its ``-wal`` and
``-shm``), and in what ``sqlite3 state.db .dump`` prints (Python's ``iterdump``). Charms write
some of them into configuration files on their machines (keepalived's ``auth_pass``, MAAS's
``regiond.conf``), which olm keeps in the database too. As root, another user must not be able
to read any of the files at all.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import sqlite3
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from olmcli import LAB, ROOT, ok

BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
USER_SECRET = f'user-canary-{secrets.token_hex(8)}'
SHORTEST = 6
"""Shorter values (a user name such as ``maas``) are not secrets and could occur by chance."""


@pytest.fixture(scope='module')
def pool_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The lab pool with a BMC password of its own for each machine, and those passwords."""
    data = yaml.safe_load(LAB.read_text())
    passwords: list[str] = []
    for m in data['machines']:
        password = f'bmc-{secrets.token_hex(10)}'
        m.setdefault('power_parameters', {})['power_pass'] = password
        passwords.append(password)
    path = tmp_path_factory.mktemp('pool') / 'pool.yaml'
    path.write_text(yaml.safe_dump(data))
    return path, passwords


@pytest.fixture(scope='module')
def deployed(
    tmp_path_factory: pytest.TempPathFactory, pool_file: tuple[Path, list[str]]
) -> Iterator[Path]:
    """The stack deployed and a user secret added, a reader holding the WAL open throughout."""
    state = tmp_path_factory.mktemp('at-rest') / 'olm'
    ok(state, 'pool', 'import', str(pool_file[0]))
    # sqlite deletes the WAL when its last connection closes; this one keeps it (and -shm).
    reader = sqlite3.connect(state / 'state.db')
    reader.execute('SELECT COUNT(*) FROM sqlite_master').fetchone()
    try:
        ok(state, 'deploy', str(BUNDLE), '--seed', '1')
        ok(state, 'add-secret', 'operator-password', f'password={USER_SECRET}')
        yield state
    finally:
        reader.close()


@pytest.fixture(scope='module')
def secret_values(deployed: Path, pool_file: tuple[Path, list[str]]) -> list[str]:
    """Every secret's content and every BMC password, as a user with the key reads them."""
    values = list(pool_file[1])
    listed = json.loads(ok(deployed, 'secrets', '--format', 'json'))
    for uri in listed:
        shown = json.loads(ok(deployed, 'show-secret', uri, '--reveal', '--format', 'json'))
        for secret in shown.values():
            values.extend(str(v) for v in secret['content']['Data'].values())
    return [v for v in values if len(v) >= SHORTEST]


def forms(value: str) -> set[bytes]:
    """The value as stored as it is, and inside a JSON string (escaped)."""
    return {value.encode(), json.dumps(value)[1:-1].encode()}


def test_the_values_looked_for_are_the_stacks_and_the_users(secret_values: list[str]):
    # 20 BMC passwords, the user's, and the charms': MAAS's region secret and admin, the
    # database's password, the VRRP password, a Ceph key.
    assert USER_SECRET in secret_values
    assert len(secret_values) >= 20 + 1 + 5, secret_values


def test_no_secret_value_is_in_any_file_of_the_state_directory_but_the_key(
    deployed: Path, secret_values: list[str]
):
    names = sorted(p.name for p in deployed.iterdir())
    assert {'state.db', 'state.db-wal', 'state.db-shm', 'secrets.key'} <= set(names), names
    for path in deployed.iterdir():
        if path.name == 'secrets.key':
            continue
        raw = path.read_bytes()
        leaked = [v for v in secret_values if any(f in raw for f in forms(v))]
        assert leaked == [], f'{path.name} holds {leaked}'


def test_sqlite_alone_reads_no_secret_value(deployed: Path, secret_values: list[str]):
    conn = sqlite3.connect(f'file:{deployed / "state.db"}?mode=ro', uri=True)
    try:
        dump = '\n'.join(conn.iterdump()).encode()
    finally:
        conn.close()
    assert b'CREATE TABLE records' in dump  # the dump is the database's
    leaked = [v for v in secret_values if any(f in dump for f in forms(v))]
    assert leaked == []


def test_the_charms_wrote_secrets_into_machine_files(deployed: Path, secret_values: list[str]):
    # The checks above mean something only if secrets do reach the machines' files: keepalived's
    # configuration on the load balancers carries the VRRP password, a Juju secret.
    out = ok(deployed, 'exec', '--unit', 'load-balancer/0', '--', 'cat',
             '/etc/keepalived/keepalived.conf')  # fmt: skip
    found = re.search(r'auth_pass (\S+)', out)
    assert found is not None, out
    assert found.group(1) in secret_values


def test_the_state_directory_is_its_owners_alone(deployed: Path):
    assert stat.S_IMODE(deployed.stat().st_mode) == 0o700
    for path in deployed.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


@pytest.mark.skipif(os.geteuid() != 0, reason='switching to another user needs root')
def test_another_user_reads_nothing_of_the_state_directory(deployed: Path):
    # pytest's own temporary directories are 0700: the state directory's copy goes under one
    # that anybody may enter, so that only its own modes stand in another user's way.
    open_parent = Path(tempfile.mkdtemp(prefix='olm-at-rest-'))
    try:
        open_parent.chmod(0o755)
        state = open_parent / 'olm'
        shutil.copytree(deployed, state)  # modes kept (copystat)
        nobody = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
        assert subprocess.run([*nobody, 'ls', str(open_parent)], check=False).returncode == 0
        for path in [state, *state.iterdir()]:
            command = 'ls' if path.is_dir() else 'cat'
            done = subprocess.run([*nobody, command, str(path)], capture_output=True, check=False)
            assert done.returncode != 0, path
            assert b'Permission denied' in done.stderr, (path, done.stderr)
    finally:
        shutil.rmtree(open_parent)

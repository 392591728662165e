"""MAAS under olm: two region controllers, two racks, the PostgreSQL offer (simulation).

The region and the racks are the real charms (charms/metal-controller, charms/rack-agent)
driving the emulated ``maas`` program on simulated machines; the database is the offer file
bundles/offers/postgresql.yaml. What the World knows (regions, racks, shared secrets per
database) is read from the model's store, as the next ``olm`` command would load it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from olmcli import BUNDLES, OFFERS, copy_state, ok, olm, shared_facts, status

DATABASE = '10.0.0.5:5432/maas'


def maas_world(state: Path) -> dict[str, Any]:
    """The emulated MAAS facts shared by every simulated machine of the model."""
    return shared_facts(state)['maas']


def units(state: Path, app: str) -> dict[str, Any]:
    return status(state)['applications'][app]['units']


@pytest.fixture(scope='module')
def model(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    state = copy_state(imported_lab, tmp_path_factory.mktemp('olm-maas'))
    ok(state, 'deploy', str(BUNDLES / 'maas.yaml'), '--offers', str(OFFERS), '--seed', '5')
    return state


def test_regions_and_racks_are_active(model: Path):
    regions = units(model, 'metal-controller')
    racks = units(model, 'rack-agent')
    assert len(regions) == 2 and len(racks) == 2
    for name, unit in {**regions, **racks}.items():
        assert unit['workload-status']['current'] == 'active', (name, unit['workload-status'])
    for unit in racks.values():
        assert unit['workload-status']['message'].startswith('registered with http://')


def test_both_regions_share_one_database_and_both_racks_registered(model: Path):
    database = maas_world(model)['databases'][DATABASE]
    assert database['migrated'] is True
    assert len(database['regions']) == 2
    racks = {r['hostname'] for r in database['racks'].values()}
    machines = {u['machine'] for u in units(model, 'rack-agent').values()}
    now = status(model)
    hostnames = {now['machines'][m]['hostname'] for m in machines}
    assert racks == hostnames


def test_no_credential_in_status_or_log(model: Path):
    secret = maas_world(model)['databases'][DATABASE]['secret']
    shown = ok(model, 'status', '--format', 'json') + ok(model, 'debug-log')
    assert secret not in shown
    assert 'olm-simulated-db-password' not in shown


def leader(state: Path, app: str) -> str:
    return next(name for name, unit in units(state, app).items() if unit.get('leader'))


@pytest.mark.parametrize(
    ('params', 'message'),
    [
        (
            ('username=root;rm -rf /', 'email=root@example.com'),
            "username 'root;rm -rf /' is refused: Enter a valid username. This value may "
            'contain only letters, numbers, and @/./+/-/_ characters.',
        ),
        (
            ('username=' + 'u' * 151, 'email=long@example.com'),
            f"username '{'u' * 40}...' is refused: Ensure this value has at most 150 "
            'characters (it has 151).',
        ),
        (
            ('username=mallory', 'email=mallory;reboot@example.com'),
            "email 'mallory;reboot@example.com' is refused: Enter a valid email address.",
        ),
    ],
)
def test_create_admin_refuses_what_maas_user_form_refuses(
    model: Path, params: tuple[str, str], message: str
):
    """Issue 22: ``maas createadmin`` itself takes such names (it runs no validator), MAAS's
    user form does not; the action checks its parameters as that form does, before running
    anything, and the task fails naming the parameter."""
    users = set(maas_world(model)['databases'][DATABASE].get('users', {}))
    unit = leader(model, 'metal-controller')
    done = olm(model, 'run', unit, 'create-admin', *params, '--format', 'json')
    assert done.returncode == 0, done.stderr
    task = json.loads(done.stdout)[unit]
    assert (task['status'], task['message']) == ('failed', message)
    assert set(maas_world(model)['databases'][DATABASE].get('users', {})) == users


def test_create_admin_creates_a_valid_user(model: Path):
    unit = leader(model, 'metal-controller')
    done = olm(model, 'run', unit, 'create-admin', 'username=-ops.team+1@site',
               'email=ops@Example.COM', '--format', 'json')  # fmt: skip
    task = json.loads(done.stdout)[unit]
    assert task['status'] == 'completed', task
    assert task['results']['username'] == '-ops.team+1@site'
    user = maas_world(model)['databases'][DATABASE]['users']['-ops.team+1@site']
    assert user['email'] == 'ops@example.com'


def test_a_rack_given_another_regions_url_is_blocked_on_the_secret(model: Path):
    # An operator error: maas-url points at a different MAAS (its own database, so its own
    # shared secret). The racks present this region's secret there and are refused.
    ok(model, 'deploy', str(BUNDLES / 'region-b.yaml'), '--seed', '5')
    other = units(model, 'region-b')['region-b/0']
    assert other['workload-status']['current'] == 'active'
    url = f'http://{other["public-address"]}:5240/MAAS'
    ok(model, 'config', 'metal-controller', f'maas-url={url}')
    for name, unit in units(model, 'rack-agent').items():
        status = unit['workload-status']
        assert status['current'] == 'blocked', (name, status)
        assert 'rejected the shared secret' in status['message']
    world = maas_world(model)['databases']
    assert len(world['10.0.1.5:5432/maas']['racks']) == 0


def test_losing_the_database_stops_maas_and_a_new_one_starts_it(model: Path):
    # MAAS 3.5+ runs every service under the snap's pebble (there is no snap.maas.supervisor):
    # without its database a region stops and disables it, and maas init brings it back.
    ok(model, 'config', 'metal-controller', '--reset', 'maas-url')
    ok(model, 'remove-relation', 'metal-controller:database', 'postgresql')
    for name, unit in units(model, 'metal-controller').items():
        status = unit['workload-status']
        assert status['current'] == 'blocked', (name, status)
        assert status['message'].startswith('needs a PostgreSQL database'), (name, status)
        pebble = olm(model, 'ssh', name, 'systemctl', 'is-active', 'snap.maas.pebble')
        assert pebble.stdout.strip() == 'inactive', (name, pebble.stdout, pebble.stderr)
    ok(model, 'integrate', 'metal-controller:database', 'postgresql')
    for name, unit in {**units(model, 'metal-controller'), **units(model, 'rack-agent')}.items():
        assert unit['workload-status']['current'] == 'active', (name, unit['workload-status'])

"""bundles/metal-k8s.yaml through the dispatch runner: the packed charms, run as Juju runs them.

``olm deploy --runner dispatch`` stages every charm as charmcraft packs it (its files, the
shared lib/ packages, ``dispatch``, a venv from its uv.lock) and runs each hook as a process of
its own through ``dispatch``, in a bubblewrap sandbox whose ``/`` is the simulated machine,
with the hook tools answered by olm. The same bundle, seed and pool through the in-process
(Scenario) runner must end in the same model: the same units on the same machines, the same
relations, the same relation data apart from addresses and ids. Needs bubblewrap (.ci/run
installs it).
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from olmcli import ROOT, copy_state, ok, status

BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
SEED = '1'

pytestmark = pytest.mark.skipif(shutil.which('bwrap') is None, reason='needs bubblewrap')

_IP = re.compile(r'\b\d{1,3}(?:\.\d{1,3}){3}\b')
_SECRET = re.compile(r'secret:(?://[0-9a-f-]+/)?[0-9a-v]{20}')
_UUID = re.compile(r'\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b')
# metal-controller's credentials tag is an HMAC under a key each unit draws at random: it
# differs between any two deployments, whatever runs them.
_CREDENTIALS_TAG = re.compile(r'(\\"credentials\\": ?\\")[0-9a-f]{16}')


def _deploy(imported_lab: Path, where: Path, runner: str) -> tuple[Path, dict[str, Any]]:
    state = copy_state(imported_lab, where)
    ok(state, 'deploy', str(BUNDLE), '--seed', SEED, '--runner', runner, '--quiet', timeout=1200)
    return state, status(state)


@pytest.fixture(scope='module')
def dispatched(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory):
    return _deploy(imported_lab, tmp_path_factory.mktemp('dispatch'), 'dispatch')


@pytest.fixture(scope='module')
def in_process(imported_lab: Path, tmp_path_factory: pytest.TempPathFactory):
    return _deploy(imported_lab, tmp_path_factory.mktemp('scenario'), 'scenario')


def _units(now: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for app in now['applications'].values():
        found.update(app.get('units') or {})
    return found


def _scrub(text: str) -> str:
    """Relation data with addresses, secret ids, uuids and random tags replaced by placeholders.

    Secret ids differ in form too: Juju's ``secret-add`` prints ``secret://<model>/<id>``
    (what the dispatch runner's hook tool prints), Scenario's stand-in ``secret:<id>``.
    """
    text = _CREDENTIALS_TAG.sub(r'\1<tag>', text)
    return _UUID.sub('<uuid>', _SECRET.sub('<secret>', _IP.sub('<ip>', text)))


def _relation_data(state: Path, unit: str) -> list[str]:
    """What show-unit says the unit sees of each relation, one sorted JSON text per relation."""
    shown: dict[str, Any] = json.loads(ok(state, 'show-unit', unit, '--format', 'json'))[unit]
    info: list[dict[str, Any]] = shown.get('relation-info') or []
    seen: list[str] = []
    for r in info:
        related: dict[str, dict[str, Any]] = r.get('related-units') or {}
        seen.append(
            json.dumps(
                {
                    'endpoint': r['endpoint'],
                    'related-endpoint': r.get('related-endpoint'),
                    'application-data': r.get('application-data', {}),
                    'related-units': {u: d.get('data', {}) for u, d in related.items()},
                },
                sort_keys=True,
            )
        )
    return sorted(_scrub(text) for text in seen)


def _relations(now: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    """Every application's endpoints and what each is related to."""
    found: list[tuple[str, str, tuple[str, ...]]] = []
    for app, body in now['applications'].items():
        relations: dict[str, list[str]] = body.get('relations') or {}
        found += [(app, endpoint, tuple(sorted(o))) for endpoint, o in relations.items()]
    return sorted(found)


def test_every_unit_is_active_in_the_dispatch_runner(dispatched: tuple[Path, dict[str, Any]]):
    _, now = dispatched
    units = _units(now)
    assert len(units) == 15
    not_active = {
        name: (u['workload-status']['current'], u['workload-status'].get('message'))
        for name, u in units.items()
        if u['workload-status']['current'] != 'active'
    }
    assert not not_active


def test_status_says_the_hooks_ran_in_the_dispatch_runner(dispatched: tuple[Path, Any]):
    state, _ = dispatched
    assert 'hooks: dispatch' in ok(state, 'status')


def test_both_runners_end_in_the_same_model(
    dispatched: tuple[Path, dict[str, Any]], in_process: tuple[Path, dict[str, Any]]
):
    (d_state, d_now), (s_state, s_now) = dispatched, in_process

    d_units, s_units = _units(d_now), _units(s_now)
    assert {n: u['machine'] for n, u in d_units.items()} == {
        n: u['machine'] for n, u in s_units.items()
    }
    assert {n: u['workload-status'].get('message') for n, u in d_units.items()} == {
        n: u['workload-status'].get('message') for n, u in s_units.items()
    }
    assert _relations(d_now) == _relations(s_now)
    for unit in sorted(d_units):
        assert _relation_data(d_state, unit) == _relation_data(s_state, unit), unit

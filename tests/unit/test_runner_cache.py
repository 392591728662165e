"""What the runner keeps between hooks, and what it builds lazily, must never show stale data.

- :class:`runner.ProjectionCache` hands a unit the same remote-databag mapping hook after hook
  until a member or a databag changes;
- ops is patched to build only a relation event's relation up front, yet the charm still sees
  every relation of the endpoint, with every remote unit, and the event's relation among them.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ops import testing

from orchestrator import engine as olm_engine
from orchestrator.agent import runner
from orchestrator.agent.hooks import Hook
from orchestrator.state import model
from orchestrator.state.store import Store

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / 'tests' / 'charms' / 'bench'
LAB_POOL = ROOT / 'bundles' / 'pools' / 'lab.yaml'


def _relation() -> model.Relation:
    return model.Relation(
        id=7,
        endpoints=[
            model.RelationEndpoint('front', 'db', 'requirer', 'sql'),
            model.RelationEndpoint('back', 'db', 'provider', 'sql'),
        ],
        unit_data={'back/0': {'port': '1'}, 'back/1': {'port': '2'}, 'front/0': {}},
    )


def test_unchanged_relation_reuses_the_mapping():
    m, relation, cache = model.Model(), _relation(), runner.ProjectionCache()
    first = cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/1'))
    assert first == {0: {'port': '1'}, 1: {'port': '2'}}
    assert cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/1')) is first


def test_committed_databag_is_seen():
    m, relation, cache = model.Model(), _relation(), runner.ProjectionCache()
    cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/1'))
    # agent.commit replaces a unit's databag when its hook changed it.
    relation.unit_data['back/1'] = {'port': '3'}
    again = cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/1'))
    assert again == {0: {'port': '1'}, 1: {'port': '3'}}


def test_members_joining_and_departing_are_seen():
    m, relation, cache = model.Model(), _relation(), runner.ProjectionCache()
    cache.remote_databags(m, 'front/0', relation, ('back/0',))
    joined = cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/1'))
    assert joined == {0: {'port': '1'}, 1: {'port': '2'}}
    departed = cache.remote_databags(m, 'front/0', relation, ('back/1',))
    assert departed == {1: {'port': '2'}}
    reordered = cache.remote_databags(m, 'front/0', relation, ('back/1', 'back/0'))
    assert list(reordered) == [1, 0]


def test_each_unit_and_model_has_its_own_entries():
    m, relation, cache = model.Model(), _relation(), runner.ProjectionCache()
    mine = cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/1'))
    theirs = cache.remote_databags(m, 'front/1', relation, ('back/0',))
    assert theirs == {0: {'port': '1'}}
    assert cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/1')) is mine
    # A new session loads a new model: same ids, other objects.
    reloaded = model.Model()
    fresh = _relation()
    fresh.unit_data['back/0'] = {'port': '9'}
    seen = cache.remote_databags(reloaded, 'front/0', fresh, ('back/0', 'back/1'))
    assert seen == {0: {'port': '9'}, 1: {'port': '2'}}
    assert len(cache) == 1


def test_a_new_relation_with_the_same_id_is_seen():
    m, relation, cache = model.Model(), _relation(), runner.ProjectionCache()
    cache.remote_databags(m, 'front/0', relation, ('back/0',))
    again = _relation()  # same id, e.g. removed and re-added within one session
    again.unit_data['back/0'] = {'port': '5'}
    assert cache.remote_databags(m, 'front/0', again, ('back/0',)) == {0: {'port': '5'}}


def test_member_without_databag_gets_a_fresh_empty_one():
    m, relation, cache = model.Model(), _relation(), runner.ProjectionCache()
    first = cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/2'))
    assert first == {0: {'port': '1'}, 2: {}}
    relation.unit_data['back/2'] = {'port': '4'}
    assert cache.remote_databags(m, 'front/0', relation, ('back/0', 'back/2'))[2] == {'port': '4'}


# -- through the engine: a unit related to several applications ---------------------------

PROBE_META = """\
name: probe
type: charm
summary: sees every relation of its endpoint on every relation event
description: test charm
base: ubuntu@24.04
platforms:
  amd64:
requires:
  upstream:
    interface: olm-bench
"""

PROBE_CHARM = """\
import ops


class ProbeCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.upstream_relation_changed, self._seen)

    def _seen(self, event: ops.RelationChangedEvent) -> None:
        relations = self.model.relations['upstream']
        same = [r for r in relations if r is event.relation]
        units = sorted(u.name for r in relations for u in r.units)
        ports = sorted(r.data[u].get('port', '-') for r in relations for u in r.units)
        event.relation.data[self.unit]['seen'] = (
            f'{len(relations)} {len(same)} {",".join(units)} {",".join(ports)}'
        )
"""


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[olm_engine.Engine]:
    charms = tmp_path / 'charms'
    (charms / 'probe' / 'src').mkdir(parents=True)
    (charms / 'probe' / 'charmcraft.yaml').write_text(PROBE_META)
    (charms / 'probe' / 'src' / 'charm.py').write_text(textwrap.dedent(PROBE_CHARM))
    (charms / 'probe' / 'src' / 'charm.py').chmod(0o755)  # dispatch execs it
    (charms / 'bench').symlink_to(BENCH)
    store = Store(tmp_path / 'model')
    e = olm_engine.Engine(
        store, charms_dir=charms, seed=3, retry=olm_engine.RetryPolicy(initial=0, maximum=0)
    )
    e.import_pool(LAB_POOL)
    yield e
    store.close()


def _deploy(engine: olm_engine.Engine) -> None:
    engine.deploy('probe', settle=False)
    for name in ('one', 'two', 'three'):
        engine.deploy('bench', application=name, num_units=2, settle=False)
        engine.integrate('probe:upstream', f'{name}:api', settle=False)
    engine.wait()


def test_relation_event_sees_every_relation_of_the_endpoint(engine: olm_engine.Engine):
    _deploy(engine)
    # Once all are related, a new port in every application makes the probe run a last
    # relation-changed in each relation (ops builds only that relation up front).
    for name in ('one', 'two', 'three'):
        engine.set_config(name, {'port': 9000}, settle=False)
    engine.wait()
    m = engine.status_view().model
    every = 'one/0,one/1,three/0,three/1,two/0,two/1'
    for relation in m.relations_of('probe'):
        count, same, units, ports = relation.unit_data['probe/0']['seen'].split()
        # All three relations, the event's relation listed among them (the same object),
        # every remote unit with a databag it can read.
        assert (count, same, units) == ('3', '1', every)
        assert set(ports.split(',')) <= {'8080', '9000'} and len(ports.split(',')) == 6


def test_projection_with_cache_is_the_projection_without(engine: olm_engine.Engine):
    _deploy(engine)
    with engine._context.session() as s:  # pyright: ignore[reportPrivateUsage]
        m = s.model
        probe = m.units['probe/0']
        spec = engine._context.spec(m.applications['probe'])  # pyright: ignore[reportPrivateUsage]
        cache = runner.ProjectionCache()
        hook = Hook(kind='update-status')

        def remote(state: testing.State) -> dict[int, dict[int, Any]]:
            return {r.id: dict(r.remote_units_data) for r in state.relations}

        plain = runner.project(m, probe, hook, spec)
        cached = runner.project(m, probe, hook, spec, cache)
        assert remote(cached) == remote(plain)
        again = runner.project(m, probe, hook, spec, cache)
        assert all(
            a.remote_units_data is b.remote_units_data
            for a, b in zip(cached.relations, again.relations, strict=True)
        )
        # A commit by one of the related units replaces its databag: the next projection
        # must show it, and only that relation's mapping is rebuilt.
        relation = next(
            r for r in m.relations_of('probe') if r.other_application('probe') == 'two'
        )
        relation.unit_data['two/1'] = {**relation.unit_data['two/1'], 'port': '9090'}
        after = runner.project(m, probe, hook, spec, cache)
        assert remote(after) == remote(runner.project(m, probe, hook, spec))
        assert remote(after)[relation.id][1]['port'] == '9090'
        for a, b in zip(again.relations, after.relations, strict=True):
            assert (a.remote_units_data is b.remote_units_data) == (a.id != relation.id)


def test_observer_signatures_are_what_inspect_gives() -> None:
    import inspect

    import ops.framework

    from orchestrator import _compat

    class Observer:
        def one(self, event: object) -> None: ...

        def none(self) -> None: ...

        def star(*args: object) -> None: ...

    for name in ('one', 'none', 'star'):
        for instance in (Observer(), Observer()):
            method = getattr(instance, name)
            cached = _compat.signature(method, follow_wrapped=False)
            assert cached == inspect.signature(method, follow_wrapped=False), name
    assert ops.framework.inspect.signature is _compat.signature

"""Every private ops/Scenario seam olm relies on (orchestrator/_compat), one test each.

A new ops or ops-scenario release that moves or reshapes one of them fails the test named for
it here, instead of five hook-order tests somewhere else (``tox -e ops-newest`` runs these on
the newest release). Each test asserts the shape olm uses: the name, the parameters, the
attributes read or written.
"""

# The private parts of ops and Scenario are this module's subject.
# pyright: reportPrivateUsage=false, reportUnknownMemberType=false
# pyright: reportPrivateImportUsage=false

from __future__ import annotations

import copy
import inspect
import weakref
from typing import Any

import ops
import ops._main
import ops.framework
import ops.model
import ops.storage
import pytest
from ops import testing
from scenario import _consistency_checker, _ops_main_mock, _runtime
from scenario import state as scenario_state

from orchestrator import _compat


def _parameters(function: Any) -> list[str]:
    return list(inspect.signature(function).parameters)


def _source(function: Any) -> str:
    return inspect.getsource(function)


# -- scenario.state -----------------------------------------------------------------------


def test_secret_ids_come_from_generate_secret_id_at_each_new_secret():
    assert _parameters(scenario_state._generate_secret_id) == []
    ids = iter(['secret:one', 'secret:two'])
    with _compat.seeded_secret_ids(lambda: next(ids)):
        assert testing.Secret({'a': 'b'}).id == 'secret:one'
        assert testing.Secret({'a': 'b'}).id == 'secret:two'
    assert testing.Secret({'a': 'b'}).id not in {'secret:one', 'secret:two'}


def test_a_secret_keeps_its_revisions_in_tracked_and_latest_revision():
    secret = testing.Secret({'a': 'b'}, latest_content={'a': 'c'})
    assert {'_tracked_revision', '_latest_revision'} <= set(vars(secret))
    _compat.set_secret_revisions(secret, 3, 5)
    assert _compat.secret_revisions(secret) == (3, 5)


def test_an_event_is_made_from_its_name_by_event():
    event = _compat.leader_settings_changed()
    assert isinstance(event, scenario_state._Event)
    assert event.name == 'leader_settings_changed'


def test_a_state_is_deep_copied_by_the_runtime_and_found_by_relation_id():
    # Runtime.exec copies its input with copy.deepcopy: ProjectedState answers with itself.
    assert 'copy.deepcopy(state)' in _source(_runtime.Runtime.exec)
    relation = testing.Relation('db', id=4)
    projected = _compat.ProjectedState(relations=[relation])
    assert copy.deepcopy(projected) is projected
    assert _parameters(testing.State.get_relation) == ['self', 'relation']
    assert projected.get_relation(4) is relation


def test_a_relation_reads_a_remote_unit_through_get_databag_for_remote():
    for cls in (testing.Relation, testing.PeerRelation):
        assert _parameters(cls._get_databag_for_remote) == ['self', 'unit_id']
        assert hasattr(cls, '__post_init__')
    relation = _compat.ProjectedRelation('db', id=1, remote_units_data={0: {'a': 'b'}})
    _compat.keep_departing(relation, 1, {'gone': 'yes'})
    assert relation._get_databag_for_remote(0) == {'a': 'b'}
    assert relation._get_databag_for_remote(1) == {'gone': 'yes'}
    peer = _compat.ProjectedPeerRelation('peers', id=2, peers_data={3: {'c': 'd'}})
    assert peer._get_databag_for_remote(3) == {'c': 'd'}


def test_only_the_local_databags_of_a_projected_relation_are_copied():
    local, remote = {'mine': '1'}, {0: {'theirs': '2'}}
    relation = _compat.ProjectedRelation(
        'db', id=1, local_unit_data=local, remote_units_data=remote
    )
    assert relation.local_unit_data == local and relation.local_unit_data is not local
    assert relation.remote_units_data is remote


# -- scenario._runtime and scenario.context ------------------------------------------------


def test_the_runtime_is_generic_and_built_as_context_run_builds_it():
    assert _runtime.Runtime[ops.CharmBase] is not None  # generic (not in Scenario 8.3)
    assert _parameters(_runtime.Runtime.__init__) == [
        'self',
        'app_name',
        'charm_spec',
        'charm_root',
        'juju_version',
        'unit_id',
        'machine_id',
        'availability_zone',
        'principal_unit',
    ]
    assert _parameters(_runtime.Runtime.exec) == ['self', 'state', 'event', 'context']
    assert 'Runtime(' in _source(testing.Context._run)


def test_the_runtime_makes_its_charm_root_in_virtual_charm_root():
    assert _parameters(_runtime.Runtime._virtual_charm_root) == ['self']
    assert 'self._virtual_charm_root()' in _source(_runtime.Runtime.exec)
    assert 'self._charm_spec' in _source(_runtime.Runtime.__init__)


def test_the_runtime_builds_the_hook_environment_in_get_event_env():
    assert _parameters(_runtime.Runtime._get_event_env) == [
        'self',
        'state',
        'event',
        'charm_root',
    ]
    assert 'self._get_event_env(' in _source(_runtime.Runtime.exec)


def test_a_context_runs_through_run_with_its_private_settings():
    assert _parameters(testing.Context._run) == ['self', 'event', 'state']
    ctx = testing.Context(ops.CharmBase, meta={'name': 'x'}, machine_id='0')
    for name in (
        '_charm_spec',
        '_machine_id',
        '_availability_zone',
        '_principal_unit',
        '_action_failure_message',
        '_output_state',
    ):
        assert hasattr(ctx, name), name
    for history in (
        'juju_log',
        'unit_status_history',
        'app_status_history',
        'workload_version_history',
        'removed_secret_revisions',
        'emitted_events',
        'action_logs',
    ):
        assert isinstance(getattr(ctx, history), list), history


def test_the_consistency_checker_is_switched_off_by_its_environment_variable():
    source = _source(_consistency_checker.check_consistency)
    assert f"os.getenv('{_compat.SKIP_CONSISTENCY_CHECKS}')" in source


# -- scenario._ops_main_mock --------------------------------------------------------------


def test_scenario_ops_loads_the_charm_metadata_in_load_charm_meta():
    assert _parameters(_compat.original_load_charm_meta) == ['self']
    assert 'self._charm_root' in _source(_compat.original_load_charm_meta)


def test_scenario_ops_makes_its_storage_in_make_storage():
    assert len(_parameters(_compat.original_make_storage)) == 2
    source = _source(_compat.original_make_storage)
    assert 'UnitStateDB(' in source and 'apply_state(self.state)' in source
    assert _parameters(_ops_main_mock.UnitStateDB.__init__) == ['self', 'underlying_store']


def test_scenario_ops_finds_the_event_to_emit_in_get_event_to_emit():
    # olm's runs replace it with ops.main's own: an event the charm does not define is
    # logged at debug, not raised (ops/_main.py ``_Manager._get_event_to_emit``).
    assert _parameters(_compat.original_get_event_to_emit) == ['self', 'event_name']
    source = _source(_compat.original_get_event_to_emit)
    assert 'NoObserverError' in source and 'self._get_owner(' in source
    assert 'self.event._is_custom_event' in source
    ops_source = _source(ops._main._Manager._get_event_to_emit)
    assert 'not defined for' in ops_source
    assert 'if event_to_emit is None' in _source(ops._main._Manager._emit_charm_event)


def test_memory_storage_has_the_methods_of_sqlite_storage():
    public = {
        name
        for name, _ in inspect.getmembers(ops.storage.SQLiteStorage, inspect.isfunction)
        if not name.startswith('_')
    }
    for name in public:
        ours = getattr(_compat.MemoryStorage, name, None)
        assert ours is not None, name
        assert _parameters(ours) == _parameters(getattr(ops.storage.SQLiteStorage, name)), name


# -- ops.model and ops.framework ----------------------------------------------------------


def test_relation_mapping_builds_an_event_relation_in_get_unique():
    mapping = ops.model.RelationMapping
    assert _parameters(mapping._get_unique) == ['self', 'relation_name', 'relation_id']
    assert _parameters(mapping.__getitem__) == ['self', 'relation_name']
    assert _parameters(mapping._invalidate) == ['self', 'relation_name']
    init = _source(mapping.__init__)
    for attribute in (
        '_peers',
        '_our_unit',
        '_backend',
        '_cache',
        '_broken_relation_id',
        '_data',
        '_remote_unit',
    ):
        assert f'self.{attribute} ' in init or f'self.{attribute}:' in init, attribute
    relation = inspect.signature(ops.Relation.__init__).parameters
    assert list(relation)[1:7] == [
        'relation_name',
        'relation_id',
        'is_peer',
        'our_unit',
        'backend',
        'cache',
    ]
    assert '_remote_unit' in relation


def test_the_model_cache_keeps_units_in_weakrefs():
    cache = ops.model._ModelCache
    assert _parameters(cache.__init__) == ['self', 'meta', 'backend']
    assert 'self._weakrefs' in _source(cache.__init__)


def test_observe_checks_signatures_through_the_framework_modules_inspect():
    assert 'inspect.signature(' in _source(ops.Framework.observe)
    assert ops.framework.inspect.signature is _compat.signature


def test_framework_on_caches_emitters_in_a_class_level_cache():
    cache = _compat.FRAMEWORK_EVENTS._cache
    assert isinstance(cache, weakref.WeakKeyDictionary)
    _compat.forget_framework_events()
    assert len(cache) == 0


def test_class_level_events_cache_each_emitters_events_by_the_emitter():
    # What forget_framework_events undoes for a charm library's `on = SomeEvents()`.
    assert 'self._cache' in _source(ops.ObjectEvents.__get__)

    class Events(ops.ObjectEvents):
        pass

    class Emitter(ops.Object):
        on = Events()

    assert isinstance(vars(Emitter)['on']._cache, weakref.WeakKeyDictionary)


@pytest.mark.parametrize('name', sorted(_compat.__all__))
def test_every_function_and_class_of_compat_says_why(name: str):
    thing = getattr(_compat, name)
    if getattr(thing, '__module__', '').startswith('orchestrator.'):
        assert (thing.__doc__ or '').strip(), name

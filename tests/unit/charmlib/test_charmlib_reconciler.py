"""metal_charm.Reconciler: one reconcile per hook, its outcome the unit status, nothing stored."""

from __future__ import annotations

from typing import Any

import metal_charm
import ops
import pytest
from ops import testing

RUNS: list[str] = []
"""The events each reconcile ran for, in order."""
PLAN: dict[str, Any] = {}
"""What the next reconcile does: ``add`` statuses, then ``raise`` one or ``return`` some."""


class Charm(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.reconciler = metal_charm.Reconciler(
            self,
            self._reconcile,
            metal_charm.Triggers(relations={'db': ('changed',)}),
            also=[self.on.db_relation_changed],  # a second trigger of the same hook
            initial=ops.MaintenanceStatus('installing'),
        )
        framework.observe(self.on.stop, self._on_stop)

    def _reconcile(self, event: ops.EventBase) -> Any:
        RUNS.append(type(event).__name__)
        for status in PLAN.get('add', ()):
            self.reconciler.add(status)
        if 'raise' in PLAN:
            raise PLAN['raise']
        return PLAN.get('return')

    def _on_stop(self, _: ops.StopEvent) -> None:
        self.reconciler.show(ops.MaintenanceStatus('stopped'))


META: dict[str, Any] = {'name': 'reconciled', 'requires': {'db': {'interface': 'db'}}}
ACTIONS: dict[str, Any] = {'noop': {}}


@pytest.fixture(autouse=True)
def fresh() -> None:
    RUNS.clear()
    PLAN.clear()


def run(event: Any, state: testing.State | None = None) -> testing.State:
    ctx = testing.Context(Charm, meta=META, actions=ACTIONS)
    return ctx.run(event, state or testing.State())


def test_a_trigger_runs_the_reconcile_once_per_hook_and_shows_its_outcome() -> None:
    relation = testing.Relation('db')
    PLAN['return'] = ops.ActiveStatus('ready')

    ctx = testing.Context(Charm, meta=META, actions=ACTIONS)
    out = ctx.run(ctx.on.relation_changed(relation), testing.State(relations={relation}))

    assert RUNS == ['RelationChangedEvent']  # two observers of the event, one reconcile
    assert out.unit_status == testing.ActiveStatus('ready')


@pytest.mark.parametrize(
    ('added', 'raised', 'shown'),
    [
        # the raise stops the reconcile; the most severe status of the outcome shows
        (ops.WaitingStatus('waiting for peers'), metal_charm.BlockedError('set channel'),
         testing.BlockedStatus('set channel')),
        # what was added before the raise is kept
        (ops.BlockedStatus('disk missing'), metal_charm.WaitingError('waiting for the leader'),
         testing.BlockedStatus('disk missing')),
    ],
)  # fmt: skip
def test_a_raise_stops_the_reconcile_and_what_was_added_before_it_is_kept(
    added: ops.StatusBase, raised: metal_charm.StatusError, shown: testing.StatusBase
) -> None:
    PLAN['add'] = [added]
    PLAN['raise'] = raised

    ctx = testing.Context(Charm, meta=META, actions=ACTIONS)
    out = ctx.run(ctx.on.config_changed(), testing.State())

    assert out.unit_status == shown


def test_a_hook_the_reconcile_does_not_run_for_keeps_the_status_juju_has() -> None:
    ctx = testing.Context(Charm, meta=META, actions=ACTIONS)
    out = ctx.run(ctx.on.action('noop'), testing.State(unit_status=testing.BlockedStatus('x')))

    assert RUNS == []
    assert out.unit_status == testing.BlockedStatus('x')


def test_the_initial_status_shows_only_while_the_unit_has_none() -> None:
    ctx = testing.Context(Charm, meta=META, actions=ACTIONS)
    fresh = ctx.run(ctx.on.action('noop'), testing.State())

    assert fresh.unit_status == testing.MaintenanceStatus('installing')


def test_a_teardown_hook_shows_what_it_says() -> None:
    ctx = testing.Context(Charm, meta=META, actions=ACTIONS)
    out = ctx.run(ctx.on.stop(), testing.State(unit_status=testing.ActiveStatus('ready')))

    assert RUNS == []
    assert out.unit_status == testing.MaintenanceStatus('stopped')


def test_nothing_is_kept_in_the_charm_s_stored_state() -> None:
    PLAN['return'] = ops.ActiveStatus('ready')

    ctx = testing.Context(Charm, meta=META, actions=ACTIONS)
    out = ctx.run(ctx.on.config_changed(), testing.State())

    assert out.unit_status == testing.ActiveStatus('ready')
    # The status lives in Juju, not in a snapshot loaded and saved on every hook.
    assert not [s for s in out.stored_states if 'reconciler' in (s.owner_path or '')]

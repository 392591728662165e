"""Committing a hook: what of a charm run's output becomes part of the model, and what follows.

Juju sends a hook's relation settings, ports, secret changes, status and charm state to the
controller in one ``CommitHookChanges`` call, and only when the hook succeeded
(reference/testing-ecosystem.md §1.9). :func:`apply_success` is that call for olm: it diffs the
run's output state against its input, writes the differences into the model, advances the
unit agent's progress for the hook it ran, and returns the units whose next hook may have
changed. :func:`apply_failure` records a failed hook the way Juju does: nothing of the charm's
output commits, the unit goes to ``error`` with ``hook failed: "<hook>"`` and the hook waits for
a retry or ``olm resolve``.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from ops import testing

from ..state import model
from . import runner, scope, secret_schedule
from .hooks import Hook, RetryPolicy

JUJU_EXEC = 'juju-exec'
"""The pseudo-hook ``juju exec`` commits as (:mod:`.juju_exec`)."""

__all__ = [
    'JUJU_EXEC',
    'RetryPolicy',
    'apply_failure',
    'apply_success',
    'elect_leader',
    'enter_implicit_scopes',
    'leave_implicit_scopes',
    'orphaned_subordinates',
]

leave_implicit_scopes = scope.leave_implicit
orphaned_subordinates = scope.orphaned_subordinates


def apply_failure(
    m: model.Model,
    unit: model.Unit,
    hook: Hook,
    error: str,
    *,
    now: float,
    retry: RetryPolicy,
    outcome: runner.Outcome | None = None,
) -> set[str]:
    """Record a failed hook: the unit is in error and its queue blocked.

    An action whose process fails (an uncaught exception: ops exits 1) fails the action, not
    the unit, and nothing it changed commits: Juju's ``HookContext.Flush`` skips the flush and
    ``finalizeAction`` sets the status ``failed`` with the runner's error as the message,
    ``exit status N`` (juju/juju ``worker/uniter/runner/context/context.go`` @ 0027f6c); the
    uniter has already added the return code and output to the results
    (``worker/uniter/runner/runner.go`` ``runCharmProcessOnLocal`` @ 02a3ff2).
    """
    if hook.kind == 'action':
        action = m.actions[str(hook.action_id)]
        code = outcome.exit_code if outcome is not None and outcome.exit_code else 1
        action.status, action.message, action.completed = 'failed', f'exit status {code}', now
        if outcome is not None:
            _record_action_process(action, outcome)
        action.returncode = code
        unit.progress.actions.remove(action.id)
        m.touch('action', action.id)
        m.touch('unit', unit.name)
        return {unit.name}
    previous = unit.progress.failure
    attempts = previous.attempts + 1 if previous is not None else 1
    unit.progress.failure = model.HookFailure(
        hook=hook.juju_name,
        event=hook.to_data(),
        relation_id=hook.relation_id,
        remote_unit=hook.remote_unit,
        attempts=attempts,
        retry_at=now + retry.delay(attempts) if retry.automatic else float('inf'),
        error=error,
    )
    unit.agent = model.Status('error', f'hook failed: "{hook.juju_name}"', now)
    m.touch('unit', unit.name)
    return {unit.name}


def apply_success(
    m: model.Model,
    unit: model.Unit,
    hook: Hook,
    outcome: runner.Outcome,
    *,
    now: float,
    skipped: bool = False,
) -> set[str]:
    """Commit a successful run into the model; returns the units that may have work now.

    ``skipped``: the hook did not run (``resolve --no-retry``), which Juju's rotation
    treats apart (:func:`.secret_schedule.rotated`).
    """
    out = outcome.state_out
    assert out is not None
    app = m.applications[unit.application]
    leader = app.leader == unit.name
    affected: set[str] = {unit.name}
    m.touch('unit', unit.name)

    affected |= _commit_relations(m, unit, hook, out, leader)
    _commit_status(m, unit, app, out, leader, now)
    unit.workload_version = out.workload_version
    unit.ports = sorted({runner.port_text(p) for p in out.opened_ports})
    unit.stored_state = [runner.encode_stored(s) for s in out.stored_states]
    unit.deferred = [runner.encode_deferred(d) for d in out.deferred]
    if outcome.charm_state is not None:
        unit.charm_state = dict(outcome.charm_state)
    if outcome.leader_settings is not None and leader:
        app.leader_settings = dict(outcome.leader_settings)
    affected |= _commit_secrets(m, unit, hook, outcome, now, skipped)
    if hook.kind == JUJU_EXEC:
        # juju exec commits what its hook tools changed; the agent's progress is its own.
        return affected
    affected |= _advance(m, unit, hook, outcome, now)
    if hook.kind == 'install':
        affected |= enter_implicit_scopes(m, unit)
    if unit.progress.failure is not None and unit.name in m.units:
        unit.progress.failure = None
    if unit.name in m.units and unit.agent.current != 'idle':
        unit.agent = model.Status('idle', '', now)
    return affected


def _commit_relations(
    m: model.Model,
    unit: model.Unit,
    hook: Hook,
    out: testing.State,
    leader: bool,
) -> set[str]:
    # The output is compared with the model, not with the projected input: the runner lets
    # the charm write into the projection itself (no deep copy), and the model is the truth.
    affected: set[str] = set()
    if hook.kind == 'relation-departed' and unit.life == 'dying':
        # A departing unit's writes during relation-departed are not published (Juju).
        return affected
    # A unit in hundreds of relations compares every one of them after each hook: the
    # projected databags are plain dicts already, so they are compared first, copied only
    # when they changed.
    for projected in out.relations:
        relation = m.relations.get(projected.id)
        if relation is None:
            continue
        unit_data = projected.local_unit_data
        previous = relation.unit_data.get(unit.name) or runner.default_unit_data(m, unit, relation)
        if unit_data != previous:
            relation.unit_data[unit.name] = dict(unit_data)
            relation.unit_version[unit.name] = relation.unit_version.get(unit.name, 0) + 1
            affected |= _units_watching(m, relation, unit.application)
            m.touch('relation', relation.id)
        if not leader:
            continue
        app_data = projected.local_app_data
        if app_data != relation.app_data.get(unit.application, {}):
            relation.app_data[unit.application] = dict(app_data)
            relation.app_version[unit.application] = (
                relation.app_version.get(unit.application, 0) + 1
            )
            affected |= _units_watching(m, relation, unit.application)
            m.touch('relation', relation.id)
    return affected


def _units_watching(m: model.Model, relation: model.Relation, writer_app: str) -> set[str]:
    """Units whose next relation hook may depend on a databag of ``writer_app``."""
    if relation.is_peer:
        return {u.name for u in m.units_of(writer_app)}
    return {u.name for u in m.units_of(relation.other_application(writer_app))}


def _status_of(status: Any) -> tuple[str, str]:
    return str(status.name), str(status.message)


def _commit_status(
    m: model.Model,
    unit: model.Unit,
    app: model.Application,
    out: testing.State,
    leader: bool,
    now: float,
) -> None:
    before = (
        (unit.workload.current, unit.workload.message) if unit.workload_set else ('unknown', '')
    )
    if _status_of(out.unit_status) != before:
        name, message = _status_of(out.unit_status)
        unit.workload = model.Status(name, message, now)
        unit.workload_set = True
    app_before = (app.status.current, app.status.message) if app.status else ('unknown', '')
    if leader and _status_of(out.app_status) != app_before:
        name, message = _status_of(out.app_status)
        app.status = None if name == 'unknown' else model.Status(name, message, now)
        m.touch('application', app.name)


def _commit_secrets(
    m: model.Model,
    unit: model.Unit,
    hook: Hook,
    outcome: runner.Outcome,
    now: float,
    skipped: bool,
) -> set[str]:
    out = outcome.state_out
    assert out is not None
    affected: set[str] = set()
    after = {s.id: s for s in out.secrets}
    for secret_id, projected in after.items():
        tracked, _ = runner.secret_revisions(projected)
        if projected.owner is None:
            secret = m.secrets.get(secret_id)
            if secret is None:
                continue
            consumer = secret.consumers.setdefault(
                unit.name, model.SecretConsumer(tracked=tracked, notified=secret.latest)
            )
            consumer.tracked = min(tracked, secret.latest)
            consumer.label = projected.label
            m.touch('secret', secret_id)
            affected |= _owners(m, secret)
            continue
        secret = m.secrets.get(secret_id)
        expire = projected.expire.timestamp() if projected.expire else None
        new_revision = False
        if secret is None:
            owner = unit.application if projected.owner == 'app' else unit.name
            secret = model.Secret(
                id=secret_id,
                owner=owner,
                owner_kind=projected.owner,
                revisions={1: dict(projected.latest_content)},
                latest=1,
                created=now,
                updated=now,
                revision_created={1: now},
                revision_expire={} if expire is None else {1: expire},
            )
            m.secrets[secret_id] = secret
        elif dict(projected.latest_content) != secret.revisions.get(secret.latest):
            # A new revision; consumers tracking an older one owe a secret-changed. Its expiry
            # is the one set in this hook, if any: Juju keeps expiry per revision, and a new
            # revision's is the update's (juju/juju state/secrets.go UpdateSecret). The
            # projection hands the charm the latest expiry, so an unchanged one was not set.
            set_now = expire is not None and expire != secret.expire_at
            new_revision = True
            secret.latest += 1
            secret.revisions[secret.latest] = dict(projected.latest_content)
            secret.revision_created[secret.latest] = now
            if set_now and expire is not None:
                secret.revision_expire[secret.latest] = expire
            secret.updated = now
            for name in secret.consumers:
                affected.add(name)
        elif expire != secret.expire_at:
            # set_info(expire=...) alone: the latest revision's expiry changes.
            if expire is None:
                secret.revision_expire.pop(secret.latest, None)
            else:
                secret.revision_expire[secret.latest] = expire
            secret.expire_retry.pop(secret.latest, None)
            secret.updated = now
        secret.label = projected.label
        secret.description = projected.description
        rotate = projected.rotate.value if projected.rotate is not None else None
        if rotate != secret.rotate:
            secret.rotate = rotate
            secret.rotate_at = secret_schedule.next_rotate_time(rotate, now)
        elif hook.kind == 'secret-rotate' and hook.secret_id == secret_id:
            secret.rotate_at = secret_schedule.rotated(
                secret.rotate, secret.rotate_at, now=now, new_revision=new_revision,
                skipped=skipped, latest_expiry=secret.expire_at,
            )  # fmt: skip
        grants = {rid: sorted(names) for rid, names in projected.remote_grants.items()}
        if grants != secret.grants:
            secret.grants = grants
            affected |= _grantees(m, secret)
        m.touch('secret', secret_id)
    for secret_id in outcome.owned_secrets:
        if secret_id not in after and secret_id in m.secrets:
            affected |= _grantees(m, m.secrets.pop(secret_id))
            m.touch('secret', secret_id)
    if hook.kind in ('secret-remove', 'secret-expired') and hook.secret_id in m.secrets:
        # Scenario records the revisions removed without their secret: in these hooks they
        # are the hook's secret's (ops' event.remove_revision()).
        secret = m.secrets[hook.secret_id]
        for revision in outcome.removed_revisions:
            secret.revisions.pop(revision, None)
            secret.revision_created.pop(revision, None)
            secret.revision_expire.pop(revision, None)
            secret.expire_retry.pop(revision, None)
        if not secret.revisions:
            # Its last revision gone, the secret goes (juju/juju state/secrets.go
            # deleteSecrets: "If ... the last remaining revisions are removed, the entire
            # secret is deleted").
            affected |= _grantees(m, m.secrets.pop(secret.id))
    return affected


def _owners(m: model.Model, secret: model.Secret) -> set[str]:
    if secret.owner_kind == 'unit':
        return {secret.owner}
    return {u.name for u in m.units_of(secret.owner)}


def _grantees(m: model.Model, secret: model.Secret) -> set[str]:
    names: set[str] = set()
    for granted in secret.grants.values():
        for name in granted:
            names |= {u.name for u in m.units_of(name)} if '/' not in name else {name}
    return names | set(secret.consumers)


def _advance(
    m: model.Model, unit: model.Unit, hook: Hook, outcome: runner.Outcome, now: float
) -> set[str]:
    """Move the unit agent's progress past the hook it ran (Juju's operation commit)."""
    progress = unit.progress
    app = m.applications[unit.application]
    affected: set[str] = set()
    kind = hook.kind
    if kind == 'install':
        progress.installed = True
        progress.charm_version = app.charm_version
        if not unit.workload_set:
            unit.workload = model.Status('maintenance', 'installing charm software', now)
    elif kind == 'start':
        progress.started, progress.start_pending = True, False
        if not unit.workload_set:
            unit.workload = model.Status('unknown', '', now)
    elif kind == 'config-changed':
        progress.config_version = app.config_version
        progress.config_pending = False
        progress.start_pending = not progress.started
    elif kind == 'upgrade-charm':
        progress.charm_version, progress.config_pending = app.charm_version, True
    elif kind == 'leader-elected':
        progress.leader_elected = True
        progress.leader_version = app.leader_version
    elif kind == 'leader-settings-changed':
        progress.leader_version = app.leader_version
    elif kind == 'update-status':
        progress.update_status = False
    elif kind == 'stop':
        progress.started = False
    elif kind == 'storage-attached' and hook.storage_id not in progress.storage_attached:
        progress.storage_attached.append(str(hook.storage_id))
    elif kind == 'storage-detaching' and hook.storage_id in progress.storage_attached:
        progress.storage_attached.remove(str(hook.storage_id))
    elif kind == 'remove':
        if m.subordinates_of(unit.name):
            progress.removed = True  # gone once its subordinates are (Juju's terminate)
        else:
            affected |= remove_unit_record(m, unit)
    elif kind == 'action':
        action = m.actions[str(hook.action_id)]
        # event.fail() (action-fail) fails the action with its message; the process exited 0,
        # so the return code is 0 and the hook's changes commit (juju/juju
        # worker/uniter/runner/context/context.go Flush and finalizeAction @ 0027f6c).
        action.status = 'failed' if outcome.action_failure is not None else 'completed'
        action.message = outcome.action_failure or ''
        _record_action_process(action, outcome)
        action.completed = now
        progress.actions.remove(action.id)
        m.touch('action', action.id)
    elif hook.is_relation:
        affected |= _advance_relation(m, unit, hook)
    else:
        _advance_secret(m, unit, hook, now)
    return affected


def _record_action_process(action: model.Action, outcome: runner.Outcome) -> None:
    """The results, log, exit status and output of an action's hook process.

    Juju's uniter records the exit status as ``return-code`` and each stream's text
    (juju/juju ``worker/uniter/runner/runner.go`` ``updateActionResults`` @ 02a3ff2); olm
    keeps the lines the charm printed (blank lines are not kept).
    """
    action.results = juju_action_results(outcome.action_results)
    action.log = list(outcome.action_logs)
    action.returncode = outcome.exit_code
    for stream in ('stdout', 'stderr'):
        lines = [line for level, line in outcome.logs if level == stream]
        setattr(action, stream, ''.join(f'{line}\n' for line in lines))


def juju_action_results(results: Mapping[str, Any]) -> dict[str, Any]:
    """An action's results as Juju stores them: nested maps of text.

    ops hands ``action-set`` each flattened result as ``key=value`` text (canonical/operator
    ``ops/hookcmds/_action.py`` ``action_set``, commit 7989557d), so any value a charm can set
    reaches Juju as its ``str()``; Scenario keeps the charm's own objects, which the store
    could not hold (a ``datetime`` would make the commit, and every later one, fail).
    """
    return {
        str(key): juju_action_results(cast('Mapping[str, Any]', value))
        if isinstance(value, Mapping)
        else value
        if isinstance(value, str)
        else str(value)
        for key, value in results.items()
    }


def _advance_relation(m: model.Model, unit: model.Unit, hook: Hook) -> set[str]:
    relation = m.relations.get(int(hook.relation_id or 0))
    if relation is None:
        return set()
    view = unit.progress.relations.setdefault(relation.id, model.RelationView())
    affected: set[str] = set()
    remote = hook.remote_unit
    if hook.kind == 'relation-created':
        view.created = True
        affected |= _enter(m, relation, unit)
    elif hook.kind == 'relation-joined' and remote is not None:
        view.members[remote] = relation.unit_version.get(remote, 0)
        view.changed_pending = remote
    elif hook.kind == 'relation-changed':
        if remote is None:
            view.app_version = relation.app_version.get(
                relation.other_application(unit.application), 0
            )
        else:
            if remote in view.members:
                view.members[remote] = relation.unit_version.get(remote, 0)
            if view.changed_pending == remote:
                view.changed_pending = None
    elif hook.kind == 'relation-departed' and remote is not None:
        view.members.pop(remote, None)
        if view.changed_pending == remote:
            view.changed_pending = None
    elif hook.kind == 'relation-broken':
        view.broken = True
        affected |= forget_relation_if_done(m, relation)
    return affected


def _enter(m: model.Model, relation: model.Relation, unit: model.Unit) -> set[str]:
    """The unit enters the relation's scope; a subordinate unit it brings gets a leader."""
    affected, created = scope.enter(m, relation, unit, runner.default_unit_data(m, unit, relation))
    for sub in created:
        affected |= elect_leader(m, m.applications[sub.application])
    return affected


def enter_implicit_scopes(m: model.Model, unit: model.Unit) -> set[str]:
    """An installed unit enters every live relation it takes part in through ``juju-info``.

    Its uniter runs no hook there (Juju's implicit relations), so entering is all it does:
    the relation counts as created for it, and a principal's entry into a container-scoped
    one creates the subordinate unit that joins it.
    """
    if unit.life != 'alive' or not unit.progress.installed:
        return set()
    affected: set[str] = set()
    for relation in m.unit_relations(unit):
        if relation.life != 'alive' or not scope.implicit_for(relation, unit.application):
            continue
        view = unit.progress.relations.setdefault(relation.id, model.RelationView())
        if not view.created:
            view.created = True
            m.touch('unit', unit.name)
        affected |= _enter(m, relation, unit)
    return affected


def forget_relation_if_done(m: model.Model, relation: model.Relation) -> set[str]:
    """A dying relation goes once every unit still in it has run relation-broken."""
    if relation.life != 'dying':
        return set()
    units = m.relation_units(relation)
    for other in units:
        if scope.implicit_for(relation, other.application):
            continue  # no hooks on an implicit end: nothing to wait for
        view = other.progress.relations.get(relation.id)
        if view is not None and view.created and not view.broken and other.progress.installed:
            return set()
    del m.relations[relation.id]
    m.touch('relation', relation.id)
    for other in units:
        if other.progress.relations.pop(relation.id, None) is not None:
            m.touch('unit', other.name)
    return {u.name for u in units}


def _advance_secret(m: model.Model, unit: model.Unit, hook: Hook, now: float) -> None:
    secret = m.secrets.get(str(hook.secret_id))
    if secret is None:
        return
    m.touch('secret', secret.id)
    if hook.kind == 'secret-changed':
        consumer = secret.consumers.get(unit.name)
        if consumer is not None:
            consumer.notified = secret.latest
    elif hook.kind == 'secret-expired' and hook.secret_revision in secret.revisions:
        # Not removed by the charm: its hook runs again later (secret_schedule).
        revision = int(hook.secret_revision or 0)
        secret.expire_retry[revision] = now + secret_schedule.EXPIRE_RETRY_DELAY
    elif hook.kind == 'secret-remove' and hook.secret_revision is not None:
        secret.removal_notified.append(hook.secret_revision)


def remove_unit_record(m: model.Model, unit: model.Unit) -> set[str]:
    """Forget a unit that ran its ``remove`` hook (or never installed)."""
    affected: set[str] = set()
    del m.units[unit.name]
    m.touch('unit', unit.name)
    for relation in list(m.relations.values()):
        if unit.name in relation.scope or unit.name in relation.unit_data:
            if unit.name in relation.scope:
                relation.scope.remove(unit.name)
            relation.unit_data.pop(unit.name, None)
            relation.unit_version.pop(unit.name, None)
            m.touch('relation', relation.id)
            affected |= {u.name for u in m.relation_units(relation)}
            affected |= forget_relation_if_done(m, relation)
    for secret in list(m.secrets.values()):
        if unit.name in secret.consumers:
            del secret.consumers[unit.name]
            m.touch('secret', secret.id)
        if secret.owner_kind == 'unit' and secret.owner == unit.name:
            del m.secrets[secret.id]
            m.touch('secret', secret.id)
    app = m.applications.get(unit.application)
    if app is not None:
        if app.leader == unit.name:
            affected |= elect_leader(m, app)
        if app.life == 'dying' and not m.units_of(app.name):
            remove_application_record(m, app)
    principal = m.units.get(unit.principal)
    if (
        principal is not None
        and principal.progress.removed
        and not m.subordinates_of(principal.name)
    ):
        affected |= remove_unit_record(m, principal)
    return affected


def remove_application_record(m: model.Model, app: model.Application) -> None:
    del m.applications[app.name]
    m.touch('application', app.name)
    for relation in m.relations_of(app.name):
        del m.relations[relation.id]
        m.touch('relation', relation.id)
    for secret in list(m.secrets.values()):
        if secret.owner_kind == 'app' and secret.owner == app.name:
            del m.secrets[secret.id]
            m.touch('secret', secret.id)


def elect_leader(m: model.Model, app: model.Application) -> set[str]:
    """Give the application a new leader (the lowest-numbered alive unit) if it needs one."""
    alive = [u for u in m.units_of(app.name) if u.life == 'alive']
    current = m.units.get(app.leader or '')
    if current is not None and current.life == 'alive':
        return set()
    app.leader = alive[0].name if alive else None
    m.touch('application', app.name)
    if app.leader is None:
        return set()
    app.leader_version += 1
    new = m.units[app.leader]
    new.progress.leader_elected = False
    m.touch('unit', new.name)
    return {u.name for u in alive}

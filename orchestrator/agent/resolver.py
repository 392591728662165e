"""What a unit runs next: Juju's uniter resolver, as a pure function of the model.

Juju's unit agent does not keep a queue of events. Each time round its loop it compares its
local state (what it has run hooks for) with the model (what is true now) and picks the first
applicable operation in a fixed priority (juju/juju ``internal/worker/uniter/resolver.go``;
reference/juju-maas-semantics.md §5.1-5.3). olm does the same with
:class:`~orchestrator.state.model.UnitProgress`, which is why a crash loses at most the hook in
flight: the next command recomputes the same next hook from what was committed.

Priority, first match wins:

1. a failed hook blocks everything but actions until it is retried or resolved;
2. ``storage-attached`` for each of its storage instances, then ``install``;
3. a dying unit tears down: per relation (non-peer first) ``relation-departed`` for every
   remote unit it knows, then ``relation-broken`` (never for peers), then ``stop``,
   ``storage-detaching`` for each attached storage instance, ``remove``;
4. ``relation-created`` for every relation of its application not yet created;
5. leadership: ``leader-elected`` for a new leader, ``leader-settings-changed`` for the others;
6. secrets (``secret-changed`` for consumers; ``secret-rotate``/``-expired``/``-remove``
   for the owner), then actions;
7. queued follow-ups: ``config-changed`` after ``upgrade-charm``, ``start`` after the first
   ``config-changed``; then ``upgrade-charm`` and ``config-changed`` when the charm or the
   config changed;
8. relation hooks, non-peer relations before peers: departures, ``relation-broken`` of a dying
   relation, the ``relation-changed`` owed right after a ``relation-joined``, a remote
   application-databag change (not for the leader on its own peer data), new remote units
   (``relation-joined``, sorted by name), remote unit-databag changes;
9. ``update-status`` when asked for.
"""

# pyright: strict

from __future__ import annotations

from ..state import model
from . import scope
from .hooks import Hook

__all__ = ['next_hook', 'remote_members']


def next_hook(m: model.Model, unit: model.Unit, *, now: float, retry: bool = True) -> Hook | None:
    """The hook this unit runs next, or None when it has nothing to do (or is stuck in error).

    Args:
        m: the model.
        unit: one of its units.
        now: the current time, for retry back-off and secret rotation/expiry.
        retry: whether a failed hook whose back-off has passed is retried.
    """
    progress = unit.progress
    app = m.applications[unit.application]
    if progress.removed:
        return None  # its remove hook ran; it waits for its subordinates to go
    if progress.failure is not None:
        if progress.actions and progress.installed:
            return _action(m, progress.actions[0])
        if retry and now >= progress.failure.retry_at:
            return Hook.from_data(progress.failure.event)
        return None
    if not progress.installed:
        if unit.life != 'alive':
            return Hook(kind='remove')
        # Machine charms: every storage instance is attached before install (Juju's order).
        for storage_id in sorted(unit.storage, key=model.natural_key):
            if storage_id not in progress.storage_attached:
                return Hook(kind='storage-attached', storage_id=storage_id)
        return Hook(kind='install')
    if unit.life == 'dying':
        return _teardown(m, unit)
    # Storage added after install (juju add-storage) is attached when the uniter sees it.
    for storage_id in sorted(unit.storage, key=model.natural_key):
        if storage_id not in progress.storage_attached:
            return Hook(kind='storage-attached', storage_id=storage_id)
    for relation in m.unit_relations(unit):
        view = progress.relations.get(relation.id)
        if relation.life == 'alive' and (view is None or not view.created):
            if scope.implicit_for(relation, app.name):
                continue  # no hooks on the implicit juju-info: entered at install
            return _relation_hook(relation, app.name, 'relation-created')
    if app.leader == unit.name:
        if not progress.leader_elected:
            return Hook(kind='leader-elected')
    elif progress.leader_version < app.leader_version:
        return Hook(kind='leader-settings-changed')
    secret_hook = _secret_hook(m, unit, now)
    if secret_hook is not None:
        return secret_hook
    if progress.actions:
        return _action(m, progress.actions[0])
    if progress.config_pending:
        return Hook(kind='config-changed')
    if progress.start_pending:
        return Hook(kind='start')
    if progress.charm_version < app.charm_version:
        return Hook(kind='upgrade-charm')
    if progress.config_version < app.config_version:
        return Hook(kind='config-changed')
    relation_hook = _next_relation_hook(m, unit)
    if relation_hook is not None:
        return relation_hook
    if progress.update_status:
        return Hook(kind='update-status')
    return None


def remote_members(m: model.Model, relation: model.Relation, unit: model.Unit) -> list[str]:
    """The remote units in a relation's scope, as this unit's agent sees them.

    In a container-scoped relation only those of the unit's own container
    (:func:`.scope.visible_members`).
    """
    return scope.visible_members(m, relation, unit)


def _action(m: model.Model, action_id: str) -> Hook:
    return Hook(kind='action', action_id=action_id, action=m.actions[action_id].name)


def _relation_hook(
    relation: model.Relation,
    application: str,
    kind: str,
    remote_unit: str | None = None,
    departing_unit: str | None = None,
) -> Hook:
    return Hook(
        kind=kind,
        endpoint=relation.endpoint_of(application).name,
        relation_id=relation.id,
        remote_unit=remote_unit,
        remote_app=relation.other_application(application),
        departing_unit=departing_unit,
    )


def _by_relation_order(m: model.Model, unit: model.Unit) -> list[model.Relation]:
    # Juju's resolver handles peer relations last; implicit relations run no hooks at all.
    return sorted(
        (r for r in m.unit_relations(unit) if not scope.implicit_for(r, unit.application)),
        key=lambda r: (r.is_peer, r.id),
    )


def _teardown(m: model.Model, unit: model.Unit) -> Hook:
    progress = unit.progress
    for relation in _by_relation_order(m, unit):
        view = progress.relations.get(relation.id)
        if view is None or not view.created or view.broken:
            continue
        for member in sorted(view.members, key=model.natural_key):
            # A dying unit departs every relation; the departee is the unit itself.
            return _relation_hook(
                relation, unit.application, 'relation-departed', member, unit.name
            )
        if not relation.is_peer:
            return _relation_hook(relation, unit.application, 'relation-broken')
    if progress.started:
        return Hook(kind='stop')
    for storage_id in sorted(progress.storage_attached, key=model.natural_key):
        return Hook(kind='storage-detaching', storage_id=storage_id)
    return Hook(kind='remove')


def _next_relation_hook(m: model.Model, unit: model.Unit) -> Hook | None:
    progress = unit.progress
    app = unit.application
    leader = m.applications[app].leader == unit.name
    for relation in _by_relation_order(m, unit):
        view = progress.relations.get(relation.id)
        if view is None or not view.created or view.broken:
            continue
        members = remote_members(m, relation, unit)
        in_scope = set(members)
        # Each step takes the first unit by name among those it applies to: the minimum, not a
        # sort of every member on every call (a unit related to hundreds of units asks often).
        departed = [member for member in view.members if member not in in_scope]
        if departed:
            member = min(departed, key=model.natural_key)
            return _relation_hook(relation, app, 'relation-departed', member, member)
        if relation.life == 'dying':
            if not relation.is_peer:
                return _relation_hook(relation, app, 'relation-broken')
            continue
        if view.changed_pending is not None:
            return _relation_hook(relation, app, 'relation-changed', view.changed_pending)
        remote_app = relation.other_application(app)
        if relation.app_version.get(remote_app, 0) > view.app_version and not (
            relation.is_peer and leader
        ):
            return _relation_hook(relation, app, 'relation-changed')
        joined = [member for member in members if member not in view.members]
        if joined:
            member = min(joined, key=model.natural_key)
            return _relation_hook(relation, app, 'relation-joined', member)
        versions = relation.unit_version
        changed = [
            member for member, seen in view.members.items() if versions.get(member, 0) > seen
        ]
        if changed:
            member = min(changed, key=model.natural_key)
            return _relation_hook(relation, app, 'relation-changed', member)
    return None


def _secret_hook(m: model.Model, unit: model.Unit, now: float) -> Hook | None:
    app = m.applications[unit.application]
    leader = app.leader == unit.name
    for secret in sorted(m.secrets.values(), key=lambda s: s.id):
        consumer = secret.consumers.get(unit.name)
        if consumer is not None and consumer.tracked < secret.latest > consumer.notified:
            return Hook(kind='secret-changed', secret_id=secret.id)
        owns = secret.owner == unit.name or (
            secret.owner_kind == 'app' and secret.owner == unit.application and leader
        )
        if not owns:
            continue
        # Juju's secretexpire and secretrotate watchers (agent/secret_schedule.py): each
        # revision's expiry, then the secret's next rotation, once their time has come.
        for revision, expires in sorted(secret.revision_expire.items()):
            due = max(expires, secret.expire_retry.get(revision, expires))
            if now >= due and revision in secret.revisions:
                return Hook(kind='secret-expired', secret_id=secret.id, secret_revision=revision)
        if secret.rotate_at is not None and now >= secret.rotate_at:
            return Hook(kind='secret-rotate', secret_id=secret.id)
        tracked = {c.tracked for c in secret.consumers.values()}
        for revision in sorted(secret.revisions):
            if (
                revision < secret.latest
                and revision not in tracked
                and revision not in secret.removal_notified
            ):
                return Hook(kind='secret-remove', secret_id=secret.id, secret_revision=revision)
    return None

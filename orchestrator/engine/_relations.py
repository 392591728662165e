"""Relations: ``juju integrate`` and ``juju remove-relation``, and consumed offers.

A new relation makes both sides' units candidates for ``relation-created`` and
``relation-joined``; a relation that dies makes them depart and run ``relation-broken``
(the agent's resolver orders those hooks). A consumed offer (a bundle's ``saas``) is a remote
application whose side of every relation olm fills in from the offer's file, as the remote
charm would have written it.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from ..state import model
from ..state.store import Transaction
from . import _names
from ._agents import UnitAgents
from ._context import Context
from ._deferred import charmspec, commit, juju_bundle
from ._errors import EngineError
from ._session import Session

__all__ = [
    'Relations',
    'add_relation',
    'add_remote_application',
    'check_scope',
    'endpoints',
    'relation_dying',
    'remove_remote',
]


class Relations:
    """``juju integrate`` and ``juju remove-relation``."""

    def __init__(self, context: Context, agents: UnitAgents) -> None:
        self.context = context
        self.agents = agents

    def integrate(self, a: str, b: str, *, settle: bool = True) -> str:
        """``juju integrate``: relate two applications; returns the relation's key."""
        with self.context.session() as s:
            relation_spec = juju_bundle.resolve_endpoints(a, b, endpoints(self.context, s.model))
            key = (
                f'{relation_spec.provider.application}:{relation_spec.provider.endpoint} '
                f'{relation_spec.requirer.application}:{relation_spec.requirer.endpoint}'
            )
            found = _names.find_relation(s.model, *key.split())
            if found is not None:
                raise EngineError(f'cannot add relation "{key}": relation {key} already exists')
            ends = endpoints(self.context, s.model)
            subordinate = {n: a.subordinate for n, a in s.model.applications.items()}
            bases = charm_bases(self.context, s.model)
            container = check_scope(relation_spec, ends, subordinate, bases)
            with s.transaction() as txn:
                relation = add_relation(s, txn, relation_spec, container=container)
            if settle:
                self.agents.run(s)
            return relation.key()

    def remove_relation(self, a: str, b: str, *, settle: bool = True) -> str:
        """``juju remove-relation``: both sides depart, then run ``relation-broken``."""
        with self.context.session() as s:
            relation = _names.find_relation(s.model, a, b)
            if relation is None:
                raise EngineError(f'relation "{a} {b}" not found')
            if relation.life == 'dying':
                raise EngineError(f'relation "{relation.key()}" is already being removed')
            key = relation.key()
            with s.transaction():
                relation_dying(s, relation)
            if settle:
                self.agents.run(s)
            return key


def charm_bases(context: Context, m: model.Model) -> dict[str, tuple[str, ...]]:
    """Each application's charm's declared bases, for :func:`check_scope`."""
    return {name: context.spec(app).bases for name, app in m.applications.items()}


def endpoints(context: Context, m: model.Model) -> dict[str, dict[str, charmspec.Endpoint]]:
    """Every application's endpoints, remote applications' (their offers') included."""
    found: dict[str, dict[str, charmspec.Endpoint]] = {
        name: dict(context.spec(app).endpoints) for name, app in m.applications.items()
    }
    for name, remote in m.remote_applications.items():
        found[name] = {
            ep: charmspec.Endpoint(name=ep, role=role, interface=interface)  # pyright: ignore[reportArgumentType]
            for ep, (role, interface) in remote.endpoints.items()
        }
    return found


def check_scope(
    spec: juju_bundle.RelationSpec,
    ends: Mapping[str, Mapping[str, charmspec.Endpoint]],
    subordinate: Mapping[str, bool],
    bases: Mapping[str, Sequence[str]] | None = None,
) -> bool:
    """Whether a new relation has container scope, refusing what Juju's ``AddRelation`` does.

    Either end declaring ``scope: container`` makes both ends container-scoped; such a
    relation needs a subordinate at one end at least, may not reach another model, and its two
    charms must share a base, since their units share machines ("principal and subordinate
    applications' bases must match": ``compatibleSupportedBases`` of the charms' computed bases,
    checked before the subordinate count; juju/juju ``state/state.go`` ``AddRelation``, 3.x;
    the key names the requirer first, as Juju's ``relationKey`` does). A charm declaring no
    base (which olm deploys on the latest LTS, a documented deviation) is not compared.

    Args:
        spec: the relation, both endpoints known.
        ends: every application's endpoints (:func:`endpoints`).
        subordinate: whether each local application is a subordinate (remote ones absent).
        bases: each local application's charm's declared bases (``ubuntu@24.04``).

    Raises:
        EngineError: ``cannot add relation "<key>": ...`` with Juju's reason.
    """
    refs = (spec.provider, spec.requirer)
    container = any(
        ends[r.application][r.endpoint].scope == 'container'
        for r in refs
        if r.endpoint in ends.get(r.application, {})
    )
    if not container:
        return False
    key = f'{spec.requirer} {spec.provider}'
    if any(r.application not in subordinate for r in refs):
        raise EngineError(
            f'cannot add relation "{key}": local endpoint must be globally scoped for remote '
            'relations'
        )
    declared = [{b.split('/')[0] for b in (bases or {}).get(r.application, ())} for r in refs]
    if all(declared) and not declared[0] & declared[1]:
        raise EngineError(
            f'cannot add relation "{key}": principal and subordinate applications\' bases '
            'must match'
        )
    if not any(subordinate[r.application] for r in refs):
        raise EngineError(
            f'cannot add relation "{key}": container scoped relation requires at least one '
            'subordinate application'
        )
    return True


def add_relation(
    s: Session, txn: Transaction, spec: juju_bundle.RelationSpec, *, container: bool = False
) -> model.Relation:
    """A new relation, its units made candidates (a remote side filled in from its offer).

    ``container`` (from :func:`check_scope`) makes both ends container-scoped. Units of a
    principal whose end is the implicit ``juju-info`` run no hooks on it, so those already
    installed enter its scope now, as their uniters' ``SynchronizeScopes`` would.
    """
    m = s.model
    scope = 'container' if container else 'global'
    ends: list[model.RelationEndpoint] = []
    for ref, role in ((spec.provider, 'provider'), (spec.requirer, 'requirer')):
        ends.append(
            model.RelationEndpoint(ref.application, ref.endpoint, role, spec.interface, scope)
        )
    relation = model.Relation(id=txn.next_sequence('relation'), endpoints=ends)
    m.relations[relation.id] = relation
    m.touch('relation', relation.id)
    for end in ends:
        remote = m.remote_applications.get(end.application)
        if remote is not None and remote.peer_model:
            continue  # another olm model's side: copied across when it settles (_crossmodel)
        if remote is not None:
            _fill_remote_side(s, relation, remote, end.name)
        else:
            s.candidates |= {u.name for u in m.units_of(end.application)}
            for unit in m.units_of(end.application):
                s.candidates |= commit.enter_implicit_scopes(m, unit)
    return relation


def relation_dying(s: Session, relation: model.Relation) -> None:
    """Start removing a relation: its units depart it.

    Units on an implicit ``juju-info`` end leave its scope at once (their uniters run no
    hooks there). A subordinate unit left with no live container-scoped relation to its
    principal's application destroys itself, as its uniter does
    (``relationStateTracker.maybeSetSubordinateDying``).
    """
    m = s.model
    relation.life = 'dying'
    m.touch('relation', relation.id)
    s.candidates |= {u.name for u in m.relation_units(relation)}
    s.candidates |= commit.leave_implicit_scopes(m, relation)
    for unit in commit.orphaned_subordinates(m, relation):
        mark_dying(s, unit)
    s.candidates |= commit.forget_relation_if_done(m, relation)


def mark_dying(s: Session, unit: model.Unit) -> None:
    """A unit starts to go: it leaves every scope, and a principal takes its subordinates.

    A dying principal destroys all its subordinates (juju/juju
    ``internal/worker/uniter/relation/resolver.go`` ``maybeDestroySubordinates``); its own
    record goes once they are gone (the uniter's ``terminate`` waits for them).
    """
    m = s.model
    if unit.life == 'dying':
        return
    unit.life = 'dying'
    m.touch('unit', unit.name)
    s.candidates.add(unit.name)
    for relation in m.relations.values():
        if unit.name in relation.scope:
            relation.scope.remove(unit.name)
            m.touch('relation', relation.id)
            s.candidates |= {u.name for u in m.relation_units(relation)}
    app = m.applications[unit.application]
    if app.leader == unit.name:
        s.candidates |= commit.elect_leader(m, app)
    for sub in m.subordinates_of(unit.name):
        mark_dying(s, sub)


def add_remote_application(s: Session, name: str, saas: juju_bundle.SaasSpec) -> None:
    """A consumed offer (a bundle's ``saas`` entry) as a remote application of the model."""
    offer = saas.offer
    units = sorted({u for per in offer.units.values() for u in per}, key=model.natural_key)
    remote = model.RemoteApplication(
        name=name,
        url=saas.url,
        offer_path=str(offer.path),
        endpoints={ep: [e.role, e.interface] for ep, e in offer.endpoints.items()},
        units=units or [f'{name}/0'],
    )
    s.model.remote_applications[name] = remote
    s.model.touch('remote-application', name)


def remove_remote(s: Session, name: str) -> None:
    """Remove a consumed offer: its relations die, then it goes.

    An offer of another olm model: that model's side goes too when it next settles, which
    this session's end brings about (``Session.linked_models``).
    """
    peer = s.model.remote_applications[name].peer_model
    if peer:
        s.linked_models.add(peer)
    for relation in s.model.relations_of(name):
        relation_dying(s, relation)
    del s.model.remote_applications[name]
    s.model.touch('remote-application', name)


def _fill_remote_side(
    s: Session, relation: model.Relation, remote: model.RemoteApplication, endpoint: str
) -> None:
    """The offer's databags and secrets, as the remote application would have written them."""
    offer = juju_bundle.load_offer(Path(remote.offer_path), name=remote.name)
    local_app = relation.other_application(remote.name)
    secret_ids: dict[str, str] = {}
    for label, content in offer.secrets.items():
        secret_id = s.next_secret_id()
        s.model.secrets[secret_id] = model.Secret(
            id=secret_id,
            owner=remote.name,
            owner_kind='app',
            label=label,
            revisions={1: dict(content)},
            grants={relation.id: [local_app]},
        )
        s.model.touch('secret', secret_id)
        secret_ids[label] = secret_id
    app_data = offer.app_data.get(endpoint, {})
    relation.app_data[remote.name] = {k: offer.render(v, secret_ids) for k, v in app_data.items()}
    relation.app_version[remote.name] = 1
    for unit_name, data in offer.units.get(endpoint, {}).items():
        relation.unit_data[unit_name] = {k: offer.render(v, secret_ids) for k, v in data.items()}
        relation.unit_version[unit_name] = 1
        relation.scope.append(unit_name)
    if not offer.units.get(endpoint):
        for unit_name in remote.units:
            relation.unit_data[unit_name] = {}
            relation.unit_version[unit_name] = 1
            relation.scope.append(unit_name)

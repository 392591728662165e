"""Offers and cross-model relations between olm's own models.

``juju offer``, ``offers``, ``find-offers``, ``remove-offer`` and ``consume``, and the relation
data a cross-model relation carries, as Juju 3's cross-model relation workers carry it
(juju/juju ``worker/remoterelations``): the consuming model holds the offer as a remote
application (SAAS) whose units are the offered application's, named after the SAAS; the
offering model holds a stand-in for the consuming application (Juju's ``remote-<token>``
application), whose units are the consumer's. Each side's application and unit databags are
copied to the other side's stand-in, so each charm reads the other's data and runs its
``relation-*`` hooks as it would in one model.

olm has no workers running between commands: a model copies the other side's data in when it
settles (:func:`pull`), and a command that settles a model linked to others then settles those,
back and forth, until no model has a hook left to run (:func:`settle_linked`).

Offers are kept in the offering model's settings. An offer URL is
``[<controller>:][<owner>/]<model>.<offer>`` (Juju's ``crossmodel.ParseOfferURL``); olm has one
controller (``olm``) and one owner (``admin``).
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, cast

from ..state import model
from ..state.store import CONTROLLER, OWNER, Store, StoreError, Transaction
from ._context import Context, load_model
from ._deferred import charmspec, juju_bundle
from ._errors import EngineError
from ._relations import add_relation, relation_dying
from ._session import Session

__all__ = [
    'Connection',
    'Offer',
    'Offers',
    'parse_offer_url',
    'proxy_name',
    'pull',
    'settle_linked',
]

_OFFERS = 'offers'
_MAX_ROUNDS = 20
"""Settles of the linked models before olm stops going back and forth (each round settles every
linked model once; a pair of charms that keep answering each other is stopped here)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Offer:
    """An offer: its name, the offering model and application, the endpoints offered."""

    name: str
    model: str
    application: str
    endpoints: tuple[str, ...]
    charm: str = ''
    """The offered application's charm URL (``local:name-N``), when listed."""
    roles: tuple[tuple[str, str, str], ...] = ()
    """Each offered endpoint's (name, interface, role), when listed."""

    @property
    def url(self) -> str:
        """``admin/<model>.<offer>`` (Juju's offer URL, without the controller)."""
        return f'{OWNER}/{self.model}.{self.name}'


def parse_offer_url(text: str) -> tuple[str, str]:
    """``[olm:][admin/]model.offer`` -> (model, offer).

    Raises:
        EngineError: another controller or owner, or not ``<model>.<offer>``.
    """
    rest = text
    controller, sep, after = rest.partition(':')
    if sep:
        if controller != CONTROLLER:
            raise EngineError(f'controller {controller} not found (olm has one: {CONTROLLER})')
        rest = after
    owner, sep, after = rest.partition('/')
    if sep:
        if owner != OWNER:
            raise EngineError(f'user {owner} not found (olm has one: {OWNER})')
        rest = after
    model_name, sep, offer = rest.rpartition('.')
    if not sep or not model_name or not offer:
        problem = juju_bundle.offer_url_problem(text) or 'application offer URL is missing model'
        raise EngineError(problem)
    return model_name, offer


class Offers:
    """``juju offer``, ``offers``, ``find-offers``, ``remove-offer`` and ``consume``."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def offer(
        self, model_name: str, application: str, offered: Sequence[str], name: str | None
    ) -> Offer:
        """``juju offer [model.]app:ep[,ep] [name]``: offer an application's endpoints.

        Raises:
            EngineError: no such application or endpoint, or the name is taken by another
                application's offer.
        """
        offer_name = name or application
        if not re.fullmatch(r'[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*', offer_name):
            # juju/juju state/applicationoffers.go validateOfferArgs ("Same rules for valid
            # offer names apply as for applications"), annotated by AddOffer.
            raise EngineError(
                f'cannot add application offer "{offer_name}": offer name "{offer_name}" not valid'
            )
        store = self._store(model_name)
        try:
            with store.transaction() as txn:
                m = load_model(txn)
                app = m.applications.get(application)
                if app is None:
                    raise EngineError(f'application "{application}" not found')
                known = self.context.spec(app).endpoints
                for endpoint in offered:
                    if endpoint not in known:
                        raise EngineError(
                            f'application "{application}" has no "{endpoint}" relation'
                        )
                offers = _read(txn.get_setting(_OFFERS, '{}'))
                offer = Offer(name or application, model_name, application, tuple(offered))
                existing = offers.get(offer.name)
                if existing is not None and existing['application'] != application:
                    raise EngineError(
                        f'offer "{offer.name}" already exists for application '
                        f'"{existing["application"]}"'
                    )
                offers[offer.name] = {'application': application, 'endpoints': list(offered)}
                txn.set_setting(_OFFERS, json.dumps(offers, sort_keys=True))
        finally:
            store.close()
        return offer

    def offers(self, model_name: str | None = None) -> list[tuple[Offer, list[Connection]]]:
        """The offers of one model (``juju offers``) or of all (``find-offers``).

        Each with the relations that consume it.
        """
        names = [model_name] if model_name else [r.name for r in self.context.store.models()]
        everything = dict(self._models())
        return [
            (self._described(offer, everything), list(_connections(offer, everything)))
            for name in names
            for offer in _model_offers(self.context.store, name)
        ]

    def _described(self, offer: Offer, models: Mapping[str, model.Model]) -> Offer:
        """The offer with its charm and each endpoint's interface and role (as Juju lists them)."""
        offering = models.get(offer.model)
        app = offering.applications.get(offer.application) if offering else None
        if app is None:
            return offer
        try:
            endpoints = self.context.spec(app).endpoints
        except charmspec.CharmSpecError:  # its charm went: listed without the details
            return offer
        roles = tuple(
            (name, endpoints[name].interface, endpoints[name].role)
            for name in offer.endpoints
            if name in endpoints
        )
        charm = f'local:{app.charm_name}-{app.charm_revision}'
        return dataclasses.replace(offer, charm=charm, roles=roles)

    def remove_offer(self, url: str, *, force: bool = False) -> None:
        """``juju remove-offer URL``: refused while consumed, unless ``force``.

        Raises:
            EngineError: no such offer, or it is consumed (without ``force``).
        """
        model_name, name = parse_offer_url(url)
        # Every model is read first: a new connection cannot open while a write is under way.
        models = dict(self._models())
        store = self._store(model_name)
        try:
            with store.transaction() as txn:
                offers = _read(txn.get_setting(_OFFERS, '{}'))
                if name not in offers:
                    raise EngineError(f'application offer "{OWNER}/{model_name}.{name}" not found')
                offer = _offer(model_name, name, offers[name])
                if not force and any(_connections(offer, models)):
                    raise EngineError(
                        f'cannot delete application offer "{offer.url}": offer has 1 or more '
                        'relations; use --force to remove them'
                    )
                del offers[name]
                txn.set_setting(_OFFERS, json.dumps(offers, sort_keys=True))
        finally:
            store.close()

    def consume(self, url: str, alias: str | None = None) -> str:
        """``juju consume URL [alias]``: the offer becomes a remote application (SAAS) here.

        Raises:
            EngineError: no such offer, or the name is taken in this model.
        """
        model_name, name = parse_offer_url(url)
        offer = next((o for o in _model_offers(self.context.store, model_name) if o.name == name),
                     None)  # fmt: skip
        if offer is None:
            raise EngineError(f'application offer "{OWNER}/{model_name}.{name}" not found')
        store = self._store(model_name)
        try:
            with store.snapshot() as txn:
                offering = load_model(txn)
        finally:
            store.close()
        app = offering.applications.get(offer.application)
        if app is None:
            raise EngineError(f'application offer "{offer.url}" not found')
        spec = self.context.spec(app)
        local = alias or offer.name
        with self.context.session() as s:
            if s.model.name == model_name:
                raise EngineError(f'cannot consume an offer of this model ("{offer.url}")')
            if local in s.model.applications:
                raise EngineError(f'application "{local}" already exists')
            existing = s.model.remote_applications.get(local)
            if existing is not None:
                if existing.url != offer.url:
                    raise EngineError(f'saas application "{local}" already exists')
                return local
            with s.transaction():
                s.model.remote_applications[local] = model.RemoteApplication(
                    name=local,
                    url=offer.url,
                    offer_path='',
                    endpoints={
                        ep: [spec.endpoints[ep].role, spec.endpoints[ep].interface]
                        for ep in offer.endpoints
                    },
                    peer_model=model_name,
                    peer_application=offer.application,
                )
                s.model.touch('remote-application', local)
        return local

    def _store(self, model_name: str) -> Store:
        store = Store(self.context.store.state_dir, model=model_name)
        try:
            store.model  # noqa: B018 - checks the model exists
        except StoreError:
            store.close()
            raise
        return store

    def _models(self) -> Iterator[tuple[str, model.Model]]:
        yield from _all_models(self.context.store)


@dataclasses.dataclass(frozen=True, slots=True)
class Connection:
    """One consuming relation of an offer: the consuming model, application and endpoint."""

    model: str
    application: str
    endpoint: str
    saas: str
    relation_id: int
    status: str


def _read(text: str) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', json.loads(text))


def _offer(model_name: str, name: str, data: Mapping[str, Any]) -> Offer:
    return Offer(name, model_name, str(data['application']), tuple(data['endpoints']))


def _model_offers(store: Store, model_name: str) -> list[Offer]:
    other = Store(store.state_dir, model=model_name)
    try:
        with other.snapshot() as txn:
            offers = _read(txn.get_setting(_OFFERS, '{}'))
    except StoreError:
        return []
    finally:
        other.close()
    return [_offer(model_name, name, data) for name, data in sorted(offers.items())]


def _all_models(store: Store) -> Iterator[tuple[str, model.Model]]:
    for record in store.models():
        other = Store(store.state_dir, model=record.name)
        try:
            with other.snapshot() as txn:
                yield record.name, load_model(txn)
        finally:
            other.close()


def _connections(offer: Offer, models: Mapping[str, model.Model]) -> Iterator[Connection]:
    for name, m in sorted(models.items()):
        for remote in m.remote_applications.values():
            if remote.consumer or remote.peer_model != offer.model:
                continue
            if remote.url != offer.url:
                continue
            for relation in m.relations_of(remote.name):
                other = relation.other_application(remote.name)
                status = 'joined' if relation.life == 'alive' else 'dying'
                endpoint = relation.endpoint_of(other).name
                yield Connection(name, other, endpoint, remote.name, relation.id, status)


def proxy_name(consumer_model: str, application: str) -> str:
    """The offering model's name for a consuming application: Juju's ``remote-<32 hex>``."""
    token = hashlib.sha256(f'{consumer_model}/{application}'.encode()).hexdigest()[:32]
    return f'remote-{token}'


# -- carrying the data across ---------------------------------------------------------------


def pull(s: Session) -> set[str]:
    """Copy the other models' sides of this model's cross-model relations in.

    Makes, on the offering side, the stand-in and the relation for each new consuming
    relation; starts removing the relations whose other side is gone. Returns the other
    models this one is linked to (for :func:`settle_linked`).
    """
    m = s.model
    consuming = [r for r in m.remote_applications.values() if r.peer_model and not r.consumer]
    with s.store.snapshot() as txn:  # this model's offers, on the session's own connection
        offers = [
            _offer(m.name, name, data)
            for name, data in sorted(_read(txn.get_setting(_OFFERS, '{}')).items())
        ]
    if (
        not consuming
        and not offers
        and not any(r.consumer for r in m.remote_applications.values())
    ):
        return set()
    others = {name: other for name, other in _all_models(s.store) if name != m.name}
    linked: set[str] = set()
    with s.transaction(machines=set()) as txn:
        for remote in consuming:
            linked.add(remote.peer_model)
            _pull_offered(s, remote, others.get(remote.peer_model))
        for offer in offers:
            for connection in _connections(offer, others):
                linked.add(connection.model)
                _pull_consumer(s, txn, offer, connection, others[connection.model])
        for remote in [r for r in m.remote_applications.values() if r.consumer]:
            linked.add(remote.peer_model)
            _retire_stale(s, remote, others.get(remote.peer_model), offers)
    return linked


def _pull_offered(s: Session, saas: model.RemoteApplication, offering: model.Model | None) -> None:
    """The consuming side: the offered application's databags, under the SAAS's names."""
    m = s.model
    for relation in m.relations_of(saas.name):
        if relation.life != 'alive':
            continue
        local = relation.other_application(saas.name)
        counterpart = None
        if offering is not None:
            counterpart = _find(offering, saas.peer_application, proxy_name(m.name, local),
                                relation.endpoint_of(local).name)  # fmt: skip
        if offering is None or counterpart is None:
            continue
        _copy_side(s, relation, saas.name, counterpart, saas.peer_application)
        _copy_secrets(s, relation, saas.name, offering, counterpart)


def _pull_consumer(
    s: Session, txn: Transaction, offer: Offer, connection: Connection, consuming: model.Model
) -> None:
    """The offering side: the consuming application's databags, under its stand-in's names."""
    m = s.model
    consumer_relation = consuming.relations.get(connection.relation_id)
    if consumer_relation is None or consumer_relation.life != 'alive':
        return
    proxy = proxy_name(connection.model, connection.application)
    consumer_spec = consumer_relation.endpoint_of(connection.application)
    offered = consumer_relation.endpoint_of(connection.saas)
    offered_ep = offered.name
    if proxy not in m.remote_applications:
        m.remote_applications[proxy] = model.RemoteApplication(
            name=proxy,
            url='',
            offer_path='',
            endpoints={},
            peer_model=connection.model,
            peer_application=connection.application,
            consumer=True,
        )
    stand_in = m.remote_applications[proxy]
    if connection.endpoint not in stand_in.endpoints:
        stand_in.endpoints[connection.endpoint] = [consumer_spec.role, consumer_spec.interface]
        m.touch('remote-application', proxy)
    relation = _find(m, offer.application, proxy, connection.endpoint, endpoint_of=offered_ep)
    if relation is None:
        ours = juju_bundle.EndpointRef(application=offer.application, endpoint=offered_ep)
        theirs = juju_bundle.EndpointRef(application=proxy, endpoint=connection.endpoint)
        provider, requirer = (ours, theirs) if offered.role == 'provider' else (theirs, ours)
        spec = juju_bundle.RelationSpec(
            provider=provider, requirer=requirer, interface=offered.interface
        )
        relation = add_relation(s, txn, spec)
    if relation.life != 'alive':
        return
    _copy_side(s, relation, proxy, consumer_relation, connection.application)
    _copy_secrets(s, relation, proxy, consuming, consumer_relation)


def _retire_stale(
    s: Session,
    stand_in: model.RemoteApplication,
    consuming: model.Model | None,
    offers: list[Offer],
) -> None:
    """Start removing an offering-side relation whose consuming relation is gone."""
    m = s.model
    for relation in m.relations_of(stand_in.name):
        if relation.life != 'alive':
            continue
        offered_app = relation.other_application(stand_in.name)
        alive = False
        if consuming is not None:
            for saas in consuming.remote_applications.values():
                if saas.consumer or saas.peer_model != m.name:
                    continue
                if saas.peer_application != offered_app:
                    continue
                for other in consuming.relations_of(saas.name):
                    if other.life == 'alive' and other.other_application(saas.name) == (
                        stand_in.peer_application
                    ):
                        alive = True
        if not alive or not any(o.application == offered_app for o in offers):
            relation_dying(s, relation)


def _find(
    m: model.Model, application: str, other: str, endpoint: str, *, endpoint_of: str | None = None
) -> model.Relation | None:
    """The relation between ``application`` and ``other`` through ``other``'s ``endpoint``."""
    for relation in m.relations_of(application):
        names = {e.application for e in relation.endpoints}
        if names != {application, other}:
            continue
        if relation.endpoint_of(other).name != endpoint:
            continue
        if endpoint_of is not None and relation.endpoint_of(application).name != endpoint_of:
            continue
        return relation
    return None


def _copy_side(
    s: Session, relation: model.Relation, here: str, source: model.Relation, there: str
) -> None:
    """Make ``here``'s side of ``relation`` what ``there``'s side of ``source`` is."""
    m = s.model
    changed = False
    app_data = dict(source.app_data.get(there, {}))
    if relation.app_data.get(here, {}) != app_data:
        relation.app_data[here] = app_data
        relation.app_version[here] = relation.app_version.get(here, 0) + 1
        changed = True
    wanted = {
        f'{here}/{name.rsplit("/", 1)[1]}': dict(source.unit_data.get(name, {}))
        for name in source.scope
        if name.rsplit('/', 1)[0] == there
    }
    for name in [u for u in relation.scope if u.rsplit('/', 1)[0] == here]:
        if name not in wanted:
            relation.scope.remove(name)
            changed = True
    for name, data in sorted(wanted.items()):
        if name not in relation.scope:
            relation.scope.append(name)
            changed = True
        if relation.unit_data.get(name) != data or name not in relation.unit_version:
            relation.unit_data[name] = data
            relation.unit_version[name] = relation.unit_version.get(name, 0) + 1
            changed = True
    remote = m.remote_applications[here]
    units = sorted(wanted, key=model.natural_key)
    if remote.units != units:
        remote.units = units
        m.touch('remote-application', here)
    if changed:
        m.touch('relation', relation.id)
        s.candidates |= {u.name for u in m.relation_units(relation)}


def _copy_secrets(
    s: Session, relation: model.Relation, here: str, source: model.Model, over: model.Relation
) -> None:
    """The secrets the other side granted over the relation, readable here by the same ids.

    Juju 3 lets a charm read a secret granted over a cross-model relation by its URI; olm
    keeps a copy, owned by the stand-in, granted to this side's application.
    """
    m = s.model
    local = relation.other_application(here)
    for secret in source.secrets.values():
        if over.id not in secret.grants:
            continue
        mine = m.secrets.get(secret.id)
        if mine is None:
            mine = model.Secret(id=secret.id, owner=here, owner_kind='app')
            m.secrets[secret.id] = mine
        if (mine.revisions, mine.latest, mine.label) == (
            secret.revisions,
            secret.latest,
            secret.label,
        ) and mine.grants == {relation.id: [local]}:
            continue
        mine.revisions = {k: dict(v) for k, v in secret.revisions.items()}
        mine.latest = secret.latest
        mine.label = secret.label
        mine.grants = {relation.id: [local]}
        m.touch('secret', secret.id)
        s.candidates |= {u.name for u in m.units_of(local)}


# -- settling the linked models -------------------------------------------------------------

_settling = False


def settle_linked(order: Sequence[str], settle: Callable[[str], int]) -> None:
    """Settle the linked models, then the first one, until none runs a hook.

    Called when a session that ran with cross-model relations ends (the store's writer lock
    is free again), with this model first in ``order``; ``settle`` settles one model and
    returns how many hooks ran. The sessions this opens do not start another round.
    """
    global _settling  # one round of propagation per process at a time
    if _settling or len(order) < 2:
        return
    _settling = True
    try:
        for _ in range(_MAX_ROUNDS):
            if sum(settle(name) for name in [*order[1:], order[0]]) == 0:
                return
    finally:
        _settling = False

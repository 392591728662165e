"""The postgresql_client requirer, through a tiny charm run by ops.testing.

The provider is Charmhub's PostgreSQL charm, so its side is played with databags written the way
data_interfaces v0 writes them, and, at the end, by the data platform team's published provider
itself (``dpcharmlibs-interfaces``, ``ResourceProviderEventHandler``), run under ops.testing: it
must read our request and we must read its answer.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, ClassVar

import ops
import pytest
import yaml
from conftest import remember, run
from dpcharmlibs.interfaces import (  # the data platform team's provider (the unit group)
    RequirerCommonModel,
    ResourceProviderEventHandler,
    ResourceProviderModel,
)
from metal_interfaces import postgresql_client as pg
from metal_interfaces.postgresql_client_testing import (
    DEFAULT_PASSWORD,
    DEFAULT_USERNAME,
    relation_for_provider,
    relation_for_requirer,
)
from ops import testing

META: dict[str, Any] = {
    'name': 'metal-controller',
    'requires': {'database': {'interface': 'postgresql_client', 'limit': 1}},
}
MODEL_UUID = '4e2b8a6c-1f0d-4c3e-9a7b-5d6e8f0a1b2c'
PLAIN_PASSWORD = 'plain-text-password-0001'
OTHER_PASSWORD = 'rotated-password-0002'
SEEN: dict[str, Any] = {}
"""What the test charm observed during the last run (it lives only inside ctx.run)."""

remember(DEFAULT_PASSWORD, PLAIN_PASSWORD, OTHER_PASSWORD)


@pytest.fixture(autouse=True)
def _clear_seen() -> None:
    SEEN.clear()


class RequirerCharm(ops.CharmBase):
    """MAAS's controller: asks for its database and remembers where and how to connect."""

    database: ClassVar[str | None] = None

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.db = pg.Requirer(self, 'database', database=type(self).database)
        framework.observe(self.on.config_changed, self._on_config_changed)
        framework.observe(self.on.update_status, self._record)
        for bound in (
            self.db.on.database_created,
            self.db.on.endpoints_changed,
            self.db.on.credentials_changed,
            self.db.on.database_gone,
        ):
            framework.observe(bound, self._record)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_config_changed(self, _: ops.ConfigChangedEvent) -> None:
        SEEN['requested'] = self.db.request('maasdb', extra_user_roles='CREATEDB')

    def _record(self, _: ops.EventBase) -> None:
        SEEN['provider'] = self.db.provider()
        SEEN['endpoints'] = self.db.endpoints()
        SEEN['read_only'] = self.db.read_only_endpoints()
        SEEN['credentials'] = self.db.credentials()

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus())


def ctx_() -> testing.Context[RequirerCharm]:
    return testing.Context(RequirerCharm, meta=META)


def state(
    *relations: testing.Relation,
    secrets: tuple[testing.Secret | None, ...] = (),
    leader: bool = True,
) -> testing.State:
    return testing.State(
        relations=set(relations),
        secrets={s for s in secrets if s is not None},
        leader=leader,
        model=testing.Model(uuid=MODEL_UUID, type='lxd'),
    )


def relation_in(out: testing.State, relation: testing.Relation) -> testing.Relation:
    """The output state's version of ``relation`` (typed: get_relation answers any kind)."""
    found = out.get_relation(relation.id)
    assert isinstance(found, testing.Relation)
    return found


def emitted(ctx: testing.Context[Any]) -> list[type[ops.EventBase]]:
    return [type(e) for e in ctx.emitted_events if isinstance(e, pg.PostgresqlClientEvent)]


def test_request_writes_plain_strings_and_asks_for_secrets() -> None:
    ctx = ctx_()
    rel = testing.Relation('database', remote_app_name='postgresql')
    out = run(ctx, ctx.on.config_changed(), state(rel))

    assert SEEN['requested'] is True
    local = relation_in(out, rel)
    assert local.local_app_data == {
        'database': 'maasdb',  # plain, as data_interfaces reads it: not '"maasdb"'
        'extra-user-roles': 'CREATEDB',
        'requested-secrets': json.dumps(
            ['username', 'password', 'tls', 'tls-ca', 'uris', 'read-only-uris']
        ),
    }
    assert 'database' not in local.local_unit_data


def test_request_matches_the_provider_side_testing_helper() -> None:
    ctx = ctx_()
    rel = testing.Relation('database', remote_app_name='postgresql')
    out = run(ctx, ctx.on.config_changed(), state(rel))

    helper = relation_for_provider(extra_user_roles='CREATEDB')
    assert dict(relation_in(out, rel).local_app_data) == helper.remote_app_data


def test_request_on_a_non_leader_writes_nothing() -> None:
    ctx = ctx_()
    rel = testing.Relation('database', remote_app_name='postgresql')
    out = run(ctx, ctx.on.config_changed(), state(rel, leader=False))

    assert SEEN['requested'] is False
    assert relation_in(out, rel).local_app_data == {}


def test_constructor_database_is_requested_when_the_relation_is_created(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RequirerCharm, 'database', 'maas')
    ctx = ctx_()
    rel = testing.Relation('database', remote_app_name='postgresql')
    out = run(ctx, ctx.on.relation_created(rel), state(rel))
    assert relation_in(out, rel).local_app_data['database'] == 'maas'
    assert 'extra-user-roles' not in relation_in(out, rel).local_app_data

    out = run(ctx, ctx.on.relation_created(rel), state(rel, leader=False))
    assert relation_in(out, rel).local_app_data == {}


def test_created_then_quiet_then_endpoints_then_credentials_then_gone() -> None:
    ctx = ctx_()
    rel, secret = relation_for_requirer()
    first = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, secrets=(secret,)))
    assert emitted(ctx) == [pg.DatabaseCreatedEvent]
    assert SEEN['endpoints'] == ['10.0.0.41:5432']
    assert SEEN['read_only'] == ['10.0.0.42:5432', '10.0.0.43:5432']
    assert SEEN['credentials'] == (DEFAULT_USERNAME, DEFAULT_PASSWORD)
    assert SEEN['provider'].version == '16.6'
    assert SEEN['provider'].database == 'maasdb'
    assert first.unit_status == testing.ActiveStatus()

    ctx = ctx_()
    run(ctx, ctx.on.relation_changed(relation_in(first, rel), remote_unit=0), first)
    assert emitted(ctx) == []

    moved = dataclasses.replace(
        relation_in(first, rel),
        remote_app_data={**rel.remote_app_data, 'endpoints': '10.0.0.42:5432'},
    )
    ctx = ctx_()
    second = run(
        ctx,
        ctx.on.relation_changed(moved, remote_unit=0),
        dataclasses.replace(first, relations={moved}),
    )
    assert emitted(ctx) == [pg.EndpointsChangedEvent]
    assert SEEN['endpoints'] == ['10.0.0.42:5432']

    rotated = testing.Secret({'username': DEFAULT_USERNAME, 'password': OTHER_PASSWORD})
    rotated = dataclasses.replace(rotated, owner=None)
    swapped = dataclasses.replace(
        moved, remote_app_data={**moved.remote_app_data, 'secret-user': rotated.id}
    )
    ctx = ctx_()
    third = run(
        ctx,
        ctx.on.relation_changed(swapped, remote_unit=0),
        dataclasses.replace(second, relations={swapped}, secrets={rotated}),
    )
    assert emitted(ctx) == [pg.CredentialsChangedEvent]
    assert SEEN['credentials'] == (DEFAULT_USERNAME, OTHER_PASSWORD)

    ctx = ctx_()
    run(ctx, ctx.on.secret_changed(rotated), third)
    assert emitted(ctx) == [pg.CredentialsChangedEvent]

    ctx = ctx_()
    run(ctx, ctx.on.relation_broken(swapped), third)
    assert emitted(ctx) == [pg.DatabaseGoneEvent]


def test_reads_a_data_interfaces_provider_databag_verbatim() -> None:
    """A databag as postgresql's data_interfaces v0 leaves it, bookkeeping keys and all."""
    secret_id = f'secret://{MODEL_UUID}/cq5v1e7mp25c77an1m0g'
    secret = testing.Secret(
        {
            'username': 'relation_id_4',
            'password': DEFAULT_PASSWORD,
            'uris': f'postgresql://relation_id_4:{DEFAULT_PASSWORD}@10.0.0.41:5432/maasdb',
        },
        id=secret_id,
        owner=None,
    )
    rel = testing.Relation(
        'database',
        remote_app_name='postgresql',
        remote_app_data={
            'data': json.dumps({'database': 'maasdb', 'requested-secrets': '["username"]'}),
            'database': 'maasdb',
            'endpoints': '10.0.0.41:5432',
            'read-only-endpoints': '10.0.0.42:5432,10.0.0.43:5432',
            'secret-user': secret_id,
            'version': '16.6',
            'tls': 'False',
        },
    )
    ctx = ctx_()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel, secrets=(secret,)))

    assert emitted(ctx) == [pg.DatabaseCreatedEvent]
    assert SEEN['credentials'] == ('relation_id_4', DEFAULT_PASSWORD)
    assert SEEN['read_only'] == ['10.0.0.42:5432', '10.0.0.43:5432']
    assert out.unit_status == testing.ActiveStatus()


@pytest.mark.parametrize('key', ['password', 'uris'])
def test_plain_credentials_are_refused_and_never_copied(key: str) -> None:
    value = (
        PLAIN_PASSWORD
        if key == 'password'
        else f'postgresql://relation_id_7:{PLAIN_PASSWORD}@10.0.0.41:5432/maasdb'
    )
    rel = testing.Relation(
        'database',
        remote_app_name='postgresql',
        remote_app_data={
            'database': 'maasdb',
            'endpoints': '10.0.0.41:5432',
            'username': 'relation_id_7',
            key: value,
        },
    )
    ctx = ctx_()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert 'provider sent credentials in plain relation data' in out.unit_status.message
    assert f'field "{key}"' in out.unit_status.message
    assert PLAIN_PASSWORD not in out.unit_status.message
    assert PLAIN_PASSWORD not in repr(out.stored_states)
    assert PLAIN_PASSWORD not in repr(relation_in(out, rel).local_unit_data)

    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['provider'] is None
    assert SEEN['endpoints'] is None
    assert SEEN['credentials'] is None


@pytest.mark.parametrize(
    ('app_data', 'field'),
    [
        ({'secret-user': PLAIN_PASSWORD}, 'secret-user'),  # not a secret id
        ({'endpoints': '10.0.0.41'}, 'endpoints'),  # no port
        ({'read-only-endpoints': '10.0.0.42:5432,10.0.0.43'}, 'read-only-endpoints'),
        ({'secret-tls': 'tls-ca-pem'}, 'secret-tls'),
    ],
)
def test_malformed_provider_data_is_blocked_naming_the_field(
    app_data: dict[str, str], field: str
) -> None:
    rel = testing.Relation('database', remote_app_name='postgresql', remote_app_data=app_data)
    ctx = ctx_()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    assert isinstance(out.unit_status, testing.BlockedStatus)
    assert f'field "{field}"' in out.unit_status.message
    assert 'postgresql' in out.unit_status.message
    assert PLAIN_PASSWORD not in out.unit_status.message

    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['provider'] is None


def test_empty_provider_databag_parses_without_events() -> None:
    rel = testing.Relation('database', remote_app_name='postgresql')
    ctx = ctx_()
    out = run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['provider'] == pg.ProviderAppData()
    assert not SEEN['provider'].is_created
    assert SEEN['endpoints'] is None
    assert SEEN['credentials'] is None
    assert out.unit_status == testing.ActiveStatus()


def test_endpoints_without_the_user_secret_are_not_created_yet() -> None:
    rel, _ = relation_for_requirer(username=None)
    ctx = ctx_()
    run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state(rel))

    assert emitted(ctx) == []
    assert SEEN == {}

    run(ctx, ctx.on.update_status(), state(rel))
    assert SEEN['endpoints'] == ['10.0.0.41:5432']
    assert SEEN['credentials'] is None


def test_user_secret_not_granted_reads_as_no_credentials() -> None:
    rel, _ = relation_for_requirer()
    ctx = ctx_()
    out = run(ctx, ctx.on.update_status(), state(rel))

    assert SEEN['endpoints'] == ['10.0.0.41:5432']
    assert SEEN['credentials'] is None
    assert out.unit_status == testing.ActiveStatus()


# -- against the data platform team's published provider (dpcharmlibs-interfaces) -----------------

PROVIDER_META: dict[str, Any] = {
    'name': 'postgresql',
    'provides': {'database': {'interface': 'postgresql_client'}},
}
PROVIDED: dict[str, Any] = {}
"""What the provider charm saw of the request during the last run."""


class PublishedProviderCharm(ops.CharmBase):
    """A PostgreSQL charm's relation side, built on dpcharmlibs-interfaces as the real one is.

    On ``resource_requested`` it answers the way canonical/postgresql-operator does: a user and
    password (sent in the ``user`` secret), the primary's endpoint and the server version.
    """

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self.provided = ResourceProviderEventHandler(self, 'database', RequirerCommonModel)
        framework.observe(self.provided.on.resource_requested, self._on_requested)

    def _on_requested(self, event: Any) -> None:
        request = event.request
        PROVIDED.update(resource=request.resource, extra_user_roles=request.extra_user_roles)
        response = ResourceProviderModel(
            salt=request.salt,
            request_id=request.request_id,
            resource=request.resource,
            username=f'relation_id_{event.relation.id}',
            password=PROVIDER_PASSWORD,
            endpoints='10.0.0.5:5432',
            read_only_endpoints='10.0.0.6:5432,10.0.0.7:5432',
            version='16.9',
        )
        self.provided.set_response(event.relation.id, response)


PROVIDER_PASSWORD = 'dp-provider-password-0003'
OFFERS = Path(__file__).resolve().parents[3] / 'bundles' / 'offers'
remember(PROVIDER_PASSWORD)


def _requested_databag() -> dict[str, str]:
    """What our requirer's leader writes, run for real."""
    RequirerCharm.database = 'maas'
    try:
        rel = testing.Relation('database', remote_app_name='postgresql', id=7)
        ctx = ctx_()
        out = ctx.run(ctx.on.relation_created(rel), state(rel))
    finally:
        RequirerCharm.database = None
    return dict(out.get_relation(7).local_app_data)


def _published_answer() -> tuple[dict[str, str], dict[str, str]]:
    """The provider databag and user secret content the published provider writes for us."""
    PROVIDED.clear()
    requested = _requested_databag()
    provider_ctx = testing.Context(PublishedProviderCharm, meta=PROVIDER_META)
    rel = testing.Relation(
        'database', remote_app_name='metal-controller', id=7, remote_app_data=requested
    )
    out = provider_ctx.run(
        provider_ctx.on.relation_changed(rel), testing.State(leader=True, relations={rel})
    )
    answered = dict(out.get_relation(7).local_app_data)
    [user_secret] = [s for s in out.secrets if s.id == answered['secret-user']]
    return answered, dict(user_secret.latest_content or {})


def test_the_offer_file_publishes_what_the_published_provider_does() -> None:
    """bundles/offers/postgresql.yaml plays the provider: its keys are the provider's."""
    offer = yaml.safe_load((OFFERS / 'postgresql.yaml').read_text())
    published = offer['relation-data']['database']['application']
    answered, content = _published_answer()
    assert set(published) <= set(answered)
    assert set(published) >= set(answered) - {'data', 'salt'}  # the provider's own bookkeeping
    assert set(offer['secrets']['user']) == set(content)
    played = {k: str(v) for k, v in published.items()} | {'secret-user': 'secret:cp1offer'}
    assert published['secret-user'] == '${secret:user}'  # olm puts the granted secret's id
    assert pg.parse_provider(played).is_created


def test_the_testing_helper_plays_the_published_provider() -> None:
    """relation_for_requirer's provider databag has the published provider's keys."""
    answered, content = _published_answer()
    helper, secret = relation_for_requirer('database', database='maas')
    assert secret is not None
    assert set(helper.remote_app_data) == set(answered) - {'data', 'salt'}
    assert set(secret.tracked_content) == set(content)


def test_the_published_provider_reads_our_request_and_answers_what_we_read() -> None:
    """Our requirer, the dpcharmlibs-interfaces provider, and our requirer again.

    The provider must see a database request for ``maas``; what it writes back (``database``,
    ``endpoints``, ``read-only-endpoints``, ``version``, ``secret-user`` naming a secret with
    ``username`` and ``password``) must be what our requirer parses into credentials.
    """
    PROVIDED.clear()
    requested = _requested_databag()
    assert requested['database'] == 'maas'
    provider_ctx = testing.Context(PublishedProviderCharm, meta=PROVIDER_META)
    rel = testing.Relation(
        'database', remote_app_name='metal-controller', id=7, remote_app_data=requested
    )
    out = provider_ctx.run(
        provider_ctx.on.relation_changed(rel), testing.State(leader=True, relations={rel})
    )
    assert PROVIDED == {'resource': 'maas', 'extra_user_roles': None}
    answered = dict(out.get_relation(7).local_app_data)
    assert PROVIDER_PASSWORD not in json.dumps(answered)  # only in the secret
    [user_secret] = [s for s in out.secrets if s.id == answered['secret-user']]
    content = dict(user_secret.latest_content or {})
    assert set(content) >= {'username', 'password'}
    assert answered['database'] == 'maas'  # v0: the resource echoed under the requested key
    assert json.loads(answered['data'])['requested-secrets'] == list(pg.REQUESTED_SECRETS)

    parsed = pg.parse_provider(answered)
    assert parsed.database == 'maas'
    assert parsed.endpoints == ['10.0.0.5:5432']
    assert parsed.read_only_endpoints == ['10.0.0.6:5432', '10.0.0.7:5432']
    assert parsed.version == '16.9'
    assert parsed.is_created

    granted = testing.Secret(tracked_content=content, id=answered['secret-user'])
    ours = testing.Relation(
        'database', remote_app_name='postgresql', id=7,
        local_app_data=requested, remote_app_data=answered,
    )  # fmt: skip
    ctx = ctx_()
    ctx.run(ctx.on.update_status(), state(ours, secrets=(granted,)))
    assert SEEN['credentials'] == ('relation_id_7', PROVIDER_PASSWORD)
    assert SEEN['endpoints'] == ['10.0.0.5:5432']

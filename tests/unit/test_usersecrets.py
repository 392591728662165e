"""User secrets: Juju's content rules, lookup by URI or name, grants and the JSON shapes."""

from __future__ import annotations

import base64

import pytest

from orchestrator.state import model, usersecrets


def _model() -> model.Model:
    m = model.Model(name='lab', uuid='u-1')
    m.applications['app'] = model.Application(
        name='app', charm='app', charm_path='', charm_name='app'
    )
    return m


def test_content_keys_follow_jujus_rule_and_b64_values_are_decoded():
    encoded = base64.b64encode(b'hunter2').decode()
    assert usersecrets.check_content({'password': 'x', 'api-key_b64': encoded}) == {
        'password': 'x', 'api-key': 'hunter2',
    }  # fmt: skip
    for bad in ('ab', 'Password', '1abc', 'a--b', 'with_underscore'):
        with pytest.raises(usersecrets.SecretError, match=f'key "{bad}" not valid'):
            usersecrets.check_content({bad: 'x'})
    with pytest.raises(usersecrets.SecretError, match='not base64'):
        usersecrets.check_content({'token_b64': 'not base64!'})
    with pytest.raises(usersecrets.SecretError, match='missing secret value'):
        usersecrets.check_content({})


def test_a_secret_is_found_by_any_uri_form_or_its_name():
    m = _model()
    secret = usersecrets.add(m, 'secret:abc', 'db', {'password': 'x'}, info=None, now=0.0)
    for ref in ('secret:abc', 'abc', 'secret://u-1/abc', 'db'):
        assert usersecrets.find(m, ref) is secret
    with pytest.raises(usersecrets.SecretError, match='secret "other" not found'):
        usersecrets.find(m, 'other')
    with pytest.raises(usersecrets.SecretError, match='secret with name "db" already exists'):
        usersecrets.add(m, 'secret:def', 'db', {'password': 'y'}, info=None, now=0.0)


def test_grants_go_to_existing_applications_of_user_secrets_only():
    m = _model()
    secret = usersecrets.add(m, 'secret:abc', 'db', {'password': 'x'}, info='why', now=0.0)
    usersecrets.grant(m, secret, ['app', 'app'])
    assert secret.app_grants == ['app']
    with pytest.raises(usersecrets.SecretError, match='application "ghost" not found'):
        usersecrets.grant(m, secret, ['ghost'])
    charms = model.Secret(id='secret:own', owner='app', owner_kind='app', revisions={1: {}})
    with pytest.raises(usersecrets.SecretError, match='only its owner can change it'):
        usersecrets.grant(m, charms, ['app'])


def test_the_json_shows_content_only_when_revealed():
    m = _model()
    secret = usersecrets.add(m, 'secret:abc', 'db', {'password': 'x'}, info='why', now=86400.0)
    listed = usersecrets.to_json(m, secret)
    assert listed == {'abc': {
        'revision': 1, 'owner': '<model>', 'created': '1970-01-02T00:00:00Z',
        'updated': '1970-01-02T00:00:00Z', 'name': 'db', 'description': 'why',
    }}  # fmt: skip
    revealed = usersecrets.to_json(m, secret, reveal=True)['abc']
    assert revealed['content'] == {'Data': {'password': 'x'}}
    with pytest.raises(usersecrets.SecretError, match='revision 2 not found'):
        usersecrets.to_json(m, secret, reveal=True, revision=2)


def test_an_update_makes_a_revision_and_names_who_read_the_old_one():
    m = _model()
    secret = usersecrets.add(m, 'secret:abc', 'db', {'password': 'x'}, info=None, now=0.0)
    secret.consumers['app/0'] = model.SecretConsumer(tracked=1)
    assert usersecrets.update(m, secret, {'password': 'x'}, now=1.0) == set()  # same content
    assert secret.latest == 1
    assert usersecrets.update(m, secret, {'password': 'y'}, now=2.0) == {'app/0'}
    assert (secret.latest, secret.revisions[2], secret.updated) == (2, {'password': 'y'}, 2.0)
    listed = usersecrets.to_json(m, secret, revisions=True)['abc']['revisions']
    assert [(r['revision'], r['created']) for r in listed] == [
        (1, '1970-01-01T00:00:00Z'), (2, '1970-01-01T00:00:02Z'),
    ]  # fmt: skip
    usersecrets.update(m, secret, None, info='new words', name='database', now=3.0)
    assert (secret.name, secret.description, secret.latest) == ('database', 'new words', 2)


def test_removal_takes_an_old_revision_or_the_whole_secret():
    m = _model()
    secret = usersecrets.add(m, 'secret:abc', 'db', {'password': 'x'}, info=None, now=0.0)
    usersecrets.update(m, secret, {'password': 'y'}, now=1.0)
    with pytest.raises(usersecrets.SecretError, match='it is the latest'):
        usersecrets.remove(m, secret, 2)
    usersecrets.remove(m, secret, 1)
    assert sorted(secret.revisions) == [2]
    usersecrets.remove(m, secret)
    assert m.secrets == {}

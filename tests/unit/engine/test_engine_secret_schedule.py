"""Secrets with an expiry and a rotation policy: stored, shown and fired as Juju does.

ops' ``add_secret``/``set_info`` take ``expire=`` (a datetime or a timedelta) and ``rotate=``;
olm keeps the expiry per revision, shows ``expires``/``rotation``/``rotates`` as ``juju
show-secret`` does, answers ``get_info()`` with them, and fires ``secret-expired`` and
``secret-rotate`` as the model's clock passes their times (``olm advance-clock``), with Juju's
5-minute retries (orchestrator/agent/secret_schedule.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from enginetools import Clock, last_seq, trace

from orchestrator import engine as olm_engine
from orchestrator.agent import secret_schedule


def _utc(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def _iso(seconds: float) -> str:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC).isoformat()


@pytest.fixture
def keeper(make_engine: Callable[..., olm_engine.Engine]) -> olm_engine.Engine:
    engine = make_engine()
    engine.deploy('keeper', config={'on-rotate': 'new-revision', 'on-expired': 'nothing'})
    return engine


def _add(engine: olm_engine.Engine, **params: object) -> str:
    action = engine.run_action('keeper/0', 'add', params)
    assert action.status == 'completed', action.message
    return str(action.results['id'])


def _hooks(engine: olm_engine.Engine, since: int) -> list[str]:
    """The unit's hooks since ``since``, but update-status (moving the clock fires it too)."""
    return [h for h in trace(engine, 'keeper/0', since=since) if h != 'update-status']


def _shown(engine: olm_engine.Engine, secret_id: str, **options: bool) -> dict[str, object]:
    return engine.show_secret(secret_id, **options)[secret_id.removeprefix('secret:')]


def test_expiry_and_rotation_round_trip_to_show_secret_and_get_info(
    keeper: olm_engine.Engine, clock: Clock
):
    start = clock.now
    secret_id = _add(keeper, label='db', **{'expire-minutes': 90, 'rotate': 'daily'})

    shown = _shown(keeper, secret_id)
    assert shown['expires'] == _utc(start + 90 * 60)
    assert (shown['rotation'], shown['rotates']) == ('daily', _utc(start + 86400))
    assert (shown['label'], shown['description']) == ('db', 'kept')

    info = keeper.run_action('keeper/0', 'info', {'label': 'db'}).results
    assert info == {
        'revision': '1', 'label': 'db', 'description': 'kept',
        'expires': _iso(start + 90 * 60), 'rotation': 'daily', 'rotates': _iso(start + 86400),
    }  # fmt: skip


def test_an_expiry_given_as_a_datetime_is_kept(keeper: olm_engine.Engine):
    secret_id = _add(keeper, label='tls', **{'expire-at': '2031-05-06T07:08:09+00:00'})
    assert _shown(keeper, secret_id)['expires'] == '2031-05-06T07:08:09Z'
    assert 'rotation' not in _shown(keeper, secret_id)


def test_secret_expired_fires_when_the_clock_passes_and_again_five_minutes_later(
    keeper: olm_engine.Engine,
):
    secret_id = _add(keeper, label='db', **{'expire-minutes': 60})
    since = last_seq(keeper)
    keeper.advance_clock(59 * 60)
    assert _hooks(keeper, since) == []

    keeper.advance_clock(60)
    fired = f'secret-expired ({secret_id} revision 1)'
    assert _hooks(keeper, since) == [fired]
    # The charm left the revision in place: Juju runs the hook again after ExpireRetryDelay.
    keeper.advance_clock(299)
    assert _hooks(keeper, since) == [fired]
    keeper.advance_clock(1)
    assert _hooks(keeper, since) == [fired, fired]


def test_an_expired_revision_the_charm_removes_goes_and_with_it_a_secret_left_empty(
    keeper: olm_engine.Engine,
):
    keeper.set_config('keeper', {'on-expired': 'remove'})
    secret_id = _add(keeper, label='db', **{'expire-minutes': 10})
    keeper.advance_clock(600)
    assert secret_id.removeprefix('secret:') not in keeper.secrets()
    since = last_seq(keeper)
    keeper.advance_clock(3600)
    assert _hooks(keeper, since) == []


def test_a_new_revision_has_no_expiry_unless_one_is_set_with_it(
    keeper: olm_engine.Engine, clock: Clock
):
    start = clock.now
    secret_id = _add(keeper, label='db', **{'expire-minutes': 60})
    keeper.run_action('keeper/0', 'update', {'label': 'db'})
    shown = _shown(keeper, secret_id, revisions=True)
    assert shown['revision'] == 2 and 'expires' not in shown
    assert [r.get('expires') for r in shown['revisions']] == [_utc(start + 3600), None]  # type: ignore[union-attr]

    keeper.run_action('keeper/0', 'update', {'label': 'db', 'expire-minutes': 30})
    assert _shown(keeper, secret_id)['expires'] == _utc(start + 1800)


def test_secret_rotate_fires_by_policy_and_a_new_revision_sets_the_next_time(
    keeper: olm_engine.Engine, clock: Clock
):
    start = clock.now
    secret_id = _add(keeper, label='db', rotate='hourly')
    since = last_seq(keeper)
    keeper.advance_clock(3600)
    # Revision 2 leaves revision 1 tracked by nobody: the owner hears of it (secret-remove).
    assert _hooks(keeper, since) == [
        f'secret-rotate ({secret_id})', f'secret-remove ({secret_id} revision 1)',
    ]  # fmt: skip
    shown = _shown(keeper, secret_id)
    # The charm made revision 2; the next rotation is an hour after the one that was due.
    assert (shown['revision'], shown['rotates']) == (2, _utc(start + 7200))


def test_a_rotation_that_makes_no_revision_is_retried_after_five_minutes(
    keeper: olm_engine.Engine, clock: Clock
):
    keeper.set_config('keeper', {'on-rotate': 'nothing'})
    start = clock.now
    secret_id = _add(keeper, label='db', rotate='daily')
    keeper.advance_clock(86400)
    assert _shown(keeper, secret_id)['rotates'] == _utc(start + 86400 + 300)
    since = last_seq(keeper)
    keeper.advance_clock(300)
    assert _hooks(keeper, since) == [f'secret-rotate ({secret_id})']


def test_set_info_changes_the_policy_and_the_next_rotation(
    keeper: olm_engine.Engine, clock: Clock
):
    secret_id = _add(keeper, label='db')
    assert 'rotates' not in _shown(keeper, secret_id)
    keeper.run_action('keeper/0', 'update', {'label': 'db', 'rotate': 'weekly'})
    shown = _shown(keeper, secret_id)
    assert (shown['rotation'], shown['rotates']) == ('weekly', _utc(clock.now + 7 * 86400))


def test_a_datetime_in_an_action_s_results_round_trips_as_juju_keeps_it(
    keeper: olm_engine.Engine,
):
    action = keeper.run_action('keeper/0', 'stamp', {})
    assert action.status == 'completed', action.message
    # ops hands action-set key=value text: Juju keeps each result's str().
    assert action.results == {
        'when': '2030-01-02 03:04:05+00:00', 'count': '3', 'nested': {'flag': 'True'},
    }  # fmt: skip
    keeper.update_status(['keeper'])  # and the model goes on
    assert keeper.status_view().model.units['keeper/0'].agent.current == 'idle'


def test_the_clock_never_goes_back(keeper: olm_engine.Engine):
    with pytest.raises(olm_engine.EngineError, match='give a positive duration'):
        keeper.advance_clock(-1)


@pytest.mark.parametrize(
    ('policy', 'last', 'expected'),
    [
        ('hourly', '2027-01-31T10:00:00', '2027-01-31T11:00:00'),
        ('daily', '2027-01-31T10:00:00', '2027-02-01T10:00:00'),
        ('weekly', '2027-01-31T10:00:00', '2027-02-07T10:00:00'),
        # Go's AddDate: 31 January + 1 month is "31 February", that is 3 March.
        ('monthly', '2027-01-31T10:00:00', '2027-03-03T10:00:00'),
        ('quarterly', '2027-11-30T10:00:00', '2028-03-01T10:00:00'),
        ('yearly', '2028-02-29T10:00:00', '2029-03-01T10:00:00'),
        ('never', '2027-01-31T10:00:00', None),
        (None, '2027-01-31T10:00:00', None),
    ],
)
def test_next_rotate_time_is_jujus(policy: str | None, last: str, expected: str | None):
    def at(text: str) -> float:
        return datetime.datetime.fromisoformat(text).replace(tzinfo=datetime.UTC).timestamp()

    found = secret_schedule.next_rotate_time(policy, at(last))
    assert found == (None if expected is None else at(expected))


def test_a_rotation_comes_sooner_when_the_latest_revision_expires_first():
    due = 1_000_000.0

    def after(*, new_revision: bool, expiry: float | None, skipped: bool = False) -> float | None:
        return secret_schedule.rotated(
            'daily', due, now=due, new_revision=new_revision, skipped=skipped,
            latest_expiry=expiry,
        )  # fmt: skip

    assert after(new_revision=True, expiry=None) == due + 86400
    assert after(new_revision=True, expiry=due + 3600) == due + 300
    assert after(new_revision=False, expiry=None) == due + 300
    assert after(new_revision=False, expiry=None, skipped=True) == due + 86400

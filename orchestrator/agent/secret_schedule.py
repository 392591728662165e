"""When a secret's ``secret-rotate`` and ``secret-expired`` hooks are due, as Juju schedules them.

Juju's controller keeps, per secret, the next rotation time, and per revision, its expiry; its
``secretrotate`` and ``secretexpire`` watchers wake the owner's unit agent when one passes. The
rules modelled here are juju/juju's:

- ``core/secrets/rotate.go`` (commit e143850c): ``NextRotateTime`` adds an hour, a day, 7 days,
  a calendar month, 3 calendar months or a calendar year (Go's ``time.AddDate``, whose month
  overflow rolls into the next month: 31 January + 1 month is 3 March, or 2 in a leap year);
  ``RotateRetryDelay`` and ``ExpireRetryDelay`` are 5 minutes;
- the secrets manager facade's ``SecretsRotated``
  (``apiserver/facades/agent/secretsmanager/secrets.go``):
  after a rotate hook the next rotation is the policy's from the time that was due; it comes
  5 minutes after that time instead when the hook made no new revision (and was not skipped
  with ``resolve --no-retry``), or when the latest revision expires before the policy's time;
- a revision whose ``secret-expired`` hook ran but which the charm did not remove has its hook
  run again 5 minutes later (``ExpireRetryDelay``: "how long to wait to re-run the expire hook
  if the expired secret revision was not removed").

Times are seconds since the epoch in UTC, as the model keeps them.
"""

# pyright: strict

from __future__ import annotations

import datetime

__all__ = [
    'EXPIRE_RETRY_DELAY',
    'POLICIES',
    'ROTATE_RETRY_DELAY',
    'next_rotate_time',
    'rotated',
]

ROTATE_RETRY_DELAY = 300.0
"""``secrets.RotateRetryDelay``: a rotate hook that made no new revision runs again after this."""

EXPIRE_RETRY_DELAY = 300.0
"""``secrets.ExpireRetryDelay``: an expired revision left in place gets its hook again after."""

POLICIES = ('never', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly')
"""Juju's rotate policies (``RotatePolicy.IsValid``)."""

_MONTHS = {'monthly': 1, 'quarterly': 3, 'yearly': 12}
_DAYS = {'daily': 1, 'weekly': 7}


def next_rotate_time(policy: str | None, last: float) -> float | None:
    """``RotatePolicy.NextRotateTime``: when a secret rotated (or due) at ``last`` rotates next.

    None for ``never`` (and no policy).
    """
    if policy == 'hourly':
        return last + 3600.0
    if policy not in _DAYS and policy not in _MONTHS:
        return None
    moment = datetime.datetime.fromtimestamp(last, datetime.UTC)
    if policy in _DAYS:
        return (moment + datetime.timedelta(days=_DAYS[policy])).timestamp()
    return _add_months(moment, _MONTHS[policy]).timestamp()


def _add_months(moment: datetime.datetime, months: int) -> datetime.datetime:
    """Go's ``AddDate(0, months, 0)``: the day is kept, and a day past the month's end rolls on."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    first = moment.replace(year=year, month=month, day=1)
    overflow = moment.day - 1
    return first + datetime.timedelta(days=overflow)


def rotated(
    policy: str | None,
    due: float | None,
    *,
    now: float,
    new_revision: bool,
    skipped: bool,
    latest_expiry: float | None,
) -> float | None:
    """The next rotation after a ``secret-rotate`` hook (``SecretsRotated``).

    Args:
        policy: the secret's rotate policy.
        due: the rotation time the hook was run for (Juju's stored ``NextRotateTime``); None
            falls back to ``now``, as Juju does.
        now: the model's time.
        new_revision: whether the hook made a new revision.
        skipped: the hook was skipped (``resolve --no-retry``), which asks for no retry.
        latest_expiry: when the latest revision expires, if it does.
    """
    last = now if due is None else due
    following = next_rotate_time(policy, last)
    if following is None:
        return None
    forced = last + ROTATE_RETRY_DELAY
    will_expire = latest_expiry is not None and latest_expiry < following
    if (will_expire and latest_expiry is not None and forced < latest_expiry) or (
        not skipped and not new_revision
    ):
        return forced
    return following

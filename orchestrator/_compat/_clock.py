"""The simulated machine's clock, where ops reads the computer's: a secret's ``expire=`` delta.

ops turns ``add_secret(expire=timedelta)`` and ``set_info(expire=timedelta)`` into a time with
``datetime.now()`` (``ops/model.py`` ``_calculate_expiry``): under Juju the machine's clock,
which is the controller's time give or take. olm's model has its own clock (a test's virtual
one, or the time moved on by ``olm advance-clock``), and the expiry must be on it, or a secret
made to expire in an hour would be an hour from a time the model is not at. While
:func:`machine_clock` is active (one of olm's runs), the delta is added to the model's time; a
``datetime`` is kept as given, and outside olm's runs ops is unchanged.

The hook tools use :func:`machine_now` for ``secret-add --expire 1h`` in the same way. A charm
run by the dispatch runner computes its own deltas in its own process, on the computer's
clock: there the two agree only while the model's clock is the computer's.
"""

# pyright: strict
# pyright: reportPrivateUsage=false

from __future__ import annotations

import contextlib
import datetime
import time
from collections.abc import Callable, Generator

import ops.model

__all__ = ['machine_clock', 'machine_now']

_clocks: list[Callable[[], float]] = []


@contextlib.contextmanager
def machine_clock(clock: Callable[[], float]) -> Generator[None]:
    """The model's clock is the machine's for the block (one hook's run)."""
    _clocks.append(clock)
    try:
        yield
    finally:
        _clocks.pop()


def machine_now() -> datetime.datetime:
    """The machine's time: the model's during one of olm's runs, else the computer's."""
    now = _clocks[-1]() if _clocks else time.time()
    return datetime.datetime.fromtimestamp(now, datetime.UTC)


_original_calculate_expiry = ops.model._calculate_expiry


def _calculate_expiry(
    expire: datetime.datetime | datetime.timedelta | None,
) -> datetime.datetime | None:
    if _clocks and isinstance(expire, datetime.timedelta):
        return machine_now() + expire
    return _original_calculate_expiry(expire)


ops.model._calculate_expiry = _calculate_expiry

"""Which Host the running code talks to: :func:`current` and :func:`bound`."""

# pyright: strict

from __future__ import annotations

import contextlib
import threading
from collections.abc import Generator
from contextvars import ContextVar
from typing import TypeVar

from ._local import LocalHost
from ._protocol import Host

__all__ = ['bound', 'current']

_H = TypeVar('_H', bound=Host)

_bound: ContextVar[Host | None] = ContextVar('metal_host.bound', default=None)
_local: LocalHost | None = None
_local_lock = threading.Lock()


def current() -> Host:
    """The Host of the running event: the one :func:`bound` set, else the real machine.

    Charm code calls this every time it needs the machine (it is cheap) rather than keeping the
    result, so each event talks to whatever was bound for it.
    """
    host = _bound.get()
    if host is not None:
        return host
    global _local  # one LocalHost per process, made on first use
    with _local_lock:
        if _local is None:
            _local = LocalHost()
        return _local


@contextlib.contextmanager
def bound(host: _H) -> Generator[_H]:
    """Make ``host`` what :func:`current` returns inside the block, then restore the previous one.

    Bindings nest, and they belong to the running context (a :mod:`contextvars` variable): a
    thread or an asyncio task started elsewhere does not see them::

        with metal_host.bound(RecordingHost()) as host:
            ctx.run(ctx.on.config_changed(), state)
    """
    token = _bound.set(host)
    try:
        yield host
    finally:
        _bound.reset(token)

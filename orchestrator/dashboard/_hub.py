"""The one reader of the source, and what every open page is told when the model changes.

A single worker thread owns the source (a sqlite connection or the juju client), polls it, and
renders a changed snapshot once; each page's event stream waits on the hub for the next
revision. Many pages cost one reading, and a page that connects is sent the current state at
once.
"""

# pyright: strict

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from ._page import render_views
from ._snapshot import Snapshot
from ._source import DashboardError, Source

__all__ = ['Hub', 'Reading']

log = logging.getLogger(__name__)

POLL_INTERVAL = 0.2
"""Seconds between polls of the source's ``changed()``: a new unit shows within ~0.5 s."""
HEARTBEAT = 15.0
"""Seconds between comments on an idle event stream, so proxies and browsers keep it open."""
READ_FAILED = 'The last refresh failed; this is the model as read before it:'
"""What the page says, before the source's error, while the source cannot be read."""
CLOSING_CHECK = 0.5
"""Seconds an idle stream waits before it looks again whether the server is stopping."""


@dataclasses.dataclass(frozen=True)
class Reading:
    """One revision of the model: the snapshot, its rendered views, and the event that says so."""

    revision: int
    snapshot: Snapshot
    views: dict[str, str]

    def event(self) -> str:
        """The server-sent event carrying this revision's views."""
        data = json.dumps({'revision': self.revision, 'views': self.views})
        return f'event: snapshot\nid: {self.revision}\ndata: {data}\n\n'

    def to_json(self) -> dict[str, Any]:
        return {'revision': self.revision, 'snapshot': dataclasses.asdict(self.snapshot)}


class Hub:
    """Polls the source in its own thread and wakes the event streams on each new revision."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self._worker = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix='olm-dashboard')
        self._reading: Reading | None = None
        self._last_read: Snapshot | None = None
        self._changed: asyncio.Condition | None = None
        self._task: asyncio.Task[None] | None = None
        self.closing = False

    def first_reading(self) -> Reading:
        """Read the source once before serving: a source that cannot be read fails the command.

        Raises:
            DashboardError: from the source.
        """
        reading = self._worker.submit(self._read).result()
        assert reading is not None, 'the first read always renders'
        self._reading = reading
        return reading

    @property
    def reading(self) -> Reading:
        assert self._reading is not None, 'first_reading() runs before the server starts'
        return self._reading

    async def start(self) -> None:
        """Begin polling (the server's startup)."""
        self._changed = asyncio.Condition()
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        """Stop polling, end every stream, and let go of the source (the server's shutdown)."""
        self.closing = True
        if self._task is not None:
            self._task.cancel()
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()
        await asyncio.get_running_loop().run_in_executor(self._worker, self.source.close)
        self._worker.shutdown(wait=False)

    async def stream(self) -> AsyncIterator[str]:
        """The event stream of one page: the current revision, then each new one.

        It ends soon after :attr:`closing` is set (the server's Ctrl-C), so that the server
        stops without cutting open streams short.
        """
        assert self._changed is not None, 'start() runs at the server startup'
        sent = -1
        quiet_since = time.monotonic()
        while not self.closing:
            reading = self.reading
            if reading.revision != sent:
                sent = reading.revision
                quiet_since = time.monotonic()
                yield reading.event()
                continue
            if time.monotonic() - quiet_since >= HEARTBEAT:
                quiet_since = time.monotonic()
                yield ': still here\n\n'
            async with self._changed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), CLOSING_CHECK)

    async def _poll(self) -> None:
        loop = asyncio.get_running_loop()
        assert self._changed is not None
        while not self.closing:
            await asyncio.sleep(POLL_INTERVAL)
            reading = await loop.run_in_executor(self._worker, self._read)
            if reading is not None:
                self._reading = reading
                async with self._changed:
                    self._changed.notify_all()

    def _read(self) -> Reading | None:
        """A new reading when the source changed and shows something new; else None."""
        # Asked on the first read too: it takes the source's first mark of change.
        if not self.source.changed() and self._reading is not None:
            return None
        try:
            snapshot = self.source.snapshot()
        except DashboardError as e:
            if self._last_read is None:
                raise  # the first read: the command fails
            # A later read that fails leaves the page on the model last read, saying why; the
            # next read that succeeds takes the note away.
            log.warning('%s', e)
            last = self._last_read
            snapshot = dataclasses.replace(last, notes=(*last.notes, f'{READ_FAILED} {e}'))
        else:
            self._last_read = snapshot
        if self._reading is not None and snapshot == self._reading.snapshot:
            return None
        revision = 1 if self._reading is None else self._reading.revision + 1
        return Reading(revision, snapshot, render_views(snapshot))

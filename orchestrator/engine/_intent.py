"""An operation's intent: a record that says a change began, until the change commits.

A deploy reads its bundle and charms and places its units before the one transaction that
adds them. Killed in between (``kill -9``, the machine going down), it used to leave no trace:
the next ``olm wait`` said "settled" as if the deploy had never been asked for. So a deploy
first commits a small record of itself (what, the command line, its pid, when) in a
transaction of its own, under the writer lock, and the transaction that adds the applications
deletes it. A later command that takes the writer lock and still finds a record knows the
process that wrote it is gone (it would hold the lock otherwise): it says that nothing was
deployed and deletes the record. A deploy refused or interrupted (Ctrl-C) deletes its own record
on the way out, so a refusal still changes nothing.

Juju has no counterpart to copy: ``juju deploy`` is one API call, which the controller commits
or not. The record only makes olm's two steps (read, then commit) as visible as Juju's one.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import datetime
import json
import logging
import os

from ..state.store import Store, Transaction

__all__ = ['INTENT', 'Intent', 'abandoned', 'begin', 'complete', 'forget', 'found', 'interrupted']

INTENT = 'unfinished-operation'
"""The model setting that holds the intent of an operation that has not committed yet."""

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class Intent:
    """A change a process began on the model.

    Attributes:
        what: the change, as users name it (``deploy of bundle.yaml``).
        command: the command line that asked for it.
        pid: the process making it.
        started: when it began (seconds since the epoch).
    """

    what: str
    command: str
    pid: int
    started: float

    def never_committed(self) -> str:
        """What a later command says of it, its process being gone."""
        when = datetime.datetime.fromtimestamp(self.started, datetime.UTC)
        command = ' '.join(self.command.split())  # one line, however it was quoted
        return (
            f'the {self.what} started at {when:%Y-%m-%dT%H:%M:%SZ} (process {self.pid}: '
            f'{command[:200]}) never committed: nothing was deployed; run it again'
        )


def begin(store: Store, what: str, *, now: float) -> None:
    """Commit the intent of ``what`` (the caller holds the writer lock)."""
    intent = Intent(what=what, command=store.lock_wait.command, pid=os.getpid(), started=now)
    with store.transaction() as txn:
        txn.set_setting(INTENT, json.dumps(dataclasses.asdict(intent)))


def complete(txn: Transaction) -> None:
    """The change commits in ``txn``: its intent goes with it."""
    txn.delete_setting(INTENT)


def forget(store: Store) -> bool:
    """Delete this process's intent: the change was refused or interrupted, nothing changed.

    Returns:
        Whether it was still there (the change had not committed).
    """
    with store.transaction() as txn:
        there = bool(txn.get_setting(INTENT))
        complete(txn)
    return there


def interrupted(what: str) -> None:
    """Say that Ctrl-C stopped ``what`` before it committed (it would be silent otherwise)."""
    logger.warning('the %s was interrupted before it committed: nothing was deployed', what)


def found(txn: Transaction) -> Intent | None:
    """The intent recorded in the model, if any."""
    text = txn.get_setting(INTENT)
    if not text:
        return None
    try:
        return Intent(**json.loads(text))
    except (ValueError, TypeError):  # not ours to read: still an operation that never committed
        return Intent(what='operation', command='unknown', pid=0, started=0.0)


def abandoned(store: Store, intent: Intent) -> None:
    """Report and delete an intent left by a process that died before it committed.

    Called with the writer lock held, no operation of this process under way and no
    transaction open: whoever wrote the intent no longer holds the lock, so it is gone.
    """
    logger.warning('%s', intent.never_committed())
    forget(store)

"""The unit agents: each unit runs its next hook until none has anything left to do.

This is the settle loop that stands for every unit's uniter at once. Which unit goes next is
drawn from a seeded random generator, so one seed is one legal interleaving and another seed
another; each unit's next hook comes from its resolver (:func:`orchestrator.agent.resolver.
next_hook`), runs through the runner on the unit's simulated machine and is committed in its
own store transaction (:mod:`orchestrator.agent.commit`). A failed hook is retried as Juju's
uniter retries it, or when the operator resolves it.
"""

# pyright: strict

from __future__ import annotations

import collections
import contextlib
import gc
import math
import random
import time
from collections.abc import Generator, Sequence

from ..agent import backlog
from ..agent.hooks import Hook
from ..state import model
from ..state.store import LogEntry, StoreError
from . import _names
from ._context import CLOCK_OFFSET, Context, load_model
from ._deferred import _compat, charmspec, commit, resolver, runner
from ._errors import EngineError, SettleInterrupted
from ._faults import HOOK_FAULT, HOOK_FAULT_ERROR
from ._machines import host
from ._provisioner import release_unit_machine
from ._reports import SettleProgress, SettleResult
from ._resources import place_resources
from ._session import Session
from ._storage import place_storage
from ._updatestatus import schedule_update_status

__all__ = ['FULL_COLLECTION_EVERY', 'LOOP_HOOKS_BASE', 'LOOP_HOOKS_PER_UNIT', 'UnitAgents']

FULL_COLLECTION_EVERY = 1000
"""Hooks between two full collections in a settle (see :meth:`UnitAgents.run`)."""

LOOP_HOOKS_BASE = 200
LOOP_HOOKS_PER_UNIT = 8
"""A unit that runs more than ``LOOP_HOOKS_BASE + LOOP_HOOKS_PER_UNIT * <units in the model>``
hooks in one settle is taken to be in a hook loop: far more than its relations can explain
(a relation-joined and a few relation-changed per remote unit, plus its own lifecycle)."""


class UnitAgents:
    """Settling the units' hooks, and the operator's say in it (resolve, update-status)."""

    def __init__(self, context: Context) -> None:
        self.context = context

    def settle(self) -> SettleResult:
        """Run every unit's due hooks once through, as a change command does after its change.

        Unlike :meth:`wait`, a unit in error is reported in the result, not raised, and its
        retry is left for later.
        """
        with self.context.session() as s:
            return self.run(s)

    def wait(self, *, timeout: float = 600.0, stop_on_error: bool = True) -> SettleResult:
        """Settle until nothing is left to do; hooks in error are retried when due.

        Raises:
            EngineError: a unit is in error (with ``stop_on_error``), or the timeout passed.
        """
        clock = self.context.clock
        deadline = clock() + timeout
        total = SettleResult()
        with self.context.session() as s, _interruptible(total):
            s.candidates |= set(s.model.units)
            while True:
                result = self.run(s)
                total.hooks += result.hooks
                total.seed = result.seed
                failing = sorted(
                    (u for u in s.model.units.values() if u.progress.failure is not None),
                    key=lambda u: model.natural_key(u.name),
                )
                if failing and stop_on_error:
                    lines = [f'{u.name}: {u.agent.message}' for u in failing]
                    raise EngineError('units in error: ' + '; '.join(lines))
                if not failing:
                    total.settled = True
                    return total
                due = min(u.progress.failure.retry_at for u in failing if u.progress.failure)
                if due > deadline or clock() >= deadline:
                    raise EngineError(
                        f'timed out after {timeout:g}s; still in error: '
                        + ', '.join(u.name for u in failing)
                    )
                self.context.sleep(max(0.0, due - clock()))
                s.candidates |= {u.name for u in failing}

    def unsettled(self) -> list[str]:
        """The units with a hook to run now, as the store holds them (what ``olm wait`` runs).

        Read from a snapshot, so it says what is committed: after an interrupted settle, the
        hook that was in flight is still to run.
        """
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
            self.context.clock_offset = float(txn.get_setting(CLOCK_OFFSET, '0'))
        now = self.context.clock()
        due = [u.name for u in m.units.values()
               if resolver.next_hook(m, u, now=now, retry=False) is not None]  # fmt: skip
        return sorted(due, key=model.natural_key)

    def resolve(self, names: Sequence[str], *, no_retry: bool = False) -> None:
        """``juju resolve [--no-retry]``: retry the failed hook now, or skip it.

        Skipping still commits the hook's progress (Juju's ``skip`` operation), so a unit
        stuck in ``install`` goes on to ``config-changed`` and ``start``.
        """
        if not names:
            raise EngineError('no units specified')
        _names.check_unit_names(names)
        with self.context.session() as s:
            for name in names:
                unit = s.model.units.get(name)
                if unit is None:
                    raise EngineError(f'unit "{name}" not found')
                if unit.progress.failure is None:
                    raise EngineError(f'unit "{name}" is not in an error state')
            with s.transaction():
                for name in names:
                    unit = s.model.units[name]
                    failure = unit.progress.failure
                    assert failure is not None
                    if no_retry:
                        self._skip(s, unit, Hook.from_data(failure.event))
                    else:
                        failure.retry_at = 0.0
                    s.model.touch('unit', name)
                    s.candidates.add(name)
            self.run(s, retry_units=set(names))

    def advance_clock(self, seconds: float) -> SettleResult:
        """Move the model's clock forward (olm only), then run what came due.

        Under Juju time passes by itself, and its controller's watchers wake the agents when a
        secret's rotation or a revision's expiry comes (juju/juju ``worker/secretrotate``,
        ``worker/secretexpire``); olm's model runs only when a command runs, so a test makes
        that time pass here, deterministically: ``secret-rotate`` and ``secret-expired`` (and
        retries of failed hooks) fire as their times pass. The offset is kept in the model, so
        every later command sees the same time.

        Raises:
            EngineError: a negative or non-finite amount (the clock never goes back).
        """
        if not 0 <= seconds < float('inf'):
            raise EngineError(f'cannot move the clock by {seconds:g}s: give a positive duration')
        with self.context.session() as s:
            with s.transaction() as txn:
                self.context.clock_offset += seconds
                txn.set_setting(CLOCK_OFFSET, repr(self.context.clock_offset))
            s.candidates |= set(s.model.units)
            return self.run(s)

    def update_status(self, targets: Sequence[str] = ()) -> None:
        """Run ``update-status`` on units (all, or those of the named applications/units)."""
        with self.context.session() as s:
            units = _names.targets(s.model, targets)
            with s.transaction():
                for unit in units:
                    unit.progress.update_status = True
                    s.model.touch('unit', unit.name)
                    s.candidates.add(unit.name)
            self.run(s)

    # -- within a session -----------------------------------------------------------------

    def run(self, s: Session, *, retry_units: set[str] | None = None) -> SettleResult:
        """Run hooks until no unit has anything to do now; one transaction per hook."""
        ctx = self.context
        seed = ctx.seed if ctx.seed is not None else random.SystemRandom().randrange(2**32)
        rng = random.Random(seed)
        if ctx.pull_linked is not None:
            s.linked_models |= ctx.pull_linked(s)
        # Its own generator: drawing the timers' jitter from ``rng`` would change which
        # interleaving a seed stands for.
        schedule_update_status(s, ctx.clock(), random.Random(f'update-status:{seed}'))
        failed: set[str] = set()
        result = SettleResult(seed=seed)
        candidates = s.candidates
        seeded_ids = _compat.seeded_secret_ids(s.next_secret_id)
        seeded_ids.__enter__()
        # Each hook makes thousands of objects, many in reference cycles (ops' framework, charm
        # and model refer to each other), all garbage once the hook is committed. Automatic
        # collections strike mid-hook, promote that garbage to the oldest generation and then
        # re-scan the whole heap for it. One young collection after each hook finds it while
        # it is young and cheap to find. What a hook leaves alive past that collection and
        # lets go of later (a charm's module keeping its last charm, say) is promoted to the
        # oldest generation, which nothing collects while the collector is off: a full
        # collection every FULL_COLLECTION_EVERY hooks keeps the settle's memory flat in the
        # hooks it runs. It scans only what the session made: the model is frozen
        # (Context.session).
        automatic = gc.isenabled()
        gc.disable()
        ran: collections.Counter[str] = collections.Counter()
        limit = LOOP_HOOKS_BASE + LOOP_HOOKS_PER_UNIT * len(s.model.units)
        reports = ctx.reports
        began = time.monotonic()
        report_at = began + reports.interval if reports is not None else math.inf
        reported = False
        try:
            while candidates:
                name = candidates.choice(rng)
                unit = s.model.units.get(name)
                hook = None
                if unit is not None and name not in failed:
                    retry = ctx.retry.automatic or name in (retry_units or ())
                    hook = resolver.next_hook(s.model, unit, now=ctx.clock(), retry=retry)
                if unit is None or hook is None:
                    candidates.discard(name)
                    continue
                ok, affected = self._run_one(s, unit, hook)
                result.hooks += 1
                gc.collect(2 if result.hooks % FULL_COLLECTION_EVERY == 0 else 1)
                if not ok:
                    failed.add(name)
                candidates |= {n for n in affected if n in s.model.units}
                if ctx.progress is not None:
                    ctx.progress(f'{name}: {hook.describe()}{"" if ok else " (failed)"}')
                if reports is not None and (now := time.monotonic()) >= report_at:
                    reports.report(_progress(s.model, result.hooks, now - began))
                    report_at, reported = now + reports.interval, True
                ran[name] += 1
                if ran[name] > limit:
                    raise EngineError(
                        f'stopped settling: {name} ran {ran[name]} hooks in this settle (the '
                        f'last: {hook.describe()}), more than a model of '
                        f'{len(s.model.units)} units explains: its charm, or one it relates '
                        'to, looks caught in a hook loop (see olm debug-log); every hook run '
                        'so far is committed'
                    )
        except SettleInterrupted:
            raise
        except KeyboardInterrupt:
            raise SettleInterrupted(result.hooks) from None
        finally:
            seeded_ids.__exit__(None, None, None)
            if automatic:
                gc.enable()
            if reports is not None and reported:
                reports.finish()
        # Every unit in error at the end, not only those that failed in this settle: a unit of
        # another application left in error makes the model unsettled, and the report names it.
        in_error = [name for name, u in s.model.units.items() if u.progress.failure is not None]
        result.errors = sorted(in_error, key=model.natural_key)
        result.settled = not in_error
        return result

    def _run_one(self, s: Session, unit: model.Unit, hook: Hook) -> tuple[bool, set[str]]:
        ctx = self.context
        m = s.model
        app = m.applications[unit.application]
        machine = host(s, unit.machine)
        place_resources(app, unit, machine)
        place_storage(unit, machine)
        fault = s.world.faults.take_failure(HOOK_FAULT, unit.machine, [hook.juju_name])
        if fault is not None:
            error = fault.stderr or HOOK_FAULT_ERROR
            outcome = runner.Outcome(ok=False, state_in=_compat.empty_state(), error=error)
        else:
            try:
                spec = ctx.spec(app)
            except charmspec.CharmSpecError as e:
                # The charm's directory went, or its metadata broke, after deploy: its hooks
                # fail (a charm that cannot load) and the rest of the model goes on.
                outcome = runner.Outcome(ok=False, state_in=_compat.empty_state(), error=str(e))
            else:
                outcome = ctx.runner_for(app).run(m, unit, hook, spec, machine)
        now = ctx.clock()
        try:
            return self._commit(s, unit, hook, outcome, now)
        except StoreError:
            raise  # the state database itself: nothing a charm did
        except Exception as e:  # whatever a charm's output makes the commit do
            # A value the charm handed ops that olm's store cannot hold (ops' API took it):
            # the transaction rolled back, so the store holds nothing of the hook; the model
            # in memory may hold half of it, so it is read again, and the hook fails with the
            # reason, as Juju fails a hook whose changes do not commit (juju/juju
            # internal/worker/uniter/runner/context/context.go, HookContext.Flush: a flush
            # error becomes the hook's error), instead of every later command failing on the
            # same commit.
            s.model = self.reload(s)
            s.log.clear()
            unit = s.model.units[unit.name]
            failed = runner.Outcome(
                ok=False,
                state_in=outcome.state_in,
                error=f"cannot commit the hook's changes: {type(e).__name__}: {e}",
                logs=outcome.logs,
            )
            return self._commit(s, unit, hook, failed, now)

    def reload(self, s: Session) -> model.Model:
        """The model as the store holds it (after a commit that did not happen)."""
        with self.context.store.snapshot() as txn:
            return load_model(txn)

    def _commit(
        self, s: Session, unit: model.Unit, hook: Hook, outcome: runner.Outcome, now: float
    ) -> tuple[bool, set[str]]:
        """One hook's outcome into the model and the store, in one transaction."""
        ctx = self.context
        m = s.model
        principal = m.units.get(unit.principal)
        with s.transaction(machines={unit.machine}) as txn:
            if outcome.ok:
                affected = commit.apply_success(m, unit, hook, outcome, now=now)
                result = 'ok' if outcome.action_failure is None else 'action failed'
                detail = outcome.action_failure or ''
            else:
                affected = commit.apply_failure(
                    m, unit, hook, outcome.error, now=now, retry=ctx.retry, outcome=outcome
                )
                result = 'failed' if hook.kind != 'action' else 'action failed'
                detail = f'{outcome.error}\n{outcome.traceback}'.rstrip()
            logs = '\n'.join(f'{level} {message}' for level, message in outcome.logs)
            if logs:
                detail = f'{detail}\n{logs}'.strip()
            s.log.append(LogEntry(0, now, unit.name, hook.describe(), result, detail))
            if hook.kind == 'remove' and outcome.ok:
                release_unit_machine(s, txn, unit)
                if principal is not None and principal.name not in m.units:
                    # The last subordinate went, and the principal waiting for it with it.
                    release_unit_machine(s, txn, principal)
        return outcome.ok, affected

    def _skip(self, s: Session, unit: model.Unit, hook: Hook) -> None:
        """Commit a failed hook's progress without running it (``resolve --no-retry``)."""
        spec = self.context.spec(s.model.applications[unit.application])
        projected = runner.project(s.model, unit, hook, spec)
        outcome = runner.Outcome(ok=True, state_in=projected, state_out=projected)
        if hook.kind == 'action':
            unit.progress.failure = None
            return
        clock = self.context.clock
        commit.apply_success(s.model, unit, hook, outcome, now=clock(), skipped=True)
        unit.progress.failure = None
        s.log.append(LogEntry(0, clock(), unit.name, hook.describe(), 'skipped', ''))


@contextlib.contextmanager
def _interruptible(total: SettleResult) -> Generator[None]:
    """Ctrl-C anywhere in :meth:`UnitAgents.wait` says how many hooks the whole wait committed.

    Anywhere: in a settle, or waiting for a failed hook's retry.
    """
    try:
        yield
    except SettleInterrupted as interrupted:
        raise SettleInterrupted(total.hooks + interrupted.hooks) from None
    except KeyboardInterrupt:
        raise SettleInterrupted(total.hooks) from None


def _progress(m: model.Model, hooks: int, elapsed: float) -> SettleProgress:
    """How far a settle has got: O(units x relations), so told only every so often."""
    left = backlog.backlog(m)
    return SettleProgress(
        hooks=hooks, elapsed=elapsed, units=left.units, settled=left.settled, queued=left.hooks
    )

"""A real Juju controller as the dashboard's source, read through the ``juju`` client.

``olm dashboard --controller NAME -m MODEL`` runs, on each refresh, the commands an operator
would type, never one that changes anything::

    juju status -m CONTROLLER:MODEL --format json      # graph, units, machines, offers
    juju secrets -m CONTROLLER:MODEL --format json     # metadata only: never --reveal
    juju show-status-log -m CONTROLLER:MODEL UNIT --type juju-unit -n 20 --format json
                                                       # the hook timeline, for some units

The model is ``-m`` (Juju's ``[controller:][owner/]model``) or the controller's current model,
resolved as ``olm --controller NAME add-unit`` resolves it (:func:`orchestrator.controller.
model_ref`, :func:`orchestrator.controller.current_model`), through the same client
(:class:`orchestrator.controller.JujuClient`), so a failing command is reported the same way:
the command line, its exit code and Juju's own last stderr line
(``juju status -m lab:admin/nope --format json failed (exit 1): ERROR model lab:admin/nope not
found``; juju/juju jujuclient/file.go ``ModelByName``/``ControllerByName``:
``errors.NotFoundf("model %s:%s", …)`` / ``errors.NotFoundf("controller %s", …)``, printed by
juju/cmd cmd.go ``WriteError`` as ``ERROR <err>``).

Why ``juju show-status-log`` for the hooks (juju/juju 3.6, cmd/juju/status/history.go): it
answers, as JSON, a unit agent's status history, one ``{status, message, data, since, type}``
per change (``DetailedStatus``'s json tags; ``since`` an RFC 3339 time). The uniter records a
hook as it starts, ``executing`` / ``running <hook> hook`` (``running <hook> hook for <remote
unit or secret>`` for relation and secret hooks: internal/worker/uniter/operation/runhook.go
``RunningHookMessage``), and a failed one as ``error`` / ``hook failed: "<hook>"`` with
``data.hook`` (internal/worker/uniter/uniter.go ``reportHookError``); the agent's next status
(``idle``, the next hook) closes a run that went right. ``update-status`` is not recorded when it
starts, only when it fails (runhook.go ``Execute``), so it appears here only as a failure. The
alternatives were weighed and left: ``juju show-unit`` reports a unit's relations and data, no
hook history; ``juju debug-log --replay --no-tail`` streams the model's whole log as text
(``ran "install" hook``) whose size grows with the model's age, and is printed in a format
meant for people, without the date by default.

Why the cost is bounded: ``show-status-log`` answers for one unit per call. A unit's agent
status in ``juju status`` (``juju-status.current`` and ``.since``) changes whenever it starts a
hook, goes idle or fails one (a failure shows there as ``idle`` with the error's time:
juju/juju state/unitagent.go ``UnitAgent.Status``), so the history of a unit is read again only
when that pair changed since its last reading, and at most ``history_calls`` units per refresh
(units in error first); the others wait for the next refresh and the page says how many wait.
Each read asks for the last ``history_entries`` entries (``-n``), and what earlier reads found is
kept, so a quiet model of 100 units costs one ``juju status`` and one ``juju secrets`` per refresh.

What Juju does not report is said on the page instead of invented: the machines' MAAS resource
pool, and the free capacity per shape (MAAS is not asked).
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, cast

from .. import controller as juju_controller
from ._juju_documents import read_secrets, read_status
from ._snapshot import HookRun, Snapshot, unit_order
from ._source import DashboardError

__all__ = ['JujuSource', 'hook_runs']

Run = juju_controller.Run

TIMEOUT = 60.0
"""Seconds one juju command may take before the refresh gives up on it."""

POOL_NOTE = "resource pools are not shown: Juju does not report a machine's MAAS pool"
CAPACITY_NOTE = 'free capacity is not shown: MAAS is not asked, only Juju'

_RUNNING = re.compile(r'running (?P<hook>\S+) hook(?: for \S+)?$')
"""internal/worker/uniter/operation/runhook.go ``RunningHookMessage``."""

_FAILED = re.compile(r'hook failed: "(?P<hook>[^"]+)"')
"""internal/worker/uniter/uniter.go ``reportHookError``: ``fmt.Sprintf("hook failed: %q", …)``."""

NO_HISTORY = 'no status history available'
"""juju/juju cmd/juju/status/history.go: the error (exit 1) when a unit has recorded nothing yet;
not a failure for the page, only no hooks."""

_MAX_HOOKS = 1000
"""The newest hook runs the snapshot keeps, all units together."""


class JujuSource:
    """One model of a real controller, read whole every ``interval`` seconds.

    Nothing here is simulated: the snapshot says ``simulated=False`` and its machines are the
    model's machines as Juju reports them.
    """

    def __init__(
        self,
        controller: str,
        model: str | None,
        *,
        run: Run | None = None,
        interval: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        juju: str = 'juju',
        history_calls: int = 8,
        history_entries: int = 20,
    ) -> None:
        """Resolve the model now (``juju models`` when none is given).

        Raises:
            DashboardError: ``-m`` names another controller, or juju cannot say which model
                is current (its error quoted).
        """
        self._client = juju_controller.JujuClient(juju, run or _run)
        self._controller = controller
        self._interval = interval
        self._clock = clock
        self._history_calls = history_calls
        self._history_entries = history_entries
        self._last: float | None = None
        self._seen: dict[str, tuple[str, str]] = {}
        self._runs: dict[str, dict[tuple[float, str], HookRun]] = {}
        try:
            self._target = juju_controller.model_ref(controller, model) or (
                f'{controller}:{juju_controller.current_model(self._client, controller)}'
            )
        except juju_controller.ControllerError as error:
            raise DashboardError(str(error)) from None

    def describe(self) -> str:
        model = self._target.partition(':')[2]
        return f'juju controller {self._controller}, model {model}'

    def changed(self) -> bool:
        """True once ``interval`` has passed since the last snapshot.

        A controller offers no cheap test of change short of reading its status again, so
        the page re-reads at this pace.
        """
        return self._last is None or self._clock() - self._last >= self._interval

    def snapshot(self) -> Snapshot:
        """The model now.

        Raises:
            DashboardError: ``juju status`` failed or did not answer a JSON object; the
                message names the command and quotes Juju's error. (``juju secrets`` and
                ``juju show-status-log`` failing only add a note.)
        """
        try:
            status = self._object('status')
            reading = read_status(status)
            notes: list[str] = []
            try:
                secrets = read_secrets(self._object('secrets'))
            except DashboardError as error:
                secrets = ()
                notes.append(f'secrets not shown: {error}')
            notes.extend(self._read_hooks(status))
        finally:  # the pause starts when the reading ends, failed or not: a slow controller
            self._last = self._clock()  # is not asked again at once
        notes += [POOL_NOTE, CAPACITY_NOTE]
        return Snapshot(
            source=f'juju: {self._target}',
            model=reading.model or self._target.partition(':')[2],
            simulated=False,
            applications=reading.applications,
            relations=reading.relations,
            units=reading.units,
            metal=reading.machines,
            hooks=self._hooks(),
            secrets=secrets,
            offers=reading.offers,
            notes=tuple(notes),
        )

    def close(self) -> None:
        """Nothing is held between commands."""

    def _call(self, *args: str) -> str:
        try:
            return self._client.call(*args).stdout or ''
        except juju_controller.ControllerError as error:
            raise DashboardError(str(error)) from None

    def _json(self, command: str, *args: str) -> Any:
        argv = (command, '-m', self._target, *args, '--format', 'json')
        text = self._call(*argv)
        try:
            return json.loads(text)
        except ValueError as error:
            raise DashboardError(
                f'{self._client.juju} {" ".join(argv)} did not answer JSON ({error})'
            ) from None

    def _object(self, command: str) -> Mapping[str, Any]:
        data = self._json(command)
        if not isinstance(data, dict):
            raise DashboardError(
                f'{self._client.juju} {command} -m {self._target} --format json answered '
                f'{type(data).__name__}, not a JSON object'
            )
        return cast('dict[str, Any]', data)

    def _read_hooks(self, status: Mapping[str, Any]) -> list[str]:
        """Read the history of the units whose agent status changed; the notes to show."""
        agents = dict(_agent_statuses(status))
        for gone in set(self._runs) - set(agents):
            del self._runs[gone]
        for gone in set(self._seen) - set(agents):
            del self._seen[gone]
        stale = [unit for unit, token in agents.items() if self._seen.get(unit) != token]
        stale.sort(key=lambda unit: (agents[unit][0] != 'error', unit_order(unit)))
        notes: list[str] = []
        for unit in stale[: self._history_calls]:
            self._seen[unit] = agents[unit]
            try:
                entries = self._json(
                    'show-status-log', unit, '--type', 'juju-unit',
                    '-n', str(self._history_entries),
                )  # fmt: skip
            except DashboardError as error:
                if not str(error).endswith(NO_HISTORY):
                    notes.append(f'hooks of {unit} not shown: {error}')
                continue
            runs = self._runs.setdefault(unit, {})
            for run in hook_runs(unit, entries):
                runs[(run.time, run.hook)] = run  # a newer reading of a run replaces it
        waiting = len(stale) - self._history_calls
        if waiting > 0:
            notes.append(
                f'hooks of {waiting} more unit(s) are read on the next refreshes '
                f'(juju show-status-log for at most {self._history_calls} units at a time)'
            )
        return notes

    def _hooks(self) -> tuple[HookRun, ...]:
        runs = sorted(
            (run for by_key in self._runs.values() for run in by_key.values()),
            key=lambda run: (run.time, unit_order(run.unit)),
        )[-_MAX_HOOKS:]
        return tuple(dataclasses.replace(run, seq=seq) for seq, run in enumerate(runs, 1))


def hook_runs(unit: str, entries: object) -> list[HookRun]:
    """The hook runs of one unit's ``juju show-status-log --type juju-unit --format json``.

    A run starts at ``executing`` / ``running <hook> hook``; it went right when the agent's
    next status is anything but a failure of that hook (``idle``, the next hook, an action),
    and wrong when it is ``error`` / ``hook failed: "<hook>"`` (``detail`` is that message).
    A failure with no start before it (``update-status``, or a start older than the entries
    read) is a run of its own. A run still going is shown as it stands (``ok``): the unit's
    next status change brings it back with its outcome.
    """
    if not isinstance(entries, list):
        return []
    timed: list[tuple[float, Mapping[str, Any]]] = []
    for raw in cast('list[Any]', entries):
        if not isinstance(raw, Mapping):
            continue
        entry = cast('Mapping[str, Any]', raw)
        if entry.get('type', 'juju-unit') != 'juju-unit':
            continue  # a workload status: --type juju-unit asks for none, be sure anyway
        when = _epoch(entry.get('since'))
        if when is not None:
            timed.append((when, entry))
    timed.sort(key=lambda pair: pair[0])
    runs: list[HookRun] = []
    current: HookRun | None = None
    for when, entry in timed:
        state = str(entry.get('status', ''))
        message = str(entry.get('message', ''))
        running = _RUNNING.match(message) if state == 'executing' else None
        failed = _FAILED.match(message) if state == 'error' else None
        if failed is not None:
            hook = str(_as_map(entry.get('data')).get('hook') or failed.group('hook'))
            if current is not None and current.hook == hook:
                runs.append(dataclasses.replace(current, outcome='error', detail=message))
            else:
                if current is not None:
                    runs.append(current)
                runs.append(HookRun(0, when, unit, hook, outcome='error', detail=message))
            current = None
            continue
        if current is not None:
            runs.append(current)
            current = None
        if running is not None:
            current = HookRun(0, when, unit, running.group('hook'))
    if current is not None:
        runs.append(current)
    return runs


def _agent_statuses(status: Mapping[str, Any]) -> Iterator[tuple[str, tuple[str, str]]]:
    """Each unit (subordinates too) with what says its agent moved: (workload-or-agent, since).

    The first member is ``error`` when the unit is in error (Juju shows a hook error as the
    workload's status), so units in error are read first.
    """
    for app in _as_map(status.get('applications')).values():
        for name, raw in _as_map(_as_map(app).get('units')).items():
            yield name, _agent_token(raw)
            for sub, sub_raw in _as_map(_as_map(raw).get('subordinates')).items():
                yield sub, _agent_token(sub_raw)


def _agent_token(raw: object) -> tuple[str, str]:
    data = _as_map(raw)
    agent = _as_map(data.get('juju-status'))
    in_error = _as_map(data.get('workload-status')).get('current') == 'error'
    return 'error' if in_error else str(agent.get('current', '')), str(agent.get('since', ''))


def _as_map(value: object) -> Mapping[str, Any]:
    return cast('Mapping[str, Any]', value) if isinstance(value, Mapping) else {}


def _epoch(value: object) -> float | None:
    """``since`` of a status history entry (Go's RFC 3339 time) as seconds since the epoch."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run one juju command; a command that hangs fails the refresh instead of the page."""
    try:
        return subprocess.run(
            list(argv), capture_output=True, text=True, check=False, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired:
        raise DashboardError(f'{" ".join(argv)} timed out after {TIMEOUT:g} s') from None

"""What ``juju run`` and ``juju exec`` print about their tasks (what jubilant parses).

Both commands make an operation with one task per target, wait for the tasks and print them
(juju/juju ``cmd/juju/action/common.go`` ``runCommandBase`` @ 0cdccd5, the 3.6 client): each
task keyed by its receiver's id (``app/N``, or a machine's number) as ``formatActionResult``
shapes it, the command failing with ``the following task failed`` when a task's return code is
1 or more. A task the controller would not queue is reported on standard error and the command
succeeds with nothing on standard output (``Operation N failed to schedule any tasks``), which
jubilant reads as "no such unit or action". ``--wait`` bounds the client's wait: olm runs the
task at once, so the wait is over when the task took longer than that (the task itself
completes, as Juju's does after its client gave up).
"""

# pyright: strict

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Mapping, Sequence
from typing import Any, cast

import yaml

from ..engine import TaskNotScheduledError
from ..juju import go_duration
from ._common import UsageError, emit, task_failed

__all__ = [
    'EXEC_WAIT',
    'RUN_WAIT',
    'TaskReport',
    'add_wait',
    'go_time',
    'not_scheduled',
    'print_tasks',
    'progress',
    'timed_out',
]

RUN_WAIT = 60.0
"""``juju run``'s default wait (``runCommandBase.Init``: 60 seconds when neither ``--wait`` nor
``--background`` is given)."""

EXEC_WAIT = 300.0
"""``juju exec``'s default wait (``cmd/juju/action/exec.go``: ``defaultWait: 5 * time.Minute``)."""


def add_wait(parser: argparse.ArgumentParser, default: float) -> None:
    """``--wait``: a Go duration; 0 (Juju's flag default) means the command's default."""

    def duration(text: str) -> float:
        try:
            seconds = go_duration(text)
        except ValueError as error:
            # gnuflag's words for a value its DurationVar refuses.
            raise UsageError(f'invalid value "{text}" for flag --wait: {error}') from None
        return default if seconds == 0 else seconds

    parser.add_argument('--wait', type=duration, default=default, metavar='DURATION',
                        help='maximum wait time for a task to complete')  # fmt: skip


def go_time(seconds: float, *, utc: bool = False) -> str:
    """A task time as the client prints it: Go's ``time.Time.String()``.

    ``2026-12-07 14:00:23 +0000 UTC`` (local time unless ``--utc``). Juju stores a task's
    times to the second (juju/juju ``state/action.go`` ``nowToTheSecond``), so there is no
    fraction.
    """
    moment = datetime.datetime.fromtimestamp(int(seconds), datetime.UTC)
    if not utc:
        moment = moment.astimezone()
    return f'{moment:%Y-%m-%d %H:%M:%S %z} {moment.tzname()}'


def _sorted(value: Any) -> Any:
    """Go writes a map's keys in sorted order (``encoding/json``, ``yaml.v2``)."""
    if isinstance(value, Mapping):
        items = cast(Mapping[Any, Any], value)
        return {str(k): _sorted(items[k]) for k in sorted(items, key=str)}
    if isinstance(value, list):
        return [_sorted(v) for v in cast(list[Any], value)]
    return value


class TaskReport:
    """One finished task, as ``formatActionResult`` gives it to the formatters.

    ``results`` are the charm's results plus the uniter's ``return-code``, ``stdout`` and
    ``stderr``; the streams are left out when empty (``convertActionOutput``).
    """

    def __init__(
        self,
        *,
        task: str,
        operation: str,
        kind: str,
        receiver: str,
        status: str,
        message: str,
        results: Mapping[str, Any],
        returncode: int,
        stdout: str,
        stderr: str,
        log: Sequence[str],
        enqueued: float,
        completed: float,
    ) -> None:
        self.task, self.operation, self.kind, self.receiver = task, operation, kind, receiver
        self.status, self.message, self.returncode = status, message, returncode
        self.stdout, self.stderr, self.log = stdout, stderr, list(log)
        self.enqueued, self.completed = enqueued, completed
        self.results: dict[str, Any] = {**results, 'return-code': returncode}
        if stdout:
            self.results['stdout'] = stdout
        if stderr:
            self.results['stderr'] = stderr

    @property
    def tag(self) -> str:
        """The receiver's tag (``unit-app-0``, ``machine-0``), as progress lines show it."""
        return f'{self.kind}-{self.receiver.replace("/", "-")}'

    def document(self, *, utc: bool = False) -> dict[str, Any]:
        """The task's map, keys sorted as Go writes them."""
        data: dict[str, Any] = {
            'id': self.task,
            'results': self.results,
            'status': self.status,
            'timing': {
                'completed': go_time(self.completed, utc=utc),
                'enqueued': go_time(self.enqueued, utc=utc),
                'started': go_time(self.enqueued, utc=utc),
            },
            self.kind: self.receiver,
        }
        if self.message:
            data['message'] = self.message
        if self.log:
            # formatLogMessage: the time (Go's String()) and the message. olm keeps no time
            # per action-log call: each line carries the task's completion time.
            data['log'] = [f'{go_time(self.completed, utc=utc)} {line}' for line in self.log]
        return _sorted(data)


def progress(report: TaskReport) -> None:
    """``juju run``'s progress lines on standard error (``processOperationResults``)."""
    print(f'Running operation {report.operation} with 1 task', file=sys.stderr)
    print(f'  - task {report.task} on {report.tag}', file=sys.stderr)
    print(file=sys.stderr)
    print(f'Waiting for task {report.task}...', file=sys.stderr)


def timed_out(report: TaskReport, wait: float) -> bool:
    """Whether the client gave up before the task finished; says so as Juju does.

    ``handleTimeout``: ``timed out waiting for results from: unit app/0`` (the receiver as
    ``names.ReadableString`` writes it), the command failing.
    """
    if wait < 0 or report.completed - report.enqueued <= wait:
        return False
    print(
        f'ERROR timed out waiting for results from: {report.kind} {report.receiver}',
        file=sys.stderr,
    )
    return True


def not_scheduled(error: TaskNotScheduledError) -> int:
    """The operation made no task: Juju's words on standard error, and success."""
    print(f'Operation {error.operation} failed to schedule any tasks:\n{error}', file=sys.stderr)
    return 0


def print_tasks(report: TaskReport, fmt: str, *, plain: str, utc: bool = False) -> int:
    """The task in ``fmt``, then the command's exit status: 1 when its return code is not 0.

    Args:
        report: the task.
        fmt: ``json``, ``yaml`` or ``plain``.
        plain: how ``plain`` prints: ``run`` (``printPlainOutput``) or ``exec``
            (``printExecOutput``).
        utc: show times in UTC.
    """
    if fmt == 'plain' and plain == 'exec':
        # printExecOutput: the command's stdout then stderr, each ending in a newline, on
        # standard output.
        for text in (report.stdout, report.stderr):
            if text:
                sys.stdout.write(text if text.endswith('\n') else text + '\n')
    elif fmt == 'plain':
        shown = {
            k: v
            for k, v in report.results.items()
            if k not in ('return-code', 'stdout', 'stderr', 'stdout-encoding', 'stderr-encoding')
        }
        output = yaml.safe_dump(_sorted(shown), sort_keys=False) if shown else ''
        if report.status == 'failed':
            print(f'Action id {report.task} failed: {report.message}')
        print(output)
        for text in (report.stdout, report.stderr):
            if text.strip('\n'):
                print(text.strip('\n'))
    else:
        emit({report.receiver: report.document(utc=utc)}, fmt)
    if report.returncode >= 1:
        task_failed(report.task, report.returncode)
        return 1
    return 0

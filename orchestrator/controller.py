"""olm's ``add-unit --constraints`` carried out on a real Juju controller.

Real ``juju add-unit`` takes no constraints (reference/juju-maas-semantics.md §0): new machines
get the application's. ``olm --controller NAME add-unit APP -n N --constraints "…"`` does what
an operator would type instead, with the ``juju`` client on the PATH::

    juju model-constraints -m CONTROLLER:MODEL --format json  # model < app < --constraints
    juju constraints -m CONTROLLER:MODEL APP --format json
    juju status -m CONTROLLER:MODEL --format json            # the application's bound spaces
    juju add-machine -m CONTROLLER:MODEL -n N --constraints "…"   # records N machines
    juju status -m CONTROLLER:MODEL --format json            # until MAAS allocated them all
    juju add-unit -m CONTROLLER:MODEL APP -n N --to 4,5          # a unit on each of them

Why olm merges the constraints itself: ``juju add-machine --constraints`` merges them with the
model's only (it knows no application), and ``juju add-unit --to`` bypasses the application's
(juju/juju cmd/juju/machine/add.go; apiserver machinemanager AddMachines). olm's own add-unit
merges model < application < ``--constraints`` (``constraints.merge``) and asks for the spaces the
application's endpoints are bound to (``bindings.spaces_needed``), so the same is sent here.

Why olm waits: ``juju add-machine`` only records machines; the provisioner asks MAAS later and,
when nothing matches, leaves the machine in ``provisioning error`` with the provider's error
(juju/juju internal/provider/maas environ.go StartInstance: ``errors.Annotate(err, "failed to
acquire node")``, test ``TestStartInstanceError``; internal/worker/provisioner provisioner_task.go
sets that error as the machine's instance status). So olm polls ``juju status`` until every new
machine has an instance or failed: all or none, a failure removes what was created.

The model is ``--model`` (Juju's ``[controller:][owner/]model``), or else the controller's
current model (``juju models -c NAME``). Nothing here is simulated: these are the real commands.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from .juju import constraints as juju_constraints
from .state import bindings as juju_bindings

__all__ = [
    'ControllerError',
    'JujuClient',
    'RemoteAddUnit',
    'add_unit',
    'current_model',
    'model_ref',
]

_CREATED = re.compile(r'created machine (\d+)')
"""juju/juju cmd/juju/machine/add.go: ``ctx.Infof("created machine %v", ...)`` (on stderr), one
line per machine created, printed before the per-machine errors make the command exit 1."""

PROVISIONING_ERROR = 'provisioning error'
"""juju/juju core/status ``ProvisioningError``: a machine's instance status when StartInstance
failed; its message is the provider's error."""

Run = Callable[[Sequence[str]], 'subprocess.CompletedProcess[str]']
Progress = Callable[[str], None]
Check = Callable[[juju_constraints.Constraints, int], None]
"""Sees the constraints ``juju add-machine`` would get and the count; raises to refuse."""


class ControllerError(Exception):
    """The juju client failed or answered something olm cannot use; the message says which."""


@dataclasses.dataclass(frozen=True)
class RemoteAddUnit:
    """What was done on the controller.

    Attributes:
        model: ``controller:model`` the commands ran against.
        machines: the machine ids ``juju add-machine`` created.
        commands: the juju command lines run, in order.
        constraints: the constraints sent to ``juju add-machine`` (merged, with spaces).
    """

    model: str
    machines: tuple[str, ...]
    commands: tuple[tuple[str, ...], ...]
    constraints: str = ''


@dataclasses.dataclass(frozen=True)
class Wait:
    """How olm waits for MAAS: injectable so tests need not sleep.

    Attributes:
        timeout: seconds before olm gives up (and removes the machines).
        interval: seconds between two ``juju status`` polls.
        sleep: the sleep function; ``clock`` the monotonic clock.
    """

    timeout: float = 1800.0
    interval: float = 10.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic


def model_ref(controller: str, model: str | None) -> str | None:
    """``controller:[owner/]model`` for ``-m``, as Juju reads ``[controller:][owner/]model``.

    juju/juju cmd/modelcmd ``SplitModelName`` splits at the first ``:``; the rest, with its
    owner if any, is the model as given (the owner is never dropped or changed). A model that
    names another controller than ``--controller`` is refused. ``None`` when no model is given.

    Raises:
        ControllerError: the model names another controller, or no model.
    """
    if model is None:
        return None
    named, sep, rest = model.partition(':')
    if not sep:
        named, rest = '', model
    if named and named != controller:
        raise ControllerError(
            f'-m {model} is a model of controller "{named}", not of --controller {controller}'
        )
    if not rest:
        raise ControllerError(f'-m {model}: no model name')
    return f'{controller}:{rest}'


def add_unit(
    controller: str,
    application: str,
    count: int,
    constraints: str,
    *,
    model: str | None = None,
    juju: str = 'juju',
    run: Run | None = None,
    progress: Progress | None = None,
    wait: Wait | None = None,
    check: Check | None = None,
) -> RemoteAddUnit:
    """Add ``count`` machines for ``application`` (its constraints, spaces), a unit on each.

    All or none: when MAAS fails to allocate one machine, or time runs out, or ``juju add-unit``
    fails, the machines created are removed and no unit is added. ``check``, when given, sees
    the merged constraints and the count before anything is asked of Juju, and may refuse them
    by raising :class:`ControllerError` (olm checks them against the MAAS region's inventory).

    Raises:
        ControllerError: a juju command failed (its error is quoted), MAAS matched no machine
            (its message is quoted), or juju answered otherwise than expected.
    """
    client = JujuClient(juju, run or _run)
    target = model_ref(controller, model) or f'{controller}:{current_model(client, controller)}'
    asked = _parse(constraints, '--constraints')
    merged = _constraints_for(client, target, application, asked)
    if check is not None:
        check(merged, count)
    text = str(merged)
    args = ['add-machine', '-m', target, '-n', str(count)]
    if text:
        args += ['--constraints', text]
    done = client.call(*args, check=False)
    created = _CREATED.findall(f'{done.stdout}\n{done.stderr}')  # juju reports on stderr
    if done.returncode != 0 or len(created) != count:
        reason = (
            client.failure(done)
            if done.returncode != 0
            else f'juju add-machine created {len(created)} machine(s), {count} asked for'
        )
        raise ControllerError(_undo(client, target, created, reason))
    failure = _await_machines(client, target, created, progress or _quiet, wait or Wait())
    if failure:
        raise ControllerError(_undo(client, target, created, failure))
    unit = client.call(
        'add-unit', '-m', target, application, '-n', str(count), '--to', ','.join(created),
        check=False,
    )  # fmt: skip
    if unit.returncode != 0:
        raise ControllerError(_undo(client, target, created, client.failure(unit)))
    return RemoteAddUnit(
        model=target, machines=tuple(created), commands=tuple(client.commands), constraints=text
    )


class JujuClient:
    """The juju client: runs commands, remembers them, turns failures into one line."""

    def __init__(self, juju: str, run: Run) -> None:
        self.juju = juju
        self.run = run
        self.commands: list[tuple[str, ...]] = []

    def call(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``juju ARGS``; a non-zero exit raises unless ``check`` is False."""
        argv = (self.juju, *args)
        self.commands.append(argv)
        try:
            done = self.run(argv)
        except FileNotFoundError:
            raise ControllerError(f'{self.juju}: not found; install the Juju client') from None
        if check and done.returncode != 0:
            raise ControllerError(self.failure(done))
        return done

    def json(self, *args: str) -> Any:
        """Run ``juju ARGS`` and parse its JSON answer."""
        done = self.call(*args)
        try:
            return json.loads(done.stdout or 'null')
        except ValueError:
            raise ControllerError(f'juju {args[0]} did not answer JSON') from None

    def object(self, *args: str) -> dict[str, Any]:
        """A JSON object answer; anything else is treated as empty."""
        data = self.json(*args)
        return cast(dict[str, Any], data) if isinstance(data, dict) else {}

    def failure(self, done: subprocess.CompletedProcess[str]) -> str:
        """One line: the command, its exit code and Juju's last line of error."""
        lines = [
            line
            for line in (done.stderr or done.stdout or '').strip().splitlines()
            if not _CREATED.search(line)
        ]
        argv = ' '.join(str(part) for part in done.args) if done.args else self.juju
        return f'{argv} failed (exit {done.returncode}): ' + (lines[-1] if lines else 'no output')


def current_model(client: JujuClient, controller: str) -> str:
    """The controller's current model as ``juju models`` names it (owner kept when shown)."""
    data = client.object('models', '--controller', controller, '--format', 'json')
    current = data.get('current-model')
    if not current:
        raise ControllerError(f'controller "{controller}" has no current model: give --model')
    return str(cast(object, current))


def _constraints_for(
    client: JujuClient, target: str, application: str, asked: juju_constraints.Constraints
) -> juju_constraints.Constraints:
    """The model < application < ``--constraints`` merge, plus the application's bound spaces.

    ``juju model-constraints`` / ``juju constraints APP`` with ``--format json`` print a
    ``constraints.Value`` (juju/juju cmd/juju/application/constraints.go ``cmd.FormatJson``;
    core/constraints/constraints.go JSON tags: ``cores``, ``mem`` in MiB, lists as lists).
    The bindings come from ``juju status --format json`` (applications.APP.endpoint-bindings,
    juju/juju cmd/juju/status/formatted.go ``applicationStatus``), which olm also serves.
    """
    model_cons = _from_json(client.json('model-constraints', '-m', target, '--format', 'json'))
    app_cons = _from_json(
        client.json('constraints', '-m', target, application, '--format', 'json')
    )
    merged = juju_constraints.merge(juju_constraints.merge(model_cons, app_cons), asked)
    status = client.object('status', '-m', target, '--format', 'json')
    apps = cast(dict[str, Any], status.get('applications') or {})
    app = apps.get(application)
    if not isinstance(app, dict):
        raise ControllerError(f'application "{application}" not found in {target}')
    bound = cast(Mapping[str, str], cast(dict[str, Any], app).get('endpoint-bindings') or {})
    needed = juju_bindings.spaces_needed(bound, [e for e in bound if e])
    return _with_spaces(merged, needed)


def _with_spaces(
    cons: juju_constraints.Constraints, needed: frozenset[str]
) -> juju_constraints.Constraints:
    """Add the bound spaces to ``spaces=``, as the MAAS provider joins them to the constraints'.

    juju/juju internal/provider/maas ``networkSpaceRequirements``: positive spaces of the
    constraints and the bindings' spaces together; a bound space the constraints exclude
    cannot be satisfied.
    """
    excluded = sorted(needed & set(cons.negative_spaces))
    if excluded:
        raise ControllerError(
            f'the application is bound to space "{excluded[0]}", which the constraints exclude'
        )
    extra = tuple(sorted(needed - set(cons.positive_spaces)))
    if not extra:
        return cons
    return dataclasses.replace(cons, spaces=(*(cons.spaces or ()), *extra))


def _from_json(data: Any) -> juju_constraints.Constraints:
    """A ``constraints.Value`` as JSON, back into olm's ``Constraints`` via Juju's syntax."""
    if not data:
        return juju_constraints.Constraints()
    if not isinstance(data, dict):
        raise ControllerError('juju answered constraints that are not a JSON object')
    words: list[str] = []
    for key, value in cast(dict[str, Any], data).items():
        if isinstance(value, bool):
            text = 'true' if value else 'false'
        elif isinstance(value, int):
            text = f'{value}M' if key in ('mem', 'root-disk') and value else str(value or '')
        elif isinstance(value, list):
            text = ','.join(str(item) for item in cast(list[Any], value))
        else:
            text = str(value)
        words.append(f'{key}={text}'.replace(' ', '\\ '))
    return _parse(' '.join(words), 'juju constraints')


def _parse(text: str, what: str) -> juju_constraints.Constraints:
    try:
        return juju_constraints.parse(text)
    except ValueError as error:
        raise ControllerError(f'{what}: {error}') from None


def _await_machines(
    client: JujuClient, target: str, machines: Sequence[str], progress: Progress, wait: Wait
) -> str | None:
    """Poll ``juju status`` until every machine has an instance or failed; the failure, if any.

    A machine has its MAAS node once ``instance-id`` is set (``pending`` until then, as juju
    status prints it); it failed when its ``machine-status`` is ``provisioning error``.
    """
    deadline = wait.clock() + wait.timeout
    last = ''
    while True:
        status = client.object('status', '-m', target, '--format', 'json')
        raw = status.get('machines')
        listed = cast(dict[str, Any], raw) if isinstance(raw, dict) else {}
        pending: list[str] = []
        failed: list[str] = []
        for machine in machines:
            entry = listed.get(machine)
            info = cast(dict[str, Any], entry) if isinstance(entry, dict) else {}
            state = cast(dict[str, Any], info.get('machine-status') or {})
            if state.get('current') == PROVISIONING_ERROR:
                failed.append(f'machine {machine}: {state.get("message") or PROVISIONING_ERROR}')
            elif info.get('instance-id') in (None, '', 'pending'):
                pending.append(machine)
        if failed:
            return '; '.join(failed)
        if not pending:
            progress(f'machines {", ".join(machines)}: allocated by MAAS')
            return None
        line = f'waiting for MAAS: machine(s) {", ".join(pending)} pending'
        if line != last:
            progress(line)
            last = line
        if wait.clock() >= deadline:
            return f'timed out after {wait.timeout:g}s waiting for MAAS: {line[18:]}'
        wait.sleep(wait.interval)


def _undo(client: JujuClient, target: str, created: Sequence[str], reason: str) -> str:
    """Remove the machines created (all or none); the error naming them and the cause.

    Plain ``juju remove-machine`` (no ``--force``): the machines carry no unit yet, and a
    machine without an instance is removed by the provisioner (juju/juju cmd/juju/machine/
    remove.go: ``--force`` is for machines running units or containers).
    """
    if not created:
        return reason
    ids = ', '.join(created)
    done = client.call('remove-machine', '-m', target, *created, check=False)
    if done.returncode != 0:
        return (
            f'{reason}; removing machines {ids} failed too ({client.failure(done)}): '
            f'remove them with juju remove-machine'
        )
    return f'{reason}; machines {ids} it created were removed, no unit was added'


def _quiet(_line: str) -> None:
    """No progress display."""


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=600)

"""olm's ``add-unit --constraints`` carried out on a real Juju controller.

Real ``juju add-unit`` takes no constraints (reference/juju-maas-semantics.md §0): new machines
get the application's. ``olm --controller NAME add-unit APP -n N --constraints "…"`` does what
an operator would type instead, with the ``juju`` client on the PATH::

    juju add-machine -m CONTROLLER:MODEL -n N --constraints "…"   # MAAS picks N machines
    juju add-unit -m CONTROLLER:MODEL APP -n N --to 4,5          # a unit on each of them

The model is ``--model``, or else the controller's current model (``juju models -c NAME``).
Nothing here is simulated: these are the real commands on the real controller.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
from collections.abc import Callable, Sequence
from typing import Any, cast

__all__ = ['ControllerError', 'RemoteAddUnit', 'add_unit']

_CREATED = re.compile(r'created machine (\d+)')

Run = Callable[[Sequence[str]], 'subprocess.CompletedProcess[str]']


class ControllerError(Exception):
    """The juju client failed or answered something olm cannot use; the message says which."""


@dataclasses.dataclass(frozen=True)
class RemoteAddUnit:
    """What was done on the controller.

    Attributes:
        model: ``controller:model`` the commands ran against.
        machines: the machine ids ``juju add-machine`` created.
        commands: the juju command lines run, in order.
    """

    model: str
    machines: tuple[str, ...]
    commands: tuple[tuple[str, ...], ...]


def add_unit(
    controller: str,
    application: str,
    count: int,
    constraints: str,
    *,
    model: str | None = None,
    juju: str = 'juju',
    run: Run | None = None,
) -> RemoteAddUnit:
    """Add ``count`` machines with ``constraints``, then one unit of ``application`` on each.

    Raises:
        ControllerError: a juju command failed (its error is quoted), or answered otherwise
            than expected; machines already created are named, for ``juju remove-machine``.
    """
    runner = run or _run
    commands: list[tuple[str, ...]] = []

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        argv = (juju, *args)
        commands.append(argv)
        try:
            done = runner(argv)
        except FileNotFoundError:
            raise ControllerError(f'{juju}: not found; install the Juju client') from None
        if done.returncode != 0:
            error = (done.stderr or done.stdout).strip().splitlines()
            raise ControllerError(
                f'{" ".join(argv)} failed (exit {done.returncode}): '
                + (error[-1] if error else 'no output')
            )
        return done

    if model is None:
        listing = call('models', '--controller', controller, '--format', 'json')
        try:
            data = cast(dict[str, Any], json.loads(listing.stdout or '{}'))
        except ValueError:
            raise ControllerError('juju models did not answer JSON') from None
        current = data.get('current-model')
        if not current:
            raise ControllerError(f'controller "{controller}" has no current model: give --model')
        model = str(current).rpartition('/')[2]
    target = f'{controller}:{model}'
    args = ['add-machine', '-m', target, '-n', str(count)]
    if constraints:
        args += ['--constraints', constraints]
    done = call(*args)
    created = _CREATED.findall(f'{done.stdout}\n{done.stderr}')  # juju reports on stderr
    if len(created) != count:
        raise ControllerError(
            f'juju add-machine created {len(created)} machine(s), {count} asked for'
            + (f' ({", ".join(created)}: remove them with juju remove-machine)' if created else '')
        )
    try:
        call('add-unit', '-m', target, application, '-n', str(count), '--to', ','.join(created))
    except ControllerError as error:
        raise ControllerError(
            f'{error}; machines {", ".join(created)} were created for it: use them with '
            f'juju add-unit --to, or remove them with juju remove-machine'
        ) from None
    return RemoteAddUnit(model=target, machines=tuple(created), commands=tuple(commands))


def _run(argv: Sequence[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=600)

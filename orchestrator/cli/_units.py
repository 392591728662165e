"""Units and applications coming and going: ``add-unit``, ``remove-unit``, ``remove-application``.

``add-unit --controller`` runs on a real Juju controller instead of the embedded model, with an
optional first check against a real MAAS region's inventory (read only).
"""

# pyright: strict

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Iterable
from typing import Any

from .. import cloud, controller
from ..engine import Engine, EngineError, Provisioned
from ..juju import constraints as juju_constraints
from ._common import (
    JoinedWords,
    UsageError,
    add_seed,
    check_no_wait,
    maas_key,
    placements,
    positive_int,
    seconds_arg,
)
from ._settle import report_settle, show_progress

__all__ = ['add_unit_commands', 'runs_on_a_controller']


def add_unit_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``add-unit``, ``remove-unit`` and ``remove-application``."""
    p = commands.add_parser('add-unit', help='add units to an application', parents=[common])
    p.add_argument('application')
    p.add_argument('-n', '--num-units', dest='count', type=positive_int('-n'), default=1)
    p.add_argument('--to', default=None, help='placement directives, comma separated')
    p.add_argument('--constraints', action=JoinedWords, default='',
                   help='olm extension: constraints for the new machines')  # fmt: skip
    p.add_argument('--quiet', action='store_true', help='no progress display')
    p.add_argument('--controller', default=argparse.SUPPRESS,
                   help='a real Juju controller: run juju add-machine --constraints and juju '
                   'add-unit --to there instead (needs the juju client)')  # fmt: skip
    p.add_argument('--timeout', type=seconds_arg('--timeout'), default=1800.0, metavar='SECONDS',
                   help='with --controller: how long to wait for MAAS to allocate the machines '
                   '(they are removed if it has not)')  # fmt: skip
    p.add_argument(
        '--maas',
        metavar='URL',
        help="with --controller: first check the request against this MAAS region's "
        'inventory (read only), explaining a no-fit per constraint',
    )
    p.add_argument('--api-key-file', help='with --maas: the MAAS API key (else $MAAS_API_KEY)')
    add_seed(p)
    p.set_defaults(run=_add_unit)

    p = commands.add_parser('remove-unit', help='remove units', parents=[common])
    p.add_argument('units', nargs='+', metavar='UNIT')
    _add_removal_flags(p)
    add_seed(p)
    p.set_defaults(run=_remove_unit)

    p = commands.add_parser('remove-application', help='remove applications', parents=[common])
    p.add_argument('applications', nargs='+', metavar='APPLICATION')
    _add_removal_flags(p)
    add_seed(p)
    p.set_defaults(run=_remove_application)


def _add_removal_flags(parser: argparse.ArgumentParser) -> None:
    """Juju's remove-* flags: olm never prompts, and MAAS volumes go with their machines."""
    parser.add_argument('--no-prompt', action='store_true', help='accepted: olm never prompts')
    parser.add_argument('--force', action='store_true',
                        help='remove the units even where a teardown hook fails or the charm '
                        'cannot load')  # fmt: skip
    parser.add_argument('--destroy-storage', action='store_true',
                        help="accepted: MAAS volumes are the machines' disks")  # fmt: skip
    parser.add_argument('--no-wait', action='store_true',
                        help='with --force: remove at once, running no teardown hook')  # fmt: skip


def _add_unit(engine: Engine, args: argparse.Namespace) -> None:
    if getattr(args, 'controller', None) is not None:
        _add_unit_on_controller(args)
        return
    if args.maas:
        raise UsageError('--maas goes with --controller (olm allocates from its own pool)')
    if not args.quiet:
        show_progress(engine, every=50)
    report = engine.add_unit(args.application, args.count, to=placements(args.to),
                             constraints=args.constraints, settle=False)  # fmt: skip
    for warning in report.warnings:
        print(f'WARNING {warning}', file=sys.stderr)
    _print_provisioned(report.machines)
    for name in report.units:
        print(f'added unit {name}', flush=True)
    report_settle(engine.settle())


def _add_unit_on_controller(args: argparse.Namespace) -> None:
    if args.to:
        raise UsageError('--to and --controller: use juju add-unit --to directly')
    check = _region_check(args.maas, maas_key(args)) if args.maas else None
    # OLM_POLL_INTERVAL: seconds between two juju status polls (tests make it short).
    try:
        interval = float(os.environ.get('OLM_POLL_INTERVAL') or 10)
    except ValueError:
        raise UsageError('OLM_POLL_INTERVAL: not a number of seconds') from None
    try:
        done = controller.add_unit(
            args.controller, args.application, args.count, args.constraints,
            model=getattr(args, 'model', None),
            progress=None if args.quiet else _print_flushed,
            wait=controller.Wait(timeout=args.timeout, interval=interval), check=check,
        )  # fmt: skip
    except controller.ControllerError as error:
        raise EngineError(str(error)) from None
    for command in done.commands:
        print('+ ' + ' '.join(shlex.quote(part) for part in command))
    print(f'added {args.count} unit(s) of {args.application} on machines '
          f'{", ".join(done.machines)} of {done.model} (a real Juju controller)')  # fmt: skip


def _region_check(url: str, key: str) -> controller.Check:
    """Allocate on a copy of the region's inventory, as MAAS would, before asking Juju.

    Read only: the region's machines and network go into an in-memory pool, and the merged
    constraints are allocated there (MAAS's rules, the bound spaces as Juju sends them). A
    no-fit is explained per constraint, as ``olm add-unit`` explains it, and nothing is sent.
    """
    from ..cloud import maas  # httpx only for this option

    def check(merged: juju_constraints.Constraints, count: int) -> None:
        region = maas.inventory(url, key)
        pool = cloud.Pool(region.machines, network=region.network)
        try:
            pool.allocate(merged, count)
        except cloud.CloudError as error:
            raise controller.ControllerError(
                f'the MAAS region at {url} cannot give {count} machine(s) for '
                f'"{merged}" (nothing was asked of Juju): {error}'
            ) from None

    return check


def _print_flushed(line: str) -> None:
    print(line, flush=True)


def _print_provisioned(machines: Iterable[Provisioned]) -> None:
    for started in machines:
        for failure in started.failures:
            print(f'machine {started.machine}: {failure}; trying another machine')
        print(f'machine {started.machine}: {started.hostname} ({started.reason})')


def _remove_unit(engine: Engine, args: argparse.Namespace) -> None:
    check_no_wait(args)
    engine.remove_unit(args.units, force=args.force, no_wait=args.no_wait)
    for name in args.units:
        print(f'removed unit {name}')


def _remove_application(engine: Engine, args: argparse.Namespace) -> None:
    check_no_wait(args)
    engine.remove_application(args.applications, force=args.force, no_wait=args.no_wait)
    for name in args.applications:
        print(f'removed application {name}')


def runs_on_a_controller(run: object) -> bool:
    """Whether a command may take ``--controller``: only add-unit runs on a real controller."""
    return run is _add_unit

"""``deploy`` a bundle or a charm, and ``plan`` where a bundle would land (nothing changes).

juju/juju ``cmd/juju/application/deploy.go``: a bundle refuses the charm-only flags; ``plan`` is
olm's own, a dry run against the pool's Ready machines.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from ..engine import Engine, EngineError
from ._common import (
    SIMULATED,
    JoinedWords,
    add_format,
    add_seed,
    emit,
    int_arg,
    placements,
    print_table,
    split_kv,
)
from ._settle import report_settle, show_progress

__all__ = ['add_deploy_commands']


def add_deploy_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``deploy`` and ``plan``."""
    p = commands.add_parser('deploy', help='deploy a bundle or a charm', parents=[common])
    p.add_argument(
        'ref',
        metavar='BUNDLE|CHARM',
        help='a bundle file, a .charm file, a charm directory or a name',
    )
    p.add_argument('application', nargs='?', help='application name (charms only)')
    p.add_argument('--overlay', action='append', default=[], help='bundle overlay file')
    p.add_argument('--offers', help='directory of offer files for saas entries')
    p.add_argument('-n', '--num-units', dest='num_units', type=int_arg('-n'), default=None)
    p.add_argument('--to', default=None, help='placement directives, comma separated')
    p.add_argument('--constraints', action=JoinedWords, default=None)
    p.add_argument('--config', action='append', default=[], metavar='KEY=VALUE')
    p.add_argument('--trust', action='store_true', help='trust the application (charms only)')
    p.add_argument('--base', help='e.g. ubuntu@24.04 (charms only)')
    p.add_argument('--storage', action='append', default=[], metavar='STORE=POOL,COUNT,SIZE',
                   help='charms only, e.g. osd-devices=ssd,1,900G')  # fmt: skip
    p.add_argument(
        '--bind',
        default='',
        metavar='"[SPACE] [ENDPOINT=SPACE ...]"',
        help='endpoint bindings (charms only), e.g. "oam kube-cluster=internal"',
    )
    p.add_argument(
        '--runner',
        choices=('scenario', 'dispatch'),
        default=None,
        help='how the hooks run: scenario (in olm, the default; $OLM_RUNNER may change it) or '
        'dispatch (the packed charm, in a bubblewrap sandbox of its simulated machine)',
    )
    p.add_argument('--resource', action='append', default=[], metavar='NAME=PATH',
                   help='a file resource of the charm (charms only)')  # fmt: skip
    p.add_argument('--channel', help='accepted for a local charm, which has no channel')
    p.add_argument('--revision', type=int_arg('--revision'), default=None,
                   help='accepted for a local charm, whose revision olm counts')  # fmt: skip
    p.add_argument('--dry-run', action='store_true')
    p.add_argument('--quiet', action='store_true', help='no progress display')
    add_seed(p)
    p.set_defaults(run=_deploy)

    p = commands.add_parser(
        'plan',
        help='where a bundle would land on the pool, what cannot fit, and the headroom left '
        '(nothing changes; exit 1 if a unit cannot be placed)',
        parents=[common],
    )
    p.add_argument('bundle', metavar='BUNDLE')
    p.add_argument('--overlay', action='append', default=[], help='bundle overlay file')
    p.add_argument('--offers', help='directory of offer files for saas entries')
    add_format(p)
    p.set_defaults(run=_plan)


def _deploy(engine: Engine, args: argparse.Namespace) -> None:
    from ..juju.charmspec import is_archive  # here: most olm commands never read a charm

    path = Path(args.ref).expanduser()
    is_bundle = path.is_file() and not is_archive(path)
    if is_bundle:
        charm_only = [
            flag
            for flag, given in (
                ('--config', args.config), ('--constraints', args.constraints is not None),
                ('-n', args.num_units is not None), ('--to', args.to is not None),
                ('--trust', args.trust), ('--base', args.base is not None),
                ('--storage', args.storage), ('--bind', args.bind),
                ('--resource', args.resource),
            )
            if given
        ]  # fmt: skip
        if charm_only:
            raise EngineError(
                'options provided but not supported when deploying a bundle: '
                + ', '.join(charm_only)
            )
    for flag, given in (('--channel', args.channel), ('--revision', args.revision)):
        if given is not None:
            # juju/juju cmd/juju/application/deployer/deployer.go: a local charm is read from
            # its path (maybeReadLocalCharm); the channel and revision are Charmhub's.
            print(f'WARNING {flag} {given} ignored: a local charm has no Charmhub '
                  f'{flag.lstrip("-")}', file=sys.stderr)  # fmt: skip
    if not args.quiet and not args.dry_run:
        show_progress(engine, every=50)
    report = engine.deploy(
        args.ref,
        application=args.application,
        num_units=1 if args.num_units is None else args.num_units,
        to=placements(args.to),
        constraints=args.constraints or '',
        config=split_kv(args.config, '--config'),
        overlays=args.overlay,
        offers_dir=args.offers,
        dry_run=args.dry_run,
        settle=False,
        trust=args.trust,
        base=args.base,
        storage=split_kv(args.storage, '--storage'),
        bind=args.bind,
        runner=args.runner,
        resources=split_kv(args.resource, '--resource'),
    )
    for warning in report.warnings:
        print(f'WARNING {warning}', file=sys.stderr)
    if args.dry_run:
        print('Changes to deploy (dry run, nothing changed):')
    for line in report.changes:
        print(line, flush=True)
    if not args.dry_run:
        report_settle(engine.settle())


def _plan(engine: Engine, args: argparse.Namespace) -> int:
    result = engine.plan(args.bundle, overlays=args.overlay, offers_dir=args.offers)
    if args.format != 'tabular':
        emit(result.to_json(), args.format)
        return 1 if result.unplaced else 0
    print(f'Plan for {args.bundle} on the {SIMULATED} (nothing deployed):')
    for app, count in sorted(result.existing.items()):
        print(f'  {app}: {count} unit(s) already deployed, kept')
    print()
    if not result.units:
        print('No new unit to place: the model already has every unit of the bundle.')
    else:
        print_table(
            ['Unit', 'Machine', 'Zone', 'Addresses (space)', 'Why'],
            (
                [
                    u.unit,
                    u.hostname or '-',
                    u.zone or '-',
                    ' '.join(f'{ip} ({space})' for space, ip in u.addresses) or '-',
                    u.reason or 'cannot be placed',
                ]
                for u in result.units
            ),
        )
    if result.unplaced:
        print()
        print(f'{result.unplaced_count} unit(s) cannot be placed:')
        for unit in result.unplaced:
            first, *rest = unit.problem.splitlines()
            alike = f' ({unit.count} units, for the same reason)' if unit.count > 1 else ''
            print(f'  {unit.unit}{alike}: {first}')
            for line in rest:
                print(f'  {line}')
    print()
    print('Headroom after this plan (Ready machines that would still fit one more unit):')
    print_table(
        ['Application', 'Constraints', 'Spaces', 'Storage', 'More units'],
        (
            [
                h.application,
                h.constraints,
                ','.join(h.spaces) or '-',
                h.storage or '-',
                str(h.more),
            ]
            for h in result.headroom
        ),
    )
    return 1 if result.unplaced else 0

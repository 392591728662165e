"""``olm pool``: the metal pool, the cloud's machines as MAAS holds them.

Import an inventory file or read a real MAAS region (read only), list, generate a seeded pool,
ask what still fits, and move a machine through MAAS's states (release, mark broken or fixed);
``fail-deployment`` is a simulation switch.
"""

# pyright: strict

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

import yaml

from .. import cloud
from ..cloud.inventory import MAX_GENERATED
from ..engine import DEPLOY_FAULT, Engine, ImportProgress, ProgressReports
from ..juju import constraints as juju_constraints
from ._common import (
    SIMULATED,
    JoinedWords,
    Parser,
    UsageError,
    add_format,
    int_arg,
    int_between,
    maas_key,
)
from ._settle import duration, progress_interval

__all__ = ['add_pool_commands']


def add_pool_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``pool`` command and its subcommands."""
    pool = commands.add_parser('pool', help='the metal pool (the cloud)', parents=[common])
    pool_commands = pool.add_subparsers(
        title='pool commands',
        metavar='COMMAND',
        parser_class=Parser,
        required=True,
        dest='pool_command',
    )

    p = pool_commands.add_parser('import', help='add the machines of an inventory file',
                                 parents=[common])  # fmt: skip
    p.add_argument('file', nargs='?', help='YAML inventory (see bundles/pools/lab.yaml)')
    p.add_argument('--maas', metavar='URL',
                   help='read the machines of a real MAAS region instead (e.g. '
                   'http://maas:5240/MAAS); the API key comes from $MAAS_API_KEY or '
                   '--api-key-file')  # fmt: skip
    p.add_argument('--api-key-file', help='file holding the MAAS API key')
    p.set_defaults(run=_pool_import)

    p = pool_commands.add_parser('list', help='list the machines of the pool', parents=[common])
    add_format(p)
    p.set_defaults(run=_pool_list)

    p = pool_commands.add_parser('generate', help='write a seeded, heterogeneous pool file',
                                 parents=[common])  # fmt: skip
    p.add_argument('--count', type=int_between('--count', 1, MAX_GENERATED), required=True)
    p.add_argument('--seed', type=int_arg('--seed'), default=0)
    p.add_argument('--prefix', default='node', help='hostname prefix (default: node)')
    p.add_argument('-o', '--output', help='write to this file instead of standard output')
    p.add_argument(
        '--import',
        dest='do_import',
        action='store_true',
        help='add the generated machines to the pool instead of printing them',
    )
    p.set_defaults(run=_pool_generate)

    p = pool_commands.add_parser(
        'capacity', help='how many more machines of a shape are free now', parents=[common]
    )
    p.add_argument(
        '--constraints',
        action=JoinedWords,
        default='',
        help='Juju constraints, e.g. "mem=6G cores=2"',
    )
    p.add_argument('placement', nargs='?', help='<hostname>, system-id=<id> or zone=<zone>')
    p.set_defaults(run=_pool_capacity)

    p = pool_commands.add_parser('release', help='release a machine to Ready', parents=[common])
    p.add_argument('machine', help='hostname or system id')
    p.add_argument('--erase', action='store_true', help='erase its disks on the way')
    p.set_defaults(run=_pool_release)

    p = pool_commands.add_parser('mark-broken', help='mark a machine Broken', parents=[common])
    p.add_argument('machine', help='hostname or system id')
    p.add_argument('--message', default='', help='why it is broken')
    p.set_defaults(run=_pool_mark_broken)

    p = pool_commands.add_parser('mark-fixed', help='return a Broken machine to service',
                                 parents=[common])  # fmt: skip
    p.add_argument('machine', help='hostname or system id')
    p.set_defaults(run=_pool_mark_fixed)

    p = pool_commands.add_parser(
        'fail-deployment',
        help='simulation: make deploying a machine fail (MAAS "Failed deployment")',
        parents=[common],
    )
    p.add_argument('machine', help='hostname')
    p.add_argument('--always', action='store_true',
                   help='fail every deployment until cleared (default: the next one)')  # fmt: skip
    p.add_argument('--message', default='Failed deployment: curtin command failed',
                   help='the status message MAAS shows')  # fmt: skip
    p.set_defaults(run=_pool_fail_deployment)


def _pool_import(engine: Engine, args: argparse.Namespace) -> None:
    if (args.file is None) == (args.maas is None):
        raise UsageError('give an inventory FILE or --maas URL (one of them)')
    if args.file is not None:
        display = ImportDisplay()
        engine.reports = ProgressReports(
            report=lambda _: None,
            finish=display.finish,
            interval=progress_interval(),
            imported=display.report,
        )
        added = engine.import_pool(args.file)
        print(f'imported {added} machines from {args.file} into the {SIMULATED}')
        return
    from ..cloud import maas  # httpx only for this command

    region = maas.inventory(args.maas, maas_key(args))
    added = engine.add_to_pool(region.machines, region.network)
    print(
        f'imported {added} machines from the MAAS region at {args.maas}, with its '
        f'{len(region.network.spaces)} spaces and {len(region.network.subnets)} subnets (their '
        'statuses as MAAS reports them; the pool is a copy for olm plan, olm does not act on '
        'the region)'
    )


class ImportDisplay:
    """A long import on standard error, as a settle shows (:mod:`orchestrator.cli._settle`).

    Every ``$OLM_PROGRESS_INTERVAL`` seconds (default 5; an import that ends sooner shows
    nothing) one line, redrawn in place on a terminal:
    ``importing pool.yaml: 41,000 machines read in 12s (3,400/s), 45% of 94.1 MB, about 15s
    left``, then, once the whole file is known good, ``41,000 of 100,000 machines added to
    the pool``.
    """

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.in_place = self.stream.isatty()
        self.shown = False

    def report(self, progress: ImportProgress) -> None:
        line = import_line(progress)
        if self.in_place:
            line = '\r\x1b[K' + line[: shutil.get_terminal_size().columns - 1]
        else:
            line += '\n'
        self.stream.write(line)
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.in_place and self.shown:
            self.stream.write('\r\x1b[K')
            self.stream.flush()
        self.shown = False


def import_line(progress: ImportProgress) -> str:
    """One progress line of a pool import."""
    stage = progress.stage_elapsed
    rate = progress.machines / stage if stage > 0 else 0.0
    if progress.stage == 'add':
        done = progress.machines / progress.total if progress.total else 1.0
        line = (
            f'importing {progress.file}: {progress.machines:,} of {progress.total:,} machines '
            f'added to the pool in {duration(progress.elapsed)} ({rate:,.0f}/s)'
        )
    else:
        done = progress.read / progress.size if progress.size else 1.0
        line = (
            f'importing {progress.file}: {progress.machines:,} machine'
            f'{"" if progress.machines == 1 else "s"} read in {duration(progress.elapsed)} '
            f'({rate:,.0f}/s), {done:.0%} of {_size(progress.size)}'
        )
    if 0 < done < 1 and stage > 0:
        line += f', about {duration(stage * (1 - done) / done)} left'
    return line


def _size(size: int) -> str:
    return f'{size / 1e6:,.1f} MB' if size >= 1e6 else f'{size / 1e3:,.0f} kB'


def _pool_list(engine: Engine, args: argparse.Namespace) -> None:
    from ..cloud import inventory  # only the pool commands that print machines need it

    # Streamed: each pass reads the machines from the database as it goes, so the listing of
    # a 100k-machine pool holds one machine at a time, not the pool.
    with engine.reading_pool() as pool:
        if args.format == 'json':
            # The text json.dumps gives the whole document, written a machine at a time.
            out = sys.stdout
            out.write('{"simulated": true, "machines": [')
            for i, m in enumerate(pool):
                out.write((', ' if i else '') + json.dumps(inventory.to_record(m)))
            out.write(']}\n')
            return
        if args.format != 'tabular':
            sys.stdout.write('simulated: true\n')
            empty = True
            for m in pool:
                if empty:
                    sys.stdout.write('machines:\n')
                    empty = False
                sys.stdout.write(yaml.safe_dump([inventory.to_record(m)], sort_keys=False))
            if empty:
                sys.stdout.write('machines: []\n')
            return
        _pool_table(pool)


def _pool_table(pool: cloud.Pool) -> None:
    """The pool as a table, in two passes: the column widths and status counts, then rows."""
    headers = ['Hostname', 'System id', 'Status', 'Arch', 'Cores', 'RAM', 'Disks', 'Zone',
               'Pool', 'Tags', 'Spaces', 'Owner']  # fmt: skip
    widths = [len(h) for h in headers]
    counts: dict[str, int] = {}
    for m in pool:
        counts[m.status.label] = counts.get(m.status.label, 0) + 1
        widths = [max(w, len(cell)) for w, cell in zip(widths, _pool_row(m), strict=True)]
    total = sum(counts.values())
    summary = ', '.join(f'{n} {label}' for label, n in sorted(counts.items()))
    print(f'Pool ({SIMULATED}): {total} machines' + (f': {summary}' if summary else ''))
    if not total:
        print('The pool is empty: import an inventory with "olm pool import FILE".')
        return
    print()
    for row in itertools.chain([headers], map(_pool_row, pool)):
        print('  '.join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def _pool_row(m: cloud.Machine) -> list[str]:
    return [
        m.hostname, m.system_id, m.status.label, m.arch_name, str(m.cores),
        _gib(m.memory), _disks(m.disks), m.zone, m.pool, ','.join(sorted(m.tags)) or '-',
        ','.join(sorted(m.spaces)) or '-', m.owner or '-',
    ]  # fmt: skip


def _pool_generate(engine: Engine, args: argparse.Namespace) -> None:
    from ..cloud import inventory  # only the pool commands that print machines need it

    if args.do_import:
        machines = inventory.generate(args.count, args.seed, prefix=args.prefix)
        added = engine.add_to_pool(machines, inventory.GENERATED_NETWORK)
        print(f'generated and imported {added} machines (seed {args.seed}) into the {SIMULATED}')
        return
    # Written as they are made, a slice at a time: a pool of any size takes little memory.
    try:
        machines = inventory.generate_lazily(args.count, args.seed, prefix=args.prefix)
    except ValueError as error:  # a --prefix that makes no MAAS hostname
        raise UsageError(str(error)) from None
    header = f'# olm pool generate --count {args.count} --seed {args.seed}: simulated machines\n'
    if args.output:
        try:
            out = Path(args.output).open('w')  # noqa: SIM115 (closed by the with below)
        except OSError as error:  # a missing folder, a file it may not write
            raise UsageError(f'cannot write {args.output}: {error.strerror}') from None
        with out:
            out.write(header)
            count = inventory.write_yaml(out, machines, network=inventory.GENERATED_NETWORK)
        print(f'wrote {count} machines to {args.output}')
    else:
        sys.stdout.write(header)
        inventory.write_yaml(sys.stdout, machines, network=inventory.GENERATED_NETWORK)


def _pool_capacity(engine: Engine, args: argparse.Namespace) -> None:
    constraints = juju_constraints.parse(args.constraints)
    free = engine.capacity(constraints, args.placement)
    shape = str(constraints) or 'any'
    print(f'{free} more machine{"" if free == 1 else "s"} matching "{shape}" '
          f'{"is" if free == 1 else "are"} Ready now ({SIMULATED})')  # fmt: skip


def _pool_release(engine: Engine, args: argparse.Namespace) -> None:
    machine = engine.release_pool_machine(args.machine, erase=args.erase)
    print(f'{machine.hostname} ({machine.system_id}): {machine.status.label}')


def _pool_mark_broken(engine: Engine, args: argparse.Namespace) -> None:
    machine = engine.mark_broken(args.machine, args.message)
    print(f'{machine.hostname} ({machine.system_id}): {machine.status.label}')


def _pool_mark_fixed(engine: Engine, args: argparse.Namespace) -> None:
    machine = engine.mark_fixed(args.machine)
    print(f'{machine.hostname} ({machine.system_id}): {machine.status.label}')


def _pool_fail_deployment(engine: Engine, args: argparse.Namespace) -> None:
    machine = engine.pool_machine(args.machine)
    kind = 'fail-always' if args.always else 'fail-once'
    engine.inject_fault(DEPLOY_FAULT, kind, match=[machine.hostname], stderr=args.message)
    times = 'every deployment' if args.always else 'the next deployment'
    print(f'{times} of {machine.hostname} will fail ({SIMULATED}): {args.message}')


def _gib(mib: int) -> str:
    return f'{mib / 1024:.1f}G'


def _disks(disks: Iterable[cloud.Disk]) -> str:
    out: list[str] = []
    for d in disks:
        size = (
            f'{d.size / cloud.GB / 1000:.3g}T'
            if d.size >= 1000 * cloud.GB
            else (f'{d.size / cloud.GB:.0f}G')
        )
        tags = f'({",".join(sorted(d.tags))})' if d.tags else ''
        out.append(f'{d.name}:{size}{tags}')
    return ' '.join(out)

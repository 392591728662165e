"""``olm``: Juju-shaped commands over the embedded model and its metal pool.

Every failure a user can cause prints one ``ERROR ...`` line (a no-fit adds its explanation
below it) and exits non-zero, with no traceback unless ``--debug`` is given. The machines behind
the embedded pool are simulated, and every listing says so.
"""

# pyright: strict

from __future__ import annotations

import argparse
import datetime
import logging
import os
import shlex
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import yaml

from .. import __version__, cloud, controller
from ..engine import DEPLOY_FAULT, HOOK_FAULT, Engine, EngineError, Provisioned, SettleResult
from ..juju import constraints as juju_constraints
from ..juju import storage as juju_storage
from ..state import model
from ..state.store import DEFAULT_STATE_DIR, Store, StoreError, parse_model_ref
from ..views import status
from ._common import (
    SIMULATED,
    JoinedWords,
    Parser,
    UsageError,
    add_format,
    emit,
    int_arg,
    iso,
    positive_int,
    print_table,
    split_kv,
    task_failed,
    yaml_mapping,
)
from ._inspect import add_inspection_commands
from ._models import add_model_commands
from ._secrets import add_secret_commands
from ._spaces import add_space_commands

__all__ = ['main']


def _user_errors() -> tuple[type[Exception], ...]:
    """What a user can cause; read only when a command fails, so that nothing loads early.

    The hook runner (ops, Scenario) and the bundle parser (pydantic) load only for the commands
    that use them: importing them here at start-up cost every olm command 0.3 s.
    """
    from ..agent import runner
    from ..juju import bundle as juju_bundle
    from ..juju import charmspec

    return (
        cloud.CloudError,
        EngineError,
        StoreError,
        juju_constraints.ConstraintsError,
        charmspec.CharmSpecError,
        juju_bundle.BundleError,
        juju_storage.StorageError,
        runner.CharmLoadError,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``olm`` command; returns the process exit status."""
    parser = _build_parser()
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = '--debug' in args_list
    try:
        args = parser.parse_args(args_list)
    except UsageError as e:
        print(f'ERROR {e}', file=sys.stderr)
        return 2
    if not hasattr(args, 'run'):
        parser.print_help()
        return 0
    if hasattr(args, 'controller') and args.run is not _add_unit:
        print('ERROR --controller: only add-unit runs on a real controller', file=sys.stderr)
        return 2
    _configure_logging(debug)
    # --state-dir is accepted before or after the command; it is absent when not given.
    state_dir = getattr(args, 'state_dir', None) or os.environ.get('OLM_HOME') or DEFAULT_STATE_DIR
    model_ref = getattr(args, 'model', None)
    on_controller = getattr(args, 'controller', None) is not None
    try:
        model_name = None if model_ref is None or on_controller else parse_model_ref(model_ref)
    except StoreError as e:
        print(f'ERROR {e}', file=sys.stderr)
        return 1
    store = Store(state_dir, model=model_name)
    try:
        seed = getattr(args, 'settle_seed', None)
        return int(args.run(Engine(store, seed=seed), args) or 0)
    except UsageError as e:
        print(f'ERROR {e}', file=sys.stderr)
        return 2
    except _user_errors() as e:  # evaluated only when a command fails
        if debug:
            raise
        print(f'ERROR {e}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (olm debug-log | head): not an error to report; keep Python
        # from failing again on flushing the closed stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as e:
        if debug:
            raise
        print(f'ERROR unexpected {type(e).__name__}: {e} (run with --debug for the traceback)',
              file=sys.stderr)  # fmt: skip
        return 1
    finally:
        store.close()


def _configure_logging(debug: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter('%(levelname)s %(message)s'))
    root = logging.getLogger('orchestrator')
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    root.propagate = False


# -- parser ------------------------------------------------------------------------------


def _build_parser() -> Parser:
    common = Parser(add_help=False)
    common.add_argument(
        '--state-dir',
        default=argparse.SUPPRESS,
        help=f'the pool and every model (default: $OLM_HOME or {DEFAULT_STATE_DIR})',
    )
    common.add_argument('--debug', action='store_true', default=argparse.SUPPRESS,
                        help='show tracebacks and debug logging')  # fmt: skip
    common.add_argument(
        '-m', '--model', default=argparse.SUPPRESS,
        help='the model, as [olm:][admin/]NAME (default: the selected one, see olm switch); '
        "with add-unit --controller, the real controller's model",
    )  # fmt: skip

    parser = Parser(
        prog='olm',
        description='A small embedded Juju that models a bare-metal pool as a cloud. '
        'The machines of the embedded pool are simulated.',
        parents=[common],
    )
    parser.add_argument('--version', action='version', version=f'olm {__version__}')
    parser.add_argument(
        '--controller',
        default=argparse.SUPPRESS,
        help='a real Juju controller, for add-unit (see olm add-unit --help)',
    )
    commands = parser.add_subparsers(title='commands', metavar='COMMAND', parser_class=Parser)

    pool = commands.add_parser('pool', help='the metal pool (the cloud)', parents=[common])
    pool_commands = pool.add_subparsers(
        title='pool commands', metavar='COMMAND', parser_class=Parser, required=True
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
    p.add_argument('--count', type=positive_int('--count'), required=True)
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

    p = commands.add_parser('inject-fault', help='simulation: make a program on the simulated '
                            'machines fail or be slow', parents=[common])  # fmt: skip
    p.add_argument('program', help='program name, e.g. snap, k8s, apt-get, microceph; '
                   f'or {HOOK_FAULT} with --match HOOK to fail that hook as a lost controller '
                   'connection would')  # fmt: skip
    p.add_argument('kind', choices=('fail-once', 'fail-always', 'slow'))
    p.add_argument('--machine', default=None, help='model machine number (default: every one)')
    p.add_argument('--match', default='',
                   help='the arguments a call starts with, e.g. "install k8s"')  # fmt: skip
    p.add_argument('--returncode', type=positive_int('--returncode'), default=1)
    p.add_argument('--stderr', default='', help='what a failing call writes to standard error')
    p.add_argument('--delay', type=float, default=0.0, help='seconds, for slow')
    p.set_defaults(run=_inject_fault)

    p = commands.add_parser('faults', help='simulation: list or clear the armed faults',
                            parents=[common])  # fmt: skip
    p.add_argument('--clear', action='store_true', help='disarm every fault')
    p.set_defaults(run=_faults)

    p = commands.add_parser('create-storage-pool', help='create a storage pool',
                            parents=[common])  # fmt: skip
    p.add_argument('name')
    p.add_argument('provider', help='maas, loop, rootfs or tmpfs')
    p.add_argument('attrs', nargs='*', metavar='KEY=VALUE', help='e.g. tags=ssd for maas')
    p.set_defaults(run=_create_storage_pool)

    p = commands.add_parser('storage-pools', help="list the model's storage pools",
                            parents=[common])  # fmt: skip
    add_format(p, default='tabular')
    p.set_defaults(run=_storage_pools)

    p = commands.add_parser('add-machine', help='provision machines from the pool',
                            parents=[common])  # fmt: skip
    p.add_argument('placement', nargs='?', help='<hostname>, system-id=<id> or zone=<zone>')
    p.add_argument('-n', '--num-machines', dest='count', type=positive_int('-n'), default=1)
    p.add_argument(
        '--constraints',
        action=JoinedWords,
        default='',
        help='Juju constraints, e.g. "mem=6G cores=2"',
    )
    p.set_defaults(run=_add_machine)

    p = commands.add_parser('machines', help="list the model's machines", parents=[common])
    add_format(p)
    p.set_defaults(run=_machines)

    p = commands.add_parser('remove-machine', help='remove machines and release them',
                            parents=[common])  # fmt: skip
    p.add_argument('ids', nargs='+', metavar='ID')
    p.add_argument('--keep-instance', action='store_true',
                   help='leave the MAAS machine allocated')  # fmt: skip
    p.add_argument('--erase', action='store_true', help='erase disks on release')
    p.set_defaults(run=_remove_machine)

    p = commands.add_parser('set-model-constraints', help="replace the model's constraints",
                            parents=[common])  # fmt: skip
    p.add_argument('constraints', nargs='*', help='key=value ...')
    p.set_defaults(run=_set_model_constraints)

    p = commands.add_parser('model-constraints', help="show the model's constraints",
                            parents=[common])  # fmt: skip
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    p.set_defaults(run=_model_constraints)

    p = commands.add_parser('deploy', help='deploy a bundle or a charm', parents=[common])
    p.add_argument('ref', metavar='BUNDLE|CHARM',
                   help='a bundle file, a charm directory or a charm name')  # fmt: skip
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
    p.add_argument('--dry-run', action='store_true')
    p.add_argument('--quiet', action='store_true', help='no progress display')
    _add_seed(p)
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
    p.add_argument('--timeout', type=float, default=1800.0, metavar='SECONDS',
                   help='with --controller: how long to wait for MAAS to allocate the machines '
                   '(they are removed if it has not)')  # fmt: skip
    p.add_argument(
        '--maas',
        metavar='URL',
        help="with --controller: first check the request against this MAAS region's "
        'inventory (read only), explaining a no-fit per constraint',
    )
    p.add_argument('--api-key-file', help='with --maas: the MAAS API key (else $MAAS_API_KEY)')
    _add_seed(p)
    p.set_defaults(run=_add_unit)

    p = commands.add_parser('remove-unit', help='remove units', parents=[common])
    p.add_argument('units', nargs='+', metavar='UNIT')
    _add_removal_flags(p)
    _add_seed(p)
    p.set_defaults(run=_remove_unit)

    p = commands.add_parser('remove-application', help='remove applications', parents=[common])
    p.add_argument('applications', nargs='+', metavar='APPLICATION')
    _add_removal_flags(p)
    _add_seed(p)
    p.set_defaults(run=_remove_application)

    p = commands.add_parser('integrate', help='relate two applications', parents=[common])
    p.add_argument('a', metavar='APP[:ENDPOINT]')
    p.add_argument('b', metavar='APP[:ENDPOINT]')
    _add_seed(p)
    p.set_defaults(run=_integrate)

    p = commands.add_parser('remove-relation', help='remove a relation', parents=[common])
    p.add_argument('a', metavar='APP[:ENDPOINT]')
    p.add_argument('b', metavar='APP[:ENDPOINT]')
    _add_seed(p)
    p.set_defaults(run=_remove_relation)

    p = commands.add_parser('config', help="show or set an application's config",
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('settings', nargs='*', metavar='KEY[=VALUE]')
    p.add_argument('--reset', action='append', default=[], metavar='KEY[,KEY...]',
                   help="back to the charm's defaults")  # fmt: skip
    add_format(p, default='yaml', choices=('yaml', 'json'))
    _add_seed(p)
    p.set_defaults(run=_config)

    p = commands.add_parser('refresh', help='upgrade an application to its charm directory',
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('--path', help='the charm directory to refresh to')
    _add_seed(p)
    p.set_defaults(run=_refresh)

    p = commands.add_parser('trust', help='trust an application (or --remove it)',
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('--remove', action='store_true', help='take the trust back')
    p.add_argument('--scope', choices=('cluster',),
                   help='Kubernetes models only: refused on a machine model')  # fmt: skip
    _add_seed(p)
    p.set_defaults(run=_trust)

    p = commands.add_parser('set-constraints', help="replace an application's constraints",
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    p.add_argument('constraints', nargs='*', help='key=value ...')
    p.set_defaults(run=_set_constraints)

    p = commands.add_parser('constraints', help="show an application's constraints",
                            parents=[common])  # fmt: skip
    p.add_argument('application')
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    p.set_defaults(run=_constraints)

    p = commands.add_parser('run', help='run an action on a unit', parents=[common])
    p.add_argument('unit')
    p.add_argument('action')
    p.add_argument('params', nargs='*', metavar='KEY=VALUE')
    p.add_argument('--params', dest='params_file', metavar='FILE',
                   help='a YAML file of parameters')  # fmt: skip
    p.add_argument('--wait', help='accepted: olm runs the action at once')
    add_format(p, default='plain', choices=('plain', 'yaml', 'json'))
    _add_seed(p)
    p.set_defaults(run=_run_action)

    p = commands.add_parser('resolve', aliases=['resolved'], help='retry or skip a failed hook',
                            parents=[common])  # fmt: skip
    p.add_argument('units', nargs='+', metavar='UNIT')
    p.add_argument('--no-retry', action='store_true', help='skip the failed hook')
    _add_seed(p)
    p.set_defaults(run=_resolve)

    p = commands.add_parser('update-status', help='run update-status now (olm extension)',
                            parents=[common])  # fmt: skip
    p.add_argument('targets', nargs='*', metavar='APP|UNIT')
    _add_seed(p)
    p.set_defaults(run=_update_status)

    p = commands.add_parser('status', help='show the model', parents=[common])
    add_format(p)
    p.add_argument('--relations', '--integrations', action='store_true', dest='relations')
    p.set_defaults(run=_status)

    p = commands.add_parser('debug-log', help='the event trace', parents=[common])
    p.add_argument(
        '-n',
        '--lines',
        '--limit',
        type=int_arg('--limit'),
        default=None,
        help='only the last N entries (0: all, as juju debug-log --limit 0)',
    )
    p.add_argument('--include', action='append', default=[], metavar='UNIT|APP')
    p.add_argument('--details', action='store_true', help='show tracebacks and charm logs')
    p.set_defaults(run=_debug_log)

    p = commands.add_parser('wait', help='settle the model, stopping at an error',
                            parents=[common])  # fmt: skip
    p.add_argument('--timeout', type=float, default=600.0)
    p.add_argument('--quiet', action='store_true', help='no progress display')
    _add_seed(p)
    p.set_defaults(run=_wait)
    add_model_commands(commands, common)
    add_secret_commands(commands, common)
    add_inspection_commands(commands, common)
    add_space_commands(commands, common)
    return parser


def _add_removal_flags(parser: argparse.ArgumentParser) -> None:
    """Juju's remove-* flags: olm never prompts, and MAAS volumes go with their machines."""
    parser.add_argument('--no-prompt', action='store_true', help='accepted: olm never prompts')
    parser.add_argument('--force', action='store_true',
                        help='accepted: teardown hooks run either way')  # fmt: skip
    parser.add_argument('--destroy-storage', action='store_true',
                        help="accepted: MAAS volumes are the machines' disks")  # fmt: skip
    parser.add_argument('--no-wait', action='store_true', help='accepted: olm always finishes')


def _add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--seed', dest='settle_seed', type=int_arg('--seed'), default=None,
                        help='fix the interleaving of units (default: random)')  # fmt: skip


# -- commands ----------------------------------------------------------------------------


def _pool_import(engine: Engine, args: argparse.Namespace) -> None:
    if (args.file is None) == (args.maas is None):
        raise UsageError('give an inventory FILE or --maas URL (one of them)')
    if args.file is not None:
        added = engine.import_pool(args.file)
        print(f'imported {added} machines from {args.file} into the {SIMULATED}')
        return
    from ..cloud import maas  # httpx only for this command

    region = maas.inventory(args.maas, _maas_key(args))
    added = engine.add_to_pool(region.machines, region.network)
    print(
        f'imported {added} machines from the MAAS region at {args.maas}, with its '
        f'{len(region.network.spaces)} spaces and {len(region.network.subnets)} subnets (their '
        'statuses as MAAS reports them; the pool is a copy for olm plan, olm does not act on '
        'the region)'
    )


def _pool_list(engine: Engine, args: argparse.Namespace) -> None:
    from ..cloud import inventory  # only the pool commands that print machines need it

    machines = engine.pool_machines()
    if args.format != 'tabular':
        records = [inventory.to_record(m) for m in machines]
        emit({'simulated': True, 'machines': records}, args.format)
        return
    counts: dict[str, int] = {}
    for m in machines:
        counts[m.status.label] = counts.get(m.status.label, 0) + 1
    summary = ', '.join(f'{n} {label}' for label, n in sorted(counts.items()))
    print(f'Pool ({SIMULATED}): {len(machines)} machines' + (f': {summary}' if summary else ''))
    if not machines:
        print('The pool is empty: import an inventory with "olm pool import FILE".')
        return
    print()
    rows = [
        [
            m.hostname, m.system_id, m.status.label, m.arch_name, str(m.cores),
            _gib(m.memory), _disks(m.disks), m.zone, m.pool, ','.join(sorted(m.tags)) or '-',
            ','.join(sorted(m.spaces)) or '-', m.owner or '-',
        ]
        for m in machines
    ]  # fmt: skip
    headers = ['Hostname', 'System id', 'Status', 'Arch', 'Cores', 'RAM', 'Disks', 'Zone',
               'Pool', 'Tags', 'Spaces', 'Owner']  # fmt: skip
    print_table(headers, rows)


def _pool_generate(engine: Engine, args: argparse.Namespace) -> None:
    from ..cloud import inventory  # only the pool commands that print machines need it

    machines = inventory.generate(args.count, args.seed, prefix=args.prefix)
    if args.do_import:
        added = engine.add_to_pool(machines, inventory.GENERATED_NETWORK)
        print(f'generated and imported {added} machines (seed {args.seed}) into the {SIMULATED}')
        return
    text = inventory.dump_yaml(
        inventory.to_document(machines, network=inventory.GENERATED_NETWORK)
    )
    header = f'# olm pool generate --count {args.count} --seed {args.seed}: simulated machines\n'
    if args.output:
        Path(args.output).write_text(header + text)
        print(f'wrote {len(machines)} machines to {args.output}')
    else:
        sys.stdout.write(header + text)


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


def _inject_fault(engine: Engine, args: argparse.Namespace) -> None:
    engine.inject_fault(
        args.program, args.kind, machine=args.machine, match=args.match.split(),
        returncode=args.returncode, stderr=args.stderr, delay=args.delay,
    )  # fmt: skip
    where = f'machine {args.machine}' if args.machine else 'every machine'
    call = ' '.join([args.program, *args.match.split()])
    print(f'armed {args.kind} on "{call}" on {where} ({SIMULATED})')


def _faults(engine: Engine, args: argparse.Namespace) -> None:
    if args.clear:
        engine.clear_faults()
        print('no fault armed')
        return
    faults = engine.faults()
    if not faults:
        print('no fault armed')
        return
    print_table(
        ['Program', 'Kind', 'Machine', 'Match', 'Message'],
        ([f.program, f.kind, f.machine or '*', ' '.join(f.match), f.stderr] for f in faults),
    )


def _create_storage_pool(engine: Engine, args: argparse.Namespace) -> None:
    engine.create_storage_pool(args.name, args.provider, split_kv(args.attrs, 'attribute'))


def _storage_pools(engine: Engine, args: argparse.Namespace) -> None:
    pools = engine.storage_pools()
    if args.format != 'tabular':
        emit({name: pool.to_json() for name, pool in sorted(pools.items())}, args.format)
        return
    print_table(
        ['Name', 'Provider', 'Attributes'],
        (
            [p.name, p.provider, ' '.join(f'{k}={v}' for k, v in sorted(p.attrs.items()))]
            for _, p in sorted(pools.items())
        ),
    )


def _add_machine(engine: Engine, args: argparse.Namespace) -> None:
    constraints = juju_constraints.parse(args.constraints)
    for m in engine.add_machines(args.count, constraints, args.placement):
        print(f'created machine {m.id} on {m.hostname} ({m.instance_id}, {m.zone}): {m.hardware}')


def _machines(engine: Engine, args: argparse.Namespace) -> None:
    machines = engine.machines()
    if args.format != 'tabular':
        emit({'model': {'name': engine.store.model, 'type': 'olm', 'simulated': True},
               'machines': {m.id: _machine_record(m) for m in machines}}, args.format)  # fmt: skip
        return
    print(f'Model {engine.store.model} ({SIMULATED})')
    print()
    if not machines:
        print('No machines to display.')
        return
    rows = [
        [m.id, m.status, m.address or '-', m.instance_id, m.base, m.zone, m.message]
        for m in machines
    ]
    print_table(['Machine', 'State', 'Address', 'Inst id', 'Base', 'AZ', 'Message'], rows)


def _remove_machine(engine: Engine, args: argparse.Namespace) -> None:
    removed = engine.remove_machines(args.ids, keep_instance=args.keep_instance, erase=args.erase)
    for record, released in removed:
        after = (
            f'released {released.hostname} to {released.status.label}'
            if released
            else (f'kept {record.hostname} allocated')
        )
        print(f'removed machine {record.id} ({after})')


def _set_model_constraints(engine: Engine, args: argparse.Namespace) -> None:
    engine.set_model_constraints(juju_constraints.parse(*args.constraints))


def _model_constraints(engine: Engine, args: argparse.Namespace) -> None:
    _print_constraints(engine.model_constraints(), args.format)


def _print_constraints(value: juju_constraints.Constraints, fmt: str) -> None:
    if fmt == 'plain':
        print(str(value))
        return
    # Juju's JSON of a constraints.Value: present keys only, sizes in MiB, lists as lists.
    emit({key: list(v) if isinstance(v, tuple) else v
           for key, v in value.items() if v is not None}, fmt)  # fmt: skip


# -- applications and units --------------------------------------------------------------


def _placements(text: str | None) -> list[str]:
    return [] if not text else [t.strip() for t in text.split(',') if t.strip()]


def _deploy(engine: Engine, args: argparse.Namespace) -> None:
    is_bundle = Path(args.ref).expanduser().is_file()
    if is_bundle:
        charm_only = [
            flag
            for flag, given in (
                ('--config', args.config), ('--constraints', args.constraints is not None),
                ('-n', args.num_units is not None), ('--to', args.to is not None),
                ('--trust', args.trust), ('--base', args.base is not None),
                ('--storage', args.storage), ('--bind', args.bind),
            )
            if given
        ]  # fmt: skip
        if charm_only:
            raise EngineError(
                'options provided but not supported when deploying a bundle: '
                + ', '.join(charm_only)
            )
    if not args.quiet and not args.dry_run:
        engine.progress = _progress_printer(every=50)
    report = engine.deploy(
        args.ref,
        application=args.application,
        num_units=1 if args.num_units is None else args.num_units,
        to=_placements(args.to),
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
    )
    for warning in report.warnings:
        print(f'WARNING {warning}', file=sys.stderr)
    if args.dry_run:
        print('Changes to deploy (dry run, nothing changed):')
    for line in report.changes:
        print(line, flush=True)
    if not args.dry_run:
        _report_settle(engine.settle())


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
        print(f'{len(result.unplaced)} unit(s) cannot be placed:')
        for unit in result.unplaced:
            first, *rest = unit.problem.splitlines()
            print(f'  {unit.unit}: {first}')
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


def _report_settle(result: SettleResult | None) -> None:
    if result is None:
        return
    state = 'settled' if result.settled else 'units in error: ' + ', '.join(result.errors)
    print(f'Ran {result.hooks} hooks on {SIMULATED}; {state} (seed {result.seed}).')


def _add_unit(engine: Engine, args: argparse.Namespace) -> None:
    if getattr(args, 'controller', None) is not None:
        _add_unit_on_controller(args)
        return
    if args.maas:
        raise UsageError('--maas goes with --controller (olm allocates from its own pool)')
    if not args.quiet:
        engine.progress = _progress_printer(every=50)
    report = engine.add_unit(args.application, args.count, to=_placements(args.to),
                             constraints=args.constraints, settle=False)  # fmt: skip
    for warning in report.warnings:
        print(f'WARNING {warning}', file=sys.stderr)
    _print_provisioned(report.machines)
    for name in report.units:
        print(f'added unit {name}', flush=True)
    _report_settle(engine.settle())


def _add_unit_on_controller(args: argparse.Namespace) -> None:
    if args.to:
        raise UsageError('--to and --controller: use juju add-unit --to directly')
    check = _region_check(args.maas, _maas_key(args)) if args.maas else None
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


def _maas_key(args: argparse.Namespace) -> str:
    """The MAAS API key: ``--api-key-file``, else ``$MAAS_API_KEY``."""
    if getattr(args, 'api_key_file', None):
        try:
            key = Path(args.api_key_file).read_text().strip()
        except OSError as error:
            raise EngineError(f'cannot read {args.api_key_file}: {error.strerror}') from None
    else:
        key = os.environ.get('MAAS_API_KEY', '')
    if not key:
        raise UsageError('--maas needs an API key: set MAAS_API_KEY or give --api-key-file')
    return key


def _print_flushed(line: str) -> None:
    print(line, flush=True)


def _print_provisioned(machines: Iterable[Provisioned]) -> None:
    for started in machines:
        for failure in started.failures:
            print(f'machine {started.machine}: {failure}; trying another machine')
        print(f'machine {started.machine}: {started.hostname} ({started.reason})')


def _remove_unit(engine: Engine, args: argparse.Namespace) -> None:
    engine.remove_unit(args.units)
    for name in args.units:
        print(f'removed unit {name}')


def _remove_application(engine: Engine, args: argparse.Namespace) -> None:
    engine.remove_application(args.applications)
    for name in args.applications:
        print(f'removed application {name}')


def _integrate(engine: Engine, args: argparse.Namespace) -> None:
    print(f'added relation {engine.integrate(args.a, args.b)}')


def _remove_relation(engine: Engine, args: argparse.Namespace) -> None:
    print(f'removed relation {engine.remove_relation(args.a, args.b)}')


def _config(engine: Engine, args: argparse.Namespace) -> None:
    reset = [key for keys in args.reset for key in keys.split(',') if key]
    if reset or any('=' in s for s in args.settings):
        if not all('=' in s for s in args.settings):
            raise UsageError('cannot mix getting and setting config values')
        values = split_kv(args.settings, 'config')
        both = sorted(set(values) & set(reset))
        if both:
            raise UsageError(f'cannot set and reset key "{both[0]}" simultaneously')
        engine.set_config(args.application, values, reset=reset)
        return
    settings = engine.config(args.application)
    if len(args.settings) == 1:
        key = args.settings[0]
        if key not in settings:
            raise EngineError(f'key "{key}" not found in "{args.application}" application config')
        print(settings[key].get('value', ''))
        return
    if args.settings:
        raise UsageError('can only retrieve a single value, or all values')
    app = engine.status_view().model.applications[args.application]
    emit({'application': args.application, 'charm': app.charm_name, 'settings': settings},
          args.format)  # fmt: skip


def _refresh(engine: Engine, args: argparse.Namespace) -> None:
    engine.refresh(args.application, path=args.path)


def _trust(engine: Engine, args: argparse.Namespace) -> None:
    if args.scope is not None:
        raise UsageError('--scope is only for Kubernetes models; olm models are machine models')
    engine.set_trust(args.application, not args.remove)


def _set_constraints(engine: Engine, args: argparse.Namespace) -> None:
    engine.set_constraints(args.application, ' '.join(args.constraints))


def _constraints(engine: Engine, args: argparse.Namespace) -> None:
    _print_constraints(juju_constraints.parse(engine.constraints(args.application)), args.format)


def _run_action(engine: Engine, args: argparse.Namespace) -> int:
    params: dict[str, object] = {}
    if args.params_file:
        params.update(yaml_mapping(args.params_file, '--params'))
    for key, text in split_kv(args.params, 'action parameters').items():
        params[key] = yaml.safe_load(text) if text else ''
    action = engine.run_action(args.unit, args.action, params)
    failed = action.status != 'completed'
    if args.format == 'plain':
        for line in action.log:
            print(line, file=sys.stderr)
        if action.results:
            emit(action.results, 'yaml')
    else:
        # juju run --format json|yaml: the whole task, keyed by unit (what jubilant parses).
        task: dict[str, object] = {
            'id': action.id,
            'results': {**action.results, 'return-code': 1 if failed else 0},
            'status': action.status,
            'timing': {
                'enqueued': iso(action.enqueued),
                'started': iso(action.enqueued),
                'completed': iso(action.completed),
            },
            'unit': action.unit,
        }
        if action.log:
            task['log'] = list(action.log)
        if action.message:
            task['message'] = action.message
        emit({action.unit: task}, args.format)
    if failed:
        print(f'Action id {action.id} failed: {action.message}', file=sys.stderr)
        task_failed(action.id, 1)
        return 1
    return 0


def _resolve(engine: Engine, args: argparse.Namespace) -> None:
    engine.resolve(args.units, no_retry=args.no_retry)


def _update_status(engine: Engine, args: argparse.Namespace) -> None:
    engine.update_status(args.targets)


def _status(engine: Engine, args: argparse.Namespace) -> None:
    data = engine.status_view()
    m = data.model
    view = status.ModelView(
        name=m.name,
        controller='olm',
        cloud='metal-pool',
        version=__version__,
        machines=list(m.machines.values()),
        applications=list(m.applications.values()),
        remote_applications=list(m.remote_applications.values()),
        units=list(m.units.values()),
        relations=list(m.relations.values()),
        charm_revisions=data.charm_revisions,
        simulated=True,
    )
    if args.format == 'tabular':
        sys.stdout.write(status.render_tabular(view, relations=args.relations))
        return
    emit(status.to_dict(view), args.format)


def _debug_log(engine: Engine, args: argparse.Namespace) -> None:
    wanted = set(args.include)
    if args.lines is not None and args.lines < 0:
        raise UsageError(f'--limit must be 0 or more, got {args.lines}')
    for entry in engine.debug_log(limit=args.lines or None):
        if wanted and entry.unit not in wanted and entry.unit.split('/')[0] not in wanted:
            continue
        when = datetime.datetime.fromtimestamp(entry.time, datetime.UTC).strftime('%H:%M:%S')
        line = f'{when} {entry.unit} {entry.event}: {entry.outcome}'
        if entry.outcome != 'ok' and entry.detail and not args.details:
            line += f' ({entry.detail.splitlines()[0]})'
        print(line)
        if args.details and entry.detail:
            for detail in entry.detail.splitlines():
                print(f'    {detail}')


def _wait(engine: Engine, args: argparse.Namespace) -> None:
    if not args.quiet:
        engine.progress = _progress_printer()
    result = engine.wait(timeout=args.timeout)
    _report_settle(result)


def _progress_printer(every: int = 1) -> Callable[[str], None]:
    """Print hook lines to standard error: every one, or one in ``every`` and each failure."""
    count = [0]

    def show(line: str) -> None:
        count[0] += 1
        if every == 1 or count[0] % every == 0 or line.endswith('(failed)'):
            print(f'[{count[0]} hooks] {line}', file=sys.stderr, flush=True)

    return show


# -- rendering ---------------------------------------------------------------------------


def _machine_record(m: model.Machine) -> dict[str, object]:
    """One machine in ``juju machines --format yaml`` shape."""
    name, _, channel = m.base.partition('@')
    return {
        'juju-status': {'current': m.status},
        'hostname': m.hostname,
        'dns-name': m.address,
        'ip-addresses': [m.address] if m.address else [],
        'instance-id': m.instance_id,
        'machine-status': {'current': 'running', 'message': m.message},
        'base': {'name': name, 'channel': channel},
        'hardware': m.hardware,
        'constraints': m.constraints,
    }


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

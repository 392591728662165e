"""``olm``: Juju-shaped commands over the embedded model and its metal pool.

Every failure a user can cause prints one ``ERROR ...`` line (a no-fit adds its explanation
below it) and exits non-zero, with no traceback unless ``--debug`` is given. The machines behind
the embedded pool are simulated, and every listing says so.
"""

# pyright: strict

from __future__ import annotations

import argparse
import logging
import os
import shlex
import sys
from collections.abc import Sequence

from .. import __version__, cloud
from ..engine import Engine, EngineError, SettleInterrupted
from ..juju import constraints as juju_constraints
from ..juju import storage as juju_storage
from ..state.store import DEFAULT_STATE_DIR, LockWait, Store, StoreError, parse_model_ref
from ._actions import add_action_commands
from ._applications import add_application_commands
from ._common import Parser, UsageError, non_empty_path, seconds_arg
from ._dashboard import add_dashboard_command, serves_a_controller
from ._deploy import add_deploy_commands
from ._faults import add_fault_commands
from ._hooks import add_hook_commands
from ._inspect import add_inspection_commands
from ._machines import add_machine_commands
from ._modelconfig import add_model_config_command
from ._models import add_model_commands
from ._offers import add_offer_commands
from ._pool import add_pool_commands
from ._readonly import creates_state
from ._relations import add_relation_commands
from ._secrets import add_secret_commands
from ._settle import add_wait_command
from ._spaces import add_space_commands
from ._sshkeys import add_ssh_key_commands
from ._status import add_status_commands
from ._storage import add_storage_commands
from ._units import add_unit_commands, runs_on_a_controller
from ._version import add_version_command

__all__ = ['main']


def _user_errors() -> tuple[type[Exception], ...]:
    """What a user can cause; read only when a command fails, so that nothing loads early.

    The hook runner (ops, Scenario) and the bundle parser (pydantic) load only for the commands
    that use them: importing them here at start-up cost every olm command 0.3 s.
    """
    from .._ops_versions import OpsVersionError
    from ..agent.charm_loader import CharmLoadError
    from ..agent.dispatch import SandboxUnavailableError, StagingError
    from ..dashboard import DashboardError
    from ..juju import bundle as juju_bundle
    from ..juju import charmspec, modelconfig

    return (
        cloud.CloudError,
        EngineError,
        StoreError,
        juju_constraints.ConstraintsError,
        charmspec.CharmSpecError,
        juju_bundle.BundleError,
        juju_storage.StorageError,
        modelconfig.ModelConfigError,
        CharmLoadError,
        OpsVersionError,
        SandboxUnavailableError,
        StagingError,
        DashboardError,
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
    if hasattr(args, 'controller') and not (
        runs_on_a_controller(args.run) or serves_a_controller(args.run)
    ):
        print('ERROR --controller: only add-unit and dashboard run on a real controller',
              file=sys.stderr)  # fmt: skip
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
    store = Store(state_dir, model=model_name, create=creates_state(args))
    engine: Engine | None = None
    try:
        store.lock_wait = _lock_wait(args, args_list)
        engine = Engine(store, seed=getattr(args, 'settle_seed', None))
        return int(args.run(engine, args) or 0)
    except UsageError as e:
        print(f'ERROR {e}', file=sys.stderr)
        return 2
    except _user_errors() as e:  # evaluated only when a command fails
        if debug:
            raise
        print(f'ERROR {e}', file=sys.stderr)
        return 1
    except SettleInterrupted as e:
        if engine is not None:
            _report_interrupted(engine, e.hooks)
        return 130
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


def _report_interrupted(engine: Engine, hooks: int) -> None:
    """Ctrl-C during a settle: what is left to settle, and how to carry on (stderr).

    Juju's agents carry on by themselves after an interruption; olm's units settle only while a
    command runs, so the user is told to run ``olm wait``. A second Ctrl-C while this reads
    the model ends it without the report.
    """
    ran = f'{hooks} hook' + ('' if hooks == 1 else 's')
    try:
        left = engine.unsettled()
    except KeyboardInterrupt:
        return
    except Exception as e:  # the report is a courtesy: the interrupt is what is being reported
        print(f'Interrupted after {ran} (cannot read what is left: {e})',
              file=sys.stderr)  # fmt: skip
        return
    if not left:
        print(f'Interrupted after {ran}; no unit has a hook left to run.',
              file=sys.stderr)  # fmt: skip
        return
    shown = ', '.join(left[:5]) + (f' and {len(left) - 5} more' if len(left) > 5 else '')
    units = 'unit has' if len(left) == 1 else 'units have'
    print(
        f'Interrupted after {ran} (each committed; a hook cut short rolled back and '
        f'runs again): {len(left)} {units} hooks left to run ({shown}). Run "olm wait" to '
        'settle them.',
        file=sys.stderr,
    )


LOCK_TIMEOUT = 600.0
"""Seconds a command waits for another's writer lock by default: ``wait``'s own default."""


def _lock_wait(args: argparse.Namespace, argv: Sequence[str]) -> LockWait:
    """How this command waits for the writer lock: ``--lock-timeout``, ``$OLM_LOCK_TIMEOUT``.

    Raises:
        UsageError: ``$OLM_LOCK_TIMEOUT`` is not a number of seconds, 0 or more.
    """
    timeout = getattr(args, 'lock_timeout', None)
    if timeout is None:
        text = os.environ.get('OLM_LOCK_TIMEOUT')
        try:
            timeout = LOCK_TIMEOUT if text is None else seconds_arg('OLM_LOCK_TIMEOUT')(text)
        except argparse.ArgumentTypeError as e:
            raise UsageError(str(e)) from None

    def notice(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    return LockWait(timeout=timeout, notice=notice, command=shlex.join(['olm', *argv]))


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
        type=non_empty_path('--state-dir'),
        default=argparse.SUPPRESS,
        help=f'the pool and every model (default: $OLM_HOME or {DEFAULT_STATE_DIR})',
    )
    common.add_argument(
        '--lock-timeout', type=seconds_arg('--lock-timeout'), default=argparse.SUPPRESS,
        metavar='SECONDS',
        help='how long to wait for another olm command that is changing the state directory '
        f'(default: $OLM_LOCK_TIMEOUT or {LOCK_TIMEOUT:g})',
    )  # fmt: skip
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
        help='a real Juju controller, for add-unit and dashboard (see their --help)',
    )
    commands = parser.add_subparsers(
        title='commands', metavar='COMMAND', parser_class=Parser, dest='olm_command'
    )
    # One registration per command family, in the order ``olm --help`` lists them.
    add_pool_commands(commands, common)
    add_fault_commands(commands, common)
    add_storage_commands(commands, common)
    add_machine_commands(commands, common)
    add_deploy_commands(commands, common)
    add_unit_commands(commands, common)
    add_relation_commands(commands, common)
    add_offer_commands(commands, common)
    add_application_commands(commands, common)
    add_action_commands(commands, common)
    add_hook_commands(commands, common)
    add_status_commands(commands, common)
    add_wait_command(commands, common)
    add_model_commands(commands, common)
    add_model_config_command(commands, common)
    add_secret_commands(commands, common)
    add_inspection_commands(commands, common)
    add_dashboard_command(commands, common)
    add_space_commands(commands, common)
    add_ssh_key_commands(commands, common)
    add_version_command(commands, common)
    return parser

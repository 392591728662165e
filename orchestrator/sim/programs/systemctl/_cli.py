"""The ``systemctl`` command line: its verbs and flags, one run, and who is told after it."""

# pyright: strict

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed

from ...host import SIMULATED
from ._manager import EXIT_FAILURE, NOT_RUNNING, STATUS_UNKNOWN, Output, Systemd
from ._units import parse_unit, unit_name

if TYPE_CHECKING:
    from ...host import Invocation

__all__ = ['VERSION', 'RunWatcher', 'after_each_run', 'handle']


VERSION = 'systemd 255 (255.4-1ubuntu8.6)'
"""The systemd the simulated machines report (Ubuntu 24.04's), before the simulated label."""


_UNIT_VERBS = frozenset(
    {
        'start',
        'stop',
        'restart',
        'try-restart',
        'reload',
        'reload-or-restart',
        'enable',
        'disable',
        'is-active',
        'is-enabled',
        'is-failed',
        'status',
        'cat',
        'reset-failed',
    }
)
_REAL_VERBS = frozenset(
    {
        'list-units',
        'list-automounts',
        'list-paths',
        'list-sockets',
        'list-timers',
        'is-active',
        'is-failed',
        'status',
        'show',
        'cat',
        'help',
        'list-dependencies',
        'start',
        'stop',
        'reload',
        'restart',
        'try-restart',
        'reload-or-restart',
        'try-reload-or-restart',
        'isolate',
        'kill',
        'clean',
        'freeze',
        'thaw',
        'set-property',
        'bind',
        'mount-image',
        'service-log-level',
        'service-log-target',
        'reset-failed',
        'list-unit-files',
        'enable',
        'disable',
        'reenable',
        'preset',
        'preset-all',
        'is-enabled',
        'mask',
        'unmask',
        'link',
        'revert',
        'add-wants',
        'add-requires',
        'edit',
        'get-default',
        'set-default',
        'list-machines',
        'list-jobs',
        'cancel',
        'show-environment',
        'set-environment',
        'unset-environment',
        'import-environment',
        'daemon-reload',
        'daemon-reexec',
        'log-level',
        'log-target',
        'service-watchdogs',
        'is-system-running',
        'default',
        'rescue',
        'emergency',
        'halt',
        'poweroff',
        'reboot',
        'soft-reboot',
        'kexec',
        'exit',
        'switch-root',
        'suspend',
        'hibernate',
        'hybrid-sleep',
        'suspend-then-hibernate',
        'whoami',
        'condrestart',
        'condstop',
        'condreload',
        'force-reload',
        'reload-or-try-restart',
    }
)
"""Every verb systemctl 255 knows (its --help, as systemd 252's prints it on Debian 12, with
255's list-paths, soft-reboot and whoami, and the legacy aliases of
src/systemctl/systemctl-start-unit.c)."""
_FLAGS = frozenset(
    {
        '--no-block',
        '--no-pager',
        '--no-ask-password',
        '--system',
        '--full',
        '-l',
        '--plain',
        '--no-legend',
        '--no-reload',
    }
)


RunWatcher = Callable[['Invocation'], None]
"""Told after each ``systemctl`` run on any machine, with that run's invocation."""

_watchers: list[RunWatcher] = []


def after_each_run(watcher: RunWatcher) -> None:
    """Have ``watcher`` told after every ``systemctl`` run, whatever it did or printed.

    For a program whose state follows units' states and that a real machine would keep current
    from the unit's own ``ExecStart=`` daemon, which the emulation does not run: keepalived
    re-elects its VIP holders when keepalived.service or haproxy.service goes up or down.
    Registering the same watcher twice registers it once.
    """
    if watcher not in _watchers:
        _watchers.append(watcher)


def handle(invocation: Invocation) -> Completed:
    """Run ``systemctl`` on the invocation's machine, then tell the watchers."""
    result = _run(invocation)
    for watcher in _watchers:
        watcher(invocation)
    return result


def _run(invocation: Invocation) -> Completed:
    quiet = now = False
    positional: list[str] = []
    for arg in invocation.args:
        if arg in ('--quiet', '-q'):
            quiet = True
        elif arg == '--now':
            now = True
        elif arg == '--version':
            return invocation.result(f'{VERSION} ({SIMULATED})\n')
        elif arg in _FLAGS or arg.startswith(('--lines=', '--type=', '--state=')):
            continue
        elif arg.startswith('--'):
            # glibc getopt_long's text (the whole argument, '=value' too); systemctl's
            # parse_argv then fails with -EINVAL (exit 1).
            return invocation.result('', f"systemctl: unrecognized option '{arg}'\n", 1)
        elif arg.startswith('-') and arg != '-':
            unknown = [c for c in arg[1:] if c not in 'ql']  # -q quiet, -l full
            if unknown:
                message = f"systemctl: invalid option -- '{unknown[0]}'\n"  # glibc getopt
                return invocation.result('', message, 1)
            quiet = quiet or 'q' in arg
        else:
            positional.append(arg)
    output = Output()
    systemd = Systemd(invocation.host, output)
    verb, names = (positional[0], positional[1:]) if positional else ('list-units', [])
    units = [unit_name(name) for name in names]
    if verb == 'version':
        return invocation.result(f'{VERSION} ({SIMULATED})\n')
    if verb == 'daemon-reload':
        systemd.daemon_reload()
    elif verb == 'list-units':
        _list_units(systemd, output)
    elif verb in _REAL_VERBS - _UNIT_VERBS:
        # systemctl has it, the emulation does not: say so rather than call it unknown.
        output.fail(EXIT_FAILURE, f'systemctl {verb}: unsupported on a {SIMULATED}')
    elif verb not in _UNIT_VERBS:
        output.fail(EXIT_FAILURE, f"Unknown command verb '{verb}'.")
    elif not units:
        output.fail(EXIT_FAILURE, 'Too few arguments.')
    elif verb in ('is-active', 'is-failed'):
        _check_states(systemd, output, units, verb)
    elif verb == 'is-enabled':
        _is_enabled(systemd, output, units)
    else:
        for unit in units:
            _job(systemd, output, verb, unit, now)
    if quiet:
        output.stdout.clear()
    return output.completed(invocation)


def _job(systemd: Systemd, output: Output, verb: str, unit: str, now: bool) -> None:
    if verb == 'start':
        systemd.start(unit)
    elif verb == 'stop':
        systemd.stop(unit)
    elif verb == 'restart':
        systemd.restart(unit)
    elif verb == 'try-restart':
        if systemd.active_state(unit) == 'active':
            systemd.restart(unit, verb='try-restart')
    elif verb == 'reload':
        systemd.reload(unit)
    elif verb == 'reload-or-restart':
        record_state = systemd.active_state(unit)
        unit_file = systemd.unit_file(unit)
        reloadable = unit_file is not None and parse_unit(unit, *unit_file).exec_reload
        if record_state == 'active' and reloadable:
            systemd.reload(unit)
        else:
            systemd.restart(unit, verb='reload-or-restart')
    elif verb == 'enable':
        systemd.enable(unit, now=now)
    elif verb == 'disable':
        systemd.disable(unit, now=now)
    elif verb == 'reset-failed':
        systemd.reset_failed(unit)
    elif verb == 'cat':
        found = systemd.unit_file(unit)
        if found is None:
            output.fail(EXIT_FAILURE, f'No files found for {unit}.')
        else:
            output.stdout.append(f'# {found[0]}')
            output.stdout.extend(found[1].rstrip('\n').splitlines())
    elif verb == 'status':
        code = systemd.status(unit)
        if code and output.returncode in (0, NOT_RUNNING):
            output.returncode = code


def _check_states(systemd: Systemd, output: Output, units: Sequence[str], verb: str) -> None:
    # systemctl-is-active.c: success if any unit is in a good state; 4 if none was found.
    good = 'active' if verb == 'is-active' else 'failed'
    ok = False
    not_found = True
    for unit in units:
        state = systemd.active_state(unit)
        output.stdout.append(state)
        ok = ok or state == good
        not_found = not_found and not systemd.known(unit)
    if not ok:
        output.returncode = (
            STATUS_UNKNOWN if not_found else (NOT_RUNNING if verb == 'is-active' else EXIT_FAILURE)
        )


def _is_enabled(systemd: Systemd, output: Output, units: Sequence[str]) -> None:
    enabled = False
    for unit in units:
        state = systemd.enabled_state(unit)
        if state is None:
            output.fail(
                EXIT_FAILURE,
                f'Failed to get unit file state for {unit}: No such file or directory',
            )
            continue
        output.stdout.append(state)
        enabled = enabled or state in ('enabled', 'static')
    if not enabled and output.returncode == 0:
        output.returncode = EXIT_FAILURE


def _list_units(systemd: Systemd, output: Output) -> None:
    state = systemd.host.namespace('systemd')
    units = cast('dict[str, dict[str, Any]]', state.get('units', {}))
    rows = [
        (
            name,
            'loaded',
            str(record['state']),
            parse_unit(name, str(record['path']), str(record['text'])).description,
        )
        for name, record in sorted(units.items())
        if record.get('text') is not None
    ]
    width = max([len(r[0]) for r in rows] + [4]) + 1
    output.stdout.append(f'  {"UNIT":<{width}} LOAD   ACTIVE   DESCRIPTION')
    output.stdout.extend(f'  {n:<{width}} {lo:<6} {a:<8} {d}' for n, lo, a, d in rows)
    output.stdout.append('')
    output.stdout.append(f'{len(rows)} loaded units listed.')

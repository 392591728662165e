"""``systemctl``: systemd's unit manager, emulated over a SimHost's files.

Units are what they are on a real machine: unit files under ``/etc/systemd/system``,
``/run/systemd/system`` and ``/usr/lib/systemd/system`` in the machine's (in-memory)
filesystem. Packages and snaps install theirs there; a charm may write its own. A unit name
without a type suffix means ``.service``, and a snap's services are ``snap.<snap>.<app>.service``.

What is emulated, with systemd 255's texts and exit statuses (``src/systemctl``,
``src/shared/bus-wait-for-jobs.c``, ``src/shared/install.c``):

- start/stop/restart/try-restart/reload/reload-or-restart, enable/disable (``--now``),
  is-active/is-enabled/is-failed (``--quiet``), status, cat, daemon-reload, reset-failed and
  ``--version``;
- a unit not found: ``Failed to start x.service: Unit x.service not found.``, exit 5; ``stop``
  says ``not loaded``; ``is-active`` prints ``inactive`` and exits 4, ``status`` exits 4;
- ``ExecStartPre=`` and ``ExecReload=`` commands run when their program is emulated (the
  haproxy emulation validates ``haproxy.cfg`` that way) and fail the job as systemd does;
  commands of programs the World does not emulate are assumed to succeed;
- ``ConditionPathExists=``/``ConditionFileNotEmpty=``: an unmet condition skips the start
  without failing it (keepalived without a configuration stays inactive);
- units load on demand; a loaded unit whose file changed warns until ``daemon-reload``.

``ExecStart=`` is not run, so a program whose state a real unit's daemon would keep current
asks to be told after each run (:func:`after_each_run`): keepalived re-elects its VIP holders.

Not emulated: dependencies and ordering, timers, sockets, masking, templates, drop-ins.
"""

# pyright: strict

from __future__ import annotations

import posixpath
import re
import shlex
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed

from ..host import SIMULATED

if TYPE_CHECKING:
    from ..host import Invocation, SimHost

__all__ = [
    'UNIT_DIRS',
    'VERSION',
    'Output',
    'RunWatcher',
    'Systemd',
    'Unit',
    'after_each_run',
    'handle',
    'parse_unit',
    'unit_name',
]

VERSION = 'systemd 255 (255.4-1ubuntu8.6)'
"""The systemd the simulated machines report (Ubuntu 24.04's), before the simulated label."""

UNIT_DIRS = (
    '/etc/systemd/system',
    '/run/systemd/system',
    '/usr/local/lib/systemd/system',
    '/usr/lib/systemd/system',
    '/lib/systemd/system',
)
"""Where unit files are looked up, first match wins (systemd's system unit search path)."""

_UNIT_TYPES = frozenset(
    {
        'service',
        'socket',
        'target',
        'timer',
        'mount',
        'automount',
        'swap',
        'path',
        'slice',
        'scope',
        'device',
    }
)

# Exit statuses of systemctl (src/basic/exit-status.h and the LSB codes of is-active/status).
_EXIT_FAILURE = 1
_NOT_RUNNING = 3
_NOT_IMPLEMENTED = 3
_STATUS_UNKNOWN = 4
_NOT_INSTALLED = 5

_JOB_FAILED = (
    'Job for {unit} failed because the control process exited with error code.\n'
    'See "systemctl status {unit}" and "journalctl -xeu {unit}" for details.'
)
_CHANGED_ON_DISK = (
    'Warning: The unit file, source configuration file or drop-ins of {unit} changed on '
    "disk. Run 'systemctl daemon-reload' to reload units."
)
_NO_INSTALL_SECTION = (
    'The unit files have no installation config (WantedBy=, RequiredBy=, UpheldBy=,\n'
    'Also=, or Alias= settings in the [Install] section, and DefaultInstance= for\n'
    'template units). This means they are not meant to be enabled or disabled using '
    'systemctl.'
)

_LIST_KEYS = frozenset(
    {'ExecStartPre', 'ExecReload', 'Environment', 'EnvironmentFile', 'WantedBy', 'RequiredBy'}
)


def unit_name(name: str) -> str:
    """A unit name as systemctl mangles it: no known type suffix means ``.service``."""
    suffix = name.rsplit('.', 1)[-1] if '.' in name else ''
    return name if suffix in _UNIT_TYPES else f'{name}.service'


@dataclass(frozen=True)
class Unit:
    """The parts of a unit file the emulation acts on.

    Attributes:
        name: the unit name (``haproxy.service``).
        path: the unit file it was loaded from.
        text: that file's content as loaded.
        description: ``Description=``.
        type: ``Type=`` (``simple`` when unset).
        remain_after_exit: ``RemainAfterExit=``.
        exec_start_pre: ``ExecStartPre=`` command lines.
        exec_reload: ``ExecReload=`` command lines.
        conditions: ``Condition…=`` settings as (key, value).
        wanted_by: ``WantedBy=``/``RequiredBy=`` targets (empty: a static unit).
        environment: ``Environment=`` assignments.
        environment_files: ``EnvironmentFile=`` paths (``-`` prefix kept).
    """

    name: str
    path: str
    text: str
    description: str = ''
    type: str = 'simple'
    remain_after_exit: bool = False
    exec_start_pre: tuple[str, ...] = ()
    exec_reload: tuple[str, ...] = ()
    conditions: tuple[tuple[str, str], ...] = ()
    wanted_by: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict[str, str])
    environment_files: tuple[str, ...] = ()


def parse_unit(name: str, path: str, text: str) -> Unit:
    """Read the settings the emulation needs from a unit file.

    systemd's syntax: sections, ``Key=value``, ``#``/``;`` comments, backslash continuations,
    an empty value resetting a list.
    """
    values: dict[str, list[str]] = {}
    section = ''
    for raw in _logical_lines(text):
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('[') and line.endswith(']'):
            section = line[1:-1]
            continue
        key, sep, value = line.partition('=')
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key.startswith('Condition') and section == 'Unit':
            values.setdefault('Condition', []).append(f'{key}={value}')
        elif key in _LIST_KEYS:
            if value:
                values.setdefault(key, []).append(value)
            else:
                values[key] = []
        else:
            values[key] = [value]
    environment: dict[str, str] = {}
    for assignment in values.get('Environment', []):
        for word in shlex.split(assignment):
            k, _, v = word.partition('=')
            environment[k] = v
    targets = [t for entry in values.get('WantedBy', []) for t in entry.split()]
    targets += [t for entry in values.get('RequiredBy', []) for t in entry.split()]
    return Unit(
        name=name,
        path=path,
        text=text,
        description=(values.get('Description') or [''])[-1],
        type=(values.get('Type') or ['simple'])[-1],
        remain_after_exit=(values.get('RemainAfterExit') or ['no'])[-1].lower()
        in ('yes', 'true', '1', 'on'),
        exec_start_pre=tuple(values.get('ExecStartPre', [])),
        exec_reload=tuple(values.get('ExecReload', [])),
        conditions=tuple(
            cast('tuple[str, str]', tuple(c.split('=', 1))) for c in values.get('Condition', [])
        ),
        wanted_by=tuple(targets),
        environment=environment,
        environment_files=tuple(values.get('EnvironmentFile', [])),
    )


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ''
    for line in text.splitlines():
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        lines.append(pending + line)
        pending = ''
    if pending:
        lines.append(pending)
    return lines


@dataclass
class Output:
    """What a systemctl run printed, line by line, and its exit status so far."""

    stdout: list[str] = field(default_factory=list[str])
    stderr: list[str] = field(default_factory=list[str])
    returncode: int = 0
    warned: set[str] = field(default_factory=set[str])

    def fail(self, code: int, message: str | None = None) -> int:
        """Record an error message; the first failure's code is the exit status."""
        if message is not None:
            self.stderr.append(message)
        if self.returncode == 0:
            self.returncode = code
        return code

    def completed(self, invocation: Invocation) -> Completed:
        """The run as a Completed."""
        return invocation.result(_text(self.stdout), _text(self.stderr), self.returncode)


def _text(lines: Sequence[str]) -> str:
    return ''.join(f'{line}\n' for line in lines)


class Systemd:
    """The systemd of one simulated machine.

    systemctl drives it, and so do programs that manage units (dpkg starting a package's
    service, snapd starting a snap's).

    Runtime state (which units are loaded, active, failed, enabled) lives in the machine's
    ``state['systemd']``, so it persists with the machine.

    Args:
        host: the machine.
        output: where messages go; a fresh :class:`Output` when None.
    """

    def __init__(self, host: SimHost, output: Output | None = None) -> None:
        self.host = host
        self.output = output if output is not None else Output()
        state = host.namespace('systemd')
        self._units = cast('dict[str, dict[str, Any]]', state.setdefault('units', {}))
        self._enabled = cast('dict[str, list[str]]', state.setdefault('enabled', {}))

    # -- unit files and loading -------------------------------------------------------------------

    def unit_file(self, name: str) -> tuple[str, str] | None:
        """The (path, content) of the unit file ``name`` resolves to, or None."""
        for directory in UNIT_DIRS:
            entry = self.host.files.get(f'{directory}/{name}')
            if entry is not None:
                return f'{directory}/{name}', entry.content
        return None

    def load(self, name: str, *, warn: bool = True) -> dict[str, Any] | None:
        """The unit's record as systemd would have it loaded, or None when there is no unit.

        A running, failed or enabled unit stays loaded with the configuration it was loaded
        with until daemon-reload (with systemd's warning, when ``warn``, if its file changed
        since). Any other unit is not kept loaded (systemd garbage-collects it), so it is
        loaded afresh from its file; such a record is only stored once a job changes it.
        """
        record = self._units.get(name)
        disk = self.unit_file(name)
        if record is not None and (record['state'] != 'inactive' or name in self._enabled):
            changed = record['text'] is not None and disk != (record['path'], record['text'])
            if warn and changed and name not in self.output.warned:
                self.output.warned.add(name)
                self.output.stderr.append(_CHANGED_ON_DISK.format(unit=name))
            return record
        if disk is None:
            return None
        since = record['since'] if record is not None else None
        return {'state': 'inactive', 'since': since, 'path': disk[0], 'text': disk[1]}

    def _store(self, name: str, record: dict[str, Any]) -> None:
        if record['state'] == 'inactive' and (name not in self._enabled or record['text'] is None):
            self._units.pop(name, None)
        else:
            self._units[name] = record

    def _unit(self, name: str, record: Mapping[str, Any]) -> Unit:
        return parse_unit(name, str(record['path']), str(record['text']))

    def daemon_reload(self) -> None:
        """Reload every unit from disk (``systemctl daemon-reload``)."""
        for name in list(self._units):
            record = self._units[name]
            disk = self.unit_file(name)
            if disk is not None:
                record.update(path=disk[0], text=disk[1])
            elif record['state'] == 'active':
                record.update(text=None)  # still running, but its file is gone
            else:
                del self._units[name]

    def forget(self, name: str) -> None:
        """Drop a unit whose file was removed by its package (after stopping it)."""
        self._units.pop(name, None)
        self._enabled.pop(name, None)

    # -- state queries ----------------------------------------------------------------------------

    def active_state(self, name: str) -> str:
        """``active``, ``inactive`` or ``failed`` (what ``is-active`` prints)."""
        record = self._units.get(name)
        if record is None:
            return 'inactive'
        return str(record['state'])

    def enabled_state(self, name: str) -> str | None:
        """``enabled``, ``disabled`` or ``static``; None when there is no unit file."""
        disk = self.unit_file(name)
        if disk is None:
            return 'enabled' if name in self._enabled else None
        if name in self._enabled:
            return 'enabled'
        return 'disabled' if parse_unit(name, *disk).wanted_by else 'static'

    def known(self, name: str) -> bool:
        """Whether systemd can find the unit (a file, or a loaded unit)."""
        return self.unit_file(name) is not None or name in self._units

    # -- jobs -------------------------------------------------------------------------------------

    def start(self, name: str, *, verb: str = 'start') -> int:
        """Start a unit (``systemctl start``); returns the exit status for it."""
        record = self.load(name)
        if record is None or record['text'] is None:
            return self.output.fail(
                _NOT_INSTALLED, f'Failed to {verb} {name}: Unit {name} not found.'
            )
        if record['state'] == 'active':
            return 0
        return self._activate(name, record)

    def restart(self, name: str, *, verb: str = 'restart') -> int:
        """Restart a unit, starting it if it is not running."""
        record = self.load(name)
        if record is None or record['text'] is None:
            return self.output.fail(
                _NOT_INSTALLED, f'Failed to {verb} {name}: Unit {name} not found.'
            )
        return self._activate(name, record)

    def _activate(self, name: str, record: dict[str, Any]) -> int:
        unit = self._unit(name, record)
        now = self.host.world.clock()
        if not self._conditions_met(unit):
            record.update(state='inactive', since=now)  # a skipped start is not a failure
            self._store(name, record)
            return 0
        if not self._exec(unit, unit.exec_start_pre):
            record.update(state='failed', since=now, result='exit-code')
            self._store(name, record)
            return self.output.fail(_EXIT_FAILURE, _JOB_FAILED.format(unit=name))
        oneshot_done = unit.type == 'oneshot' and not unit.remain_after_exit
        record.update(state='inactive' if oneshot_done else 'active', since=now, result='success')
        self._store(name, record)
        return 0

    def stop(self, name: str) -> int:
        """Stop a unit (``systemctl stop``)."""
        record = self.load(name)
        if record is None:
            return self.output.fail(
                _NOT_INSTALLED, f'Failed to stop {name}: Unit {name} not loaded.'
            )
        if record['state'] != 'inactive':
            record.update(state='inactive', since=self.host.world.clock())
            self._store(name, record)
        return 0

    def reload(self, name: str) -> int:
        """Reload a running unit by its ``ExecReload=`` commands."""
        record = self.load(name)
        if record is None or record['text'] is None:
            return self.output.fail(
                _NOT_INSTALLED, f'Failed to reload {name}: Unit {name} not found.'
            )
        unit = self._unit(name, record)
        if not unit.exec_reload:
            return self.output.fail(
                _NOT_IMPLEMENTED,
                f'Failed to reload {name}: Job type reload is not applicable for unit {name}.',
            )
        if record['state'] != 'active':
            return self.output.fail(_EXIT_FAILURE, f'{name} is not active, cannot reload.')
        if not self._exec(unit, unit.exec_reload):
            # A failed reload leaves the service running on its old configuration.
            return self.output.fail(_EXIT_FAILURE, _JOB_FAILED.format(unit=name))
        return 0

    def reset_failed(self, name: str) -> int:
        """Forget that a unit failed."""
        record = self._units.get(name)
        if record is not None and record['state'] == 'failed':
            record.update(state='inactive')
            self._store(name, record)
        return 0

    # -- unit file state --------------------------------------------------------------------------

    def enable(self, name: str, *, now: bool = False) -> int:
        """Enable a unit for boot (``systemctl enable [--now]``)."""
        disk = self.unit_file(name)
        if disk is None:
            return self.output.fail(
                _EXIT_FAILURE, f'Failed to enable unit: Unit file {name} does not exist.'
            )
        unit = parse_unit(name, *disk)
        if not unit.wanted_by:
            self.output.stderr.append(_NO_INSTALL_SECTION)
        elif name not in self._enabled:
            links = [f'/etc/systemd/system/{target}.wants/{name}' for target in unit.wanted_by]
            for link in links:
                self.output.stderr.append(f'Created symlink {link} → {disk[0]}.')
            self._enabled[name] = links
        return self.start(name) if now else 0

    def disable(self, name: str, *, now: bool = False) -> int:
        """Disable a unit (``systemctl disable [--now]``)."""
        links = self._enabled.pop(name, None)
        if links is None and self.unit_file(name) is None:
            return self.output.fail(
                _EXIT_FAILURE, f'Failed to disable unit: Unit file {name} does not exist.'
            )
        for link in links or []:
            self.output.stderr.append(f'Removed "{link}".')
        record = self._units.get(name)
        if record is not None:
            self._store(name, record)  # an inactive unit nobody wants is unloaded
        return self.stop(name) if now else 0

    # -- reports ----------------------------------------------------------------------------------

    def status(self, name: str) -> int:
        """``systemctl status``'s first lines: what the unit is, whether it runs, since when."""
        record = self.load(name)
        if record is None:
            self.output.fail(_STATUS_UNKNOWN, f'Unit {name} could not be found.')
            return _STATUS_UNKNOWN
        state = str(record['state'])
        # systemd's own status glyphs (U+00D7, the multiplication sign, marks a failed unit).
        bullet = {'active': '●', 'failed': '×'}.get(state, '○')  # noqa: RUF001
        if record['text'] is None:
            self.output.stdout.append(f'{bullet} {name}')
            self.output.stdout.append(f'     Loaded: not-found (Reason: Unit {name} not found.)')
        else:
            unit = self._unit(name, record)
            title = (
                f'{bullet} {name} - {unit.description}' if unit.description else f'{bullet} {name}'
            )
            self.output.stdout.append(title)
            enabled = self.enabled_state(name) or 'disabled'
            # A static unit has no preset to report (it cannot be enabled).
            preset = '' if enabled == 'static' else '; preset: enabled'
            self.output.stdout.append(f'     Loaded: loaded ({unit.path}; {enabled}{preset})')
        since = record.get('since')
        when = '' if since is None else f' since {self._when(float(since))}'
        if state == 'active':
            unit_type = self._unit(name, record).type if record['text'] is not None else ''
            sub = 'exited' if unit_type == 'oneshot' else 'running'
            self.output.stdout.append(f'     Active: active ({sub}){when}')
            return 0
        if state == 'failed':
            result = record.get('result', 'exit-code')
            self.output.stdout.append(f'     Active: failed (Result: {result}){when}')
        else:
            self.output.stdout.append('     Active: inactive (dead)')
        return _NOT_RUNNING

    def _when(self, since: float) -> str:
        stamp = time.strftime('%a %Y-%m-%d %H:%M:%S UTC', time.gmtime(since))
        return f'{stamp}; {_ago(self.host.world.clock() - since)}'

    # -- commands a unit runs ---------------------------------------------------------------------

    def _conditions_met(self, unit: Unit) -> bool:
        for key, raw in unit.conditions:
            value = raw.lstrip('|')
            negate = value.startswith('!')
            path = value.lstrip('!')
            if key == 'ConditionPathExists':
                met = self.host.exists(path)
            elif key == 'ConditionFileNotEmpty':
                entry = self.host.files.get(path)
                met = entry is not None and entry.content != ''
            else:
                continue  # conditions the emulation cannot judge count as met
            if met == negate:
                return False
        return True

    def _exec(self, unit: Unit, lines: Sequence[str]) -> bool:
        """Run a unit's command lines; False when one that may not fail failed."""
        env = dict(self._environment_files(unit))
        env.update(unit.environment)
        for line in lines:
            ignore_failure = False
            while line and line[0] in '-@:+!':
                ignore_failure = ignore_failure or line[0] == '-'
                line = line[1:]
            argv = _expand(shlex.split(line), env)
            # Only emulated programs can run; the rest (kill, a daemon binary) are assumed
            # to do their job, which is all a simulated machine can say about them.
            if not argv or posixpath.basename(argv[0]) not in self.host.world.programs:
                continue
            result = self.host.call(argv, env=env)
            if result.returncode != 0 and not ignore_failure:
                return False
        return True

    def _environment_files(self, unit: Unit) -> dict[str, str]:
        env: dict[str, str] = {}
        for name in unit.environment_files:
            entry = self.host.files.get(name.lstrip('-'))
            if entry is None:
                continue
            for line in entry.content.splitlines():
                line = line.strip()
                if line and not line.startswith('#') and '=' in line:
                    key, _, value = line.partition('=')
                    env[key.strip()] = value.strip().strip('"').strip("'")
        return env


def _expand(words: Sequence[str], env: Mapping[str, str]) -> list[str]:
    """Expand variables as systemd does: ``$VAR`` alone splits into words, ``${VAR}`` not."""
    out: list[str] = []
    for word in words:
        whole = re.fullmatch(r'\$([A-Za-z_][A-Za-z0-9_]*)', word)
        if whole:
            out.extend(env.get(whole.group(1), '').split())
            continue
        out.append(
            re.sub(
                r'\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)',
                lambda m: env.get(m.group(1) or m.group(2), ''),
                word,
            )
        )
    return out


def _ago(seconds: float) -> str:
    """A duration as systemd's relative timestamps print it."""
    total = max(0, int(seconds))
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f'{days} day{"s" if days > 1 else ""} {hours}h ago'
    if hours:
        return f'{hours}h {minutes}min ago'
    if minutes:
        return f'{minutes}min {secs}s ago'
    return f'{secs}s ago'


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
        output.fail(_EXIT_FAILURE, f'systemctl {verb}: unsupported on a {SIMULATED}')
    elif verb not in _UNIT_VERBS:
        output.fail(_EXIT_FAILURE, f"Unknown command verb '{verb}'.")
    elif not units:
        output.fail(_EXIT_FAILURE, 'Too few arguments.')
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
            output.fail(_EXIT_FAILURE, f'No files found for {unit}.')
        else:
            output.stdout.append(f'# {found[0]}')
            output.stdout.extend(found[1].rstrip('\n').splitlines())
    elif verb == 'status':
        code = systemd.status(unit)
        if code and output.returncode in (0, _NOT_RUNNING):
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
            _STATUS_UNKNOWN
            if not_found
            else (_NOT_RUNNING if verb == 'is-active' else _EXIT_FAILURE)
        )


def _is_enabled(systemd: Systemd, output: Output, units: Sequence[str]) -> None:
    enabled = False
    for unit in units:
        state = systemd.enabled_state(unit)
        if state is None:
            output.fail(
                _EXIT_FAILURE,
                f'Failed to get unit file state for {unit}: No such file or directory',
            )
            continue
        output.stdout.append(state)
        enabled = enabled or state in ('enabled', 'static')
    if not enabled and output.returncode == 0:
        output.returncode = _EXIT_FAILURE


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

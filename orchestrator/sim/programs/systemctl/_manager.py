"""The service manager: unit states and jobs, with systemd 255's texts and exit statuses.

:class:`Systemd` loads units on demand, starts, stops, reloads, enables and disables them and
runs their ``ExecStartPre=``/``ExecReload=`` commands; :class:`Output` collects what one
``systemctl`` run prints. Other programs (apt, snap, maas, k8s) drive units through it as their
maintainer scripts and snapd would.
"""

# pyright: strict

from __future__ import annotations

import posixpath
import re
import shlex
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed

from ._units import UNIT_DIRS, Unit, parse_unit

if TYPE_CHECKING:
    from ...host import Invocation, SimHost

__all__ = ['EXIT_FAILURE', 'NOT_RUNNING', 'STATUS_UNKNOWN', 'Output', 'Systemd']


# Exit statuses of systemctl (src/basic/exit-status.h and the LSB codes of is-active/status).
EXIT_FAILURE = 1
NOT_RUNNING = 3
_NOT_IMPLEMENTED = 3
STATUS_UNKNOWN = 4
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
            return self.output.fail(EXIT_FAILURE, _JOB_FAILED.format(unit=name))
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
            return self.output.fail(EXIT_FAILURE, f'{name} is not active, cannot reload.')
        if not self._exec(unit, unit.exec_reload):
            # A failed reload leaves the service running on its old configuration.
            return self.output.fail(EXIT_FAILURE, _JOB_FAILED.format(unit=name))
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
                EXIT_FAILURE, f'Failed to enable unit: Unit file {name} does not exist.'
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
                EXIT_FAILURE, f'Failed to disable unit: Unit file {name} does not exist.'
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
            self.output.fail(STATUS_UNKNOWN, f'Unit {name} could not be found.')
            return STATUS_UNKNOWN
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
        return NOT_RUNNING

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

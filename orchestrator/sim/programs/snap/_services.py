"""``snap services``, ``start``, ``stop``, ``restart`` and ``run``: the snaps' apps."""

# pyright: strict

from __future__ import annotations

from collections.abc import Sequence

from ...catalog import SnapApp  # the store's entries, which the World holds
from ._errors import EXIT_USAGE, SnapError
from ._format import table
from ._options import Options
from ._run import Run
from ._units import unit_name


class Services(Run):
    """``snap services``, ``start``/``stop``/``restart`` and ``run``: the snaps' apps."""

    def services(self, options: Options) -> int:
        rows = [['Service', 'Startup', 'Current', 'Notes']]
        for name, app in self.apps(options.positional, all_snaps=not options.positional):
            unit = unit_name(name, app.name)
            startup = 'enabled' if self.systemd.enabled_state(unit) == 'enabled' else 'disabled'
            current = 'active' if self.systemd.active_state(unit) == 'active' else 'inactive'
            rows.append([f'{name}.{app.name}', startup, current, '-'])
        if len(rows) == 1:
            self.stderr.append('There are no services provided by installed snaps.')
            return 0
        self.stdout.extend(table(rows))
        return 0

    def apps(self, names: Sequence[str], *, all_snaps: bool = False) -> list[tuple[str, SnapApp]]:
        """Resolve ``snap`` / ``snap.app`` service names, as snapd's API does."""
        found: list[tuple[str, SnapApp]] = []
        for name in sorted(self.snaps) if all_snaps else names:
            snap, _, app_name = name.partition('.')
            if snap not in self.snaps:
                raise SnapError(f'snap "{snap}" not found')
            spec = self.catalog.get(snap)
            services = spec.services if spec else ()
            if app_name:
                app = next((a for a in services if a.name == app_name), None)
                if app is None:
                    raise SnapError(f'snap "{snap}" has no service "{app_name}"')
                found.append((snap, app))
            elif services:
                found.extend((snap, app) for app in sorted(services, key=lambda a: a.name))
            elif not all_snaps:
                raise SnapError(f'snap "{snap}" has no services')
        return found

    def control(self, verb: str, options: Options) -> int:
        if not options.positional:
            raise SnapError(
                'the required argument `<service> (at least 1 argument)` was not provided',
                EXIT_USAGE,
            )
        explicit = {name for name in options.positional if '.' in name}
        for snap, app in self.apps(options.positional):
            unit = unit_name(snap, app.name)
            if verb == 'restart' and not self.restarts(unit, f'{snap}.{app.name}' in explicit):
                continue
            if verb == 'start':
                if options.enable:
                    self.systemd.enable(unit)
                self.systemd.start(unit)
            elif verb == 'stop':
                self.systemd.stop(unit)
                if options.disable:
                    self.systemd.disable(unit)
            elif options.reload and app.reload and self.systemd.active_state(unit) == 'active':
                self.systemd.reload(unit)
            else:
                self.systemd.restart(unit)
        if self.systemd.output.returncode:
            raise SnapError(
                'cannot perform the following tasks:\n'
                + '\n'.join(f'- {line}' for line in self.systemd.output.stderr),
                filled=False,  # a change's error prints as snapd composed it (wait.go)
            )
        self.stdout.append({'start': 'Started.', 'stop': 'Stopped.'}.get(verb, 'Restarted.'))
        return 0

    def run(self, options: Options) -> int:
        if not options.positional:
            raise SnapError('need the application to run as argument')
        target, *args = options.positional
        snap, _, app = target.partition('.')
        if snap not in self.snaps:
            raise SnapError(
                f'cannot find current revision for snap {snap}: readlink /snap/{snap}/current: '
                'no such file or directory'
            )
        command = app or snap
        if options.command or command not in self.invocation.world.programs:
            return 0  # a hook or an app the World does not emulate: nothing to simulate
        result = self.host.call(
            [command, *args],
            input=self.invocation.input,
            timeout=self.invocation.timeout,
            env=self.invocation.env,
        )
        self.stdout.extend(result.stdout.splitlines())
        self.stderr.extend(result.stderr.splitlines())
        return result.returncode

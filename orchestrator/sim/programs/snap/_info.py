"""``snap list``, ``info`` and ``version``: what is installed and what the store offers."""

# pyright: strict

from __future__ import annotations

import datetime
import textwrap
import time

from ...catalog import SnapSpec  # the store's entries, which the World holds
from ...host import SIMULATED
from ._catalogue import SNAPD_VERSION
from ._channels import (
    channel_order,
    fmt_channel,
)
from ._errors import EXIT_USAGE, SnapError
from ._format import human_time, list_notes, table
from ._options import Options
from ._run import Run
from ._units import unit_name


class Info(Run):
    """``snap list``, ``info`` and ``version``."""

    def list(self, options: Options) -> int:
        names = options.positional
        if not self.snaps and not names:
            self.stderr.append("No snaps are installed yet. Try 'snap install hello-world'.")
            return 0
        chosen = sorted(n for n in self.snaps if not names or n in names)
        if not chosen:
            raise SnapError('no matching snaps installed')
        rows = [['Name', 'Version', 'Rev', 'Tracking', 'Publisher', 'Notes']]
        for name in chosen:
            record = self.snaps[name]
            rows.append(
                [
                    name,
                    str(record['version']),
                    str(record['revision']),
                    fmt_channel(str(record['channel'])),
                    self.publisher(self.catalog.get(name), short=True),
                    list_notes(record),
                ]
            )
        self.stdout.extend(table(rows))
        return 0

    def info(self, options: Options) -> int:
        if not options.positional:
            raise SnapError(
                'the required argument `<snap> (at least 1 argument)` was not provided',
                EXIT_USAGE,
            )
        for index, name in enumerate(options.positional):
            spec = self.catalog.get(name)
            if spec is None:
                raise SnapError(f'no snap found for "{name}"')
            if index:
                self.stdout.append('---')
            self.stdout.extend(self._info(spec))
        return 0

    def _info(self, spec: SnapSpec) -> list[str]:
        lines = [
            f'name:      {spec.name}',
            f'summary:   {spec.summary}',
            f'publisher: {self.publisher(spec)}',
            f'store-url: https://snapcraft.io/{spec.name}',
            f'license:   {spec.license}',
            'description: |',
            *(f'  {line}' for line in textwrap.wrap(spec.description or spec.summary, 76)),
        ]
        commands = [a for a in spec.apps if a.daemon is None]
        if commands:
            lines.append('commands:')
            lines.extend(
                f'  - {spec.name if a.name == spec.name else f"{spec.name}.{a.name}"}'
                for a in commands
            )
        record = self.snaps.get(spec.name)
        if spec.services and record is not None:
            lines.append('services:')
            for app in sorted(spec.services, key=lambda a: a.name):
                unit = unit_name(spec.name, app.name)
                startup = (
                    'enabled' if self.systemd.enabled_state(unit) == 'enabled' else 'disabled'
                )
                current = 'active' if self.systemd.active_state(unit) == 'active' else 'inactive'
                lines.append(f'  {spec.name}.{app.name}: {app.daemon}, {startup}, {current}')
        if record is not None:
            lines.append(f'tracking:     {record["channel"]}')
            when = time.strftime('%Y-%m-%d', time.gmtime(float(record['installed'])))
            lines.append(f'refresh-date: {when}')
            lines.extend(self._hold_line(record))
        lines.append('channels:')
        width = max(len(r.channel) for r in spec.releases) + 2
        for release in sorted(spec.releases, key=channel_order):
            notes = 'classic' if spec.confinement == 'classic' else '-'
            lines.append(
                f'  {release.channel + ":":<{width}} {release.version} {release.released} '
                f'({release.revision}) {release.size_mb}MB {notes}'
            )
        if record is not None:
            notes = 'classic' if record['confinement'] == 'classic' else '-'
            size = next((r.size_mb for r in spec.releases if r.revision == record['revision']), 0)
            lines.append(
                f'{"installed:":<{width + 2}} {record["version"]} ({record["revision"]}) '
                f'{size}MB {notes}'
            )
        return lines

    def _hold_line(self, record: dict[str, object]) -> list[str]:
        """The ``hold:`` line of maybePrintHold (cmd/snap/cmd_info.go @ 2.67.1).

        A time to come as timeutil.Human words it, ``forever`` past a hundred years on,
        nothing for a hold that has ended.
        """
        until = record.get('hold-until')
        if not record.get('held') or not isinstance(until, str):
            return []
        now = self.invocation.world.clock()
        end = datetime.datetime.fromisoformat(until.replace('Z', '+00:00')).timestamp()
        if end < now:
            return []
        if end > now + 100 * 365 * 24 * 3600:
            return ['hold:         forever']
        return [f'hold:         {human_time(end, now)}']

    def version(self) -> int:
        self.stdout.extend(
            table(
                [
                    ['snap', f'{SNAPD_VERSION} ({SIMULATED})'],
                    ['snapd', f'{SNAPD_VERSION} ({SIMULATED})'],
                    ['series', '16'],
                    ['ubuntu', '24.04'],
                    ['kernel', '6.8.0-60-generic'],
                ]
            )
        )
        return 0

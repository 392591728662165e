"""``snap install``, ``refresh`` and ``remove``: revisions mounted, units written, holds."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Sequence

from ...catalog import SnapRelease, SnapSpec  # the store's entries, which the World holds
from ._channels import (
    checked_channel,
)
from ._errors import EXIT_USAGE, NEEDS_CLASSIC, SnapError
from ._format import go_duration, hold_forever, quoted, rfc3339
from ._options import NOT_WITH_HOLD, Options
from ._run import Run


class Installs(Run):
    """``snap install``, ``refresh`` (``--hold``/``--unhold``) and ``remove``."""

    def install(self, options: Options) -> int:
        names = options.positional
        if not names:
            raise SnapError(
                'the required argument `<snap> (at least 1 argument)` was not provided',
                EXIT_USAGE,
            )
        if options.channel is not None:  # setChannelFromCommandline comes first
            options.channel = checked_channel(options.channel, self.stderr)
        if len(names) > 1 and options.channel is not None:
            raise SnapError('a single snap name is needed to specify channel flags')
        specs = [self.spec(name) for name in names]  # the store answers for all, or none
        for name, spec in zip(names, specs, strict=True):
            if name in self.snaps:
                if len(names) == 1:
                    self.stderr.append(
                        f'snap "{name}" is already installed, see \'snap help refresh\''
                    )
                else:
                    self.stdout.append(f'{name} already installed')
                continue
            if spec.confinement == 'classic' and not (options.classic or options.devmode):
                raise SnapError(NEEDS_CLASSIC.format(name=name))
            tracking, release = self._wanted(spec, options, options.channel, 'install')
            for dependency in (spec.base, 'snapd'):
                if dependency and dependency not in self.snaps and dependency in self.catalog:
                    dep = self.catalog[dependency]
                    self.put(dep, *self.resolve(dep, None, 'install'), classic=False)
            if options.classic and spec.confinement != 'classic':
                self.stderr.append(
                    f'Warning: flag --classic ignored for strictly confined snap {name}'
                )
                self.stderr.append('')
            self.put(spec, tracking, release, options.classic)
            self.done(spec, release, tracking, 'installed')
        return 0

    def refresh(self, options: Options) -> int:
        names = options.positional
        if options.channel is not None:
            options.channel = checked_channel(options.channel, self.stderr)
        # cmdRefresh.Execute (cmd_snap_op.go @ 2.67.1): --hold and --unhold stand alone.
        others = bool(options.given.keys() & NOT_WITH_HOLD) or (
            options.given.get('transaction') not in (None, 'per-snap')
        )
        if options.hold is not None and (options.unhold or others):
            raise SnapError('cannot use --hold with other flags')
        if options.unhold and others:
            raise SnapError('cannot use --unhold with other flags')
        if options.hold is not None:
            return self.hold(names, options.hold)
        if options.unhold:
            for name in names:
                self.installed(name)['held'] = False
                self.snaps[name].pop('hold-until', None)
            if names:
                self.stdout.append(f'Removed general refresh hold of {quoted(names)}')
            else:
                self.state['hold'] = False
                self.stdout.append('Removed auto-refresh hold on all snaps')
            return 0
        if not names:
            self.stderr.append('All snaps up to date.')
            return 0
        if len(names) > 1:
            if options.channel is not None:
                raise SnapError('a single snap name is needed to specify mode or channel flags')
            missing = [name for name in names if name not in self.snaps]
            if missing:
                raise SnapError(
                    f'cannot refresh {quoted(names)}: snap "{missing[0]}" is not installed'
                )
        for name in names:
            record = self.installed(name)
            spec = self.spec(name)
            wanted = options.channel or record['channel']
            tracking, release = self._wanted(spec, options, wanted, 'refresh')
            same = release.revision == record['revision'] and tracking == record['channel']
            if same and not options.given.get('revision'):
                if len(names) == 1:
                    self.stderr.append(f'snap "{name}" has no updates available')
                continue
            self.put(spec, tracking, release, record['confinement'] == 'classic')
            self.done(spec, release, tracking, 'refreshed')
        if not self.stdout and len(names) > 1:
            self.stderr.append('All snaps up to date.')
        return 0

    def _wanted(
        self, spec: SnapSpec, options: Options, channel: str | None, action: str
    ) -> tuple[str, SnapRelease]:
        """The channel to track and the release to put, ``--revision`` honoured.

        A revision the store does not have there: errorToCmdMessage's
        ``snap "x" revision R not available (see 'snap info x')`` (cmd/snap/error.go,
        ErrorKindSnapRevisionNotAvailable @ 2.67.1).
        """
        revision = options.given.get('revision')
        if not revision:
            return self.resolve(spec, channel, action)
        try:
            tracking, _ = self.resolve(spec, channel, action)
        except SnapError:
            if options.channel:
                raise
            tracking = f'{spec.default_track}/stable'
        release = self.at_revision(spec, tracking, revision, bool(options.channel))
        if release is None:
            raise SnapError(
                f'snap "{spec.name}" revision {revision} not available '
                f"(see 'snap info {spec.name}')"
            )
        return tracking, release

    def hold(self, names: Sequence[str], until: str) -> int:
        """cmdRefresh.holdRefreshes (cmd/snap/cmd_snap_op.go @ 2.67.1).

        A duration (Go's time.ParseDuration, at least a second) is sent as the RFC 3339 time
        it ends, which is what is printed; ``forever`` is held indefinitely.
        """
        if until == 'forever':
            when, hold_until = 'indefinitely', hold_forever(self.invocation.world.clock())
        else:
            seconds = go_duration(until)
            if seconds is None:
                raise SnapError(
                    'hold value must be a number of hours, minutes or seconds, or "forever": '
                    f'time: invalid duration {json.dumps(until)}',
                    filled=False,  # the client's own error: main.go prints it as it is
                )
            if seconds < 1:
                raise SnapError(
                    f'cannot hold refreshes for less than a second: {until}', filled=False
                )
            hold_until = rfc3339(int(self.invocation.world.clock() + seconds))
            when = f'until {hold_until}'
        if not names:
            self.state['hold'] = True
            self.stdout.append(f'Auto-refresh of all snaps held {when}')
            return 0
        for name in names:
            self.installed(name)
        for name in names:
            self.snaps[name]['held'] = True
            self.snaps[name]['hold-until'] = hold_until
        self.stdout.append(f'General refreshes of {quoted(names)} held {when}')
        return 0

    def remove(self, options: Options) -> int:
        names = options.positional
        if not names:
            raise SnapError(
                'the required argument `<snap> (at least 1 argument)` was not provided',
                EXIT_USAGE,
            )
        for name in names:
            record = self.snaps.get(name)
            if record is None:
                if len(names) == 1:
                    # snapd: removing what is not there achieves the goal; not an error.
                    self.stderr.append(f'snap "{name}" is not installed')
                else:
                    self.stdout.append(f'{name} not installed')
                continue
            self.unput(name)
            self.stdout.append(f'{name} removed')
        return 0

"""``snap``: snapd's command line, emulated over a simulated store.

Installing a snap does what snapd does on a machine: it mounts the snap (directories under
``/snap`` and ``/var/snap``), installs its base if missing, writes a systemd unit
``snap.<snap>.<app>.service`` per service to ``/etc/systemd/system`` and enables and starts
those whose install mode says so. The store is :attr:`orchestrator.sim.World.catalog`
``.snaps``: simulated entries (channels, versions and revisions that look like the real snaps',
not copies of them); later programs add theirs.

Output, error texts and exit statuses follow snapd 2.6x (``cmd/snap``) as it prints when its
output is not a terminal (so the verified-publisher mark is ``**``, and long errors are wrapped
at 79 columns under the ``error: `` prefix):

- ``install``: ``k8s (1.32-classic/stable) v1.32.3 from Canonical** installed``; unknown snap
  ``error: snap "x" not found`` (exit 1); already installed ``snap "x" is already installed,
  see 'snap help refresh'`` on stderr (exit 0); a classic snap without ``--classic`` fails
  with snapd's confinement warning;
- ``refresh``: ``... refreshed``, ``snap "x" has no updates available`` (exit 0),
  ``error: snap "x" is not installed`` (exit 1, since snapd 2.56); ``--hold``/``--unhold``;
- ``remove`` (a snap that is not there is not an error), ``list``, ``info``, ``services``,
  ``start``/``stop``/``restart`` (``--enable``/``--disable``/``--reload``), ``set``/``get``/
  ``unset``, ``run``, ``wait``, ``version``.
"""

# pyright: strict

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed

from ..catalog import SnapApp, SnapRelease, SnapSpec  # the store's entries, which the World holds
from ..host import SIMULATED
from .systemctl import Output, Systemd

if TYPE_CHECKING:
    from ..host import Invocation, SimHost

__all__ = [
    'DEFAULT_SNAPS',
    'SNAPD_VERSION',
    'SnapApp',
    'SnapRelease',
    'SnapSpec',
    'handle',
    'service_unit',
]

SNAPD_VERSION = '2.67.1+24.04'
"""The snapd the simulated machines report, before the simulated label."""

_RISKS = ('stable', 'candidate', 'beta', 'edge')
_VERIFIED = '**'  # snapd's verified-publisher mark when its output is not a unicode terminal


def _k8s_apps() -> tuple[SnapApp, ...]:
    off = [
        'containerd',
        'etcd',
        'k8s-apiserver-proxy',
        'k8s-dqlite',
        'kube-apiserver',
        'kube-controller-manager',
        'kube-proxy',
        'kube-scheduler',
        'kubelet',
    ]
    return (
        SnapApp('k8s', daemon=None),
        SnapApp('k8sd'),
        *(SnapApp(name, install_mode='disable') for name in off),
    )


_SIMULATED_ENTRY = 'Simulated store entry: the olm simulation offers it, no store was asked.'

DEFAULT_SNAPS: Mapping[str, SnapSpec] = {
    spec.name: spec
    for spec in (
        SnapSpec(
            'k8s',
            'Canonical Kubernetes, a lightweight and resilient Kubernetes distribution',
            releases=(
                SnapRelease('1.31-classic/stable', 'v1.31.7', 3560, '2025-03-20', 110),
                SnapRelease('1.32-classic/stable', 'v1.32.3', 3640, '2025-03-20', 112),
                SnapRelease('1.32-classic/edge', 'v1.32.4', 3702, '2025-04-10', 112),
                SnapRelease('1.33-classic/stable', 'v1.33.0', 3811, '2025-05-02', 115),
                SnapRelease('1.34-classic/stable', 'v1.34.2', 4120, '2025-11-20', 118),
                SnapRelease('1.35-classic/stable', 'v1.35.1', 4390, '2026-02-12', 120),
                SnapRelease('1.36-classic/stable', 'v1.36.1', 4710, '2026-08-24', 124),
                SnapRelease('latest/edge', 'v1.34.0-alpha.1', 3900, '2025-05-20', 116),
            ),
            apps=_k8s_apps(),
            confinement='classic',
            default_track='1.32-classic',
            license='GPL-3.0-only',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'microceph',
            'Simple clustered Ceph deployment',
            releases=(
                SnapRelease('reef/stable', '18.2.4+snap7fcb5eb1c1', 1228, '2024-11-18', 110),
                SnapRelease('squid/stable', '19.2.0+snapab139d4a1f', 1393, '2025-03-01', 114),
                SnapRelease('squid/candidate', '19.2.1+snap6ee2b1c9b2', 1427, '2025-04-01', 114),
                SnapRelease('latest/stable', '19.2.0+snapab139d4a1f', 1393, '2025-03-01', 114),
                SnapRelease('latest/edge', '19.2.1+snap8ff2a7a41c', 1450, '2025-05-01', 115),
            ),
            # canonical/microceph snap/snapcraft.yaml @ squid: base core24 (reef: core22), the
            # daemon and the disabled services it starts as a member takes them on, the
            # log-rotate timer and the CLIs. The versions and revisions are assumptions (the
            # store is not read); the emulated behaviour is the squid branch's.
            apps=(
                SnapApp('daemon'),
                SnapApp('mds', install_mode='disable'),
                SnapApp('mon', install_mode='disable'),
                SnapApp('mgr', install_mode='disable'),
                SnapApp('nfs', install_mode='disable'),
                SnapApp('osd', install_mode='disable'),
                SnapApp('rgw', install_mode='disable'),
                SnapApp('rbd-mirror', install_mode='disable'),
                SnapApp('cephfs-mirror', install_mode='disable'),
                SnapApp('log-rotate', daemon='oneshot'),
                SnapApp('ceph', daemon=None),
                SnapApp('microceph', daemon=None),
                SnapApp('rbd', daemon=None),
                SnapApp('rados', daemon=None),
                SnapApp('ceph-bluestore-tool', daemon=None),
                SnapApp('ceph-authtool', daemon=None),
            ),
            base='core24',
            default_track='latest',
            license='AGPL-3.0',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'maas',
            'Metal as a Service: cloud-style provisioning for physical servers',
            releases=(
                SnapRelease('3.5/stable', '3.5.4-16349-g.0a67b5b9d', 37470, '2025-02-12', 180),
                SnapRelease('3.6/stable', '3.6.0-16377-g.dc4fc3b74', 38130, '2025-03-14', 185),
                SnapRelease('3.6/edge', '3.6.1-16402-g.e7c84a3f1', 38412, '2025-05-01', 186),
            ),
            # canonical/maas snap/snapcraft.yaml @ 3.5 and 3.6: pebble is the only daemon
            # (epoch 4, "(3.5) supervisord -> Pebble migration"), no reload command; 3.6 is
            # built on core24 (3.5 on core22). 3.4 and older (supervisord) are not modelled: the
            # charms refuse those tracks.
            apps=(
                SnapApp('maas', daemon=None),
                SnapApp('pebble'),
                SnapApp('power', daemon=None),
            ),
            base='core24',
            default_track='3.6',
            license='AGPL-3.0',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'core22',
            'Runtime environment based on Ubuntu 22.04',
            releases=(SnapRelease('latest/stable', '20250315', 1908, '2025-03-15', 77),),
            type='base',
            base=None,
            license='unset',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'core24',
            'Runtime environment based on Ubuntu 24.04',
            releases=(SnapRelease('latest/stable', '20250318', 888, '2025-03-18', 68),),
            type='base',
            base=None,
            license='unset',
            description=_SIMULATED_ENTRY,
        ),
        SnapSpec(
            'snapd',
            'Daemon and tooling that enable snap packages',
            releases=(SnapRelease('latest/stable', SNAPD_VERSION.split('+')[0], 24505),),
            type='snapd',
            base=None,
            license='GPL-3.0',
            description=_SIMULATED_ENTRY,
        ),
    )
}
"""The simulated store every World starts with."""


def service_unit(snap: str, app: SnapApp, revision: int) -> str:
    """The unit file snapd writes for a snap service (``snap.<snap>.<app>.service``)."""
    reload = (
        f'ExecReload=/usr/bin/snap run --command=reload {snap}.{app.name}\n' if app.reload else ''
    )
    return (
        '[Unit]\n'
        '# Auto-generated, DO NOT EDIT\n'
        f'Description=Service for snap application {snap}.{app.name}\n'
        f'Requires=snap-{snap}-{revision}.mount\n'
        'Wants=network.target\n'
        f'After=snap-{snap}-{revision}.mount network.target snapd.apparmor.service\n'
        'X-Snappy=yes\n'
        '\n'
        '[Service]\n'
        'EnvironmentFile=-/etc/environment\n'
        f'ExecStart=/usr/bin/snap run {snap}.{app.name}\n'
        f'SyslogIdentifier={snap}.{app.name}\n'
        'Restart=on-failure\n'
        f'WorkingDirectory=/var/snap/{snap}/{revision}\n'
        f'{reload}'
        'TimeoutStopSec=30\n'
        f'Type={app.daemon}\n'
        '\n'
        '[Install]\n'
        'WantedBy=multi-user.target\n'
    )


def _unit(snap: str, app: str) -> str:
    return f'snap.{snap}.{app}.service'


_EXIT_RETRYABLE = 10
"""snapd's exit status for an error the client calls retryable: a change conflict (``snap "x"
has "auto-refresh" change in progress``, ``too early for operation, device not yet seeded``).
canonical/snapd ``cmd/snap/main.go`` exitCodeFromError and ``client/client.go`` IsRetryable
@ 2.67.1."""
_EXIT_USAGE = 64
"""snapd's exit status (EX_USAGE) for a command line go-flags refuses (an unknown flag, a missing
argument) and for an unknown command: ``cmd/snap/main.go`` exitCodeFromError @ 2.67.1."""


class _SnapError(Exception):
    """A snap command failed: ``error: <message>`` and an exit status (1 unless told)."""

    def __init__(self, message: str, code: int = 1, *, filled: bool = True) -> None:
        super().__init__(message)
        self.code = code
        # Only errorToCmdMessage's texts go through fill(); the others print as they are.
        self.filled = filled


class _Run:
    """One ``snap`` run on one machine: its output, and the machine's snap state."""

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.host: SimHost = invocation.host
        self.catalog = invocation.world.catalog.snaps
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.stderr_unterminated = ''  # written after stderr's lines, with no newline
        state = self.host.namespace('snap')
        self.snaps = cast('dict[str, dict[str, Any]]', state.setdefault('snaps', {}))
        self.state = state
        self.systemd = Systemd(self.host, Output())

    def completed(self, returncode: int = 0) -> Completed:
        return self.invocation.result(
            ''.join(f'{line}\n' for line in self.stdout),
            ''.join(f'{line}\n' for line in self.stderr) + self.stderr_unterminated,
            returncode,
        )

    # -- store and state --------------------------------------------------------------------------

    def spec(self, name: str) -> SnapSpec:
        spec = self.catalog.get(name)
        if spec is None:
            raise _SnapError(f'snap "{name}" not found')
        return spec

    def installed(self, name: str) -> dict[str, Any]:
        record = self.snaps.get(name)
        if record is None:
            raise _SnapError(f'snap "{name}" is not installed')
        return record

    def resolve(self, spec: SnapSpec, channel: str | None, action: str) -> tuple[str, SnapRelease]:
        """The tracking channel and the release it gets.

        A closed risk follows down to a more stable one, as the store does.
        """
        track, risk = _parse_channel(channel, spec.default_track)
        releases = {release.channel: release for release in spec.releases}
        branch = risk.partition('/')[2]
        if branch:
            # A branch is exact (no closed-risk fallback); snapRevisionNotAvailableMessage
            # (cmd/snap/error.go @ 2.67.1) names it.
            release = releases.get(f'{track}/{risk}')
            if release is not None:
                return f'{track}/{risk}', release
            trunk = f'{track}/{risk.partition("/")[0]}'
            if trunk in releases:
                raise _SnapError(
                    f'requested a non-existing branch on {trunk} for snap "{spec.name}": {branch}'
                )
            raise _SnapError(
                f'requested a non-existing branch for snap "{spec.name}": {track}/{risk}'
            )
        for fallback in _RISKS[_RISKS.index(risk) :: -1] if risk in _RISKS else [risk]:
            release = releases.get(f'{track}/{fallback}')
            if release is not None:
                return f'{track}/{risk}', release
        raise _SnapError(_not_available(spec, f'{track}/{risk}', action))

    def put(self, spec: SnapSpec, tracking: str, release: SnapRelease, classic: bool) -> None:
        """Make ``release`` the installed revision: mount, units, services."""
        old = self.snaps.get(spec.name)
        self.snaps[spec.name] = {
            'channel': tracking,
            'revision': release.revision,
            'version': release.version,
            'confinement': 'classic' if classic and spec.confinement == 'classic' else 'strict',
            'held': bool(old and old.get('held')),
            'config': old['config'] if old else {},
            'installed': old['installed'] if old else self.invocation.world.clock(),
            'type': spec.type,
        }
        for directory in (
            f'/snap/{spec.name}/{release.revision}',
            f'/snap/{spec.name}/current',
            f'/var/snap/{spec.name}/{release.revision}',
            f'/var/snap/{spec.name}/common',
        ):
            self.host.mkdir(directory)
        if old and old['revision'] != release.revision:
            self.host.remove_tree(f'/snap/{spec.name}/{old["revision"]}')
        for app in spec.services:
            self.host.write_text(
                f'/etc/systemd/system/{_unit(spec.name, app.name)}',
                service_unit(spec.name, app, release.revision),
            )
        self.systemd.daemon_reload()
        for app in spec.services:
            unit = _unit(spec.name, app.name)
            if old is None:
                if app.install_mode == 'enable':
                    self.systemd.enable(unit)
                    self.systemd.start(unit)
            elif self.systemd.active_state(unit) == 'active':
                self.systemd.restart(unit)  # a refresh restarts what was running

    def publisher(self, spec: SnapSpec | None, *, short: bool = False) -> str:
        if spec is None:
            return '-'
        mark = _VERIFIED if spec.verified else ''
        if short:
            return f'{spec.publisher_id}{mark}'
        if spec.publisher.lower() == spec.publisher_id.lower():
            return f'{spec.publisher}{mark}'
        return f'{spec.publisher} ({spec.publisher_id}{mark})'

    def done(self, spec: SnapSpec, release: SnapRelease, tracking: str, action: str) -> None:
        """Print what snapd's showDone prints, and its closed-channel note."""
        name = _channel_name(release.channel)
        channel = '' if name == 'stable' else f' ({name})'
        self.stdout.append(
            f'{spec.name}{channel} {release.version} from {self.publisher(spec)} {action}'
        )
        if tracking != release.channel and _risk(tracking) != _risk(release.channel):
            self.stdout.append(
                f'Channel {tracking} for {spec.name} is closed; temporarily forwarding to '
                f'{release.channel}.'
            )

    # -- commands ---------------------------------------------------------------------------------

    def install(self, options: _Options) -> int:
        names = options.positional
        if not names:
            raise _SnapError(
                'the required argument `<snap> (at least 1 argument)` was not provided',
                _EXIT_USAGE,
            )
        if options.channel is not None:  # setChannelFromCommandline comes first
            options.channel = _checked_channel(options.channel, self.stderr)
        if len(names) > 1 and options.channel is not None:
            raise _SnapError('a single snap name is needed to specify channel flags')
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
                raise _SnapError(_NEEDS_CLASSIC.format(name=name))
            tracking, release = self.resolve(spec, options.channel, 'install')
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

    def refresh(self, options: _Options) -> int:
        names = options.positional
        if options.channel is not None:
            options.channel = _checked_channel(options.channel, self.stderr)
        # cmdRefresh.Execute (cmd_snap_op.go @ 2.67.1): --hold and --unhold stand alone.
        others = bool(options.given.keys() & _NOT_WITH_HOLD) or (
            options.given.get('transaction') not in (None, 'per-snap')
        )
        if options.hold is not None and (options.unhold or others):
            raise _SnapError('cannot use --hold with other flags')
        if options.unhold and others:
            raise _SnapError('cannot use --unhold with other flags')
        if options.hold is not None:
            return self.hold(names, options.hold)
        if options.unhold:
            for name in names:
                self.installed(name)['held'] = False
            if names:
                self.stdout.append(f'Removed general refresh hold of {_quoted(names)}')
            else:
                self.state['hold'] = False
                self.stdout.append('Removed auto-refresh hold on all snaps')
            return 0
        if not names:
            self.stderr.append('All snaps up to date.')
            return 0
        if len(names) > 1:
            if options.channel is not None:
                raise _SnapError('a single snap name is needed to specify mode or channel flags')
            missing = [name for name in names if name not in self.snaps]
            if missing:
                raise _SnapError(
                    f'cannot refresh {_quoted(names)}: snap "{missing[0]}" is not installed'
                )
        for name in names:
            record = self.installed(name)
            spec = self.spec(name)
            tracking, release = self.resolve(spec, options.channel or record['channel'], 'refresh')
            if release.revision == record['revision'] and tracking == record['channel']:
                if len(names) == 1:
                    self.stderr.append(f'snap "{name}" has no updates available')
                continue
            self.put(spec, tracking, release, record['confinement'] == 'classic')
            self.done(spec, release, tracking, 'refreshed')
        if not self.stdout and len(names) > 1:
            self.stderr.append('All snaps up to date.')
        return 0

    def hold(self, names: Sequence[str], until: str) -> int:
        when = 'indefinitely' if until == 'forever' else f'until {until}'
        if not names:
            self.state['hold'] = True
            self.stdout.append(f'Auto-refresh of all snaps held {when}')
            return 0
        for name in names:
            self.installed(name)
        for name in names:
            self.snaps[name]['held'] = True
        self.stdout.append(f'General refreshes of {_quoted(names)} held {when}')
        return 0

    def remove(self, options: _Options) -> int:
        names = options.positional
        if not names:
            raise _SnapError(
                'the required argument `<snap> (at least 1 argument)` was not provided',
                _EXIT_USAGE,
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
            spec = self.catalog.get(name)
            for app in spec.services if spec else ():
                unit = _unit(name, app.name)
                self.systemd.stop(unit)
                self.host.remove(f'/etc/systemd/system/{unit}')
                self.systemd.forget(unit)
            self.systemd.daemon_reload()
            self.host.remove_tree(f'/snap/{name}')
            self.host.remove_tree(f'/var/snap/{name}')
            del self.snaps[name]
            self.stdout.append(f'{name} removed')
        return 0

    def list(self, options: _Options) -> int:
        names = options.positional
        if not self.snaps and not names:
            self.stderr.append("No snaps are installed yet. Try 'snap install hello-world'.")
            return 0
        chosen = sorted(n for n in self.snaps if not names or n in names)
        if not chosen:
            raise _SnapError('no matching snaps installed')
        rows = [['Name', 'Version', 'Rev', 'Tracking', 'Publisher', 'Notes']]
        for name in chosen:
            record = self.snaps[name]
            rows.append(
                [
                    name,
                    str(record['version']),
                    str(record['revision']),
                    _fmt_channel(str(record['channel'])),
                    self.publisher(self.catalog.get(name), short=True),
                    _notes(record),
                ]
            )
        self.stdout.extend(_table(rows))
        return 0

    def services(self, options: _Options) -> int:
        rows = [['Service', 'Startup', 'Current', 'Notes']]
        for name, app in self.apps(options.positional, all_snaps=not options.positional):
            unit = _unit(name, app.name)
            startup = 'enabled' if self.systemd.enabled_state(unit) == 'enabled' else 'disabled'
            current = 'active' if self.systemd.active_state(unit) == 'active' else 'inactive'
            rows.append([f'{name}.{app.name}', startup, current, '-'])
        if len(rows) == 1:
            self.stderr.append('There are no services provided by installed snaps.')
            return 0
        self.stdout.extend(_table(rows))
        return 0

    def apps(self, names: Sequence[str], *, all_snaps: bool = False) -> list[tuple[str, SnapApp]]:
        """Resolve ``snap`` / ``snap.app`` service names, as snapd's API does."""
        found: list[tuple[str, SnapApp]] = []
        for name in sorted(self.snaps) if all_snaps else names:
            snap, _, app_name = name.partition('.')
            if snap not in self.snaps:
                raise _SnapError(f'snap "{snap}" not found')
            spec = self.catalog.get(snap)
            services = spec.services if spec else ()
            if app_name:
                app = next((a for a in services if a.name == app_name), None)
                if app is None:
                    raise _SnapError(f'snap "{snap}" has no service "{app_name}"')
                found.append((snap, app))
            elif services:
                found.extend((snap, app) for app in sorted(services, key=lambda a: a.name))
            elif not all_snaps:
                raise _SnapError(f'snap "{snap}" has no services')
        return found

    def control(self, verb: str, options: _Options) -> int:
        if not options.positional:
            raise _SnapError(
                'the required argument `<service> (at least 1 argument)` was not provided',
                _EXIT_USAGE,
            )
        for snap, app in self.apps(options.positional):
            unit = _unit(snap, app.name)
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
            raise _SnapError(
                'cannot perform the following tasks:\n'
                + '\n'.join(f'- {line}' for line in self.systemd.output.stderr),
                filled=False,  # a change's error prints as snapd composed it (wait.go)
            )
        self.stdout.append({'start': 'Started.', 'stop': 'Stopped.'}.get(verb, 'Restarted.'))
        return 0

    def set(self, options: _Options) -> int:
        if len(options.positional) < 2:
            raise _SnapError(
                'the required arguments `<snap>` and `<conf value> (at least 1 argument)` were '
                'not provided',
                _EXIT_USAGE,
            )
        name, *assignments = options.positional
        config = cast('dict[str, Any]', self.installed(name)['config'])
        for assignment in assignments:
            if assignment.endswith('!') and '=' not in assignment:
                _unset(config, assignment[:-1])
                continue
            key, sep, raw = assignment.partition('=')
            if not sep or not key:
                raise _SnapError(f'invalid configuration: "{assignment}" (want key=value)')
            value: Any = raw
            if not options.string:
                try:
                    value = json.loads(raw)
                except ValueError:
                    if options.typed:
                        raise _SnapError(f'failed to parse JSON: {raw}') from None
            _assign(config, key, value)
        return 0

    def unset(self, options: _Options) -> int:
        if len(options.positional) < 2:
            raise _SnapError(
                'the required arguments `<snap>` and `<conf key> (at least 1 argument)` were '
                'not provided',
                _EXIT_USAGE,
            )
        name, *keys = options.positional
        config = cast('dict[str, Any]', self.installed(name)['config'])
        for key in keys:
            _unset(config, key)
        return 0

    def get(self, options: _Options) -> int:
        if not options.positional:
            raise _SnapError('the required argument `<snap>` was not provided', _EXIT_USAGE)
        name, *keys = options.positional
        config = cast('dict[str, Any]', self.installed(name)['config'])
        if not keys:
            if options.document:
                self.stdout.append(_json(config))
                return 0
            if not config:
                raise _SnapError(f'snap "{name}" has no configuration')
            self.stderr_unterminated = _GET_WARNING
            self.stdout.append(_json(config))
            return 0
        values: dict[str, Any] = {}
        for key in keys:
            found, value = _lookup(config, key)
            if not found:
                raise _SnapError(f'snap "{name}" has no "{key}" configuration option')
            values[key] = value
        if options.document:
            self.stdout.append(_json(values))
        elif len(keys) == 1 and not isinstance(values[keys[0]], dict):
            value = values[keys[0]]
            self.stdout.append(value if isinstance(value, str) else _json(value))
        else:
            self.stderr_unterminated = _GET_WARNING
            self.stdout.append(_json(values))
        return 0

    def info(self, options: _Options) -> int:
        if not options.positional:
            raise _SnapError(
                'the required argument `<snap> (at least 1 argument)` was not provided',
                _EXIT_USAGE,
            )
        for index, name in enumerate(options.positional):
            spec = self.catalog.get(name)
            if spec is None:
                raise _SnapError(f'no snap found for "{name}"')
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
                unit = _unit(spec.name, app.name)
                startup = (
                    'enabled' if self.systemd.enabled_state(unit) == 'enabled' else 'disabled'
                )
                current = 'active' if self.systemd.active_state(unit) == 'active' else 'inactive'
                lines.append(f'  {spec.name}.{app.name}: {app.daemon}, {startup}, {current}')
        if record is not None:
            lines.append(f'tracking:     {record["channel"]}')
            when = time.strftime('%Y-%m-%d', time.gmtime(float(record['installed'])))
            lines.append(f'refresh-date: {when}')
        lines.append('channels:')
        width = max(len(r.channel) for r in spec.releases) + 2
        for release in sorted(spec.releases, key=_channel_order):
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

    def run(self, options: _Options) -> int:
        if not options.positional:
            raise _SnapError('need the application to run as argument')
        target, *args = options.positional
        snap, _, app = target.partition('.')
        if snap not in self.snaps:
            raise _SnapError(
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

    def version(self) -> int:
        self.stdout.extend(
            _table(
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


_GET_WARNING = (
    "WARNING: The output of 'snap get' will become a list with columns - use -d or -l to force "
    'the output format.\\n'
)
"""cmd_get.go outputDefault's warning (@ 2.67.1): a Go raw string, so its "\\n" is printed as the
two characters, with no newline after it."""

_NEEDS_CLASSIC = (
    'This revision of snap "{name}" was published using classic confinement and thus may '
    'perform arbitrary system changes outside of the security sandbox that snaps are usually '
    'confined to, which may put your system at risk.\n'
    '\n'
    'If you understand and want to proceed repeat the command including --classic.'
)


@dataclass
class _Options:
    positional: list[str] = field(default_factory=list[str])
    channel: str | None = None
    classic: bool = False
    devmode: bool = False
    hold: str | None = None
    unhold: bool = False
    enable: bool = False
    disable: bool = False
    reload: bool = False
    document: bool = False
    typed: bool = False
    string: bool = False
    command: str | None = None
    given: dict[str, str | None] = field(default_factory=dict[str, str | None])
    """Every option given, by name, with its value (None for a bool)."""


# Each command's options, as go-flags knows them from the command's struct and its mixins
# (canonical/snapd cmd/snap @ 2.67.1: cmd_snap_op.go cmdInstall/cmdRefresh/cmdRemove, cmd_list.go,
# cmd_services.go svcStatus/svcStart/svcStop/svcRestart, cmd_info.go, cmd_get.go, cmd_set.go,
# cmd_unset.go, cmd_run.go, cmd_wait.go, cmd_version.go; colorMixin and unicodeMixin in color.go,
# waitMixin in wait.go, timeMixin in times.go, channelMixin and modeMixin in cmd_snap_op.go,
# clientutil.ServiceScopeOptions in client/clientutil/service_scope.go). Any other option is
# refused, before anything runs, with go-flags' ``unknown flag `x'`` (exit 64).
_COLOR = frozenset({'color', 'unicode'})
_WAIT = frozenset({'no-wait'})
_CHANNEL = frozenset({'channel', 'stable', 'candidate', 'beta', 'edge'})
_MODE = frozenset({'devmode', 'jailmode', 'classic'})
_SCOPE = frozenset({'system', 'user', 'users'})
_COMMAND_FLAGS: Mapping[str, frozenset[str]] = {
    'install': _COLOR
    | _WAIT
    | _CHANNEL
    | _MODE
    | {
        'revision',
        'dangerous',
        'force-dangerous',
        'unaliased',
        'prefer',
        'name',
        'cohort',
        'ignore-validation',
        'ignore-running',
        'transaction',
        'quota-group',
    },
    'refresh': _COLOR
    | _WAIT
    | _CHANNEL
    | _MODE
    | {
        'abs-time',
        'amend',
        'revision',
        'cohort',
        'leave-cohort',
        'list',
        'time',
        'ignore-validation',
        'ignore-running',
        'transaction',
        'hold',
        'unhold',
    },
    'remove': _WAIT | {'revision', 'purge', 'terminate'},
    'list': _COLOR | {'all'},
    'services': frozenset({'global', 'g', 'user', 'u'}),
    'start': _WAIT | _SCOPE | {'enable'},
    'stop': _WAIT | _SCOPE | {'disable'},
    'restart': _WAIT | _SCOPE | {'reload'},
    'set': _WAIT | {'t', 's'},
    'unset': _WAIT,
    'get': frozenset({'t', 'd', 'l'}),
    'info': _COLOR | {'abs-time', 'verbose'},
    'run': frozenset(
        {
            'command',
            'hook',
            'r',
            'shell',
            'debug-log',
            'strace',
            'gdb',
            'gdbserver',
            'experimental-gdbserver',
            'trace-exec',
            'parser-ran',
            'timer',
        }
    ),
    'wait': frozenset(),
    'version': frozenset(),
}
_NOT_WITH_HOLD = frozenset(
    {
        'amend',
        'revision',
        'cohort',
        'leave-cohort',
        'list',
        'time',
        'ignore-validation',
        'ignore-running',
    }
)
"""cmdRefresh's "other flags" that --hold and --unhold refuse (--transaction all-snaps too)."""
_VALUE_FLAGS = frozenset(
    {
        'channel',
        'revision',
        'name',
        'cohort',
        'transaction',
        'quota-group',
        'color',
        'unicode',
        'users',
        'command',
        'hook',
        'r',
        'parser-ran',
        'timer',
    }
)
"""Options that take a value, as ``--x=v`` or as the next argument (go-flags)."""
_OPTIONAL_VALUE_FLAGS = frozenset({'hold', 'strace', 'gdbserver', 'experimental-gdbserver'})
"""Options whose value is optional (``optional:"yes"``): only ``--hold=24h`` gives one."""
_BOOL_FLAGS = {
    'classic': 'classic',
    'devmode': 'devmode',
    'unhold': 'unhold',
    'enable': 'enable',
    'disable': 'disable',
    'reload': 'reload',
    'd': 'document',
    't': 'typed',
    's': 'string',
}


def _parse(command: str, args: Sequence[str]) -> _Options:
    """``args`` (after the command) as go-flags parses them for ``command``.

    Raises:
        _SnapError: an option the command does not have, or one missing its value (exit 64).
    """
    allowed = _COMMAND_FLAGS[command]
    options = _Options()
    items = list(args)
    index = 0
    while index < len(items):
        arg = items[index]
        index += 1
        if arg == '--':
            options.positional.extend(items[index:])
            break
        if not arg.startswith('-') or arg == '-':
            options.positional.append(arg)
            if command == 'run':
                options.positional.extend(items[index:])  # the rest belongs to the app
                break
            continue
        if arg.startswith('--'):
            name, has_value, value = arg[2:].partition('=')
            names = [name]
        else:
            # Short options: '-dt' is -d -t; a value option takes the rest ('-rx1').
            name, has_value, value = arg[1], len(arg) > 2, arg[2:]
            names = [name] if name in _VALUE_FLAGS else list(arg[1:])
            has_value = has_value and name in _VALUE_FLAGS
        for flag in names:
            if flag not in allowed:
                raise _SnapError(f"unknown flag `{flag}'", _EXIT_USAGE)
        if name in _VALUE_FLAGS and not has_value:
            if index >= len(items):
                prefix = '--' if arg.startswith('--') else '-'
                raise _SnapError(f"expected argument for flag `{prefix}{name}'", _EXIT_USAGE)
            value, has_value = items[index], True
            index += 1
        elif has_value and name not in _VALUE_FLAGS and name not in _OPTIONAL_VALUE_FLAGS:
            raise _SnapError(f"bool flag `--{name}' cannot have an argument", _EXIT_USAGE)
        for flag in names:
            options.given[flag] = value if has_value else None
            _apply(options, flag, value if has_value else None)
    return options


def _apply(options: _Options, flag: str, value: str | None) -> None:
    """Record the options the emulation acts on; the others change nothing it models."""
    if flag == 'channel':
        options.channel = value or None
    elif flag in ('stable', 'candidate', 'beta', 'edge'):
        if options.channel is not None:
            # channelMixin.setChannelFromCommandline (cmd_snap_op.go)
            raise _SnapError('Please specify a single channel')
        options.channel = flag
    elif flag == 'hold':
        options.hold = value or 'forever'  # optional-value:"forever"
    elif flag == 'command':
        options.command = value
    elif flag in _BOOL_FLAGS:
        setattr(options, _BOOL_FLAGS[flag], True)


def handle(invocation: Invocation) -> Completed:
    """Run ``snap`` on the invocation's machine."""
    run = _Run(invocation)
    args = list(invocation.args)
    try:
        if args[:1] in (['--version'], ['version']):
            return run.completed(run.version())
        if not args:
            # go-flags ErrCommandRequired: printShortHelp, exit 0 (cmd/snap/main.go run).
            run.stdout.append('The snap command lets you install, configure, refresh and remove')
            run.stdout.append('snaps. Snaps are packages that work across many different Linux')
            run.stdout.append(f'distributions. ({SIMULATED})')
            return run.completed(0)
        command = args[0]
        if command.startswith('-'):
            raise _SnapError(f"unknown flag `{command.lstrip('-').split('=', 1)[0]}'", _EXIT_USAGE)
        if command not in _COMMAND_FLAGS:
            raise _SnapError(f'unknown command "{command}", see \'snap help\'.', _EXIT_USAGE)
        options_part = args[1 : args.index('--')] if '--' in args else args[1:]
        if command != 'run' and ('-h' in options_part or '--help' in options_part):
            # go-flags' built-in help (flags.ErrHelp): the command's help on stdout, exit 0.
            run.stdout.append(f'Usage:\n  snap {command} [<options>] ({SIMULATED})')
            return run.completed(0)
        code = _dispatch(run, command, _parse(command, args[1:]))
    except _SnapError as error:
        text = _fill(str(error)) if error.filled else str(error)
        run.stderr.append(f'error: {text}')
        return run.completed(error.code)
    return run.completed(code)


def _dispatch(run: _Run, command: str, options: _Options) -> int:
    if command == 'install':
        return run.install(options)
    if command == 'refresh':
        return run.refresh(options)
    if command == 'remove':
        return run.remove(options)
    if command == 'list':
        return run.list(options)
    if command == 'services':
        return run.services(options)
    if command in ('start', 'stop', 'restart'):
        return run.control(command, options)
    if command == 'set':
        return run.set(options)
    if command == 'unset':
        return run.unset(options)
    if command == 'get':
        return run.get(options)
    if command == 'info':
        return run.info(options)
    if command == 'run':
        return run.run(options)
    if command == 'version':
        return run.version()
    return 0  # wait: the simulated system is always seeded


# -- formatting -----------------------------------------------------------------------------------


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    """Go's tabwriter as snap uses it (min width 5, padding 2); the last column is not padded."""
    widths = [
        max(5, max(len(row[column]) for row in rows) + 2) for column in range(len(rows[0]) - 1)
    ]
    return [
        ''.join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + row[-1]
        for row in rows
    ]


def _fill(message: str, indent: int = 7) -> str:
    """Wrap an error as snapd's fill() does (cmd/snap/error.go @ 2.67.1).

    fill() hands the text to go/doc's ToText at 79 columns less ``indent`` (72 under the
    ``error: `` prefix, 70 under ``Warning: ``) and
    indents every line after the first under the prefix. ToText reads the text as blocks:
    paragraphs (consecutive lines, joined and rewrapped), and code blocks (indented lines,
    kept as they are less their common indentation), with a blank line between blocks.
    """
    blocks: list[list[str]] = []
    kinds: list[str] = []
    for line in message.strip().split('\n'):
        kind = 'blank' if not line.strip() else 'code' if line.startswith((' ', '\t')) else 'text'
        if kind == 'blank':
            if kinds and kinds[-1] != 'blank':
                blocks.append([])
                kinds.append('blank')
            continue
        if not kinds or kinds[-1] != kind:
            blocks.append([])
            kinds.append(kind)
        blocks[-1].append(line)
    out: list[str] = []
    for kind, lines in zip(kinds, blocks, strict=True):
        if kind == 'text':
            out.append('\n'.join(textwrap.wrap(' '.join(lines), 79 - indent)))
        elif kind == 'code':
            out.append(textwrap.dedent('\n'.join(lines)))
    text = '\n\n'.join(out)
    pad = ' ' * indent
    return text.replace('\n', f'\n{pad}').replace(f'\n{pad}\n', '\n\n')


def _checked_channel(channel: str, stderr: list[str]) -> str | None:
    """The channel snap sends snapd, as setChannelFromCommandline makes it (cmd_snap_op.go).

    A channel channel.Parse refuses but channel.Full can read is used as Full reads it, after a
    warning; what still does not parse is refused by snapd (daemon/api_snaps.go validate) with
    Parse's error (snap/channel/channel.go @ 2.67.1).
    """
    try:
        _parse_verbatim(channel)
        return channel
    except _SnapError:
        full = _full_channel(channel)
        if full is None:
            raise
    stderr.append(
        'Warning: '
        + _fill(
            f'Specifying a channel "{channel}" is relying on undefined behaviour. Interpreting '
            f'it as "{full}" for now, but this will be an error later.',
            indent=9,
        )
    )
    stderr.append('')
    if not full:
        return None
    _parse_verbatim(full)
    return full


def _parse_verbatim(channel: str) -> None:
    """Refuse what channel.ParseVerbatim refuses, with its errors."""
    parts = channel.split('/')
    if len(parts) > 3:
        raise _SnapError(f'channel name has too many components: {channel}')
    track: str | None = None
    risk: str | None = None
    branch: str | None = None
    if len(parts) == 3:
        track, risk, branch = parts
    elif len(parts) == 2 and parts[0] in _RISKS:
        risk, branch = parts
    elif len(parts) == 2:
        track, risk = parts
    elif parts[0] in _RISKS:
        risk = parts[0]
    else:
        track = parts[0]
    if risk is not None and risk not in _RISKS:
        raise _SnapError(f'invalid risk in channel name: {channel}')
    if track == '':
        raise _SnapError(f'invalid track in channel name: {channel}')
    if branch == '':
        raise _SnapError(f'invalid branch in channel name: {channel}')


def _full_channel(channel: str) -> str | None:
    """channel.Full: the components without empty ones, made full; None for too many."""
    parts = [part for part in channel.split('/') if part]
    if not parts:
        return ''
    if len(parts) == 1:
        return f'latest/{parts[0]}' if parts[0] in _RISKS else f'{parts[0]}/stable'
    if len(parts) == 2 and parts[0] in _RISKS:
        return f'latest/{parts[0]}/{parts[1]}'
    return '/'.join(parts) if len(parts) <= 3 else None


def _parse_channel(channel: str | None, default_track: str) -> tuple[str, str]:
    """``(track, risk)``, the risk with its branch if any (``stable/hotfix``).

    As snapd's channel.Full reads a channel (snap/channel/channel.go @ 2.67.1): a risk alone is
    the default track's, a track alone its stable risk.
    """
    if not channel:
        return default_track, 'stable'
    parts = channel.split('/')
    if parts[0] in _RISKS:
        return default_track, '/'.join(parts)
    if len(parts) == 1:
        return parts[0], 'stable'
    return parts[0], '/'.join(parts[1:])


def _channel_order(release: SnapRelease) -> tuple[str, int]:
    risk = _risk(release.channel)
    return release.channel.split('/')[0], _RISKS.index(risk) if risk in _RISKS else len(_RISKS)


def _fmt_channel(channel: str) -> str:
    """``snap list``'s Tracking column: a branch shows as ``…`` (cmd_list.go fmtChannel)."""
    parts = channel.split('/')
    return f'{parts[0]}/{parts[1]}/…' if len(parts) == 3 else channel


def _channel_name(channel: str) -> str:
    """The short channel name snap prints: ``latest/stable`` is ``stable``."""
    return channel.removeprefix('latest/')


def _risk(channel: str) -> str:
    return channel.split('/')[1] if '/' in channel else channel


def _not_available(spec: SnapSpec, channel: str, action: str) -> str:
    """The text of snapd's snapRevisionNotAvailableMessage (cmd/snap/error.go @ 2.67.1).

    Channels are named as channel.Channel names them (``latest/`` dropped); the table's install
    option is channelOption's: ``--edge`` on the latest track, ``--channel=TRACK`` for a track's
    stable risk, ``--channel=TRACK/RISK`` otherwise; the pre-release warning follows only a
    request for a stable channel.
    """
    track, risk = channel.split('/', 1)
    same_risk = sorted(r.channel for r in spec.releases if _risk(r.channel) == risk)
    same_track = sorted(r.channel for r in spec.releases if r.channel.split('/')[0] == track)
    hint = f"Get more information with 'snap info {spec.name}'."
    track_warning = 'Please be mindful that different tracks may include different features.'
    if same_track:
        shown = [_channel_name(c) for c in same_track]
        rows = _install_table(spec.name, action, shown, same_track)
        message = (
            f'snap "{spec.name}" is not available on {_channel_name(channel)} but is available '
            f'to install on the following channels:\n{rows}\n'
        )
        if risk == 'stable':
            message += (
                '\nPlease be mindful pre-release channels may include features not completely '
                'tested or implemented.'
            )
        return f'{message}\n{hint}'
    if same_risk:
        rows = _install_table(spec.name, action, same_risk, same_risk)
        return (
            f'snap "{spec.name}" is not available on {channel} but is available to install on '
            f'the following tracks:\n{rows}\n\n{track_warning}\n{hint}'
        )
    return (
        f'snap "{spec.name}" is not available on {channel} but other tracks exist.\n\n'
        f'{track_warning}\n{hint}'
    )


def _install_table(snap: str, action: str, shown: Sequence[str], full: Sequence[str]) -> str:
    """installTable: a tabwriter (min width 11, padding 2) indented two spaces."""
    width = max(11, *(len(name) + 2 for name in shown))
    return '\n'.join(
        f'  {name:<{width}}snap {action} {_channel_option(channel)} {snap}'
        for name, channel in zip(shown, full, strict=True)
    )


def _channel_option(channel: str) -> str:
    """The install option channelOption (cmd/snap/error.go) gives for ``channel``."""
    track, risk = channel.split('/', 1)
    if track == 'latest':
        return f'--{risk}'
    return f'--channel={track}' if risk == 'stable' else f'--channel={channel}'


def _notes(record: Mapping[str, Any]) -> str:
    notes: list[str] = []
    if record.get('type') in ('base', 'snapd'):
        notes.append(str(record['type']))
    if record.get('confinement') == 'classic':
        notes.append('classic')
    if record.get('held'):
        notes.append('held')
    return ','.join(notes) or '-'


def _quoted(names: Iterable[str]) -> str:
    return ', '.join(f'"{name}"' for name in names)


def _json(value: Any) -> str:
    # Go's json.MarshalIndent(v, "", "\t"): sorted keys, tab indents.
    return json.dumps(value, indent='\t', sort_keys=True, ensure_ascii=False)


def _assign(config: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split('.')
    node = config
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = cast('dict[str, Any]', child)
    node[leaf] = value


def _unset(config: dict[str, Any], key: str) -> None:
    *parents, leaf = key.split('.')
    found, node = _lookup(config, '.'.join(parents)) if parents else (True, config)
    if found and isinstance(node, dict):
        cast('dict[str, Any]', node).pop(leaf, None)


def _lookup(config: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = config
    for part in key.split('.'):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = cast('dict[str, Any]', node)[part]
    return True, node

"""One ``snap`` run: its output, the machine's snap state, and the store."""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed

from ...catalog import SnapRelease, SnapSpec  # the store's entries, which the World holds
from ..systemctl import Output, Systemd
from ._channels import (
    RISKS,
    channel_name,
    not_available,
    parse_channel,
    risk_of,
)
from ._errors import SnapError
from ._format import VERIFIED
from ._units import service_unit, unit_name

if TYPE_CHECKING:
    from ...host import Invocation, SimHost


class Run:
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
            raise SnapError(f'snap "{name}" not found')
        return spec

    def installed(self, name: str) -> dict[str, Any]:
        record = self.snaps.get(name)
        if record is None:
            raise SnapError(f'snap "{name}" is not installed')
        return record

    def resolve(self, spec: SnapSpec, channel: str | None, action: str) -> tuple[str, SnapRelease]:
        """The tracking channel and the release it gets.

        A closed risk follows down to a more stable one, as the store does.
        """
        track, risk = parse_channel(channel, spec.default_track)
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
                raise SnapError(
                    f'requested a non-existing branch on {trunk} for snap "{spec.name}": {branch}'
                )
            raise SnapError(
                f'requested a non-existing branch for snap "{spec.name}": {track}/{risk}'
            )
        for fallback in RISKS[RISKS.index(risk) :: -1] if risk in RISKS else [risk]:
            release = releases.get(f'{track}/{fallback}')
            if release is not None:
                return f'{track}/{risk}', release
        raise SnapError(not_available(spec, f'{track}/{risk}', action))

    def at_revision(
        self, spec: SnapSpec, tracking: str, revision: str, channel_given: bool
    ) -> SnapRelease | None:
        """The release of ``revision``: on the channel asked for, or on any without one.

        snapd installs a revision asked for with no channel from wherever the store has it,
        tracking the default channel; with a channel, only from that channel
        (daemon/api_snaps.go snapInstruction's revnoOpts, overlord/snapstate storehelpers
        @ 2.67.1).
        """
        for release in spec.releases:
            if str(release.revision) == revision and (
                not channel_given or release.channel == tracking
            ):
                return release
        return None

    def restarts(self, unit: str, explicit: bool) -> bool:
        """Whether a restart of a snap's services restarts this one.

        Named explicitly (``snap.app``), always; otherwise only when it is running or enabled:
        a disabled, inactive service is left alone (canonical/snapd ``wrappers/services.go``
        restartServicesByStatus with AlsoEnabledNonActive, which
        ``overlord/servicestate/servicestate.go`` Control sets for ``restart`` @ 2.67.1).
        """
        if explicit or self.systemd.active_state(unit) == 'active':
            return True
        return self.systemd.enabled_state(unit) == 'enabled'

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
                f'/etc/systemd/system/{unit_name(spec.name, app.name)}',
                service_unit(spec.name, app, release.revision),
            )
        self.systemd.daemon_reload()
        for app in spec.services:
            unit = unit_name(spec.name, app.name)
            if old is None:
                if app.install_mode == 'enable':
                    self.systemd.enable(unit)
                    self.systemd.start(unit)
            elif self.systemd.active_state(unit) == 'active':
                self.systemd.restart(unit)  # a refresh restarts what was running

    def unput(self, name: str) -> None:
        """Remove an installed snap: its services stopped and their units gone, its files too."""
        spec = self.catalog.get(name)
        for app in spec.services if spec else ():
            unit = unit_name(name, app.name)
            self.systemd.stop(unit)
            self.host.remove(f'/etc/systemd/system/{unit}')
            self.systemd.forget(unit)
        self.systemd.daemon_reload()
        self.host.remove_tree(f'/snap/{name}')
        self.host.remove_tree(f'/var/snap/{name}')
        del self.snaps[name]

    def publisher(self, spec: SnapSpec | None, *, short: bool = False) -> str:
        if spec is None:
            return '-'
        mark = VERIFIED if spec.verified else ''
        if short:
            return f'{spec.publisher_id}{mark}'
        if spec.publisher.lower() == spec.publisher_id.lower():
            return f'{spec.publisher}{mark}'
        return f'{spec.publisher} ({spec.publisher_id}{mark})'

    def done(self, spec: SnapSpec, release: SnapRelease, tracking: str, action: str) -> None:
        """Print what snapd's showDone prints, and its closed-channel note."""
        name = channel_name(release.channel)
        channel = '' if name == 'stable' else f' ({name})'
        self.stdout.append(
            f'{spec.name}{channel} {release.version} from {self.publisher(spec)} {action}'
        )
        if tracking != release.channel and risk_of(tracking) != risk_of(release.channel):
            self.stdout.append(
                f'Channel {tracking} for {spec.name} is closed; temporarily forwarding to '
                f'{release.channel}.'
            )

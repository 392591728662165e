"""snapd's ``/v2/snaps``, ``/v2/snaps/{name}`` and ``/v2/find``: installed snaps and the store.

canonical/snapd ``daemon/api_snaps.go`` (getSnapInfo, postSnap, snapInstruction.validate,
snapInstall, snapUpdate, removeSnap, snapHoldMany, snapUnholdMany), ``daemon/snap.go``
(mapLocal), ``client/packages.go`` (Snap), ``daemon/api_find.go`` (findOne, mapRemote),
``daemon/errors.go`` (errToResponse, SnapRevisionNotAvailable) @ 2.67.1.
"""

# pyright: strict

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from ...catalog import SnapRelease, SnapSpec
from ...unix_http import HttpRequest, HttpResponse
from ._api_base import ApiError, ApiRun, comma_list, not_modelled, sorted_apps, timestamp
from ._channels import RISKS, _parse_verbatim  # pyright: ignore[reportPrivateUsage]
from ._errors import SnapError
from ._format import hold_forever

_ARCH = 'amd64'


class Snaps(ApiRun):
    """``GET``/``POST /v2/snaps/{name}``, ``GET /v2/snaps`` and ``GET /v2/find``."""

    def list_snaps(self, request: HttpRequest) -> list[dict[str, Any]]:
        wanted = comma_list(request.first('snaps'))
        return [self._local(n) for n in sorted(self.snaps) if not wanted or n in wanted]

    def local(self, name: str) -> dict[str, Any]:
        if name not in self.snaps:
            raise ApiError(404, 'snap not installed', 'snap-not-found', name)
        return self._local(name)

    def _local(self, name: str) -> dict[str, Any]:
        """mapLocal: an installed snap as ``client.Snap``."""
        record = self.snaps[name]
        spec = self.catalog.get(name)
        revision = str(record['revision'])
        found: dict[str, Any] = _snap_fields(spec, name)
        found.update(
            {
                'install-date': timestamp(float(record['installed'])),
                'status': 'active',
                'version': str(record['version']),
                'channel': self._release_channel(spec, int(record['revision'])),
                'tracking-channel': str(record['channel']),
                'revision': revision,
                'confinement': str(record['confinement']),
                'mounted-from': f'/var/lib/snapd/snaps/{name}_{revision}.snap',
            }
        )
        apps = [self.app_info(name, app) for app in sorted_apps(spec)]
        if apps:
            found['apps'] = apps
        if record.get('held'):
            found['hold'] = str(record.get('hold-until') or self._forever())
        return found

    @staticmethod
    def _release_channel(spec: SnapSpec | None, revision: int) -> str:
        for release in spec.releases if spec else ():
            if release.revision == revision:
                return release.channel
        return ''

    def _forever(self) -> str:
        return hold_forever(self.invocation.world.clock())

    def find(self, request: HttpRequest) -> list[dict[str, Any]]:
        name = request.first('name')
        if not name or name.endswith('*') or request.first('q'):
            raise not_modelled('a find by query (only name=NAME is answered)')
        spec = self.catalog.get(name)
        if spec is None:
            raise ApiError(404, 'snap not found', 'snap-not-found', name)
        tracking = f'{spec.default_track}/stable'
        release = next((r for r in spec.releases if r.channel == tracking), spec.releases[0])
        found = _snap_fields(spec, name)
        found.update(
            {
                'status': 'available',
                'version': release.version,
                'channel': _short(release.channel),
                'revision': str(release.revision),
                'confinement': spec.confinement,
                'download-size': release.size_mb * 1_000_000,
                # from the store's details, which a local snap's description lacks
                'store-url': f'https://snapcraft.io/{name}',
                'license': spec.license,
            }
        )
        apps = [{'snap': name, 'name': a.name} for a in sorted_apps(spec)]
        if apps:
            found['apps'] = apps
        return [found]

    # -- POST /v2/snaps/{name} ------------------------------------------------------------------

    def post_snap(self, name: str, body: dict[str, Any]) -> HttpResponse:
        action = str(body.get('action', ''))
        channel = str(body.get('channel') or '')
        hold_time = str(body.get('time') or '')
        hold_level = str(body.get('hold-level') or '')
        if action == 'hold':
            if not hold_time:
                raise ApiError(400, 'hold action requires a non-empty time value')
            if hold_time != 'forever' and _rfc3339(hold_time) is None:
                raise ApiError(
                    400, 'hold action requires time to be "forever" or in RFC3339 format'
                )
            if not hold_level:
                raise ApiError(400, 'hold action requires a non-empty hold-level value')
            if hold_level not in ('auto-refresh', 'general'):
                raise ApiError(
                    400, 'hold action requires hold-level to be either "auto-refresh" or "general"'
                )
        else:
            if hold_time:
                raise ApiError(400, 'time can only be specified for the "hold" action')
            if hold_level:
                raise ApiError(400, 'hold-level can only be specified for the "hold" action')
        if channel:
            try:
                _parse_verbatim(channel)
            except SnapError as error:
                raise ApiError(400, str(error)) from None
        if action == 'install':
            return self.install_snap(name, body, channel)
        if action == 'refresh':
            return self.refresh_snap(name, body, channel)
        if action == 'remove':
            return self.remove_snap(name)
        if action == 'hold':
            if name not in self.snaps:
                raise ApiError(400, f'cannot hold "{name}": snap "{name}" is not installed')
            record = self.snaps[name]
            record['held'] = True
            record['hold-until'] = self._forever() if hold_time == 'forever' else hold_time
            what = 'general refreshes' if hold_level == 'general' else 'auto-refreshes'
            return self.new_change('hold-snap', f'Hold {what} for "{name}"', [name])
        if action == 'unhold':
            if name in self.snaps:
                self.snaps[name]['held'] = False
                self.snaps[name].pop('hold-until', None)
            return self.new_change('unhold-snap', f'Remove refresh hold on "{name}"', [name])
        if action in ('revert', 'enable', 'disable', 'switch'):
            raise not_modelled(f'the "{action}" action')
        raise ApiError(400, f'unknown action {action}')

    def _store(self, name: str) -> SnapSpec:
        spec = self.catalog.get(name)
        if spec is None:
            raise ApiError(404, 'snap not found', 'snap-not-found', name)
        return spec

    def _release(
        self,
        spec: SnapSpec,
        channel: str | None,
        revision: str,
        action: str,
        channel_given: bool,
    ) -> tuple[str, SnapRelease]:
        """The channel to track and the release to put, or the store's refusal."""
        try:
            tracking, release = self.resolve(spec, channel, action)
        except SnapError:
            raise _channel_not_available(spec, channel or 'stable', action) from None
        if revision:
            found = self.at_revision(spec, tracking, revision, channel_given)
            if found is None and channel_given:
                raise _channel_not_available(spec, tracking, action)
            if found is None:
                raise ApiError(
                    404, 'no snap revision available as specified', 'snap-revision-not-available',
                    spec.name,
                )  # fmt: skip
            release = found
        return tracking, release

    def install_snap(self, name: str, body: Mapping[str, Any], channel: str) -> HttpResponse:
        if name in self.snaps:
            raise ApiError(
                400, f'snap "{name}" is already installed', 'snap-already-installed', name
            )
        spec = self._store(name)
        revision = str(body.get('revision') or '')
        tracking, release = self._release(
            spec, channel or None, revision, 'install', bool(channel)
        )
        classic = bool(body.get('classic'))
        if spec.confinement == 'classic' and not (classic or body.get('devmode')):
            raise ApiError(
                400, f'snap "{name}" requires classic confinement', 'snap-needs-classic', name
            )
        for dependency in (spec.base, 'snapd'):
            if dependency and dependency not in self.snaps and dependency in self.catalog:
                needed = self.catalog[dependency]
                self.put(needed, *self.resolve(needed, None, 'install'), classic=False)
        self.put(spec, tracking, release, classic)
        summary = f'Install "{name}" snap' + _from_channel(channel)
        return self.new_change('install-snap', summary, [name])

    def refresh_snap(self, name: str, body: Mapping[str, Any], channel: str) -> HttpResponse:
        record = self.snaps.get(name)
        if record is None:
            # storehelpers.go returns a NotInstalledError value, which errToResponse does not
            # match (it matches the pointer): BadRequest("cannot %s %s: %v"), with no kind.
            raise ApiError(400, f'cannot refresh "{name}": snap "{name}" is not installed')
        spec = self._store(name)
        current = str(record['channel'])
        wanted = _resolve_channel(channel, current) if channel else current
        revision = str(body.get('revision') or '')
        tracking, release = self._release(spec, wanted, revision, 'refresh', bool(channel))
        classic = record['confinement'] == 'classic' or bool(body.get('classic'))
        if spec.confinement == 'classic' and not (classic or body.get('devmode')):
            raise ApiError(
                400, f'snap "{name}" requires classic confinement', 'snap-needs-classic', name
            )
        if not revision and release.revision == record['revision'] and tracking == current:
            # errToResponse's last case: Value is the (empty) snap name, so it is sent.
            raise ApiError(400, 'snap has no updates available', 'snap-no-update-available', '')
        self.put(spec, tracking, release, classic)
        summary = f'Refresh "{name}" snap' + _from_channel(channel)
        return self.new_change('refresh-snap', summary, [name])

    def remove_snap(self, name: str) -> HttpResponse:
        if name not in self.snaps:
            raise ApiError(400, f'snap "{name}" is not installed', 'snap-not-installed', name)
        self.unput(name)
        return self.new_change('remove-snap', f'Remove "{name}" snap', [name])


def _snap_fields(spec: SnapSpec | None, name: str) -> dict[str, Any]:
    """What ClientSnapFromSnapInfo fills from the store's description of a snap."""
    fields: dict[str, Any] = {
        'id': '',
        'summary': spec.summary if spec else '',
        'description': (spec.description or spec.summary) if spec else '',
        'name': name,
        'developer': spec.publisher_id if spec else '',
        'type': spec.type if spec else 'app',
        'ignore-validation': False,
        'private': False,
        'devmode': False,
        'jailmode': False,
        'links': None,
        'contact': '',
    }
    if spec is not None:
        fields['publisher'] = {
            'id': '',
            'username': spec.publisher_id,
            'display-name': spec.publisher,
            'validation': 'verified' if spec.verified else 'unproven',
        }
        if spec.base:
            fields['base'] = spec.base
    return fields


def _short(channel: str) -> str:
    return channel.removeprefix('latest/')


def _from_channel(channel: str) -> str:
    """The channel part of installRefreshMessage."""
    return f' from "{channel}" channel' if channel not in ('', 'stable') else ''


def _resolve_channel(channel: str, tracking: str) -> str:
    """channel.Resolve: a channel starting with a risk keeps the tracked track."""
    track = tracking.split('/')[0] if '/' in tracking else ''
    if track and channel.split('/')[0] in RISKS:
        return f'{track}/{channel}'
    return channel


def _channel_not_available(spec: SnapSpec, channel: str, action: str) -> ApiError:
    """SnapRevisionNotAvailable with the store's releases (the architecture is ours)."""
    return ApiError(
        404,
        'no snap revision on specified channel',
        'snap-channel-not-available',
        {
            'snap-name': spec.name,
            'action': action,
            'channel': channel,
            'architecture': _ARCH,
            'releases': [
                {'architecture': _ARCH, 'channel': _short(r.channel)}
                for r in sorted(spec.releases, key=lambda r: r.channel)
            ],
        },
    )


def _rfc3339(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None

"""snapd's ``/v2/apps``: a snap's apps and services, and service control.

canonical/snapd ``daemon/api_apps.go`` (getAppsInfo, appInfosFor, postApps), ``client/apps.go``
(AppInfo), ``overlord/servicestate`` @ 2.67.1.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from ...catalog import SnapApp
from ...unix_http import HttpRequest, HttpResponse
from ._api_base import ApiError, ApiRun, comma_list, sorted_apps
from ._units import unit_name


class Apps(ApiRun):
    """``GET`` and ``POST /v2/apps``."""

    def _app_infos(self, names: Sequence[str], *, services: bool) -> list[tuple[str, SnapApp]]:
        """appInfosFor: the apps (or services) the names ask for, or snapd's refusal."""
        what = 'service' if services else 'app'
        requested = set(names)
        snap_names = {n.partition('.')[0] for n in names}
        found: set[str] = set()
        chosen: list[tuple[str, SnapApp]] = []
        for snap in sorted(self.snaps):
            if snap_names and snap not in snap_names:
                continue
            spec = self.catalog.get(snap)
            apps = [a for a in sorted_apps(spec) if not services or a.daemon is not None]
            if not apps and snap in requested:
                raise ApiError(404, f'snap "{snap}" has no {what}s', 'app-not-found')
            everything = not requested or snap in requested
            if everything:
                found.add(snap)
            for app in apps:
                full = f'{snap}.{app.name}'
                if everything or full in requested:
                    chosen.append((snap, app))
                    found.add(full)
        for name in sorted(requested - found):
            if '.' not in name:
                raise ApiError(404, f'snap "{name}" not found', 'snap-not-found', name)
            snap, _, app = name.partition('.')
            raise ApiError(404, f'snap "{snap}" has no {what} "{app}"', 'app-not-found')
        return chosen

    def get_apps(self, request: HttpRequest) -> list[dict[str, Any]]:
        select = request.first('select')
        if select not in ('', 'service'):
            raise ApiError(400, f'invalid select parameter: "{select}"')
        names = comma_list(request.first('names'))
        chosen = self._app_infos(names, services=select == 'service')
        return [self.app_info(snap, app) for snap, app in chosen]

    def post_apps(self, body: Mapping[str, Any]) -> HttpResponse:
        names = [str(n) for n in cast('list[object]', body.get('names') or [])]
        if not names:
            raise ApiError(
                400,
                'cannot perform operation on services without a list of services to operate on',
            )
        action = str(body.get('action', ''))
        chosen = self._app_infos(names, services=True)
        if action not in ('start', 'stop', 'restart'):
            # Control's error, answered BadRequest(err) (servicestate.go, api_apps.go postApps).
            raise ApiError(400, f'unknown action "{action}"')
        explicit = {name for name in names if '.' in name}
        for snap, app in chosen:
            unit = unit_name(snap, app.name)
            if action == 'restart' and not self.restarts(unit, f'{snap}.{app.name}' in explicit):
                continue
            if action == 'start':
                if body.get('enable'):
                    self.systemd.enable(unit)
                self.systemd.start(unit)
            elif action == 'stop':
                self.systemd.stop(unit)
                if body.get('disable'):
                    self.systemd.disable(unit)
            elif body.get('reload') and app.reload and self.systemd.active_state(unit) == 'active':
                self.systemd.reload(unit)
            else:
                self.systemd.restart(unit)
        err = ''
        if self.systemd.output.returncode:
            err = 'cannot perform the following tasks:\n' + '\n'.join(
                f'- {line}' for line in self.systemd.output.stderr
            )
        snaps = sorted({n.partition('.')[0] for n in names})
        return self.new_change('service-control', 'Running service command', snaps, err)

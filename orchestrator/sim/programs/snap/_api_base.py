"""What every part of the simulated snapd API shares: its errors, answers and changes.

canonical/snapd ``daemon/response.go`` (respJSON, SyncResponse, AsyncResponse),
``daemon/errors.go`` (apiError, errorResult) and ``daemon/api_general.go`` (getChange,
changeInfo) @ 2.67.1; the parts are in ``_api_snaps``, ``_api_apps``, ``_api_conf`` and
``_api_aliases``, put together in ``_api``.
"""

# pyright: strict

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, cast

from ...catalog import SnapApp, SnapSpec
from ...unix_http import HttpRequest, HttpResponse
from ._run import Run
from ._units import unit_name

_KEPT_CHANGES = 50


class ApiError(Exception):
    """An error response: ``daemon/errors.go`` apiError."""

    def __init__(self, status: int, message: str, kind: str = '', value: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.value = value


def json_response(status: int, document: Mapping[str, Any]) -> HttpResponse:
    return HttpResponse(status, json.dumps(document).encode())


def sync(result: Any) -> HttpResponse:
    return json_response(
        200, {'type': 'sync', 'status-code': 200, 'status': 'OK', 'result': result}
    )


def error_response(error: ApiError) -> HttpResponse:
    result: dict[str, Any] = {'message': error.message}
    if error.kind:
        result['kind'] = error.kind
    if error.value is not None:  # an interface holding "" is not omitted (omitempty)
        result['value'] = error.value
    return json_response(
        error.status,
        {
            'type': 'error',
            'status-code': error.status,
            'status': HTTPStatus(error.status).phrase,
            'result': result,
        },
    )


def not_modelled(what: str) -> ApiError:
    return ApiError(501, f"olm's simulated snapd does not model {what}")


def timestamp(seconds: float) -> str:
    """A time as Go marshals one (RFC 3339, UTC here)."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat().replace('+00:00', 'Z')


def comma_list(text: str) -> list[str]:
    """strutil.CommaSeparatedList: the items, trimmed, without empty ones."""
    return [item.strip() for item in text.split(',') if item.strip()]


def request_body(request: HttpRequest, what: str) -> dict[str, Any]:
    try:
        decoded = json.loads(request.body or b'null')
    except ValueError as error:
        raise ApiError(400, f'cannot decode request body into {what}: {error}') from None
    if not isinstance(decoded, dict):
        raise ApiError(400, f'cannot decode request body into {what}: not a JSON object')
    return cast('dict[str, Any]', decoded)


def sorted_apps(spec: SnapSpec | None) -> list[SnapApp]:
    """A snap's apps by name, as snap.AppInfoBySnapApp sorts them."""
    return sorted(spec.apps if spec else (), key=lambda a: a.name)


class ApiRun(Run):
    """One request to snapd's API, over the machine's snap state: changes and app infos."""

    # -- changes --------------------------------------------------------------------------------

    def _changes(self) -> dict[str, dict[str, Any]]:
        return cast('dict[str, dict[str, Any]]', self.state.setdefault('changes', {}))

    def new_change(
        self,
        kind: str,
        summary: str,
        snap_names: Sequence[str],
        err: str = '',
        data: Mapping[str, Any] | None = None,
    ) -> HttpResponse:
        """Record a change carried out now; answer 202 with its id (AsyncResponse)."""
        changes = self._changes()
        number = int(self.state.get('last-change', 0)) + 1
        self.state['last-change'] = number
        now = timestamp(self.invocation.world.clock())
        change: dict[str, Any] = {
            'id': str(number),
            'kind': kind,
            'summary': summary,
            'status': 'Error' if err else 'Done',
            'ready': True,
            'spawn-time': now,
            'ready-time': now,
        }
        if err:
            change['err'] = err
        if snap_names or data:
            change['data'] = {'snap-names': list(snap_names), **(data or {})}
        changes[str(number)] = change
        for old in sorted(changes, key=int)[:-_KEPT_CHANGES]:
            del changes[old]
        return json_response(
            202,
            {
                'type': 'async',
                'status-code': 202,
                'status': 'Accepted',
                'result': None,
                'change': str(number),
            },
        )

    def change(self, change_id: str) -> dict[str, Any]:
        found = self._changes().get(change_id)
        if found is None:
            raise ApiError(404, f'cannot find change with id "{change_id}"')
        return found

    def app_info(self, snap: str, app: SnapApp) -> dict[str, Any]:
        """``client.AppInfo``, a service's state decorated from systemd."""
        info: dict[str, Any] = {'snap': snap, 'name': app.name}
        if app.daemon is not None:
            unit = unit_name(snap, app.name)
            info['daemon'] = app.daemon
            info['daemon-scope'] = 'system'
            if self.systemd.enabled_state(unit) == 'enabled':
                info['enabled'] = True
            if self.systemd.active_state(unit) == 'active':
                info['active'] = True
        return info

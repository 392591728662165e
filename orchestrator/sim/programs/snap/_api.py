"""snapd's REST API on ``/run/snapd.socket``, over the same machine state as the ``snap`` CLI.

charmlibs-snap (PyPI ``charmlibs-snap`` 2.0) and ``charms.operator_libs_linux.v2.snap`` talk to
snapd over HTTP on its socket rather than running ``snap``; a simulated machine answers them
here, from the state the ``snap`` emulation keeps (one machine, one snapd: a snap installed
through the API is in ``snap list``, and the other way round). Modelled on snapd 2.67.1
(canonical/snapd tag ``2.67.1``, read with git):

- the response envelope (``type`` ``sync``/``async``/``error``, ``status-code``, ``status``,
  ``result``, ``change``): ``daemon/response.go`` respJSON, SyncResponse, AsyncResponse; an
  error's ``result`` is ``{message, kind, value}`` (``daemon/errors.go`` apiError,
  errorResult, errToResponse, SnapNotFound, SnapRevisionNotAvailable, AppNotFound);
- ``GET /v2/snaps``, ``GET /v2/snaps/{name}`` (``daemon/api_snaps.go`` getSnapsInfo,
  getSnapInfo; the fields of ``client/packages.go`` Snap as ``daemon/snap.go`` mapLocal and
  ``client/clientutil/snapinfo.go`` fill them), ``POST /v2/snaps/{name}`` with the actions
  ``install``, ``refresh``, ``remove``, ``hold`` and ``unhold`` (postSnap, snapInstruction's
  validate, snapInstall, snapUpdate, removeSnap, snapHoldMany, snapUnholdMany and their change
  summaries);
- ``GET /v2/changes/{id}`` (``daemon/api_general.go`` getChange, change2changeInfo);
- ``GET /v2/apps``, ``POST /v2/apps`` (``daemon/api_apps.go`` getAppsInfo, appInfosFor,
  postApps; ``client/apps.go`` AppInfo);
- ``GET``/``PUT /v2/snaps/{name}/conf`` (``daemon/api_snap_conf.go`` getSnapConf,
  setSnapConf; ``overlord/configstate/config/transaction.go`` NoOptionError;
  ``overlord/configstate/configstate.go`` canConfigure);
- ``GET /v2/find?name=NAME`` (``daemon/api_find.go`` findOne, mapRemote);
- ``GET``/``POST /v2/aliases`` with ``alias`` and ``unalias`` (``daemon/api_aliases.go``
  changeAliases, getAliases; ``overlord/snapstate/aliasesv2.go`` Alias, manualAlias,
  checkAliasesConflicts, RemoveManualAlias, DisableAllAliases; ``snap/naming/validate.go``
  ValidAlias), the ``aliases-added``/``aliases-removed`` the ``snap`` CLI prints.

A change is carried out when it is asked for, so it is ``Done`` (or ``Error``) by the first
``GET /v2/changes/{id}``; its tasks are not listed. What the API does not model answers
501 with a message that says so (other actions, the ``prefer`` alias action,
``/v2/interfaces``, ``/v2/logs``, a ``find`` by query), rather than a made-up success.
Deviation: an alias is recorded, but no ``/snap/bin`` link is made (a simulated machine has no
links) and running the alias is not a program of the machine.
"""

# pyright: strict

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any, cast

from ...catalog import SnapApp, SnapRelease, SnapSpec
from ...host import Invocation, SimHost
from ...unix_http import HttpRequest, HttpResponse
from ._channels import RISKS, _parse_verbatim  # pyright: ignore[reportPrivateUsage]
from ._config import _assign, _lookup, _unset  # pyright: ignore[reportPrivateUsage]
from ._errors import SnapError
from ._format import hold_forever
from ._run import Run
from ._units import unit_name

__all__ = ['SOCKET_PATH', 'serve']

SOCKET_PATH = '/run/snapd.socket'
"""snapd's socket (``dirs/dirs.go`` SnapdSocket @ 2.67.1)."""

_ARCH = 'amd64'
_KEPT_CHANGES = 50


class ApiError(Exception):
    """An error response: ``daemon/errors.go`` apiError."""

    def __init__(self, status: int, message: str, kind: str = '', value: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind
        self.value = value


def _json(status: int, document: Mapping[str, Any]) -> HttpResponse:
    return HttpResponse(status, json.dumps(document).encode())


def _sync(result: Any) -> HttpResponse:
    return _json(200, {'type': 'sync', 'status-code': 200, 'status': 'OK', 'result': result})


def _error(error: ApiError) -> HttpResponse:
    result: dict[str, Any] = {'message': error.message}
    if error.kind:
        result['kind'] = error.kind
    if error.value not in (None, ''):
        result['value'] = error.value
    return _json(
        error.status,
        {
            'type': 'error',
            'status-code': error.status,
            'status': HTTPStatus(error.status).phrase,
            'result': result,
        },
    )


def _not_modelled(what: str) -> ApiError:
    return ApiError(501, f"olm's simulated snapd does not model {what}")


def _timestamp(seconds: float) -> str:
    """A time as Go marshals one (RFC 3339, UTC here)."""
    moment = datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return moment.isoformat().replace('+00:00', 'Z')


def serve(host: SimHost, request: HttpRequest) -> HttpResponse:
    """Answer one request to snapd's API on ``host``."""
    api = _Api(Invocation(host, host.world, ('snapd',)))
    try:
        return api.route(request)
    except ApiError as error:
        return _error(error)


class _Api(Run):
    """One request to snapd's API, over the machine's snap state."""

    def route(self, request: HttpRequest) -> HttpResponse:
        parts = request.path.strip('/').split('/')
        if parts[:1] != ['v2'] or len(parts) < 2:
            raise ApiError(404, 'not found')
        what, rest = parts[1], parts[2:]
        method = request.method
        if what == 'snaps' and not rest:
            self._allow(method, 'GET')
            return _sync(self.list_snaps(request))
        if what == 'snaps' and len(rest) == 1:
            self._allow(method, 'GET', 'POST')
            if method == 'GET':
                return _sync(self.local(rest[0]))
            return self.post_snap(rest[0], _body(request, 'snap instruction'))
        if what == 'snaps' and len(rest) == 2 and rest[1] == 'conf':
            self._allow(method, 'GET', 'PUT')
            if method == 'GET':
                return _sync(self.get_conf(rest[0], _comma_list(request.first('keys'))))
            return self.put_conf(rest[0], _body(request, 'patch values'))
        if what == 'changes' and len(rest) == 1:
            self._allow(method, 'GET')
            return _sync(self.change(rest[0]))
        if what == 'apps' and not rest:
            self._allow(method, 'GET', 'POST')
            if method == 'GET':
                return _sync(self.get_apps(request))
            return self.post_apps(_body(request, 'service operation'))
        if what == 'find' and not rest:
            self._allow(method, 'GET')
            return _sync(self.find(request))
        if what == 'aliases' and not rest:
            self._allow(method, 'GET', 'POST')
            if method == 'GET':
                return _sync(self.get_aliases())
            return self.post_aliases(_body(request, 'an alias action'))
        if what in ('interfaces', 'logs', 'connections'):
            raise _not_modelled(f'/v2/{what}')
        raise ApiError(404, 'not found')

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise ApiError(405, f'method "{method}" not allowed')

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
        now = _timestamp(self.invocation.world.clock())
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
        return _json(
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

    # -- snaps ----------------------------------------------------------------------------------

    def list_snaps(self, request: HttpRequest) -> list[dict[str, Any]]:
        wanted = _comma_list(request.first('snaps'))
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
                'install-date': _timestamp(float(record['installed'])),
                'status': 'active',
                'version': str(record['version']),
                'channel': self._release_channel(spec, int(record['revision'])),
                'tracking-channel': str(record['channel']),
                'revision': revision,
                'confinement': str(record['confinement']),
                'mounted-from': f'/var/lib/snapd/snaps/{name}_{revision}.snap',
            }
        )
        apps = [self._app(name, app) for app in _sorted_apps(spec)]
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

    def _app(self, snap: str, app: SnapApp) -> dict[str, Any]:
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

    def find(self, request: HttpRequest) -> list[dict[str, Any]]:
        name = request.first('name')
        if not name or name.endswith('*') or request.first('q'):
            raise _not_modelled('a find by query (only name=NAME is answered)')
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
            }
        )
        apps = [{'snap': name, 'name': a.name} for a in _sorted_apps(spec)]
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
            raise _not_modelled(f'the "{action}" action')
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
            raise ApiError(400, 'snap has no updates available', 'snap-no-update-available')
        self.put(spec, tracking, release, classic)
        summary = f'Refresh "{name}" snap' + _from_channel(channel)
        return self.new_change('refresh-snap', summary, [name])

    def remove_snap(self, name: str) -> HttpResponse:
        if name not in self.snaps:
            raise ApiError(400, f'snap "{name}" is not installed', 'snap-not-installed', name)
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
        return self.new_change('remove-snap', f'Remove "{name}" snap', [name])

    # -- /v2/aliases ---------------------------------------------------------------------------

    def _aliases(self, snap: str) -> dict[str, str]:
        """A snap's manual aliases, alias → app (they go with the snap when it is removed)."""
        return cast('dict[str, str]', self.snaps[snap].setdefault('aliases', {}))

    def get_aliases(self) -> dict[str, dict[str, dict[str, str]]]:
        """getAliases: snap → alias → ``{command, status, manual}``."""
        found: dict[str, dict[str, dict[str, str]]] = {}
        for snap in sorted(self.snaps):
            for alias, app in sorted(self._aliases(snap).items()):
                command = snap if app == snap else f'{snap}.{app}'
                found.setdefault(snap, {})[alias] = {
                    'command': command,
                    'status': 'manual',
                    'manual': app,
                }
        return found

    def post_aliases(self, body: Mapping[str, Any]) -> HttpResponse:
        """changeAliases: ``alias`` and ``unalias`` (``prefer`` is not modelled)."""
        if body.get('aliases'):
            raise ApiError(
                400,
                'cannot interpret request, snaps can no longer be expected to declare their '
                'aliases',
            )
        action = str(body.get('action', ''))
        snap, app, alias = (str(body.get(k) or '') for k in ('snap', 'app', 'alias'))
        if action == 'alias':
            return self._alias(snap, app, alias)
        if action == 'unalias':
            return self._unalias(snap, alias)
        if action == 'prefer':
            raise _not_modelled('the "prefer" alias action')
        raise ApiError(400, f'unsupported alias action: "{action}"')

    def _alias(self, snap: str, app: str, alias: str) -> HttpResponse:
        if not _VALID_ALIAS.fullmatch(alias):
            raise ApiError(400, f'invalid alias name: "{alias}"')
        if snap not in self.snaps:
            raise ApiError(400, f'snap "{snap}" is not installed', 'snap-not-installed', snap)
        summary = f'Setup alias "{alias}" => "{app}" for snap "{snap}"'
        task = f'Setup manual alias "{alias}" => "{app}" for snap "{snap}"'
        spec = self.catalog.get(snap)
        target = next((a for a in spec.apps if a.name == app), None) if spec else None
        reason = ''
        if target is None:
            reason = f'target application "{app}" does not exist'
        elif target.daemon is not None:
            reason = f'target application "{app}" is a daemon'
        elif alias.split('.')[0] in self.snaps:
            reason = (
                'it conflicts with the command namespace of installed snap '
                f'"{alias.split(".")[0]}"'
            )
        if reason:
            failed = f'cannot enable alias "{alias}" for "{snap}", {reason}'
            return self.new_change('alias', summary, [snap], _task_error(task, failed))
        owner = next((s for s in sorted(self.snaps) if alias in self._aliases(s)), None)
        if owner is not None and owner != snap:
            failed = f'cannot enable alias "{alias}" for "{snap}", already enabled for "{owner}"'
            return self.new_change('alias', summary, [snap], _task_error(task, failed))
        # applyAliasesChange and aliasesTrace (handlers.go): only what changed is reported.
        before = self._aliases(snap).get(alias)
        self._aliases(snap)[alias] = app
        data: dict[str, Any] = {}
        if before != app:
            data['aliases-added'] = [{'snap': snap, 'app': app, 'alias': alias}]
        if before is not None and before != app:
            data['aliases-removed'] = [{'snap': snap, 'app': before, 'alias': alias}]
        return self.new_change('alias', summary, [snap], data=data)

    def _unalias(self, snap: str, alias: str) -> HttpResponse:
        if snap and alias == snap and snap in self.snaps:
            removed = [
                {'snap': snap, 'app': app, 'alias': name}
                for name, app in sorted(self._aliases(snap).items())
            ]
            self._aliases(snap).clear()
            summary = f'Disable all aliases for snap "{snap}"'
            return self.new_change('unalias', summary, [snap], data={'aliases-removed': removed})
        owner = next((s for s in sorted(self.snaps) if alias in self._aliases(s)), None)
        if owner is None:
            raise ApiError(400, f'cannot find manual alias "{alias}" in any snap')
        app = self._aliases(owner).pop(alias)
        removed = [{'snap': owner, 'app': app, 'alias': alias}]
        summary = f'Remove manual alias "{alias}" for snap "{owner}"'
        return self.new_change('unalias', summary, [owner], data={'aliases-removed': removed})

    # -- /v2/apps ------------------------------------------------------------------------------

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
            apps = [a for a in _sorted_apps(spec) if not services or a.daemon is not None]
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
        names = _comma_list(request.first('names'))
        chosen = self._app_infos(names, services=select == 'service')
        return [self._app(snap, app) for snap, app in chosen]

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
            raise ApiError(400, f'cannot perform operation on services: unknown action "{action}"')
        for snap, app in chosen:
            unit = unit_name(snap, app.name)
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

    # -- /v2/snaps/{name}/conf -----------------------------------------------------------------

    def _config(self, name: str) -> dict[str, Any] | None:
        if name == 'core':  # the system's configuration: always there (canConfigure)
            return cast('dict[str, Any]', self.state.setdefault('system-config', {}))
        record = self.snaps.get(name)
        return None if record is None else cast('dict[str, Any]', record['config'])

    def get_conf(self, name: str, keys: Sequence[str]) -> Any:
        name = 'core' if name == 'system' else name  # configstate.RemapSnapFromRequest
        config = self._config(name) or {}
        if not keys:
            return config
        values: dict[str, Any] = {}
        for key in keys:
            found, value = _lookup(config, key)
            if not found:
                raise ApiError(
                    400,
                    f'snap "{name}" has no "{key}" configuration option',
                    'option-not-found',
                    {'SnapName': name, 'Key': key},
                )
            values[key] = value
        return values

    def put_conf(self, name: str, patch: Mapping[str, Any]) -> HttpResponse:
        name = 'core' if name == 'system' else name
        config = self._config(name)
        if config is None:
            raise ApiError(404, f'snap "{name}" is not installed', 'snap-not-found', name)
        if self.snaps.get(name, {}).get('type') == 'snapd':
            raise ApiError(500, 'cannot configure the "snapd" snap, please use "system" instead')
        for key, value in patch.items():
            if value is None:
                _unset(config, key)
            else:
                _assign(config, key, value)
        summary = f'Change configuration of "{name}" snap'
        return self.new_change('configure-snap', summary, [name])


_VALID_ALIAS = re.compile(r'[a-zA-Z0-9][-_.a-zA-Z0-9]*')
"""snap/naming/validate.go ValidAlias @ 2.67.1."""


def _task_error(task: str, error: str) -> str:
    """A failed change's ``err``: overlord/state/change.go changeError @ 2.67.1."""
    return f'cannot perform the following tasks:\n- {task} ({error})'


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
        fields['store-url'] = f'https://snapcraft.io/{name}'
        fields['license'] = spec.license
        if spec.base:
            fields['base'] = spec.base
    return fields


def _sorted_apps(spec: SnapSpec | None) -> list[SnapApp]:
    return sorted(spec.apps if spec else (), key=lambda a: a.name)


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
                {'architecture': _ARCH, 'channel': r.channel}
                for r in sorted(spec.releases, key=lambda r: r.channel)
            ],
        },
    )


def _comma_list(text: str) -> list[str]:
    """strutil.CommaSeparatedList: the items, trimmed, without empty ones."""
    return [item.strip() for item in text.split(',') if item.strip()]


def _rfc3339(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text.replace('Z', '+00:00'))
    except ValueError:
        return None


def _body(request: HttpRequest, what: str) -> dict[str, Any]:
    try:
        decoded = json.loads(request.body or b'null')
    except ValueError as error:
        raise ApiError(400, f'cannot decode request body into {what}: {error}') from None
    if not isinstance(decoded, dict):
        raise ApiError(400, f'cannot decode request body into {what}: not a JSON object')
    return cast('dict[str, Any]', decoded)

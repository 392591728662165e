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

The parts, as snapd's ``daemon/`` has them: ``_api_base`` (errors, answers, changes),
``_api_snaps``, ``_api_apps``, ``_api_conf``, ``_api_aliases``; this module routes a request to
them.
"""

# pyright: strict

from __future__ import annotations

from ...host import Invocation, SimHost
from ...unix_http import HttpRequest, HttpResponse
from ._api_aliases import Aliases
from ._api_apps import Apps
from ._api_base import ApiError, comma_list, error_response, not_modelled, request_body, sync
from ._api_conf import Conf
from ._api_snaps import Snaps

__all__ = ['SOCKET_PATH', 'serve']

SOCKET_PATH = '/run/snapd.socket'
"""snapd's socket (``dirs/dirs.go`` SnapdSocket @ 2.67.1)."""


def serve(host: SimHost, request: HttpRequest) -> HttpResponse:
    """Answer one request to snapd's API on ``host``."""
    api = _Api(Invocation(host, host.world, ('snapd',)))
    try:
        return api.route(request)
    except ApiError as error:
        return error_response(error)


class _Api(Snaps, Apps, Conf, Aliases):
    """One request to snapd's API, over the machine's snap state."""

    def route(self, request: HttpRequest) -> HttpResponse:
        parts = request.path.strip('/').split('/')
        if parts[:1] != ['v2'] or len(parts) < 2:
            raise ApiError(404, 'not found')
        what, rest = parts[1], parts[2:]
        method = request.method
        if what == 'snaps' and not rest:
            self._allow(method, 'GET')
            return sync(self.list_snaps(request))
        if what == 'snaps' and len(rest) == 1:
            self._allow(method, 'GET', 'POST')
            if method == 'GET':
                return sync(self.local(rest[0]))
            return self.post_snap(rest[0], request_body(request, 'snap instruction'))
        if what == 'snaps' and len(rest) == 2 and rest[1] == 'conf':
            self._allow(method, 'GET', 'PUT')
            if method == 'GET':
                return sync(self.get_conf(rest[0], comma_list(request.first('keys'))))
            return self.put_conf(rest[0], request_body(request, 'patch values'))
        if what == 'changes' and len(rest) == 1:
            self._allow(method, 'GET')
            return sync(self.change(rest[0]))
        if what == 'apps' and not rest:
            self._allow(method, 'GET', 'POST')
            if method == 'GET':
                return sync(self.get_apps(request))
            return self.post_apps(request_body(request, 'service operation'))
        if what == 'find' and not rest:
            self._allow(method, 'GET')
            return sync(self.find(request))
        if what == 'aliases' and not rest:
            self._allow(method, 'GET', 'POST')
            if method == 'GET':
                return sync(self.get_aliases())
            return self.post_aliases(request_body(request, 'an alias action'))
        if what in ('interfaces', 'logs', 'connections'):
            raise not_modelled(f'/v2/{what}')
        raise ApiError(404, 'not found')

    @staticmethod
    def _allow(method: str, *allowed: str) -> None:
        if method not in allowed:
            raise ApiError(405, f'method "{method}" not allowed')

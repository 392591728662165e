"""kube-apiserver on a control plane, and what it answers: health, ``/version``, 401."""

# pyright: strict

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from .. import k8s
from ._errors import not_emulated

if TYPE_CHECKING:
    from ...host import SimHost
    from ...world import World

API_PORT = 6443  # kube-apiserver --secure-port and k8s-apiserver-proxy --listen, as k8s-snap sets

_HEALTH_PATHS = frozenset({'/livez', '/readyz', '/healthz'})

_PLAIN_TEXT = 'text/plain; charset=utf-8'

_JSON = 'application/json'


def mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class ApiServer:
    """kube-apiserver on a control-plane machine, at the end of the path."""

    machine: SimHost
    cluster: Mapping[str, Any]
    node: Mapping[str, Any]


def local_k8s(machine: SimHost) -> Mapping[str, Any]:
    """The machine's k8s membership (cluster, name, role) while k8sd is initialised there."""
    if not machine.exists(k8s.DAEMON_FILE):
        return {}
    return mapping(machine.state.get('k8s'))


def k8s_cluster(world: World, cluster_id: object) -> Mapping[str, Any] | None:
    clusters = mapping(mapping(world.shared.get('k8s')).get('clusters'))
    found = clusters.get(str(cluster_id))
    return mapping(found) if found is not None else None


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    content_type: str = ''


def _go_json(value: object) -> str:
    """``json.MarshalIndent(value, "", "  ")``: Go escapes <, > and & in strings."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    for char, escaped in (('<', '\\u003c'), ('>', '\\u003e'), ('&', '\\u0026')):
        text = text.replace(char, escaped)
    return text.replace('\u2028', '\\u2028').replace('\u2029', '\\u2029')


def _version_info(api: ApiServer) -> dict[str, str]:
    """kube-apiserver's ``version.Info``, from the k8s snap installed on its machine."""
    snaps = mapping(mapping(api.machine.state.get('snap')).get('snaps'))
    version = str(mapping(snaps.get('k8s')).get('version', ''))
    match = re.match(r'v?(\d+)\.(\d+)', version)
    major, minor = (match.group(1), match.group(2)) if match else ('', '')
    info = {'major': major, 'minor': minor}
    if match and (int(major), int(minor)) >= (1, 33):
        info |= {
            'emulationMajor': major,
            'emulationMinor': minor,
            'minCompatibilityMajor': major,
            'minCompatibilityMinor': str(int(minor) - 1),
        }
    return info | {
        'gitVersion': version if version.startswith('v') or not version else f'v{version}',
        'gitCommit': '',
        'gitTreeState': '',
        'buildDate': '',
        'goVersion': '',
        'compiler': 'gc',
        'platform': 'linux/amd64',
    }


def _unauthorized() -> Response:
    """The 401 ``Status`` of kube-apiserver's authentication filter (no ``details``)."""
    status: dict[str, object] = {
        'kind': 'Status',
        'apiVersion': 'v1',
        'metadata': {},
        'status': 'Failure',
        'message': 'Unauthorized',
        'reason': 'Unauthorized',
        'code': 401,
    }
    return Response(401, _go_json(status), _JSON)


def api_response(api: ApiServer, scheme: str, path: str, query: str, admin: bool) -> Response:
    """What kube-apiserver answers a GET (``admin``: with the admin client certificate).

    With ``--anonymous-auth=false`` (k8s-snap) authentication comes before every handler, the
    health checks included: no accepted credential, 401.
    """
    if scheme == 'http':
        return Response(400, 'Client sent an HTTP request to an HTTPS server.\n')
    if not admin:
        return _unauthorized()
    if path in _HEALTH_PATHS:
        if query:
            not_emulated(f'{path}?{query} (the detailed health checks)')
        return Response(200, 'ok', _PLAIN_TEXT)
    if path in ('/version', '/version/'):
        return Response(200, _go_json(_version_info(api)), _JSON)
    not_emulated(f'an authenticated GET {path} (use kubectl, emulated by k8s)')

"""``maas login``, ``logout`` and ``PROFILE rack-controller(s) read|delete``: the API client."""

# pyright: strict

from __future__ import annotations

import argparse
import json
import posixpath
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

from .._machine_state import mapping
from ._errors import ExitError, UsageError, not_emulated
from ._network import SOCKET_ERRORS, route_to
from ._parser import MaasParser, api_url, is_set, text_option
from ._run import Run
from ._state import region_databases

if TYPE_CHECKING:
    from ...world import World

__all__ = ['ApiClient']


def _known_key(db: Mapping[str, Any], credentials: Sequence[str]) -> bool:
    """Whether the database has this API key (OAuth: consumer, token and secret match)."""
    return any(
        list(credentials) == list(token)
        for user in mapping(db.get('users')).values()
        for token in mapping(user).get('tokens', [])
    )


def _rack_controllers(world: World, db: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The API's rack controllers: racks and region+rack controllers, oldest first."""
    nodes: list[tuple[int, str, Mapping[str, Any], bool]] = []
    for system_id, record in mapping(db.get('racks')).items():
        nodes.append((int(record.get('created', 0)), system_id, record, False))
    for system_id, record in mapping(db.get('regions')).items():
        if record.get('node_type') == 'region+rack':
            nodes.append((int(record.get('created', 0)), system_id, record, True))
    return {
        system_id: _rack_json(system_id, record, both)
        for _, system_id, record, both in sorted(nodes, key=lambda node: node[:2])
    }


def _rack_json(system_id: str, record: Mapping[str, Any], both: bool) -> dict[str, Any]:
    """A rack controller as the MAAS API renders it (a subset of its fields)."""
    hostname = str(record.get('hostname', ''))
    return {
        'system_id': system_id,
        'hostname': hostname,
        'description': '',
        'domain': {
            'authoritative': True,
            'ttl': None,
            'resource_record_count': 0,
            'name': 'maas',
            'id': 0,
            'is_default': True,
            'resource_uri': '/MAAS/api/2.0/domains/0/',
        },
        'fqdn': f'{hostname}.maas',
        'architecture': 'amd64/generic',
        'ip_addresses': list(cast('list[str]', record.get('addresses', []))),
        'zone': {
            'name': 'default',
            'description': '',
            'id': 1,
            'resource_uri': '/MAAS/api/2.0/zones/default/',
        },
        'node_type': 4 if both else 2,
        'node_type_name': 'Region and rack controller' if both else 'Rack controller',
        'version': str(record.get('version', '')),
        'resource_uri': f'/MAAS/api/2.0/rackcontrollers/{system_id}/',
    }


def _delete_rack(db: dict[str, Any], system_id: str) -> None:
    """Delete a rack; a region+rack controller becomes a region controller."""
    racks = mapping(db.get('racks'))
    if system_id in racks:
        del racks[system_id]
        return
    mapping(db.get('regions'))[system_id]['node_type'] = 'region'


class ApiClient(Run):
    """maascli's API client: ``login``, ``logout`` and ``PROFILE rack-controller(s) ...``."""

    def profiles(self) -> dict[str, dict[str, Any]]:
        return cast(
            'dict[str, dict[str, Any]]', self.host.namespace('maas').setdefault('profiles', {})
        )

    def database_path(self) -> str:
        return posixpath.join(self.invocation.env.get('HOME', '/root'), '.maascli.db')

    def login(self, options: argparse.Namespace, parser: MaasParser) -> int:
        """``maas login PROFILE URL [CREDENTIALS]``."""
        if text_option(options, 'cacerts') is not None:
            not_emulated('login --cacerts')
        url = api_url(str(options.url))
        given = text_option(options, 'credentials')
        if given == '-':
            line = self.readline()
            text: str | None = (line or '').strip()
        elif given is None:
            self.reach(url, parser)  # MAAS first asks the region for a key by macaroon
            text = self.prompt_api_key()
        else:
            text = given
        credentials = None
        if text and not text.isspace():
            credentials = text.split(':')
            if len(credentials) != 3:
                raise UsageError(
                    parser.format_usage(),
                    'Malformed credentials string.  Expected 3 colon-separated items, got '
                    "'<redacted>'.",
                )
        key = self.reach(url, parser)
        if credentials is not None and not _known_key(
            region_databases(self.world)[key], credentials
        ):
            raise ExitError(1, 'The MAAS server rejected your API key.')
        name = str(options.profile_name)
        self.profiles()[name] = {'url': url, 'credentials': credentials}
        if not self.host.exists(self.database_path()):
            self.host.write_text(self.database_path(), '', mode=0o600)
        self.print()
        for message in (
            f"You are now logged in to the MAAS server at {url} with the profile name '{name}'.",
            'For help with the available commands, try:',
            f'  maas {name} --help',
        ):
            self.print(textwrap.fill(message))
            self.print()
        return 0

    def prompt_api_key(self) -> str | None:
        """``try_getpass``: the key typed at the prompt, None at end of input."""
        self.stderr.append(
            'Warning: Password input may be echoed.\nAPI key (leave empty for anonymous access): '
        )
        line = self.readline()
        if line is None:
            return None
        self.stderr.append('\n')
        return line.removesuffix('\n')

    def reach(self, url: str, parser: MaasParser) -> str:
        """The database of the region answering at ``url``; httplib2's error otherwise."""
        route = route_to(self.world, url, self.host)
        if isinstance(route, str):
            raise UsageError(parser.format_usage(), SOCKET_ERRORS[route])
        return route[1]

    def logout(self, options: argparse.Namespace, parser: MaasParser) -> int:
        """``maas logout PROFILE``."""
        path = self.database_path()
        if not self.host.exists(path):
            raise UsageError(parser.format_usage(), path)
        self.profiles().pop(str(options.profile_name), None)
        return 0

    def api(self, parser: MaasParser, name: str, options: argparse.Namespace) -> int:
        """``maas PROFILE RESOURCE ACTION ...``: one signed request, its body printed."""
        resource, action = text_option(options, 'resource'), text_option(options, 'action')
        if resource is None or action is None:
            raise UsageError(parser.format_usage(), 'too few arguments')
        profile = self.profiles()[name]
        if profile.get('credentials') is None:
            not_emulated('anonymous API access')
        db = region_databases(self.world)[self.reach(str(profile['url']), parser)]
        if not _known_key(db, cast('list[str]', profile['credentials'])):
            return self.respond(
                options, 401, 'Unauthorized', 'Authorization Error: Invalid API key.'
            )
        filters = dict(cast('list[tuple[str, str]]', options.data))
        controllers = _rack_controllers(self.world, db)
        if resource == 'rack-controllers':
            chosen = [
                node
                for node in controllers.values()
                if filters.get('hostname', node['hostname']) == node['hostname']
                and filters.get('id', node['system_id']) == node['system_id']
            ]
            return self.respond(options, 200, 'OK', json.dumps(chosen, indent=4))
        system_id = str(options.system_id)
        if system_id not in controllers:
            return self.respond(
                options, 404, 'Not Found', 'No RackController matches the given query.'
            )
        if action == 'read':
            return self.respond(options, 200, 'OK', json.dumps(controllers[system_id], indent=4))
        record = mapping(db.get('racks')).get(system_id) or mapping(db.get('regions'))[system_id]
        machine = self.world.machines.get(str(record.get('machine', '')))
        _delete_rack(db, system_id)
        if machine is not None:
            # The region drops a deleted rack's connection; its rackd reconnects and registers
            # again, as a new node, if it is still running.
            machine.namespace('maas').pop('rackd', None)
        return self.respond(options, 204, 'No Content', '')

    def respond(self, options: argparse.Namespace, status: int, reason: str, body: str) -> int:
        """``Action.__call__``: the body as is; ``--debug`` adds the status line; 2 if not 2xx."""
        if is_set(options, 'debug'):
            json_body = body.startswith(('[', '{'))
            kind = 'application/json' if json_body else 'text/plain; charset=utf-8'
            self.stderr.append(f'{status} {reason}\n\n  Content-Type: {kind}\n\n')
        self.stdout.append(body)
        return 0 if status // 100 == 2 else 2

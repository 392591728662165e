"""``maas init region|region+rack|rack`` (``src/maascli/snap.py`` ``cmd_init``)."""

# pyright: strict

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ._database_uri import TEST_DB_URI, regiond_database_settings
from ._errors import not_emulated
from ._parser import MaasParser, is_set, text_option
from ._run import Run
from ._state import (
    COMMON,
    MODE_FILE,
    PEBBLE_SERVICE,
    REGION_MODES,
    SECRET_FILE,
    controller_mode,
    db_key,
    region_databases,
    regiond_config,
)

if TYPE_CHECKING:
    pass

__all__ = ['InitCommand']


_SET_UP = """\
MAAS has been set up.

If you want to configure external authentication or use
MAAS with Canonical RBAC, please run

  sudo maas configauth

To create admins when not using external authentication, run

  sudo maas createadmin

To enable TLS for secured communication, please run

  sudo maas config-tls enable

"""

_URL_HELP = (
    'URL that MAAS should use for communicate from the nodes to MAAS and other controllers '
    'of MAAS.'
)
_DB_HELP = (
    'URI for the MAAS Postgres database in the form of postgres://user:pass@host:port/dbname '
    'or maas-test-db:///. For maas-test-db:/// to work, the maas-test-db snap needs to be '
    'installed and connected'
)
_RACK_KEY_HELP = (
    'Secret token required for the rack controller to talk to the region controller(s). '
    "Only used when in 'rack' mode."
)


class InitCommand(Run):
    """``maas init``: the controller's mode, URL, database or secret; migrations; services."""

    def init(self, options: argparse.Namespace, parser: MaasParser) -> int:
        """``maas init MODE``."""
        mode = str(options.run_mode)
        current = controller_mode(self.host)
        if current != 'none' and not is_set(options, 'force'):
            self.print('Controller has already been initialized.')
            question = 'Are you sure you want to initialize again (yes/no) [default=no]? '
            if self.prompt_for_choices(question, ('yes', 'no'), 'no') == 'no':
                return 0
        settings: dict[str, Any] = {}
        if mode in REGION_MODES:
            settings = self.database_settings(text_option(options, 'database_uri'))
            if text_option(options, 'vault_uri'):
                not_emulated('init with Vault')
        url = text_option(options, 'maas_url') or self.required_prompt(
            'MAAS URL', _URL_HELP, self.default_url()
        )
        secret = None
        if mode == 'rack':
            secret = text_option(options, 'secret') or self.required_prompt(
                'Secret', _RACK_KEY_HELP
            )
        if current != 'none':
            self.print('Stopping services')
            self.systemd().stop(PEBBLE_SERVICE)  # stop_pebble: snapctl stop maas.pebble
        self.update_config({'maas_url': url, **settings})
        if secret:
            self.host.write_text(SECRET_FILE, secret, mode=0o640)
        else:
            self.host.remove(SECRET_FILE)
        self.finalize(mode)
        return 0

    def database_settings(self, uri: str | None) -> dict[str, Any]:
        if uri is None:
            socket = f'{COMMON}/test-db-socket'
            default = TEST_DB_URI if self.host.exists(socket) else None
            uri = self.required_prompt('Database URI', _DB_HELP, default)
        return regiond_database_settings(uri, COMMON)

    def default_url(self) -> str:
        """``get_default_url``: the address of the default route's interface."""
        address = next(iter(self.host.addresses()), 'localhost')
        return f'http://{f"[{address}]" if ":" in address else address}:5240/MAAS'

    def finalize(self, mode: str) -> None:
        """``_finalize_init``: migrations on an empty database, then the services."""
        key = db_key(self.host, regiond_config(self.host))
        databases = region_databases(self.world)
        init_db = mode in REGION_MODES and not databases.get(key, {}).get('migrated')
        if init_db:
            self.print('Performing database migrations')
            databases.setdefault(key, {}).update(
                migrated=True, secret=None, regions={}, racks={}, users={}
            )
        self.print('Starting services')
        self.host.write_text(MODE_FILE, mode)
        # restart_pebble(restart_inactive=True): snapctl restart maas.pebble, which starts it
        # even when it was stopped ("it makes sense to start MAAS after initialization").
        self.systemd().restart(PEBBLE_SERVICE)
        state = self.host.namespace('maas')
        state['started'] = self.world.clock()
        state.pop('rackd', None)  # rackd restarts: its next attempt is logged again
        if init_db:
            self.print(_SET_UP, end='')

"""``maas config`` (``print_config`` and the setting half of ``cmd_config``)."""

# pyright: strict

from __future__ import annotations

import argparse
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ._parser import MaasParser, is_set
from ._run import Run
from ._state import (
    PEBBLE_SERVICE,
    REGION_MODES,
    SECRET_FILE,
    controller_mode,
    pebble_active,
    regiond_config,
)

if TYPE_CHECKING:
    pass

__all__ = ['ConfigCommand']


class ConfigCommand(Run):
    """``maas config``: show the settings, or change them and restart the services."""

    def config(self, options: argparse.Namespace, parser: MaasParser) -> int:
        """``maas config``: show the settings, or change them."""
        changes = {
            name: getattr(options, name)
            for name in (
                'secret',
                'maas_url',
                'num_workers',
                'enable_debug',
                'disable_debug',
                'enable_debug_queries',
                'disable_debug_queries',
            )
            if getattr(options, name) is not None and getattr(options, name) is not False
        }
        if is_set(options, 'render'):
            return 0
        if is_set(options, 'show') or not changes:
            self.print_config(options)
            return 0
        return self.change_config(changes)

    def print_config(self, options: argparse.Namespace) -> None:
        """``print_config``."""
        mode = controller_mode(self.host)
        config = regiond_config(self.host)
        parsable = is_set(options, 'parsable')
        self.print(f'mode={mode}' if parsable else f'Mode: {mode}')
        if mode == 'none':
            return
        if not parsable:
            self.print('Settings:')

        def show(key: str, hidden: bool = False) -> None:
            self.print(f'{key}=(hidden)' if hidden else f'{key}={config.get(key)}')

        show('maas_url')
        if 'debug' in config:
            show('debug')
        if mode in REGION_MODES:
            for key in ('database_host', 'database_port', 'database_name', 'database_user'):
                show(key)
            show('database_pass', hidden=not is_set(options, 'show_database_password'))
        if mode == 'rack':
            entry = self.host.files.get(SECRET_FILE)
            secret = (entry.content.strip() or None) if entry is not None else None
            self.print(f'secret={secret if is_set(options, "show_secret") else "(hidden)"}')
        else:
            for key in ('num_workers', 'debug_queries'):
                if key in config:
                    show(key)

    def change_config(self, changes: Mapping[str, Any]) -> int:
        """The setting half of ``cmd_config``."""
        mode = controller_mode(self.host)
        allowed = {'rack': ('maas_url', 'secret'), 'none': ()}.get(mode, ('maas_url',))
        invalid = [
            f'--{flag.replace("_", "-")}'
            for flag in ('maas_url', 'secret')
            if flag in changes and flag not in allowed
        ]
        if invalid:
            self.print(f"Following flags are not supported in '{mode}' mode: {', '.join(invalid)}")
            return 1
        config = regiond_config(self.host)
        restart = False
        if 'maas_url' in changes and config.get('maas_url') != changes['maas_url']:
            self.update_config({'maas_url': changes['maas_url']})
            restart = True
        if 'secret' in changes:
            self.host.write_text(SECRET_FILE, str(changes['secret']), mode=0o640)
        optional = {
            'num_workers': ('num_workers', changes.get('num_workers')),
            'enable_debug': ('debug', True),
            'disable_debug': ('debug', False),
            'enable_debug_queries': ('debug_queries', True),
            'disable_debug_queries': ('debug_queries', False),
        }
        for flag, (key, value) in optional.items():
            if flag in changes and regiond_config(self.host).get(key) != value:
                self.update_config({key: value})
                restart = True
        if restart:
            self.print('Restarting services' if mode != 'none' else 'Stopping services')
            # restart_pebble(): nothing when ``snapctl services maas`` says inactive.
            if pebble_active(self.host):
                self.systemd().restart(PEBBLE_SERVICE)
                self.host.namespace('maas').update(started=self.world.clock())
                self.host.namespace('maas').pop('rackd', None)
        return 0

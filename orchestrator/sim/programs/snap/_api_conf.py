"""snapd's ``/v2/snaps/{name}/conf``: a snap's configuration, and the system's.

canonical/snapd ``daemon/api_snap_conf.go`` (getSnapConf, setSnapConf),
``overlord/configstate/config/transaction.go`` (NoOptionError),
``overlord/configstate/configstate.go`` (canConfigure, RemapSnapFromRequest) @ 2.67.1; the
same documents ``snap set``/``get`` use (``_config``).
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from ...unix_http import HttpResponse
from ._api_base import ApiError, ApiRun
from ._config import _assign, _lookup, _unset  # pyright: ignore[reportPrivateUsage]


class Conf(ApiRun):
    """``GET`` and ``PUT /v2/snaps/{name}/conf``."""

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

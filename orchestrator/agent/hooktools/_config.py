"""config-get.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/config-get.go`` (commit
0cdccd5f8d25): without a key, the settings that have a value (set or defaulted); ``--all``
adds the options with neither, as null; a key prints its value, null when unknown.
"""

# pyright: strict
# pyright: reportPrivateUsage=false

from __future__ import annotations

from typing import Any, Final

from ._base import Call, ToolFn, as_map, check_empty, emit
from ._errors import UsageError
from ._flags import FlagSet, Output, go_quote


def _config_get(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    out = Output(flags, 'smart')
    flags.bool('a', 'all')
    pos = flags.parse(args)
    key = ''
    if pos:
        key = pos[0]
        if key and flags.get_bool('a'):
            raise UsageError(f'cannot use argument --all together with key {go_quote(key)}')
        check_empty(pos[1:])
    settings: dict[str, Any] = dict(ctx.backend.config_get())
    if not key:
        if flags.get_bool('a'):
            options = as_map(as_map(ctx.backend._charm_spec.config).get('options'))
            for option in options:
                settings.setdefault(option, None)
        else:
            settings = {k: v for k, v in settings.items() if v is not None}
        emit(call, out, settings)
        return
    emit(call, out, settings.get(key))


TOOLS: Final[dict[str, ToolFn]] = {'config-get': _config_get}

__all__ = ['TOOLS']

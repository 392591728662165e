"""storage-get, storage-list, storage-add.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/storage-get.go`` (commit
2365bb250832, with its ``storageIdValue``: ``-s`` defaults to the hook's storage and must be a
valid storage ID, ``invalid storage ID "x"``), ``storage-list.go`` (commit 0cdccd5f8d25) and
``storage-add.go`` (commit 4180630869eb); storage IDs as juju/names ``storage.go`` (commit
b50ca77a4137) validates them; ``storage.ParseDirectivesMap`` (``internal/storage``) for
``storage-add``'s arguments, each directive parsed by
:func:`orchestrator.juju.storage.parse_directive`.

Deviation: a well-formed storage ID the unit has no storage for is refused with olm's wording
(the controller's was not read).
"""

# pyright: strict
# pyright: reportPrivateUsage=false

from __future__ import annotations

import re
from typing import Any, Final

from orchestrator.juju.storage import StorageError, parse_directive

from ._base import Call, ToolFn, as_map, check_empty, emit
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote
from ._format import StrList

_NAME: Final = r'(?:[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)'
_VALID_STORAGE: Final = re.compile(f'^({_NAME})/(?:0|[1-9][0-9]*)$')


def _storages(call: Call) -> list[Any]:
    return list(call.ctx.state.storages)


def _storage_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    chosen: list[str] = []
    hook_storage = call.ctx.env.get('JUJU_STORAGE_ID', '')
    if hook_storage:
        chosen.append(hook_storage)

    def set_storage(value: str) -> None:
        if not _VALID_STORAGE.match(value):
            raise ValueError(f'invalid storage ID {go_quote(value)}')
        if not any(f'{s.name}/{s.index}' == value for s in _storages(call)):
            raise ValueError(f'storage {go_quote(value)} not found')
        chosen.append(value)

    flags.var('s', setter=set_storage)
    pos = flags.parse(args)
    if not chosen:
        raise UsageError('no storage instance specified')
    if len(pos) > 1:
        check_empty(pos[1:])
    key = pos[0] if pos else ''
    storage_id = chosen[-1]
    name = storage_id.split('/')[0]
    meta = as_map(as_map(as_map(call.ctx.backend._charm_spec.meta).get('storage')).get(name))
    kind = str(meta.get('type', ''))
    values: dict[str, object] = {
        'kind': kind if kind in ('block', 'filesystem') else 'unknown',
        'location': call.ctx.backend.storage_get(storage_id, 'location'),
    }
    if not key:
        emit(call, out, values)
        return
    if key not in values:
        raise ToolError(f'invalid storage attribute {go_quote(key)}')
    emit(call, out, values[key])


def _storage_list(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    pos = flags.parse(args)
    check_empty(pos[1:])
    name = pos[0] if pos else ''
    ids = [f'{s.name}/{s.index}' for s in _storages(call) if not name or s.name == name]
    emit(call, out, StrList(ids))


def _storage_add(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    pos = flags.parse(args)
    if not pos:
        raise UsageError('storage add requires a storage directive')
    counts: dict[str, int] = {}
    for kv in pos:
        parts = kv.split('=')
        name = parts[0]
        if len(parts) > 2 or not name:
            raise UsageError(f'expected "name=directive" or "name", got {go_quote(kv)}')
        if name in counts:
            raise UsageError(f'storage {go_quote(name)} specified more than once')
        try:
            directive = parse_directive(parts[1] if len(parts) > 1 else '1')
        except StorageError as e:
            raise UsageError(f'cannot parse directive for storage {go_quote(name)}: {e}') from None
        if directive.pool is not None or directive.size_mib is not None:
            raise UsageError(f'only count can be specified for {go_quote(name)}')
        counts[name] = directive.count or 1
    for name, count in counts.items():
        call.ctx.backend.storage_add(name, count)


TOOLS: Final[dict[str, ToolFn]] = {
    'storage-get': _storage_get,
    'storage-list': _storage_list,
    'storage-add': _storage_add,
}

__all__ = ['TOOLS']

"""state-get, state-set, state-delete: the unit's server-side charm state.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/state-get.go`` (commit
67d89ab27eb0), ``state-set.go`` (commit 2ba9927ea4a5), ``state-delete.go`` (commit
270b0465c941); the cache they read and write is the uniter's ``HookContext``
(``internal/worker/uniter/runner/context/context.go``, commit b97f4ce342f6): an empty state is
a nil map, a missing key ``errors.NotFoundf("%q", key)``.

Deviation: the size limits the uniter enforces on keys and values (``quota.CheckTupleSize``)
are not enforced; their messages were not read.
"""

# pyright: strict

from __future__ import annotations

from typing import Final

from ._base import Call, ToolFn, check_empty, emit, read_settings
from ._errors import ToolError
from ._flags import FlagSet, Output, go_quote
from ._format import NIL_MAP
from ._relation import parse_key_values


def _state_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    flags.bool('strict')
    pos = flags.parse(args)
    key = ''
    if pos:
        key = '' if pos[0] == '-' else pos[0]
        check_empty(pos[1:])
    state = call.ctx.charm_state
    if not key:
        emit(call, out, dict(state) if state else NIL_MAP)
        return
    if key not in state and flags.get_bool('strict'):
        raise ToolError(f'{go_quote(key)} not found')
    emit(call, out, state.get(key, ''))


def _state_set(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    flags.string('file')
    values = parse_key_values(flags.parse(args))
    path = flags.get_str('file')
    if path:
        data = call.stdin if path == '-' else call.read_path(path)
        from_file = read_settings(data)
        from_file.update(values)
        values = from_file
    call.ctx.charm_state.update(values)


def _state_delete(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    pos = flags.parse(args)
    if not pos:
        return
    check_empty(pos[1:])
    if pos[0]:
        call.ctx.charm_state.pop(pos[0], None)


TOOLS: Final[dict[str, ToolFn]] = {
    'state-get': _state_get,
    'state-set': _state_set,
    'state-delete': _state_delete,
}

__all__ = ['TOOLS']

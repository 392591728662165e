"""status-get, status-set.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/status-get.go`` (commit
0cdccd5f8d25) and ``status-set.go`` (commit 12baae6dd54d); the leader check of the
application status is ``HookContext.ApplicationStatus``/``SetApplicationStatus`` in
``internal/worker/uniter/runner/context/context.go`` (commit b97f4ce342f6).

Deviations: Scenario keeps no status data, so ``status-data`` is always empty; it keeps no
other unit's status either, so ``status-get --application`` lists only this unit under
``units``.
"""

# pyright: strict

from __future__ import annotations

from typing import Final

from ._base import IS_NOT_LEADER, Call, ToolFn, check_empty, emit
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote

_VALID: Final = ('maintenance', 'blocked', 'waiting', 'active')


def _details(status: str, message: str, include_data: bool) -> dict[str, object]:
    """Jujuc ``toDetails``: a Go map (sorted when written)."""
    details: dict[str, object] = {'status': status}
    if include_data:
        details['status-data'] = {}
        details['message'] = message
    return details


def _status_get(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    out = Output(flags, 'smart')
    flags.bool('include-data')
    flags.bool('application')
    check_empty(flags.parse(args))
    include = flags.get_bool('include-data')
    if flags.get_bool('application'):
        if not ctx.backend.is_leader():
            raise ToolError(f'finding application status: {IS_NOT_LEADER}')
        app = ctx.backend.status_get(is_app=True)
        if not include and out.name == 'smart':
            emit(call, out, app['status'])
            return
        unit = ctx.backend.status_get(is_app=False)
        details = _details(app['status'], app['message'], include)
        details['units'] = {ctx.unit_name: _details(unit['status'], unit['message'], include)}
        emit(call, out, {'application-status': details})
        return
    unit = ctx.backend.status_get(is_app=False)
    if not include and out.name == 'smart':
        emit(call, out, unit['status'])
        return
    emit(call, out, _details(unit['status'], unit['message'], include))


def _status_set(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    flags.bool('application')
    pos = flags.parse(args)
    if not pos:
        raise UsageError('invalid args, require <status> [message]')
    if pos[0] not in _VALID:
        raise UsageError(
            f'invalid status {go_quote(pos[0])}, expected one of [{" ".join(_VALID)}]'
        )
    status = pos[0]
    message = ''
    if len(pos) > 1:
        message = pos[1]
        check_empty(pos[2:])
    application = flags.get_bool('application')
    if application and not ctx.backend.is_leader():
        raise ToolError(IS_NOT_LEADER)
    ctx.backend.status_set(status, message, is_app=application)


TOOLS: Final[dict[str, ToolFn]] = {'status-get': _status_get, 'status-set': _status_set}

__all__ = ['TOOLS']

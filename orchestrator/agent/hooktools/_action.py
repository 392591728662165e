"""action-get, action-set, action-fail, action-log.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/action-get.go``, ``action-set.go``,
``action-fail.go`` (commit 0cdccd5f8d25 each) and ``action-log.go`` (commit 2ba9927ea4a5).
Result keys follow ``charm.GetActionNameRule`` (``^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$``, as
``internal/charm/actions_test.go`` pins it) with four reserved keys; a dotted key nests, as the
uniter's ``addValueToMap`` does. Outside an action the uniter's ``HookContext`` answers every
action call with ``not running an action``
(``internal/worker/uniter/runner/context/context.go``, commit b97f4ce342f6).
"""

# pyright: strict
# pyright: reportPrivateUsage=false

from __future__ import annotations

import copy
import re
from typing import Any, Final, cast

from scenario.errors import ActionMissingFromContextError

from ._base import Call, ToolFn, as_map, check_empty, emit
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote

_KEY_RULE: Final = re.compile(r'^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$')
_RESERVED: Final = ('stdout', 'stdout-encoding', 'stderr', 'stderr-encoding')
NOT_ACTION: Final = 'not running an action'


def _action_params(call: Call) -> dict[str, Any]:
    try:
        params = call.ctx.backend.action_get()
    except ActionMissingFromContextError:
        raise ToolError(NOT_ACTION) from None
    return dict(params or {})


def in_action(call: Call) -> bool:
    """Whether the hook is an action (the uniter's ``ActionParams`` succeeds)."""
    try:
        call.ctx.backend.action_get()
    except ActionMissingFromContextError:
        return False
    return True


def _action_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    pos = flags.parse(args)
    keys: list[str] = []
    if pos:
        check_empty(pos[1:])
        keys = pos[0].split('.')
    params = _action_params(call)
    if not keys:
        emit(call, out, params)
        return
    answer: Any = params
    for key in keys:
        current = as_map(answer)
        if key not in current:
            answer = None
            break
        answer = current[key]
    emit(call, out, answer)


def _action_set(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    pos = flags.parse(args)
    pairs: list[tuple[list[str], str]] = []
    for arg in pos:
        key, eq, value = arg.partition('=')
        if not eq:
            raise UsageError(f'argument {go_quote(arg)} must be of the form key...=value')
        keys = key.split('.')
        for k in keys:
            if not _KEY_RULE.match(k):
                raise UsageError(
                    f'key {go_quote(k)} must start and end with lowercase alphanumeric, '
                    'and contain only lowercase alphanumeric, hyphens and periods'
                )
            if k in _RESERVED:
                raise UsageError(f'cannot set reserved action key "{k}"')
        pairs.append((keys, value))
    if not pairs:
        return
    backend = call.ctx.backend
    results: dict[str, Any] = copy.deepcopy(dict(backend._context.action_results or {}))
    for keys, value in pairs:
        node: dict[str, Any] = results
        for k in keys[:-1]:
            child = node.get(k)
            if not isinstance(child, dict):
                child = {}
                node[k] = child
            node = cast('dict[str, Any]', child)
        node[keys[-1]] = value
    try:
        backend.action_set(results)
    except ActionMissingFromContextError:
        raise ToolError(NOT_ACTION) from None


def _action_fail(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    pos = flags.parse(args)
    message = 'action failed without reason given, check action for errors'
    if pos:
        message = pos[0]
        check_empty(pos[1:])
    try:
        call.ctx.backend.action_fail(message)
    except ActionMissingFromContextError:
        raise ToolError(NOT_ACTION) from None


def _action_log(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    pos = flags.parse(args)
    if not pos:
        raise UsageError('no message specified')
    try:
        call.ctx.backend.action_log(' '.join(pos))
    except ActionMissingFromContextError:
        raise ToolError(NOT_ACTION) from None


TOOLS: Final[dict[str, ToolFn]] = {
    'action-get': _action_get,
    'action-set': _action_set,
    'action-fail': _action_fail,
    'action-log': _action_log,
}

__all__ = ['NOT_ACTION', 'TOOLS', 'in_action']

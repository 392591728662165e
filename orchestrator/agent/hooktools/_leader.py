"""is-leader, leader-get, leader-set.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/is-leader.go`` (commit
373794efe656), ``leader-get.go`` (commit 270b0465c941), ``leader-set.go`` (commit
0cdccd5f8d25); the refusal of a follower's write is the uniter's ``leadershipContext``
(``internal/worker/uniter/runner/context/leader.go``, commit 2ba9927ea4a5: ``errIsMinion``
"not the leader", annotated "cannot write settings"). leader-get and leader-set are Juju 3's
(the 4.x line dropped them from ``server.go``, commit 120cca6130e9).

Deviation: the controller drops a key set to an empty value when it merges leader settings;
olm deletes it here (the merge itself, in the controller, was not read).
"""

# pyright: strict

from __future__ import annotations

from typing import Final

from ._base import Call, ToolFn, check_empty, emit
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote
from ._relation import parse_key_values


def _is_leader(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    check_empty(flags.parse(args))
    emit(call, out, bool(call.ctx.backend.is_leader()))


def _leader_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    pos = flags.parse(args)
    key = ''
    if pos:
        key = '' if pos[0] == '-' else pos[0]
        if '=' in key:
            raise UsageError(f'invalid key {go_quote(key)}')
        check_empty(pos[1:])
    settings = dict(call.ctx.leader_settings)
    emit(call, out, settings if not key else settings.get(key))


def _leader_set(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    settings = parse_key_values(flags.parse(args))
    if not call.ctx.backend.is_leader():
        raise ToolError('cannot write leadership settings: cannot write settings: not the leader')
    for key, value in settings.items():
        if value:
            call.ctx.leader_settings[key] = value
        else:
            call.ctx.leader_settings.pop(key, None)


TOOLS: Final[dict[str, ToolFn]] = {
    'is-leader': _is_leader,
    'leader-get': _leader_get,
    'leader-set': _leader_set,
}

__all__ = ['TOOLS']

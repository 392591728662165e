"""relation-get, relation-set, relation-ids, relation-list, relation-model-get.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/`` ``relation-get.go`` (commit
2365bb250832), ``relation-set.go`` (commit 3ff63137178d), ``relation-ids.go`` (commit
0cdccd5f8d25), ``relation-list.go`` (commit 2ba9927ea4a5), ``relation-model-get.go`` (commit
e77125b7d450); unit and application names as juju/names (commit b50ca77a4137,
``application.go``, ``unit.go``); ``keyvalues.Parse`` of juju/utils (commit b92083fa0866,
``keyvalues/keyvalues.go``); the member list sorted as the uniter's ``RelationCache.MemberNames``
(``internal/worker/uniter/runner/context/cache.go``, commit e8cfbfdde799).

Reading another unit's or application's databag goes to the controller in Juju; what it
refuses is modelled from ops' account of Juju (canonical/operator ``ops/model.py``,
``_ModelBackend._relation_is_gone``, ops 3.9.0): the only readable-but-refused databag of a
live relation is a follower's own application databag of a non-peer relation, answered with
``permission denied``. A unit that is not in the relation is answered the same way (olm's
assumption: the controller's wording for that case was not read).
"""

# pyright: strict
# pyright: reportPrivateUsage=false

from __future__ import annotations

import re
from typing import Any, Final

from ops import testing

from ._base import (
    Call,
    RelationFlag,
    ToolFn,
    check_empty,
    emit,
    read_settings,
    remote_app_of,
)
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote
from ._format import StrList, Struct

_APP: Final = r'(?:[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*)'
_VALID_APP: Final = re.compile(f'^{_APP}$')
_VALID_UNIT: Final = re.compile(f'^({_APP})/(?:0|[1-9][0-9]*)$')


def is_valid_unit(name: str) -> bool:
    """juju/names ``IsValidUnit``."""
    return bool(_VALID_UNIT.match(name))


def is_valid_application(name: str) -> bool:
    """juju/names ``IsValidApplication``."""
    return bool(_VALID_APP.match(name))


def parse_key_values(args: list[str]) -> dict[str, str]:
    """juju/utils ``keyvalues.Parse(args, true)``: trimmed ``key=value`` pairs, no duplicates."""
    out: dict[str, str] = {}
    for kv in args:
        if kv == '':
            continue
        key, eq, value = kv.partition('=')
        if not eq:
            raise UsageError(f'expected "key=value", got {go_quote(kv)}')
        key, value = key.strip(), value.strip()
        if not key:
            raise UsageError(f'expected "key=value", got "{key}={value}"')
        if key in out:
            raise UsageError(f'key {go_quote(key)} specified more than once')
        out[key] = value
    return out


def _remote_unit_data(call: Call, relation: Any, unit: str) -> dict[str, str]:
    app, _, num = unit.partition('/')
    if app == call.ctx.app_name and isinstance(relation, testing.PeerRelation):
        data = relation.peers_data.get(int(num))
    elif app == remote_app_of(call.ctx, relation) and not isinstance(
        relation, testing.PeerRelation
    ):
        data = (
            relation._get_databag_for_remote(int(num))
            if int(num) in relation._remote_unit_ids
            else None
        )
    else:
        data = None
    if data is None:
        raise ToolError('permission denied')
    return dict(data)


def _relation_get(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    out = Output(flags, 'smart')
    rel = RelationFlag(call, flags)
    flags.bool('app')
    pos = flags.parse(args)
    application = flags.get_bool('app')
    rel.require()
    key = ''
    if pos:
        key = '' if pos[0] == '-' else pos[0]
        pos = pos[1:]
    target = ''
    if pos:
        supplied, pos = pos[0], pos[1:]
        if application:
            if is_valid_application(supplied):
                target = supplied
            elif is_valid_unit(supplied):
                target = supplied.split('/')[0]
        elif not is_valid_unit(supplied):
            if is_valid_application(supplied):
                raise UsageError(f'expected unit name, got application name {go_quote(supplied)}')
            raise UsageError(f'invalid unit name {go_quote(supplied)}')
        else:
            target = supplied
    elif application:
        target = ctx.env.get('JUJU_REMOTE_APP', '')
        if not target:
            raise UsageError('no unit or application specified')
    elif ctx.env.get('JUJU_REMOTE_UNIT'):
        target = ctx.env['JUJU_REMOTE_UNIT']
    elif ctx.env.get('JUJU_REMOTE_APP'):
        target, application = ctx.env['JUJU_REMOTE_APP'], True
    else:
        raise UsageError('no unit or application specified')
    check_empty(pos)

    relation = rel.relation()
    leader = bool(ctx.backend.is_leader())
    settings: dict[str, str]
    if target == ctx.unit_name:
        settings = dict(relation.local_app_data if application else relation.local_unit_data)
    elif application and target == ctx.app_name and leader:
        # mustReadSettingsFromController: the leader reads its own app databag locally
        settings = dict(relation.local_app_data)
    elif application:
        if target == ctx.app_name:
            if not isinstance(relation, testing.PeerRelation):
                raise ToolError('permission denied')
            settings = dict(relation.local_app_data)
        elif target == remote_app_of(ctx, relation) and not isinstance(
            relation, testing.PeerRelation
        ):
            settings = dict(relation.remote_app_data)
        else:
            raise ToolError('permission denied')
    else:
        settings = _remote_unit_data(call, relation, target)
    emit(call, out, settings if not key else settings.get(key))


def _relation_set(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    rel = RelationFlag(call, flags)
    flags.string('file')
    flags.bool('app')
    flags.string('format')
    pos = flags.parse(args)
    rel.require()
    overrides = parse_key_values(pos)

    call.deprecated_format(flags)
    settings: dict[str, str] = dict(overrides)
    path = flags.get_str('file')
    if path:
        data = call.stdin if path == '-' else call.read_path(path)
        settings = read_settings(data)
        settings.update(overrides)
    relation = rel.relation()
    application = flags.get_bool('app')
    if application and not ctx.backend.is_leader():
        raise ToolError('cannot write relation settings')
    if settings:
        ctx.backend.relation_set(relation.id, settings, application)


def _relation_ids(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    out = Output(flags, 'smart')
    pos = flags.parse(args)
    name = ctx.env.get('JUJU_RELATION', '') if ctx.env.get('JUJU_RELATION_ID') else ''
    if pos:
        name, pos = pos[0], pos[1:]
    elif not name:
        raise UsageError('no endpoint name specified')
    check_empty(pos)
    ids = sorted(f'{r.endpoint}:{r.id}' for r in ctx.state.relations if r.endpoint == name)
    emit(call, out, StrList(ids))


def _relation_list(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    out = Output(flags, 'smart')
    rel = RelationFlag(call, flags)
    flags.bool('app')
    pos = flags.parse(args)
    rel.require()
    check_empty(pos)
    relation = rel.relation()
    if flags.get_bool('app'):
        emit(call, out, remote_app_of(ctx, relation))
        return
    units = sorted(ctx.backend.relation_list(relation.id))
    emit(call, out, StrList(units))


def _relation_model_get(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    out = Output(flags, 'smart')
    rel = RelationFlag(call, flags)
    pos = flags.parse(args)
    rel.require()
    check_empty(pos)
    relation = rel.relation()
    uuid = getattr(relation, 'remote_model_uuid', None) or ctx.state.model.uuid
    emit(call, out, Struct(uuid=uuid))


TOOLS: Final[dict[str, ToolFn]] = {
    'relation-get': _relation_get,
    'relation-set': _relation_set,
    'relation-ids': _relation_ids,
    'relation-list': _relation_list,
    'relation-model-get': _relation_model_get,
}

__all__ = ['TOOLS', 'is_valid_application', 'is_valid_unit', 'parse_key_values']

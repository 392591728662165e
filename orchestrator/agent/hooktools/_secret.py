"""The secret tools: secret-add, -get, -set, -grant, -revoke, -remove, -ids, -info-get.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/`` ``secret-add.go`` (commit
0cdccd5f8d25, with the ``secretUpsertCommand`` flags and checks ``secret-set`` shares),
``secret-get.go``, ``secret-set.go``, ``secret-revoke.go``, ``secret-ids.go``,
``secret-info-get.go`` (commit 0cdccd5f8d25 each), ``secret-grant.go`` (commit 285cce7fff75),
``secret-remove.go`` (commit 2ba9927ea4a5); ``core/secrets`` ``createsecret.go`` (commit
6470adb7f956: ``key=value``, ``key#base64=``, ``key#file=``, keys ``^([a-z](?:-?[a-z0-9]){2,})$``,
1 MB limits), ``secretvalue.go`` and ``secret.go`` (commit 70e51d399f30), ``rotate.go``
(commit 0b9c32cd600c); the uniter's checks (leadership for application-owned secrets, what
``SecretMetadata`` holds) in ``internal/worker/uniter/runner/context/context.go`` (commit
b97f4ce342f6).

A secret is "owned" (in the uniter's ``SecretMetadata``) when Scenario's ``Secret.owner`` is
``app`` or ``unit``. Deviations:

- a secret that cannot be read is answered ``secret "ID" not found`` (or the label); the
  controller's exact wording for a consumer's unknown secret was not read;
- ``secret-set`` of a secret the unit does not own is refused at once with ``permission
  denied`` (Juju records it and the controller refuses it when the hook commits);
- ``secret-remove``/``secret-revoke`` of a secret the unit does not own does nothing and
  succeeds (Juju records it; the controller decides);
- ``secret-info-get`` shows no ``access`` (Scenario keeps grants by relation id only, without
  the relation key Juju's ``scope`` needs) and no ``rotates`` time (Scenario has none);
- ``secret-ids`` sorts the IDs (Juju prints them in Go's random map order).
"""

# pyright: strict
# pyright: reportPrivateUsage=false

from __future__ import annotations

import base64
import binascii
import datetime
import json
import re
from typing import Any, Final

import ops
import yaml

from ... import _compat
from ...juju import go_duration, yamlread
from ._base import (
    IS_NOT_LEADER,
    Call,
    RelationFlag,
    ToolFn,
    check_empty,
    emit,
    parse_secret_uri,
    relation_by_id,
    remote_app_of,
)
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote
from ._format import FORMATTERS, NIL_LIST, StrList, Struct
from ._relation import is_valid_application, is_valid_unit

_KEY: Final = re.compile(r'^([a-z](?:-?[a-z0-9]){2,})$')
_MAX_BYTES: Final = 1000 * 1000
_ROTATE: Final = ('never', 'hourly', 'daily', 'weekly', 'monthly', 'quarterly', 'yearly')
_YAML_JSON: Final = {k: FORMATTERS[k] for k in ('yaml', 'json')}
_RFC3339: Final = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$')
_NO_TZ: Final = re.compile(r'^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$')


def _parse_expire(spec: str) -> datetime.datetime:
    """SecretUpsertCommand ``Init``: RFC 3339, then without a zone (UTC), then a duration."""
    invalid = UsageError(f'expire time or duration {go_quote(spec)} not valid')
    when: datetime.datetime | None = None
    if _RFC3339.match(spec):
        when = datetime.datetime.fromisoformat(spec.replace('Z', '+00:00'))
    elif _NO_TZ.match(spec):
        when = datetime.datetime.fromisoformat(spec).replace(tzinfo=datetime.UTC)
    if when is not None:
        return when.astimezone(datetime.UTC)
    try:
        seconds = go_duration(spec)
    except ValueError:
        raise invalid from None
    if seconds <= 0:
        raise UsageError(f'negative expire duration {go_quote(spec)} not valid')
    # From the machine's time, which is the model's (orchestrator/_compat/_clock.py).
    return _compat.machine_now() + datetime.timedelta(seconds=seconds)


def _encode(data: dict[str, str]) -> dict[str, str]:
    """``encodeBase64``: every value base64 (``#base64`` keys already are), keys checked."""
    out: dict[str, str] = {}
    total = 0
    for key, value in data.items():
        if key.endswith('#base64'):
            key = key[: -len('#base64')]
            encoded = value
        else:
            encoded = base64.b64encode(value.encode()).decode()
        if not _KEY.match(key):
            raise UsageError(f'key {go_quote(key)} not valid')
        if len(encoded) > _MAX_BYTES:
            raise UsageError(
                f'base64 encoded secret content for key {go_quote(key)} too large: '
                f'{len(encoded)} bytes'
            )
        out[key] = encoded
        total += len(encoded)
    if total > _MAX_BYTES:
        raise UsageError(f'base64 encoded secret content too large: {total} bytes')
    return out


def _decode(encoded: dict[str, str]) -> dict[str, str]:
    """``SecretValue.Values``: the stored base64 decoded (Go's ``illegal base64 data`` error)."""
    out: dict[str, str] = {}
    for key, value in encoded.items():
        try:
            raw = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise ToolError('illegal base64 data at input byte 0') from None
        out[key] = raw.decode('utf-8', errors='surrogateescape')
    return out


def _create_secret_data(call: Call, args: list[str]) -> dict[str, str]:
    """``secrets.CreateSecretData``: ``key=value`` arguments, ``#file`` ones read from files."""
    data: dict[str, str] = {}
    for arg in args:
        idx = arg.rstrip('=').find('=')
        if idx < 1:
            raise UsageError(f'key value {go_quote(arg)} not valid')
        key, value = arg[:idx], arg[idx + 1 :]
        if key.endswith('#file'):
            key = key[: -len('#file')]
            try:
                content = call.read_path(value)
            except OSError as e:
                raise UsageError(
                    f'reading content for secret key {go_quote(key)}: {_go_path_error(value, e)}'
                ) from None
            if len(content) > _MAX_BYTES:
                raise UsageError(
                    f'secret content in file {go_quote(value)} too large: {len(content)} bytes'
                )
            value = content.decode('utf-8', errors='surrogateescape')
        data[key] = value
    return _encode(data)


def _go_path_error(path: str, error: OSError) -> str:
    """Go's ``*fs.PathError`` text for an open that failed."""
    reason = (error.strerror or str(error)).lower()
    return f'open {path}: {reason}'


def _read_secret_file(call: Call, path: str) -> dict[str, str]:
    """``secrets.ReadSecretData``: a JSON or YAML map of key values."""
    try:
        raw = call.read_path(path)
    except OSError as e:
        raise UsageError(_go_path_error(path, e)) from None
    if len(raw) > _MAX_BYTES:
        raise UsageError(f'secret content in file {go_quote(path)} too large: {len(raw)} bytes')
    parsed: Any
    try:
        parsed = json.loads(raw)
    except ValueError:
        try:
            parsed = yamlread.load(raw)
        except yaml.YAMLError as e:
            raise UsageError(f'yaml: {e}') from None
    if parsed is None:
        parsed = {}
    if not isinstance(parsed, dict):
        raise UsageError('yaml: unmarshal errors: not a map of key values')
    return _encode({str(k): '' if v is None else str(v) for k, v in parsed.items()})  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]


class _Upsert:
    """``secretUpsertCommand``: the flags and checks secret-add and secret-set share."""

    def __init__(self, flags: FlagSet) -> None:
        self.flags = flags
        flags.string('expire')
        flags.string('rotate')
        flags.string('description')
        flags.string('label')
        flags.string('file')
        flags.string('owner', default='application')
        self.expire: datetime.datetime | None = None
        self.data: dict[str, str] = {}

    def init(self, call: Call, args: list[str]) -> None:
        flags = self.flags
        if flags.get_str('expire'):
            self.expire = _parse_expire(flags.get_str('expire'))
        rotate = flags.get_str('rotate')
        if rotate and rotate not in _ROTATE:
            raise UsageError(f'rotate policy {go_quote(rotate)} not valid')
        owner = flags.get_str('owner')
        if owner not in ('application', 'unit'):
            raise UsageError(f'secret owner {go_quote(owner)} not valid')
        self.data = _create_secret_data(call, args)
        if flags.get_str('file'):
            self.data.update(_read_secret_file(call, flags.get_str('file')))

    def metadata(self) -> dict[str, Any]:
        flags = self.flags
        rotate = flags.get_str('rotate')
        return {
            'label': flags.get_str('label') or None,
            'description': flags.get_str('description') or None,
            'expire': self.expire,
            'rotate': ops.SecretRotate(rotate) if rotate else None,
        }


def _owned(call: Call) -> dict[str, Any]:
    """The uniter's ``SecretMetadata``: the secrets this unit or its application owns, by ID."""
    return {
        parse_secret_uri(str(s.id)): s
        for s in call.ctx.state.secrets
        if s.owner in ('app', 'unit')
    }


def _check_manage(call: Call, secret: Any) -> None:
    if secret is not None and secret.owner == 'app' and not call.ctx.backend.is_leader():
        raise ToolError(IS_NOT_LEADER)


def _secret_add(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    upsert = _Upsert(flags)
    pos = flags.parse(args)
    if not pos and not flags.get_str('file'):
        raise UsageError('missing secret value or filename')
    upsert.init(call, pos)
    if not upsert.data:
        raise ToolError('empty secret value not valid')
    owner = flags.get_str('owner')
    if owner == 'application' and not call.ctx.backend.is_leader():
        raise ToolError(IS_NOT_LEADER)
    uri = call.ctx.backend.secret_add(_decode(upsert.data), owner=owner, **upsert.metadata())
    call.write(f'{uri}\n'.encode())


def _secret_not_found(what: str) -> ToolError:
    return ToolError(f'secret {go_quote(what)} not found')


def _required_uri(pos: list[str]) -> str:
    """The secret URI a tool must be given first (``missing secret URI`` otherwise)."""
    if not pos:
        raise UsageError('missing secret URI')
    try:
        return parse_secret_uri(pos[0])
    except ValueError as e:
        raise UsageError(str(e)) from None


def _optional_uri(pos: list[str]) -> tuple[str, list[str]]:
    """The secret URI a tool may be given first ('' when it is not), and the rest."""
    if not pos:
        return '', pos
    try:
        return parse_secret_uri(pos[0]), pos[1:]
    except ValueError:
        raise UsageError(f'secret URI {go_quote(pos[0])} not valid') from None


def _secret_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'yaml', _YAML_JSON)
    flags.string('label')
    flags.bool('peek')
    flags.bool('refresh')
    pos = flags.parse(args)
    ident, pos = _optional_uri(pos)
    label = flags.get_str('label')
    if not ident and not label:
        raise UsageError('require either a secret URI or label')
    if flags.get_bool('peek') and flags.get_bool('refresh'):
        raise UsageError('specify one of --peek or --refresh but not both')
    key = ''
    if pos:
        key = pos[0]
        check_empty(pos[1:])
    try:
        content: dict[str, str] = call.ctx.backend.secret_get(
            id=f'secret:{ident}' if ident else None,
            label=label or None,
            refresh=flags.get_bool('refresh'),
            peek=flags.get_bool('peek'),
        )
    except ops.SecretNotFoundError:
        raise _secret_not_found(ident or label) from None
    if not key:
        emit(call, out, dict(content))
        return
    plain_key = key.removesuffix('#base64')
    if plain_key not in content:
        raise ToolError(f'secret key value {go_quote(plain_key)} not found')
    value = content[plain_key]
    if key.endswith('#base64'):
        value = base64.b64encode(value.encode('utf-8', errors='surrogateescape')).decode()
    emit(call, out, value)


def _secret_set(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    upsert = _Upsert(flags)
    pos = flags.parse(args)
    ident = _required_uri(pos)
    upsert.init(call, pos[1:])
    secret = _owned(call).get(ident)
    _check_manage(call, secret)
    content = _decode(upsert.data) if upsert.data else None
    if secret is not None and content == dict(secret.latest_content or {}):
        content = None  # the checksum matches: no new revision
    metadata = upsert.metadata()
    if content is None and not any(v is not None for v in metadata.values()):
        return
    if secret is None:
        raise ToolError('permission denied')
    call.ctx.backend.secret_set(f'secret:{ident}', content=content, **metadata)


def _secret_grant(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    flags.string('unit')
    rel = RelationFlag(call, flags)
    pos = flags.parse(args)
    ident = _required_uri(pos)
    rel.require()
    relation = rel.relation()
    app = remote_app_of(ctx, relation)
    unit = flags.get_str('unit')
    if unit:
        if not is_valid_unit(unit):
            raise UsageError(f'unit {go_quote(unit)} not valid')
        if unit.split('/')[0] != app:
            raise UsageError(
                f'cannot specify unit {go_quote(unit)} in relation to application {go_quote(app)}'
            )
    check_empty(pos[1:])
    secret = _owned(call).get(ident)
    if secret is None:
        raise _secret_not_found(ident)
    _check_manage(call, secret)
    ctx.backend.secret_grant(f'secret:{ident}', relation.id, unit=unit or None)


def _secret_revoke(call: Call, args: list[str]) -> None:
    ctx = call.ctx
    flags = FlagSet()
    flags.string('app', 'application')
    flags.string('unit')
    rel = RelationFlag(call, flags)
    pos = flags.parse(args)
    ident = _required_uri(pos)
    app, unit = flags.get_str('app'), flags.get_str('unit')
    if app and not is_valid_application(app):
        raise UsageError(f'application {go_quote(app)} not valid')
    if unit and not is_valid_unit(unit):
        raise UsageError(f'unit {go_quote(unit)} not valid')
    if app and unit:
        raise UsageError('specify only one of application or unit')
    if rel.id >= 0:
        relation = relation_by_id(ctx, rel.id)
        if app:
            raise UsageError('do not specify both relation and app')
        app = remote_app_of(ctx, relation)
    if not app and not unit:
        raise UsageError('missing relation or application or unit')
    check_empty(pos[1:])
    secret = _owned(call).get(ident)
    _check_manage(call, secret)
    if secret is None:
        return
    grantee = unit or app
    for rid, grantees in dict(secret.remote_grants).items():
        if grantee not in grantees:
            continue
        if unit:
            ctx.backend.secret_revoke(f'secret:{ident}', rid, unit=unit)
        elif remote_app_of(ctx, relation_by_id(ctx, rid)) == app:
            ctx.backend.secret_revoke(f'secret:{ident}', rid)


def _secret_remove(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    flags.int('revision')
    pos = flags.parse(args)
    ident = _required_uri(pos)
    check_empty(pos[1:])
    revision = flags.get_int('revision')
    secret = _owned(call).get(ident)
    _check_manage(call, secret)
    if secret is None:
        return
    backend = call.ctx.backend
    try:
        backend.secret_remove(f'secret:{ident}', revision=revision if revision > 0 else None)
    except ValueError:
        # Scenario refuses to remove the tracked or latest revision; Juju records the removal.
        backend._context.removed_secret_revisions.append(revision)


def _secret_ids(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    check_empty(flags.parse(args))
    ids = sorted(_owned(call))
    emit(call, out, StrList(ids) if ids else NIL_LIST)


def _secret_info_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'yaml', _YAML_JSON)
    flags.string('label')
    pos = flags.parse(args)
    ident, pos = _optional_uri(pos)
    label = flags.get_str('label')
    if not ident and not label:
        raise UsageError('require either a secret URI or label')
    if ident and label:
        raise UsageError('specify either a secret URI or label but not both')
    check_empty(pos)
    owned = _owned(call)
    found: tuple[str, Any] | None = None
    if ident:
        if ident in owned:
            found = (ident, owned[ident])
    else:
        found = next(((i, s) for i, s in owned.items() if s.label == label), None)
    if found is None:
        raise _secret_not_found(ident or label)
    sid, secret = found
    display = Struct(
        revision=int(secret._latest_revision),
        label=secret.label or '',
        owner='application' if secret.owner == 'app' else 'unit',
    )
    if secret.description:
        display['description'] = secret.description
    # A secret added without --rotate reads back as 'never' (Juju 3.6/4.0's output as
    # canonical/operator test/test_hookcmds.py test_secret_info_get_minimal records it).
    rotate = ops.SecretRotate(secret.rotate).value if secret.rotate is not None else 'never'
    display['rotation'] = str(rotate)
    if secret.expire is not None:
        display['expiry'] = secret.expire
    # juju/juju internal/worker/uniter/runner/jujuc/secret-info-get.go (commit 0cdccd5f):
    # metadataDisplay's NextRotateTime, ``rotates,omitempty``, after ``expiry``.
    rotates = _compat.secret_rotates(secret)
    if rotates is not None:
        display['rotates'] = rotates
    emit(call, out, {sid: display})


TOOLS: Final[dict[str, ToolFn]] = {
    'secret-add': _secret_add,
    'secret-get': _secret_get,
    'secret-set': _secret_set,
    'secret-grant': _secret_grant,
    'secret-revoke': _secret_revoke,
    'secret-remove': _secret_remove,
    'secret-ids': _secret_ids,
    'secret-info-get': _secret_info_get,
}

__all__ = ['TOOLS']

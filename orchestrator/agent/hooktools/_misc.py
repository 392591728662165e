"""juju-log, unit-get, goal-state, credential-get, juju-reboot, application-version-set.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/`` ``juju-log.go`` (commit
270b0465c941), ``unit-get.go`` (commit 4180630869eb), ``goal-state.go`` (commit
12baae6dd54d), ``credential-get.go`` (commit 65266db76c2f), ``reboot.go`` (commit
285cce7fff75), ``application-version-set.go`` (commit 12baae6dd54d); log levels as juju/loggo
``level.go`` (commit 8e1a5fe19b98) parses and names them; the missing-address errors are the
uniter's ``errors.NotFoundf("private address")``/``("public address")``
(``internal/worker/uniter/runner/context/context.go``, commit b97f4ce342f6).
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import ops

from ._action import in_action
from ._base import Call, ToolFn, as_map, check_empty, emit
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote
from ._format import FORMATTERS, Struct

_LEVELS: Final = {
    'UNSPECIFIED': 'UNSPECIFIED',
    'TRACE': 'TRACE',
    'DEBUG': 'DEBUG',
    'INFO': 'INFO',
    'WARN': 'WARNING',
    'WARNING': 'WARNING',
    'ERROR': 'ERROR',
    'CRITICAL': 'CRITICAL',
}
_YAML_JSON: Final = {k: FORMATTERS[k] for k in ('yaml', 'json')}


def _juju_log(call: Call, args: list[str]) -> None:
    """Log to the unit's log: Scenario's ``juju_log`` record, as ``unit.<unit>.juju-log`` would.

    The message carries the hook relation's ``endpoint:id: `` prefix, as Juju writes it.
    """
    ctx = call.ctx
    flags = FlagSet()
    flags.bool('debug')
    flags.string('l', 'log-level', default='INFO')
    flags.string('format')
    pos = flags.parse(args)
    if not pos:
        raise UsageError('no message specified')
    call.deprecated_format(flags)
    level = 'INFO'
    if flags.get_bool('debug'):
        level = 'DEBUG'
    elif flags.get_str('l'):
        wanted = flags.get_str('l')
        if wanted.upper() in _LEVELS:
            level = _LEVELS[wanted.upper()]
        else:
            ctx.backend.juju_log(
                'WARNING', f'Specified log level of {go_quote(wanted)} is not valid'
            )
    prefix = ''
    if ctx.env.get('JUJU_RELATION_ID'):
        prefix = ctx.env['JUJU_RELATION_ID'] + ': '
    ctx.backend.juju_log(level, prefix + ' '.join(pos))


def _unit_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    pos = flags.parse(args)
    if not pos:
        raise UsageError('no setting specified')
    if pos[0] not in ('private-address', 'public-address'):
        raise UsageError(f'unknown setting {go_quote(pos[0])}')
    check_empty(pos[1:])
    if pos[0] == 'private-address':
        value = call.ctx.private_address
        if not value:
            raise ToolError('private address not found')
    else:
        value = call.ctx.public_address
        if not value:
            raise ToolError('public address not found')
    emit(call, out, value)


def _goal_units(units: Mapping[str, Any]) -> dict[str, Struct]:
    out: dict[str, Struct] = {}
    for name, raw in units.items():
        goal = as_map(raw)
        entry = Struct(status=str(goal.get('status', '')))
        if goal.get('since'):
            entry['since'] = str(goal['since'])
        out[name] = entry
    return out


def _goal_state(call: Call, args: list[str]) -> None:
    """The runner's goal state, laid out as jujuc's ``formattedGoalState`` struct."""
    flags = FlagSet()
    out = Output(flags, 'yaml', _YAML_JSON)
    check_empty(flags.parse(args))
    goal = call.ctx.goal_state
    relations = {
        str(endpoint): _goal_units(as_map(units))
        for endpoint, units in as_map(goal.get('relations')).items()
    }
    emit(call, out, Struct(units=_goal_units(as_map(goal.get('units'))), relations=relations))


def _cloud_spec_display(spec: ops.CloudSpec) -> Struct:
    """Ops' ``CloudSpec`` as the JSON Juju writes for ``params.CloudSpec``.

    The keys are those ops reads back (canonical/operator ``ops/hookcmds/_types.py``
    ``CloudSpec._from_dict``, ops 3.9.0). Deviation: ``params.CloudSpec`` itself was not read:
    the field order and which empty fields Juju leaves out are olm's assumption (order as
    ops' own test lists them, empty optional fields left out), and YAML uses the same keys.
    """
    out = Struct(type=spec.type, name=spec.name)
    optional: list[tuple[str, object]] = [
        ('region', spec.region),
        ('endpoint', spec.endpoint),
        ('identity-endpoint', spec.identity_endpoint),
        ('storage-endpoint', spec.storage_endpoint),
    ]
    for key, value in optional:
        if value:
            out[key] = value
    if spec.credential is not None:
        cred = Struct({'auth-type': spec.credential.auth_type})
        if spec.credential.attributes:
            cred['attrs'] = dict(spec.credential.attributes)
        if spec.credential.redacted:
            cred['redacted'] = list(spec.credential.redacted)
        out['credential'] = cred
    if spec.ca_certificates:
        out['cacertificates'] = list(spec.ca_certificates)
    if spec.skip_tls_verify:
        out['skip-tls-verify'] = True
    if spec.is_controller_cloud:
        out['is-controller-cloud'] = True
    return out


def _credential_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    check_empty(flags.parse(args))
    try:
        spec = call.ctx.backend.credential_get()
    except ops.ModelError:
        # Scenario refuses an untrusted charm or a model without a cloud spec; Juju's
        # controller answers an untrusted charm with a permission error (wording not read).
        raise ToolError('cannot access cloud credentials: permission denied') from None
    emit(call, out, _cloud_spec_display(spec))


def _juju_reboot(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    flags.bool('now')
    check_empty(flags.parse(args))
    if in_action(call):
        raise ToolError('juju-reboot is not supported when running an action.')
    call.ctx.reboot = 'now' if flags.get_bool('now') else ''


def _application_version_set(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    pos = flags.parse(args)
    if not pos:
        raise UsageError('no version specified')
    check_empty(pos[1:])
    call.ctx.backend.application_version_set(pos[0])


TOOLS: Final[dict[str, ToolFn]] = {
    'juju-log': _juju_log,
    'unit-get': _unit_get,
    'goal-state': _goal_state,
    'credential-get': _credential_get,
    'juju-reboot': _juju_reboot,
    'application-version-set': _application_version_set,
}

__all__ = ['TOOLS']

"""network-get.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/network-get.go`` (commit
2ba9927ea4a5): the whole ``networkInfoResultDisplay`` (with the duplicate ``address``,
``macaddress`` and ``interfacename`` keys that YAML keeps for old agents), or the one value a
``--bind-address``/``--ingress-address``/``--egress-subnets`` flag asks for, or a map of them.
The network is Scenario's (``State.networks``, or its default for an endpoint).

Deviation: Scenario refuses a binding name that is no endpoint of the charm; Juju's
controller words that refusal in a way that was not read, so olm answers with jujuc's own
message for a binding it has no config for (``no network config found for binding``).
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import ops

from ._base import Call, RelationFlag, ToolFn, as_list, as_map, check_empty, emit
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_quote
from ._format import StrList, Struct


def _display(info: Mapping[str, Any], *, yaml: bool) -> Struct:
    binds: list[Struct] = []
    for raw_bind in as_list(info.get('bind-addresses')):
        bind = as_map(raw_bind)
        addresses: list[Struct] = []
        for raw_addr in as_list(bind.get('addresses')):
            addr = as_map(raw_addr)
            a = Struct(
                hostname=addr.get('hostname', ''),
                value=addr.get('value', ''),
                cidr=addr.get('cidr', ''),
            )
            if yaml:
                a['address'] = a['value']
            addresses.append(a)
        entry = Struct(
            {
                'mac-address': bind.get('mac-address', ''),
                'interface-name': bind.get('interface-name', ''),
                'addresses': addresses,
            }
        )
        if yaml:
            entry['macaddress'] = entry['mac-address']
            entry['interfacename'] = entry['interface-name']
        binds.append(entry)
    out = Struct()
    if binds:
        out['bind-addresses'] = binds
    for key in ('egress-subnets', 'ingress-addresses'):
        values = [str(v) for v in as_list(info.get(key))]
        if values:
            out[key] = values
    return out


def _network_get(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    flags.bool('primary-address')
    flags.bool('bind-address')
    flags.bool('ingress-address')
    flags.bool('egress-subnets')
    rel = RelationFlag(call, flags)
    pos = flags.parse(args)
    if not pos:
        raise UsageError('no arguments specified')
    binding = pos[0]
    if not binding:
        raise UsageError('no binding name specified')
    keys = [k for k in ('bind-address', 'ingress-address', 'egress-subnets') if flags.get_bool(k)]
    check_empty(pos[1:])

    try:
        info: Mapping[str, Any] = call.ctx.backend.network_get(
            binding, rel.id if rel.id >= 0 else None
        )
    except ops.RelationNotFoundError:
        raise ToolError(f'no network config found for binding {go_quote(binding)}') from None
    binds: Sequence[Mapping[str, Any]] = info.get('bind-addresses') or []
    if not binds:
        raise ToolError(f'no network config found for binding {go_quote(binding)}')
    first_addresses: Sequence[Mapping[str, Any]] = binds[0].get('addresses') or []
    no_address = f'no addresses attached to space for binding {go_quote(binding)}'
    if not flags.get_bool('primary-address') and not keys:
        emit(call, out, _display(info, yaml=out.name != 'json'))
        return
    if flags.get_bool('primary-address'):
        if keys:
            raise ToolError('--primary-address must be the only flag specified')
        if not first_addresses:
            raise ToolError(no_address)
        emit(call, out, first_addresses[0].get('value', ''))
        return
    values: dict[str, object] = {}
    if 'egress-subnets' in keys:
        values['egress-subnets'] = StrList(str(v) for v in as_list(info.get('egress-subnets')))
    if 'ingress-address' in keys:
        ingress = [str(v) for v in as_list(info.get('ingress-addresses'))]
        if ingress:
            values['ingress-address'] = ingress[0]
        elif first_addresses:
            values['ingress-address'] = first_addresses[0].get('value', '')
        else:
            raise ToolError(no_address)
    if 'bind-address' in keys:
        if not first_addresses:
            # Juju indexes the first address without a check (a Go panic); olm refuses.
            raise ToolError(no_address)
        values['bind-address'] = first_addresses[0].get('value', '')
    emit(call, out, values[keys[0]] if len(keys) == 1 else values)


TOOLS: Final[dict[str, ToolFn]] = {'network-get': _network_get}

__all__ = ['TOOLS']

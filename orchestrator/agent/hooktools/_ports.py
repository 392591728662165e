"""open-port, close-port, opened-ports.

Upstream: juju/juju ``internal/worker/uniter/runner/jujuc/ports.go`` and ``opened-ports.go``
(commit 0cdccd5f8d25 each); port ranges parsed, checked, written and sorted as
``core/network/portrange.go`` (commit 238cc46a05f8) does.

``opened-ports`` includes what the hook opened or closed so far, as the uniter's
``portRangeChangeRecorder.OpenedUnitPortRanges`` merges the pending changes
(``internal/worker/uniter/runner/context/ports.go``, commit 285cce7fff75; the tool's own help
text says otherwise).

Deviations, both from what Scenario's ``State.opened_ports`` can hold: a range of more than one
port is refused (olm's own message); ``--endpoints`` is accepted but not recorded, so
``opened-ports --endpoints`` shows every range as open on all endpoints (``(*)``). The uniter's
checks against other units' ports on the machine are not made.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from typing import Final

from ._base import Call, ToolFn, check_empty, emit
from ._errors import ToolError, UsageError
from ._flags import FlagSet, Output, go_atoi, go_quote
from ._format import StrList


@dataclasses.dataclass(frozen=True, order=True)
class PortRange:
    """``network.PortRange``, ordered as ``SortPortRanges`` orders (protocol, from, to)."""

    protocol: str
    from_port: int
    to_port: int

    def __str__(self) -> str:
        if self.protocol == 'icmp':
            return 'icmp'
        if self.from_port == self.to_port:
            return f'{self.from_port}/{self.protocol}'
        return f'{self.from_port}-{self.to_port}/{self.protocol}'


def _atoi_port(text: str, shown: str) -> int:
    try:
        return go_atoi(text)
    except ValueError as e:
        raise UsageError(f'invalid port {go_quote(shown)}: {e}') from None


def parse_port_range(text: str) -> PortRange:
    """``network.ParsePortRange`` followed by ``Validate``, with their messages."""
    protocol = 'tcp'
    body = text
    if '/' in body:
        body, protocol = body.split('/', 1)
    parts = body.split('-')
    if len(parts) > 2:
        raise UsageError(f'invalid port range {go_quote(body)}')
    if len(parts) == 1:
        if parts[0] == 'icmp':
            start = end = -1
        else:
            start = end = _atoi_port(parts[0], body)
    else:
        start = _atoi_port(parts[0], parts[0])
        end = _atoi_port(parts[1], parts[1])
    if start == -1:
        protocol = 'icmp'
    result = PortRange(protocol, start, end)
    proto = protocol.lower()
    if proto not in ('tcp', 'udp', 'icmp'):
        raise UsageError(f'invalid protocol {go_quote(proto)}, expected "tcp", "udp", or "icmp"')
    if proto == 'icmp':
        if start == end == -1:
            return result
        raise UsageError(f'protocol "icmp" doesn\'t support any ports; got "{start}"')
    if start > end:
        raise UsageError(f'invalid port range {result}')
    if not (0 <= start <= 65535 and 0 <= end <= 65535):
        raise UsageError(f'port range bounds must be between 0 and 65535, got {start}-{end}')
    return result


def _port_tool(call: Call, args: list[str], *, opening: bool) -> None:
    flags = FlagSet()
    flags.string('format')
    flags.string('endpoints')
    pos = flags.parse(args)
    if not pos:
        raise UsageError('no port or range specified')
    port_range = parse_port_range(pos[0].lower())
    check_empty(pos[1:])
    call.deprecated_format(flags)
    if port_range.from_port != port_range.to_port:
        raise ToolError(f'olm: port range {port_range} not supported (one port at a time)')
    port = None if port_range.protocol == 'icmp' else port_range.from_port
    backend = call.ctx.backend
    if opening:
        backend.open_port(port_range.protocol, port)
    else:
        backend.close_port(port_range.protocol, port)


def _open_port(call: Call, args: list[str]) -> None:
    _port_tool(call, args, opening=True)


def _close_port(call: Call, args: list[str]) -> None:
    _port_tool(call, args, opening=False)


def _opened_ports(call: Call, args: list[str]) -> None:
    flags = FlagSet()
    out = Output(flags, 'smart')
    flags.bool('endpoints')
    check_empty(flags.parse(args))
    ranges = sorted(
        {
            PortRange(
                p.protocol, -1 if p.port is None else p.port, -1 if p.port is None else p.port
            )
            for p in call.ctx.backend.opened_ports()
        }
    )
    if flags.get_bool('endpoints'):
        emit(call, out, StrList(f'{r} (*)' for r in ranges))
        return
    emit(call, out, StrList(str(r) for r in ranges))


TOOLS: Final[dict[str, ToolFn]] = {
    'open-port': _open_port,
    'close-port': _close_port,
    'opened-ports': _opened_ports,
}

__all__ = ['TOOLS', 'PortRange', 'parse_port_range']

"""resource-get: the path of a resource file on the unit's machine.

Upstream: juju/juju ``resource-get`` (the uniter's ``resource-get`` hook command: one
positional argument, the resource name; it downloads the resource into the unit's agent
directory and prints the file's path). The path is the projection's (``State.resources``),
written onto the machine before the hook (see ``orchestrator.engine._resources``).

Deviation: the errors for a missing name and for a resource with nothing uploaded are olm's
wording (the upstream file was not read at a pinned commit).
"""

# pyright: strict

from __future__ import annotations

from typing import Final

from ._base import Call, ToolFn, check_empty
from ._errors import ToolError, UsageError
from ._flags import FlagSet, go_quote


def _resource_get(call: Call, args: list[str]) -> None:
    pos = FlagSet().parse(args)
    if not pos:
        raise UsageError('missing required resource name')
    check_empty(pos[1:])
    name = pos[0]
    for resource in call.ctx.state.resources:
        if resource.name == name:
            call.write(f'{resource.path}\n'.encode())
            return
    raise ToolError(f'resource {go_quote(name)} not found: nothing was uploaded for it')


TOOLS: Final[dict[str, ToolFn]] = {'resource-get': _resource_get}

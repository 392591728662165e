"""Juju's hook tools (jujuc commands), answered from the unit's view of the model during a hook.

Each hook tool a charm runs (``config-get``, ``relation-set``, ...) reaches olm: over the unit's
agent socket from the dispatch runner's sandbox, through the routed ``subprocess`` in the
in-process runner, from the machine's shell in ``olm exec --unit``
(:mod:`orchestrator.agent.hook_context` makes the context for all three). :func:`run_tool`
answers it as Juju's unit agent would: the command line parsed as Juju parses it, the unit's
view read or changed through Scenario's ``_MockModelBackend`` on the hook's output state (and the
:class:`ToolContext` fields Scenario does not model), and the output, the error and the exit
status Juju's tool would print.

The model is juju/juju's ``internal/worker/uniter/runner/jujuc/`` (one file per tool) and the
uniter's ``internal/worker/uniter/runner/context/``. No release tag could be pinned: juju/juju
is too big to fetch here, and the search index holds each file at one commit of the main line
(the 4.x development line; ``core/version`` there reads 4.1-rc1), so each module names the file
and the commit it was read at. The tools' flags, texts and exit statuses there are those Juju
3.6 charms meet (ops 3.9's ``ops.hookcmds`` and canonical/operator's ``test/test_hookcmds.py``
send exactly these command lines); leader-get and leader-set, which the 4.x line dropped, come
from their last stored version. Around them: the juju/cmd runner (tag v3.1.1) that prints
every failure as ``ERROR <message>`` with exit status 2 for a flag or argument error and 1 for
a failure of the command itself (:mod:`._errors`), juju/gnuflag's parsing (:mod:`._flags`) and
juju/cmd's ``smart``/``yaml``/``json`` formatters (:mod:`._format`).

Beyond the fields named by the runner's contract, :class:`ToolContext` has one optional field,
``read_file``: how to read a file the charm names (``relation-set --file PATH``,
``secret-add key#file=PATH``, which ops uses for every secret) on the charm's own machine.

:func:`run_tool` never raises for bad input or a refusal of the backend: what the backend
raises and no tool translates becomes exit status 1 with the backend's message. ``-h`` and
``--help`` exit 0 without printing Juju's help text (olm does not carry the texts).
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import ops
from scenario.errors import ActionMissingFromContextError

from . import (
    _action,
    _config,
    _leader,
    _misc,
    _network,
    _ports,
    _relation,
    _resource,
    _secret,
    _state,
    _status,
    _storage,
)
from ._base import Call, ToolContext, ToolFn, ToolResult
from ._errors import HelpRequested, ToolError, UsageError

__all__ = ['HOOK_TOOLS', 'ToolContext', 'ToolResult', 'run_tool']

_TOOLS: Final[dict[str, ToolFn]] = {
    **_action.TOOLS,
    **_config.TOOLS,
    **_leader.TOOLS,
    **_misc.TOOLS,
    **_network.TOOLS,
    **_ports.TOOLS,
    **_relation.TOOLS,
    **_resource.TOOLS,
    **_secret.TOOLS,
    **_state.TOOLS,
    **_status.TOOLS,
    **_storage.TOOLS,
}

HOOK_TOOLS: Final[frozenset[str]] = frozenset(_TOOLS)
"""The name of every tool :func:`run_tool` serves."""


def _backend_message(error: Exception) -> str:
    """The message of an error the backend raised, as a tool would print it."""
    if isinstance(error, ActionMissingFromContextError):
        return _action.NOT_ACTION
    if isinstance(error, ops.RelationNotFoundError):
        return 'relation not found'
    text = str(error).strip() or type(error).__name__
    return text.removeprefix('ERROR ').strip()


def run_tool(name: str, args: Sequence[str], stdin: bytes, ctx: ToolContext) -> ToolResult:
    """Run hook tool ``name`` with ``args`` (without the name) and ``stdin``, as Juju would.

    Returns the exit status and the bytes the tool writes: 0 on success; 2 and ``ERROR ...``
    on stderr for a flag or argument error; 1 and ``ERROR ...`` for a failure of the command.
    """
    tool = _TOOLS.get(name)
    if tool is None:
        # jujuc server.go (commit 120cca6130e9) refuses the request with this text; how the
        # hook tool client prints that RPC error, and its exit status, were not read.
        message = f'ERROR bad request: unknown hook command: {name}\n'
        return ToolResult(returncode=1, stdout=b'', stderr=message.encode())
    call = Call(name, ctx, stdin)
    try:
        tool(call, list(args))
    except HelpRequested:
        return ToolResult(returncode=0, stdout=b'', stderr=b'')
    except UsageError as e:
        return ToolResult(
            returncode=2, stdout=bytes(call.stdout), stderr=bytes(call.stderr) + _error_line(e)
        )
    except ToolError as e:
        return ToolResult(
            returncode=1, stdout=bytes(call.stdout), stderr=bytes(call.stderr) + _error_line(e)
        )
    except Exception as e:
        line = f'ERROR {_backend_message(e)}\n'.encode()
        return ToolResult(
            returncode=1, stdout=bytes(call.stdout), stderr=bytes(call.stderr) + line
        )
    return ToolResult(returncode=0, stdout=bytes(call.stdout), stderr=bytes(call.stderr))


def _error_line(error: Exception) -> bytes:
    return f'ERROR {error}\n'.encode()

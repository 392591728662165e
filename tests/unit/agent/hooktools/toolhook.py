"""A hook's view for the hook tools: Scenario's ``_MockModelBackend`` on an output ``State``.

Built as Scenario builds it for a run (``scenario/_ops_main_mock.py`` ``Ops.__init__``): the
state, the event, the ``Context``, its charm spec and the ``JujuContext`` of the hook's
environment.
"""

# pyright: reportPrivateUsage=false

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import ops
from ops import testing
from scenario.mocking import _MockModelBackend

from orchestrator.agent.hooktools import ToolContext, ToolResult, run_tool

MODEL_UUID = '7e7e7e7e-1111-4222-8333-944444444444'

META: dict[str, Any] = {
    'name': 'app',
    'requires': {'db': {'interface': 'pgsql'}},
    'provides': {'website': {'interface': 'http'}},
    'peers': {'cluster': {'interface': 'cluster'}},
    'storage': {
        'data': {'type': 'filesystem', 'location': '/srv/data', 'multiple': {'range': '0-'}},
        'disks': {'type': 'block', 'multiple': {'range': '0-'}},
    },
    'extra-bindings': {'metrics': None},
}
CONFIG: dict[str, Any] = {
    'options': {
        'name': {'type': 'string', 'default': 'olm'},
        'port': {'type': 'int', 'default': 8080},
        'ratio': {'type': 'float', 'default': 1.5},
        'debug': {'type': 'boolean', 'default': False},
        'token': {'type': 'string'},
    }
}
ACTIONS: dict[str, Any] = {
    'backup': {'params': {'target': {'type': 'string'}, 'opts': {'type': 'object'}}},
}


class _Charm(ops.CharmBase):
    pass


@dataclasses.dataclass
class Hook:
    """One hook's context for the tools, and what Scenario's context recorded."""

    ctx: ToolContext
    context: testing.Context[_Charm]

    def run(self, name: str, *args: str, stdin: bytes = b'') -> ToolResult:
        return run_tool(name, args, stdin, self.ctx)


def make_hook(
    state: testing.State | None = None,
    *,
    action: tuple[str, Mapping[str, Any]] | None = None,
    env: Mapping[str, str] | None = None,
    trusted: bool = False,
    goal_state: Mapping[str, Any] | None = None,
    leader_settings: dict[str, str] | None = None,
    charm_state: dict[str, str] | None = None,
    read_file: Callable[[str], bytes] | None = None,
) -> Hook:
    context = testing.Context(
        _Charm,
        meta=META,
        config=CONFIG,
        actions=ACTIONS,
        app_name='app',
        unit_id=0,
        app_trusted=trusted,
        juju_version='3.6.4',
    )
    out_state = copy.deepcopy(state or testing.State())
    if action is not None:
        event = context.on.action(action[0], params=dict(action[1]))
    else:
        event = context.on.update_status()
    hook_env = {
        'JUJU_UNIT_NAME': 'app/0',
        'JUJU_VERSION': '3.6.4',
        'JUJU_MODEL_NAME': out_state.model.name,
        'JUJU_MODEL_UUID': out_state.model.uuid,
        'JUJU_DISPATCH_PATH': f'actions/{action[0]}' if action else 'hooks/update-status',
        **(env or {}),
    }
    if action is not None:
        hook_env['JUJU_ACTION_NAME'] = action[0]
    backend = _MockModelBackend(
        state=out_state,
        event=event,
        context=context,
        charm_spec=context._charm_spec,
        juju_context=ops.JujuContext._from_dict(hook_env),
    )
    ctx = ToolContext(
        backend=backend,
        state=out_state,
        unit_name='app/0',
        private_address='10.0.0.10',
        public_address='203.0.113.10',
        goal_state=goal_state or {'units': {}, 'relations': {}},
        leader_settings=leader_settings if leader_settings is not None else {},
        charm_state=charm_state if charm_state is not None else {},
        env=hook_env,
        # ops (in this process) writes the files it names: this process's files are the
        # machine's here, unless a test says otherwise.
        read_file=read_file if read_file is not None else _read_here,
    )
    return Hook(ctx=ctx, context=context)


def ok(result: ToolResult) -> str:
    assert result.returncode == 0, result
    assert result.stderr == b'', result
    return result.stdout.decode()


def fails(result: ToolResult, code: int) -> str:
    assert result.returncode == code, result
    assert result.stderr.startswith(b'ERROR ')
    assert result.stderr.endswith(b'\n')
    return result.stderr.decode()[len('ERROR ') : -1]


def _read_here(path: str) -> bytes:
    with open(path, 'rb') as f:
        return f.read()

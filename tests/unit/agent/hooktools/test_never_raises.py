"""run_tool answers every command line with an exit status and Juju's error line, never raises."""

from __future__ import annotations

import pytest
from ops import testing
from toolhook import make_hook

from orchestrator.agent.hooktools import HOOK_TOOLS, ToolResult

_ODD_ARGVS: list[list[str]] = [
    [],
    ['-'],
    ['--'],
    ['='],
    ['x=y'],
    ['-r'],
    ['-r', 'db:'],
    ['--format'],
    ['--format=json', 'a', 'b', 'c'],
    ['--app=nope'],
    ['secret:', '--label'],
    ['\u00e9\u00e8=\u2028', '0x10'],
]


@pytest.mark.parametrize('name', sorted(HOOK_TOOLS))
def test_odd_command_lines(name: str) -> None:
    db = testing.Relation('db', remote_app_name='pg')
    for action in (None, ('backup', {'target': 'x'})):
        hook = make_hook(testing.State(relations={db}), action=action)
        for argv in _ODD_ARGVS:
            result = hook.run(name, *argv, stdin=b'\xff\xfe not yaml: [')
            assert result.returncode in (0, 1, 2), (name, argv, result)
            if result.returncode:
                assert result.stderr.startswith(b'ERROR ') or b'ERROR ' in result.stderr
                assert result.stderr.endswith(b'\n')


def test_unknown_tool() -> None:
    result = make_hook().run('add-metric', 'x=1')
    assert result == ToolResult(1, b'', b'ERROR bad request: unknown hook command: add-metric\n')

#!/usr/bin/env python3
"""A charm whose action tries one way out of its machine onto the computer olm runs on.

Each attempt runs in the action handler; what it raised (or returned) becomes the action's
results, so a test can check both that the attempt failed as it should and that nothing on
the host changed.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import ops


def _attempts(target: str) -> dict[str, Callable[[], object]]:
    return {
        'subprocess': lambda: subprocess.run(['touch', target], check=True),
        'popen': lambda: subprocess.Popen(['touch', target]).wait(),
        'os-system': lambda: os.system(f'touch {target}'),
        'os-exec': lambda: os.execvp('touch', ['touch', target]),
        'os-spawn': lambda: os.posix_spawnp('touch', ['touch', target], dict(os.environ)),
        'write-etc': lambda: Path('/etc', Path(target).name).write_text('escaped'),
        'write-tmp': lambda: Path(target).write_text('escaped'),
        'write-home': lambda: (Path.home() / Path(target).name).write_text('escaped'),
        'mkdir': lambda: os.mkdir(target),
        'remove': lambda: os.remove(target),
        'rename': lambda: os.rename(target, f'{target}.moved'),
        'chmod': lambda: os.chmod(target, 0o777),
        'socket': lambda: socket.create_connection(('127.0.0.1', 9), timeout=1),
        'sqlite': lambda: sqlite3.connect(target).execute('create table t (x)'),
        'kill': lambda: os.kill(os.getpid(), signal.SIGCONT),
        'print': lambda: print('printed by the charm') or sys.stderr.write('and on stderr\n'),
        'snap-list': lambda: subprocess.check_output(['snap', 'list'], text=True),
        'missing-program': lambda: subprocess.run(['hostname', 'escaped'], check=True),
        'shell': lambda: subprocess.getoutput('echo routed'),
        'hookcmds': _hook_tools,
    }


def _hook_tools() -> object:
    """Juju's hook tools called directly, as ``ops.hookcmds`` (and charmhelpers) call them."""
    from ops import hookcmds

    hookcmds.status_set('maintenance', 'set through ops.hookcmds')
    hookcmds.state_set({'seen': 'yes'})
    leader = subprocess.check_output(['is-leader', '--format=json'], text=True).strip()
    return [
        hookcmds.is_leader(),
        leader,
        hookcmds.state_get('seen'),
        sorted(hookcmds.goal_state().units),
    ]


class EscaperCharm(ops.CharmBase):
    """Tries one way out per ``escape`` action."""

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.escape_action, self._on_escape)

    def _on_escape(self, event: ops.ActionEvent) -> None:
        how = str(event.params['how'])
        target = str(event.params.get('target', '/tmp/olm-escape-target'))
        try:
            returned = _attempts(target)[how]()
        except Exception as e:  # what the attempt raised is the result
            event.set_results({'outcome': 'raised', 'error': type(e).__name__, 'message': str(e)})
            return
        event.set_results({'outcome': 'returned', 'value': repr(returned)})


if __name__ == '__main__':  # pragma: nocover
    ops.main(EscaperCharm)

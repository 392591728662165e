"""A hook sees Juju's fixed environment, never the shell that ran olm, under either runner.

Juju's unit agent is a systemd service: its hooks get their context's ``JUJU_*`` variables and
``ubuntuEnv``'s few (orchestrator/agent/hook_environment.py cites both). A token or HOME in the
user's shell must not reach a charm, in-process or through ``dispatch``.
"""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import olmcli
import pytest
from olmcli import TEST_CHARMS

ok = partial(olmcli.ok, charms=TEST_CHARMS, timeout=300)

_USERS = {'OLM_TEST_TOKEN': 'hunter2-not-for-charms', 'HTTPS_PROXY': 'http://user:pw@proxy:3128'}
# Juju's fixed variables besides JUJU_*: ubuntuEnv's, CHARM_DIR and CLOUD_API_VERSION.
_FIXED = {'APT_LISTCHANGES_FRONTEND', 'CHARM_DIR', 'CLOUD_API_VERSION', 'DEBIAN_FRONTEND',
          'LANG', 'PATH', 'TERM'}  # fmt: skip


@pytest.mark.parametrize('runner', ['scenario', 'dispatch'])
def test_a_hook_sees_jujus_environment_and_nothing_of_the_users(lab: Path, runner: str):
    if runner == 'dispatch' and shutil.which('bwrap') is None:
        pytest.skip('needs bubblewrap')
    ok(lab, 'deploy', 'environ', '--runner', runner, '--seed', '1', env=_USERS)
    out = ok(lab, 'run', 'environ/0', 'environment', '--format', 'json', env=_USERS)
    results = json.loads(out)['environ/0']['results']
    env: dict[str, str] = json.loads(results['environment'])

    assert not set(_USERS) & set(env)
    assert 'HOME' not in env or env['HOME'] != str(Path.home()), env.get('HOME')
    shown = json.dumps(env)
    assert all(value not in shown for value in _USERS.values())
    juju = {k for k in env if k.startswith('JUJU_')}
    assert {'JUJU_UNIT_NAME', 'JUJU_MODEL_UUID', 'JUJU_ACTION_NAME', 'JUJU_SLA'} <= juju
    assert env['PATH'].startswith('/var/lib/juju/tools/unit-environ-0:/usr/local/sbin:')
    assert (env['LANG'], env['DEBIAN_FRONTEND']) == ('C.UTF-8', 'noninteractive')
    assert env['CHARM_DIR'] == env['JUJU_CHARM_DIR']
    # The hook's status names its non-JUJU variables: the same fixed set in every hook.
    status = olmcli.status(lab, charms=TEST_CHARMS)
    message = status['applications']['environ']['units']['environ/0']['workload-status']
    assert set(message['message'].split()) - _SHELL_OF_DISPATCH == _FIXED


_SHELL_OF_DISPATCH = {'PWD', 'SHLVL', '_', 'LD_LIBRARY_PATH', 'PYTHONPATH', 'OLDPWD',
                      'OPERATOR_DISPATCH'}  # fmt: skip
"""What the dispatch script's shell, its exec of the charm and ops itself add (charmcraft's
dispatch; ops/_main.py sets ``OPERATOR_DISPATCH`` to spot a re-dispatch), as under Juju."""

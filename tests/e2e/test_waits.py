"""Waits that say why: the writer lock's holder, Ctrl-C mid-settle, a deploy that never
committed, and a long settle's progress, as users see them (one olm process per command).

The moments are reached, not timed: a deploy is stopped (SIGSTOP) once the kernel shows it
holding the writer lock, interrupted once its settle has committed hooks, and killed while it
reads an overlay from a named pipe, which blocks it after its intent is committed and before
anything is deployed.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from olmcli import BUNDLES, ROOT, command, environment, ok, olm

from orchestrator.state.store import holder_of

BUNDLE = BUNDLES / 'tracer-mirror.yaml'
NEVER_COMMITTED = 'never committed: nothing was deployed; run it again'


def start(state: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``olm ARGS`` in the background (the e2e helpers wait for their commands)."""
    return subprocess.Popen(
        command(*args), env=environment(state, env=env), cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


@pytest.fixture
def background() -> Iterator[list[subprocess.Popen[str]]]:
    procs: list[subprocess.Popen[str]] = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
        proc.communicate()


def until(condition: object, what: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while not condition():  # type: ignore[operator]
        assert proc.poll() is None, f'{what}: olm ended first:\n{proc.communicate()}'
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def logged(state: Path) -> int:
    try:
        with sqlite3.connect(state / 'state.db', timeout=1) as conn:
            return int(conn.execute('SELECT count(*) FROM log').fetchone()[0])
    except sqlite3.Error:
        return 0


def intent(state: Path) -> str | None:
    try:
        with sqlite3.connect(state / 'state.db', timeout=1) as conn:
            row = conn.execute(
                "SELECT value FROM settings WHERE key = 'unfinished-operation'"
            ).fetchone()
    except sqlite3.Error:
        return None
    return None if row is None else str(row[0])


def stopped_holding_the_lock(state: Path, proc: subprocess.Popen[str]) -> None:
    """Stop ``proc`` at a moment it holds the writer lock (as Ctrl-Z would)."""

    def stopped_holding() -> bool:
        proc.send_signal(signal.SIGSTOP)
        holder = holder_of(state)
        # Its record written too (between its flock and its record, only the kernel knows it).
        if holder is not None and holder.pid == proc.pid and holder.since is not None:
            return True
        proc.send_signal(signal.SIGCONT)
        return False

    until(stopped_holding, 'the deploy never held the writer lock', proc)


def test_a_command_behind_a_stopped_holder_names_it_then_gives_up(
    lab: Path, background: list[subprocess.Popen[str]]
):
    deploy = start(lab, 'deploy', str(BUNDLE), '--quiet')
    background.append(deploy)
    stopped_holding_the_lock(lab, deploy)

    done = olm(lab, '--lock-timeout', '1', 'wait')
    assert done.returncode == 1, done.stderr
    notice, error = done.stderr.splitlines()  # one notice, one ERROR line, nothing else
    holder = f'held by process {deploy.pid} (olm deploy {BUNDLE} --quiet) since '
    assert notice.startswith(f'waiting for the writer lock of {lab} (up to 1s): it is {holder}')
    assert notice.endswith(
        f'which is stopped: resume it (fg, or kill -CONT {deploy.pid}) or end it'
    )
    assert error.startswith(f'ERROR could not get the writer lock of {lab} after waiting 1.')
    assert f'it is {holder}' in error
    assert done.stdout == ''

    # The environment sets it too; a timeout shorter than the notice's delay gives the error only.
    done = olm(lab, 'wait', env={'OLM_LOCK_TIMEOUT': '0.2'})
    assert done.returncode == 1
    assert (
        done.stderr.startswith('ERROR could not get the writer lock')
        and done.stderr.count('\n') == 1
    )

    deploy.send_signal(signal.SIGCONT)  # the holder carries on, and the model settles
    _, err = deploy.communicate(timeout=300)
    assert deploy.returncode == 0, err
    assert 'settled' in ok(lab, 'wait')


@pytest.mark.parametrize('value', ['-1', 'soon'])
def test_a_bad_lock_timeout_in_the_environment_is_named(lab: Path, value: str):
    done = olm(lab, 'wait', env={'OLM_LOCK_TIMEOUT': value})
    assert done.returncode == 2
    assert done.stderr == (
        f"ERROR OLM_LOCK_TIMEOUT must be a number of seconds, 0 or more, got '{value}'\n"
    )


def test_ctrl_c_mid_settle_says_what_is_left_and_olm_wait_finishes_it(
    lab: Path, background: list[subprocess.Popen[str]]
):
    deploy = start(lab, 'deploy', str(BUNDLE), '--quiet', '--seed', '3')
    background.append(deploy)
    until(lambda: logged(lab) >= 10, 'the settle never got going', deploy)
    deploy.send_signal(signal.SIGINT)
    out, err = deploy.communicate(timeout=300)
    assert deploy.returncode == 130, err
    assert 'Traceback' not in err
    (line,) = err.splitlines()
    assert line.startswith('Interrupted after ')
    assert 'hooks left to run (' in line
    assert line.endswith('Run "olm wait" to settle them.')
    assert out.endswith('- unit mirror/1 on machine 4\n')  # no summary: it did not settle

    done = ok(lab, 'wait', '--quiet')
    assert done.startswith('Ran ') and '; settled (seed ' in done
    units = ok(lab, 'status', '--format', 'json')
    assert '"error"' not in units


def test_wait_after_a_deploy_killed_before_its_commit_says_nothing_was_deployed(
    lab: Path, tmp_path: Path, background: list[subprocess.Popen[str]]
):
    overlay = tmp_path / 'overlay.yaml'
    os.mkfifo(overlay)  # reading it blocks the deploy: after its intent, before its commit
    deploy = start(lab, 'deploy', str(BUNDLE), '--overlay', str(overlay))
    background.append(deploy)
    until(lambda: intent(lab) is not None, 'the deploy never recorded its intent', deploy)
    status = olm(lab, 'status')
    assert f'the deploy of {BUNDLE} (process {deploy.pid}) is under way' in status.stderr

    deploy.kill()
    deploy.communicate()
    status = olm(lab, 'status')
    assert status.returncode == 0
    assert status.stderr.startswith(f'WARNING the deploy of {BUNDLE} started at ')
    assert status.stderr.rstrip().endswith(NEVER_COMMITTED)
    assert 'is empty' in status.stdout

    done = olm(lab, 'wait')
    assert done.returncode == 0
    assert done.stderr.startswith(f'WARNING the deploy of {BUNDLE} started at ')
    assert f'(process {deploy.pid}: olm deploy {BUNDLE} --overlay {overlay}) ' in done.stderr
    assert done.stderr.rstrip().endswith(NEVER_COMMITTED)
    assert 'settled' in done.stdout
    # Said once: the record is gone, and a deploy run again works.
    assert olm(lab, 'wait').stderr == ''
    assert intent(lab) is None
    ok(lab, 'deploy', str(BUNDLE), '--quiet')
    assert olm(lab, 'status').stderr == ''


def test_a_long_settle_shows_progress_on_stderr_unless_quiet(lab: Path):
    every_hook = {'OLM_PROGRESS_INTERVAL': '0'}  # a report after every hook: no settle too short
    done = olm(lab, 'deploy', str(BUNDLE), env=every_hook)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith('settling: ')]
    assert len(lines) >= 10
    assert ' of 5 units settled; ' in lines[0] and 'hooks left (of ' in lines[0]
    assert 'settling' not in done.stdout  # stdout is for what scripts read
    assert lines[-1].split('; ')[1] in ('4 of 5 units settled', '5 of 5 units settled')

    quiet = olm(lab, 'add-unit', 'tracer', '--quiet', env=every_hook)
    assert quiet.returncode == 0 and 'settling' not in quiet.stderr

    bad = olm(lab, 'wait', env={'OLM_PROGRESS_INTERVAL': 'often'})
    assert bad.returncode == 2
    assert bad.stderr == (
        "ERROR OLM_PROGRESS_INTERVAL must be a number of seconds, 0 or more, got 'often'\n"
    )


def test_ctrl_c_before_a_deploy_commits_says_nothing_was_deployed(
    lab: Path, tmp_path: Path, background: list[subprocess.Popen[str]]
):
    overlay = tmp_path / 'overlay.yaml'
    os.mkfifo(overlay)
    deploy = start(lab, 'deploy', str(BUNDLE), '--overlay', str(overlay))
    background.append(deploy)
    until(lambda: intent(lab) is not None, 'the deploy never recorded its intent', deploy)
    deploy.send_signal(signal.SIGINT)
    _, err = deploy.communicate(timeout=60)
    assert deploy.returncode == 130
    assert err == (
        f'WARNING the deploy of {BUNDLE} was interrupted before it committed: nothing was '
        'deployed\n'
    )
    assert intent(lab) is None
    done = olm(lab, 'wait')
    assert done.stderr == '' and 'settled' in done.stdout

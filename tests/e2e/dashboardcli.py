"""``olm dashboard`` as a user runs it: a process serving until Ctrl-C, and its URL.

Shared by the end-to-end tests (tests/e2e/test_dashboard.py, which read the server as any HTTP
client would) and the browser tests (tests/browser, which import this folder's helpers).
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from olmcli import ROOT, command, environment

URL = re.compile(r'http://127\.0\.0\.1:(\d+)/\?token=(\S+)')
"""The line ``olm dashboard`` prints once it serves: where, and with which token."""
STARTUP_TIMEOUT = 120.0
"""How long it may take to print its URL (seconds): a bound on a hang, not a measure."""


class Dashboard:
    """``olm dashboard ARGS`` on ``state``, started on entry and stopped with SIGINT on exit.

    Attributes:
        url: the URL it printed (with the token).
        port: the port it serves on.
        token: the token.
        returncode: its exit status once stopped.
        stdout, stderr: all it printed, once stopped.
    """

    def __init__(self, state: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
        self.argv = command('dashboard', '--port', '0', *args)
        self.env = environment(state, env=env)
        self.url = self.token = ''
        self.port = 0
        self.returncode: int | None = None
        self.stdout = self.stderr = ''
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    @property
    def base(self) -> str:
        """Its address without the token: ``http://127.0.0.1:PORT``."""
        return f'http://127.0.0.1:{self.port}'

    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def __enter__(self) -> Dashboard:
        process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        self._process = process
        # Read in a thread, so that a dashboard that prints nothing fails the test in time.
        threading.Thread(target=_read, args=(process.stdout, self._lines), daemon=True).start()
        seen: list[str] = []
        while True:
            try:
                line = self._lines.get(timeout=STARTUP_TIMEOUT)
            except queue.Empty:
                line = None
            if line is None:
                process.kill()
                self.stop()
                raise AssertionError(f'olm dashboard printed no URL:\n{"".join(seen)}'
                                     f'{self.stderr}')  # fmt: skip
            seen.append(line)
            match = URL.search(line)
            if match:
                self.stdout = ''.join(seen)
                self.url, self.port, self.token = (
                    match.group(0),
                    int(match.group(1)),
                    match.group(2),
                )
                return self

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; its exit status (its output is then complete)."""
        process = self._process
        assert process is not None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        assert process.stderr is not None
        self.stderr += process.stderr.read()
        while (line := self._lines.get(timeout=5)) is not None:
            self.stdout += line
        self.returncode = process.returncode
        return process.returncode

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.returncode is None:
            self.stop()


def _read(stream: IO[str], into: queue.Queue[str | None]) -> None:
    for line in stream:
        into.put(line)
    into.put(None)  # the end: the process closed its output


def related_pairs(status: Mapping[str, Any]) -> set[tuple[str, str, str]]:
    """The graph's edges per ``olm status --format json``: each related pair and interface.

    Both ends list a relation (a SAAS entry's too: its consumer lists it); a peer relation (an
    application related to itself) is not an edge, as Juju's dashboard draws none.
    """
    edges: set[tuple[str, str, str]] = set()
    for name, application in status['applications'].items():
        for related in application.get('relations', {}).values():
            for end in related:
                other = end['related-application']
                if other != name:
                    pair = sorted((name, other))
                    edges.add((pair[0], pair[1], end['interface']))
    return edges

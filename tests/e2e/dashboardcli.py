"""``olm dashboard`` as a user runs it: a process serving until Ctrl-C, and its URL."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import TracebackType

from olmcli import ROOT, command, environment

URL = re.compile(r'http://127\.0\.0\.1:(\d+)/\?token=(\S+)')


class Dashboard:
    """``olm dashboard ARGS`` on ``state``, started on entry and stopped with SIGINT on exit.

    Attributes:
        url: the URL it printed (with the token).
        base: the URL without the token (``http://127.0.0.1:PORT``).
        token: the token.
        returncode: its exit status once stopped.
        stdout, stderr: all it printed, once stopped.
    """

    def __init__(self, state: Path, *args: str, env: Mapping[str, str] | None = None) -> None:
        self.argv = command('dashboard', '--port', '0', *args)
        self.env = environment(state, env=env)
        self.url = self.base = self.token = ''
        self.returncode: int | None = None
        self.stdout = self.stderr = ''
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> Dashboard:
        self._process = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        assert self._process.stdout is not None
        lines: list[str] = []
        for line in _lines(self._process.stdout):
            lines.append(line)
            match = URL.search(line)
            if match:
                self.stdout = ''.join(lines)
                self.url, self.token = match.group(0), match.group(2)
                self.base = f'http://127.0.0.1:{match.group(1)}'
                return self
        self.stop()
        raise AssertionError(f'olm dashboard printed no URL:\n{"".join(lines)}{self.stderr}')

    def stop(self) -> int:
        """Ctrl-C, as a user stops it; its exit status."""
        process = self._process
        assert process is not None
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        self.stdout += out
        self.stderr += err
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


def _lines(stream: object, timeout: float = 60) -> Iterator[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()  # type: ignore[attr-defined]
        if not line:
            return
        yield line

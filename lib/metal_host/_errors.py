"""The errors a :class:`~metal_host.Host` raises.

Every error derives from :class:`HostError`, so a charm that only wants "the machine refused"
catches that one class::

    HostError                      anything the machine seam refuses
    ├── CommandError               a program exited non-zero (argv, returncode, stdout, stderr)
    ├── CommandTimeoutError        a program outlived its timeout (also a TimeoutError)
    ├── FileOperationError         a file could not be read, written or removed
    │   └── MissingFileError       ...because it is not there (also a FileNotFoundError)
    └── UnexpectedCommandError     a RecordingHost was asked to run a command it has no answer
                                   for (also an AssertionError, so pytest reports it as a failure)

Messages name the command as a shell would show it, with :class:`Sensitive` arguments (join
tokens, passwords) replaced by ``<redacted>``: messages end up in ``juju status`` and in logs.
"""

# pyright: strict

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence

__all__ = [
    'CommandError',
    'CommandTimeoutError',
    'FileOperationError',
    'HostError',
    'MissingFileError',
    'Sensitive',
    'UnexpectedCommandError',
    'display',
    'first_line',
]


class Sensitive(str):
    """A command argument that must never appear in a message or a log line.

    It is an ordinary ``str`` to the program that receives it (and equal to the plain string, so
    tables keyed by plain argv still match); only :func:`display` hides it::

        host.run(['k8s', 'join-cluster', Sensitive(token)])
    """

    __slots__ = ()


def display(argv: Iterable[str]) -> str:
    """Render ``argv`` as a shell would show it, with :class:`Sensitive` items redacted."""
    return ' '.join(
        '<redacted>' if isinstance(arg, Sensitive) else shlex.quote(arg) for arg in argv
    )


def first_line(text: str) -> str:
    """The first non-blank line of ``text``, stripped ('' if there is none)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), '')


class HostError(Exception):
    """Base of every error the machine seam raises."""


class CommandError(HostError):
    """A program exited with a non-zero status.

    The message reads ``command 'snap install k8s --classic' failed (exit 1): <first stderr
    line>``; a program that could not be started at all fails with exit status 127, as in a
    shell.

    Attributes:
        argv: the command as run.
        returncode: its exit status.
        stdout: everything it wrote to standard output.
        stderr: everything it wrote to standard error.
    """

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str = '', stderr: str = ''):
        self.argv: tuple[str, ...] = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        message = f'command {display(self.argv)!r} failed (exit {returncode})'
        if detail := first_line(stderr):
            message = f'{message}: {detail}'
        super().__init__(message)

    def __reduce__(self) -> tuple[type[CommandError], tuple[object, ...]]:
        return type(self), (self.argv, self.returncode, self.stdout, self.stderr)


class CommandTimeoutError(HostError, TimeoutError):
    """A program was still running when its timeout ran out, and was killed.

    Attributes:
        argv: the command as run.
        timeout: the limit it exceeded, in seconds.
        stdout: what it had written to standard output before it was killed.
        stderr: what it had written to standard error before it was killed.
    """

    def __init__(self, argv: Sequence[str], timeout: float, stdout: str = '', stderr: str = ''):
        self.argv: tuple[str, ...] = tuple(argv)
        self.timeout = timeout
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(f'command {display(self.argv)!r} timed out after {timeout:g}s')

    def __reduce__(self) -> tuple[type[CommandTimeoutError], tuple[object, ...]]:
        return type(self), (self.argv, self.timeout, self.stdout, self.stderr)


class FileOperationError(HostError):
    """A file could not be read, written or removed.

    Attributes:
        operation: ``'read'``, ``'write'``, ``'remove'`` or ``'chown'``.
        path: the machine path (as the charm named it, not joined to a test root).
        reason: why, usually the operating system's words.
    """

    def __init__(self, operation: str, path: str, reason: str):
        self.operation = operation
        self.path = path
        self.reason = reason
        super().__init__(f'cannot {operation} {path!r}: {reason}')

    def __reduce__(self) -> tuple[type[FileOperationError], tuple[object, ...]]:
        return type(self), (self.operation, self.path, self.reason)


class MissingFileError(FileOperationError, FileNotFoundError):
    """The file to read is not there; ``except FileNotFoundError`` catches it too."""


class UnexpectedCommandError(HostError, AssertionError):
    """A :class:`~metal_host.RecordingHost` was asked to run a command it has no answer for.

    Attributes:
        argv: the command the code under test tried to run.
        expected: the commands the host did have answers for.
    """

    def __init__(self, argv: Sequence[str], expected: Iterable[Sequence[str]]):
        self.argv: tuple[str, ...] = tuple(argv)
        self.expected: tuple[tuple[str, ...], ...] = tuple(tuple(e) for e in expected)
        known = ', '.join(repr(display(e)) for e in self.expected)
        hint = f'expected one of: {known}' if known else 'no commands were expected'
        super().__init__(f'unexpected command: {display(self.argv)!r} ({hint})')

    def __reduce__(self) -> tuple[type[UnexpectedCommandError], tuple[object, ...]]:
        return type(self), (self.argv, self.expected)

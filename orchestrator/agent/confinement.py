"""A charm's code reaches its simulated machine, never the computer olm runs on.

olm runs charm code in its own process (through Scenario), so whatever a charm does beyond
ops' hook tools and ``metal_host`` would otherwise happen here: ``subprocess.run(['hostname',
name])`` would rename the computer olm runs on, as the user running olm. While a hook runs
(:func:`confined`):

- ``subprocess.run``, ``call``, ``check_call``, ``check_output``, ``getoutput`` and
  ``getstatusoutput``, and ``os.system``, run on the unit's simulated machine: an argv through
  its emulated programs (as :meth:`SimHost.call <orchestrator.sim.SimHost.call>`: faults apply,
  nothing is retried), a shell line through :func:`orchestrator.sim.run_command_line`. A
  program the machine does not emulate fails as a missing executable does on a real one
  (``FileNotFoundError``), naming the program and the machine.
- a unix socket the simulated machine serves (snapd's API on ``/run/snapd.socket``, which
  charmlibs-snap and ``charms.operator_libs_linux.v2.snap`` talk HTTP to) is answered by its
  machine: while a hook runs ``socket.socket`` makes sockets whose ``connect`` to such a path
  is kept in olm, the HTTP request the charm sends is handed to the machine's service
  (:meth:`SimHost.request <orchestrator.sim.SimHost.request>`) and its answer read back, one
  request per connection, as ``urllib`` makes them. Any other ``connect`` is refused below.
- Everything else that would reach this computer raises :class:`ConfinementError` (a
  ``PermissionError``), from an audit hook (PEP 578, ``sys.addaudithook``): starting a process
  any other way (``subprocess.Popen``, ``os.exec*``, ``os.posix_spawn``, ``os.fork``,
  ``os.popen``), opening a file for writing, creating, removing, renaming or linking one,
  changing a file's mode, owner or times, sockets (connect, bind, send), signals, and
  ``sqlite3`` databases on disk.
- What the charm prints (``sys.stdout``, ``sys.stderr``) is kept for the hook's log and never
  reaches olm's own output, where it would break ``--format json``.

Reading files is not refused: a charm reads its own files, and Python reads what it imports
(writing their byte-code caches is refused, which the import system ignores). Out of reach of
an audit hook, and so not refused: writing to a file descriptor the process already has
(``os.write(1, ...)``), and foreign functions called through ``ctypes``. The audit hook stays
installed for the life of the process (Python cannot remove one) and acts only while a hook
runs.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import errno
import io
import os
import shlex
import socket
import subprocess
import sys
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass, field
from typing import Any

from metal_host import CommandTimeoutError

from ..sim import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    ExtraProgram,
    HttpResponse,
    SimHost,
    encode_response,
    error_response,
    parse_request,
    run_command_line,
)

__all__ = ['Captured', 'ConfinementError', 'confined']

_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


class ConfinementError(PermissionError):
    """The charm tried to reach the computer olm runs on, not its simulated machine."""


@dataclass
class Captured:
    """What the charm printed during the hook."""

    stdout: io.StringIO = field(default_factory=io.StringIO)
    stderr: io.StringIO = field(default_factory=io.StringIO)

    def lines(self) -> list[tuple[str, str]]:
        """``(stream, line)`` of every non-blank line printed, stdout's first."""
        return [
            (name, line)
            for name, stream in (('stdout', self.stdout), ('stderr', self.stderr))
            for line in stream.getvalue().splitlines()
            if line.strip()
        ]


@dataclass
class _Confinement:
    host: SimHost
    tools: Mapping[str, ExtraProgram] = field(default_factory=dict[str, ExtraProgram])
    """Kept as given (not copied): a lazy mapping makes its programs on first use."""

    @property
    def machine(self) -> str:
        return f'{self.host.machine_id} ({self.host.hostname()}, simulated)'

    def refuse(self, what: str) -> None:
        raise ConfinementError(
            errno.EPERM,
            f'olm refused {what}: charm code reaches only its simulated machine '
            f"{self.machine}, through ops and its machine's programs, never the computer "
            'olm runs on',
        )


_active: _Confinement | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    confinement = _active
    if confinement is None:
        return
    check = _CHECKS.get(event)
    if check is not None:
        check(confinement, args)


def _opened(confinement: _Confinement, args: tuple[Any, ...]) -> None:
    path, mode, flags = args
    if isinstance(path, int):  # os.fdopen of a descriptor the process has: not a new file
        return
    writing = (isinstance(mode, str) and any(c in mode for c in 'wax+')) or (
        isinstance(flags, int) and flags & _WRITE_FLAGS
    )
    if writing:
        confinement.refuse(f'writing {os.fsdecode(path)!r} on this computer')


def _refuse_path(action: str) -> Callable[[_Confinement, tuple[Any, ...]], None]:
    def check(confinement: _Confinement, args: tuple[Any, ...]) -> None:
        target: Any = args[0] if args else '?'
        shown = target if isinstance(target, int) else os.fsdecode(target)
        confinement.refuse(f'{action} {shown!r} on this computer')

    return check


def _refuse(action: str) -> Callable[[_Confinement, tuple[Any, ...]], None]:
    def check(confinement: _Confinement, args: tuple[Any, ...]) -> None:
        confinement.refuse(action)

    return check


def _process(confinement: _Confinement, args: tuple[Any, ...]) -> None:
    program = args[0] if args else '?'
    if isinstance(program, list | tuple) and program:
        program = program[0]  # pyright: ignore[reportUnknownVariableType]
    confinement.refuse(f'starting {os.fsdecode(program)!r} on this computer')  # pyright: ignore[reportArgumentType]


def _database(confinement: _Confinement, args: tuple[Any, ...]) -> None:
    database = args[0] if args else ''
    if os.fsdecode(database) not in (':memory:', ''):
        confinement.refuse(f'opening the sqlite database {os.fsdecode(database)!r}')


_CHECKS: Mapping[str, Callable[[_Confinement, tuple[Any, ...]], None]] = {
    # Python's audit events (docs.python.org/3.11/library/audit_events.html).
    'open': _opened,
    'subprocess.Popen': _process,
    'os.system': _process,
    'os.exec': _process,
    'os.posix_spawn': _process,
    'os.spawn': _process,
    'os.fork': _refuse("forking olm's process"),
    'os.forkpty': _refuse("forking olm's process"),
    'os.remove': _refuse_path('removing'),
    'os.rmdir': _refuse_path('removing'),
    'shutil.rmtree': _refuse_path('removing'),
    'os.rename': _refuse_path('renaming'),
    'shutil.move': _refuse_path('moving'),
    'os.mkdir': _refuse_path('creating the directory'),
    'os.mkfifo': _refuse_path('creating'),
    'os.mknod': _refuse_path('creating'),
    'os.symlink': _refuse_path('linking'),
    'os.link': _refuse_path('linking'),
    'os.truncate': _refuse_path('truncating'),
    'os.chmod': _refuse_path('changing the mode of'),
    'os.chown': _refuse_path('changing the owner of'),
    'os.chflags': _refuse_path('changing the flags of'),
    'os.utime': _refuse_path('changing the times of'),
    'os.setxattr': _refuse_path('changing the attributes of'),
    'os.removexattr': _refuse_path('changing the attributes of'),
    'socket.connect': _refuse('a network connection from this computer'),
    'socket.bind': _refuse('listening on this computer'),
    'socket.sendto': _refuse('sending from this computer'),
    'socket.sendmsg': _refuse('sending from this computer'),
    'os.kill': _refuse('signalling a process of this computer'),
    'os.killpg': _refuse('signalling a process of this computer'),
    'signal.pthread_kill': _refuse('signalling a thread of olm'),
    'sqlite3.connect': _database,
}

_installed = False


@contextlib.contextmanager
def confined(
    host: SimHost, captured: Captured, tools: Mapping[str, ExtraProgram] | None = None
) -> Generator[None]:
    """Run the block as a hook on ``host``: confined to it, its output kept in ``captured``.

    ``tools`` are the unit's hook tools, found before the machine's programs (they are first
    on a hook's PATH under Juju): a charm that runs ``status-get`` itself (``ops.hookcmds``,
    charmhelpers' ``hookenv``) reaches them.
    """
    global _active, _installed
    if not _installed:
        sys.addaudithook(_audit)
        _installed = True
    previous = _active
    routes = _routes(host)
    saved = {(module, name): getattr(module, name) for module, name, _ in routes}
    for module, name, function in routes:
        setattr(module, name, function)
    _active = _Confinement(host, tools or {})
    try:
        with (
            contextlib.redirect_stdout(captured.stdout),
            contextlib.redirect_stderr(captured.stderr),
        ):
            yield
    finally:
        _active = previous
        for (module, name), function in saved.items():
            setattr(module, name, function)


def _routes(host: SimHost) -> list[tuple[Any, str, Callable[..., Any]]]:
    """The functions a hook's ``subprocess`` and ``os.system`` calls reach instead."""

    def run(args: Any, *popenargs: Any, **kwargs: Any) -> subprocess.CompletedProcess[Any]:
        return _run(host, args, **kwargs)

    def call(args: Any, *popenargs: Any, **kwargs: Any) -> int:
        kwargs.pop('check', None)
        return _run(host, args, **kwargs).returncode

    def check_call(args: Any, *popenargs: Any, **kwargs: Any) -> int:
        kwargs.pop('check', None)
        return _run(host, args, check=True, **kwargs).returncode

    def check_output(args: Any, *popenargs: Any, **kwargs: Any) -> Any:
        kwargs.pop('check', None)
        kwargs.pop('stdout', None)
        return _run(host, args, check=True, stdout=subprocess.PIPE, **kwargs).stdout

    def getstatusoutput(cmd: str, **kwargs: Any) -> tuple[int, str]:
        done = _run(  # noqa: S604 - the simulated machine's sh
            host, cmd, shell=True, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output = done.stdout or ''
        return done.returncode, output.removesuffix('\n')

    def getoutput(cmd: str, **kwargs: Any) -> str:
        return getstatusoutput(cmd)[1]

    def system(command: str) -> int:
        done = _run(host, command, shell=True)  # noqa: S604 - the simulated machine's sh
        return done.returncode << 8  # os.system's wait status: the exit code in the high byte

    return [
        (subprocess, 'run', run),
        (subprocess, 'call', call),
        (subprocess, 'check_call', check_call),
        (subprocess, 'check_output', check_output),
        (subprocess, 'getoutput', getoutput),
        (subprocess, 'getstatusoutput', getstatusoutput),
        (os, 'system', system),
        (socket, 'socket', _MachineSocket),
    ]


_RealSocket = socket.socket


class _MachineSocket(_RealSocket):
    """``socket.socket`` while a hook runs: a unix socket its machine serves stays in olm.

    ``connect`` to a path the machine answers (:attr:`World.sockets
    <orchestrator.sim.World.sockets>`) connects nothing on this computer: what the charm then
    sends is kept, and the first read (``makefile``, ``recv``) hands it to the machine's service
    as one HTTP request and gives back its answer. Anything else is a plain socket, whose
    ``connect`` the audit hook refuses.
    """

    _machine: tuple[SimHost, str] | None = None
    _sent: bytearray
    _answer: io.BytesIO | None = None

    def connect(self, address: Any, /) -> None:
        confinement = _active
        path = os.fsdecode(address) if isinstance(address, str | bytes) else None
        if (
            confinement is not None
            and self.family == socket.AF_UNIX
            and path is not None
            and path in confinement.host.world.sockets
        ):
            self._machine = (confinement.host, path)
            self._sent = bytearray()
            return
        super().connect(address)

    def connect_ex(self, address: Any, /) -> int:
        try:
            self.connect(address)
        except OSError as error:
            return error.errno or errno.ECONNREFUSED
        return 0

    def sendall(self, data: Any, flags: int = 0, /) -> None:
        if self._machine is None:
            return super().sendall(data, flags)
        self._keep(bytes(data))
        return None

    def send(self, data: Any, flags: int = 0, /) -> int:
        if self._machine is None:
            return super().send(data, flags)
        sent = bytes(data)
        self._keep(sent)
        return len(sent)

    def _keep(self, data: bytes) -> None:
        """Keep what the charm sends, up to a whole request of the largest size read.

        Past that the request is refused (431 or 413) whatever follows, so the rest is dropped.
        """
        room = MAX_HEADER_BYTES + MAX_BODY_BYTES + 1 - len(self._sent)
        if room > 0:
            self._sent += data[:room]

    def _response(self) -> io.BytesIO:
        if self._answer is None:
            assert self._machine is not None
            host, path = self._machine
            try:
                request = parse_request(bytes(self._sent))
            except ValueError as error:
                request = None
                answer = error_response(error)
            else:
                answer = HttpResponse(400, b'400 Bad Request: incomplete request', 'text/plain')
            if request is not None:
                answer = host.request(path, request) or answer
            self._answer = io.BytesIO(encode_response(answer))
        return self._answer

    def makefile(self, mode: str = 'r', *args: Any, **kwargs: Any) -> Any:
        if self._machine is None:
            unconfined: Any = super().makefile
            return unconfined(mode, *args, **kwargs)
        data = self._response().getvalue()[self._response().tell() :]
        if 'b' in mode:
            return io.BytesIO(data)
        return io.TextIOWrapper(io.BytesIO(data), *args, **kwargs)

    def shutdown(self, how: int, /) -> None:
        if self._machine is None:
            return super().shutdown(how)
        return None  # the request is whole once the client stops writing

    def recv(self, size: int, flags: int = 0, /) -> bytes:
        if self._machine is None:
            return super().recv(size, flags)
        return self._response().read(size)

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        if self._machine is None:
            return super().recv_into(buffer, nbytes, flags)
        view = memoryview(buffer).cast('B')
        data = self._response().read(nbytes or len(view))
        view[: len(data)] = data
        return len(data)


def _run(
    host: SimHost,
    args: Any,
    *,
    input: str | bytes | None = None,
    capture_output: bool = False,
    timeout: float | None = None,
    check: bool = False,
    shell: bool = False,
    text: bool | None = None,
    encoding: str | None = None,
    errors: str | None = None,
    universal_newlines: bool | None = None,
    stdout: Any = None,
    stderr: Any = None,
    **_ignored: Any,
) -> subprocess.CompletedProcess[Any]:
    """``subprocess.run`` on the simulated machine, with its results and its errors."""
    textual = bool(text or encoding or errors or universal_newlines)
    given = input.decode() if isinstance(input, bytes) else input
    confinement = _active
    assert confinement is not None
    tool = None if shell else confinement.tools.get(_argv(args)[0])
    if shell:
        line = args if isinstance(args, str) else shlex.join(_argv(args))
        done = run_command_line(host, line, extra=confinement.tools)
        returncode, out, err = done.returncode, done.stdout, done.stderr
    elif tool is not None:
        returncode, out, err = tool(tuple(_argv(args)[1:]), given)
    else:
        argv = _argv(args)
        if os.path.basename(argv[0]) not in host.world.programs:
            raise FileNotFoundError(
                errno.ENOENT,
                f'No such file or directory: simulated machine {confinement.machine} has '
                f'no program {argv[0]!r}',
                argv[0],
            )
        try:
            completed = host.call(argv, input=given, timeout=timeout)
        except CommandTimeoutError:
            raise subprocess.TimeoutExpired(args, timeout or 0.0) from None
        returncode, out, err = completed.returncode, completed.stdout, completed.stderr
    convert: Callable[[str], Any] = (lambda s: s) if textual else (lambda s: s.encode())
    pipe_out = capture_output or stdout == subprocess.PIPE
    pipe_err = capture_output or stderr == subprocess.PIPE
    if stderr == subprocess.STDOUT:
        out, err = out + err, ''
    if not pipe_out and stdout != subprocess.DEVNULL:
        sys.stdout.write(out)
    if not pipe_err and stderr not in (subprocess.DEVNULL, subprocess.STDOUT):
        sys.stderr.write(err)
    result = subprocess.CompletedProcess(
        args, returncode, convert(out) if pipe_out else None, convert(err) if pipe_err else None
    )
    if check and returncode:
        raise subprocess.CalledProcessError(returncode, args, result.stdout, result.stderr)
    return result


def _argv(args: Any) -> list[str]:
    """``subprocess``'s ``args`` (a program, or a sequence of words) as words."""
    if isinstance(args, str):
        return [args]
    if isinstance(args, bytes):
        return [args.decode()]
    words: list[Any] = [args] if hasattr(args, '__fspath__') else list(args)
    return [os.fsdecode(word) for word in words]

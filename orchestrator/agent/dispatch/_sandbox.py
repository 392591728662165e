"""The sandbox a packed charm's hook runs in: bubblewrap, with the simulated machine as ``/``.

A hook of the dispatch runner is a real process, so it is confined by the kernel rather than
by olm's Python: bubblewrap (Debian's ``bubblewrap`` 0.8, containers/bubblewrap) puts it in
new user, mount, PID, network, IPC, UTS and cgroup namespaces, with every capability dropped
and uid 0 mapped to the user running olm. What it sees:

- ``/``: the simulated machine's files (:mod:`._machine_root`), writable; what the hook writes
  there goes back to the simulated machine, nothing to this computer's files;
- ``/usr/lib``, ``/usr/lib64``: this computer's, read-only: the interpreter's standard library
  and shared libraries;
- ``/usr/bin``: the programs that run for real, read-only: ``sh`` (dash, which runs
  ``dispatch``), ``python3``, and the few tools charmcraft's ``dispatch`` scripts call
  (``dirname``, ``realpath``, ``which``, ``uname``, ``mkdir``, ``ln``, ``env``); and, as links
  to :mod:`._client`, every program the simulated machine emulates (``snap``, ``systemctl``,
  ``ip``...), which olm runs on the machine. Any other program is not there: the charm gets
  ``No such file or directory``, as on a machine without it;
- ``/var/lib/juju/agents/unit-<app>-<n>/charm``: the staged charm, read-only, in a writable
  directory (the unit's ``.unit-state.db`` is bound there); ``/var/lib/juju/tools/unit-...``:
  the hook tools, links to :mod:`._client`; the unit's agent socket beside them;
- the unix sockets the simulated machine serves (snapd's API on ``/run/snapd.socket``),
  answered by olm while the hook runs;
- a new ``/proc``, a minimal ``/dev``, no network but loopback, the machine's host name.

Nothing of this computer is writable from inside, and the hook cannot signal, trace or see
its processes. Deviation: only uid 0 is mapped, so ``chown`` to another account fails inside
(EINVAL), where a real machine would change the owner.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = [
    'CLIENT_PATH',
    'REAL_PROGRAMS',
    'SandboxLayout',
    'SandboxUnavailableError',
    'bwrap_argv',
    'find_bwrap',
    'skeleton',
]

REAL_PROGRAMS = (
    'sh', 'dash', 'python3', 'env', 'dirname', 'realpath', 'which', 'uname', 'mkdir', 'ln',
)  # fmt: skip
"""What runs for real in the sandbox: the shell and interpreter, and what ``dispatch`` calls."""

CLIENT_PATH = '/usr/libexec/olm/agent-call'
"""Where the agent client is mounted; every hook tool and emulated program links to it."""

_BWRAP_HINT = (
    'the dispatch runner needs bubblewrap (bwrap) to keep the charm on its simulated machine: '
    'install it (Debian and Ubuntu: apt-get install bubblewrap) or use --runner scenario'
)


class SandboxUnavailableError(RuntimeError):
    """bubblewrap is missing, or cannot make namespaces on this computer."""


def find_bwrap() -> str:
    """The bubblewrap program; :class:`SandboxUnavailableError` when there is none."""
    found = shutil.which('bwrap')
    if found is None:
        raise SandboxUnavailableError(_BWRAP_HINT)
    return found


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SandboxLayout:
    """Where everything of one hook is on this computer and in the sandbox.

    Attributes:
        machine_root: the materialized machine (mounted as ``/``).
        skeleton: the shared read-only ``usr/bin``, ``usr/sbin`` and ``tools`` (:func:`skeleton`).
        charm: the staged charm directory.
        venv: the charm's venv, mounted at ``charm/venv`` (None: none).
        unit_state: the unit's ``.unit-state.db`` for this hook.
        client: the agent client script.
        socket: the unit agent's socket (listening in olm).
        unit_dir: ``/var/lib/juju/agents/unit-<app>-<n>`` in the sandbox.
        tools_dir: ``/var/lib/juju/tools/unit-<app>-<n>`` in the sandbox.
        devices: machine path → file on this computer, for the machine's device nodes.
        hostname: the machine's host name.
        served: machine path → socket on this computer, for the unix sockets the machine
            serves (snapd's API on ``/run/snapd.socket``; listening in olm).
    """

    machine_root: Path
    skeleton: Path
    charm: Path
    venv: Path | None
    unit_state: Path
    client: Path
    socket: Path
    unit_dir: str
    tools_dir: str
    devices: Mapping[str, Path]
    hostname: str
    served: Mapping[str, Path] = dataclasses.field(default_factory=dict[str, Path])

    @property
    def charm_dir(self) -> str:
        """The charm directory in the sandbox (``JUJU_CHARM_DIR``)."""
        return f'{self.unit_dir}/charm'

    @property
    def socket_address(self) -> str:
        """The agent socket in the sandbox (``JUJU_AGENT_SOCKET_ADDRESS``)."""
        return f'{self.unit_dir}/agent.socket'


def _real(name: str) -> str | None:
    for directory in ('/usr/bin', '/bin', '/usr/sbin'):
        candidate = Path(directory) / name
        if candidate.exists():
            return os.path.realpath(candidate)
    return None


def _python() -> str:
    return os.path.realpath('/usr/bin/python3')


def skeleton(cache: Path, programs: Sequence[str], hook_tools: Sequence[str]) -> Path:
    """The read-only directories every sandbox mounts: ``usr/bin``, ``usr/sbin``, ``tools``.

    Links to the agent client for each emulated program and hook tool, and empty files where
    the real programs are mounted. Made once per set of names (under ``cache``) rather than
    for every hook.
    """
    real = sorted({*REAL_PROGRAMS, Path(_python()).name})
    key = hashlib.sha256(
        '\0'.join([CLIENT_PATH, *real, '|', *programs, '|', *hook_tools]).encode()
    ).hexdigest()[:20]
    target = cache / 'sandbox' / key
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f'.{key}.', dir=target.parent))
    for directory in ('usr/bin', 'usr/sbin', 'tools'):
        (work / directory).mkdir(parents=True)
    for name in real:
        (work / 'usr' / 'bin' / name).touch()
    for name in programs:
        for directory in ('usr/bin', 'usr/sbin'):
            link = work / directory / name
            if not link.exists():
                link.symlink_to(CLIENT_PATH)
    for name in hook_tools:
        (work / 'tools' / name).symlink_to(CLIENT_PATH)
    try:
        work.rename(target)
    except OSError:  # another olm made it meanwhile
        shutil.rmtree(work, ignore_errors=True)
    return target


def bwrap_argv(
    bwrap: str, layout: SandboxLayout, env: Mapping[str, str], command: Sequence[str]
) -> list[str]:
    """The bubblewrap command line that runs ``command`` in the hook's sandbox."""
    argv = [
        bwrap,
        '--unshare-all', '--unshare-user', '--uid', '0', '--gid', '0', '--cap-drop', 'ALL',
        '--die-with-parent', '--new-session', '--hostname', layout.hostname,
        '--bind', str(layout.machine_root), '/',
        '--ro-bind', '/usr/lib', '/usr/lib',
        '--symlink', 'usr/lib', '/lib',
        '--symlink', 'usr/bin', '/bin',
        '--symlink', 'usr/sbin', '/sbin',
        '--proc', '/proc',
        '--dev', '/dev',
        '--ro-bind', str(layout.skeleton / 'usr' / 'bin'), '/usr/bin',
        '--ro-bind', str(layout.skeleton / 'usr' / 'sbin'), '/usr/sbin',
        '--ro-bind', str(layout.skeleton / 'tools'), layout.tools_dir,
    ]  # fmt: skip
    if Path('/usr/lib64').is_dir():
        argv += ['--ro-bind', '/usr/lib64', '/usr/lib64', '--symlink', 'usr/lib64', '/lib64']
    for name in REAL_PROGRAMS:
        real = _real(name)
        if real is not None:
            argv += ['--ro-bind', real, f'/usr/bin/{name}']
    python = _python()
    argv += ['--ro-bind', python, f'/usr/bin/{Path(python).name}']
    argv += ['--ro-bind', str(layout.client), CLIENT_PATH]
    for path, real in sorted(layout.devices.items()):
        argv += ['--ro-bind', str(real), path]
    for path, real in sorted(layout.served.items()):
        argv += ['--bind', str(real), path]
    charm_dir = layout.charm_dir
    for entry in sorted(layout.charm.iterdir()):
        argv += ['--ro-bind', str(entry), f'{charm_dir}/{entry.name}']
    if layout.venv is not None:
        argv += ['--ro-bind', str(layout.venv), f'{charm_dir}/venv']
    argv += [
        '--bind', str(layout.unit_state), f'{charm_dir}/.unit-state.db',
        '--bind', str(layout.socket), layout.socket_address,
        '--chdir', charm_dir,
        '--clearenv',
    ]  # fmt: skip
    for key, value in sorted(env.items()):
        argv += ['--setenv', key, value]
    return [*argv, '--', *command]

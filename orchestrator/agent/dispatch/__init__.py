"""The dispatch runner: the packed charm run hook by hook, the way Juju runs it, sandboxed.

- :mod:`._staging`: the charm as charmcraft packs it (files, ``dispatch``, ``venv/``);
- :mod:`._sandbox`: bubblewrap, with the simulated machine as ``/``;
- :mod:`._machine_root`: the machine's files written out for a hook, and what it did read back;
- :mod:`._agent_socket`, :mod:`._protocol`, :mod:`._client`: the unit agent's socket, its
  framing, and the program behind every hook tool and emulated program in the sandbox;
- :mod:`._runner`: :class:`DispatchRunner`, which puts them together.
"""

# pyright: strict

from ._runner import HOOK_TIMEOUT, DispatchRunner
from ._sandbox import SandboxUnavailableError, find_bwrap
from ._staging import StagedCharm, StagingError, cache_dir, stage

__all__ = [
    'HOOK_TIMEOUT',
    'DispatchRunner',
    'SandboxUnavailableError',
    'StagedCharm',
    'StagingError',
    'cache_dir',
    'find_bwrap',
    'stage',
]

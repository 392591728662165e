"""Simulated machines for olm: a Host per machine, emulated programs, one shared World.

A simulated machine (:class:`SimHost`) has an in-memory filesystem and runs emulated programs
(``snap``, ``apt-get``, ``dpkg``, ``systemctl``; later ``k8s``, ``maas``, ``microceph`` …) that
answer with the real tools' texts and exit statuses. The runner binds one for each event it
runs, so charm code drives it exactly as it would drive a real machine::

    world = World()
    host = world.add_machine('0', hostname='node-0', addresses=['10.0.0.10'])
    with metal_host.bound(host):
        ctx.run(ctx.on.install(), state)
    world.dump_machine('0')  # persisted between olm commands

Everything here is a simulation and is labelled :data:`SIMULATED` wherever it could be taken
for the real thing.

Imports flow one way, from the programs down to the core:

- the core: :mod:`.errors`, :mod:`.label`, :mod:`.faults`, :mod:`.catalog` (the store's and the
  archive's entries), :mod:`.registry` (the program table), a machine's :mod:`.devices`,
  :mod:`.filesystem` and :mod:`.base_system`, the World's :mod:`.shared` facts, and
  :mod:`.world` (the World and its machines, which refer to each other; :mod:`.host` is a
  machine's public home). The World knows no program: it runs what its
  :class:`~.world.MachineImage` lists;
- :mod:`.programs`, the emulated programs, which set the default image (Ubuntu 24.04 as MAAS
  deploys it) when imported, as this package does;
- :mod:`.shell`, a command line over a machine (``olm exec``).
"""

# pyright: strict

from __future__ import annotations

from . import programs  # sets every World's default machine image: the built-in programs
from .catalog import Catalog, PackageSpec, SnapApp, SnapRelease, SnapSpec
from .errors import SimError, StateError, UnknownMachineError
from .faults import Fault, FaultKind, Faults
from .host import (
    DEFAULT_ENV,
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    SIMULATED,
    BlockDevice,
    CommandRecord,
    Handler,
    HttpRequest,
    HttpResponse,
    Invocation,
    NetworkDevice,
    SimHost,
    SocketService,
    encode_response,
    error_response,
    parse_request,
)
from .shell import ExtraProgram, ShellResult, run_command_line
from .world import MachineImage, ProgramRegistry, World

__all__ = [
    'DEFAULT_ENV',
    'MAX_BODY_BYTES',
    'MAX_HEADER_BYTES',
    'SIMULATED',
    'BlockDevice',
    'Catalog',
    'CommandRecord',
    'ExtraProgram',
    'Fault',
    'FaultKind',
    'Faults',
    'Handler',
    'HttpRequest',
    'HttpResponse',
    'Invocation',
    'MachineImage',
    'NetworkDevice',
    'PackageSpec',
    'ProgramRegistry',
    'ShellResult',
    'SimError',
    'SimHost',
    'SnapApp',
    'SnapRelease',
    'SnapSpec',
    'SocketService',
    'StateError',
    'UnknownMachineError',
    'World',
    'encode_response',
    'error_response',
    'parse_request',
    'programs',
    'run_command_line',
]

"""``systemctl``: systemd's unit manager, emulated over a SimHost's files.

Units are what they are on a real machine: unit files under ``/etc/systemd/system``,
``/run/systemd/system`` and ``/usr/lib/systemd/system`` in the machine's (in-memory)
filesystem. Packages and snaps install theirs there; a charm may write its own. A unit name
without a type suffix means ``.service``, and a snap's services are ``snap.<snap>.<app>.service``.

What is emulated, with systemd 255's texts and exit statuses (``src/systemctl``,
``src/shared/bus-wait-for-jobs.c``, ``src/shared/install.c``):

- start/stop/restart/try-restart/reload/reload-or-restart, enable/disable (``--now``),
  is-active/is-enabled/is-failed (``--quiet``), status, cat, daemon-reload, reset-failed and
  ``--version``;
- a unit not found: ``Failed to start x.service: Unit x.service not found.``, exit 5; ``stop``
  says ``not loaded``; ``is-active`` prints ``inactive`` and exits 4, ``status`` exits 4;
- ``ExecStartPre=`` and ``ExecReload=`` commands run when their program is emulated (the
  haproxy emulation validates ``haproxy.cfg`` that way) and fail the job as systemd does;
  commands of programs the World does not emulate are assumed to succeed;
- ``ConditionPathExists=``/``ConditionFileNotEmpty=``: an unmet condition skips the start
  without failing it (keepalived without a configuration stays inactive);
- units load on demand; a loaded unit whose file changed warns until ``daemon-reload``.

``ExecStart=`` is not run, so a program whose state a real unit's daemon would keep current
asks to be told after each run (:func:`after_each_run`): keepalived re-elects its VIP holders.

Not emulated: dependencies and ordering, timers, sockets, masking, templates, drop-ins.

The package's modules: ``_units`` (unit files), ``_manager`` (unit states and jobs), ``_cli``
(the command line and its watchers).
"""

# pyright: strict

from __future__ import annotations

from ._cli import VERSION, RunWatcher, after_each_run, handle
from ._manager import Output, Systemd
from ._units import UNIT_DIRS, Unit, parse_unit, unit_name

__all__ = [
    'UNIT_DIRS',
    'VERSION',
    'Output',
    'RunWatcher',
    'Systemd',
    'Unit',
    'after_each_run',
    'handle',
    'parse_unit',
    'unit_name',
]

"""Unit files: their names, where systemd looks for them, what the emulation reads in them."""

# pyright: strict

from __future__ import annotations

import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    pass

__all__ = ['UNIT_DIRS', 'Unit', 'parse_unit', 'unit_name']


UNIT_DIRS = (
    '/etc/systemd/system',
    '/run/systemd/system',
    '/usr/local/lib/systemd/system',
    '/usr/lib/systemd/system',
    '/lib/systemd/system',
)
"""Where unit files are looked up, first match wins (systemd's system unit search path)."""

_UNIT_TYPES = frozenset(
    {
        'service',
        'socket',
        'target',
        'timer',
        'mount',
        'automount',
        'swap',
        'path',
        'slice',
        'scope',
        'device',
    }
)


_LIST_KEYS = frozenset(
    {'ExecStartPre', 'ExecReload', 'Environment', 'EnvironmentFile', 'WantedBy', 'RequiredBy'}
)


def unit_name(name: str) -> str:
    """A unit name as systemctl mangles it: no known type suffix means ``.service``."""
    suffix = name.rsplit('.', 1)[-1] if '.' in name else ''
    return name if suffix in _UNIT_TYPES else f'{name}.service'


@dataclass(frozen=True)
class Unit:
    """The parts of a unit file the emulation acts on.

    Attributes:
        name: the unit name (``haproxy.service``).
        path: the unit file it was loaded from.
        text: that file's content as loaded.
        description: ``Description=``.
        type: ``Type=`` (``simple`` when unset).
        remain_after_exit: ``RemainAfterExit=``.
        exec_start_pre: ``ExecStartPre=`` command lines.
        exec_reload: ``ExecReload=`` command lines.
        conditions: ``Condition…=`` settings as (key, value).
        wanted_by: ``WantedBy=``/``RequiredBy=`` targets (empty: a static unit).
        environment: ``Environment=`` assignments.
        environment_files: ``EnvironmentFile=`` paths (``-`` prefix kept).
    """

    name: str
    path: str
    text: str
    description: str = ''
    type: str = 'simple'
    remain_after_exit: bool = False
    exec_start_pre: tuple[str, ...] = ()
    exec_reload: tuple[str, ...] = ()
    conditions: tuple[tuple[str, str], ...] = ()
    wanted_by: tuple[str, ...] = ()
    environment: Mapping[str, str] = field(default_factory=dict[str, str])
    environment_files: tuple[str, ...] = ()


def parse_unit(name: str, path: str, text: str) -> Unit:
    """Read the settings the emulation needs from a unit file.

    systemd's syntax: sections, ``Key=value``, ``#``/``;`` comments, backslash continuations,
    an empty value resetting a list.
    """
    values: dict[str, list[str]] = {}
    section = ''
    for raw in _logical_lines(text):
        line = raw.strip()
        if not line or line[0] in '#;':
            continue
        if line.startswith('[') and line.endswith(']'):
            section = line[1:-1]
            continue
        key, sep, value = line.partition('=')
        if not sep:
            continue
        key, value = key.strip(), value.strip()
        if key.startswith('Condition') and section == 'Unit':
            values.setdefault('Condition', []).append(f'{key}={value}')
        elif key in _LIST_KEYS:
            if value:
                values.setdefault(key, []).append(value)
            else:
                values[key] = []
        else:
            values[key] = [value]
    environment: dict[str, str] = {}
    for assignment in values.get('Environment', []):
        for word in shlex.split(assignment):
            k, _, v = word.partition('=')
            environment[k] = v
    targets = [t for entry in values.get('WantedBy', []) for t in entry.split()]
    targets += [t for entry in values.get('RequiredBy', []) for t in entry.split()]
    return Unit(
        name=name,
        path=path,
        text=text,
        description=(values.get('Description') or [''])[-1],
        type=(values.get('Type') or ['simple'])[-1],
        remain_after_exit=(values.get('RemainAfterExit') or ['no'])[-1].lower()
        in ('yes', 'true', '1', 'on'),
        exec_start_pre=tuple(values.get('ExecStartPre', [])),
        exec_reload=tuple(values.get('ExecReload', [])),
        conditions=tuple(
            cast('tuple[str, str]', tuple(c.split('=', 1))) for c in values.get('Condition', [])
        ),
        wanted_by=tuple(targets),
        environment=environment,
        environment_files=tuple(values.get('EnvironmentFile', [])),
    )


def _logical_lines(text: str) -> list[str]:
    lines: list[str] = []
    pending = ''
    for line in text.splitlines():
        if line.endswith('\\'):
            pending += line[:-1] + ' '
            continue
        lines.append(pending + line)
        pending = ''
    if pending:
        lines.append(pending)
    return lines

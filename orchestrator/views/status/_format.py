"""The small formatters ``juju status`` shares between its outputs: times, ports, bases."""

# pyright: strict

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable

from ...state import model

MAX_MESSAGE = 120
"""Juju truncates status messages in tabular output to this many characters."""

ELLIPSIS = '...'
_MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec')
# The uniter's agent messages while it works: "running <hook> hook", "running action <name>".
_RUNNING_HOOK = re.compile(r'running ([\w-]+) hook')
_RUNNING_ACTION = re.compile(r'running action (.*)')


natural_key = model.natural_key


def _offset(moment: datetime.datetime) -> str:
    # Go's "Z07:00": Z at UTC, else +hh:mm.
    delta = moment.utcoffset() or datetime.timedelta()
    if not delta:
        return 'Z'
    minutes = int(delta.total_seconds()) // 60
    sign = '+' if minutes >= 0 else '-'
    hours, minutes = divmod(abs(minutes), 60)
    return f'{sign}{hours:02d}:{minutes:02d}'


def _moment(seconds: float, utc: bool) -> datetime.datetime:
    if utc:
        return datetime.datetime.fromtimestamp(seconds, datetime.UTC)
    return datetime.datetime.fromtimestamp(seconds).astimezone()


def format_since(seconds: float, *, utc: bool = False) -> str:
    """A status time as Juju shows it (``common.FormatTime``).

    Args:
        seconds: seconds since the epoch.
        utc: ``juju status --utc``: ``2026-11-21 19:57:03Z``; otherwise local time as
            ``21 Nov 2026 19:57:03Z`` (or ``+01:00`` away from UTC).
    """
    moment = _moment(seconds, utc)
    if utc:
        return moment.strftime('%Y-%m-%d %H:%M:%SZ')
    month = _MONTHS[moment.month - 1]  # not %b: that follows the locale, Go does not
    return f'{moment.day:02d} {month} {moment.year} {moment:%H:%M:%S}{_offset(moment)}'


def format_timestamp(seconds: float, *, utc: bool = False) -> str:
    """The controller timestamp as Juju shows it: ``19:57:03Z``, or local ``20:57:03+01:00``."""
    moment = _moment(seconds, utc)
    return f'{moment:%H:%M:%S}Z' if utc else f'{moment:%H:%M:%S}{_offset(moment)}'


def truncate(message: str, limit: int = MAX_MESSAGE) -> str:
    if len(message) > limit:
        return message[: limit - len(ELLIPSIS)] + ELLIPSIS
    return message


def format_ports(ports: Iterable[str]) -> str:
    """Open ports as Juju's tabular output groups them: ``80-82,443/tcp 53/udp icmp``.

    Consecutive single ports of one protocol collapse into a range, ports are listed per
    protocol in numeric order, and protocols are separated by a space (``printPorts``).
    """

    def order(port: str) -> tuple[int, str]:
        return len(port), port  # Juju's sortablePorts: shorter first, then text

    entries: dict[str, list[str]] = {}  # protocol key -> ports not folded into a range
    ends: dict[str, dict[str, str]] = {}  # protocol key -> range start -> range end
    starts: dict[str, dict[int, str]] = {}  # protocol key -> port -> start of its range
    for port in sorted(set(ports), key=order):
        number, _, protocol = port.partition('/')
        key = f'/{protocol}' if protocol else number
        listed, runs, start_of = (
            entries.setdefault(key, []),
            ends.setdefault(key, {}),
            starts.setdefault(key, {}),
        )
        if protocol and number.isdigit():
            value = int(number)
            if value - 1 in start_of:
                start_of[value] = start_of[value - 1]
                runs[start_of[value]] = number
                continue
            start_of[value] = number
        listed.append(number)
    texts: list[str] = []
    for key in sorted(entries):
        if not key.startswith('/'):
            texts.append(key)  # a protocol without ports, e.g. icmp
            continue
        listed = [f'{n}-{ends[key][n]}' if n in ends[key] else n for n in entries[key]]
        texts.append(','.join(listed) + key)
    return ' '.join(texts)


def formatted_base(base: str) -> dict[str, str]:
    name, _, channel = base.partition('@')
    # Juju's channel DisplayString drops the default risk.
    return {'name': name, 'channel': channel.removesuffix('/stable')}


def machine_zone(machine: model.Machine) -> str:
    if machine.zone:
        return machine.zone
    for item in machine.hardware.split():
        key, _, value = item.partition('=')
        if key == 'availability-zone':
            return value
    return ''


def instance_status(machine: model.Machine) -> str:
    # The cloud's view of the instance; olm's machine records keep only the agent's.
    return {'pending': 'pending', 'error': 'provisioning error'}.get(machine.status, 'running')


def store_and_path(url: str) -> tuple[str, str]:
    # An offer URL is [<source>:][<user>/]<model>.<application>; no source means this one.
    source, sep, path = url.partition(':')
    if sep and '/' not in source:
        return source, path
    return 'local', url


def agent_doing(agent: model.Status) -> str:
    if agent.current != 'executing':
        return ''
    match = _RUNNING_HOOK.search(agent.message) or _RUNNING_ACTION.search(agent.message)
    return match.group(1) if match else ''

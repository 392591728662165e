"""``journalctl``: reading the systemd journal of a simulated machine (a simulation).

Programs that log to the journal on a real machine append their lines here with :func:`write`
(today: MAAS's rackd, which the snap's pebble layer runs as ``systemd-cat -t maas-rackd``,
canonical/maas ``snap/local/tree/usr/share/maas/pebble/layers/003-maas-rack-layer.yaml`` @ 3.6).
Each entry has a sequence number, a realtime timestamp (the World's clock, in microseconds), a
``SYSLOG_IDENTIFIER`` (what ``systemd-cat -t`` sets) and a ``MESSAGE``; they live in
``state['journal']`` of the machine.

Only what the charms use is emulated, as systemd 255 (Ubuntu 24.04) prints it when its output is
not a terminal. Every behaviour below was also run against the real ``journalctl`` of systemd
252 over a journal file written by ``systemd-journal-remote`` (the texts and exit statuses are
the same; where 252 and 255 differ it is said):

- ``-t ID``/``--identifier=ID`` (repeatable: any of them), ``-o cat``/``--output=cat`` (the
  message alone, one line per entry), ``--no-pager``, ``-q``/``--quiet``, ``-n N``/``-nN``/
  ``--lines=N`` (the last N matching entries), ``--after-cursor=CURSOR`` (the entries after that
  one) and ``--show-cursor`` (``-- cursor: CURSOR`` after the entries; after an
  ``--after-cursor`` with nothing newer it shows the given position again, as 252 does).
- Nothing matching prints nothing and exits 0 (no ``-- No entries --`` when the output is not a
  terminal). With ``-n``/``--show-cursor`` and nothing matching, systemd before 254 exits 1
  silently (systemd/systemd#26899, fixed by commit 9556e79 in 254); 255 exits 0, as modelled.
- A cursor is ``s=SEQNUM_ID;i=SEQNUM;b=BOOT_ID;m=MONOTONIC;t=REALTIME;x=XOR`` (hex fields, as
  ``sd_journal_get_cursor`` writes it); one that does not parse gives ``Failed to seek to cursor:
  Invalid argument`` and exit 1.
- An unknown option gives getopt's ``journalctl: unrecognized option '--x'`` (``invalid option
  -- 'x'`` for a short one), a missing argument ``journalctl: option '--x' requires an
  argument`` (``option requires an argument -- 'x'``), a flag given a value ``option '--x'
  doesn't allow an argument``, an unknown output mode ``Unknown output format 'x'.``, a bad
  count ``Failed to parse lines 'x'``; all exit 1.

Real options the charms do not use (``-u``, ``--since``, ``-f``, ``-b``, other output modes, field
matches ...) raise :class:`~orchestrator.sim.SimError`: not emulated.
"""

# pyright: strict

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, cast

from metal_host import Completed

from ..errors import SimError

if TYPE_CHECKING:
    from ..host import Invocation, SimHost
    from ..world import World

__all__ = ['MAX_ENTRIES', 'CatchUp', 'before_reading', 'cursor_of', 'entries', 'handle', 'write']

MAX_ENTRIES = 5000
"""Entries kept per machine; older ones are vacuumed.

assumption: journald vacuums by size (``SystemMaxUse=``, 10% of the file system by default,
``journald.conf(5)``), not by count; a count keeps the simulated state small.
"""

# Options the real journalctl has that take an argument (getopt_long's required_argument), so
# that a missing one is reported as getopt does; the emulated ones are handled below.
_WITH_ARGUMENT = frozenset(
    {
        '--identifier',
        '--output',
        '--after-cursor',
        '--cursor',
        '--cursor-file',
        '--since',
        '--until',
        '--unit',
        '--user-unit',
        '--priority',
        '--facility',
        '--grep',
        '--boot',
        '--directory',
        '--file',
        '--root',
        '--image',
        '--namespace',
        '--field',
        '--output-fields',
        '--vacuum-size',
        '--vacuum-files',
        '--vacuum-time',
        '--interval',
        '--verify-key',
    }
)
_SHORT_WITH_ARGUMENT = {'t': '--identifier', 'o': '--output', 'c': '--cursor', 'S': '--since',
                        'U': '--until', 'u': '--unit', 'p': '--priority', 'g': '--grep',
                        'D': '--directory', 'F': '--field', 'M': '--machine'}  # fmt: skip
_KNOWN_FLAGS = frozenset(
    {
        '--no-pager',
        '--quiet',
        '--show-cursor',
        '--follow',
        '--reverse',
        '--pager-end',
        '--all',
        '--full',
        '--no-full',
        '--utc',
        '--catalog',
        '--merge',
        '--system',
        '--user',
        '--dmesg',
        '--no-hostname',
        '--no-tail',
        '--list-boots',
        '--disk-usage',
        '--flush',
        '--rotate',
        '--sync',
        '--header',
        '--help',
        '--version',
    }
)
_SHORT_FLAGS = {'q': '--quiet', 'f': '--follow', 'r': '--reverse', 'e': '--pager-end',
                'a': '--all', 'l': '--full', 'x': '--catalog', 'm': '--merge',
                'k': '--dmesg', 'h': '--help', 'N': '--fields'}  # fmt: skip
_OUTPUT_MODES = frozenset(
    {
        'short',
        'short-full',
        'short-iso',
        'short-iso-precise',
        'short-precise',
        'short-monotonic',
        'short-delta',
        'short-unix',
        'verbose',
        'export',
        'json',
        'json-pretty',
        'json-sse',
        'json-seq',
        'cat',
        'with-unit',
    }
)
_EMULATED_FLAGS = frozenset({'--no-pager', '--quiet', '--show-cursor'})


class _JournalctlError(Exception):
    """journalctl fails: the message on standard error, exit status 1."""


def _not_emulated(what: str) -> NoReturn:
    raise SimError(
        f'journalctl {what} is not emulated by the olm simulation; '
        'see orchestrator/sim/programs/journalctl.py for what is'
    )


def _journal(host: SimHost) -> dict[str, Any]:
    """The journal's state, read-only (reading the journal changes nothing on the machine)."""
    journal = host.state.get('journal')
    return cast('dict[str, Any]', journal) if isinstance(journal, dict) else {}


def entries(host: SimHost) -> list[list[Any]]:
    """The machine's journal: ``[seqnum, realtime_usec, identifier, message]``, oldest first."""
    return list(cast('list[list[Any]]', _journal(host).get('entries', [])))


def _ids(host: SimHost) -> tuple[str, str]:
    """The journal's seqnum id and the boot id (stable per machine)."""
    digest = hashlib.sha256(f'olm-sim-journal\0{host.machine_id}'.encode()).hexdigest()
    return digest[:32], digest[32:]


def write(host: SimHost, now: float, identifier: str, messages: Sequence[str]) -> None:
    """Append one entry per message, as ``systemd-cat -t IDENTIFIER`` does for each line."""
    journal = host.namespace('journal')
    log = cast('list[list[Any]]', journal.setdefault('entries', []))
    seqnum = int(journal.get('seqnum', 0))
    usec = int(now * 1_000_000)
    for message in messages:
        seqnum += 1
        log.append([seqnum, usec, identifier, message])
    journal['seqnum'] = seqnum
    del log[:-MAX_ENTRIES]


def cursor_of(host: SimHost, entry: Sequence[Any]) -> str:
    """``sd_journal_get_cursor`` of an entry: ``s=..;i=..;b=..;m=..;t=..;x=..``."""
    seqnum_id, boot_id = _ids(host)
    seqnum, usec = int(entry[0]), int(entry[1])
    xor = int(hashlib.sha256(f'{seqnum_id}\0{seqnum}'.encode()).hexdigest()[:16], 16)
    return f's={seqnum_id};i={seqnum:x};b={boot_id};m={seqnum:x};t={usec:x};x={xor:x}'


def _after(host: SimHost, cursor: str) -> int:
    """The sequence number to show entries after (``sd_journal_seek_cursor`` then skip one)."""
    fields: dict[str, str] = {}
    for item in cursor.split(';'):
        key, sep, value = item.partition('=')
        if not sep or len(key) != 1 or key not in 'sibmtx' or not value:
            raise _JournalctlError('Failed to seek to cursor: Invalid argument')
        fields[key] = value
    try:
        numbers = {key: int(value, 16) for key, value in fields.items() if key in 'imtx'}
    except ValueError:
        raise _JournalctlError('Failed to seek to cursor: Invalid argument') from None
    seqnum_id, _ = _ids(host)
    if fields.get('s') == seqnum_id and 'i' in numbers:
        return numbers['i']
    if 't' in numbers:  # another journal's cursor: seek by its time
        later = [entry for entry in entries(host) if int(entry[1]) > numbers['t']]
        return int(later[0][0]) - 1 if later else int(_journal(host).get('seqnum', 0))
    raise _JournalctlError('Failed to seek to cursor: Invalid argument')


def _parse(args: Sequence[str]) -> dict[str, Any]:
    """getopt_long over journalctl's options; the emulated ones are kept."""
    options: dict[str, Any] = {'identifiers': [], 'flags': set()}
    items = list(args)
    index = 0
    while index < len(items):
        arg = items[index]
        index += 1
        if arg.startswith('--'):
            name, sep, value = arg.partition('=')
            if name in _WITH_ARGUMENT:
                if not sep:
                    if index >= len(items):
                        raise _JournalctlError(f"journalctl: option '{name}' requires an argument")
                    value = items[index]
                    index += 1
                _option(options, name, value)
            elif name == '--lines':
                if not sep and index < len(items) and items[index].lstrip('+').isdigit():
                    value = items[index]  # journalctl takes -n's optional argument from argv
                    index += 1
                _option(options, name, value if (sep or value) else '10')
            elif name in _KNOWN_FLAGS:
                if sep:
                    raise _JournalctlError(
                        f"journalctl: option '{name}' doesn't allow an argument"
                    )
                if name not in _EMULATED_FLAGS:
                    _not_emulated(name)
                options['flags'].add(name)
            else:
                raise _JournalctlError(f"journalctl: unrecognized option '{name}'")
        elif arg.startswith('-') and len(arg) > 1:
            index = _short(options, arg, items, index)
        else:
            _not_emulated(f'field matches ({arg!r})')
    return options


def _short(options: dict[str, Any], arg: str, items: list[str], index: int) -> int:
    """A bundle of short options (``-qn1``, ``-t ID``, ``-ocat``)."""
    letters = arg[1:]
    while letters:
        letter, letters = letters[0], letters[1:]
        if letter == 'n':
            if not letters and index < len(items) and items[index].lstrip('+').isdigit():
                letters = items[index]
                index += 1
            _option(options, '--lines', letters or '10')
            return index
        if letter in _SHORT_WITH_ARGUMENT:
            if not letters:
                if index >= len(items):
                    raise _JournalctlError(
                        f"journalctl: option requires an argument -- '{letter}'"
                    )
                letters = items[index]
                index += 1
            _option(options, _SHORT_WITH_ARGUMENT[letter], letters)
            return index
        if letter in _SHORT_FLAGS:
            name = _SHORT_FLAGS[letter]
            if name not in _EMULATED_FLAGS:
                _not_emulated(f'-{letter}')
            options['flags'].add(name)
            continue
        raise _JournalctlError(f"journalctl: invalid option -- '{letter}'")
    return index


def _option(options: dict[str, Any], name: str, value: str) -> None:
    if name == '--identifier':
        options['identifiers'].append(value)
    elif name == '--output':
        if value not in _OUTPUT_MODES:
            raise _JournalctlError(f"Unknown output format '{value}'.")
        if value != 'cat':
            _not_emulated(f'--output={value}')
        options['output'] = value
    elif name == '--lines':
        if not value.lstrip('+').isdigit():
            raise _JournalctlError(f"Failed to parse lines '{value}'")
        if value.startswith('+'):
            _not_emulated('--lines=+N')
        options['lines'] = int(value)
    elif name == '--after-cursor':
        options['after'] = value
    else:
        _not_emulated(name)


CatchUp = Callable[['World'], None]
"""Lets a program's daemons write what they would have logged by now (:func:`before_reading`)."""

_writers: list[CatchUp] = []


def before_reading(catch_up: CatchUp) -> None:
    """Have ``catch_up`` run before every ``journalctl`` reads the journal.

    A real daemon logs on its own time; an emulated one acts when something looks. A program
    whose daemons write to the journal (maas's rackd, retrying its region) registers here so
    that what ``journalctl`` shows is what the daemons would have logged by then. Registering
    the same one twice registers it once.
    """
    if catch_up not in _writers:
        _writers.append(catch_up)


def handle(invocation: Invocation) -> Completed:
    """Run ``journalctl`` on the invocation's machine."""
    host = invocation.host
    for catch_up in _writers:  # time passes: rackd retries before the journal is read
        catch_up(invocation.world)
    try:
        options = _parse(invocation.args)
        if options.get('output') != 'cat':
            _not_emulated('without -o cat (the short output mode)')
        shown = list(entries(host))
        after = options.get('after')
        position: list[Any] | None = None
        if after is not None:
            seqnum = _after(host, str(after))
            position = next((e for e in shown if int(e[0]) == seqnum), None)
            shown = [entry for entry in shown if int(entry[0]) > seqnum]
        identifiers = cast('list[str]', options['identifiers'])
        if identifiers:
            shown = [entry for entry in shown if entry[2] in identifiers]
        lines = options.get('lines')
        if lines is not None:
            shown = shown[len(shown) - min(int(lines), len(shown)) :]
    except _JournalctlError as failure:
        return invocation.result('', f'{failure}\n', 1)
    out = [f'{entry[3]}\n' for entry in shown]
    if '--show-cursor' in options['flags']:
        last = shown[-1] if shown else position
        if last is not None:
            out.append(f'-- cursor: {cursor_of(host, last)}\n')
    return invocation.result(''.join(out), '', 0)

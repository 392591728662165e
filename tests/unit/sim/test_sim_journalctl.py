"""The journalctl emulation: the flags the charms use, with systemd's texts and exit statuses.

The expected texts were taken from the real journalctl (systemd 252) run over a journal file
written by systemd-journal-remote; see orchestrator/sim/conformance/journalctl.md.
"""

from __future__ import annotations

import json

import pytest
from metal_host import Completed

from orchestrator.sim import SimError, SimHost
from orchestrator.sim.programs import journalctl

RACKD = 'maas-rackd'


def journal(host: SimHost, *args: str) -> Completed:
    return host.run(['journalctl', *args], check=False)


@pytest.fixture
def logged(host: SimHost) -> SimHost:
    journalctl.write(host, 1_700_000_000.0, RACKD, ['first', 'second'])
    journalctl.write(host, 1_700_000_001.0, 'maas-regiond', ['elsewhere'])
    journalctl.write(host, 1_700_000_002.0, RACKD, ['third'])
    return host


def cursor_line(result: Completed) -> str:
    last = result.stdout.splitlines()[-1]
    assert last.startswith('-- cursor: ')
    return last.removeprefix('-- cursor: ')


def test_identifier_and_cat_print_the_messages(logged: SimHost) -> None:
    result = journal(logged, '-t', RACKD, '-o', 'cat', '--no-pager')
    assert result == Completed(
        ('journalctl', '-t', RACKD, '-o', 'cat', '--no-pager'), 0, 'first\nsecond\nthird\n', ''
    )
    both = journal(logged, f'--identifier={RACKD}', '-t', 'maas-regiond', '--output=cat')
    assert both.stdout == 'first\nsecond\nelsewhere\nthird\n'
    assert journal(logged, '-q', '-ocat', '-t', RACKD).stdout == 'first\nsecond\nthird\n'


def test_nothing_matching_prints_nothing_and_succeeds(logged: SimHost) -> None:
    """Not a terminal: no ``-- No entries --``; exit 0."""
    result = journal(logged, '-t', 'maas-nothing', '-o', 'cat', '--no-pager')
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')


def test_lines_and_show_cursor(logged: SimHost) -> None:
    for form in (('-n', '1'), ('-n1',), ('--lines=1',), ('--lines', '1')):
        result = journal(logged, '-t', RACKD, '-o', 'cat', '--no-pager', '--show-cursor', *form)
        assert result.returncode == 0
        assert result.stdout.splitlines()[0] == 'third'
        cursor = cursor_line(result)
        fields = dict(item.split('=', 1) for item in cursor.split(';'))
        assert list(fields) == ['s', 'i', 'b', 'm', 't', 'x']
        assert fields['i'] == '4'  # the journal's fourth entry (hex)
        assert fields['t'] == f'{1_700_000_002_000_000:x}'


def test_show_cursor_with_nothing_matching(logged: SimHost) -> None:
    """systemd 255 exits 0 (systemd/systemd#26899 fixed in 254; 252 exits 1)."""
    result = journal(logged, '-t', 'maas-nothing', '-o', 'cat', '-n', '1', '--show-cursor')
    assert (result.returncode, result.stdout, result.stderr) == (0, '', '')


def test_after_cursor(logged: SimHost) -> None:
    mark = cursor_line(journal(logged, '-t', RACKD, '-o', 'cat', '-n', '1', '--show-cursor'))
    after = journal(logged, '-t', RACKD, '-o', 'cat', '--no-pager', f'--after-cursor={mark}')
    assert (after.returncode, after.stdout) == (0, '')
    journalctl.write(logged, 1_700_000_010.0, RACKD, ['fourth'])
    journalctl.write(logged, 1_700_000_011.0, 'other', ['not this'])
    after = journal(logged, '-t', RACKD, '-o', 'cat', '--after-cursor', mark)
    assert after.stdout == 'fourth\n'
    shown = journal(logged, '-t', RACKD, '-o', 'cat', '--after-cursor', mark, '--show-cursor')
    assert cursor_line(shown) != mark


def test_after_cursor_with_nothing_newer_shows_the_same_cursor(logged: SimHost) -> None:
    mark = cursor_line(journal(logged, '-t', RACKD, '-o', 'cat', '-n', '1', '--show-cursor'))
    again = journal(logged, '-t', RACKD, '-o', 'cat', '--after-cursor', mark, '--show-cursor')
    assert again.stdout == f'-- cursor: {mark}\n'


@pytest.mark.parametrize(
    ('args', 'message'),
    [
        (('--after-cursor=bad', '-o', 'cat'), 'Failed to seek to cursor: Invalid argument'),
        (('--after-cursor=s=zz', '-o', 'cat'), 'Failed to seek to cursor: Invalid argument'),
        (('--after-cursor=i=1', '-o', 'cat'), 'Failed to seek to cursor: Invalid argument'),
        (('--bogus',), "journalctl: unrecognized option '--bogus'"),
        (('-Z',), "journalctl: invalid option -- 'Z'"),
        (('-t',), "journalctl: option requires an argument -- 't'"),
        (('--after-cursor',), "journalctl: option '--after-cursor' requires an argument"),
        (('--no-pager=1',), "journalctl: option '--no-pager' doesn't allow an argument"),
        (('-o', 'bogus'), "Unknown output format 'bogus'."),
        (('--lines=abc', '-o', 'cat'), "Failed to parse lines 'abc'"),
    ],
)
def test_refusals(logged: SimHost, args: tuple[str, ...], message: str) -> None:
    result = journal(logged, *args)
    assert (result.returncode, result.stdout, result.stderr) == (1, '', message + '\n')


@pytest.mark.parametrize(
    'args', [('-u', 'x', '-o', 'cat'), ('-t', RACKD), ('-o', 'json'), ('-f', '-o', 'cat')]
)
def test_what_is_not_emulated_says_so(logged: SimHost, args: tuple[str, ...]) -> None:
    with pytest.raises(SimError, match='not emulated'):
        journal(logged, *args)


def test_reading_changes_nothing(logged: SimHost) -> None:
    before = json.dumps(logged.state, sort_keys=True)
    journal(logged, '-t', RACKD, '-o', 'cat')
    assert json.dumps(logged.state, sort_keys=True) == before


def test_old_entries_are_vacuumed(host: SimHost) -> None:
    journalctl.write(host, 1.0, RACKD, [str(n) for n in range(journalctl.MAX_ENTRIES + 5)])
    lines = journal(host, '-t', RACKD, '-o', 'cat').stdout.splitlines()
    assert len(lines) == journalctl.MAX_ENTRIES and lines[0] == '5'

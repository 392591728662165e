"""The init turn protocol's pure functions: who goes next, and the databag round trip."""

from __future__ import annotations

import pytest

import turns
from turns import UnitReport

A = '{"v":1}'
B = '{"v":2}'


def need(wants: str = A, applied: str | None = None, failed: str | None = None) -> UnitReport:
    return UnitReport(address='10.0.0.1', wants=wants, applied=applied, failed=failed)


DONE = UnitReport(address='10.0.0.1', wants=A, applied=A)
IDLE = UnitReport(address='10.0.0.1')


def test_report_states() -> None:
    assert need().needs_turn
    assert not need().has_failed
    assert need(failed=A).has_failed
    assert not need(failed=B).has_failed  # failed at something it no longer wants
    assert not DONE.needs_turn and DONE.initialised
    assert not IDLE.needs_turn and not IDLE.initialised
    # initialised with old settings, wanting new ones
    assert need(wants=B, applied=A).needs_turn and need(wants=B, applied=A).initialised


def test_nobody_needs_it() -> None:
    assert turns.next_turn(None, {'app/0': DONE, 'app/1': IDLE}, 'app/0') is None
    assert turns.next_turn('app/1', {'app/0': DONE, 'app/1': DONE}, 'app/0') is None


def test_leader_goes_first_then_by_unit_number() -> None:
    reports = {'app/10': need(), 'app/2': need(), 'app/3': need()}
    assert turns.next_turn(None, reports, 'app/3') == 'app/3'
    # numbers, not strings: app/2 before app/10
    assert turns.next_turn(None, reports, 'app/99') == 'app/2'
    reports['app/3'] = DONE
    assert turns.next_turn('app/3', reports, 'app/3') == 'app/2'


def test_the_holder_keeps_it_until_done_even_if_the_leader_needs_it() -> None:
    reports = {'app/0': need(), 'app/1': need(), 'app/2': need()}
    assert turns.next_turn('app/2', reports, 'app/0') == 'app/2'
    reports['app/2'] = DONE
    assert turns.next_turn('app/2', reports, 'app/0') == 'app/0'


def test_a_departed_holder_loses_it() -> None:
    reports = {'app/0': DONE, 'app/2': need()}
    assert turns.next_turn('app/1', reports, 'app/0') == 'app/2'
    assert turns.next_turn('app/1', {'app/0': DONE}, 'app/0') is None


def test_a_failed_holder_gives_way_to_units_that_have_not_failed() -> None:
    reports = {'app/0': DONE, 'app/1': need(failed=A), 'app/2': need()}
    assert turns.next_turn('app/1', reports, 'app/0') == 'app/2'
    # ...and gets it back when they are done
    reports['app/2'] = DONE
    assert turns.next_turn('app/2', reports, 'app/0') == 'app/1'


def test_a_failed_holder_keeps_it_when_everyone_else_failed_too() -> None:
    reports = {'app/0': need(failed=A), 'app/1': need(failed=A)}
    assert turns.next_turn('app/1', reports, 'app/0') == 'app/1'
    # a fresh grant prefers units that have not failed, then the leader, then numbers
    reports['app/2'] = need()
    assert turns.next_turn(None, reports, 'app/0') == 'app/2'


def test_a_holder_with_new_wants_keeps_it() -> None:
    reports = {'app/0': need(wants=B, applied=A), 'app/1': need()}
    assert turns.next_turn('app/0', reports, 'app/1') == 'app/0'


def test_report_databag_round_trip() -> None:
    report = UnitReport(address='10.0.0.5', wants=A, applied=B, failed=None)
    data = turns.report_databag(report)
    assert data == {'address': '"10.0.0.5"', 'wants': A, 'applied': B, 'failed': ''}
    present = {k: v for k, v in data.items() if v}
    assert turns.read_report(present) == report


def test_fingerprints_compare_in_canonical_form() -> None:
    written = {'wants': '{ "b": 2, "a": 1 }', 'applied': '{"a":1,"b":2}'}
    report = turns.read_report(written)
    assert report.wants == report.applied == '{"a":1,"b":2}'
    assert not report.needs_turn


@pytest.mark.parametrize(
    'data',
    [
        {'address': 'not json', 'wants': '{broken'},
        {'address': '42', 'wants': 'null'},
        {'address': '""'},
        {},
    ],
)
def test_malformed_reports_read_as_not_needing_the_turn(data: dict[str, str]) -> None:
    report = turns.read_report(data)
    assert report.address is None
    assert not report.needs_turn


def test_turn_databag_round_trip() -> None:
    assert turns.turn_databag('metal-controller/2') == {'turn': '"metal-controller/2"'}
    assert turns.read_turn(turns.turn_databag('metal-controller/2')) == 'metal-controller/2'
    assert turns.turn_databag(None) == {'turn': ''}
    assert turns.read_turn({'turn': ''}) is None
    assert turns.read_turn({'turn': '3'}) is None


def test_unit_number() -> None:
    assert turns.unit_number('metal-controller/12') == 12
    with pytest.raises(ValueError, match='not a unit name'):
        turns.unit_number('metal-controller')

"""MAAS machine statuses and NODE_TRANSITIONS, checked pair by pair."""

import itertools

import pytest

from orchestrator.cloud import IllegalTransitionError, lifecycle
from orchestrator.cloud.lifecycle import Status

ALL_PAIRS = list(itertools.product(Status, Status))


def test_every_status_has_maas_int_and_label():
    assert len(Status) == 23
    assert Status.READY == 4 and Status.READY.label == 'Ready'
    assert Status.FAILED_RELEASING.label == 'Releasing failed'
    assert Status.FAILED_ENTERING_RESCUE_MODE.label == 'Failed to enter rescue mode'
    assert sorted(int(s) for s in Status) == list(range(23))


@pytest.mark.parametrize('status', list(Status))
def test_from_label_round_trips(status: Status):
    assert Status.from_label(status.label) is status
    assert Status.from_label(status.label.upper()) is status
    assert Status.from_label(status.name.lower()) is status


def test_from_label_rejects_unknown_with_the_valid_labels():
    with pytest.raises(
        ValueError, match=r"unknown machine status 'Running'; expected one of 'New'"
    ):
        Status.from_label('Running')


@pytest.mark.parametrize(('current', 'new'), ALL_PAIRS, ids=lambda s: s.name)
def test_transition_table(current: Status, new: Status):
    allowed = new in lifecycle.TRANSITIONS[current]
    if allowed:
        lifecycle.check_transition(current, new)
    else:
        with pytest.raises(IllegalTransitionError) as info:
            lifecycle.check_transition(current, new, machine='node-01')
        assert str(info.value) == (
            f'machine "node-01": Invalid transition: {current.label} -> {new.label}.'
        )
        assert (info.value.current, info.value.requested) == (current.label, new.label)


def test_table_matches_maas_for_key_rows():
    t = lifecycle.TRANSITIONS
    assert t[Status.READY] == {
        Status.ENTERING_RESCUE_MODE,
        Status.COMMISSIONING,
        Status.ALLOCATED,
        Status.RESERVED,
        Status.RETIRED,
        Status.MISSING,
        Status.BROKEN,
        Status.TESTING,
    }
    assert Status.DEPLOYED not in t[Status.READY]
    assert Status.READY in t[Status.RELEASING]
    assert Status.DEPLOYED in t[Status.BROKEN]
    assert Status.DISK_ERASING in t[Status.DISK_ERASING]
    assert set(t) == set(Status)


def test_illegal_transitions_exist_for_every_status():
    legal = sum(len(v) for v in lifecycle.TRANSITIONS.values())
    assert legal == 171  # counted row by row from MAAS NODE_TRANSITIONS
    assert len(ALL_PAIRS) - legal == 358


@pytest.mark.parametrize(('current', 'failed'), list(lifecycle.FAILED_COUNTERPART.items()))
def test_failed_counterparts(current: Status, failed: Status):
    assert lifecycle.failed_counterpart(current) is failed
    assert failed in lifecycle.TRANSITIONS[current]


@pytest.mark.parametrize('status', [s for s in Status if s not in lifecycle.FAILED_COUNTERPART])
def test_no_failed_counterpart_uses_maas_message(status: Status):
    with pytest.raises(
        IllegalTransitionError,
        match=(
            f'The status of the node is {int(status)}; this status cannot be transitioned to a '
            'corresponding failed status.'
        ),
    ):
        lifecycle.failed_counterpart(status)

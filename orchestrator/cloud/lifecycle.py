"""MAAS machine statuses and the transitions MAAS allows between them.

The table is MAAS's own ``NODE_TRANSITIONS`` (``src/maasserver/node_status.py``): every status
change in the pool goes through :func:`check_transition`, so a simulated machine can never reach
a state a real MAAS region would refuse.
"""

# pyright: strict

from __future__ import annotations

import enum
from collections.abc import Mapping

from .errors import IllegalTransitionError

__all__ = [
    'FAILED_COUNTERPART',
    'RELEASABLE',
    'TRANSITIONS',
    'Status',
    'check_transition',
    'failed_counterpart',
]


class Status(enum.IntEnum):
    """A MAAS machine status: the value is MAAS's ``NodeStatus``, the label its ``status_name``."""

    NEW = 0
    COMMISSIONING = 1
    FAILED_COMMISSIONING = 2
    MISSING = 3
    READY = 4
    RESERVED = 5
    DEPLOYED = 6
    RETIRED = 7
    BROKEN = 8
    DEPLOYING = 9
    ALLOCATED = 10
    FAILED_DEPLOYMENT = 11
    RELEASING = 12
    FAILED_RELEASING = 13
    DISK_ERASING = 14
    FAILED_DISK_ERASING = 15
    RESCUE_MODE = 16
    ENTERING_RESCUE_MODE = 17
    FAILED_ENTERING_RESCUE_MODE = 18
    EXITING_RESCUE_MODE = 19
    FAILED_EXITING_RESCUE_MODE = 20
    TESTING = 21
    FAILED_TESTING = 22

    @property
    def label(self) -> str:
        """The name MAAS shows (``status_name``), e.g. ``Failed deployment``."""
        return _LABELS[self]

    @classmethod
    def from_label(cls, label: str) -> Status:
        """Look a status up by its MAAS label (case-insensitive) or constant name.

        Raises:
            ValueError: naming the value and listing the labels MAAS uses.
        """
        key = label.strip().lower()
        for status, text in _LABELS.items():
            if key in (text.lower(), status.name.lower()):
                return status
        valid = ', '.join(repr(text) for text in _LABELS.values())
        raise ValueError(f'unknown machine status {label!r}; expected one of {valid}')


_LABELS: Mapping[Status, str] = {
    Status.NEW: 'New',
    Status.COMMISSIONING: 'Commissioning',
    Status.FAILED_COMMISSIONING: 'Failed commissioning',
    Status.MISSING: 'Missing',
    Status.READY: 'Ready',
    Status.RESERVED: 'Reserved',
    Status.DEPLOYED: 'Deployed',
    Status.RETIRED: 'Retired',
    Status.BROKEN: 'Broken',
    Status.DEPLOYING: 'Deploying',
    Status.ALLOCATED: 'Allocated',
    Status.FAILED_DEPLOYMENT: 'Failed deployment',
    Status.RELEASING: 'Releasing',
    Status.FAILED_RELEASING: 'Releasing failed',
    Status.DISK_ERASING: 'Disk erasing',
    Status.FAILED_DISK_ERASING: 'Failed disk erasing',
    Status.RESCUE_MODE: 'Rescue mode',
    Status.ENTERING_RESCUE_MODE: 'Entering rescue mode',
    Status.FAILED_ENTERING_RESCUE_MODE: 'Failed to enter rescue mode',
    Status.EXITING_RESCUE_MODE: 'Exiting rescue mode',
    Status.FAILED_EXITING_RESCUE_MODE: 'Failed to exit rescue mode',
    Status.TESTING: 'Testing',
    Status.FAILED_TESTING: 'Failed testing',
}

_S = Status

TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    _S.NEW: frozenset(
        {
            _S.COMMISSIONING,
            _S.TESTING,
            _S.MISSING,
            _S.READY,
            _S.RETIRED,
            _S.BROKEN,
            _S.ENTERING_RESCUE_MODE,
        }
    ),
    _S.COMMISSIONING: frozenset(
        {
            _S.FAILED_COMMISSIONING,
            _S.READY,
            _S.RETIRED,
            _S.MISSING,
            _S.NEW,
            _S.BROKEN,
            _S.TESTING,
        }
    ),
    _S.FAILED_COMMISSIONING: frozenset(
        {
            _S.COMMISSIONING,
            _S.MISSING,
            _S.RETIRED,
            _S.BROKEN,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.READY: frozenset(
        {
            _S.ENTERING_RESCUE_MODE,
            _S.COMMISSIONING,
            _S.ALLOCATED,
            _S.RESERVED,
            _S.RETIRED,
            _S.MISSING,
            _S.BROKEN,
            _S.TESTING,
        }
    ),
    _S.RESERVED: frozenset(
        {
            _S.READY,
            _S.ALLOCATED,
            _S.RETIRED,
            _S.MISSING,
            _S.BROKEN,
            _S.DISK_ERASING,
            _S.RELEASING,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.ALLOCATED: frozenset(
        {
            _S.READY,
            _S.RETIRED,
            _S.MISSING,
            _S.BROKEN,
            _S.DEPLOYING,
            _S.DISK_ERASING,
            _S.RELEASING,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.DEPLOYING: frozenset(
        {
            _S.ALLOCATED,
            _S.MISSING,
            _S.BROKEN,
            _S.FAILED_DEPLOYMENT,
            _S.DEPLOYED,
            _S.READY,
            _S.DISK_ERASING,
            _S.RELEASING,
        }
    ),
    _S.FAILED_DEPLOYMENT: frozenset(
        {
            _S.ALLOCATED,
            _S.MISSING,
            _S.BROKEN,
            _S.READY,
            _S.DISK_ERASING,
            _S.RELEASING,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.DEPLOYED: frozenset(
        {
            _S.ALLOCATED,
            _S.MISSING,
            _S.BROKEN,
            _S.READY,
            _S.DISK_ERASING,
            _S.RELEASING,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.RELEASING: frozenset(
        {
            _S.NEW,
            _S.ALLOCATED,
            _S.RESERVED,
            _S.DEPLOYED,
            _S.READY,
            _S.BROKEN,
            _S.MISSING,
            _S.FAILED_DEPLOYMENT,
            _S.FAILED_DISK_ERASING,
            _S.FAILED_RELEASING,
        }
    ),
    _S.FAILED_RELEASING: frozenset(
        {
            _S.RELEASING,
            _S.DISK_ERASING,
            _S.READY,
            _S.BROKEN,
            _S.TESTING,
        }
    ),
    _S.DISK_ERASING: frozenset(
        {
            _S.BROKEN,
            _S.DISK_ERASING,
            _S.FAILED_DISK_ERASING,
            _S.READY,
            _S.RELEASING,
        }
    ),
    _S.FAILED_DISK_ERASING: frozenset(
        {
            _S.DISK_ERASING,
            _S.RELEASING,
            _S.BROKEN,
            _S.ALLOCATED,
            _S.READY,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.BROKEN: frozenset(
        {
            _S.COMMISSIONING,
            _S.READY,
            _S.DISK_ERASING,
            _S.RELEASING,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
            _S.DEPLOYED,
        }
    ),
    _S.MISSING: frozenset(
        {
            _S.NEW,
            _S.READY,
            _S.ALLOCATED,
            _S.COMMISSIONING,
            _S.BROKEN,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.RETIRED: frozenset(
        {
            _S.NEW,
            _S.READY,
            _S.MISSING,
            _S.BROKEN,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.ENTERING_RESCUE_MODE: frozenset(
        {
            _S.READY,
            _S.BROKEN,
            _S.DEPLOYED,
            _S.RESCUE_MODE,
            _S.FAILED_ENTERING_RESCUE_MODE,
            _S.EXITING_RESCUE_MODE,
        }
    ),
    _S.RESCUE_MODE: frozenset({_S.BROKEN, _S.EXITING_RESCUE_MODE, _S.TESTING}),
    _S.EXITING_RESCUE_MODE: frozenset(
        {
            _S.NEW,
            _S.BROKEN,
            _S.FAILED_COMMISSIONING,
            _S.READY,
            _S.RESERVED,
            _S.ALLOCATED,
            _S.FAILED_DEPLOYMENT,
            _S.DEPLOYED,
            _S.MISSING,
            _S.RETIRED,
            _S.FAILED_RELEASING,
            _S.FAILED_DISK_ERASING,
            _S.RESCUE_MODE,
            _S.FAILED_ENTERING_RESCUE_MODE,
            _S.FAILED_EXITING_RESCUE_MODE,
            _S.FAILED_TESTING,
        }
    ),
    _S.FAILED_ENTERING_RESCUE_MODE: frozenset(
        {
            _S.BROKEN,
            _S.ENTERING_RESCUE_MODE,
            _S.EXITING_RESCUE_MODE,
            _S.TESTING,
        }
    ),
    _S.FAILED_EXITING_RESCUE_MODE: frozenset({_S.BROKEN, _S.EXITING_RESCUE_MODE, _S.TESTING}),
    _S.TESTING: frozenset(
        {
            _S.BROKEN,
            _S.NEW,
            _S.READY,
            _S.RESERVED,
            _S.ALLOCATED,
            _S.DEPLOYED,
            _S.COMMISSIONING,
            _S.FAILED_DEPLOYMENT,
            _S.MISSING,
            _S.RETIRED,
            _S.FAILED_RELEASING,
            _S.FAILED_DISK_ERASING,
            _S.FAILED_ENTERING_RESCUE_MODE,
            _S.FAILED_EXITING_RESCUE_MODE,
            _S.FAILED_TESTING,
        }
    ),
    _S.FAILED_TESTING: frozenset(
        {
            _S.COMMISSIONING,
            _S.BROKEN,
            _S.MISSING,
            _S.ENTERING_RESCUE_MODE,
            _S.TESTING,
            _S.READY,
            _S.DEPLOYED,
        }
    ),
}

# In-progress status -> its failed status (MAAS ``NODE_FAILURE_STATUS_TRANSITIONS``).
FAILED_COUNTERPART: Mapping[Status, Status] = {
    _S.COMMISSIONING: _S.FAILED_COMMISSIONING,
    _S.DEPLOYING: _S.FAILED_DEPLOYMENT,
    _S.RELEASING: _S.FAILED_RELEASING,
    _S.DISK_ERASING: _S.FAILED_DISK_ERASING,
    _S.ENTERING_RESCUE_MODE: _S.FAILED_ENTERING_RESCUE_MODE,
    _S.EXITING_RESCUE_MODE: _S.FAILED_EXITING_RESCUE_MODE,
    _S.TESTING: _S.FAILED_TESTING,
}

# Statuses ``release`` accepts (MAAS ``RELEASABLE_STATUSES``).
RELEASABLE: frozenset[Status] = frozenset(
    {
        _S.ALLOCATED,
        _S.RESERVED,
        _S.BROKEN,
        _S.DEPLOYING,
        _S.DEPLOYED,
        _S.FAILED_DEPLOYMENT,
        _S.FAILED_DISK_ERASING,
        _S.FAILED_RELEASING,
    }
)


def check_transition(current: Status, new: Status, *, machine: str = '') -> None:
    """Refuse a status change MAAS would refuse.

    Args:
        current: the machine's status now.
        new: the status asked for.
        machine: the hostname, named in the error.

    Raises:
        IllegalTransitionError: with MAAS's ``Invalid transition: <old> -> <new>.``
    """
    if new not in TRANSITIONS[current]:
        raise IllegalTransitionError(current.label, new.label, machine=machine)


def failed_counterpart(current: Status, *, machine: str = '') -> Status:
    """The failed status MAAS's ``mark_failed`` moves an in-progress status to.

    Raises:
        IllegalTransitionError: with MAAS's message when ``current`` has no failed counterpart.
    """
    try:
        return FAILED_COUNTERPART[current]
    except KeyError:
        raise IllegalTransitionError(
            current.label,
            'failed',
            machine=machine,
            message=(
                f'The status of the node is {int(current)}; this status cannot be '
                'transitioned to a corresponding failed status.'
            ),
        ) from None

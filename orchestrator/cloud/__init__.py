"""The metal pool as a cloud: machines, their MAAS lifecycle, and MAAS best-fit allocation.

The embedded :class:`Pool` is what ``olm`` runs on; it behaves like a MAAS region's
``machines`` API (allocate, deploy, release, mark-broken) over simulated machines. The pool
file format lives in :mod:`orchestrator.cloud.inventory`, imported on its own so that the pool
does not pay for pydantic and YAML.
"""

# pyright: strict

from . import lifecycle, storage
from .errors import (
    CloudError,
    IllegalTransitionError,
    InventoryError,
    MachineNotFoundError,
    NoMatchError,
    PlacementError,
    RequestError,
)
from .lifecycle import Status
from .machine import GB, Disk, Machine
from .pool import Pool, choice_reason
from .request import AllocationRequest, Criterion

__all__ = [
    'GB',
    'AllocationRequest',
    'CloudError',
    'Criterion',
    'Disk',
    'IllegalTransitionError',
    'InventoryError',
    'Machine',
    'MachineNotFoundError',
    'NoMatchError',
    'PlacementError',
    'Pool',
    'RequestError',
    'Status',
    'choice_reason',
    'lifecycle',
    'storage',
]

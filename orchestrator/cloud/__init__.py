"""The metal pool as a cloud: machines, their MAAS lifecycle, and MAAS best-fit allocation.

The embedded :class:`Pool` is what ``olm`` runs on; it behaves like a MAAS region's
``machines`` API (allocate, deploy, release, mark-broken) over simulated machines. The pool
file format lives in :mod:`orchestrator.cloud.inventory`, imported on its own so that the pool
does not pay for pydantic and YAML.

A real MAAS region is the other :class:`Cloud`: :class:`MaasCloud`, from
:mod:`orchestrator.cloud.maas`, loaded on first use so that the pool does not pay for httpx.
"""

# pyright: strict

from typing import TYPE_CHECKING

from . import lifecycle, storage
from .cloud import Cloud
from .errors import (
    CloudError,
    IllegalTransitionError,
    InventoryError,
    MaasApiError,
    MaasAuthError,
    MaasNoMatchError,
    MaasUnreachableError,
    MachineNotFoundError,
    NoMatchError,
    PlacementError,
    RequestError,
)
from .lifecycle import Status
from .machine import GB, Disk, Machine
from .network import UNDEFINED_SPACE, Interface, Link, Network, Space, Subnet
from .pool import Pool, choice_reason
from .request import AllocationRequest, Criterion

if TYPE_CHECKING:
    from .maas import MaasCloud

__all__ = [
    'GB',
    'UNDEFINED_SPACE',
    'AllocationRequest',
    'Cloud',
    'CloudError',
    'Criterion',
    'Disk',
    'IllegalTransitionError',
    'Interface',
    'InventoryError',
    'Link',
    'MaasApiError',
    'MaasAuthError',
    'MaasCloud',
    'MaasNoMatchError',
    'MaasUnreachableError',
    'Machine',
    'MachineNotFoundError',
    'Network',
    'NoMatchError',
    'PlacementError',
    'Pool',
    'RequestError',
    'Space',
    'Status',
    'Subnet',
    'choice_reason',
    'lifecycle',
    'storage',
]


def __getattr__(name: str) -> object:
    """Load :mod:`orchestrator.cloud.maas` (and httpx) only when ``MaasCloud`` is asked for."""
    if name == 'MaasCloud':
        from .maas import MaasCloud

        return MaasCloud
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')

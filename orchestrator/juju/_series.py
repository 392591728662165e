"""The Ubuntu series Juju still knows, and their bases (for bundles and charm metadata)."""

# pyright: strict

from __future__ import annotations

from typing import Final

SERIES_BASES: Final = {
    'trusty': 'ubuntu@14.04',
    'xenial': 'ubuntu@16.04',
    'bionic': 'ubuntu@18.04',
    'focal': 'ubuntu@20.04',
    'jammy': 'ubuntu@22.04',
    'noble': 'ubuntu@24.04',
    'oracular': 'ubuntu@24.10',
    'plucky': 'ubuntu@25.04',
    'questing': 'ubuntu@25.10',
}
"""Ubuntu series Juju still knows, and their bases; any other series is invalid."""

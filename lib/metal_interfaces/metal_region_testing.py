"""Relations (and the shared secret) for tests of charms that use :mod:`~.metal_region`.

Each function answers an ``ops.testing.Relation`` as one side sees it, with the *other* side's
data filled in with a typical valid relation::

    rel = relation_for_provider('metal-region')            # metal-controller's view
    rel, secret = relation_for_requirer('metal-region')    # rack-agent's view
    state = testing.State(relations={rel}, secrets={secret})

The rack's view needs the region's shared secret, so :func:`relation_for_requirer` answers
``(relation, secret)``: put both in the State. The secret is owned by the remote application
(``owner=None``), as a granted consumer sees it, and holds ``{'secret': shared_secret}``.

Interface values are keyword arguments; any other keyword (``id``, ``remote_app_name``,
``local_unit_data``, even ``remote_units_data``) goes to ``ops.testing.Relation`` as is and
wins over what the helper computed.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ops import testing

from metal_interfaces._base import dump
from metal_interfaces.metal_region import (
    CONTENT_KEY,
    Address,
    ProviderAppData,
    RegistrationState,
    RequirerUnitData,
)

__all__ = [
    'DEFAULT_RACKS',
    'DEFAULT_SHARED_SECRET',
    'relation_for_provider',
    'relation_for_requirer',
]

DEFAULT_SHARED_SECRET = '5f1e0c2a9b7d4e3f8a6c1b0d2e4f6a8c'  # noqa: S105 - a test value
"""A made-up MAAS shared secret; tests should treat it as a credential."""

DEFAULT_RACKS: Mapping[int, RequirerUnitData] = {
    0: RequirerUnitData(
        hostname='rack-0', address='10.0.0.21', registration=RegistrationState.REGISTERED
    ),
    1: RequirerUnitData(
        hostname='rack-1', address='10.0.0.22', registration=RegistrationState.PENDING
    ),
}
"""Two rack units, one registered and one still registering."""


def _present(data: Mapping[str, str]) -> dict[str, str]:
    """A databag as Juju stores it: deleted ('') keys are simply absent."""
    return {k: v for k, v in data.items() if v != ''}


def _relation(
    endpoint: str, computed: Mapping[str, Any], overrides: Mapping[str, Any]
) -> testing.Relation:
    kwargs: dict[str, Any] = {'interface': 'metal-region', **computed, **overrides}
    return testing.Relation(endpoint, **kwargs)


def relation_for_provider(
    endpoint: str = 'metal-region',
    *,
    racks: Mapping[int, RequirerUnitData] = DEFAULT_RACKS,
    **overrides: Any,
) -> testing.Relation:
    """The relation as the region (provider) sees it: the rack units' reports.

    Args:
        endpoint: the provider charm's endpoint name.
        racks: each rack unit's data by unit number (``rack-agent/<n>``).
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.
    """
    computed: dict[str, Any] = {
        'remote_app_name': 'rack-agent',
        'remote_units_data': {n: _present(dump(data)) for n, data in racks.items()},
    }
    return _relation(endpoint, computed, overrides)


def relation_for_requirer(
    endpoint: str = 'metal-region',
    *,
    api_url: str | None = 'http://10.0.0.10:5240/MAAS',
    region_addresses: Iterable[str] = ('10.0.0.11', '10.0.0.12', '10.0.0.13'),
    maas_version: str | None = '3.5.4',
    shared_secret: str | None = DEFAULT_SHARED_SECRET,
    **overrides: Any,
) -> tuple[testing.Relation, testing.Secret | None]:
    """The relation as a rack (requirer) sees it, and the shared secret.

    Args:
        endpoint: the requirer charm's endpoint name.
        api_url: the region API URL (None leaves it out).
        region_addresses: the region controllers; written sorted.
        maas_version: the region's MAAS version (None leaves it out).
        shared_secret: the value put in the secret; None publishes no secret id.
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.

    Returns:
        ``(relation, secret)``; the secret (None when ``shared_secret`` is None) must go into
        ``State.secrets`` for :meth:`Requirer.shared_secret` to find it.
    """
    secret = (
        testing.Secret({CONTENT_KEY: shared_secret}, owner=None)
        if shared_secret is not None
        else None
    )
    app = ProviderAppData(
        api_url=api_url,
        region_addresses=[Address(address=a) for a in sorted(set(region_addresses))],
        maas_version=maas_version,
        shared_secret=secret.id if secret is not None else None,
    )
    computed: dict[str, Any] = {
        'remote_app_name': 'metal-controller',
        'remote_app_data': _present(dump(app)),
    }
    return _relation(endpoint, computed, overrides), secret

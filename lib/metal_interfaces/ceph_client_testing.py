"""Relations (and the key secret) for tests of charms that use :mod:`metal_interfaces.ceph_client`.

Each function answers an ``ops.testing.Relation`` as one side sees it, with the *other* side's
data filled in with a typical valid relation::

    rel = relation_for_provider('ceph-client')              # ceph-storage's view
    rel, secret = relation_for_requirer('ceph-client')      # the control plane's view
    state = testing.State(relations={rel}, secrets={secret})

The requirer's view needs the provider's client-key secret, so :func:`relation_for_requirer`
answers ``(relation, secret)``: put both in the State. The secret is owned by the remote
application (``owner=None``), as a granted consumer sees it, and holds ``{'key': client_key}``.

Interface values are keyword arguments; any other keyword (``id``, ``remote_app_name``,
``local_app_data``, even ``remote_app_data``) goes to ``ops.testing.Relation`` as is and wins
over what the helper computed.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ops import testing

from metal_interfaces._base import dump
from metal_interfaces.ceph_client import (
    CONTENT_KEY,
    INTERFACE,
    Monitor,
    Pool,
    ProviderAppData,
    RequirerAppData,
)

__all__ = [
    'DEFAULT_CLIENT_KEY',
    'DEFAULT_FSID',
    'DEFAULT_POOLS',
    'relation_for_provider',
    'relation_for_requirer',
]

DEFAULT_POOLS: tuple[Pool, ...] = (
    Pool(name='kubernetes', application='rbd', replicas=3),
    Pool(name='kubernetes-fs', application='cephfs', replicas=3),
)
"""What kubernetes-control-plane asks for: one RBD pool and one CephFS pool."""

DEFAULT_FSID = '1f4fa1c2-5c1a-4b0e-9f3e-6a7d0c2b9e11'
"""A made-up cluster fsid."""

DEFAULT_CLIENT_KEY = 'AQD1bmV0YWwta3ViZS10ZXN0LWtleS0wMDA=='
"""A made-up cephx key; tests should treat it as a credential."""


def _relation(
    endpoint: str, computed: Mapping[str, Any], overrides: Mapping[str, Any]
) -> testing.Relation:
    kwargs: dict[str, Any] = {'interface': INTERFACE, **computed, **overrides}
    return testing.Relation(endpoint, **kwargs)


def _present(data: Mapping[str, str]) -> dict[str, str]:
    """A databag as Juju stores it: deleted ('') keys are simply absent."""
    return {k: v for k, v in data.items() if v != ''}


def relation_for_provider(
    endpoint: str = 'ceph-client',
    *,
    client_name: str | None = 'kubernetes',
    pools: Iterable[Pool] | None = DEFAULT_POOLS,
    **overrides: Any,
) -> testing.Relation:
    """The relation as the Ceph cluster (provider) sees it: the requirer's request.

    Args:
        endpoint: the provider charm's endpoint name.
        client_name: requested cephx client (None leaves it out).
        pools: requested pools (None leaves them out); written sorted by name.
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.
    """
    wanted = sorted(pools, key=lambda p: p.name) if pools is not None else None
    app = RequirerAppData(client_name=client_name, pools=wanted)
    computed: dict[str, Any] = {
        'remote_app_name': 'kubernetes-control-plane',
        'remote_app_data': _present(dump(app)),
    }
    return _relation(endpoint, computed, overrides)


def relation_for_requirer(
    endpoint: str = 'ceph-client',
    *,
    fsid: str | None = DEFAULT_FSID,
    mon_addresses: Iterable[str] = ('10.0.0.31', '10.0.0.32', '10.0.0.33'),
    pools: Iterable[Pool] | None = DEFAULT_POOLS,
    client_key: str | None = DEFAULT_CLIENT_KEY,
    ready: bool | None = True,
    **overrides: Any,
) -> tuple[testing.Relation, testing.Secret | None]:
    """The relation as the consumer (requirer) sees it, and the client-key secret.

    Args:
        endpoint: the requirer charm's endpoint name.
        fsid: the cluster fsid (None leaves it out).
        mon_addresses: monitor addresses; written sorted.
        pools: created pools (None leaves them out); written sorted by name.
        client_key: the cephx key put in the secret; None publishes no secret id.
        ready: whether the provider says ready (None leaves it out).
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.

    Returns:
        ``(relation, secret)``; the secret (None when ``client_key`` is None) must go into
        ``State.secrets`` for :meth:`Requirer.client_key` to find it.
    """
    secret = (
        testing.Secret({CONTENT_KEY: client_key}, owner=None) if client_key is not None else None
    )
    created = sorted(pools, key=lambda p: p.name) if pools is not None else None
    app = ProviderAppData(
        fsid=fsid,
        mon_addresses=[Monitor(address=a) for a in sorted(set(mon_addresses))],
        pools=created,
        client_key_secret=secret.id if secret is not None else None,
        ready=ready,
    )
    computed: dict[str, Any] = {
        'remote_app_name': 'ceph-storage',
        'remote_app_data': _present(dump(app)),
    }
    return _relation(endpoint, computed, overrides), secret

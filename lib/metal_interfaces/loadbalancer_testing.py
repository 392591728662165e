"""Relations for tests of charms that use :mod:`metal_interfaces.loadbalancer`.

Each function answers an ``ops.testing.Relation`` as one side sees it, with the *other* side's
data filled in with a typical valid relation, so a charm test needs no hand-written databags::

    rel = relation_for_provider('loadbalancer')         # the load balancer's view
    rel = relation_for_requirer('loadbalancer', ready=False)  # the control plane's view

Interface values are keyword arguments; any other keyword (``id``, ``remote_app_name``,
``local_app_data``, even ``remote_app_data``) goes to ``ops.testing.Relation`` as is and wins
over what the helper computed. This interface needs no secret.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from ops import testing

from metal_interfaces._base import dump
from metal_interfaces.loadbalancer import (
    Frontend,
    HealthCheck,
    ProviderAppData,
    RequirerAppData,
    RequirerUnitData,
)

__all__ = ['DEFAULT_HEALTH_CHECK', 'relation_for_provider', 'relation_for_requirer']

DEFAULT_HEALTH_CHECK = HealthCheck(
    protocol='https', path='/livez', interval=10, statuses=(200, 401)
)
"""What kubernetes-control-plane asks for: the API server's liveness endpoint over HTTPS, where
the 401 of an API server without anonymous auth (k8s-snap's) counts as alive."""


def _juju_unit_data(address: str) -> dict[str, str]:
    """The keys Juju itself puts in every unit databag, for realism."""
    return {
        'egress-subnets': f'{address}/32',
        'ingress-address': address,
        'private-address': address,
    }


def _relation(
    endpoint: str, computed: Mapping[str, Any], overrides: Mapping[str, Any]
) -> testing.Relation:
    kwargs: dict[str, Any] = {'interface': 'metal-loadbalancer', **computed, **overrides}
    return testing.Relation(endpoint, **kwargs)


def relation_for_provider(
    endpoint: str = 'loadbalancer',
    *,
    frontend_port: int | None = 6443,
    backend_port: int | None = 6443,
    health_check: HealthCheck | None = DEFAULT_HEALTH_CHECK,
    backends: Iterable[str] = ('10.0.0.11', '10.0.0.12', '10.0.0.13'),
    **overrides: Any,
) -> testing.Relation:
    """The relation as the load balancer (provider) sees it: the requirer's request.

    Args:
        endpoint: the provider charm's endpoint name.
        frontend_port: requested frontend port (None leaves it out).
        backend_port: port the backends serve on (None leaves it out).
        health_check: requested health check (None leaves it out).
        backends: one remote unit per address, numbered from 0, each publishing it.
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.
    """
    app = RequirerAppData(
        frontend_port=frontend_port, backend_port=backend_port, health_check=health_check
    )
    units = {
        i: {**_juju_unit_data(a), **dump(RequirerUnitData(backend_address=a))}
        for i, a in enumerate(backends)
    }
    computed: dict[str, Any] = {
        'remote_app_name': 'kubernetes-control-plane',
        'remote_app_data': _present(dump(app)),
        'remote_units_data': units,
    }
    return _relation(endpoint, computed, overrides)


def relation_for_requirer(
    endpoint: str = 'loadbalancer',
    *,
    addresses: Iterable[str] = ('10.0.0.100',),
    port: int | None = 6443,
    ready: bool | None = True,
    **overrides: Any,
) -> testing.Relation:
    """The relation as the control plane (requirer) sees it: the load balancer's answer.

    Args:
        endpoint: the requirer charm's endpoint name.
        addresses: the frontend addresses (a VIP by default); written sorted.
        port: the frontend port (None leaves it out).
        ready: whether the frontend is ready (None leaves it out).
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.
    """
    app = ProviderAppData(
        frontends=[Frontend(address=a) for a in sorted(set(addresses))], port=port, ready=ready
    )
    computed: dict[str, Any] = {
        'remote_app_name': 'load-balancer',
        'remote_app_data': _present(dump(app)),
        'remote_units_data': {0: _juju_unit_data('10.0.0.21')},
    }
    return _relation(endpoint, computed, overrides)


def _present(data: Mapping[str, str]) -> dict[str, str]:
    """A databag as Juju stores it: deleted ('') keys are simply absent."""
    return {k: v for k, v in data.items() if v != ''}

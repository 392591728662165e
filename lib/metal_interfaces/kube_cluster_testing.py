"""Relations (and a join-token secret) for tests of charms that use :mod:`~.kube_cluster`.

Each function answers an ``ops.testing.Relation`` as one side sees it, with the *other* side's
data filled in with a typical valid relation::

    rel = relation_for_provider('kube-cluster')             # the control plane's view
    rel, secret = relation_for_requirer('kube-cluster')     # a worker unit's view
    state = testing.State(relations={rel}, secrets={secret})

A worker's view needs its own join-token secret, so :func:`relation_for_requirer` answers
``(relation, secret)``: put both in the State. The secret is owned by the remote application
(``owner=None``), as the granted unit sees it, holds ``{'token': token}``, and is listed in
``join-tokens`` under ``unit_name``, which must be the name of the unit the test runs as
(``<meta name>/<unit_id>`` in ``ops.testing.Context``).

Interface values are keyword arguments; any other keyword (``id``, ``remote_app_name``,
``local_unit_data``, even ``remote_app_data``) goes to ``ops.testing.Relation`` as is and wins
over what the helper computed.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ops import testing

from metal_interfaces._base import dump
from metal_interfaces.kube_cluster import (
    CONTENT_KEY,
    ApiEndpoint,
    NodeState,
    ProviderAppData,
    RequirerUnitData,
)

__all__ = [
    'DEFAULT_CA',
    'DEFAULT_TOKEN',
    'DEFAULT_WORKERS',
    'relation_for_provider',
    'relation_for_requirer',
]

DEFAULT_TOKEN = 'abcdef.0123456789abcdef'  # noqa: S105 - a test value
"""A made-up bootstrap token (kubeadm's ``[a-z0-9]{6}.[a-z0-9]{16}`` form); a credential."""

DEFAULT_CA = (
    '-----BEGIN CERTIFICATE-----\n'
    'MIIBdzCCAR2gAwIBAgIUVGVzdCBDQSBmb3IgbWV0YWwtazhzMAoGCCqGSM49BAMC\n'
    '-----END CERTIFICATE-----\n'
)
"""A made-up (truncated) CA certificate; public data, not a credential."""

DEFAULT_WORKERS: Mapping[int, RequirerUnitData] = {
    0: RequirerUnitData(node_name='worker-0', state=NodeState.JOINED, version='1.31.2'),
    1: RequirerUnitData(node_name='worker-1', state=NodeState.PENDING, version='1.31.2'),
}
"""Two worker units, one joined and one still joining."""


def _present(data: Mapping[str, str]) -> dict[str, str]:
    """A databag as Juju stores it: deleted ('') keys are simply absent."""
    return {k: v for k, v in data.items() if v != ''}


def _relation(
    endpoint: str, computed: Mapping[str, Any], overrides: Mapping[str, Any]
) -> testing.Relation:
    kwargs: dict[str, Any] = {'interface': 'kube-cluster', **computed, **overrides}
    return testing.Relation(endpoint, **kwargs)


def relation_for_provider(
    endpoint: str = 'kube-cluster',
    *,
    workers: Mapping[int, RequirerUnitData] = DEFAULT_WORKERS,
    **overrides: Any,
) -> testing.Relation:
    """The relation as the control plane (provider) sees it: the worker units' reports.

    Args:
        endpoint: the provider charm's endpoint name.
        workers: each worker unit's data by unit number (``kubernetes-worker/<n>``).
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.
    """
    computed: dict[str, Any] = {
        'remote_app_name': 'kubernetes-worker',
        'remote_units_data': {n: _present(dump(data)) for n, data in workers.items()},
    }
    return _relation(endpoint, computed, overrides)


def relation_for_requirer(
    endpoint: str = 'kube-cluster',
    *,
    unit_name: str = 'kubernetes-worker/0',
    token: str | None = DEFAULT_TOKEN,
    api_endpoints: Sequence[str] = ('https://10.0.0.10:6443', 'https://10.0.0.11:6443'),
    cluster_name: str | None = 'metal-k8s',
    ca_certificate: str | None = DEFAULT_CA,
    pod_cidr: str | None = '10.1.0.0/16',
    service_cidr: str | None = '10.152.183.0/24',
    dns_ip: str | None = '10.152.183.10',
    dns_domain: str | None = 'cluster.local',
    kubernetes_version: str | None = '1.31.2',
    **overrides: Any,
) -> tuple[testing.Relation, testing.Secret | None]:
    """The relation as a worker unit (requirer) sees it, and that unit's join-token secret.

    Args:
        endpoint: the requirer charm's endpoint name.
        unit_name: the worker unit the token is issued to.
        token: the join token put in the secret; None issues no token.
        api_endpoints: API server URLs in order of preference.
        cluster_name: see the spec; None leaves a field out (likewise for the others).
        ca_certificate: the cluster CA.
        pod_cidr: the pod network.
        service_cidr: the service network.
        dns_ip: the cluster DNS address.
        dns_domain: the cluster DNS domain.
        kubernetes_version: the control plane's version.
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.

    Returns:
        ``(relation, secret)``; the secret (None when ``token`` is None) must go into
        ``State.secrets`` for :meth:`Requirer.join_token` to find it.
    """
    secret = testing.Secret({CONTENT_KEY: token}, owner=None) if token is not None else None
    app = ProviderAppData(
        api_endpoints=[ApiEndpoint(url=u) for u in api_endpoints],
        cluster_name=cluster_name,
        ca_certificate=ca_certificate,
        pod_cidr=pod_cidr,
        service_cidr=service_cidr,
        dns_ip=dns_ip,
        dns_domain=dns_domain,
        kubernetes_version=kubernetes_version,
        join_tokens={unit_name: secret.id} if secret is not None else None,
    )
    computed: dict[str, Any] = {
        'remote_app_name': 'kubernetes-control-plane',
        'remote_app_data': _present(dump(app)),
    }
    return _relation(endpoint, computed, overrides), secret

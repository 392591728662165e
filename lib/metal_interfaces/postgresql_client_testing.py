"""Relations (and the user secret) for tests of charms that use :mod:`~.postgresql_client`.

Each function answers an ``ops.testing.Relation`` as one side sees it, with the *other* side's
data filled in the way a PostgreSQL charm (dpcharmlibs-interfaces' provider answering a v0
request, checked in tests/unit/interfaces/test_postgresql_client.py) or requirer writes it::

    rel, secret = relation_for_requirer('database')   # metal-controller's view
    state = testing.State(relations={rel}, secrets={secret})
    rel = relation_for_provider('database')           # a PostgreSQL charm's view

The requirer's view needs the provider's user secret, so :func:`relation_for_requirer` answers
``(relation, secret)``: put both in the State. The secret is owned by the remote application
(``owner=None``), as a granted consumer sees it, and holds ``{'username', 'password'}``.

Interface values are keyword arguments; any other keyword (``id``, ``remote_app_name``,
``local_app_data``, even ``remote_app_data``) goes to ``ops.testing.Relation`` as is and wins
over what the helper computed.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ops import testing

from metal_interfaces.postgresql_client import REQUESTED_SECRETS, RequirerAppData

__all__ = [
    'DEFAULT_PASSWORD',
    'DEFAULT_USERNAME',
    'relation_for_provider',
    'relation_for_requirer',
]

DEFAULT_USERNAME = 'relation_id_7'
"""The user name data_interfaces providers generate (``relation_id_<id>``)."""

DEFAULT_PASSWORD = 'Zq3x9TnW2kLm8VbR'  # noqa: S105 - a test value
"""A made-up password; tests should treat it as a credential."""


def _present(data: Mapping[str, str]) -> dict[str, str]:
    """A databag as Juju stores it: deleted ('') keys are simply absent."""
    return {k: v for k, v in data.items() if v != ''}


def _relation(
    endpoint: str, computed: Mapping[str, Any], overrides: Mapping[str, Any]
) -> testing.Relation:
    kwargs: dict[str, Any] = {'interface': 'postgresql_client', **computed, **overrides}
    return testing.Relation(endpoint, **kwargs)


def relation_for_provider(
    endpoint: str = 'database',
    *,
    database: str | None = 'maasdb',
    extra_user_roles: str | None = None,
    **overrides: Any,
) -> testing.Relation:
    """The relation as a PostgreSQL charm (provider) sees it: this requirer's request.

    Args:
        endpoint: the provider charm's endpoint name.
        database: the requested database (None leaves the request out entirely).
        extra_user_roles: requested extra roles (None leaves them out).
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.
    """
    request = RequirerAppData(
        database=database,
        extra_user_roles=extra_user_roles,
        requested_secrets=list(REQUESTED_SECRETS),
    )
    computed: dict[str, Any] = {
        'remote_app_name': 'metal-controller',
        'remote_app_data': _present(request.to_databag()) if database is not None else {},
    }
    return _relation(endpoint, computed, overrides)


def relation_for_requirer(
    endpoint: str = 'database',
    *,
    database: str | None = 'maasdb',
    endpoints: Sequence[str] = ('10.0.0.41:5432',),
    read_only_endpoints: Sequence[str] = ('10.0.0.42:5432', '10.0.0.43:5432'),
    version: str | None = '16.6',
    username: str | None = DEFAULT_USERNAME,
    password: str | None = DEFAULT_PASSWORD,
    **overrides: Any,
) -> tuple[testing.Relation, testing.Secret | None]:
    """The relation as this requirer sees it, and the provider's user secret.

    Args:
        endpoint: the requirer charm's endpoint name.
        database: the database the provider created (None leaves it out).
        endpoints: the primary's ``host:port``; written comma-separated.
        read_only_endpoints: the replicas' ``host:port``; written comma-separated.
        version: the PostgreSQL version (None leaves it out).
        username: the user in the secret.
        password: the password in the secret; with ``username`` None, no secret is made.
        **overrides: passed to ``ops.testing.Relation``, winning over computed values.

    Returns:
        ``(relation, secret)``; the secret (None when there are no credentials) must go into
        ``State.secrets`` for :meth:`Requirer.credentials` to find it.
    """
    secret = (
        testing.Secret({'username': username, 'password': password}, owner=None)
        if username is not None and password is not None
        else None
    )
    data = {
        'database': database or '',
        'resource': database or '',  # dpcharmlibs-interfaces' provider writes both for v0
        'endpoints': ','.join(endpoints),
        'read-only-endpoints': ','.join(read_only_endpoints),
        'version': version or '',
        'secret-user': secret.id if secret is not None else '',
    }
    computed: dict[str, Any] = {
        'remote_app_name': 'postgresql',
        'remote_app_data': _present(data),
    }
    return _relation(endpoint, computed, overrides), secret

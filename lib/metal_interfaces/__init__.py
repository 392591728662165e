"""Typed, versioned relation interfaces of the metal charms.

One module per interface (``metal_region``, ``kube_cluster``, ``loadbalancer``, ``ceph_client``,
``postgresql_client``), each at version v0 with its spec in the module docstring, pydantic
databag models, and ``Provider`` / ``Requirer`` classes charms instantiate. Shared rules live in
:mod:`metal_interfaces._base`.
"""

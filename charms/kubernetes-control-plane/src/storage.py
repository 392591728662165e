"""What Ceph storage the cluster gets, given the config and the ceph-client relation.

Why a module of its own: the pools to ask Ceph for, which Ceph CSI manifests to apply (RBD
always, CephFS with ``enable-cephfs``), the order to delete them in and what the active status
says about storage are decided here, purely. ``manifests`` renders the files; applying and
deleting them, and the relation, are the charm's.
"""

# pyright: strict

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from metal_interfaces import ceph_client

import config
import manifests

CEPH_CLIENT = 'kubernetes'
"""The cephx client the charm asks Ceph for."""
RBD_POOL = 'kubernetes'
"""The RBD pool the block storage classes use."""
CEPHFS_NAME = 'kubernetes-fs'
"""The CephFS pool (and filesystem name) the ``cephfs`` class uses."""


def pools(settings: config.Settings) -> list[ceph_client.Pool]:
    """The pools to ask Ceph for."""
    out = [ceph_client.Pool(name=RBD_POOL, application='rbd')]
    if settings.enable_cephfs:
        out.append(ceph_client.Pool(name=CEPHFS_NAME, application='cephfs'))
    return out


def wanted(
    settings: config.Settings, fsid: str, monitors: Sequence[str], key: str
) -> dict[str, str]:
    """The Ceph CSI manifests to apply, by path."""
    ceph = manifests.CephConfig(
        fsid=fsid,
        monitors=list(monitors),
        client=CEPH_CLIENT,
        key=key,
        rbd_pool=RBD_POOL,
        cephfs_name=CEPHFS_NAME,
        default_class=settings.default_storage_class,
    )
    out = {manifests.RBD_PATH: manifests.rbd_manifest(ceph)}
    if settings.enable_cephfs:
        out[manifests.CEPHFS_PATH] = manifests.cephfs_manifest(ceph)
    return out


def removal_order(paths: Iterable[str]) -> list[str]:
    """CephFS first: deleting RBD's namespace takes CephFS's objects with it."""
    return sorted(paths, key=lambda p: p != manifests.CEPHFS_PATH)


def digest(text: str) -> str:
    """What is kept of an applied manifest, to tell whether it changed."""
    return hashlib.sha256(text.encode()).hexdigest()


def note(settings: config.Settings, *, related: bool, ready: bool) -> str:
    """What the active status says about storage."""
    if not related:
        return ' (no storage: relate ceph-client)'
    if not ready:
        return ' (storage: waiting for ceph-client)'
    default = settings.default_storage_class
    return f' (storage: {default} default)' if default else ' (storage: Ceph, no default)'

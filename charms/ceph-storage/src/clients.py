"""What a ceph-client consumer gets: its cephx capabilities.

Why a module of its own: the caps are a security boundary (a consumer may touch only its own
pools), and ``ceph auth get-or-create`` fails when an existing client's caps differ, so they are
built deterministically here, purely.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterable

from metal_interfaces import ceph_client


def caps(pools: Iterable[ceph_client.Pool]) -> list[str]:
    """``mon 'profile rbd' osd 'profile rbd pool=P, ...'`` (+ CephFS data and mds access)."""
    ordered = sorted(pools, key=lambda p: p.name)
    osd = [f'profile rbd pool={p.name}' for p in ordered if p.application == 'rbd']
    fs = [p.name for p in ordered if p.application == 'cephfs']
    osd += [f'allow rw tag cephfs data={name}' for name in fs]
    out = ['mon', 'profile rbd', 'osd', ', '.join(osd)]
    if fs:
        out += ['mds', ', '.join(f'allow rw fsname={name}' for name in fs)]
    return out

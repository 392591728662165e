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
    """The cephx caps Ceph CSI needs for these pools, as ``ceph auth`` arguments.

    ceph/ceph-csi ``docs/capabilities.md``: an RBD user needs ``mon 'profile rbd'``, ``mgr
    'profile rbd pool=P'`` and ``osd 'profile rbd pool=P'``; a CephFS user ``mon 'allow r
    fsname=FS'``, ``mgr 'allow rw'`` (subvolumes are made through the mgr volumes module),
    ``osd 'allow rw tag cephfs metadata=FS, allow rw tag cephfs data=FS'`` (the CSI journal
    lives in the metadata pool) and ``mds 'allow r fsname=FS path=/volumes, allow rws
    fsname=FS path=/volumes/csi'`` (``csi``: ceph-csi's default subvolume group). One client
    serving both gets the union.
    """
    ordered = sorted(pools, key=lambda p: p.name)
    rbd = [p.name for p in ordered if p.application == 'rbd']
    fs = [p.name for p in ordered if p.application == 'cephfs']
    mon = ['profile rbd'] if rbd else []
    mon += [f'allow r fsname={name}' for name in fs]
    mgr = ['allow rw'] if fs else [f'profile rbd pool={name}' for name in rbd]
    osd = [f'profile rbd pool={name}' for name in rbd]
    for name in fs:
        osd += [f'allow rw tag cephfs metadata={name}', f'allow rw tag cephfs data={name}']
    out = ['mon', ', '.join(mon), 'mgr', ', '.join(mgr), 'osd', ', '.join(osd)]
    if fs:
        mds = [
            grant
            for name in fs
            for grant in (
                f'allow r fsname={name} path=/volumes',
                f'allow rws fsname={name} path=/volumes/csi',
            )
        ]
        out += ['mds', ', '.join(mds)]
    return out

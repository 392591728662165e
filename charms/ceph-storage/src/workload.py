"""Driving MicroCeph: the ``microceph`` snap and the ``microceph``/``ceph`` command lines.

Why a module of small functions: the charm decides *when* (leadership, tokens, statuses), this
module knows *how*, with exactly the command lines of the Ceph contract the simulated machines
emulate. Nothing here keeps state; every function asks :func:`metal_host.current` for the
machine. Join tokens are passed as :class:`metal_host.Sensitive`, and error messages come from
:class:`metal_host.CommandError`, which redacts them; a cephx key or a token printed on stdout is
returned to the caller and never logged.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any, cast

import metal_charm
import metal_host

import disks

logger = logging.getLogger(__name__)

SNAP = 'microceph'
"""The MicroCeph snap."""
CEPH = 'microceph.ceph'
"""The snap's ceph CLI. The snap declares no ``ceph`` alias (canonical/microceph's own tests run
``snap alias microceph.ceph ceph`` first), so a bare ``ceph`` is not on a fresh machine's PATH."""
LSBLK = ['lsblk', '--json', '--bytes', '-o', 'NAME,PATH,SIZE,TYPE,MOUNTPOINTS,FSTYPE,ROTA']
"""How the charm lists disks."""
_ALREADY = re.compile(
    r'already (initialized|bootstrapped|part of|a member|exists)|Database is online', re.I
)
"""A bootstrap or join that finds this node initialised: microcluster v2's ``controlPost``
refuses with ``Unable to initialize cluster: Database is online`` (canonical/microcluster
``internal/rest/resources/control.go``, the microcluster/v2 MicroCeph squid builds with)."""
LSBLK_EXIT_ALLFAILED = 32
"""lsblk's exit status when no device argument was a block device (util-linux lsblk.c)."""


class WorkloadError(Exception):
    """microceph, ceph or snapd refused; the message is safe to show (no credential)."""


@dataclasses.dataclass(frozen=True)
class CephStatus:
    """What ``ceph status -f json`` says, as far as the charm uses it.

    Attributes:
        fsid: the cluster fsid.
        health: ``HEALTH_OK``, ``HEALTH_WARN``...
        mons: monitors in the monmap.
        osds: OSDs in the osdmap.
        up_osds: OSDs up.
    """

    fsid: str
    health: str
    mons: int
    osds: int
    up_osds: int


def _run(argv: Sequence[str]) -> str:
    try:
        return metal_host.current().run(argv).stdout
    except metal_host.HostError as e:
        raise WorkloadError(str(e)) from None


def _json(argv: Sequence[str]) -> Any:
    out = _run(argv)
    try:
        return json.loads(out)
    except ValueError:
        raise WorkloadError(f'{argv[0]} {argv[1]}: output is not JSON') from None


class SnapError(WorkloadError, metal_charm.SnapError):
    """snapd refused to install or hold the microceph snap."""


_SNAP = metal_charm.Snap(SNAP, error=SnapError)


def install(channel: str) -> None:
    """Install the microceph snap from ``channel`` and hold it (no surprise refreshes).

    Raises:
        SnapError: snapd refused.
    """
    _SNAP.install(channel)


def is_member() -> bool:
    """Whether this machine is in a MicroCeph cluster (``microceph status`` succeeds)."""
    try:
        done = metal_host.current().run(['microceph', 'status'], check=False)
    except metal_host.HostError:
        return False
    return done.ok


def bootstrap(public_network: str, address: str, cluster_network: str = '') -> None:
    """Create the cluster on this machine; one that already exists is fine (a retried hook).

    Args:
        public_network: the Ceph public network (CIDR).
        address: the address the MicroCeph daemon listens on (``--microceph-ip``).
        cluster_network: the Ceph cluster network (CIDR); '' leaves MicroCeph's default, the
            public network.
    """
    argv = ['microceph', 'cluster', 'bootstrap', '--public-network', public_network]
    if cluster_network:
        argv += ['--cluster-network', cluster_network]
    argv += ['--microceph-ip', address]
    _run_tolerating_already(argv)


def add_node(node: str) -> str:
    """A single-use join token for ``node`` (``microceph cluster add``): a credential."""
    token = _run(['microceph', 'cluster', 'add', node]).strip()
    if not token:
        raise WorkloadError(f'microceph cluster add {node} printed no token')
    return token


def join(token: str, address: str) -> None:
    """Join the cluster with ``token`` (passed as Sensitive); already a member is fine."""
    argv = [
        'microceph', 'cluster', 'join', metal_host.Sensitive(token), '--microceph-ip', address,
    ]  # fmt: skip
    _run_tolerating_already(argv)


_SPENT_TOKEN = (
    'CoreTokenRecord not found',
    'InternalTokenRecord not found',
    'Token expired',
    'does not contain join token name',
    'invalid join token',
)
"""How microcluster refuses a join token for good (canonical/microcluster
``internal/rest/resources/cluster.go``, ``cluster/token_records.mapper.go``; microceph
``cluster_join.go``): used or unknown (``CoreTokenRecord`` in v2, which squid builds with;
``InternalTokenRecord`` in the older one reef builds with), expired (3 hours by default),
made for another name, or not a token."""


def token_is_spent(error: str) -> bool:
    """Whether a join failed because the token can never work (a new one is needed).

    Any other failure (the cluster unreachable, still starting) leaves the token valid: the
    unit tries it again, since microcluster refuses a second token for the same name while one
    is alive (``core_token_records`` is ``UNIQUE(name)``).
    """
    return any(reason in error for reason in _SPENT_TOKEN)


def _run_tolerating_already(argv: Sequence[str]) -> None:
    try:
        metal_host.current().run(argv)
    except metal_host.CommandError as e:
        if _ALREADY.search(e.stderr) or _ALREADY.search(e.stdout):
            logger.info('%s: already done', ' '.join(argv[:3]))
            return
        raise WorkloadError(str(e)) from None
    except metal_host.HostError as e:
        raise WorkloadError(str(e)) from None


def block_devices() -> list[disks.Device]:
    """This machine's disks, from lsblk."""
    try:
        return disks.parse_lsblk(_run(LSBLK))
    except ValueError as e:
        raise WorkloadError(f'lsblk: {e}') from None


def resolve_device(path: str) -> str | None:
    """The ``/dev/NAME`` path of the block device ``path`` leads to, or None if there is none.

    MicroCeph records an OSD by its ``/dev/disk/by-id`` link (``setStablePath`` in
    canonical/microceph ``microceph/ceph/osd.go``) and Juju reports a MAAS disk with a serial by
    its by-id link too (juju/juju ``core/blockdevice/path.go``), while lsblk names devices
    ``/dev/sdX``: lsblk ``stat()``s a path argument, following the link, and prints the device
    under its kernel name, as canonical/charm-microceph resolves OSD paths
    (``src/microceph.py`` ``_get_disk_info``).
    """
    argv = ['lsblk', '--json', '--nodeps', '-o', 'PATH', path]
    try:
        done = metal_host.current().run(argv, check=False)
    except metal_host.HostError as e:
        raise WorkloadError(str(e)) from None
    if done.returncode == LSBLK_EXIT_ALLFAILED:
        return None
    if not done.ok:
        raise WorkloadError(f'lsblk {path}: {done.stderr.strip() or f"exit {done.returncode}"}')
    try:
        found = disks.parse_lsblk(done.stdout)
    except ValueError as e:
        raise WorkloadError(f'lsblk {path}: {e}') from None
    return found[0].path if found else None


def resolve_devices(paths: Iterable[str], known: Iterable[str]) -> dict[str, str | None]:
    """Each path -> the ``/dev/NAME`` it leads to (None: no such device).

    Paths lsblk already listed (``known``) are themselves; only the others (by-id links,
    typos) cost an lsblk run each.
    """
    listed = set(known)
    return {p: p if p in listed else resolve_device(p) for p in sorted(set(paths))}


def osd_paths(hostname: str) -> set[str]:
    """Devices of this machine that are already OSDs (``microceph disk list --json``)."""
    data = _json(['microceph', 'disk', 'list', '--json'])
    configured: Any = (
        cast('dict[str, Any]', data).get('ConfiguredDisks') if isinstance(data, dict) else None
    )
    out: set[str] = set()
    for raw in cast('list[Any]', configured or []):
        if not isinstance(raw, dict):
            continue
        item = {str(k).lower(): v for k, v in cast('dict[Any, Any]', raw).items()}
        if item.get('location') in (hostname, None) and isinstance(item.get('path'), str):
            out.add(item['path'])
    return out


def count_osds(hostname: str) -> int:
    """How many OSDs this machine runs."""
    return len(osd_paths(hostname))


def add_disk(path: str) -> None:
    """Make ``path`` an OSD, wiping it (``microceph disk add PATH --wipe``).

    MicroCeph records it under its stable ``/dev/disk/by-id`` path, and ``disk list`` shows
    that path (:func:`resolve_devices` maps it back).
    """
    out = _run(['microceph', 'disk', 'add', path, '--wipe'])
    for line in out.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) == 2 and cells[0] == path and cells[1].lower() != 'success':
            raise WorkloadError(f'microceph disk add {path}: {cells[1]}')


def status() -> CephStatus:
    """The cluster's state (``microceph.ceph status -f json``), squid's nesting or reef's."""
    data = _json([CEPH, 'status', '-f', 'json'])
    if not isinstance(data, dict):
        raise WorkloadError('ceph status: not a JSON object')
    top = cast('dict[str, Any]', data)
    osdmap = _dict(top.get('osdmap'))
    osdmap = _dict(osdmap.get('osdmap')) or osdmap
    return CephStatus(
        fsid=str(top.get('fsid', '')),
        health=str(_dict(top.get('health')).get('status', '')),
        mons=_int(_dict(top.get('monmap')).get('num_mons')),
        osds=_int(osdmap.get('num_osds')),
        up_osds=_int(osdmap.get('num_up_osds')),
    )


def fsid() -> str:
    """The cluster fsid (``ceph fsid``)."""
    value = _run([CEPH, 'fsid']).strip()
    if not value:
        raise WorkloadError('ceph fsid printed nothing')
    return value


def mon_addresses() -> list[str]:
    """The IP address of every monitor (``ceph mon dump -f json``), sorted."""
    data = _json([CEPH, 'mon', 'dump', '-f', 'json'])
    out: set[str] = set()
    for raw in cast('list[Any]', _dict(data).get('mons') or []):
        mon = _dict(raw)
        addrs: Any = _dict(mon.get('public_addrs')).get('addrvec') or []
        candidates = [str(_dict(a).get('addr', '')) for a in cast('list[Any]', addrs)]
        candidates.append(str(mon.get('addr', '')))
        for candidate in candidates:
            ip = _ip_of(candidate)
            if ip:
                out.add(ip)
                break
    return sorted(out)


def _ip_of(addr: str) -> str:
    """``10.0.0.1:6789/0`` or ``[fd00::1]:3300`` → the bare IP."""
    host = addr.split('/', 1)[0]
    if host.startswith('['):
        return host[1:].split(']', 1)[0]
    return host.rsplit(':', 1)[0] if host.count(':') == 1 else host


def pools() -> set[str]:
    """The pools that exist (``ceph osd pool ls -f json``)."""
    data = _json([CEPH, 'osd', 'pool', 'ls', '-f', 'json'])
    return {str(p) for p in cast('list[Any]', data)} if isinstance(data, list) else set()


def create_pool(name: str, application: str, replicas: int | None) -> None:
    """Create an RBD pool, tag its application and set its size (each idempotent in Ceph)."""
    _run([CEPH, 'osd', 'pool', 'create', name])
    _run([CEPH, 'osd', 'pool', 'application', 'enable', name, application])
    if replicas is not None:
        _run([CEPH, 'osd', 'pool', 'set', name, 'size', str(replicas)])


def create_fs(name: str) -> None:
    """Create a CephFS volume named ``name`` (its pools and MDS come with it)."""
    _run([CEPH, 'fs', 'volume', 'create', name])


def client_key(client: str, caps: Sequence[str]) -> str:
    """The cephx key of ``client.<client>`` with ``caps`` (``ceph auth get-or-create``).

    An existing client whose caps differ makes get-or-create fail (``key for client.X exists
    but cap S does not match``, Ceph's AuthMonitor): its caps are then set with ``ceph auth
    caps`` (the key stays) and get-or-create asked again.
    """
    argv = [CEPH, 'auth', 'get-or-create', f'client.{client}', *caps, '-f', 'json']
    try:
        data = _json(argv)
    except WorkloadError as e:
        if 'does not match' not in str(e):
            raise
        _run([CEPH, 'auth', 'caps', f'client.{client}', *caps])
        data = _json(argv)
    entries = cast('list[Any]', data) if isinstance(data, list) else [data]
    for raw in entries:
        key = _dict(raw).get('key')
        if isinstance(key, str) and key:
            return key
    raise WorkloadError(f'ceph auth get-or-create client.{client}: no key in the output')


def _dict(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


@dataclasses.dataclass(frozen=True)
class CrushBucket:
    """A CRUSH bucket as ``ceph osd tree -f json`` shows it.

    Attributes:
        type: ``root``, ``zone``, ``host``...
        parent: the bucket it sits under, or None when detached.
    """

    type: str
    parent: str | None


def crush_buckets() -> dict[str, CrushBucket]:
    """Every CRUSH bucket (not OSDs) by name, with its parent (``ceph osd tree -f json``)."""
    data = _json([CEPH, 'osd', 'tree', '-f', 'json'])
    nodes = [_dict(n) for n in cast('list[Any]', _dict(data).get('nodes') or [])]
    names = {n.get('id'): str(n.get('name')) for n in nodes}
    parents: dict[str, str] = {}
    for node in nodes:
        for child in cast('list[Any]', node.get('children') or []):
            if child in names:
                parents[names[child]] = str(node.get('name'))
    return {
        str(n.get('name')): CrushBucket(str(n.get('type')), parents.get(str(n.get('name'))))
        for n in nodes
        if n.get('type') != 'osd'
    }


def add_crush_bucket(name: str, bucket_type: str) -> None:
    """Add a detached bucket (``ceph osd crush add-bucket``; an existing one is fine)."""
    _run([CEPH, 'osd', 'crush', 'add-bucket', name, bucket_type])


def move_crush_bucket(name: str, parent_type: str, parent: str) -> None:
    """Move a bucket under ``parent`` (``ceph osd crush move NAME TYPE=PARENT``)."""
    _run([CEPH, 'osd', 'crush', 'move', name, f'{parent_type}={parent}'])


def crush_rules() -> set[str]:
    """The CRUSH rule names (``ceph osd crush rule ls -f json``)."""
    data = _json([CEPH, 'osd', 'crush', 'rule', 'ls', '-f', 'json'])
    return {str(r) for r in cast('list[Any]', data)} if isinstance(data, list) else set()


def create_replicated_rule(name: str, root: str, failure_domain: str) -> None:
    """A replicated rule over ``root`` split by ``failure_domain`` (an existing one is fine)."""
    _run([CEPH, 'osd', 'crush', 'rule', 'create-replicated', name, root, failure_domain])


def set_pool_rule(pool: str, rule: str) -> None:
    """Place ``pool`` with ``rule`` (``ceph osd pool set POOL crush_rule RULE``)."""
    _run([CEPH, 'osd', 'pool', 'set', pool, 'crush_rule', rule])

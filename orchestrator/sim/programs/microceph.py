"""``microceph`` and ``ceph``: MicroCeph's CLI and Ceph's own CLI on simulated machines.

A simulation, not MicroCeph: no daemon runs. ``microceph`` and ``microceph.ceph`` exist on a
machine only while the ``microceph`` snap is installed there; elsewhere running them fails as a
shell does, ``NAME: No such file or directory``, exit status 127. A bare ``ceph`` never exists:
the snap has no auto-alias and ``snap alias`` is not emulated. What
microcluster's database and the Ceph monitors would know lives in ``World.namespace('microceph')``
so that it holds across machines::

    {'serial': N,                               # draws so far (deterministic values)
     'clusters': {FSID: {
         'fsid', 'public-network', 'created' (World clock),
         'members': {NAME: {'machine', 'address' (microcluster, IP), 'mon-ip'}},  # join order
         'tokens': {SECRET: {'name', 'expires' (World clock, None: never)}},
         'osds': [{'id', 'host', 'path' (stable)}],         # microceph's disks table
         'pools': {NAME: {'id', 'size', 'applications': [..]}}, 'next-pool': N,
         'clients': {ENTITY: {'key', 'caps': {SERVICE: CAPS}}},
         'volumes': [NAME, ..], 'epochs': {'mon': N, 'osd': N, 'fs': N},
         'crush': {'buckets': {NAME: {'id' (<0), 'type', 'parent' (NAME|None)}},
                   'rules': {NAME: {'id', 'root', 'type'}}}}}}

and on each machine ``state['microceph']`` (``cluster``, ``name``), which counts only while
``/var/snap/microceph/common/state/daemon.yaml`` exists (it goes with the snap, so a reinstalled
snap starts fresh). Generated values (fsid, join-token secrets, cephx keys) are SHAKE-256 digests
of their purpose and a counter kept in the namespace, so a World replays identically. Credentials
are printed only where the real commands print them: ``cluster add`` (the join token) and ``ceph
auth get-or-create`` (the key).

Models MicroCeph squid (the ``squid/stable`` channel the ceph-storage charm installs): canonical/
microceph branch ``squid`` (head 897bcdd, 2026-08), ``microceph/cmd/microceph/*.go``,
``microceph/ceph/osd.go``, ``microceph/common/storage.go``, built with canonical/microcluster
v2 (``go.mod``: v2.1.0; texts read on the ``v2`` branch) and canonical/lxd's resources API.
Errors print as ``Error: MESSAGE`` on stderr with exit status 1 (lxd-style ``main``). The
conformance record is ``orchestrator/sim/conformance/microceph.md``.

- ``cluster bootstrap [--public-network CIDRS] [--cluster-network CIDRS] [--microceph-ip IP]
  [--mon-ip IP] [--availability-zone AZ] [--v2-only]`` (``cluster_bootstrap.go``): no output.
  ``provided mon-ip IP is not available on provided public network CIDR``
  (``preCheckBootstrapConfig``). The daemon's ``PreInit`` hook (``cmd/microcephd/hooks.go``,
  ``bootstrapper.go``) fills in the defaults (mon IP: on the public network, else the
  microcluster address; public network: the mon IP's local ``IP/prefix``; cluster network: the
  public one) and checks that the machine has an address on the public and on the cluster
  network (``FindIpOnSubnet``): ``Error: Failed to run pre-init hook before starting the API: no
  local IP belongs to any of the listed subnets [CIDRS]``, nothing initialised. Bootstrap sets
  ``cluster_network``, ``public_network`` and ``rbd_default_features`` in the mon's config
  database (``ceph/bootstrap.go`` ``BootstrapCephConfigs``).
- ``cluster config list`` (``cluster_config_list.go``, ``ceph/config.go`` ``ListConfigs``): those
  configs as the ``#``/``KEY``/``VALUE`` table, by key.
  Already initialised (microcluster ``controlPost``): ``Error: Unable to initialize cluster:
  Database is online``. The node runs mon, mgr and mds.
- ``cluster add NAME [--timeout/-t DURATION]`` (``cluster_add.go``; default ``3h``, a Go
  duration; a bad one: ``Invalid value for timeout flag: time: invalid duration "X"``): prints
  microcluster v2's join token, base64 (padded) of the compact JSON ``{"secret",
  "fingerprint","join_addresses":["IP:7443",..]}`` (``internal/rest/types/tokens.go``; the
  name stays in the record). Expired records are deleted first; another token for a name that
  has one (``core_token_records`` is ``UNIQUE(name)``): ``Error: Failed to create
  "core_token_records" entry: UNIQUE constraint failed: core_token_records.name``.
- ``cluster join TOKEN [--microceph-ip IP] [--availability-zone AZ]`` (``cluster_join.go``):
  joins under the machine's host name; no output. Failures print microcluster's ``Error: N join
  attempts were unsuccessful. Last error: REASON`` (N = the token's join addresses,
  ``control.go``): ``CoreTokenRecord not found`` (a used or unknown token: the record is
  deleted on join), ``Token expired``, ``Joining server certificate SAN does not contain join
  token name`` (a token for another name; ``cluster.go``). Already initialised: as bootstrap. A
  token that does not decode: ``Error: invalid join token: ...`` (the reason is Python's:
  modelled). The first three members run mon, mgr and mds; later members run none.
- ``disk add PATH.. [--wipe] | --all-available [--wipe]`` (``disk_add.go``, ``osd.go``
  ``doAddOSDWithStorage``): an empty line, then the lxd table ``PATH``/``STATUS`` (tablewriter,
  row lines, natural sort; the path as given), one ``Success``/``Failure`` row per path. One
  failure: ``Error: REASON``; several: ``Error: failed adding multiple (N) disks, please check
  logs for details``; exit 1. The path is first made stable (``setStablePath``): a whole disk
  becomes ``/dev/disk/by-id/<DeviceID>`` (LXD's name for it: the last by-id link in directory
  order, :class:`~orchestrator.sim.host.DiskIdentity`), a partition ``…-partN`` unless given by
  its raw ``/dev/NAME``; the REASONs then name that stable path: ``failed to set stable disk
  path: invalid disk path: PATH`` (no such device), ``failed to record disk: This "disks" entry
  already exists`` (already an OSD here, whichever name was used), ``data device STABLE has
  partitions - use --wipe to override`` (the boot disk), ``data device STABLE is not pristine
  (contains data) - use --wipe to override`` (a partition, or a disk with a BlueStore label),
  with ``--wipe`` ``failed to prepare data device: device STABLE is currently mounted and cannot
  be used - aborting`` (a mounted partition, ``prepareDisk``), and for the boot disk itself
  (assumption: ceph-osd fails on a disk whose partitions are mounted) ``failed to bootstrap
  OSD: Failed to run: ceph-osd --mkfs --no-mon-config -i N: exit status 1 (... (16) Device or
  resource busy)``. A new OSD labels its disk ``ceph_bluestore`` for lsblk (the label outlives
  the snap). OSD ids are the disks table's row ids: 1, 2, … (a failed add takes none).
  ``--all-available`` adds what ``disk list`` shows available, or prints ``No available disks
  found on this system.``
- ``disk list [--json] [--host-only]`` (``disk_list.go``): ``{"ConfiguredDisks":[{"osd":1,
  "path":"/dev/disk/by-id/…","location":"node-0"}],"AvailableDisks":[{"Model","Size":
  "931.51GiB","Type","Path"}]}`` (one line; ``types.Disk`` field order); every member's OSDs
  (this host's only with ``--host-only``); available (``FilterAvailableDisks``) = unpartitioned
  disks of 2 GiB or more not yet OSDs here, by ``GetDevicePath`` (by-id, else ``/dev/NAME``;
  by-path links are not modelled). Without ``--json``: the ``OSD``/``LOCATION``/``PATH`` and
  ``MODEL``/``CAPACITY``/``TYPE``/``PATH`` tables.
- ``status`` (``status.go``): ``MicroCeph deployment summary:`` then per member ``- NAME (IP)`` /
  ``  Services: mds, mgr, mon, osd`` / ``  Disks: N``. Before bootstrap or join, every command
  that needs the database: ``Error: Database is not yet initialized`` (microcluster
  ``DatabaseNotReady``).

``ceph`` (Ceph squid 19.2): ``-f/--format json|json-pretty`` anywhere; command status messages
go to stderr as the ceph CLI prints them (``outs``); errors ``Error ENOENT: ...`` with Ceph's
errno as exit status. No cluster here (real): ``Error initializing cluster client:
ObjectNotFound('RADOS object not found (error calling conf_read_file)')``, exit 1.

- ``status -f json``: modelled parts of squid's ``ceph status``: ``fsid``, ``health``
  (``status``, ``checks`` with ``TOO_FEW_OSDS`` while OSDs < 3 and ``POOL_APP_NOT_ENABLED``,
  ``mutes``), ``election_epoch``, ``quorum``, ``quorum_names``, ``quorum_age``, ``monmap``
  (``epoch``, ``min_mon_release_name``, ``num_mons``), ``osdmap`` (flat since pacific:
  ``epoch``, ``num_osds``, ``num_up_osds``, ``osd_up_since``, ``num_in_osds``, ``osd_in_since``,
  ``num_remapped_pgs``), ``pgmap`` (counts only), ``fsmap`` (``epoch``, ``by_rank``,
  ``up:standby``), ``mgrmap`` (``available``, ``num_standbys``), ``servicemap``,
  ``progress_events``. Every OSD is up and in; all placement groups are clean.
- ``mon dump -f json``: ``{"epoch","fsid","modified","created","min_mon_release",
  "min_mon_release_name","election_strategy","disallowed_leaders","stretch_mode",
  "tiebreaker_mon","removed_ranks","features","mons":[{"rank","name","public_addrs":{"addrvec":
  [{"type":"v2","addr":"IP:3300","nonce":0},{"type":"v1","addr":"IP:6789","nonce":0}]},
  "addr":"IP:6789/0","public_addr":"IP:6789/0","priority","weight","crush_location"}],
  "quorum":[..]}``; stderr ``dumped monmap epoch N``. Mons are the first three members.
- ``fsid`` (plain, or ``{"fsid"}``).
- ``osd pool create NAME [PG]``: stderr ``pool 'NAME' created`` / ``pool 'NAME' already
  exists`` (exit 0). ``osd pool ls [-f json]``: squid's ``.mgr`` pool (made by the mgr at
  bootstrap) comes first. ``osd pool application enable NAME APP [--yes-i-really-mean-it]``:
  ``enabled application 'APP' on pool 'NAME'``; a second application without the flag:
  ``Error EPERM: Are you SURE? Pool 'NAME' already has an enabled application; pass
  --yes-i-really-mean-it to proceed anyway``. ``osd pool set NAME size N``: ``set pool ID size
  to N``; size 1: ``Error EPERM: configuring pool size as 1 is disabled by default.`` (MicroCeph
  leaves ``mon_allow_pool_size_one`` off). Unknown pools: ``Error ENOENT: unrecognized pool
  'NAME'`` (exit 2).
- ``auth get-or-create ENTITY [SERVICE CAPS]..``: the keyring (``[ENTITY]`` / tab ``key = K``)
  or with ``-f json`` ``[{"entity","key","caps":{..}}]``; the key (cephx, ``AQ…``, 40
  characters) is made once per entity. Other caps than the stored ones: ``Error EINVAL: key for
  ENTITY exists but cap SERVICE does not match`` (exit 22).
- ``auth caps ENTITY SERVICE CAPS..``: replaces all of the entity's caps, stderr ``updated caps
  for ENTITY``; a missing entity: ``Error ENOENT: couldn't find entry ENTITY`` (exit 2).
- ``fs volume create NAME``: makes pools ``cephfs.NAME.meta`` and ``cephfs.NAME.data``
  (application cephfs) and the filesystem; no output. Existing (modelled): stderr ``volume
  'NAME' already exists``, exit 0. ``fs ls -f json``: ``[{"name","metadata_pool",
  "metadata_pool_id","data_pool_ids","data_pools"}]``.

CRUSH (``OSDMonitor.cc``, squid): a map per cluster with root ``default`` (id -1), a ``host``
bucket per member (ids -2, -3, … in join order; real Ceph adds one when the host's first OSD
starts, and shadow buckets per device class, which are not modelled) and each OSD under its host.
MicroCeph's rules (``microceph/ceph/crush.go`` ``ensureCrushRules`` at bootstrap):
``replicated_rule`` (id 0), ``microceph_auto_osd`` (1, failure domain osd), ``microceph_auto_host``
(2) and ``microceph_auto_rack`` (3); new pools take the default rule, ``microceph_auto_osd``, until
an OSD is added with three or more members (``osd.go`` ``updateFailureDomain``, without
availability zones): then the default and every pool on ``microceph_auto_osd`` move to
``microceph_auto_host``. ``osd pool get POOL crush_rule`` prints ``crush_rule: RULE``. Bucket types
and ids are squid's defaults: osd 0, host 1, chassis 2, rack 3, row 4, pdu 5, pod 6, room 7,
datacenter 8, zone 9, region 10, root 11.

- ``osd crush add-bucket NAME TYPE``: ``added bucket NAME type TYPE to crush map``; the bucket is
  detached (no parent) until moved. Existing: ``bucket 'NAME' already exists``, exit 0. Unknown
  type (real wording uncertain): ``Error EINVAL: type 'TYPE' does not exist``.
- ``osd crush move NAME TYPE=PARENT``: moves the bucket under ``PARENT`` (made, detached, when
  missing, as Ceph's ``insert_item`` does): ``moved item id N name 'NAME' to location
  {TYPE=PARENT} in crush map``; already there: ``no need to move item id N name 'NAME' to
  location {TYPE=PARENT} in crush map`` (the location printed as Ceph prints a ``std::map``).
  Unknown item (wording uncertain): ``Error ENOENT: item NAME does not exist``, exit 2. One
  location pair only; moving OSDs is not emulated.
- ``osd crush rule create-replicated NAME ROOT TYPE``: no output; an existing rule exits 0
  silently (squid may print ``rule NAME already exists`` there: uncertain). Unknown root
  (wording uncertain): ``Error ENOENT: root item ROOT does not exist``; unknown type: as above.
  ``osd crush rule ls [-f json]``: the names in id order.
- ``osd pool set POOL crush_rule RULE``: ``set pool ID crush_rule to RULE``; unknown rule
  (wording uncertain): ``Error ENOENT: crush rule RULE does not exist``.
- ``osd tree -f json``: ``{"nodes":[..],"stray":[]}``, depth first from each parentless bucket;
  buckets ``{"id","name","type","type_id","children"}`` (children in descending id order, as
  Ceph lists them; nodes follow that order), OSDs ``{"id","device_class":"hdd","name":"osd.N",
  "type":"osd","type_id":0,"crush_weight","depth","pool_weights":{},"exists":1,"status":"up",
  "reweight":1,"primary_affinity":1}`` (weight 1.0 per OSD: modelled).

Not emulated (:class:`~orchestrator.sim.SimError`): other subcommands and flags (``cluster
remove``, ``disk remove``, loop specs, ``--encrypt``, WAL/DB devices, ``enable``, ``ceph`` verbs
not listed, ``--id``/``--keyring``); the snap's services are not started or stopped.
"""

# pyright: strict

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import json
import re
import struct
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, cast

from metal_host import Completed
from metal_host._retrying import NOT_FOUND  # the exit status LocalHost gives a missing program

from ..host import DISK_BY_ID, SIMULATED
from .iproute import subnet_of
from .lsblk import SIGNATURES

if TYPE_CHECKING:
    from ..host import Invocation, SimHost
    from ..world import World

__all__ = ['DAEMON_FILE', 'handle', 'handle_ceph']

SNAP = 'microceph'
COMMON = '/var/snap/microceph/common'
"""``$SNAP_COMMON`` of the microceph snap."""
DAEMON_FILE = f'{COMMON}/state/daemon.yaml'
"""microcluster's record of the local member; present while initialised."""

_PORT = 7443  # constants.BootstrapPortConst
_MIN_OSD_SIZE = 2 << 30  # constants.MinOSDSize
_MON_SERVICES = ('mds', 'mgr', 'mon')
_NO_CONF = (
    "Error initializing cluster client: ObjectNotFound('RADOS object not found "
    "(error calling conf_read_file)')"
)
_NOT_INITIALISED = 'Error: Database is not yet initialized'  # microcluster DatabaseNotReady
_INITIALISED = 'Error: Unable to initialize cluster: Database is online'  # controlPost
_PRE_INIT = 'Error: Failed to run pre-init hook before starting the API: '
"""How microcluster reports a failed ``PreInit`` hook (canonical/microcluster
``internal/rest/resources/control.go`` @ v3, commit 21427d3 "Run PreInit hook before
bootstrapping/joining"). Assumption: v2.1.0, which MicroCeph squid builds with and which is not
mirrored (its ``v2`` branch here predates PreInit), words it the same."""
_TOKEN_LIFETIME = 3 * 3600.0  # microceph cluster add --timeout default: 3h
_ENOENT, _EPERM, _EINVAL = 2, 1, 22


class _ExitError(Exception):
    """The program exits with ``code`` after printing ``message`` (a line) on stderr."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message


def _not_emulated(what: str) -> NoReturn:
    from ..world import SimError  # the World imports the programs; import it when it is built

    raise SimError(
        f'{what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/microceph.py for what is'
    )


# -- state ----------------------------------------------------------------------------------------


def _mapping(value: object) -> dict[str, Any]:
    return cast('dict[str, Any]', value) if isinstance(value, dict) else {}


def _installed(host: SimHost) -> bool:
    return SNAP in _mapping(_mapping(host.state.get('snap')).get('snaps'))


def _clusters(world: World) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', world.namespace(SNAP).setdefault('clusters', {}))


def _local(host: SimHost, world: World) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """(local member record, its cluster) while microcluster is initialised here."""
    if not host.exists(DAEMON_FILE):
        host.state.pop(SNAP, None)  # the snap went, and its state with it
        return None
    local = _mapping(host.state.get(SNAP))
    cluster = _clusters(world).get(str(local.get('cluster')))
    if not local or cluster is None:
        return None
    return local, cluster


def _draw(world: World, purpose: str, size: int) -> bytes:
    """``size`` bytes no other draw of this World gets (a counter in the namespace)."""
    namespace = world.namespace(SNAP)
    serial = int(namespace.get('serial', 0)) + 1
    namespace['serial'] = serial
    return hashlib.shake_256(f'olm-sim-microceph\0{purpose}\0{serial}'.encode()).digest(size)


def _uuid(raw: bytes) -> str:
    h = raw.hex()
    return f'{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:32]}'


def _cephx_key(world: World, entity: str) -> str:
    """A cephx secret as ``ceph auth`` prints it: type 1, creation time, 16 bytes."""
    now = world.clock()
    header = struct.pack('<HIIH', 1, int(now), 0, 16)
    return base64.b64encode(header + _draw(world, f'key\0{entity}', 16)).decode()


def _members(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', _mapping(cluster).setdefault('members', {}))


def _mons(cluster: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, mon IP) of the monitors: the first three members."""
    return [(name, str(m['mon-ip'])) for name, m in list(_members(cluster).items())[:3]]


def _osds(cluster: Mapping[str, Any]) -> list[dict[str, Any]]:
    return cast('list[dict[str, Any]]', _mapping(cluster).setdefault('osds', []))


def _pools(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', _mapping(cluster).setdefault('pools', {}))


_CRUSH_TYPES = (
    'osd', 'host', 'chassis', 'rack', 'row', 'pdu', 'pod', 'room', 'datacenter', 'zone',
    'region', 'root',
)  # fmt: skip
_DEFAULT_RULE = 'replicated_rule'
_AUTO_OSD, _AUTO_HOST = 'microceph_auto_osd', 'microceph_auto_host'


def _default_rule(cluster: Mapping[str, Any]) -> str:
    """``osd_pool_default_crush_rule``: microceph_auto_osd, then microceph_auto_host.

    Bootstrap sets microceph_auto_osd (``BootstrapCrushRules``); ``updateFailureDomain``
    switches to microceph_auto_host.
    """
    return str(_mapping(cluster).get('default-rule', _AUTO_OSD))


def _switch_failure_domain(cluster: dict[str, Any], old: str, new: str) -> None:
    """``switchFailureDomain``: the default rule and every pool on the old rule move to new."""
    cluster['default-rule'] = new
    for pool in _pools(cluster).values():
        if pool.get('crush-rule', _AUTO_OSD) == old:
            pool['crush-rule'] = new


def _crush(cluster: Mapping[str, Any]) -> dict[str, Any]:
    """The cluster's CRUSH map: root ``default``, a host bucket per member, the rules."""
    crush = cast('dict[str, Any]', _mapping(cluster).setdefault('crush', {}))
    buckets = cast(
        'dict[str, dict[str, Any]]',
        crush.setdefault('buckets', {'default': {'id': -1, 'type': 'root', 'parent': None}}),
    )
    crush.setdefault(
        'rules',
        {
            _DEFAULT_RULE: {'id': 0, 'root': 'default', 'type': 'host'},
            # microceph/ceph/crush.go ensureCrushRules, at bootstrap
            'microceph_auto_osd': {'id': 1, 'root': 'default', 'type': 'osd'},
            'microceph_auto_host': {'id': 2, 'root': 'default', 'type': 'host'},
            'microceph_auto_rack': {'id': 3, 'root': 'default', 'type': 'rack'},
        },
    )
    for name in _members(cluster):
        if name not in buckets:
            _new_bucket(buckets, name, 'host', 'default')
    return crush


def _buckets(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', _crush(cluster)['buckets'])


def _rules(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', _crush(cluster)['rules'])


def _new_bucket(
    buckets: dict[str, dict[str, Any]], name: str, kind: str, parent: str | None
) -> dict[str, Any]:
    number = min([-1, *(int(b['id']) for b in buckets.values())]) - 1
    bucket = {'id': number, 'type': kind, 'parent': parent}
    buckets[name] = bucket
    return bucket


def _bump(cluster: dict[str, Any], which: str) -> None:
    epochs = cast('dict[str, int]', cluster.setdefault('epochs', {}))
    epochs[which] = int(epochs.get(which, 1)) + 1


def _epoch(cluster: Mapping[str, Any], which: str) -> int:
    return int(_mapping(_mapping(cluster).get('epochs')).get(which, 1))


_GO_UNITS = {'ns': 1e-9, 'us': 1e-6, 'µs': 1e-6, 'ms': 1e-3, 's': 1.0, 'm': 60.0, 'h': 3600.0}


def _duration(text: str) -> float:
    """Seconds in a Go ``time.ParseDuration`` string (``3h``, ``1h30m``, ``90s``, ``0``)."""
    if text == '0':
        return 0.0
    parts = re.findall(r'(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)', text)
    if not parts or ''.join(n + u for n, u in parts) != text:
        raise _ExitError(
            1, f'Error: Invalid value for timeout flag: time: invalid duration "{text}"'
        )
    return sum(float(number) * _GO_UNITS[unit] for number, unit in parts)


def _expired(token: Mapping[str, Any], now: float) -> bool:
    """``CoreTokenRecord.Expired``: an expiry date that is before now (None: never)."""
    expires = token.get('expires')
    return expires is not None and float(expires) < now


def _reef(host: SimHost) -> bool:
    """Whether the microceph snap here tracks reef (canonical/microceph branch ``reef``)."""
    snaps = _mapping(_mapping(host.state.get('snap')).get('snaps'))
    return str(_mapping(snaps.get(SNAP)).get('channel', '')).startswith('reef/')


def _token_table(cluster: Mapping[str, Any]) -> str:
    """The join-token table: ``core_token_records`` (microcluster v2) or ``internal_...`` (reef).

    Reef builds with microcluster 3d587817830c (2024-07-09), from before the 'core' rename.
    """
    return str(_mapping(cluster).get('token-table', 'core_token_records'))


def _stamp(moment: float) -> str:
    micro = int((moment - int(moment)) * 1_000_000)
    return time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(moment)) + f'.{micro:06d}+0000'


# -- tables (lxd's RenderTable: olekukonko/tablewriter, row lines, centred headers) ------------


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    line = '+' + '+'.join('-' * (w + 2) for w in widths) + '+\n'

    def centred(text: str, width: int) -> str:
        left = (width - len(text)) // 2
        return ' ' * left + text + ' ' * (width - len(text) - left)

    out = [
        line,
        '| '
        + ' | '.join(centred(h.upper(), w) for h, w in zip(header, widths, strict=True))
        + ' |\n',
    ]
    out.append(line)
    for row in rows:
        out.append(
            '| ' + ' | '.join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + ' |\n'
        )
        out.append(line)
    return ''.join(out)


def _natural(row: Sequence[str]) -> list[Any]:
    return [[int(p) if p.isdigit() else p for p in re.split(r'(\d+)', c)] for c in row]


def _iec(size: int) -> str:
    """The size as lxd's ``units.GetByteSizeStringIEC(size, 2)`` prints it."""
    value = float(size)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'):
        if value < 1024 or unit == 'EiB':
            return f'{value:.2f}{unit}' if unit != 'B' else f'{size}B'
        value /= 1024
    raise AssertionError('unreachable')


# -- command lines ------------------------------------------------------------------------------


_GLOBAL_FLAGS = (
    '--state-dir', '--help', '-h', '--version', '--debug', '-d', '--verbose', '-v',
)  # fmt: skip
"""microceph's persistent flags (``cmd/microceph/main.go``): real, but not emulated."""
_DISK_ADD_FLAGS = (
    '--encrypt', '--wal-device', '--wal-wipe', '--wal-encrypt', '--db-device', '--db-wipe',
    '--db-encrypt', '--osd-match', '--wal-match', '--wal-size', '--db-match', '--db-size',
    '--dry-run', '--json',
)  # fmt: skip
"""``disk add``'s other flags (``cmd/microceph/disk_add.go``): real, but not emulated."""


def _parse(
    argv: Sequence[str],
    values: Sequence[str],
    flags: Sequence[str] = (),
    real: Sequence[str] = (),
) -> tuple[list[str], dict[str, str], set[str]]:
    """Parse as cobra does: (positional, ``--flag value``/``--flag=value``, booleans).

    A flag the command does not have is cobra's ``Error: unknown flag: --X`` (``unknown
    shorthand flag: 'X' in -X``), exit 1; a real one that is not emulated (``real`` and the
    global flags) raises SimError.
    """
    positional: list[str] = []
    given: dict[str, str] = {}
    set_flags: set[str] = set()
    items = list(argv)
    while items:
        item = items.pop(0)
        if not item.startswith('-') or item == '-':
            positional.append(item)
            continue
        name, eq, value = item.partition('=')
        if name in values:
            if not eq:
                if not items:
                    raise _ExitError(1, f'Error: flag needs an argument: {name}')
                value = items.pop(0)
            given[name] = value
        elif name in flags:
            set_flags.add(name)
        elif name in (*_GLOBAL_FLAGS, *real):
            _not_emulated(f'microceph option {name!r}')
        elif name.startswith('--'):
            raise _ExitError(1, f'Error: unknown flag: {name}')
        else:
            raise _ExitError(1, f"Error: unknown shorthand flag: '{name[1]}' in {name}")
    return positional, given, set_flags


class _Run:
    """One run of ``microceph`` or ``ceph``: its output so far, the machine and the World."""

    def __init__(self, invocation: Invocation) -> None:
        self.invocation = invocation
        self.host = invocation.host
        self.world = invocation.world
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.fmt = 'plain'

    def out(self, text: str) -> None:
        self.stdout.append(text)

    def err(self, text: str) -> None:
        self.stderr.append(text)

    def completed(self, code: int) -> Completed:
        return self.invocation.result(''.join(self.stdout), ''.join(self.stderr), code)

    def local(self) -> tuple[dict[str, Any], dict[str, Any]]:
        found = _local(self.host, self.world)
        if found is None:
            raise _ExitError(1, _NOT_INITIALISED)
        return found

    # -- microceph --------------------------------------------------------------------------

    def microceph(self) -> int:
        args = list(self.invocation.args)
        if len(args) < 2 and not (args and args[0] == 'status'):
            _not_emulated(f'microceph {" ".join(args)}'.strip())
        group = args[0]
        if group == 'status':
            return self.status(args[1:])
        command = f'{group} {args[1]}'
        handler = {
            'cluster bootstrap': self.bootstrap,
            'cluster add': self.add,
            'cluster join': self.join,
            'cluster config': self.cluster_config,
            'disk add': self.disk_add,
            'disk list': self.disk_list,
        }.get(command)
        if handler is None:
            _not_emulated(f'microceph {command}')
        return handler(args[2:])

    def ip_on(self, public_network: str) -> str | None:
        """``FindIpOnSubnet``: the first local address in the first listed subnet that has one."""
        for network in public_network.split(','):
            subnet = ipaddress.ip_network(network.strip(), strict=False)
            for address in self.host.addresses():
                ip = ipaddress.ip_address(address.split('/')[0])
                if ip in subnet:
                    return str(ip)
        return None

    def mon_ip(self, public_network: str, fallback: str) -> str:
        """The mon address ``PopulateDefaultNetworkParams`` picks: on the public network.

        Raises:
            _ExitError: no local address is on it (the pre-init hook fails, see
                :data:`_PRE_INIT`).
        """
        if not public_network:
            return fallback
        found = self.ip_on(public_network)
        if found is None:
            raise _ExitError(
                1,
                f'{_PRE_INIT}no local IP belongs to any of the listed subnets [{public_network}]',
            )
        return found

    def network_address(self, ip: str) -> str:
        """``FindNetworkAddress``: the local address owning ``ip``, as Go prints its IPNet.

        Go's ``net.IPNet.String()`` of an interface address is the address itself with its
        prefix length (``10.0.0.10/24``), not the network; that is what becomes the public
        network when bootstrap is given neither it nor ``--mon-ip`` (canonical/microceph
        ``microceph/common/network.go`` @ squid). A machine the pool gave no interfaces has its
        addresses on the subnets :func:`.iproute.subnet_of` assumes.
        """
        for device in self.host.network_devices:
            for address in device.addresses:
                if address.split('/')[0] == ip:
                    return address
        return f'{ip}/{ipaddress.ip_network(subnet_of(ip)).prefixlen}'

    def check_cluster_network(self, cluster_network: str) -> None:
        """``ValidateNetworkParams``: the machine must have an address on the cluster network.

        canonical/microceph ``microceph/cmd/microcephd/bootstrapper.go`` @ squid: the simple
        bootstrapper's ``Precheck`` (run by the ``PreInit`` hook, ``hooks.go``) looks the
        cluster network up with ``FindIpOnSubnet`` and fails before anything is initialised.

        Raises:
            _ExitError: no local address is on it.
        """
        if self.ip_on(cluster_network) is None:
            raise _ExitError(
                1,
                f'{_PRE_INIT}no local IP belongs to any of the listed subnets [{cluster_network}]',
            )

    def bootstrap(self, argv: Sequence[str]) -> int:
        positional, given, _ = _parse(
            argv,
            (
                '--public-network', '--microceph-ip', '--mon-ip', '--cluster-network',
                '--availability-zone',
            ),
            ('--v2-only',),
        )  # fmt: skip
        if positional:
            raise _ExitError(
                1, f'Error: unknown command "{positional[0]}" for "microceph cluster bootstrap"'
            )
        name = self.host.hostname()
        address = given.get('--microceph-ip') or next(iter(self.host.addresses()), '127.0.0.1')
        public = given.get('--public-network', '')
        mon_ip = given.get('--mon-ip', '')
        try:
            if (
                mon_ip
                and public
                and not any(
                    ipaddress.ip_address(mon_ip) in ipaddress.ip_network(n.strip(), strict=False)
                    for n in public.split(',')
                )
            ):
                raise _ExitError(
                    1,
                    f'Error: provided mon-ip {mon_ip} is not available on provided public '
                    f'network {public}',
                )
        except ValueError as error:
            raise _ExitError(1, f'Error: {error}') from None
        if _local(self.host, self.world) is not None:
            raise _ExitError(1, _INITIALISED)
        try:
            # PreInit: Prefill (PopulateDefaultNetworkParams), then Precheck (bootstrapper.go)
            mon_ip = mon_ip or self.mon_ip(public, address)
            public_network = public or self.network_address(mon_ip)
            cluster_network = given.get('--cluster-network', '') or public_network
            self.check_cluster_network(cluster_network)
        except ValueError as error:
            raise _ExitError(1, f'Error: {error}') from None
        fsid = _uuid(_draw(self.world, 'fsid', 16))
        now = self.world.clock()
        cluster: dict[str, Any] = {
            'fsid': fsid,
            'public-network': public,
            # BootstrapCephConfigs (microceph/ceph/bootstrap.go): the mon's config database
            'config': {
                'cluster_network': cluster_network,
                'public_network': public_network,
                'rbd_default_features': '63',
            },
            'created': now,
            'cert': _draw(self.world, 'cluster-cert', 32).hex(),
            'members': {},
            'tokens': {},
            'osds': [],
            'pools': {'.mgr': {'id': 1, 'size': 3, 'applications': ['mgr']}},
            'next-pool': 2,
            'clients': {},
            'volumes': [],
            'epochs': {'mon': 1, 'osd': 1, 'fs': 1},
            # reef builds with a microcluster from before the 'core' rename (v0, 2024-07)
            'token-table': 'internal_token_records' if _reef(self.host) else 'core_token_records',
        }
        _clusters(self.world)[fsid] = cluster
        self.register(cluster, name, address, mon_ip)
        return 0

    def register(self, cluster: dict[str, Any], name: str, address: str, mon_ip: str) -> None:
        _members(cluster)[name] = {
            'machine': self.host.machine_id,
            'address': address,
            'mon-ip': mon_ip,
        }
        if len(_members(cluster)) in (2, 3):
            _bump(cluster, 'mon')
        self.host.state[SNAP] = {'cluster': cluster['fsid'], 'name': name}
        self.host.write_text(DAEMON_FILE, f'name: {name}\naddress: {address}:{_PORT}\n')

    def add(self, argv: Sequence[str]) -> int:
        reef = _reef(self.host)  # reef's cluster add has no --timeout: tokens never expire
        positional, given, _ = _parse(argv, () if reef else ('--timeout', '-t'))
        if len(positional) != 1:
            _not_emulated('microceph cluster add without exactly one name (help)')
        lifetime = 0.0 if reef else _duration(given.get('--timeout', given.get('-t', '3h')))
        _, cluster = self.local()
        table = _token_table(cluster)
        name = positional[0]
        now = self.world.clock()
        tokens = cast('dict[str, dict[str, Any]]', cluster.setdefault('tokens', {}))
        for secret in [s for s, t in tokens.items() if _expired(t, now)]:
            del tokens[secret]  # DeleteExpiredCoreTokenRecords, in the same transaction
        if any(t['name'] == name for t in tokens.values()):
            raise _ExitError(
                1,
                f'Error: Failed to create "{table}" entry: UNIQUE constraint failed: {table}.name',
            )
        secret = _draw(self.world, f'token\0{name}', 32).hex()
        tokens[secret] = {'name': name, 'expires': now + lifetime if lifetime else None}
        body = {
            'secret': secret,
            'fingerprint': hashlib.sha256(str(cluster['cert']).encode()).hexdigest(),
            'join_addresses': [f'{m["address"]}:{_PORT}' for m in _members(cluster).values()],
        }
        encoded = base64.b64encode(json.dumps(body, separators=(',', ':')).encode()).decode()
        self.out(encoded + '\n')
        return 0

    def join(self, argv: Sequence[str]) -> int:
        positional, given, _ = _parse(argv, ('--microceph-ip', '--availability-zone'))
        if len(positional) != 1:
            _not_emulated('microceph cluster join without exactly one token (help)')
        try:
            token = _mapping(json.loads(base64.b64decode(positional[0], validate=True)))
            secret = str(token['secret'])
            addresses = [str(a) for a in cast('list[object]', token['join_addresses'])]
        except (binascii.Error, ValueError, KeyError, TypeError) as error:
            raise _ExitError(1, f'Error: invalid join token: {error}') from None
        name = self.host.hostname()
        if _local(self.host, self.world) is not None:
            raise _ExitError(1, _INITIALISED)
        attempts = f'Error: {len(addresses)} join attempts were unsuccessful. Last error: '
        wanted = {a.rsplit(':', 1)[0] for a in addresses}
        cluster = next(
            (
                c
                for c in _clusters(self.world).values()
                if any(m['address'] in wanted for m in _members(c).values())
            ),
            None,
        )
        tokens = _mapping(_mapping(cluster).get('tokens'))
        record = _mapping(tokens.get(secret))
        if cluster is None or not record:
            record_type = (
                'InternalTokenRecord'
                if _token_table(_mapping(cluster)).startswith('internal')
                else 'CoreTokenRecord'
            )
            raise _ExitError(1, attempts + f'{record_type} not found')
        if _expired(record, self.world.clock()):
            raise _ExitError(1, attempts + 'Token expired')
        if record['name'] != name:
            raise _ExitError(
                1, attempts + 'Joining server certificate SAN does not contain join token name'
            )
        address = given.get('--microceph-ip') or next(iter(self.host.addresses()), '127.0.0.1')
        public = str(cluster.get('public-network', ''))
        mon_ip = self.ip_on(public) if public else address
        if len(_members(cluster)) < 3 and mon_ip is None:
            # join.go updateDbForMon: a member that is to run a mon needs an address on the
            # public network (the join is then undone: assumption, the token is not spent)
            raise _ExitError(
                1,
                f'Error: failed to record mon db entries: failed to locate ip on subnet {public}: '
                f'no local IP belongs to any of the listed subnets [{public}]',
            )
        del tokens[secret]  # DeleteCoreTokenRecord: a token joins once
        self.register(cluster, name, address, mon_ip or address)
        return 0

    def cluster_config(self, argv: Sequence[str]) -> int:
        """``cluster config list``: the Ceph configs MicroCeph manages, as a table.

        canonical/microceph ``microceph/cmd/microceph/cluster_config_list.go`` and
        ``microceph/ceph/config.go`` (``ListConfigs``) @ squid: ``ceph config dump`` filtered to
        MicroCeph's config table, rendered ``#``/``KEY``/``VALUE``. Bootstrap set
        ``cluster_network``, ``public_network`` and ``rbd_default_features`` (``63``) there
        (``BootstrapCephConfigs``); ceph.conf carries only ``public_network``
        (``configwriter_ceph.go``). Ceph dumps a section's options by name.
        """
        if list(argv) != ['list']:
            _not_emulated(f'microceph cluster config {" ".join(argv)}'.strip())
        _, cluster = self.local()
        config = cast('dict[str, str]', cluster.get('config', {}))
        rows = [[str(i), key, config[key]] for i, key in enumerate(sorted(config))]
        self.out(_table(['#', 'Key', 'Value'], rows))
        return 0

    def disk_add(self, argv: Sequence[str]) -> int:
        paths, _, flags = _parse(argv, (), ('--wipe', '--all-available'), _DISK_ADD_FLAGS)
        local, cluster = self.local()
        if '--all-available' in flags:
            if paths:
                _not_emulated('microceph disk add --all-available with paths')
            paths = [a['Path'] for a in self.available(cluster, str(local['name']))]
            if not paths:
                self.out('No available disks found on this system.\n')
                return 0
        if not paths:
            _not_emulated('microceph disk add without paths (help)')
        if any(p.startswith('loop,') for p in paths):
            _not_emulated('microceph disk add with loop specs')
        wipe = '--wipe' in flags
        rows: list[list[str]] = []
        errors: list[str] = []
        for path in paths:
            error = self.add_osd(cluster, str(local['name']), path, wipe=wipe)
            rows.append([path, 'Failure' if error else 'Success'])
            if error:
                errors.append(error)
        self.out('\n' + _table(['Path', 'Status'], sorted(rows, key=_natural)))
        if len(errors) == 1:
            raise _ExitError(1, f'Error: {errors[0]}')
        if errors:
            raise _ExitError(
                1,
                f'Error: failed adding multiple ({len(errors)}) disks, please check logs for '
                'details',
            )
        return 0

    def stable_path(self, path: str) -> str | None:
        """``setStablePath``: the ``/dev/disk/by-id`` path microceph records, None if no device.

        A whole disk becomes ``/dev/disk/by-id/<DeviceID>`` (LXD's name for it), a partition
        ``…-partN``, except that a partition given by its raw ``/dev/NAME`` is kept. A disk
        without by-id links keeps the path given (its by-path link is not modelled).
        """
        found = self.host.block_device_at(path)
        if found is None:
            return None
        disk, number = found
        device_id = self.host.disk_identity(disk).device_id
        if number and path == f'/dev/{dict(disk.partitions)[number]}':
            return path
        if not device_id:
            return path
        return f'{DISK_BY_ID}/{device_id}' + (f'-part{number}' if number else '')

    def add_osd(self, cluster: dict[str, Any], member: str, path: str, *, wipe: bool) -> str:
        """Add one OSD as ``doAddOSD`` does; the failure reason, or '' on success."""
        stable = self.stable_path(path)
        if stable is None:
            return f'failed to set stable disk path: invalid disk path: {path}'
        found = self.host.block_device_at(path)
        assert found is not None
        disk, partition = found
        osds = _osds(cluster)
        if any(o['host'] == member and o['path'] == stable for o in osds):
            return 'failed to record disk: This "disks" entry already exists'
        number = max((int(o['id']) for o in osds), default=0) + 1
        labelled = not partition and disk.name in _mapping(self.host.state.get(SIGNATURES))
        if labelled and not wipe:  # checkPristineDevice: a BlueStore label is data
            return f'data device {stable} is not pristine (contains data) - use --wipe to override'
        if disk.boot and not wipe:
            if partition:
                return (
                    f'data device {stable} is not pristine (contains data) - use --wipe to '
                    'override'
                )
            return f'data device {stable} has partitions - use --wipe to override'
        if disk.boot and partition:
            return (
                f'failed to prepare data device: device {stable} is currently mounted and '
                'cannot be used - aborting'
            )
        if disk.boot:
            return (
                f'failed to bootstrap OSD: Failed to run: ceph-osd --mkfs --no-mon-config -i '
                f'{number}: exit status 1 (bluestore(/var/lib/ceph/osd/ceph-{number}) '
                f'_open_bdev failed to open {stable}: (16) Device or resource busy)'
            )
        osds.append({'id': number, 'host': member, 'path': stable})
        # ceph-osd --mkfs writes a BlueStore label, which blkid and lsblk then report
        signatures = cast('dict[str, str]', self.host.state.setdefault(SIGNATURES, {}))
        signatures[disk.name] = 'ceph_bluestore'
        _bump(cluster, 'osd')
        # updateFailureDomain (no availability zones): from three members on, host
        if len(_members(cluster)) >= 3 and _default_rule(cluster) == _AUTO_OSD:
            _switch_failure_domain(cluster, _AUTO_OSD, _AUTO_HOST)
        return ''

    def available(self, cluster: dict[str, Any], member: str) -> list[dict[str, str]]:
        """``FilterAvailableDisks``: unpartitioned disks of 2 GiB or more not OSDs here."""
        mine = {str(o['path']) for o in _osds(cluster) if o['host'] == member}
        out: list[dict[str, str]] = []
        for disk in self.host.block_devices:
            identity = self.host.disk_identity(disk)
            path = (
                f'{DISK_BY_ID}/{identity.device_id}' if identity.device_id else f'/dev/{disk.name}'
            )  # GetDevicePath: by-id, else (by-path, not modelled) /dev/NAME
            if disk.partitions or disk.size < _MIN_OSD_SIZE or path in mine:
                continue
            kind = (
                'nvme'
                if disk.name.startswith('nvme')
                else 'virtio'
                if disk.name.startswith('vd')
                else 'scsi'
            )
            out.append({'Model': identity.model, 'Size': _iec(disk.size), 'Type': kind,
                        'Path': path})  # fmt: skip
        return out

    def disk_list(self, argv: Sequence[str]) -> int:
        _, _, flags = _parse(argv, (), ('--json', '--host-only'))
        local, cluster = self.local()
        member = str(local['name'])
        configured: list[dict[str, Any]] = [
            {'osd': int(o['id']), 'path': str(o['path']), 'location': str(o['host'])}
            for o in _osds(cluster)
            if '--host-only' not in flags or o['host'] == member
        ]
        available = self.available(cluster, member)
        if '--json' in flags:
            output = {'ConfiguredDisks': configured, 'AvailableDisks': available}
            self.out(json.dumps(output, separators=(',', ':')) + '\n')
            return 0
        if configured:
            rows = [[str(o['osd']), str(o['location']), str(o['path'])] for o in configured]
            self.out('Disks configured in MicroCeph:\n')
            self.out(_table(['OSD', 'LOCATION', 'PATH'], sorted(rows, key=_natural)))
        if available:
            rows = [[a['Model'], a['Size'], a['Type'], a['Path']] for a in available]
            self.out('\nAvailable unpartitioned disks on this system:\n')
            self.out(_table(['MODEL', 'CAPACITY', 'TYPE', 'PATH'], sorted(rows, key=_natural)))
        return 0

    def status(self, argv: Sequence[str]) -> int:
        _parse(argv, ())
        _, cluster = self.local()
        self.out('MicroCeph deployment summary:\n')
        for index, (name, member) in enumerate(_members(cluster).items()):
            disks = sum(1 for o in _osds(cluster) if o['host'] == name)
            services: list[str] = list(_MON_SERVICES) if index < 3 else []
            if disks:
                services.append('osd')
            self.out(f'- {name} ({member["address"]})\n')
            self.out(f'  Services: {", ".join(services)}\n')
            self.out(f'  Disks: {disks}\n')
        return 0

    # -- ceph -------------------------------------------------------------------------------

    def ceph(self) -> int:
        fmt = 'plain'
        words: list[str] = []
        items = list(self.invocation.args)
        while items:
            item = items.pop(0)
            if item in ('-f', '--format'):
                fmt = items.pop(0) if items else ''
            elif item.startswith('--format='):
                fmt = item.partition('=')[2]
            elif item.startswith('-') and item != '--yes-i-really-mean-it':
                _not_emulated(f'ceph option {item!r}')
            else:
                words.append(item)
        if fmt not in ('plain', 'json', 'json-pretty'):
            _not_emulated(f'ceph --format {fmt}')
        found = _local(self.host, self.world)
        if found is None:
            raise _ExitError(1, _NO_CONF)
        _, cluster = found
        self.fmt = fmt
        if words == ['status'] or words == ['-s']:
            return self.ceph_status(cluster)
        if words == ['fsid']:
            return self.emit(cluster['fsid'], {'fsid': cluster['fsid']})
        if words == ['mon', 'dump']:
            return self.mon_dump(cluster)
        if words[:3] == ['osd', 'pool', 'create'] and len(words) in (4, 5):
            return self.pool_create(cluster, words[3])
        if words[:3] == ['osd', 'pool', 'ls'] and len(words) == 3:
            names = list(_pools(cluster))
            return self.emit('\n'.join(names), names)
        if words[:4] == ['osd', 'pool', 'application', 'enable'] and len(words) in (6, 7):
            return self.application_enable(cluster, words[4], words[5], '--yes-i-really-mean-it'
                                           in words)  # fmt: skip
        if words[:3] == ['osd', 'pool', 'set'] and len(words) == 6 and words[4] == 'size':
            return self.pool_set_size(cluster, words[3], words[5])
        if words[:3] == ['osd', 'pool', 'get'] and len(words) == 5 and words[4] == 'crush_rule':
            rule = str(self.pool(cluster, words[3]).get('crush-rule', _AUTO_OSD))
            number = self.pool(cluster, words[3])['id']
            data = {'pool': words[3], 'pool_id': number, 'crush_rule': rule}
            return self.emit(f'crush_rule: {rule}', data)
        if words[:3] == ['osd', 'pool', 'set'] and len(words) == 6 and words[4] == 'crush_rule':
            return self.pool_set_rule(cluster, words[3], words[5])
        if words[:3] == ['osd', 'crush', 'add-bucket'] and len(words) == 5:
            return self.add_bucket(cluster, words[3], words[4])
        if words[:3] == ['osd', 'crush', 'move'] and len(words) == 5 and '=' in words[4]:
            return self.crush_move(cluster, words[3], words[4])
        if words[:4] == ['osd', 'crush', 'rule', 'create-replicated'] and len(words) == 7:
            return self.rule_create(cluster, words[4], words[5], words[6])
        if words == ['osd', 'crush', 'rule', 'ls']:
            names = [n for n, _ in sorted(_rules(cluster).items(), key=lambda r: r[1]['id'])]
            return self.emit('\n'.join(names), names)
        if words == ['osd', 'tree']:
            return self.osd_tree(cluster)
        if words[:2] == ['auth', 'get-or-create'] and len(words) >= 3 and len(words) % 2 == 1:
            return self.get_or_create(cluster, words[2], words[3:])
        if words[:2] == ['auth', 'caps'] and len(words) >= 5 and len(words) % 2 == 1:
            return self.auth_caps(cluster, words[2], words[3:])
        if words[:3] == ['fs', 'volume', 'create'] and len(words) == 4:
            return self.volume_create(cluster, words[3])
        if words == ['fs', 'ls']:
            return self.fs_ls(cluster)
        _not_emulated(f'ceph {" ".join(words)}')

    def emit(self, plain: str, data: object) -> int:
        if self.fmt == 'json':
            self.out(json.dumps(data, separators=(',', ':')) + '\n')
        elif self.fmt == 'json-pretty':
            self.out(json.dumps(data, indent=4) + '\n')
        elif plain:
            self.out(plain + '\n')
        return 0

    def ceph_status(self, cluster: dict[str, Any]) -> int:
        if self.fmt == 'plain':
            _not_emulated('ceph status without -f json')
        mons = _mons(cluster)
        osds = _osds(cluster)
        pools = _pools(cluster)
        created = float(cluster['created'])
        now = self.world.clock()
        checks: dict[str, Any] = {}
        if len(osds) < 3:
            checks['TOO_FEW_OSDS'] = _check(f'OSD count {len(osds)} < osd_pool_default_size 3', 0)
        bare = [n for n, p in pools.items() if not p['applications']]
        if bare:
            checks['POOL_APP_NOT_ENABLED'] = _check(
                f'{len(bare)} pool(s) do not have an application enabled', len(bare)
            )
        volumes = cast('list[str]', cluster.get('volumes', []))
        data: dict[str, Any] = {
            'fsid': cluster['fsid'],
            'health': {
                'status': 'HEALTH_WARN' if checks else 'HEALTH_OK',
                'checks': checks,
                'mutes': [],
            },
            'election_epoch': 2 * len(mons) + 1,
            'quorum': list(range(len(mons))),
            'quorum_names': [name for name, _ in mons],
            'quorum_age': max(0, int(now - created)),
            'monmap': {
                'epoch': _epoch(cluster, 'mon'),
                'min_mon_release_name': 'squid',
                'num_mons': len(mons),
            },
            'osdmap': {
                'epoch': _epoch(cluster, 'osd'),
                'num_osds': len(osds),
                'num_up_osds': len(osds),
                'osd_up_since': int(created),
                'num_in_osds': len(osds),
                'osd_in_since': int(created),
                'num_remapped_pgs': 0,
            },
            'pgmap': {
                'pgs_by_state': [{'state_name': 'active+clean', 'count': len(pools)}]
                if pools and osds
                else [],
                'num_pgs': len(pools) if osds else 0,
                'num_pools': len(pools),
                'num_objects': 0,
                'data_bytes': 0,
                'bytes_used': 0,
                'bytes_avail': 0,
                'bytes_total': 0,
            },
            'fsmap': {
                'epoch': _epoch(cluster, 'fs'),
                'btime': _stamp(created),
                'id': len(volumes),
                'up': len(volumes),
                'in': len(volumes),
                'max': len(volumes),
                'by_rank': [
                    {
                        'filesystem_id': i + 1,
                        'rank': 0,
                        'name': mons[i % len(mons)][0],
                        'status': 'up:active',
                        'gid': 4000 + i,
                    }
                    for i in range(len(volumes))
                ],
                'up:standby': max(0, len(mons) - len(volumes)),
            },
            'mgrmap': {
                'available': True,
                'num_standbys': max(0, len(mons) - 1),
                'modules': ['iostat', 'nfs', 'restful'],
                'services': {},
            },
            'servicemap': {'epoch': 1, 'modified': _stamp(created), 'services': {}},
            'progress_events': {},
        }
        return self.emit('', data)

    def mon_dump(self, cluster: dict[str, Any]) -> int:
        if self.fmt == 'plain':
            _not_emulated('ceph mon dump without -f json')
        mons = _mons(cluster)
        epoch = _epoch(cluster, 'mon')
        created = _stamp(float(cluster['created']))
        data = {
            'epoch': epoch,
            'fsid': cluster['fsid'],
            'modified': created,
            'created': created,
            'min_mon_release': 19,
            'min_mon_release_name': 'squid',
            'election_strategy': 1,
            'disallowed_leaders': '',
            'stretch_mode': False,
            'tiebreaker_mon': '',
            'removed_ranks': '',
            'features': {
                'persistent': [
                    'kraken', 'luminous', 'mimic', 'osdmap-prune', 'nautilus', 'octopus',
                    'pacific', 'elector-pinging', 'quincy', 'reef', 'squid',
                ],
                'optional': [],
            },
            'mons': [
                {
                    'rank': rank,
                    'name': name,
                    'public_addrs': {
                        'addrvec': [
                            {'type': 'v2', 'addr': f'{ip}:3300', 'nonce': 0},
                            {'type': 'v1', 'addr': f'{ip}:6789', 'nonce': 0},
                        ]
                    },
                    'addr': f'{ip}:6789/0',
                    'public_addr': f'{ip}:6789/0',
                    'priority': 0,
                    'weight': 0,
                    'crush_location': '{}',
                }
                for rank, (name, ip) in enumerate(mons)
            ],
            'quorum': list(range(len(mons))),
        }  # fmt: skip
        self.err(f'dumped monmap epoch {epoch}\n')
        return self.emit('', data)

    def pool(self, cluster: dict[str, Any], name: str) -> dict[str, Any]:
        pool = _pools(cluster).get(name)
        if pool is None:
            raise _ExitError(_ENOENT, f"Error ENOENT: unrecognized pool '{name}'")
        return pool

    def make_pool(self, cluster: dict[str, Any], name: str, applications: list[str]) -> bool:
        pools = _pools(cluster)
        if name in pools:
            return False
        number = int(cluster.get('next-pool', 2))
        cluster['next-pool'] = number + 1
        pools[name] = {
            'id': number,
            'size': 3,
            'applications': applications,
            'crush-rule': _default_rule(cluster),
        }
        _bump(cluster, 'osd')
        return True

    def pool_create(self, cluster: dict[str, Any], name: str) -> int:
        made = self.make_pool(cluster, name, [])
        self.err(f"pool '{name}' {'created' if made else 'already exists'}\n")
        return 0

    def application_enable(
        self, cluster: dict[str, Any], name: str, app: str, really: bool
    ) -> int:
        pool = self.pool(cluster, name)
        apps = cast('list[str]', pool['applications'])
        if app not in apps:
            if apps and not really:
                raise _ExitError(
                    _EPERM,
                    f"Error EPERM: Are you SURE? Pool '{name}' already has an enabled "
                    'application; pass --yes-i-really-mean-it to proceed anyway',
                )
            apps.append(app)
        self.err(f"enabled application '{app}' on pool '{name}'\n")
        return 0

    def pool_set_size(self, cluster: dict[str, Any], name: str, value: str) -> int:
        pool = self.pool(cluster, name)
        if not value.isdigit() or not 1 <= int(value) <= 10:
            raise _ExitError(_EINVAL, 'Error EINVAL: pool size must be between 1 and 10')
        if value == '1':
            # OSDMonitor check_size_one: mon_allow_pool_size_one is false unless `microceph
            # pool set-rf --size 1` turned it on (SetReplicationFactor), which is not emulated
            raise _ExitError(
                _EPERM, 'Error EPERM: configuring pool size as 1 is disabled by default.'
            )
        pool['size'] = int(value)
        self.err(f'set pool {pool["id"]} size to {value}\n')
        return 0

    def pool_set_rule(self, cluster: dict[str, Any], name: str, rule: str) -> int:
        pool = self.pool(cluster, name)
        if rule not in _rules(cluster):
            raise _ExitError(_ENOENT, f'Error ENOENT: crush rule {rule} does not exist')
        if pool.get('crush-rule', _AUTO_OSD) != rule:
            pool['crush-rule'] = rule
            _bump(cluster, 'osd')
        self.err(f'set pool {pool["id"]} crush_rule to {rule}\n')
        return 0

    @staticmethod
    def crush_type(kind: str) -> None:
        if kind not in _CRUSH_TYPES:
            raise _ExitError(_EINVAL, f"Error EINVAL: type '{kind}' does not exist")

    def add_bucket(self, cluster: dict[str, Any], name: str, kind: str) -> int:
        self.crush_type(kind)
        buckets = _buckets(cluster)
        if name in buckets:
            self.err(f"bucket '{name}' already exists\n")
            return 0
        if kind == 'osd':
            _not_emulated('ceph osd crush add-bucket NAME osd')
        _new_bucket(buckets, name, kind, None)
        _bump(cluster, 'osd')
        self.err(f'added bucket {name} type {kind} to crush map\n')
        return 0

    def crush_move(self, cluster: dict[str, Any], name: str, location: str) -> int:
        kind, _, parent = location.partition('=')
        self.crush_type(kind)
        buckets = _buckets(cluster)
        bucket = buckets.get(name)
        if bucket is None:
            if re.fullmatch(r'osd\.\d+', name):
                _not_emulated('ceph osd crush move osd.N')
            raise _ExitError(_ENOENT, f'Error ENOENT: item {name} does not exist')
        where = f"item id {bucket['id']} name '{name}' to location {{{location}}} in crush map"
        target = buckets.get(parent)
        if target is not None and target['type'] != kind:
            raise _ExitError(
                _EINVAL, f"Error EINVAL: bucket '{parent}' is a {target['type']}, not a {kind}"
            )
        if bucket['parent'] == parent:
            self.err(f'no need to move {where}\n')
            return 0
        if target is None:
            _new_bucket(buckets, parent, kind, None)
        ancestor: str | None = parent
        while ancestor is not None:  # no bucket goes under itself
            if ancestor == name:
                raise _ExitError(_EINVAL, f'Error EINVAL: cannot move {name} under {parent}')
            ancestor = cast('str | None', buckets[ancestor]['parent'])
        bucket['parent'] = parent
        _bump(cluster, 'osd')
        self.err(f'moved {where}\n')
        return 0

    def rule_create(self, cluster: dict[str, Any], name: str, root: str, kind: str) -> int:
        rules = _rules(cluster)
        if name in rules:
            return 0
        buckets = _buckets(cluster)
        if root not in buckets:
            raise _ExitError(_ENOENT, f'Error ENOENT: root item {root} does not exist')
        self.crush_type(kind)
        number = max(int(r['id']) for r in rules.values()) + 1
        rules[name] = {'id': number, 'root': root, 'type': kind}
        _bump(cluster, 'osd')
        return 0

    def osd_tree(self, cluster: dict[str, Any]) -> int:
        if self.fmt == 'plain':
            _not_emulated('ceph osd tree without -f json')
        buckets = _buckets(cluster)
        children: dict[str | None, list[str]] = {}
        for name, bucket in buckets.items():
            children.setdefault(cast('str | None', bucket['parent']), []).append(name)
        osds: dict[str, list[int]] = {}
        for osd in _osds(cluster):
            osds.setdefault(str(osd['host']), []).append(int(osd['id']))
        nodes: list[dict[str, Any]] = []

        def visit(name: str, depth: int) -> None:
            bucket = buckets[name]
            below = sorted(children.get(name, []), key=lambda n: -buckets[n]['id'])
            ids = [int(buckets[n]['id']) for n in below] + sorted(osds.get(name, []))
            nodes.append({
                'id': bucket['id'], 'name': name, 'type': bucket['type'],
                'type_id': _CRUSH_TYPES.index(bucket['type']),
                'children': sorted(ids, reverse=True),
            })  # fmt: skip
            for child in below:
                visit(child, depth + 1)
            nodes.extend(
                {
                    'id': number, 'device_class': 'hdd', 'name': f'osd.{number}',
                    'type': 'osd', 'type_id': 0, 'crush_weight': 1.0, 'depth': depth + 1,
                    'pool_weights': {}, 'exists': 1, 'status': 'up', 'reweight': 1,
                    'primary_affinity': 1,
                }
                for number in sorted(osds.get(name, []), reverse=True)
            )  # fmt: skip

        for top in sorted(children.get(None, []), key=lambda n: buckets[n]['id'], reverse=True):
            visit(top, 0)
        return self.emit('', {'nodes': nodes, 'stray': []})

    def get_or_create(self, cluster: dict[str, Any], entity: str, pairs: Sequence[str]) -> int:
        caps = {pairs[i]: pairs[i + 1] for i in range(0, len(pairs), 2)}
        clients = cast('dict[str, dict[str, Any]]', cluster.setdefault('clients', {}))
        client = clients.get(entity)
        if client is None:
            client = {'key': _cephx_key(self.world, entity), 'caps': caps}
            clients[entity] = client
        else:
            stored = cast('dict[str, str]', client['caps'])
            for service, value in caps.items():
                if stored.get(service) != value:
                    raise _ExitError(
                        _EINVAL,
                        f'Error EINVAL: key for {entity} exists but cap {service} does not match',
                    )
        stored = cast('dict[str, str]', client['caps'])
        key = str(client['key'])
        keyring = f'[{entity}]\n\tkey = {key}\n' + ''.join(
            f'\tcaps {s} = "{c}"\n' for s, c in stored.items()
        )
        if self.fmt == 'plain':
            self.out(keyring)
            return 0
        return self.emit('', [{'entity': entity, 'key': key, 'caps': dict(stored)}])

    def auth_caps(self, cluster: dict[str, Any], entity: str, pairs: Sequence[str]) -> int:
        """``auth caps``: replace every cap of an existing entity (AuthMonitor.cc)."""
        clients = cast('dict[str, dict[str, Any]]', cluster.setdefault('clients', {}))
        client = clients.get(entity)
        if client is None:
            raise _ExitError(_ENOENT, f"Error ENOENT: couldn't find entry {entity}")
        client['caps'] = {pairs[i]: pairs[i + 1] for i in range(0, len(pairs), 2)}
        self.err(f'updated caps for {entity}\n')
        return 0

    def volume_create(self, cluster: dict[str, Any], name: str) -> int:
        volumes = cast('list[str]', cluster.setdefault('volumes', []))
        if name in volumes:
            self.err(f"volume '{name}' already exists\n")
            return 0
        self.make_pool(cluster, f'cephfs.{name}.meta', ['cephfs'])
        self.make_pool(cluster, f'cephfs.{name}.data', ['cephfs'])
        volumes.append(name)
        _bump(cluster, 'fs')
        return 0

    def fs_ls(self, cluster: dict[str, Any]) -> int:
        pools = _pools(cluster)
        data = [
            {
                'name': name,
                'metadata_pool': f'cephfs.{name}.meta',
                'metadata_pool_id': pools[f'cephfs.{name}.meta']['id'],
                'data_pool_ids': [pools[f'cephfs.{name}.data']['id']],
                'data_pools': [f'cephfs.{name}.data'],
            }
            for name in cast('list[str]', cluster.get('volumes', []))
        ]
        plain = '\n'.join(
            f'name: {d["name"]}, metadata pool: {d["metadata_pool"]}, data pools: '
            f'[{" ".join(d["data_pools"])} ]'
            for d in data
        )
        return self.emit(plain or 'No filesystems enabled', data)


def _check(message: str, count: int) -> dict[str, Any]:
    return {
        'severity': 'HEALTH_WARN',
        'summary': {'message': message, 'count': count},
        'muted': False,
    }


def _run(invocation: Invocation, main: str) -> Completed:
    if not _installed(invocation.host):
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    run = _Run(invocation)
    try:
        code = run.microceph() if main == 'microceph' else run.ceph()
    except _ExitError as exit_:
        code = exit_.code
        run.stderr.append(exit_.message + '\n')
    return run.completed(code)


def handle(invocation: Invocation) -> Completed:
    """Run ``microceph`` on the invocation's machine: only where the microceph snap is."""
    return _run(invocation, 'microceph')


def handle_ceph(invocation: Invocation) -> Completed:
    """Run ``microceph.ceph`` on the invocation's machine; a bare ``ceph`` is not there.

    The snap declares no auto-alias: ``ceph`` exists only after ``snap alias microceph.ceph
    ceph`` (upstream's own tests run it, ``tests/scripts/actionutils.sh``; canonical/
    charm-microceph runs it on install), and ``snap alias`` is not emulated, so ``ceph`` fails
    as a missing program does.
    """
    if invocation.program == 'ceph':
        return invocation.result('', 'ceph: No such file or directory', NOT_FOUND)
    return _run(invocation, 'ceph')

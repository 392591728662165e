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

from ._ceph import handle_ceph
from ._cluster import handle
from ._state import COMMON, DAEMON_FILE, SNAP

__all__ = ['COMMON', 'DAEMON_FILE', 'SNAP', 'handle', 'handle_ceph']

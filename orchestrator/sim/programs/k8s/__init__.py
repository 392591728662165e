"""``k8s``: Canonical Kubernetes' command line on simulated machines (a simulation, not k8s-snap).

The ``k8s`` program exists on a simulated machine only while the ``k8s`` snap is installed there;
otherwise running it fails as a shell does, ``k8s: No such file or directory`` with exit status
127. No Kubernetes runs: the emulation keeps what k8sd and the API server would know (cluster
membership, join tokens, Node objects, applied objects) in ``World.namespace('k8s')`` so that
facts hold across machines, and prints what the real commands print (canonical/k8s-snap,
``src/k8s/cmd/k8s/*.go`` of the 1.32 series, quoted verbatim where marked *real*).

Shared facts, ``World.namespace('k8s')``::

    {'serial': N,                                  # draws so far (deterministic values)
     'clusters': {CLUSTER_ID: {
         'ca': PEM, 'admin-token': TOKEN, 'created': T, 'pod-cidr', 'service-cidr',
         'cluster-domain', 'dns-service-ip', 'datastore-type', 'extra-sans': [..],
         'control-plane-taints': [..],
         'nodes': {NAME: {'machine', 'address' (IP), 'role' ('control-plane'|'worker'),
                          'labels': {..}, 'taints': [{'key','value','effect'}], 'created',
                          'sans': [..] (control planes: the API server certificate's SANs),
                          'certificates-expire': T (control planes, after refresh-certs)}},
         'tokens': {SECRET: {'name', 'role', 'state' ('unused'|'used'), 'expires': T}},
         'objects': {'GROUP/KIND/NAMESPACE/NAME': {'object', 'uid', 'created', 'version'}}}}}

and on each machine ``state['k8s']`` (``cluster``, ``name``, ``role``) which counts only while
microcluster's ``$SNAP_COMMON/var/lib/k8sd/state/daemon.yaml`` exists (it goes with the snap, so
a reinstalled snap starts fresh, as the real one does); a worker also has k8s-snap's worker lock
file ``$SNAP_COMMON/lock/worker`` (``snaputil.IsWorker``). Generated values (cluster id, the CA,
tokens, uids) are SHAKE-256 digests of their purpose and a counter kept in the namespace, so a
World replays identically. Credentials (tokens, the admin token) are printed only by
``get-join-token`` and ``config``, whose job it is.

Commands (stdout / stderr / exit status):

Releases: the machine's k8s snap version picks the behaviour. k8s-snap 1.32-1.35 (branches
release-1.32 .. release-1.35, k8s-snap-api v1.1.1/v1.2.1, microcluster v2) and 1.36
(canonical/k8sd, k8s-snap-api v2.1.1, microcluster v3) differ in the datastores (1.36 has no
k8s-dqlite) and the config types (package ``apiv1`` → ``api``; no ``k8s-dqlite-port`` or
``extra-node-k8s-dqlite-args`` in 1.36). The full list of behaviours, each with its upstream
source and its test, is ``orchestrator/sim/conformance/k8s.md``.

- ``bootstrap --file PATH --name NODE --address ADDR [--output-format F] [--timeout D]``
  (``k8s_bootstrap.go``): stderr ``Bootstrapping the cluster. This may take a few seconds,
  please wait.``; stdout (real ``BootstrapResult.String`` plus the plain formatter's newline)
  ``Bootstrapped a new Kubernetes cluster with node address "ADDR:6400".`` / ``The node will be
  'Ready' to host workloads after the CNI is deployed successfully.`` / empty line. The file is
  read with yaml.v2 ``UnmarshalStrict`` into ``BootstrapConfig``, so an unknown key fails
  (real): ``Error: Failed to read bootstrap configuration from "PATH".`` / empty line / ``The
  error was: failed to parse YAML config file: yaml: unmarshal errors:`` / ``  line N: field K
  not found in type T``, exit 1 (T is the anonymous struct api/v1's ``UnmarshalYAML`` decodes
  into, or ``api.BootstrapConfig`` from 1.36; type errors: ``cannot unmarshal !!str `x` into
  bool`` and the like). A missing file: ``... failed to read file: open PATH: no such file or
  directory``. Then the CLI's ``verifyBootstrapConfig`` (``validate.go``): the datastore
  (``""`` is etcd; ``k8s-dqlite`` only before 1.36, which says ``unknown datastore type
  specified in bootstrap config "k8s-dqlite"``), the CIDRs and their overlap; a failure prints
  ``Bootstrap config verification failed: REASON`` with no newline, exit 1. ``k8s-dqlite``
  before 1.36 prints its deprecation warning first. Already in a cluster (real): ``Error: The
  node is already part of a cluster``, exit 1. A control plane starts containerd,
  kube-apiserver, kube-controller-manager, kube-proxy, kube-scheduler, kubelet and its
  datastore's service (``etcd`` or ``k8s-dqlite``); k8s-dqlite's data directory
  :data:`DQLITE_DIR` is written (what 1.36's post-refresh hook refuses).
- ``get-join-token NODE [--worker] [--expires-in D]`` (``k8s_get_join_token.go``): the token,
  one line. Tokens are base64 JSON as k8sd/microcluster make them: control plane microcluster's
  ``{"secret","fingerprint","join_addresses"}`` (StdEncoding; the name stays in the token
  record), worker k8sd's ``{"token":"worker::HEX","secret","join_addresses","fingerprint",
  "_":"m!!"}`` (RawStdEncoding; k8sd tells them apart by decoding the worker shape,
  ``postClusterJoin``). They expire after
  ``--expires-in`` (24 h) of the World clock. Worker tokens are k8sd's
  ``GetOrCreateWorkerNodeToken``, which inserts a new token every time (earlier ones stay
  valid). On a worker: ``Error: Could not generate a join token for "NODE".`` / ... /
  ``The error was: failed to POST /k8sd/cluster/tokens: this action is restricted on workers``.
- ``join-cluster TOKEN --name NODE --address ADDR [--file PATH]`` (``k8s_join_cluster.go``):
  the join config is read strictly (``ControlPlaneJoinConfig`` or ``WorkerJoinConfig`` by the
  token's shape; ``Join cluster config verification failed: failed to unmarshal control plane
  join config: yaml: ...``, no newline, exit 1); stderr ``Joining the cluster. This may take a
  few seconds, please wait.``; stdout (real) ``Cluster services have started on "NODE".`` /
  ``Please allow some time for initial Kubernetes node registration.`` / empty line. Already in
  a cluster (real): ``Error: The node is already part of a cluster``, exit 1. A refused token
  fails with ``Error: Failed to join the cluster using the provided token.`` / empty line /
  ``The error was: failed to POST /k8sd/cluster/join: failed to join k8sd cluster as control
  plane|worker: REASON``, exit 1. REASON for a control plane is microcluster's ``clusterPost``
  (``N join attempts were unsuccessful. Last error:`` then ``CoreTokenRecord not found`` for an
  unknown or spent token, ``Token expired``, ``Joining server certificate SAN does not contain
  join token name``), for a worker k8sd's 401 ``invalid token``; ``dial tcp ADDR: connect:
  connection refused`` when no control plane of the token's cluster answers.
- ``remove-node NODE [--force]`` (``k8s_remove_node.go``, k8sd ``postClusterRemove``): stderr
  ``Removing "NODE" from the Kubernetes cluster. This may take a few seconds, please wait.``;
  stdout ``Removed NODE from cluster.`` and an empty line; an unknown node is "removed" too
  (NotFound is ignored). A control plane whose k8sd does not answer (its machine released, its
  snap or k8sd gone) is refused without ``--force``: ``... failed to delete node from
  microcluster: failed to delete cluster member NODE: Post "https://ADDR:6400/core/internal/
  hooks/pre-remove?target=NODE": dial tcp ADDR:6400: connect: connection refused`` (or ``no
  route to host``), exit 1. A removed control plane that answers is reset by microcluster (its
  daemon state goes, services stop); a removed worker's own k8sd still believes it is joined,
  as on a real machine. No token is revoked.
- ``status [--output-format json|yaml|plain] [--wait-ready] [--timeout D]`` (``k8s_status.go``):
  the JSON is ``apiv1.ClusterStatus`` with ``config`` emptied, as Go's encoder writes it (one
  line)::

      {"ready":true,"members":[{"name":"node-0","address":"10.0.0.10:6400",
        "cluster-role":"control-plane","datastore-role":"voter"}],
       "config":{"network":{},"dns":{},"ingress":{},"load-balancer":{},"local-storage":{},
                 "gateway":{},"metrics-server":{}},
       "datastore":{"type":"etcd"}}

  ``members`` are microcluster's members, i.e. control-plane nodes only (workers are not
  microcluster members; ``impl.GetClusterMembers`` sets ``ClusterRole: control-plane`` for each);
  the first three are ``voter``, the next three ``stand-by``, the rest ``spare``, as dqlite
  assigns roles. Not in a cluster (real): ``Error: The node is not part of a Kubernetes cluster.
  You can bootstrap a new cluster with:`` / empty line / ``  sudo k8s bootstrap``, exit 1. On a
  worker: ``Error: Failed to retrieve the cluster status.`` / ... / ``The error was: failed after
  potential retry: wait check failed: failed to GET /k8sd/cluster: this action is restricted on
  workers`` (as real k8s logs show it), exit 1.
- ``local-node-status [--output-format ...]`` (``k8s_local_node_status.go``, hidden): the
  ``NodeStatus`` JSON: a control plane ``{"name":"node-0","address":"10.0.0.10:6400",
  "cluster-role":"control-plane","datastore-role":"voter"}``, a worker ``{"name":"node-3",
  "address":"10.0.0.13","cluster-role":"worker"}`` (``impl.GetLocalNodeStatus``: the worker
  branch gives the address without port). Whether the node is in a cluster is the exit status
  (0; not in a cluster: the ``not part of a Kubernetes cluster`` error above, exit 1); its role
  is ``cluster-role``.
- ``config [--server URL]`` (``k8s_config.go``): the admin kubeconfig (k8sd's template: cluster
  ``k8s``, user ``k8s-user`` with a token, context ``k8s``), then ``Println``'s newline. The
  server defaults to ``https://ADDR:6443``.
- ``refresh-certs --expires-in TTL [--extra-sans SAN ...] [--timeout D]``
  (``k8s_refresh_certs.go`` in the form before ``--certificates``/``--external-certificates``;
  k8sd ``certificates_refresh.go``): node-local. On a control plane k8sd re-issues that node's
  certificates with its address and exactly the given extra SANs (``refreshCertsRunControlPlane``
  uses only ``req.ExtraSANs``: neither the bootstrap ``extra-sans`` nor earlier ones are kept),
  so the node's ``sans`` become ``[ADDR, *SANs]`` and ``certificates-expire`` the expiry.
  ``--extra-sans`` is a cobra ``StringArray``: it repeats, one SAN each; a comma is part of the
  SAN. stdout (real) ``Waiting for certificates to be created...`` / ``Certificates have been
  successfully refreshed, and will expire at 2043-11-14 22:13:20 +0000 UTC.`` (Go's
  ``time.Time`` format on a UTC machine; the expiry is ``utils.SecondsToExpirationDate`` of the
  World clock and ``utils.TTLToSeconds`` of TTL: ``5y``, ``6mo``, ``7d`` (30 days count as a
  month, 365 as a year) or an integer and ``s``/``m``/``h``). A TTL that does not parse prints
  (real) ``Error: Failed to parse TTL. `` / empty line / ``The error was: invalid TTL format:
  strconv.Atoi: parsing "X": invalid syntax`` (or ``invalid TTL length: X``, ``invalid TTL
  unit: U``) on stderr and goes on with 0 seconds, exit 0: the 1.32 command does not exit there
  (1.33 and later exit 1). Without ``--expires-in``: cobra's ``Error: required flag(s)
  "expires-in" not set``, exit 1 (1.33-1.35: an empty TTL; 1.36: its own PreRun text).
  Not in a cluster: the ``not part of a Kubernetes cluster`` error above (the text later
  releases print after their ``NodeStatus`` check), exit 1. SANs show in no other output
  (``status``, ``local-node-status`` and ``kubectl get nodes`` carry none). On a worker the real
  command files CertificateSigningRequests and waits for someone to approve them: not emulated.
- Certificate SANs at bootstrap and join: a node's ``sans`` are ``[ADDR, *extra-sans]`` of the
  BootstrapConfig, and for a joining control plane of its ``join-cluster --file`` config
  (``extra-sans`` of ``apiv1.ControlPlaneJoinConfig``; k8sd's join hook uses only
  ``joinConfig.ExtraSANS``, not the bootstrap ones). k8sd also puts the host name, the
  kubernetes service IP and the machine's addresses in; those are not kept.
- ``kubectl ...`` (``k8s_kubectl.go`` runs kubectl with ``/etc/kubernetes/admin.conf``): on a
  worker ``Error: k8s kubectl commands are not allowed on worker nodes.`` (exit 1). kubectl's
  own texts:
  ``get nodes|node NAME|RESOURCE [NAME] [-n NS|-A] -o json`` (indented by 4, keys sorted, a
  ``List`` for lists), ``apply -f PATH`` (``KIND.GROUP/NAME created|configured|unchanged``;
  objects get kubectl's ``last-applied-configuration`` annotation; a missing namespace fails
  ``Error from server (NotFound): error when creating "PATH": namespaces "NS" not found``),
  ``delete -f PATH`` / ``delete RESOURCE NAME`` (``KIND.GROUP "NAME" deleted``), ``label node
  NODE k=v|k- ... [--overwrite]`` (``node/NODE labeled|unlabeled|not labeled``; ``error: 'k'
  already has a value (v), and --overwrite is false``) and ``taint node NODE k=v:Effect|k:Effect-
  |k- ... [--overwrite]`` (``node/NODE tainted|untainted|modified`` — kubectl says
  ``modified`` when ``--overwrite`` is given; ``error: Node NODE already has k taint(s) with same
  effect(s) and --overwrite is false``; ``error: taint "k:Effect" not found``). Missing objects:
  ``Error from server (NotFound): nodes "x" not found``, exit 1.

Nodes are Kubernetes ``Node`` objects built from membership: labels ``beta.kubernetes.io/arch``,
``beta.kubernetes.io/os``, ``kubernetes.io/arch``, ``kubernetes.io/hostname``,
``kubernetes.io/os`` (kubelet's), ``node-role.kubernetes.io/control-plane`` or ``.../worker``
and ``k8sd.io/role`` (k8s-snap's), plus kubelet's ``--node-labels`` from
``extra-node-kubelet-args`` (merged with the others; the real kubelet flag would replace
k8s-snap's own label list) and ``kubectl label``; ``spec.taints`` from ``control-plane-taints``
(control planes) or ``--register-with-taints`` (which replaces them, as the extra kubelet
argument does) and ``kubectl taint``; ``Ready`` is ``True`` and ``status.nodeInfo.kubeletVersion``
is the version of the k8s snap installed on that machine now.

Anything else (``enable``, ``set``, ``kubectl`` verbs and output formats not listed, interactive
bootstrap, ``--file -``, ``refresh-certs`` on a worker) raises
:class:`~orchestrator.sim.SimError` saying it is not emulated.
"""

# pyright: strict

from ._certs import admin_client
from ._cli import handle
from ._cluster import NODE_STATUS_REPORT_FREQUENCY
from ._machine import COMMON, DAEMON_FILE, DQLITE_DIR, WORKER_LOCK
from ._tokens import worker_token

__all__ = [
    'COMMON',
    'DAEMON_FILE',
    'DQLITE_DIR',
    'NODE_STATUS_REPORT_FREQUENCY',
    'WORKER_LOCK',
    'admin_client',
    'handle',
    'worker_token',
]

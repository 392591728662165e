"""What ``k8s join-cluster`` and ``k8s bootstrap`` mean when they refuse: read in one place.

Both Kubernetes charms join machines to a cluster (the control plane its peers, the worker
itself) and must tell two refusals apart from every other failure:

- **The machine is in a cluster already.** The CLI checks first and prints ``Error: The node is
  already part of a cluster`` (bootstrap: ``already bootstrapped``); k8sd's own check answers
  ``node "NAME" is part of the cluster`` (``NodeInUse``, canonical/k8s-snap
  ``src/k8s/pkg/k8sd/api/cluster_join.go`` @ release-1.32). The previous hook may have joined
  and then failed before saying so: as good as joined (k8s-operator does the same, PR #754).
- **The token itself was refused**, when only a new token helps. k8s prefixes every join
  failure with "Failed to join the cluster using the provided token", so that line alone proves
  nothing. A control-plane token is checked by microcluster's ``clusterPost``
  (canonical/microcluster ``internal/rest/resources/cluster.go`` and
  ``cluster/token_records.mapper.go``, branches v2 and v3, i.e. k8s-snap 1.32 to 1.36): an
  unknown or spent one (the record is deleted once used) is ``CoreTokenRecord not found``, an
  expired one ``Token expired``, one minted for another name ``Joining server certificate SAN
  does not contain join token name``. A token that is not base64 fails microcluster's
  ``DecodeToken`` (``control.go``) with Go's ``illegal base64 data at input byte N``: k8sd
  hands any token not in its worker form to microcluster (``postClusterJoin``), a corrupted
  worker token included. A worker token is k8sd's: 401 ``invalid token`` for an unknown, used,
  expired or another node's token (``database.CheckWorkerNodeToken``,
  ``api/worker_access_handler.go``). Older CLIs (``k8s_join_cluster.go`` with
  ``errors.Transform``) printed ``The provided join token is not valid`` for
  ``ErrInvalidJoinToken``.
"""

# pyright: strict

from __future__ import annotations

import re

__all__ = ['K8S_ALREADY_IN_CLUSTER', 'K8S_TOKEN_REFUSED']

K8S_ALREADY_IN_CLUSTER = re.compile(
    r'already (part of a cluster|bootstrapped|in (the|a) cluster)|is part of the cluster',
    re.IGNORECASE,
)
"""``k8s join-cluster``/``bootstrap`` output meaning the machine is in a cluster already."""

K8S_TOKEN_REFUSED = re.compile(
    r'CoreTokenRecord not found|Token expired|does not contain join token name'
    r'|invalid token|illegal base64 data|provided join token is not valid'
)
"""``k8s join-cluster`` output meaning the join token itself was refused."""

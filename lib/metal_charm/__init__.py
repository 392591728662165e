"""What the charms share beyond their relation interfaces: one implementation of each protocol.

Six charms run a workload from a snap, four hand work out among their own units, and all of
them reconcile and report status the same way; before this package each kept its own copy, and
the copies had drifted (two serial rules for join tokens, two dialects of the snap channel
rule, four status patterns). Here, one each:

- :class:`Channel`: snapd's channel grammar; :class:`Snap`: install, refresh and hold through
  :mod:`metal_host`, with one :class:`SnapError`.
- :class:`Member` and :class:`JoinTokens`: a leader admitting units into the cluster it runs
  (k8sd, MicroCeph) with one-unit join tokens in Juju secrets, and the one serial rule
  (:func:`next_serial`).
- :class:`TurnReport` and :func:`next_turn`: one unit at a time (an upgrade, ``maas init``).
- :class:`Reconciler`: one idempotent reconcile per hook, raised statuses
  (:class:`BlockedError`, :class:`WaitingError`, :class:`MaintenanceError`) and collect-status.
- :mod:`metal_charm.bindings`: an endpoint's bind and ingress addresses and subnet;
  :class:`KubeVersion`: the Kubernetes charms' releases and skew policy.

Charms get this package next to ``metal_host`` and ``metal_interfaces`` in their ``lib/``
(``tools/pack.py``).
"""

# pyright: strict

from __future__ import annotations

from . import bindings
from ._actions import SpentRevisions, action_name, leader_only
from ._channels import RISKS, Channel, ChannelError
from ._k8s_join import K8S_ALREADY_IN_CLUSTER, K8S_TOKEN_REFUSED
from ._kubernetes import KUBELET_SKEW, KubeVersion, classic_channel_for
from ._membership import JOINED, PENDING, TOKEN_FAILED, Member, encode, read_serial
from ._reconciler import (
    BlockedError,
    MaintenanceError,
    Reconciler,
    StatusError,
    Triggers,
    WaitingError,
)
from ._snaps import Snap, SnapError
from ._tokens import (
    JOIN_TOKENS_KEY,
    TOKEN_SERIAL_KEY,
    Grant,
    JoinTokens,
    next_serial,
    stale,
    token_content,
    wanted,
)
from ._turns import TURN_KEY, TurnReport, next_turn, read_turn, turn_databag, unit_number

__all__ = [
    'JOINED',
    'JOIN_TOKENS_KEY',
    'K8S_ALREADY_IN_CLUSTER',
    'K8S_TOKEN_REFUSED',
    'KUBELET_SKEW',
    'PENDING',
    'RISKS',
    'TOKEN_FAILED',
    'TOKEN_SERIAL_KEY',
    'TURN_KEY',
    'BlockedError',
    'Channel',
    'ChannelError',
    'Grant',
    'JoinTokens',
    'KubeVersion',
    'MaintenanceError',
    'Member',
    'Reconciler',
    'Snap',
    'SnapError',
    'SpentRevisions',
    'StatusError',
    'Triggers',
    'TurnReport',
    'WaitingError',
    'action_name',
    'bindings',
    'classic_channel_for',
    'encode',
    'leader_only',
    'next_serial',
    'next_turn',
    'read_serial',
    'read_turn',
    'stale',
    'token_content',
    'turn_databag',
    'unit_number',
    'wanted',
]

"""The cluster's CRUSH map: buckets, rules and MicroCeph's failure-domain rules."""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from ._state import mapping, members, pool_table

CRUSH_TYPES = (
    'osd', 'host', 'chassis', 'rack', 'row', 'pdu', 'pod', 'room', 'datacenter', 'zone',
    'region', 'root',
)  # fmt: skip

_DEFAULT_RULE = 'replicated_rule'

AUTO_OSD, AUTO_HOST = 'microceph_auto_osd', 'microceph_auto_host'


def default_rule(cluster: Mapping[str, Any]) -> str:
    """``osd_pool_default_crush_rule``: microceph_auto_osd, then microceph_auto_host.

    Bootstrap sets microceph_auto_osd (``BootstrapCrushRules``); ``updateFailureDomain``
    switches to microceph_auto_host.
    """
    return str(mapping(cluster).get('default-rule', AUTO_OSD))


def switch_failure_domain(cluster: dict[str, Any], old: str, new: str) -> None:
    """``switchFailureDomain``: the default rule and every pool on the old rule move to new."""
    cluster['default-rule'] = new
    for pool in pool_table(cluster).values():
        if pool.get('crush-rule', AUTO_OSD) == old:
            pool['crush-rule'] = new


def _crush(cluster: Mapping[str, Any]) -> dict[str, Any]:
    """The cluster's CRUSH map: root ``default``, a host bucket per member, the rules."""
    crush = cast('dict[str, Any]', mapping(cluster).setdefault('crush', {}))
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
    for name in members(cluster):
        if name not in buckets:
            new_bucket(buckets, name, 'host', 'default')
    return crush


def crush_buckets(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', _crush(cluster)['buckets'])


def crush_rules(cluster: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return cast('dict[str, dict[str, Any]]', _crush(cluster)['rules'])


def new_bucket(
    buckets: dict[str, dict[str, Any]], name: str, kind: str, parent: str | None
) -> dict[str, Any]:
    number = min([-1, *(int(b['id']) for b in buckets.values())]) - 1
    bucket = {'id': number, 'type': kind, 'parent': parent}
    buckets[name] = bucket
    return bucket

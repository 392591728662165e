"""``ceph osd pool ...`` and ``ceph osd crush ...``: pools and the CRUSH map."""

# pyright: strict

from __future__ import annotations

import re
from typing import Any, cast

from ._crush import (
    AUTO_OSD,
    CRUSH_TYPES,
    crush_buckets,
    crush_rules,
    default_rule,
    new_bucket,
)
from ._errors import (
    EINVAL,
    ENOENT,
    EPERM,
    ExitError,
    not_emulated,
)
from ._run import Run
from ._state import (
    bump,
    osd_list,
    pool_table,
)


class Pools(Run):
    """``ceph osd pool`` and ``ceph osd crush``: pools, their size and rule; the CRUSH map."""

    def pool(self, cluster: dict[str, Any], name: str) -> dict[str, Any]:
        pool = pool_table(cluster).get(name)
        if pool is None:
            raise ExitError(ENOENT, f"Error ENOENT: unrecognized pool '{name}'")
        return pool

    def make_pool(self, cluster: dict[str, Any], name: str, applications: list[str]) -> bool:
        pools = pool_table(cluster)
        if name in pools:
            return False
        number = int(cluster.get('next-pool', 2))
        cluster['next-pool'] = number + 1
        pools[name] = {
            'id': number,
            'size': 3,
            'applications': applications,
            'crush-rule': default_rule(cluster),
        }
        bump(cluster, 'osd')
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
                raise ExitError(
                    EPERM,
                    f"Error EPERM: Are you SURE? Pool '{name}' already has an enabled "
                    'application; pass --yes-i-really-mean-it to proceed anyway',
                )
            apps.append(app)
        self.err(f"enabled application '{app}' on pool '{name}'\n")
        return 0

    def pool_set_size(self, cluster: dict[str, Any], name: str, value: str) -> int:
        pool = self.pool(cluster, name)
        if not value.isdigit() or not 1 <= int(value) <= 10:
            raise ExitError(EINVAL, 'Error EINVAL: pool size must be between 1 and 10')
        if value == '1':
            # OSDMonitor check_size_one: mon_allow_pool_size_one is false unless `microceph
            # pool set-rf --size 1` turned it on (SetReplicationFactor), which is not emulated
            raise ExitError(
                EPERM, 'Error EPERM: configuring pool size as 1 is disabled by default.'
            )
        pool['size'] = int(value)
        self.err(f'set pool {pool["id"]} size to {value}\n')
        return 0

    def pool_set_rule(self, cluster: dict[str, Any], name: str, rule: str) -> int:
        pool = self.pool(cluster, name)
        if rule not in crush_rules(cluster):
            raise ExitError(ENOENT, f'Error ENOENT: crush rule {rule} does not exist')
        if pool.get('crush-rule', AUTO_OSD) != rule:
            pool['crush-rule'] = rule
            bump(cluster, 'osd')
        self.err(f'set pool {pool["id"]} crush_rule to {rule}\n')
        return 0

    @staticmethod
    def crush_type(kind: str) -> None:
        if kind not in CRUSH_TYPES:
            raise ExitError(EINVAL, f"Error EINVAL: type '{kind}' does not exist")

    def add_bucket(self, cluster: dict[str, Any], name: str, kind: str) -> int:
        self.crush_type(kind)
        buckets = crush_buckets(cluster)
        if name in buckets:
            self.err(f"bucket '{name}' already exists\n")
            return 0
        if kind == 'osd':
            not_emulated('ceph osd crush add-bucket NAME osd')
        new_bucket(buckets, name, kind, None)
        bump(cluster, 'osd')
        self.err(f'added bucket {name} type {kind} to crush map\n')
        return 0

    def crush_move(self, cluster: dict[str, Any], name: str, location: str) -> int:
        kind, _, parent = location.partition('=')
        self.crush_type(kind)
        buckets = crush_buckets(cluster)
        bucket = buckets.get(name)
        if bucket is None:
            if re.fullmatch(r'osd\.\d+', name):
                not_emulated('ceph osd crush move osd.N')
            raise ExitError(ENOENT, f'Error ENOENT: item {name} does not exist')
        where = f"item id {bucket['id']} name '{name}' to location {{{location}}} in crush map"
        target = buckets.get(parent)
        if target is not None and target['type'] != kind:
            raise ExitError(
                EINVAL, f"Error EINVAL: bucket '{parent}' is a {target['type']}, not a {kind}"
            )
        if bucket['parent'] == parent:
            self.err(f'no need to move {where}\n')
            return 0
        if target is None:
            new_bucket(buckets, parent, kind, None)
        ancestor: str | None = parent
        while ancestor is not None:  # no bucket goes under itself
            if ancestor == name:
                raise ExitError(EINVAL, f'Error EINVAL: cannot move {name} under {parent}')
            ancestor = cast('str | None', buckets[ancestor]['parent'])
        bucket['parent'] = parent
        bump(cluster, 'osd')
        self.err(f'moved {where}\n')
        return 0

    def rule_create(self, cluster: dict[str, Any], name: str, root: str, kind: str) -> int:
        rules = crush_rules(cluster)
        if name in rules:
            return 0
        buckets = crush_buckets(cluster)
        if root not in buckets:
            raise ExitError(ENOENT, f'Error ENOENT: root item {root} does not exist')
        self.crush_type(kind)
        number = max(int(r['id']) for r in rules.values()) + 1
        rules[name] = {'id': number, 'root': root, 'type': kind}
        bump(cluster, 'osd')
        return 0

    def osd_tree(self, cluster: dict[str, Any]) -> int:
        if self.fmt == 'plain':
            not_emulated('ceph osd tree without -f json')
        buckets = crush_buckets(cluster)
        children: dict[str | None, list[str]] = {}
        for name, bucket in buckets.items():
            children.setdefault(cast('str | None', bucket['parent']), []).append(name)
        osds: dict[str, list[int]] = {}
        for osd in osd_list(cluster):
            osds.setdefault(str(osd['host']), []).append(int(osd['id']))
        nodes: list[dict[str, Any]] = []

        def visit(name: str, depth: int) -> None:
            bucket = buckets[name]
            below = sorted(children.get(name, []), key=lambda n: -buckets[n]['id'])
            ids = [int(buckets[n]['id']) for n in below] + sorted(osds.get(name, []))
            nodes.append({
                'id': bucket['id'], 'name': name, 'type': bucket['type'],
                'type_id': CRUSH_TYPES.index(bucket['type']),
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

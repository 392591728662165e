"""``microceph.ceph``: status, mon dump, auth, fs, dispatching pools to :mod:`._pools`."""

# pyright: strict

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from metal_host import Completed
from metal_host._retrying import NOT_FOUND  # the exit status LocalHost gives a missing program

from ._crush import (
    AUTO_OSD,
    crush_rules,
)
from ._errors import (
    EINVAL,
    ENOENT,
    NO_CONF,
    ExitError,
    not_emulated,
)
from ._pools import Pools
from ._run import execute
from ._state import (
    bump,
    cephx_key,
    epoch_of,
    local_member,
    monitors,
    osd_list,
    pool_table,
    stamp,
)

if TYPE_CHECKING:
    from ...host import Invocation


class _Ceph(Pools):
    """``microceph.ceph``: Ceph's own CLI against the simulated monitors."""

    def main(self) -> int:
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
                not_emulated(f'ceph option {item!r}')
            else:
                words.append(item)
        if fmt not in ('plain', 'json', 'json-pretty'):
            not_emulated(f'ceph --format {fmt}')
        found = local_member(self.host, self.world)
        if found is None:
            raise ExitError(1, NO_CONF)
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
            names = list(pool_table(cluster))
            return self.emit('\n'.join(names), names)
        if words[:4] == ['osd', 'pool', 'application', 'enable'] and len(words) in (6, 7):
            return self.application_enable(cluster, words[4], words[5], '--yes-i-really-mean-it'
                                           in words)  # fmt: skip
        if words[:3] == ['osd', 'pool', 'set'] and len(words) == 6 and words[4] == 'size':
            return self.pool_set_size(cluster, words[3], words[5])
        if words[:3] == ['osd', 'pool', 'get'] and len(words) == 5 and words[4] == 'crush_rule':
            rule = str(self.pool(cluster, words[3]).get('crush-rule', AUTO_OSD))
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
            names = [n for n, _ in sorted(crush_rules(cluster).items(), key=lambda r: r[1]['id'])]
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
        not_emulated(f'ceph {" ".join(words)}')

    def ceph_status(self, cluster: dict[str, Any]) -> int:
        if self.fmt == 'plain':
            not_emulated('ceph status without -f json')
        mons = monitors(cluster)
        osds = osd_list(cluster)
        pools = pool_table(cluster)
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
                'epoch': epoch_of(cluster, 'mon'),
                'min_mon_release_name': 'squid',
                'num_mons': len(mons),
            },
            'osdmap': {
                'epoch': epoch_of(cluster, 'osd'),
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
                'epoch': epoch_of(cluster, 'fs'),
                'btime': stamp(created),
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
            'servicemap': {'epoch': 1, 'modified': stamp(created), 'services': {}},
            'progress_events': {},
        }
        return self.emit('', data)

    def mon_dump(self, cluster: dict[str, Any]) -> int:
        if self.fmt == 'plain':
            not_emulated('ceph mon dump without -f json')
        mons = monitors(cluster)
        epoch = epoch_of(cluster, 'mon')
        created = stamp(float(cluster['created']))
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

    def get_or_create(self, cluster: dict[str, Any], entity: str, pairs: Sequence[str]) -> int:
        caps = {pairs[i]: pairs[i + 1] for i in range(0, len(pairs), 2)}
        clients = cast('dict[str, dict[str, Any]]', cluster.setdefault('clients', {}))
        client = clients.get(entity)
        if client is None:
            client = {'key': cephx_key(self.world, entity), 'caps': caps}
            clients[entity] = client
        else:
            stored = cast('dict[str, str]', client['caps'])
            for service, value in caps.items():
                if stored.get(service) != value:
                    raise ExitError(
                        EINVAL,
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
            raise ExitError(ENOENT, f"Error ENOENT: couldn't find entry {entity}")
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
        bump(cluster, 'fs')
        return 0

    def fs_ls(self, cluster: dict[str, Any]) -> int:
        pools = pool_table(cluster)
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


def handle_ceph(invocation: Invocation) -> Completed:
    """Run ``microceph.ceph`` on the invocation's machine; a bare ``ceph`` is not there.

    The snap declares no auto-alias: ``ceph`` exists only after ``snap alias microceph.ceph
    ceph`` (upstream's own tests run it, ``tests/scripts/actionutils.sh``; canonical/
    charm-microceph runs it on install), and ``snap alias`` is not emulated, so ``ceph`` fails
    as a missing program does.
    """
    if invocation.program == 'ceph':
        return invocation.result('', 'ceph: No such file or directory', NOT_FOUND)
    return execute(invocation, _Ceph)

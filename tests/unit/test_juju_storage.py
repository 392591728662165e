"""Juju storage: pools, directives, and the MAAS storage constraint a unit's volumes become."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.juju import storage

POOLS = {
    **storage.BUILTIN_POOLS,
    'ssd': storage.StoragePool('ssd', 'maas', {'tags': 'ssd'}),
    'fast': storage.StoragePool('fast', 'maas', {'tags': 'ssd, nvme'}),
    'loopy': storage.StoragePool('loopy', 'loop', {'size': '1G'}),
}
DECLARED: dict[str, dict[str, Any]] = {
    'data': {'type': 'block', 'multiple': {'range': '0-'}},
    'cache': {'type': 'block', 'minimum-size': '100G', 'multiple': {'range': '0-2'}},
    'root': {'type': 'block'},  # no multiple: exactly one, required
    'scratch': {'type': 'filesystem', 'multiple': {'range': '0-1'}},
}


def test_directive_parts_in_any_order():
    assert storage.parse_directive('ssd,3,1T') == storage.Directive('ssd', 3, 1024**2)
    assert storage.parse_directive('10G,ssd') == storage.Directive('ssd', None, 10240)
    assert storage.parse_directive('2') == storage.Directive(None, 2, None)


@pytest.mark.parametrize(
    ('text', 'message'),
    [
        ('', 'storage constraints require at least one field to be specified'),
        ('ssd,hdd', 'pool name is already set to "ssd", new value "hdd" not valid'),
        ('0', 'cannot parse count: count must be greater than zero, got "0"'),
        ('1,2', 'storage instance count is already set to 1, new value 2 not valid'),
        ('1G,2G', 'storage size is already set to 1024, new value 2048 not valid'),
        ('ssd,5Q', 'unrecognized storage constraint "5Q" not valid'),
    ],
)
def test_bad_directives_get_jujus_messages(text: str, message: str):
    with pytest.raises(storage.StorageError) as caught:
        storage.parse_directive(text)
    assert str(caught.value) == message


def test_pool_creation_is_checked_as_juju_does():
    pool = storage.StoragePool.create('ssd', 'maas', {'tags': 'ssd,nvme'})
    assert pool.tags == ('ssd', 'nvme')
    assert pool.to_json() == {'provider': 'maas', 'attrs': {'tags': 'ssd,nvme'}}
    with pytest.raises(storage.StorageError, match=r'^pool name "9x" not valid$'):
        storage.StoragePool.create('9x', 'maas', {})
    with pytest.raises(storage.StorageError, match=r'^storage provider "ebs" not found$'):
        storage.StoragePool.create('fast', 'ebs', {})
    with pytest.raises(storage.StorageError, match='attribute "tags" must be a string'):
        storage.StoragePool.create('fast', 'maas', {'tags': ['ssd']})


def test_directives_become_volumes_with_the_pool_tags():
    volumes = storage.volumes('c', DECLARED, {'data': 'ssd,2,900G', 'cache': 'fast'}, POOLS)
    assert [(v.store, v.pool, v.size_mib, v.tags) for v in volumes] == [
        ('data', 'ssd', 900 * 1024, ('ssd',)),
        ('data', 'ssd', 900 * 1024, ('ssd',)),
        ('cache', 'fast', 100 * 1024, ('ssd', 'nvme')),  # the charm's minimum-size
        ('root', 'maas', 1024, ()),  # required store, no directive: Juju's defaults
    ]


def test_machine_local_pools_ask_nothing_of_maas():
    declared = {'scratch': DECLARED['scratch'], 'data': DECLARED['data']}
    assert storage.volumes('c', declared, {'scratch': '1', 'data': 'loopy,3'}, POOLS) == []


@pytest.mark.parametrize(
    ('directives', 'message'),
    [
        ({'data': 'nvme'}, 'pool "nvme" not found'),
        ({'cache': '3'}, 'charm "c" store "cache": at most 2 instances supported, 3 specified'),
        ({'logs': '1'}, 'charm "c" has no store called "logs"'),
    ],
)
def test_directives_the_model_cannot_serve(directives: dict[str, str], message: str):
    with pytest.raises(storage.StorageError) as caught:
        storage.volumes('c', DECLARED, directives, POOLS)
    assert str(caught.value) == message


def test_maas_storage_value_is_jujus():
    ssd = storage.Volume('data', 'ssd', 900 * 1024, ('ssd',))
    plain = storage.Volume('data', 'maas', 1500, ())
    assert storage.maas_storage([ssd, plain], None) == 'root:0,0:900(ssd),1:2'
    assert storage.maas_storage([ssd], 20 * 1024) == 'root:20,0:900(ssd)'
    assert storage.maas_storage([], 20 * 1024) == 'root:20'
    assert storage.maas_storage([], None) == ''

"""Both clouds satisfy the Cloud protocol: pyright checks signatures, isinstance the methods."""

from __future__ import annotations

import httpx
from maasfake import API_KEY, URL, Region, machine_json, ok

from orchestrator.cloud import GB, Cloud, Disk, MaasCloud, Machine, Pool, Status


def ready(cloud: Cloud) -> list[str]:
    """Code written against the protocol, run on either cloud."""
    return [m.hostname for m in cloud if m.status is Status.READY]


def pool_machine(hostname: str, status: Status = Status.READY) -> Machine:
    return Machine(
        system_id=f'{hostname[:3]}001',
        hostname=hostname,
        arch='amd64/generic',
        cores=4,
        memory=8192,
        disks=(Disk('sda', 240 * GB, frozenset({'ssd'}), True),),
        tags=frozenset(),
        zone='zone-a',
        pool='default',
        status=status,
    )


def test_the_pool_and_a_maas_region_are_both_clouds():
    pool = Pool([pool_machine('aaa'), pool_machine('bbb', Status.DEPLOYED)])
    region = Region([ok([machine_json('ccc001', 'ccc'), machine_json('ddd001', 'ddd', status=6)])])
    maas = MaasCloud(URL, API_KEY, transport=httpx.MockTransport(region))

    clouds: list[Cloud] = [pool, maas]  # pyright checks each against the protocol

    assert all(isinstance(cloud, Cloud) for cloud in clouds)
    assert [ready(cloud) for cloud in clouds] == [['aaa'], ['ccc']]


def test_something_else_is_not_a_cloud():
    assert not isinstance(object(), Cloud)
    assert not isinstance([pool_machine('aaa')], Cloud)

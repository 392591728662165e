"""MaasCloud against a real region, read-only; skipped unless MAAS_URL and MAAS_API_KEY are set.

Run with ``MAAS_URL=http://<region>:5240/MAAS MAAS_API_KEY=<key> pytest tests/live``. Nothing
here allocates, deploys or releases a machine: the listing, single-machine reads, the zone
list and a ``dry_run`` allocate only. The dry run names a machine that is Ready by hostname, so
MAAS has no reason to compose a VM on a VM host to satisfy it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from orchestrator.cloud import Cloud, MaasCloud, Machine, Status
from orchestrator.cloud.maas import RetryPolicy
from orchestrator.juju import constraints

URL = os.environ.get('MAAS_URL', '')
API_KEY = os.environ.get('MAAS_API_KEY', '')

pytestmark = pytest.mark.skipif(
    not (URL and API_KEY), reason='MAAS_URL and MAAS_API_KEY are not set'
)


@pytest.fixture(scope='module')
def cloud() -> Iterator[MaasCloud]:
    with MaasCloud(URL, API_KEY, retry=RetryPolicy(attempts=3)) as region:
        yield region


@pytest.fixture(scope='module')
def machines(cloud: MaasCloud) -> list[Machine]:
    return cloud.machines()


def test_the_region_is_a_cloud(cloud: MaasCloud):
    assert isinstance(cloud, Cloud)


def test_every_machine_reads_into_the_pool_model(machines: list[Machine]):
    for machine in machines:
        assert machine.system_id and machine.hostname
        assert '/' in machine.arch
        assert machine.zone and machine.pool
        assert isinstance(machine.status, Status)
        assert all(disk.size >= 0 for disk in machine.disks)


def test_a_machine_reads_the_same_by_system_id_and_by_hostname(
    cloud: MaasCloud, machines: list[Machine]
):
    if not machines:
        pytest.skip('the region has no machines')
    first = machines[0]
    assert cloud.get(first.system_id).hostname == first.hostname
    assert cloud.get(first.hostname).system_id == first.system_id


def test_every_machine_zone_is_a_region_zone(cloud: MaasCloud, machines: list[Machine]):
    assert {m.zone for m in machines} <= set(cloud.zones())


def test_a_dry_run_allocate_names_a_ready_machine_and_allocates_nothing(
    cloud: MaasCloud, machines: list[Machine]
):
    ready = [m for m in machines if m.status is Status.READY]
    if not ready:
        pytest.skip('no Ready machine to dry-run against')
    target = ready[0]
    wanted = constraints.parse(f'cores={target.cores} mem={target.memory}M')
    picked = cloud.would_allocate(wanted, placement=target.hostname)
    assert picked.system_id == target.system_id
    assert cloud.get(target.system_id).status is Status.READY

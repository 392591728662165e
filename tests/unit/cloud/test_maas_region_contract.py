"""MaasCloud against MAAS 3.6 as Juju meets it: busy 409s, Juju's storage value, a dry run that
changes nothing, machines with the null fields MAAS allows (issue 18)."""

from __future__ import annotations

import logging

import httpx
import pytest
from maasfake import (
    API_KEY,
    NO_MATCH,
    URL,
    Region,
    block_device,
    form,
    machine_json,
    ok,
    route,
    text,
)

from orchestrator.cloud import (
    AllocationRequest,
    IllegalTransitionError,
    MaasNoMatchError,
    MaasUnreachableError,
    MachineNotFoundError,
    Status,
)
from orchestrator.cloud.maas import inventory
from orchestrator.juju import constraints

c = constraints.parse

# What MAAS 3.6 answers when a request's transaction kept conflicting: ``HttpResponseConflict``
# renders templates/409.html with ``Retry-After: 5`` (canonical/maas tag 3.6.5
# src/maasserver/utils/views.py lines 41, 148-157; src/maasserver/templates/409.html).
BUSY_PAGE = (
    '<!DOCTYPE html>\n<html>\n  <head><title>409 Conflict</title></head>\n  <body>\n'
    '      Conflict error. Try your request again, as it will most likely succeed.\n'
    '  </body>\n</html>\n'
)


def busy() -> httpx.Response:
    return httpx.Response(
        409, text=BUSY_PAGE, headers={'Retry-After': '5', 'Content-Type': 'text/html'}
    )


def allocated(system_id: str, hostname: str) -> httpx.Response:
    return ok(machine_json(system_id, hostname, status=10, owner='admin'))


def released(request: httpx.Request) -> httpx.Response:
    system_id = request.url.path.rstrip('/').rsplit('/', 1)[-1]
    return ok(machine_json(system_id, f'host-{system_id}', status=12))


# -- point 3: a 409 with Retry-After is "try again", as gomaasapi reads it ----------------------


def test_allocate_retries_a_busy_409_after_its_retry_after_then_allocates():
    waits: list[float] = []
    region = Region([busy(), allocated('a1a1a1', 'w-0')])
    (machine,) = region.cloud(waits=waits).allocate(c('cores=2'))
    assert machine.system_id == 'a1a1a1'
    assert waits == [5.0]  # MAAS's RETRY_AFTER_CONFLICT, through the injected sleep
    assert [route(r) for r in region.requests] == [
        ('POST', '/MAAS/api/2.0/machines/', 'allocate')
    ] * 2
    assert form(region.requests[0]) == form(region.requests[1])


def test_a_409_without_retry_after_is_still_a_final_no_match():
    region = Region([text(409, NO_MATCH)])
    with pytest.raises(MaasNoMatchError) as caught:
        region.cloud().allocate(c('cores=2'))
    assert caught.value.maas_message == NO_MATCH
    assert len(region.requests) == 1


def test_deploy_and_release_retry_a_busy_409():
    waits: list[float] = []
    region = Region(
        [
            busy(),
            ok(machine_json('a1a1a1', 'w-0', status=9, owner='admin')),
            busy(),
            busy(),
            released,
        ]
    )
    cloud = region.cloud(waits=waits)
    assert cloud.deploy('a1a1a1').status is Status.DEPLOYING
    assert cloud.release('a1a1a1').status is Status.RELEASING
    assert waits == [5.0, 5.0, 5.0]
    ops = [route(r)[2] for r in region.requests]
    assert ops == ['deploy', 'deploy', 'release', 'release', 'release']


def test_a_busy_409_that_persists_is_unreachable_not_a_no_match_nor_illegal():
    region = Region([busy()] * 3)
    with pytest.raises(MaasUnreachableError) as caught:
        region.cloud(attempts=3).deploy('a1a1a1')
    assert not isinstance(caught.value, IllegalTransitionError | MaasNoMatchError)
    assert caught.value.status == 409
    message = str(caught.value)
    assert 'busy (HTTP 409)' in message and 'after 3 attempts' in message
    assert '<html' not in message.lower() and 'DOCTYPE' not in message


def test_an_all_or_none_rollback_whose_release_meets_a_busy_409_still_releases():
    region = Region(
        [
            allocated('a1a1a1', 'w-0'),
            text(409, NO_MATCH),  # the second machine: a real no-match
            busy(),  # the rollback's release: MAAS busy
            released,
        ]
    )
    with pytest.raises(MaasNoMatchError) as caught:
        region.cloud().allocate(c('cores=2'), 2)
    assert 'could not release' not in str(caught.value)
    releases = [r for r in region.requests if route(r)[2] == 'release']
    assert len(releases) == 2
    assert all(r.url.path == '/MAAS/api/2.0/machines/a1a1a1/' for r in releases)
    assert region.script == []


# -- point 5: storage follows the root item, as Juju builds it --------------------------------


@pytest.mark.parametrize(
    ('storage', 'sent'),
    [
        # Volumes only: Juju's root item (from root-disk) comes first, the volumes follow.
        ('0:900(ssd)', 'root:40,0:900(ssd)'),
        # As orchestrator.juju.storage.maas_storage builds it without the root-disk size.
        ('root:0,0:900(ssd),1:2', 'root:40,0:900(ssd),1:2'),
    ],
)
def test_storage_with_root_disk_follows_the_root_item(storage: str, sent: str):
    region = Region([allocated('a1a1a1', 'w-0')])
    region.cloud().allocate(c('cores=2 root-disk=40G'), storage=storage)
    assert dict(form(region.requests[0]))['storage'] == sent
    assert [k for k, _ in form(region.requests[0])].count('storage') == 1


def test_storage_without_root_disk_gets_juju_s_root_0_first():
    region = Region([allocated('a1a1a1', 'w-0')])
    region.cloud().allocate(c('cores=2'), storage='0:900(ssd)')
    assert dict(form(region.requests[0]))['storage'] == 'root:0,0:900(ssd)'


def test_the_request_the_pool_shares_builds_the_same_storage_value():
    # One translation for the pool and MaasCloud, so both match the same disks.
    request = AllocationRequest.from_constraints(
        c('root-disk=40G'), extra={'storage': ['0:900(ssd)']}
    )
    assert request.params == (('storage', ('root:40,0:900(ssd)',)),)
    assert [item.label for item in request.storage] == ['root', '0']


# -- point 6: a dry run that cannot compose ----------------------------------------------------


def test_would_allocate_only_reads_and_picks_maas_s_cheapest_ready_match():
    region = Region(
        [
            ok(
                [
                    machine_json('b2b2b2', 'big', cores=32, memory=131072),
                    machine_json('c3c3c3', 'small-busy', cores=2, memory=4096, status=6),
                    machine_json('d4d4d4', 'small', cores=4, memory=8192),
                    machine_json('e5e5e5', 'tiny', cores=1, memory=2048),
                ]
            )
        ]
    )
    machine = region.cloud().would_allocate(c('cores=2'))
    assert machine.hostname == 'small'
    assert [r.method for r in region.requests] == ['GET']  # no op=allocate: MAAS may compose


def test_would_allocate_honours_placement_and_storage_and_says_no_match_in_maas_terms():
    disks = [block_device(1, 'sda', 480_000_000_000), block_device(2, 'sdb', 2_000_000_000_000)]
    listing = [
        machine_json('a1a1a1', 'w-0', cores=4),
        machine_json('b2b2b2', 'w-1', cores=8, disks=disks),
    ]
    region = Region([ok(listing), ok(listing)])
    cloud = region.cloud()
    assert cloud.would_allocate(c('cores=2'), storage='root:0,0:1000').hostname == 'w-1'
    with pytest.raises(MaasNoMatchError) as caught:
        cloud.would_allocate(c('cores=2'), placement='w-0', storage='root:0,0:1000')
    assert caught.value.maas_message.startswith('No available machine matches constraints:')
    assert all(r.method == 'GET' for r in region.requests)


# -- point 8: the nulls MAAS allows ------------------------------------------------------------


def null_machines() -> list[dict[str, object]]:
    no_pool = machine_json('a1a1a1', 'no-pool')
    no_pool['pool'] = None
    no_arch = machine_json('b2b2b2', 'new-one', status=0)
    no_arch['architecture'] = None
    blank_arch = machine_json('c3c3c3', 'blank-arch', status=0, architecture='')
    return [no_pool, no_arch, blank_arch, machine_json('d4d4d4', 'fine')]


def test_pool_import_reads_a_null_pool_as_default_and_leaves_out_a_null_architecture(
    caplog: pytest.LogCaptureFixture,
):
    region = Region([ok([]), ok([]), ok(null_machines())])
    with caplog.at_level(logging.WARNING, logger='orchestrator.cloud.maas'):
        result = inventory(URL, API_KEY, transport=httpx.MockTransport(region))
    assert [(m.hostname, m.pool) for m in result.machines] == [
        ('fine', 'default'),
        ('no-pool', 'default'),
    ]
    assert len(result.skipped) == 2
    assert 'machine "new-one" (b2b2b2) left out' in result.skipped[0]
    assert 'no architecture' in result.skipped[0]
    assert 'blank-arch' in result.skipped[1]
    assert 'new-one' in caplog.text


def test_a_null_architecture_does_not_stop_the_listing_and_is_no_usable_machine():
    machines = null_machines()
    region = Region([ok(machines), text(404, 'Not Found'), ok([machines[1]])])
    cloud = region.cloud()
    assert [m.hostname for m in cloud.machines()] == ['fine', 'no-pool']
    with pytest.raises(MachineNotFoundError):
        cloud.get('new-one')

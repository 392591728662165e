"""The embedded pool: MAAS best-fit allocation, zone spreading, no-fit explanations, lifecycle."""

from __future__ import annotations

import re

import pytest
from builders import disk, machine

from orchestrator.cloud import (
    AllocationRequest,
    IllegalTransitionError,
    InventoryError,
    Machine,
    MachineNotFoundError,
    NoMatchError,
    PlacementError,
    Pool,
    RequestError,
    Status,
)
from orchestrator.juju import constraints

c = constraints.parse


def statuses(pool: Pool) -> dict[str, Status]:
    return {m.hostname: m.status for m in pool}


def small_pool() -> Pool:
    return Pool(
        [
            machine('big', 32, 128, tags=('ssd', 'gpu'), zone='zone-b'),
            machine('mid', 8, 32, tags=('ssd',), zone='zone-a'),
            machine('tiny', 2, 4, zone='zone-c'),
            machine('small', 4, 8, tags=('nvme',), zone='zone-c', pool='storage'),
            machine('arm', 16, 64, arch='arm64/generic', zone='zone-a'),
            machine(
                'busy',
                64,
                256,
                tags=('gpu',),
                zone='zone-b',
                status=Status.DEPLOYED,
                owner='admin',
            ),
        ]
    )


# -- ordering --------------------------------------------------------------------------


def test_cheapest_matching_ready_machine_first():
    pool = small_pool()
    order = [pool.allocate(c(''))[0].hostname for _ in range(5)]
    assert order == ['tiny', 'small', 'mid', 'arm', 'big']  # cost 6, 12, 40, 80, 160
    with pytest.raises(NoMatchError):
        pool.allocate(c(''))


def test_equal_cost_ties_break_by_hostname_across_shapes():
    # 8 cores + 16 GiB and 16 cores + 8 GiB both cost 24.
    pool = Pool([machine('b', 16, 8), machine('c', 8, 16), machine('a', 16, 8)])
    assert [pool.allocate(c(''))[0].hostname for _ in range(3)] == ['a', 'b', 'c']


def test_tie_break_is_independent_of_insertion_order():
    machines = [machine(f'n{i}', 4, 8) for i in (5, 3, 9, 1)]
    first = Pool(machines).allocate(c(''), 4)
    second = Pool(reversed(machines)).allocate(c(''), 4)
    assert [m.hostname for m in first] == [m.hostname for m in second] == ['n1', 'n3', 'n5', 'n9']


def test_only_ready_machines_are_candidates():
    pool = small_pool()
    picked = pool.allocate(c('tags=gpu'), 1)
    assert picked[0].hostname == 'big'  # 'busy' is cheaper to skip: it is Deployed


def test_allocated_machine_records_owner_and_status():
    pool = small_pool()
    (m,) = pool.allocate(c('cores=8'), owner='model-x')
    assert (m.status, m.owner) == (Status.ALLOCATED, 'model-x')
    assert pool.get('mid') == m
    assert 'id-mid' in pool.changed


# -- every constraint ANDed --------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'placement', 'expected'),
    [
        ('cores=4', None, 'small'),
        ('cpu-cores=9', None, 'arm'),
        ('mem=16G', None, 'mid'),
        ('mem=6G cores=2', None, 'small'),
        ('arch=arm64', None, 'arm'),
        ('arch=amd64 cores=16', None, 'big'),
        ('tags=ssd', None, 'mid'),
        ('tags=ssd,gpu', None, 'big'),
        ('tags=^ssd', None, 'tiny'),
        ('tags=^ssd,^nvme cores=3', None, 'arm'),
        ('zones=zone-b', None, 'big'),
        ('zones=zone-a,zone-b cores=9', None, 'arm'),
        ('root-disk=200G', None, 'tiny'),
        ('', 'big', 'big'),
        ('', 'system-id=id-mid', 'mid'),
        ('', 'zone=zone-a', 'mid'),
        ('cores=4', 'zone=zone-a', 'mid'),
    ],
)
def test_constraints_select(text: str, placement: str | None, expected: str):
    (m,) = small_pool().allocate(c(text), placement=placement)
    assert m.hostname == expected


def test_pool_and_storage_are_maas_request_fields():
    pool = small_pool()
    request = AllocationRequest.from_maas_params({'pool': ['storage']})
    assert pool.allocate(request)[0].hostname == 'small'
    rich = Pool(
        [
            machine('plain', 2, 4),
            machine(
                'data', 8, 16, disks=(disk('sda', 240, boot=True), disk('sdb', 4000, 'rotary'))
            ),
        ]
    )
    request = AllocationRequest.from_maas_params({'storage': ['root:100,osd:2000(rotary)']})
    assert rich.allocate(request)[0].hostname == 'data'


def test_every_constraint_must_hold_at_once():
    pool = small_pool()
    with pytest.raises(NoMatchError):
        pool.allocate(c('tags=nvme zones=zone-a'))  # each alone matches something


# -- MAAS 400s and placement -----------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'placement', 'message'),
    [
        ('tags=quantum', None, "tags: No such tag(s): 'quantum'."),
        ('zones=zone-z', None, 'zone: No such zone(s): zone-z.'),
        ('', 'zone=moon', 'zone: No such zone(s): moon.'),
        ('spaces=storage', None, 'spaces: unrecognised space in constraint "storage"'),
    ],
)
def test_unknown_names_are_maas_400s(text: str, placement: str | None, message: str):
    pool = small_pool()
    with pytest.raises(RequestError) as info:
        pool.allocate(c(text), placement=placement)
    assert str(info.value) == message
    assert all(m.status is not Status.ALLOCATED for m in pool)


def test_unknown_pool_is_a_maas_400():
    with pytest.raises(RequestError, match=r'^pool: No such pool\(s\): gold\.$'):
        small_pool().allocate(AllocationRequest.from_maas_params({'pool': ['gold']}))


@pytest.mark.parametrize(
    ('params', 'message'),
    [
        ({'cpu_count': ['two']}, 'cpu_count: Invalid CPU count: number required.'),
        ({'mem': ['lots']}, 'mem: Invalid memory: number of MiB required.'),
        ({'arch': ['sparc']}, 'arch: Architecture not recognised.'),
        ({'colour': ['red']}, 'colour: No such constraint.'),
    ],
)
def test_maas_form_errors(params: dict[str, list[str]], message: str):
    with pytest.raises(RequestError) as info:
        AllocationRequest.from_maas_params(params)
    assert str(info.value) == message


def test_bad_placement_directive():
    with pytest.raises(PlacementError, match=r'^unknown placement directive: rack=3$'):
        small_pool().allocate(c(''), placement='rack=3')
    with pytest.raises(PlacementError, match='not in the zones constraint'):
        small_pool().allocate(c('zones=zone-a'), placement='zone=zone-b')


# -- all or nothing, and the no-fit explanation ------------------------------------------------


def test_count_gets_all_machines_or_none():
    pool = small_pool()
    before = statuses(pool)
    with pytest.raises(NoMatchError) as info:
        pool.allocate(c('tags=ssd'), count=3)
    assert statuses(pool) == before
    assert info.value.requested == 3 and info.value.matching_ready == 2
    assert '  3 machines requested, 2 Ready machines match (all or none are allocated)' in str(
        info.value
    )
    with pytest.raises(NoMatchError, match='2 machines requested, 1 Ready machine matches'):
        pool.allocate(c('tags=gpu'), count=2)
    got = pool.allocate(c('tags=ssd'), count=2)
    assert sorted(m.hostname for m in got) == ['big', 'mid']


def test_no_fit_explains_each_constraint_and_busy_machines():
    pool = small_pool()
    with pytest.raises(NoMatchError) as info:
        pool.allocate(c('cores=48 mem=200G tags=gpu'))
    err = info.value
    assert err.maas_message == (
        "No available machine matches constraints: [('cpu_count', ['48']), ('mem', ['204800']), "
        "('tags', ['gpu'])] (resolved to \"cpu_count=48.0 mem=204800.0 tags=gpu\")"
    )
    assert err.ready == 5
    assert err.excluded == {'cpu_count=48': 5, 'mem=204800': 5, 'tags=gpu': 4}
    assert err.not_ready == {'Deployed': 1}
    assert err.may_fit_later
    text = str(err).splitlines()
    assert text[0] == err.maas_message
    assert '  cpu_count=48: excludes 5 of 5 Ready machines' in text
    assert '  tags=gpu: excludes 4 of 5 Ready machines' in text
    assert '  1 machine would match but is not Ready (1 Deployed)' in text


def test_no_fit_that_can_never_fit():
    with pytest.raises(NoMatchError) as info:
        small_pool().allocate(c('cores=256'))
    assert not info.value.may_fit_later
    assert 'no machine in another status would match either' in str(info.value)


def test_empty_request_on_exhausted_pool_uses_maas_message():
    pool = Pool([machine('only')])
    pool.allocate(c(''))
    with pytest.raises(NoMatchError, match=r'^No machine available\.'):
        pool.allocate(c(''))
    with pytest.raises(NoMatchError, match=r'^No machine with system ID id-only available\.'):
        pool.allocate(c(''), placement='system-id=id-only')


# -- zone spreading -----------------------------------------------------------------------


def zoned_pool() -> Pool:
    return Pool(
        [machine(f'{z}-{i}', 4, 8, zone=f'zone-{z}') for z in 'abc' for i in range(3)]
        + [machine('cheap-a', 2, 4, zone='zone-a')]
    )


def test_spread_puts_each_machine_in_the_emptiest_zone():
    pool = zoned_pool()
    got = pool.allocate(c(''), count=3, spread=[])
    assert [m.zone for m in got] == ['zone-a', 'zone-b', 'zone-c']
    assert got[0].hostname == 'cheap-a'  # cheapest within the chosen zone
    more = pool.allocate(c(''), count=2, spread=[m.system_id for m in got])
    assert [m.zone for m in more] == ['zone-a', 'zone-b']


def test_spread_counts_only_the_group():
    pool = zoned_pool()
    elsewhere = pool.allocate(c(''), count=2, placement='zone=zone-a')
    group = pool.allocate(c(''), spread=[m.system_id for m in elsewhere[:1]])
    assert group[0].zone == 'zone-b'


def test_spread_skips_a_zone_with_no_match():
    pool = zoned_pool()
    got = pool.allocate(c('cores=3'), count=2, spread=[])
    assert [m.zone for m in got] == ['zone-a', 'zone-b']
    got = pool.allocate(c('cores=3'), spread=['id-a-0', 'id-a-1', 'id-b-0', 'id-b-1'])
    assert got[0].zone == 'zone-c'


def test_spread_respects_zones_constraint():
    pool = zoned_pool()
    got = pool.allocate(c('zones=zone-b,zone-c'), count=4, spread=[])
    assert [m.zone for m in got] == ['zone-b', 'zone-c', 'zone-b', 'zone-c']


def test_without_spread_allocation_ignores_zones():
    got = zoned_pool().allocate(c('cores=4'), count=3)
    assert [m.hostname for m in got] == ['a-0', 'a-1', 'a-2']


# -- capacity -------------------------------------------------------------------------


def test_capacity_counts_ready_matches_and_changes_nothing():
    pool = small_pool()
    assert pool.capacity(c('')) == 5
    assert pool.capacity(c('mem=6G cores=2')) == 4
    assert pool.capacity(c('tags=gpu')) == 1
    assert pool.capacity(c('cores=4'), placement='zone=zone-a') == 2
    assert pool.changed == set()
    pool.allocate(c('mem=6G cores=2'))
    assert pool.capacity(c('mem=6G cores=2')) == 3


# -- inventory --------------------------------------------------------------------------


def test_add_is_all_or_nothing_on_duplicates():
    pool = small_pool()
    with pytest.raises(InventoryError, match='machine "mid" is already in the pool'):
        pool.add([machine('new'), machine('mid')])
    assert len(pool) == 6
    with pytest.raises(InventoryError, match='machine "twin" is already in the pool'):
        pool.add([machine('twin'), machine('twin')])
    assert len(pool) == 6
    with pytest.raises(MachineNotFoundError, match='machine "new" not found in the pool'):
        pool.get('new')


def test_iteration_is_by_hostname_and_get_accepts_system_id():
    pool = small_pool()
    assert [m.hostname for m in pool] == sorted(m.hostname for m in pool)
    assert pool.get('id-big').hostname == 'big'
    assert pool.zones == {'zone-a', 'zone-b', 'zone-c'}


# -- lifecycle operations -----------------------------------------------------------------


def test_deploy_from_ready_allocates_first_and_completes():
    pool = small_pool()
    m = pool.deploy('tiny', owner='m1')
    assert (m.status, m.owner, m.status_message) == (Status.DEPLOYED, 'm1', 'Deployed')
    assert pool.capacity(c('')) == 4


def test_deploy_can_stop_at_deploying_then_fail():
    pool = small_pool()
    (m,) = pool.allocate(c('cores=8'))
    m = pool.deploy(m.hostname, complete=False)
    assert m.status is Status.DEPLOYING
    m = pool.fail(m.hostname, 'curtin failed')
    assert (m.status, m.status_message) == (Status.FAILED_DEPLOYMENT, 'curtin failed')
    m = pool.release(m.hostname)
    assert m.status is Status.READY and m.owner is None


@pytest.mark.parametrize('status', [Status.DEPLOYED, Status.BROKEN, Status.NEW, Status.DEPLOYING])
def test_deploy_refuses_other_states_with_maas_message(status: Status):
    pool = Pool([machine('x', status=status)])
    with pytest.raises(IllegalTransitionError) as info:
        pool.deploy('x')
    assert str(info.value) == (
        f"machine \"x\": Can't deploy a machine that is in the '{status.label}' state"
    )
    assert pool.get('x').status is status


@pytest.mark.parametrize(
    'status',
    sorted(
        {
            Status.ALLOCATED,
            Status.RESERVED,
            Status.BROKEN,
            Status.DEPLOYING,
            Status.DEPLOYED,
            Status.FAILED_DEPLOYMENT,
            Status.FAILED_DISK_ERASING,
            Status.FAILED_RELEASING,
        },
    ),
)
def test_release_from_every_releasable_status(status: Status):
    pool = Pool([machine('x', status=status, owner='admin')])
    m = pool.release('x')
    assert (m.status, m.owner) == (Status.READY, None)
    assert pool.allocate(c(''))[0].hostname == 'x'


def test_release_with_erase_passes_through_disk_erasing():
    pool = Pool([machine('x', status=Status.DEPLOYED, owner='admin')])
    seen: list[Status] = []
    original = pool._set

    def spy(m: Machine, status: Status, **kw: object) -> Machine:
        seen.append(status)
        return original(m, status, **kw)

    pool._set = spy  # type: ignore[method-assign]
    pool.release('x', erase=True)
    assert seen == [Status.DISK_ERASING, Status.READY]
    seen.clear()
    pool.deploy('x')
    pool.release('x')
    assert seen[-2:] == [Status.RELEASING, Status.READY]


def test_release_of_ready_is_a_no_op_and_new_is_refused():
    pool = Pool([machine('r'), machine('n', status=Status.NEW)])
    assert pool.release('r').status is Status.READY
    assert pool.changed == set()
    with pytest.raises(
        IllegalTransitionError,
        match=(r"^machine \"n\": Machine cannot be released in its current state \('New'\)\.$"),
    ):
        pool.release('n')


def test_mark_broken_releases_first_and_mark_fixed_returns_to_deployed():
    pool = Pool([machine('d', status=Status.DEPLOYED, owner='admin'), machine('r')])
    b = pool.mark_broken('d', 'PSU failure')
    assert (b.status, b.owner, b.previous_status, b.status_message) == (
        Status.BROKEN,
        None,
        Status.DEPLOYED,
        'PSU failure',
    )
    assert pool.mark_fixed('d').status is Status.DEPLOYED
    pool.mark_broken('r')
    assert pool.capacity(c('')) == 0
    assert pool.mark_fixed('r').status is Status.READY
    assert pool.capacity(c('')) == 1


def test_mark_fixed_only_from_broken():
    pool = Pool([machine('r')])
    with pytest.raises(
        IllegalTransitionError, match=re.escape("Can't mark a non-broken node as 'Ready'.")
    ):
        pool.mark_fixed('r')


def test_mark_broken_refused_where_maas_refuses():
    pool = Pool([machine('x', status=Status.RETIRED)])
    pool.mark_broken('x')  # Retired -> Broken is a legal transition
    pool = Pool([machine('y', status=Status.RESCUE_MODE)])
    pool.mark_broken('y')
    pool = Pool([machine('z', status=Status.BROKEN)])
    with pytest.raises(
        IllegalTransitionError, match=re.escape('Invalid transition: Broken -> Broken.')
    ):
        pool.mark_broken('z')


def test_fail_without_counterpart_changes_nothing():
    pool = Pool([machine('x')])
    with pytest.raises(IllegalTransitionError, match='this status cannot be transitioned'):
        pool.fail('x')
    assert pool.get('x').status is Status.READY and pool.changed == set()

"""MaasCloud on a scripted region: signing, Juju's allocate form, 409/400, retries, listing."""

from __future__ import annotations

import functools
import re
import time

import httpx
import pytest
from maasfake import (
    API_KEY,
    KEY_PARTS,
    NO_MATCH,
    URL,
    Region,
    block_device,
    form,
    interface_json,
    link_json,
    machine_json,
    ok,
    route,
    space_json,
    subnet_json,
    text,
    vlan_json,
    zone_json,
)

from orchestrator.cloud import (
    AllocationRequest,
    CloudError,
    IllegalTransitionError,
    MaasApiError,
    MaasAuthError,
    MaasCloud,
    MaasNoMatchError,
    MaasUnreachableError,
    MachineNotFoundError,
    NoMatchError,
    RequestError,
    Status,
)
from orchestrator.cloud.maas import RetryPolicy, inventory, juju_space_name
from orchestrator.cloud.network import Interface, Link, Space, Subnet
from orchestrator.juju import constraints

c = constraints.parse

MACHINES = 'machines/'


def assert_no_key(text: str) -> None:
    for part in KEY_PARTS:
        assert part not in text


# -- credentials and signing -------------------------------------------------------------------


def test_requests_carry_the_oauth_plaintext_header_maas_clients_send():
    region = Region([ok([]), ok([])])
    cloud = region.cloud()
    cloud.machines()
    cloud.machines()

    headers = [r.headers['Authorization'] for r in region.requests]
    pattern = re.compile(
        r'OAuth realm="", oauth_consumer_key="cOnSuMeRkEy", oauth_token="tOkEnKeYpArT", '
        r'oauth_signature_method="PLAINTEXT", oauth_signature="%26sEcReTtOkEnSeCrEt", '
        r'oauth_timestamp="(?P<ts>\d+)", oauth_nonce="(?P<nonce>[0-9a-f]{32})", '
        r'oauth_version="1\.0"'
    )
    found = [pattern.fullmatch(h) for h in headers]
    assert all(found), headers
    assert abs(int(found[0]['ts']) - time.time()) < 60  # type: ignore[index]
    nonces = {m['nonce'] for m in found if m}
    assert len(nonces) == 2  # a fresh nonce per request
    assert region.requests[0].headers['Accept'] == 'application/json'


@pytest.mark.parametrize('key', ['abc:def', 'abc:bcd:cde:def', 'abc::def', '', 'onlyonepart'])
def test_a_malformed_api_key_names_the_expected_form_not_the_key(key: str):
    with pytest.raises(MaasAuthError, match='consumer_key:token_key:token_secret') as caught:
        MaasCloud(URL, key)
    for part in key.split(':'):
        if part:
            assert part not in str(caught.value)


def test_the_key_is_in_no_repr():
    cloud = Region().cloud()
    assert repr(cloud) == f'MaasCloud({URL!r})'
    assert_no_key(repr(cloud.__dict__))
    region = cloud._http  # pyright: ignore[reportPrivateUsage]
    assert_no_key(repr(vars(region)))
    assert_no_key(repr(vars(region._client)))  # pyright: ignore[reportPrivateUsage]


@pytest.mark.parametrize(
    'url',
    [
        'http://10.0.0.10:5240/MAAS',
        'http://10.0.0.10:5240/MAAS/',
        'http://10.0.0.10:5240/MAAS/api/2.0',
        'http://10.0.0.10:5240/MAAS/api/2.0/',
    ],
)
def test_the_api_path_is_added_once(url: str):
    region = Region([ok([])])
    MaasCloud(url, API_KEY, transport=httpx.MockTransport(region)).machines()
    assert str(region.requests[0].url) == 'http://10.0.0.10:5240/MAAS/api/2.0/machines/'


def test_urls_with_credentials_or_no_scheme_are_refused_without_echo():
    with pytest.raises(MaasAuthError) as caught:
        MaasCloud('http://admin:hunter2@maas:5240/MAAS', API_KEY)
    assert 'hunter2' not in str(caught.value)
    with pytest.raises(MaasApiError, match='http://<host>:5240/MAAS'):
        MaasCloud('maas:5240/MAAS', API_KEY)


# -- listing -----------------------------------------------------------------------------------


def test_the_listing_becomes_pool_machines():
    disks = [
        block_device(7, 'sda', 4_000_787_030_016, ['rotary'], system_id='k3m8qa'),
        block_device(8, 'nvme0n1', 960_197_124_096, ['ssd', 'nvme'], system_id='k3m8qa'),
    ]
    region = Region(
        [
            ok(
                [
                    machine_json(
                        'k3m8qa',
                        'worker-2',
                        cores=32,
                        memory=131072,
                        zone='zone-b',
                        pool='k8s',
                        status=6,
                        tags=['k8s', 'ssd'],
                        owner='admin',
                        disks=disks,
                        boot=8,
                        ip_addresses=['10.0.1.22', '10.0.2.22'],
                    ),
                    machine_json('p7x2ny', 'worker-1'),
                ]
            )
        ]
    )
    first, second = region.cloud().machines()

    assert route(region.requests[0]) == ('GET', '/MAAS/api/2.0/machines/', '')
    assert second.hostname == 'worker-2'
    assert second.system_id == 'k3m8qa'
    assert (second.arch, second.cores, second.memory) == ('amd64/generic', 32, 131072)
    assert (second.zone, second.pool) == ('zone-b', 'k8s')
    assert second.tags == {'k8s', 'ssd'}
    assert second.status is Status.DEPLOYED
    assert second.owner == 'admin'
    assert second.address == '10.0.1.22'
    assert second.power_type == 'ipmi'
    assert second.status_message == 'Deployed'
    # The boot disk (boot_disk.id == 8) comes first, flagged; sizes in bytes.
    assert [(d.name, d.size, d.tags, d.boot) for d in second.disks] == [
        ('nvme0n1', 960_197_124_096, {'ssd', 'nvme'}, True),
        ('sda', 4_000_787_030_016, {'rotary'}, False),
    ]
    assert second.boot_disk is not None and second.boot_disk.name == 'nvme0n1'
    assert first.hostname == 'worker-1'
    assert first.status is Status.READY
    assert first.owner is None
    assert first.status_message == ''


def test_blockdevice_set_is_read_when_the_physical_set_is_absent():
    raw = machine_json('p7x2ny', 'worker-1', boot=2, disks=[
        block_device(1, 'sda', 240_000_000_000, system_id='p7x2ny'),
        block_device(2, 'sdb', 480_000_000_000, ['ssd'], system_id='p7x2ny'),
    ])  # fmt: skip
    del raw['physicalblockdevice_set']
    raw['boot_disk'] = 2  # an id instead of the object
    raw['blockdevice_set'].append({**block_device(3, 'bcache0', 1, system_id='p7x2ny'),
                                   'type': 'virtual'})  # fmt: skip
    (machine,) = Region([ok([raw])]).cloud().machines()
    assert [(d.name, d.boot) for d in machine.disks] == [('sdb', True), ('sda', False)]


def test_a_status_newer_than_olm_falls_back_on_its_label_else_fails_clearly():
    known_label = machine_json('p7x2ny', 'worker-1', status=99, status_name='Deployed')
    (machine,) = Region([ok([known_label])]).cloud().machines()
    assert machine.status is Status.DEPLOYED

    unknown = machine_json('p7x2ny', 'worker-1', status=99, status_name='Hibernating')
    with pytest.raises(MaasApiError) as caught:
        Region([ok([unknown])]).cloud().machines()
    message = str(caught.value)
    assert 'machine "worker-1" (p7x2ny)' in message
    assert "'status'" in message and '99' in message and 'Hibernating' in message


def test_architectures_are_kept_as_maas_names_them_and_a_bad_one_fails_clearly():
    odd = machine_json('p7x2ny', 'worker-1', architecture='i386/generic')
    bare = machine_json('q8y3oz', 'worker-2', architecture='arm64')
    first, second = Region([ok([odd, bare])]).cloud().machines()
    assert (first.arch, second.arch) == ('i386/generic', 'arm64/generic')

    # A missing one (MAAS allows null) leaves the machine out of a listing
    # (test_maas_region_contract); one machine read alone, or a non-string, still fails.
    with pytest.raises(MaasApiError, match=r'machine "worker-1" \(p7x2ny\) field .architecture.'):
        Region([ok(machine_json('p7x2ny', 'worker-1', architecture=''))]).cloud().get('p7x2ny')
    wrong = machine_json('p7x2ny', 'worker-1')
    wrong['architecture'] = 64
    with pytest.raises(MaasApiError, match='architecture'):
        Region([ok([wrong])]).cloud().machines()


def test_an_answer_that_is_not_json_says_so():
    region = Region([text(200, '<html>Welcome to nginx!</html>')])
    with pytest.raises(MaasApiError, match='not JSON'):
        region.cloud().machines()


def test_inventory_keeps_maas_statuses():
    region = Region(
        [
            ok([]),
            ok([]),
            ok(
                [
                    machine_json('a1a1a1', 'n1', status=4),
                    machine_json('b2b2b2', 'n2', status=6, owner='admin'),
                    machine_json('c3c3c3', 'n3', status=10, owner='admin'),
                    machine_json('d4d4d4', 'n4', status=8),
                ]
            ),
        ]
    )
    result = inventory(URL, API_KEY, transport=httpx.MockTransport(region))
    assert [(m.hostname, m.status) for m in result.machines] == [
        ('n1', Status.READY),
        ('n2', Status.DEPLOYED),
        ('n3', Status.ALLOCATED),
        ('n4', Status.BROKEN),
    ]


def test_get_by_system_id_then_by_hostname():
    region = Region(
        [
            ok(machine_json('p7x2ny', 'worker-1')),
            text(404, 'No Machine matches the given query.'),
            ok([machine_json('p7x2ny', 'worker-1')]),
            text(404, 'No Machine matches the given query.'),
            ok([]),
        ]
    )
    cloud = region.cloud()
    assert cloud.get('p7x2ny').hostname == 'worker-1'
    assert cloud.get('worker-1').system_id == 'p7x2ny'
    with pytest.raises(MachineNotFoundError, match='"ghost"'):
        cloud.get('ghost')
    assert [(r.url.path, dict(r.url.params)) for r in region.requests] == [
        ('/MAAS/api/2.0/machines/p7x2ny/', {}),
        ('/MAAS/api/2.0/machines/worker-1/', {}),
        ('/MAAS/api/2.0/machines/', {'hostname': 'worker-1'}),
        ('/MAAS/api/2.0/machines/ghost/', {}),
        ('/MAAS/api/2.0/machines/', {'hostname': 'ghost'}),
    ]


# -- allocate ----------------------------------------------------------------------------------


def allocated(system_id: str, hostname: str, zone: str = 'zone-a') -> httpx.Response:
    return ok(machine_json(system_id, hostname, zone=zone, status=10, owner='admin'))


def test_allocate_sends_exactly_what_juju_sends():
    region = Region([allocated('p7x2ny', 'worker-1')])
    (machine,) = region.cloud().allocate(
        c('mem=6G cores=2 tags=ssd,^gpu zones=zone-a'), owner='f00d-model-uuid'
    )

    (request,) = region.requests
    assert route(request) == ('POST', '/MAAS/api/2.0/machines/', 'allocate')
    assert form(request) == [
        ('cpu_count', '2'),
        ('mem', '6144'),
        ('tags', 'ssd'),
        ('not_tags', 'gpu'),
        ('zone', 'zone-a'),
        ('agent_name', 'f00d-model-uuid'),
    ]
    assert machine.status is Status.ALLOCATED
    assert machine.system_id == 'p7x2ny'


def test_allocate_sends_the_storage_value_and_repeats_multi_valued_fields():
    region = Region([allocated('p7x2ny', 'worker-1')])
    region.cloud().allocate(c('arch=amd64 tags=ssd,nvme'), storage='root:0,0:900(ssd)')
    assert form(region.requests[0]) == [
        ('arch', 'amd64'),
        ('tags', 'ssd'),
        ('tags', 'nvme'),
        ('storage', 'root:0,0:900(ssd)'),
        ('agent_name', 'admin'),
    ]


def test_allocate_takes_a_maas_request_and_placements():
    region = Region([allocated('p7x2ny', 'worker-1'), allocated('p7x2ny', 'worker-1')])
    cloud = region.cloud()
    cloud.allocate(AllocationRequest.from_maas_params({'pool': ['k8s'], 'mem': ['1024']}))
    cloud.allocate(c('cores=2'), placement='system-id=p7x2ny', spread=['q8y3oz'])
    assert form(region.requests[0]) == [('pool', 'k8s'), ('mem', '1024'), ('agent_name', 'admin')]
    # A system-id placement is not spread over zones, as Juju ignores zones then.
    assert form(region.requests[1]) == [
        ('cpu_count', '2'),
        ('system_id', 'p7x2ny'),
        ('agent_name', 'admin'),
    ]
    assert len(region.requests) == 2


def test_values_maas_would_reject_are_refused_before_sending():
    region = Region()
    with pytest.raises(RequestError, match='Malformed storage constraint'):
        region.cloud().allocate(c('cores=2'), storage='root:big')
    with pytest.raises(RequestError, match='count'):
        region.cloud().allocate(c('cores=2'), 0)
    assert region.requests == []


def test_409_is_a_no_match_with_maas_text_and_no_invented_counts():
    region = Region([text(409, NO_MATCH)])
    with pytest.raises(NoMatchError) as caught:
        region.cloud().allocate(c('cores=2 mem=6G'))
    error = caught.value
    assert isinstance(error, MaasNoMatchError)
    assert error.maas_message == NO_MATCH
    lines = str(error).splitlines()
    assert lines[0] == NO_MATCH
    assert 'does not say how many machines each constraint excludes' in str(error)
    assert 'excludes 0' not in str(error) and 'no machine in another status' not in str(error)
    assert error.excluded == {} and error.not_ready == {}
    assert not error.may_fit_later
    assert len(region.requests) == 1  # a 409 is an answer, not a failure to retry


def test_400_is_a_request_error_with_maas_field_and_message_and_is_not_retried():
    region = Region([httpx.Response(400, json={'tags': ["No such tag(s): 'gpu'."]})])
    with pytest.raises(RequestError) as caught:
        region.cloud().allocate(c('tags=gpu'))
    assert caught.value.field == 'tags'
    assert str(caught.value) == "tags: No such tag(s): 'gpu'."
    assert len(region.requests) == 1


def test_a_400_naming_several_fields_keeps_them_all():
    body = {'zone': ['No such zone(s): zone-x.'], 'pool': ['No such pool(s): gpu.']}
    region = Region([httpx.Response(400, json=body)])
    with pytest.raises(RequestError) as caught:
        region.cloud().allocate(c('zones=zone-x'))
    assert caught.value.field == 'zone'
    assert str(caught.value) == 'zone: No such zone(s): zone-x.; pool: No such pool(s): gpu.'


def test_spreading_tries_zones_fewest_of_the_group_first_and_moves_on_after_a_409():
    in_zone_b = NO_MATCH.replace("['6144'])]", "['6144']), ('zone', ['zone-b'])]")
    region = Region(
        [
            ok([machine_json('a1a1a1', 'cp-0', zone='zone-a', status=6)]),
            ok([zone_json('zone-a', 1), zone_json('zone-b', 2), zone_json('zone-c', 3)]),
            text(409, in_zone_b),
            allocated('c3c3c3', 'cp-1', zone='zone-c'),
        ]
    )
    (machine,) = region.cloud().allocate(c('cores=2 mem=6G'), spread=['a1a1a1'])

    assert machine.zone == 'zone-c'
    group, zones, first, second = region.requests
    assert route(group) == ('GET', '/MAAS/api/2.0/machines/', '')
    assert group.url.params.get_list('id') == ['a1a1a1']
    assert route(zones) == ('GET', '/MAAS/api/2.0/zones/', '')
    assert ('zone', 'zone-b') in form(first)
    assert ('zone', 'zone-c') in form(second)
    assert [v for k, v in form(second) if k == 'zone'] == ['zone-c']


def test_spreading_counts_the_machines_it_just_allocated():
    region = Region(
        [
            ok([zone_json('zone-a'), zone_json('zone-b')]),
            allocated('a1a1a1', 'w-0', zone='zone-a'),
            allocated('b2b2b2', 'w-1', zone='zone-b'),
        ]
    )
    machines = region.cloud().allocate(c('cores=2'), 2, spread=[])
    assert [m.zone for m in machines] == ['zone-a', 'zone-b']
    assert [dict(form(r))['zone'] for r in region.requests[1:]] == ['zone-a', 'zone-b']


def test_spreading_within_the_zones_constraint_and_no_match_in_any_zone():
    region = Region([text(409, NO_MATCH), text(409, NO_MATCH)])
    with pytest.raises(MaasNoMatchError) as caught:
        region.cloud().allocate(c('cores=2 mem=6G zones=zone-b,zone-a'), spread=[])
    assert caught.value.zones == ('zone-a', 'zone-b')
    assert 'tried zones zone-a, zone-b' in str(caught.value)
    # No zone listing: the zones constraint names them.
    assert [dict(form(r))['zone'] for r in region.requests] == ['zone-a', 'zone-b']


def release_ok(request: httpx.Request) -> httpx.Response:
    system_id = request.url.path.rstrip('/').rsplit('/', 1)[-1]
    return ok(machine_json(system_id, f'host-{system_id}', status=12))


def test_several_machines_are_all_or_none():
    region = Region(
        [
            allocated('a1a1a1', 'w-0'),
            allocated('b2b2b2', 'w-1'),
            text(409, NO_MATCH),
            release_ok,
            release_ok,
        ]
    )
    with pytest.raises(MaasNoMatchError) as caught:
        region.cloud().allocate(c('cores=2 mem=6G'), 3)

    releases = region.requests[3:]
    assert [route(r) for r in releases] == [
        ('POST', '/MAAS/api/2.0/machines/b2b2b2/', 'release'),
        ('POST', '/MAAS/api/2.0/machines/a1a1a1/', 'release'),
    ]
    assert form(releases[0]) == [('comment', 'Released by olm: all or none')]
    error = caught.value
    assert (error.requested, error.allocated) == (3, 2)
    assert str(error).splitlines()[0] == NO_MATCH
    assert '3 machines requested, MAAS handed out 2' in str(error)


def test_a_release_that_fails_during_rollback_is_reported_not_hidden():
    region = Region(
        [
            allocated('a1a1a1', 'w-0'),
            text(409, NO_MATCH),
            text(409, "Machine cannot be released in its current state ('Deploying')."),
        ]
    )
    with pytest.raises(MaasNoMatchError) as caught:
        region.cloud().allocate(c('cores=2'), 2)
    assert 'could not release a1a1a1' in str(caught.value)
    assert 'release it in MAAS' in str(caught.value)


def test_a_later_failure_other_than_409_also_releases_what_was_got():
    region = Region([allocated('a1a1a1', 'w-0'), text(500, 'Internal Server Error'), release_ok])
    with pytest.raises(MaasApiError, match='HTTP 500'):
        region.cloud().allocate(c('cores=2'), 2)
    assert route(region.requests[-1]) == ('POST', '/MAAS/api/2.0/machines/a1a1a1/', 'release')


def test_an_excluded_machine_offered_again_is_given_back():
    region = Region([allocated('a1a1a1', 'w-0'), release_ok])
    with pytest.raises(MaasNoMatchError, match='w-0, which already failed'):
        region.cloud().allocate(c('cores=2'), exclude=['a1a1a1'])
    assert route(region.requests[1]) == ('POST', '/MAAS/api/2.0/machines/a1a1a1/', 'release')


def test_a_dry_run_allocates_nothing():
    region = Region([ok([machine_json('a1a1a1', 'w-0')])])
    machine = region.cloud().would_allocate(c('cores=2'))
    assert machine.status is Status.READY
    # Read-only: MAAS's dry_run may compose a VM (see MaasCloud.would_allocate).
    assert [route(r) for r in region.requests] == [('GET', '/MAAS/api/2.0/machines/', '')]


# -- deploy and release ------------------------------------------------------------------------


def test_deploy_posts_the_series_and_returns_the_deploying_machine():
    region = Region([ok(machine_json('a1a1a1', 'w-0', status=9, owner='admin'))])
    machine = region.cloud().deploy('a1a1a1', owner='f00d', user_data=b'#cloud-config\n')
    (request,) = region.requests
    assert route(request) == ('POST', '/MAAS/api/2.0/machines/a1a1a1/', 'deploy')
    assert form(request) == [
        ('distro_series', 'noble'),
        ('agent_name', 'f00d'),
        ('user_data', 'I2Nsb3VkLWNvbmZpZwo='),
    ]
    assert machine.status is Status.DEPLOYING


def test_deploy_by_hostname_looks_the_system_id_up_on_a_404():
    region = Region(
        [
            text(404, 'No Machine matches the given query.'),
            ok([machine_json('a1a1a1', 'w-0')]),
            ok(machine_json('a1a1a1', 'w-0', status=9)),
        ]
    )
    region.cloud().deploy('w-0')
    assert [(*route(r), dict(r.url.params)) for r in region.requests] == [
        ('POST', '/MAAS/api/2.0/machines/w-0/', 'deploy', {'op': 'deploy'}),
        ('GET', '/MAAS/api/2.0/machines/', '', {'hostname': 'w-0'}),
        ('POST', '/MAAS/api/2.0/machines/a1a1a1/', 'deploy', {'op': 'deploy'}),
    ]


def test_deploy_409_is_an_illegal_transition_with_maas_text():
    message = "Can't deploy a machine that is in the 'Deployed' state"
    region = Region([text(409, message)])
    with pytest.raises(IllegalTransitionError) as caught:
        region.cloud().deploy('a1a1a1')
    assert (caught.value.current, caught.value.requested) == ('Deployed', 'Deploying')
    assert str(caught.value) == f'machine "a1a1a1": {message}'


def test_release_sends_comment_and_erase_and_maps_409():
    region = Region(
        [
            ok(machine_json('a1a1a1', 'w-0', status=12)),
            ok(machine_json('a1a1a1', 'w-0', status=12)),
            text(409, "Machine cannot be released in its current state ('New')."),
        ]
    )
    cloud = region.cloud()
    assert cloud.release('a1a1a1', erase=True, comment='scale down').status is Status.RELEASING
    cloud.release('a1a1a1')
    with pytest.raises(IllegalTransitionError) as caught:
        cloud.release('a1a1a1')

    assert form(region.requests[0]) == [('comment', 'scale down'), ('erase', 'true')]
    # erase is left out, so a region that always erases keeps erasing.
    assert form(region.requests[1]) == []
    assert caught.value.current == 'New'
    assert str(caught.value).endswith("Machine cannot be released in its current state ('New').")


# -- retries -----------------------------------------------------------------------------------


def test_503_is_retried_with_exponential_waits_then_succeeds():
    waits: list[float] = []
    region = Region([text(503, 'Service Unavailable'), text(503, ''), ok([])])
    assert region.cloud(waits=waits).machines() == []
    assert len(region.requests) == 3
    assert waits == [1.0, 2.0]
    # Each retry is signed anew.
    nonces = {r.headers['Authorization'].split('oauth_nonce="')[1][:32] for r in region.requests}
    assert len(nonces) == 3


def test_503_retry_after_is_honoured_up_to_the_cap():
    waits: list[float] = []
    region = Region([text(503, 'busy', **{'Retry-After': '7'}), allocated('a1a1a1', 'w-0')])
    region.cloud(waits=waits).allocate(c('cores=2'))
    assert waits == [7.0]


def test_503_that_persists_is_unreachable_after_the_attempts():
    region = Region([text(503, 'Service Unavailable')] * 3)
    with pytest.raises(MaasUnreachableError) as caught:
        region.cloud(attempts=3).machines()
    assert caught.value.status == 503
    assert 'after 3 attempts' in str(caught.value)


@pytest.mark.parametrize('status', [400, 401, 403, 404, 409, 429])
def test_4xx_is_never_retried(status: int):
    region = Region([text(status, 'no')])
    with pytest.raises(CloudError):
        region.cloud().allocate(c('cores=2'))
    assert len(region.requests) == 1


def test_a_connection_error_is_retried_then_raised_as_a_cloud_error():
    waits: list[float] = []
    region = Region([httpx.ConnectError('[Errno 111] Connection refused')] * 3)
    with pytest.raises(MaasUnreachableError) as caught:
        region.cloud(attempts=3, waits=waits).machines()
    assert isinstance(caught.value, CloudError)
    assert len(region.requests) == 3
    assert waits == [1.0, 2.0]
    assert 'Connection refused' in str(caught.value)
    assert caught.value.__cause__ is None  # no httpx request (and its header) kept
    assert_no_key(str(caught.value))


def test_a_connect_timeout_then_an_answer():
    region = Region([httpx.ConnectTimeout('timed out'), allocated('a1a1a1', 'w-0')])
    (machine,) = region.cloud().allocate(c('cores=2'))
    assert machine.system_id == 'a1a1a1'


def test_a_post_whose_answer_was_lost_is_not_resent():
    region = Region([httpx.ReadTimeout('timed out')])
    with pytest.raises(MaasUnreachableError, match='may have reached MAAS'):
        region.cloud().allocate(c('cores=2'))
    assert len(region.requests) == 1


def test_a_get_whose_answer_was_lost_is_resent():
    region = Region([httpx.ReadTimeout('timed out'), ok([])])
    assert region.cloud().machines() == []


def test_no_retry_policy():
    region = Region([text(503, 'busy')])
    cloud = MaasCloud(
        URL, API_KEY, transport=httpx.MockTransport(region), retry=RetryPolicy(attempts=1)
    )
    with pytest.raises(MaasUnreachableError, match='after 1 attempt:'):
        cloud.machines()
    with pytest.raises(ValueError, match='at least 1'):
        RetryPolicy(attempts=0)


# -- refusals ----------------------------------------------------------------------------------


def test_401_is_an_auth_error_with_the_token_scrubbed():
    region = Region([text(401, "Authorization Error: 'Invalid access token: tOkEnKeYpArT'")])
    with pytest.raises(MaasAuthError) as caught:
        region.cloud().machines()
    assert caught.value.status == 401
    assert 'maas apikey' in str(caught.value)
    assert_no_key(str(caught.value))
    assert_no_key(caught.value.body)


def test_a_region_without_zones_leaves_the_zone_to_maas():
    region = Region([ok([]), allocated('a1a1a1', 'w-0')])
    region.cloud().allocate(c('cores=2'), spread=[])
    assert 'zone' not in dict(form(region.requests[1]))


# -- network: spaces, subnets, interfaces ------------------------------------------------------
# A region as MAAS 3.6 lists it (shapes: maasfake's builders, each citing its handler). Spaces
# are named as an operator may name them in MAAS; Juju renames them (ConvertSpaceName).

VLAN_OAM = vlan_json(5001, 0, 0, 'oam')
VLAN_INTERNAL = vlan_json(5002, 20, 1, 'Internal-Net', mtu=9000)
VLAN_CEPH = vlan_json(5003, 30, 1, 'ceph_public', mtu=9000)
VLAN_REPLICATION = vlan_json(5004, 0, 2, None)  # a VLAN on no space: "undefined"
SUBNET_OAM = subnet_json(1, '10.0.0.0/22', VLAN_OAM, gateway='10.0.0.1')
SUBNET_INTERNAL = subnet_json(4, '10.20.0.0/24', VLAN_INTERNAL)
SUBNET_CEPH = subnet_json(7, '10.30.0.0/24', VLAN_CEPH)
SUBNET_REPLICATION = subnet_json(9, '192.168.100.0/24', VLAN_REPLICATION)
SPACES = [
    space_json(1, 'oam', [SUBNET_OAM]),
    space_json(3, 'Internal-Net', [SUBNET_INTERNAL]),
    space_json(5, 'ceph_public', [SUBNET_CEPH]),
    space_json(-1, 'undefined', [SUBNET_REPLICATION]),
]
SUBNETS = [SUBNET_OAM, SUBNET_INTERNAL, SUBNET_CEPH, SUBNET_REPLICATION]
MAC = '3c:ec:ef:10:00:0{}'
BOND_PARAMS = {'bond_mode': '802.3ad', 'bond_miimon': 100, 'bond_downdelay': 0,
               'bond_updelay': 0, 'bond_lacp_rate': 'fast',
               'bond_xmit_hash_policy': 'layer3+4', 'bond_num_grat_arp': 1,
               'mtu': 9000}  # fmt: skip


def ceph_interfaces(system_id: str = 'k3m8qa') -> list[dict[str, object]]:
    """eno1+eno2 bonded (eno1 boots), br0 over the bond on OAM, VLANs 20 and 30 over the bond,
    eno3 link_up on a subnet of no space, eno4 with a DHCP link on no subnet."""
    nic = functools.partial(interface_json, system_id=system_id)
    return [
        nic(10, 'eno1', 'physical', MAC.format(1), VLAN_OAM, children=['bond0']),
        nic(11, 'eno2', 'physical', MAC.format(2), VLAN_OAM, children=['bond0']),
        nic(12, 'bond0', 'bond', MAC.format(1), VLAN_OAM, parents=['eno1', 'eno2'],
            children=['br0', 'bond0.20', 'bond0.30'], params=BOND_PARAMS, mtu=9000),
        nic(13, 'br0', 'bridge', MAC.format(1), VLAN_OAM, parents=['bond0'],
            params={'bridge_type': 'standard', 'bridge_stp': False, 'bridge_fd': 15},
            links=[link_json(101, 'static', SUBNET_OAM, '10.0.0.21')]),
        nic(14, 'bond0.20', 'vlan', MAC.format(1), VLAN_INTERNAL, parents=['bond0'],
            links=[link_json(102, 'auto', SUBNET_INTERNAL, '10.20.0.21')], mtu=9000),
        nic(15, 'bond0.30', 'vlan', MAC.format(1), VLAN_CEPH, parents=['bond0'],
            links=[link_json(103, 'auto', SUBNET_CEPH)], mtu=9000),
        nic(16, 'eno3', 'physical', MAC.format(3), VLAN_REPLICATION,
            links=[link_json(104, 'link_up', SUBNET_REPLICATION)]),
        nic(17, 'eno4', 'physical', MAC.format(4), None, links=[link_json(105, 'dhcp')]),
    ]  # fmt: skip


def ceph_machine(**changes: object) -> dict[str, object]:
    raw = machine_json(
        'k3m8qa', 'ceph-1', status=6, owner='admin', interfaces=ceph_interfaces(),
        boot_interface='eno1', ip_addresses=['10.20.0.21', '10.0.0.21'],
        disks=[
            block_device(1, 'sda', 960_197_124_096, ['ssd'], system_id='k3m8qa',
                         model='SAMSUNG MZ7LH960HAJR-00005', serial='S45NNA0N209754',
                         id_path='/dev/disk/by-id/wwn-0x5002538e0026cccb'),
            block_device(2, 'nvme0n1', 3_840_755_982_336, ['ssd', 'nvme'], system_id='k3m8qa',
                         model='T408-U2', serial='TU05-07-02-B04-0244',
                         id_path='/dev/disk/by-id/nvme-nvme.1d82-545530352d30372d30322d4230342d'
                                 '30323434-543430382d5532-00000001'),
            block_device(3, 'vdb', 10_737_418_240, system_id='k3m8qa', model='QEMU HARDDISK',
                         serial='', id_path='/dev/vdb'),
        ],
    )  # fmt: skip
    raw.update(changes)
    return raw


def read_inventory(machines: list[dict[str, object]], spaces: object = None,
                   subnets: object = None) -> Region:  # fmt: skip
    return Region([ok(SPACES if spaces is None else spaces),
                   ok(SUBNETS if subnets is None else subnets), ok(machines)])  # fmt: skip


def test_inventory_reads_spaces_and_subnets_with_maas_ids_and_juju_names():
    region = read_inventory([ceph_machine()])
    result = region.cloud().inventory()

    assert [route(r)[1] for r in region.requests] == [
        '/MAAS/api/2.0/spaces/', '/MAAS/api/2.0/subnets/', '/MAAS/api/2.0/machines/',
    ]  # fmt: skip
    # MAAS's ids; Juju's names ("Internal-Net" -> internal-net, "ceph_public" -> cephpublic);
    # the undefined placeholder (id -1) is no space.
    assert result.network.spaces == (
        Space(1, 'oam'), Space(3, 'internal-net'), Space(5, 'cephpublic'),
    )  # fmt: skip
    assert result.network.subnets == (
        Subnet(1, '10.0.0.0/22', '10.0.0.0/22', 'oam', 'fabric-0', 0, '10.0.0.1'),
        Subnet(4, '10.20.0.0/24', '10.20.0.0/24', 'internal-net', 'fabric-1', 20, ''),
        Subnet(7, '10.30.0.0/24', '10.30.0.0/24', 'cephpublic', 'fabric-1', 30, ''),
        Subnet(9, '192.168.100.0/24', '192.168.100.0/24', 'undefined', 'fabric-2', 0, ''),
    )


def test_interfaces_keep_maas_stacking_links_and_spaces():
    region = read_inventory([ceph_machine()])
    (machine,) = region.cloud().inventory().machines
    by_name = {i.name: i for i in machine.interfaces}

    assert [i.name for i in machine.interfaces] == [
        'eno1', 'eno2', 'bond0', 'br0', 'bond0.20', 'bond0.30', 'eno3', 'eno4',
    ]  # fmt: skip
    assert by_name['eno1'] == Interface('eno1', 'physical', MAC.format(1))
    assert by_name['bond0'] == Interface(
        'bond0', 'bond', MAC.format(1), parents=('eno1', 'eno2'), mtu=9000
    )
    assert by_name['br0'] == Interface(
        'br0', 'bridge', MAC.format(1), parents=('bond0',),
        links=(Link('10.0.0.0/22', 'static', '10.0.0.21', 'oam', 22),),
    )  # fmt: skip
    assert by_name['bond0.20'] == Interface(
        'bond0.20', 'vlan', MAC.format(1), parents=('bond0',), vid=20, mtu=9000,
        links=(Link('10.20.0.0/24', 'auto', '10.20.0.21', 'internal-net', 24),),
    )  # fmt: skip
    # An auto link before deployment has no address yet; MAAS leaves ip_address out.
    assert by_name['bond0.30'].links == (Link('10.30.0.0/24', 'auto', '', 'cephpublic', 24),)
    assert by_name['eno3'].links == (Link('192.168.100.0/24', 'link_up', '', 'undefined', 24),)
    # A link on no subnet reaches no space: left out, as Juju keeps no address for it.
    assert by_name['eno4'].links == ()
    assert machine.spaces == {'oam', 'internal-net', 'cephpublic', 'undefined'}


def test_the_address_is_the_boot_stacks_ip_else_the_first_of_ip_addresses():
    # eno1 boots; it is bonded, so the address is br0's, over bond0 (not bond0.20's, a VLAN).
    region = read_inventory([
        ceph_machine(),
        machine_json('p7x2ny', 'new-1', status=4, ip_addresses=['10.0.1.21']),
        ceph_machine(system_id='q8y3oz', hostname='ceph-2', boot_interface=None),
    ])  # fmt: skip
    by_host = {m.hostname: m for m in region.cloud().inventory().machines}
    assert by_host['ceph-1'].address == '10.0.0.21'
    assert by_host['new-1'].address == '10.0.1.21'  # no interfaces: MAAS's first IP
    assert by_host['ceph-2'].address == '10.20.0.21'  # no boot interface known


def test_disks_carry_model_serial_id_path_and_a_wwn_read_off_the_id_path():
    region = read_inventory([ceph_machine()])
    (machine,) = region.cloud().inventory().machines
    identity = {d.name: (d.model, d.serial, d.wwn, d.id_path) for d in machine.disks}
    assert identity['sda'] == (
        'SAMSUNG MZ7LH960HAJR-00005', 'S45NNA0N209754', '0x5002538e0026cccb',
        '/dev/disk/by-id/wwn-0x5002538e0026cccb',
    )  # fmt: skip
    assert identity['nvme0n1'][2] == (
        'nvme.1d82-545530352d30372d30322d4230342d30323434-543430382d5532-00000001'
    )
    # No serial: MAAS falls back on the kernel path, which names no WWN.
    assert identity['vdb'] == ('QEMU HARDDISK', '', '', '/dev/vdb')


def test_a_null_id_path_is_unknown():
    raw = machine_json('p7x2ny', 'w-1', disks=[block_device(1, 'sda', 10**12, id_path='')])
    raw['physicalblockdevice_set'][0]['id_path'] = None  # as in examples/machines.json
    (machine,) = Region([ok([raw])]).cloud().machines()
    assert (machine.disks[0].id_path, machine.disks[0].wwn) == ('', '')


def test_machines_without_the_network_read_the_subnet_each_link_embeds():
    (machine,) = Region([ok([ceph_machine()])]).cloud().machines()
    br0 = next(i for i in machine.interfaces if i.name == 'br0')
    vlan20 = next(i for i in machine.interfaces if i.name == 'bond0.20')
    assert br0.links == (Link('10.0.0.0/22', 'static', '10.0.0.21', 'oam', 22),)
    # Juju names an address's space with ConvertSpaceName(sub.Space, nil).
    assert vlan20.links[0].space == 'internal-net'
    assert machine.address == '10.0.0.21'


def test_effective_mtu_else_params_else_the_vlans():
    interfaces = ceph_interfaces()
    del interfaces[2]['effective_mtu']  # bond0: params.mtu 9000
    interfaces[0]['effective_mtu'] = None  # eno1: params '' -> its VLAN's 1500
    interfaces[4]['params'] = ''
    del interfaces[4]['effective_mtu']  # bond0.20: VLAN_INTERNAL's 9000
    (machine,) = Region([ok([ceph_machine(interface_set=interfaces)])]).cloud().machines()
    mtus = {i.name: i.mtu for i in machine.interfaces}
    assert (mtus['bond0'], mtus['eno1'], mtus['bond0.20']) == (9000, 1500, 9000)


def test_alias_and_unknown_interfaces_are_read_past():
    interfaces = [*ceph_interfaces(),
                  interface_json(18, 'eno1:1', 'alias', MAC.format(1), VLAN_OAM),
                  interface_json(19, 'virbr0', 'unknown', MAC.format(9), None)]  # fmt: skip
    (machine,) = Region([ok([ceph_machine(interface_set=interfaces)])]).cloud().machines()
    assert 'eno1:1' not in {i.name for i in machine.interfaces}
    assert 'virbr0' not in {i.name for i in machine.interfaces}


@pytest.mark.parametrize(
    ('name', 'existing', 'expected'),
    # juju/juju core/network space_test.go (TestConvertSpaceName)'s table.
    [
        ('foo', (), 'foo'),
        ('foo1', (), 'foo1'),
        ('Foo Thing', (), 'foo-thing'),
        ('foo^9*//++!!!!', (), 'foo9'),
        ('--Foo', (), 'foo'),
        ('---^^&*()!', (), 'empty'),
        (' ', (), 'empty'),
        ('', (), 'empty'),
        ('foo\u2318', (), 'foo'),
        ('foo--', (), 'foo'),
        ('-foo--foo----bar-', (), 'foo-foo-bar'),
        ('foo-', ('foo', 'bar', 'baz'), 'foo-2'),
        ('foo', ('foo', 'foo-2'), 'foo-3'),
        ('---', ('empty',), 'empty-2'),
    ],
)
def test_space_names_are_converted_as_juju_converts_them(
    name: str, existing: tuple[str, ...], expected: str
):
    assert juju_space_name(name, existing) == expected


def test_space_names_that_collide_take_a_suffix_and_alpha_is_juju_s():
    spaces = [space_json(1, 'alpha', []), space_json(2, 'Storage', []),
              space_json(3, 'storage', [])]  # fmt: skip
    network = Region([ok(spaces), ok([])]).cloud().network()
    assert network.spaces == (Space(1, 'alpha-2'), Space(2, 'storage'), Space(3, 'storage-2'))


def test_the_network_is_read_once_per_cloud():
    region = Region([ok(SPACES), ok(SUBNETS)])
    cloud = region.cloud()
    assert cloud.network() is cloud.network()
    assert len(region.requests) == 2


def bad_subnets(**changes: object) -> list[dict[str, object]]:
    return [SUBNET_OAM, {**SUBNET_INTERNAL, **changes}, SUBNET_CEPH, SUBNET_REPLICATION]


def without(data: dict[str, object], key: str) -> dict[str, object]:
    return {k: v for k, v in data.items() if k != key}


def with_link(link: dict[str, object]) -> dict[str, object]:
    interfaces = ceph_interfaces()
    interfaces[3]['links'] = [link]
    return ceph_machine(interface_set=interfaces)


@pytest.mark.parametrize(
    ('subnets', 'machine', 'message'),
    [
        (
            [SUBNET_OAM, without(SUBNET_INTERNAL, 'cidr')], ceph_machine(),
            "subnet 4 field 'cidr': expected a string, got None",
        ),
        (
            bad_subnets(cidr='10.20.0.0/33'), ceph_machine(),
            "subnet 4 field 'cidr': expected a network such as 10.0.0.0/24, got '10.20.0.0/33'",
        ),
        (
            bad_subnets(space='dmz'), ceph_machine(),
            "subnet 4 (10.20.0.0/24) field 'space': expected \"undefined\" or a space spaces/ "
            "lists (Internal-Net, ceph_public, oam), got 'dmz'",
        ),
        (
            bad_subnets(vlan=None), ceph_machine(),
            "subnet 4 (10.20.0.0/24) vlan: expected a JSON object, got 'NoneType'",
        ),
        (
            SUBNETS, with_link(link_json(101, 'static', {**SUBNET_OAM, 'id': 77}, '10.0.0.21')),
            'machine "ceph-1" (k3m8qa) interface br0 link 101 subnet field \'id\': expected a '
            'subnet subnets/ lists (1, 4, 7, 9), got 77',
        ),
        (
            SUBNETS, with_link(link_json(101, 'static', SUBNET_OAM, '10.9.0.21')),
            'machine "ceph-1" (k3m8qa) interface br0 link 101 field \'ip_address\': expected an '
            "address in its subnet 10.0.0.0/22, got '10.9.0.21'",
        ),
        (
            SUBNETS, with_link(link_json(101, 'sticky', SUBNET_OAM, '10.0.0.21')),
            "interface br0 link 101 field 'mode': expected one of auto, static, dhcp, link_up, "
            "got 'sticky'",
        ),
        (
            SUBNETS,
            ceph_machine(interface_set=[*ceph_interfaces(),
                                        interface_json(20, 'ovs0', 'ovs', MAC.format(5), None)]),
            "interface ovs0 field 'type': expected one of physical, bond, bridge, vlan, alias, "
            "unknown, got 'ovs'",
        ),
        (
            SUBNETS,
            ceph_machine(interface_set=[i for i in ceph_interfaces() if i['name'] != 'eno2']),
            "interface bond0 field 'parents': expected names of its interfaces (bond0, "
            "bond0.20, bond0.30, br0, eno1, eno3, eno4), got 'eno2'",
        ),
        (
            SUBNETS,
            ceph_machine(interface_set=[{**i, 'vlan': None} if i['name'] == 'bond0.20' else i
                                        for i in ceph_interfaces()]),
            "interface bond0.20 field 'vlan': expected the VLAN object of a vlan interface, "
            'got None',
        ),
    ],
)  # fmt: skip
def test_bad_answers_name_what_and_where(
    subnets: list[dict[str, object]], machine: dict[str, object], message: str
):
    region = read_inventory([machine], subnets=subnets)
    with pytest.raises(MaasApiError) as caught:
        region.cloud().inventory()
    assert message in str(caught.value)
    assert str(caught.value).startswith('cannot read MAAS ')


def test_a_link_without_cidr_fails_when_read_without_the_network():
    raw = with_link(link_json(101, 'static', without(SUBNET_OAM, 'cidr'), '10.0.0.21'))
    with pytest.raises(MaasApiError, match=r"br0 link 101 subnet field 'cidr': expected a str"):
        Region([ok([raw])]).cloud().machines()


# -- spaces in an allocation -------------------------------------------------------------------


def test_spaces_and_bindings_read_the_network_and_send_what_juju_sends():
    region = Region([ok(SPACES), ok(SUBNETS), allocated('k3m8qa', 'ceph-1')])
    region.cloud().allocate(
        c('cores=2 spaces=cephpublic,^oam'), bindings=['internal-net', 'alpha']
    )
    assert [route(r)[1] for r in region.requests[:2]] == [
        '/MAAS/api/2.0/spaces/', '/MAAS/api/2.0/subnets/',
    ]  # fmt: skip
    # Provider ids (MAAS's), labelled with themselves, sorted; alpha asks for nothing.
    assert form(region.requests[2]) == [
        ('cpu_count', '2'),
        ('interfaces', '3:space=3;5:space=5'),
        ('not_subnets', 'space:1'),
        ('agent_name', 'admin'),
    ]


def test_an_unknown_space_is_refused_unsent_with_juju_s_message():
    region = Region([ok(SPACES), ok(SUBNETS)])
    with pytest.raises(RequestError, match='unrecognised space in constraint "dmz"'):
        region.cloud().allocate(c('spaces=dmz'))
    assert len(region.requests) == 2  # the network, no allocate


def test_a_maas_request_carries_its_own_spaces():
    region = Region()
    request = AllocationRequest.from_maas_params({'mem': ['1024']})
    with pytest.raises(RequestError, match='inside the request'):
        region.cloud().allocate(request, bindings=['oam'])
    assert region.requests == []

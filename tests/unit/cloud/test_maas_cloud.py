"""MaasCloud on a scripted region: signing, Juju's allocate form, 409/400, retries, listing."""

from __future__ import annotations

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
    machine_json,
    ok,
    route,
    text,
    zone_json,
)

from orchestrator import constraints
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
from orchestrator.cloud.maas import RetryPolicy, inventory

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
    assert_no_key(repr(vars(cloud._client)))  # pyright: ignore[reportPrivateUsage]


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


def test_architectures_are_kept_as_maas_names_them_and_a_missing_one_fails_clearly():
    odd = machine_json('p7x2ny', 'worker-1', architecture='i386/generic')
    bare = machine_json('q8y3oz', 'worker-2', architecture='arm64')
    first, second = Region([ok([odd, bare])]).cloud().machines()
    assert (first.arch, second.arch) == ('i386/generic', 'arm64/generic')

    with pytest.raises(MaasApiError, match=r'machine "worker-1" \(p7x2ny\) field .architecture.'):
        Region([ok([machine_json('p7x2ny', 'worker-1', architecture='')])]).cloud().machines()


def test_an_answer_that_is_not_json_says_so():
    region = Region([text(200, '<html>Welcome to nginx!</html>')])
    with pytest.raises(MaasApiError, match='not JSON'):
        region.cloud().machines()


def test_inventory_keeps_maas_statuses():
    region = Region(
        [
            ok(
                [
                    machine_json('a1a1a1', 'n1', status=4),
                    machine_json('b2b2b2', 'n2', status=6, owner='admin'),
                    machine_json('c3c3c3', 'n3', status=10, owner='admin'),
                    machine_json('d4d4d4', 'n4', status=8),
                ]
            )
        ]
    )
    machines = inventory(URL, API_KEY, transport=httpx.MockTransport(region))
    assert [(m.hostname, m.status) for m in machines] == [
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
    region = Region([ok(machine_json('a1a1a1', 'w-0'))])
    machine = region.cloud().would_allocate(c('cores=2'))
    assert machine.status is Status.READY
    assert form(region.requests[0]) == [('cpu_count', '2'), ('dry_run', 'true')]


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

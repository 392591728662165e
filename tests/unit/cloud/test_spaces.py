"""Spaces in allocation: Juju's MAAS provider's parameters, MAAS's reading of them, the pool.

Each translation test quotes the juju/juju (3.6, ``internal/provider/maas``) or
juju/gomaasapi lines it follows, so a reader can hold the two side by side.
"""

from __future__ import annotations

import pytest

from orchestrator.cloud import (
    GB,
    AllocationRequest,
    Disk,
    Interface,
    Link,
    Machine,
    Network,
    NoMatchError,
    Pool,
    RequestError,
    Space,
    Subnet,
)
from orchestrator.cloud.spaces import maas_space_params, parse_interfaces
from orchestrator.juju import constraints

# Space ids as a fresh MAAS numbers them (by name here): internal=1, oam=2, storage=3.
NETWORK = Network.build(
    ('oam', 'internal', 'storage'),
    (
        Subnet(1, '10.246.0.0/22', 'oam', 'oam', 'fabric-0', 0, '10.246.0.1'),
        Subnet(2, '10.247.0.0/24', 'internal', 'internal', 'fabric-1', 0),
        Subnet(3, '10.248.30.0/24', 'storage', 'storage', 'fabric-1', 30),
    ),
)
IDS = {s.name: s.id for s in NETWORK.spaces}


def _on(hostname: str, *spaces: str) -> Machine:
    cidr = {s.space: s for s in NETWORK.subnets}
    number = int(hostname.rsplit('-', 1)[1])
    nics = tuple(
        Interface(
            f'eno{n}',
            'physical',
            f'52:54:00:00:{number:02x}:{n:02x}',
            links=(
                Link(
                    cidr[space].cidr,
                    'static',
                    cidr[space].cidr.rsplit('.', 1)[0] + f'.{10 + number}',
                    space,
                    cidr[space].prefixlen,
                ),
            ),
        )
        for n, space in enumerate(spaces, 1)
    )
    return Machine(
        system_id=f'id-{hostname}',
        hostname=hostname,
        arch='amd64/generic',
        cores=4,
        memory=8192,
        disks=(Disk('sda', 240 * GB, frozenset({'ssd'}), True),),
        tags=frozenset(),
        zone='zone-a',
        pool='default',
        address=nics[0].links[0].ip,
        interfaces=nics,
        spaces=frozenset(spaces),
    )


def _params(text: str, bindings: tuple[str, ...] = ()) -> dict[str, list[str]]:
    cons = constraints.parse(text)
    return maas_space_params(cons.positive_spaces, cons.negative_spaces, bindings, NETWORK)


# -- Juju's translation ------------------------------------------------------------------------


def test_positive_spaces_become_one_interface_spec_per_space_id_labelled_by_the_id():
    # constraints.go addInterfaces: "for _, providerSpaceID := range
    # positiveSpaceIDs.SortedValues() { ... gomaasapi.InterfaceSpec{Label: providerSpaceID,
    # Space: providerSpaceID} }"
    # gomaasapi InterfaceSpec.String: fmt.Sprintf("%s:space=%s", a.Label, a.Space), joined by ";".
    assert _params('spaces=storage,oam') == {'interfaces': ['2:space=2;3:space=3']}


def test_negative_spaces_become_not_subnets_space_terms():
    # constraints.go addInterfaces: "params.NotSpace = negativeSpaceIDs.SortedValues()";
    # gomaasapi notSubnets: values = append(values, "space:"+v), sent as repeated not_subnets.
    assert _params('spaces=^storage,^internal') == {'not_subnets': ['space:1', 'space:3']}


def test_bindings_add_their_spaces_and_alpha_is_skipped():
    # environ.go networkSpaceRequirements: "if providerSpaceID == corenetwork.AlphaSpaceName
    # { continue }; positiveSpaceIds.Add(string(providerSpaceID))"
    assert _params('', ('internal', 'alpha', 'storage')) == {'interfaces': ['1:space=1;3:space=3']}
    assert _params('spaces=internal', ('internal',)) == {'interfaces': ['1:space=1']}


def test_space_ids_sort_as_strings_as_set_strings_sorted_values_does():
    many = Network.build([f's{n:02d}' for n in range(1, 12)], ())
    cons = constraints.parse('spaces=s02,s10')
    params = maas_space_params(cons.positive_spaces, cons.negative_spaces, (), many)
    assert params == {'interfaces': ['10:space=10;2:space=2']}


def test_an_unknown_space_is_unrecognised():
    # environ.go spaceNamesToSpaceInfo: errors.Errorf("unrecognised space in constraint %q", name)
    with pytest.raises(RequestError, match='unrecognised space in constraint "dmz"'):
        _params('spaces=dmz')
    with pytest.raises(RequestError, match='unrecognised space in constraint "dmz"'):
        _params('spaces=^dmz')


def test_a_dash_number_suffix_juju_added_finds_the_maas_space():
    # environ.go: dashSuffix = regexp.MustCompile("^(.*)-\\d+$"), "A -number was added to the
    # space name when we converted to a juju name"
    assert _params('spaces=storage-2') == {'interfaces': ['3:space=3']}


def test_a_negative_space_a_binding_needs_clashes():
    # environ.go: "negative space %q from constraints clashes with required spaces for
    # instance NICs"
    with pytest.raises(RequestError, match='negative space "storage" from constraints clashes'):
        _params('spaces=^storage', ('storage',))


# -- MAAS reading them --------------------------------------------------------------------------


def test_maas_parses_a_labelled_constraint_map():
    assert parse_interfaces('1:space=1;db:space=oam,space=2') == [
        ('1', {'space': ['1']}),
        ('db', {'space': ['oam', '2']}),
    ]


@pytest.mark.parametrize(
    ('value', 'message'),
    [
        ('space=1', "Malformed constraint: 'space=1' (required format: "),
        ('1:space=1;1:space=2', "Constraint label defined more than once: '1'"),
        ('1:space', "Malformed key/value pair in constraint: 'space'"),
        ('-x:space=1', "Invalid label name: '-x'"),
    ],
)
def test_maas_refuses_a_malformed_map_with_its_message(value: str, message: str):
    with pytest.raises(RequestError) as caught:
        AllocationRequest.from_maas_params({'interfaces': [value]}, network=NETWORK)
    assert str(caught.value).startswith(f'interfaces: {message}')


def test_an_unknown_space_id_is_maas_404_text():
    with pytest.raises(RequestError, match=r'No Space matches the given query\.'):
        AllocationRequest.from_maas_params({'interfaces': ['9:space=9']}, network=NETWORK)


def test_not_subnets_naming_nothing_is_maas_400_text():
    with pytest.raises(RequestError, match=r'No matching subnets found\.'):
        AllocationRequest.from_maas_params({'not_subnets': ['space:9']}, network=NETWORK)


# -- the pool -----------------------------------------------------------------------------------


def _pool() -> Pool:
    return Pool(
        [
            _on('node-01', 'oam'),
            _on('node-02', 'oam', 'internal'),
            _on('node-03', 'oam', 'internal', 'storage'),
            _on('node-04', 'oam', 'storage'),
        ],
        network=NETWORK,
    )


def test_add_machine_spaces_storage_picks_only_machines_on_storage():
    pool = _pool()
    picked = pool.allocate(constraints.parse('spaces=storage'), 2)
    assert sorted(m.hostname for m in picked) == ['node-03', 'node-04']
    with pytest.raises(NoMatchError):
        pool.allocate(constraints.parse('spaces=storage'))


def test_negative_spaces_and_bindings_filter_together():
    pool = _pool()
    (m,) = pool.allocate(constraints.parse('spaces=^storage'), bindings=('internal',))
    assert m.hostname == 'node-02'


def test_a_no_match_names_the_space_term_that_excluded_machines():
    pool = _pool()
    with pytest.raises(NoMatchError) as caught:
        pool.allocate(constraints.parse('spaces=internal,storage,^oam'))
    text = str(caught.value)
    assert 'interfaces=1:space=internal' in text
    assert 'not_subnets=10.246.0.0/22' in text
    assert "'interfaces', ['1:space=1;3:space=3']" in text  # MAAS's echo of the params


def test_the_translation_is_the_one_sent_to_maas():
    request = AllocationRequest.from_constraints(
        constraints.parse('cores=2 spaces=storage,^oam'), network=NETWORK, bindings=('internal',)
    )
    assert dict(request.params) == {
        'cpu_count': ('2',),
        'interfaces': ('1:space=1;3:space=3',),
        'not_subnets': ('space:2',),
    }


def test_a_merged_network_keeps_the_ids_it_is_given():
    region = Network(
        (Space(3, 'db'), Space(5, 'storage')),
        (Subnet(4, '10.9.0.0/24', 'db', 'db'), Subnet(9, '10.9.1.0/24', 'storage', 'storage')),
    )
    merged = Network().merged(region)
    assert merged == region
    again = NETWORK.merged(region)
    assert {s.name: s.id for s in again.spaces} == {
        'internal': 1,
        'oam': 2,
        'storage': 3,
        'db': 4,
    }  # storage is known already; db's id 3 is taken, so it gets the next one
    assert [s.id for s in again.subnets] == [1, 2, 3, 4, 9]


def test_maas_subnets_wants_an_address_on_every_subnet_named():
    # MAAS NODE_FILTERS: "subnets": (..._ip_addresses__subnet, _match_all)
    pool = _pool()
    request = AllocationRequest.from_maas_params(
        {'subnets': ['name:oam', 'cidr:10.248.30.0/24']}, network=NETWORK
    )
    assert request.subnets == {'10.246.0.0/22', '10.248.30.0/24'}
    picked = pool.allocate(request, 2)
    assert sorted(m.hostname for m in picked) == ['node-03', 'node-04']

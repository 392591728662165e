"""Juju constraint parsing, rendering, merging and the MAAS allocate translation."""

from __future__ import annotations

import dataclasses
import logging
import re
from contextlib import AbstractContextManager

import pytest

from orchestrator.juju import constraints
from orchestrator.juju.constraints import (
    MAAS_UNSUPPORTED,
    SUPPORTED_ARCHES,
    Constraints,
    ConstraintsError,
    merge,
    parse,
)

LOGGER = 'orchestrator.juju.constraints'
SIZE_ERROR = 'must be a non-negative float with optional M/G/T/P suffix'
UINT_ERROR = 'must be a non-negative integer'
BOOL_ERROR = "must be 'true' or 'false'"


def raises(message: str) -> AbstractContextManager[pytest.ExceptionInfo[ConstraintsError]]:
    """Expect a ConstraintsError whose whole message is exactly ``message``."""
    return pytest.raises(ConstraintsError, match=f'^{re.escape(message)}$')


# --- module surface -------------------------------------------------------------------------


def test_public_names() -> None:
    assert sorted(constraints.__all__) == sorted(
        [
            'Constraints',
            'ConstraintsError',
            'parse',
            'merge',
            'MAAS_UNSUPPORTED',
            'SUPPORTED_ARCHES',
        ]
    )


def test_supported_arches_and_maas_unsupported() -> None:
    assert SUPPORTED_ARCHES == ('amd64', 'arm64', 'ppc64el', 's390x', 'riscv64')
    assert MAAS_UNSUPPORTED == ('cpu-power', 'instance-type', 'virt-type', 'allocate-public-ip')


def test_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match='malformed'):
        parse('nonsense')


# --- parsing each key -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('arch=amd64', Constraints(arch='amd64')),
        ('arch=arm64', Constraints(arch='arm64')),
        ('arch=ppc64el', Constraints(arch='ppc64el')),
        ('arch=s390x', Constraints(arch='s390x')),
        ('arch=riscv64', Constraints(arch='riscv64')),
        ('container=lxd', Constraints(container='lxd')),
        ('container=none', Constraints(container='none')),
        ('cores=4', Constraints(cores=4)),
        ('cpu-cores=4', Constraints(cores=4)),
        ('cores=007', Constraints(cores=7)),
        ('cores=18446744073709551615', Constraints(cores=2**64 - 1)),
        ('cpu-power=250', Constraints(cpu_power=250)),
        ('instance-role=my-profile', Constraints(instance_role='my-profile')),
        ('instance-type=m5.large', Constraints(instance_type='m5.large')),
        ('mem=6144', Constraints(mem=6144)),
        ('mem=6G', Constraints(mem=6144)),
        ('root-disk=40G', Constraints(root_disk=40960)),
        ('root-disk-source=fast-datastore', Constraints(root_disk_source='fast-datastore')),
        ('tags=ssd', Constraints(tags=('ssd',))),
        ('tags=ssd,^gpu,nvme', Constraints(tags=('ssd', '^gpu', 'nvme'))),
        ('spaces=public', Constraints(spaces=('public',))),
        ('spaces=public,^storage-net,db2', Constraints(spaces=('public', '^storage-net', 'db2'))),
        ('virt-type=kvm', Constraints(virt_type='kvm')),
        ('zones=zone-a', Constraints(zones=('zone-a',))),
        ('zones=zone-a,zone-b', Constraints(zones=('zone-a', 'zone-b'))),
        ('allocate-public-ip=true', Constraints(allocate_public_ip=True)),
        ('allocate-public-ip=false', Constraints(allocate_public_ip=False)),
        ('image-id=ubuntu/noble', Constraints(image_id='ubuntu/noble')),
    ],
)
def test_parse_each_key(text: str, expected: Constraints) -> None:
    assert parse(text) == expected


def test_parse_every_key_at_once() -> None:
    text = (
        'image-id=img allocate-public-ip=true zones=z virt-type=kvm spaces=s tags=t '
        'root-disk-source=src root-disk=1G mem=2G instance-type=it instance-role=ir '
        'cpu-power=100 cpu-cores=3 container=lxd arch=arm64'
    )
    assert parse(text) == Constraints(
        arch='arm64',
        container='lxd',
        cores=3,
        cpu_power=100,
        instance_role='ir',
        instance_type='it',
        mem=2048,
        root_disk=1024,
        root_disk_source='src',
        tags=('t',),
        spaces=('s',),
        virt_type='kvm',
        zones=('z',),
        allocate_public_ip=True,
        image_id='img',
    )


def test_value_split_at_first_equals() -> None:
    assert parse('image-id=a=b=c') == Constraints(image_id='a=b=c')
    assert parse('tags=k=v,x') == Constraints(tags=('k=v', 'x'))


@pytest.mark.parametrize('value', ['1', 't', 'T', 'TRUE', 'true', 'True'])
def test_bool_true_spellings(value: str) -> None:
    assert parse(f'allocate-public-ip={value}').allocate_public_ip is True


@pytest.mark.parametrize('value', ['0', 'f', 'F', 'FALSE', 'false', 'False'])
def test_bool_false_spellings(value: str) -> None:
    assert parse(f'allocate-public-ip={value}').allocate_public_ip is False


@pytest.mark.parametrize(
    ('value', 'mib'),
    [
        ('0', 0),
        ('1', 1),
        ('512', 512),
        ('512M', 512),
        ('1G', 1024),
        ('1.5G', 1536),
        ('6G', 6144),
        ('1T', 1024**2),
        ('2T', 2 * 1024**2),
        ('1P', 1024**3),
        ('0.1M', 1),
        ('0.1', 1),
        ('1.0001', 2),
        ('0.5G', 512),
        ('0.0001G', 1),
        ('1.1G', 1127),
        ('.5G', 512),
        ('5.G', 5120),
        ('+2G', 2048),
        ('-0', 0),
        ('1e3', 1000),
        ('1E1G', 10240),
        ('2.5e-1G', 256),
        ('1_024', 1024),
        ('1_0.2_5G', 10496),
        ('0x1p10', 1024),
        ('0x1.8p1G', 3072),
    ],
)
@pytest.mark.parametrize('key', ['mem', 'root-disk'])
def test_sizes(key: str, value: str, mib: int) -> None:
    parsed = parse(f'{key}={value}')
    assert parsed.keys() == (key,)
    assert (parsed.mem if key == 'mem' else parsed.root_disk) == mib


@pytest.mark.parametrize('value', ['0', '1', '42', '0042', '18446744073709551615'])
@pytest.mark.parametrize('key', ['cores', 'cpu-cores', 'cpu-power'])
def test_uints(key: str, value: str) -> None:
    parsed = parse(f'{key}={value}')
    assert (parsed.cpu_power if key == 'cpu-power' else parsed.cores) == int(value)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('texts', 'message'),
    [
        (('mem',), 'malformed constraint "mem"'),
        (('=6G',), 'malformed constraint "=6G"'),
        (('=',), 'malformed constraint "="'),
        (('cores=2 oops',), 'malformed constraint "oops"'),
        (('foo\\ bar',), 'malformed constraint "foo bar"'),
        (('a"b',), 'malformed constraint "a\\"b"'),
        (('x\\y',), 'malformed constraint "x\\\\y"'),
        (('x\ty',), 'malformed constraint "x\\ty"'),
        (('x\x01y',), 'malformed constraint "x\\x01y"'),
        (('foo=bar',), 'unknown constraint "foo"'),
        (('Mem=1G',), 'unknown constraint "Mem"'),
        (('nested-virtualization=true',), 'unknown constraint "nested-virtualization"'),
        (('cpu_cores=2',), 'unknown constraint "cpu_cores"'),
        (('arch=amd64 arch=arm64',), 'bad "arch" constraint: already set'),
        (('arch= arch=',), 'bad "arch" constraint: already set'),
        (('container=lxd container=none',), 'bad "container" constraint: already set'),
        (('cores=1 cores=2',), 'bad "cores" constraint: already set'),
        (('cores=1 cpu-cores=2',), 'bad "cores" constraint: already set'),
        (('cpu-cores=1 cores=2',), 'bad "cores" constraint: already set'),
        (('cpu-cores=1 cpu-cores=2',), 'bad "cores" constraint: already set'),
        (('cpu-power=1 cpu-power=2',), 'bad "cpu-power" constraint: already set'),
        (('instance-role=a instance-role=b',), 'bad "instance-role" constraint: already set'),
        (('instance-type=a instance-type=b',), 'bad "instance-type" constraint: already set'),
        (('mem=1 mem=2',), 'bad "mem" constraint: already set'),
        (('mem= mem=2',), 'bad "mem" constraint: already set'),
        (('mem=1 mem=x',), 'bad "mem" constraint: already set'),
        (('root-disk=1 root-disk=2',), 'bad "root-disk" constraint: already set'),
        (
            ('root-disk-source=a root-disk-source=b',),
            'bad "root-disk-source" constraint: already set',
        ),
        (('tags=a tags=b',), 'bad "tags" constraint: already set'),
        (('tags= tags=',), 'bad "tags" constraint: already set'),
        (('spaces=a spaces=b',), 'bad "spaces" constraint: already set'),
        (('virt-type=a virt-type=b',), 'bad "virt-type" constraint: already set'),
        (('zones=a zones=b',), 'bad "zones" constraint: already set'),
        (
            ('allocate-public-ip=true allocate-public-ip=false',),
            'bad "allocate-public-ip" constraint: already set',
        ),
        (('image-id=a image-id=b',), 'bad "image-id" constraint: already set'),
        (('mem=1G', 'mem=2G'), 'bad "mem" constraint: already set'),
        (('cores=1', 'cpu-cores=1'), 'bad "cores" constraint: already set'),
        (('cores=-1',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cores=1.5',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cores=+1',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cores=1_000',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cores=0x10',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cores=two',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cores=\u0663',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cores=18446744073709551616',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cpu-cores=x',), f'bad "cores" constraint: {UINT_ERROR}'),
        (('cpu-power=-5',), f'bad "cpu-power" constraint: {UINT_ERROR}'),
        (('mem=-1',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=-1G',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=lots',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=G',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=6g',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=6GB',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=6K',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=1GG',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=inf',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=nan',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=1e400',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=1e308P',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=_1',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=1_',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=1__0',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=1_.5',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=0x10',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('mem=1,5G',), f'bad "mem" constraint: {SIZE_ERROR}'),
        (('root-disk=-3',), f'bad "root-disk" constraint: {SIZE_ERROR}'),
        (('root-disk=big',), f'bad "root-disk" constraint: {SIZE_ERROR}'),
        (('allocate-public-ip=yes',), f'bad "allocate-public-ip" constraint: {BOOL_ERROR}'),
        (('allocate-public-ip=tRUE',), f'bad "allocate-public-ip" constraint: {BOOL_ERROR}'),
        (('allocate-public-ip=2',), f'bad "allocate-public-ip" constraint: {BOOL_ERROR}'),
        (('arch=i386',), 'bad "arch" constraint: "i386" not recognized'),
        (('arch=armhf',), 'bad "arch" constraint: "armhf" not recognized'),
        (('arch=AMD64',), 'bad "arch" constraint: "AMD64" not recognized'),
        (('arch=amd64/generic',), 'bad "arch" constraint: "amd64/generic" not recognized'),
        (('container=kvm',), 'bad "container" constraint: invalid container type "kvm"'),
        (('container=lxc',), 'bad "container" constraint: invalid container type "lxc"'),
        (('container=LXD',), 'bad "container" constraint: invalid container type "LXD"'),
        (('spaces=Public',), 'bad "spaces" constraint: "Public" is not a valid space name'),
        (('spaces=a,^B_c',), 'bad "spaces" constraint: "B_c" is not a valid space name'),
        (('spaces=a,',), 'bad "spaces" constraint: "" is not a valid space name'),
        (('spaces=^',), 'bad "spaces" constraint: "" is not a valid space name'),
        (('spaces=-a',), 'bad "spaces" constraint: "-a" is not a valid space name'),
        (('spaces=a-',), 'bad "spaces" constraint: "a-" is not a valid space name'),
        (('spaces=a--b',), 'bad "spaces" constraint: "a--b" is not a valid space name'),
        (('spaces=^^a',), 'bad "spaces" constraint: "^a" is not a valid space name'),
        (('spaces=a\n,b',), 'bad "spaces" constraint: "a\\n" is not a valid space name'),
        (('spaces=my\\ net',), 'bad "spaces" constraint: "my net" is not a valid space name'),
    ],
)
def test_error_messages(texts: tuple[str, ...], message: str) -> None:
    with raises(message):
        parse(*texts)


def test_first_error_wins() -> None:
    with raises('unknown constraint "bogus"'):
        parse('cores=1 bogus=2 mem=x')


# --- tokenising -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('', Constraints()),
        ('   ', Constraints()),
        ('  mem=1G   cores=2  ', Constraints(mem=1024, cores=2)),
        ('\tmem=1G\n', Constraints(mem=1024)),
        ('image-id=my\\ image', Constraints(image_id='my image')),
        ('tags=a\\ b,c', Constraints(tags=('a b', 'c'))),
        ('image-id=\\ lead', Constraints(image_id=' lead')),
        ('image-id=trail\\ ', Constraints(image_id='trail')),
        ('image-id=two\\ \\ spaces', Constraints(image_id='two  spaces')),
        ('image-id=a\\\\ b', Constraints(image_id='a\\ b')),
        ('image-id=back\\slash', Constraints(image_id='back\\slash')),
        ('\\ mem=1G', Constraints(mem=1024)),
        ('root-disk-source=ds\\ 1 mem=2G', Constraints(root_disk_source='ds 1', mem=2048)),
    ],
)
def test_tokenising(text: str, expected: Constraints) -> None:
    assert parse(text) == expected


def test_no_texts_is_empty() -> None:
    assert parse() == Constraints()


def test_multiple_texts_fill_one_value() -> None:
    assert parse('mem=4G', '', 'cores=2 tags=a', 'arch=amd64') == Constraints(
        mem=4096, cores=2, tags=('a',), arch='amd64'
    )


def test_escape_does_not_span_texts() -> None:
    assert parse('image-id=a\\', ' mem=1') == Constraints(image_id='a\\', mem=1)


# --- present-but-empty values ---------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('arch=', Constraints(arch='')),
        ('container=', Constraints(container='')),
        ('cores=', Constraints(cores=0)),
        ('cpu-cores=', Constraints(cores=0)),
        ('cpu-power=', Constraints(cpu_power=0)),
        ('instance-role=', Constraints(instance_role='')),
        ('instance-type=', Constraints(instance_type='')),
        ('mem=', Constraints(mem=0)),
        ('root-disk=', Constraints(root_disk=0)),
        ('root-disk-source=', Constraints(root_disk_source='')),
        ('tags=', Constraints(tags=())),
        ('spaces=', Constraints(spaces=())),
        ('virt-type=', Constraints(virt_type='')),
        ('zones=', Constraints(zones=())),
        ('image-id=', Constraints(image_id='')),
    ],
)
def test_empty_values_are_present(text: str, expected: Constraints) -> None:
    parsed = parse(text)
    assert parsed == expected
    assert parsed.keys() == (text.split('=')[0].replace('cpu-cores', 'cores'),)


@pytest.mark.parametrize(
    ('texts', 'expected'),
    [
        (('allocate-public-ip=',), Constraints()),
        (('allocate-public-ip= allocate-public-ip=',), Constraints()),
        (('allocate-public-ip=true allocate-public-ip=',), Constraints(allocate_public_ip=True)),
        (('allocate-public-ip= allocate-public-ip=false',), Constraints(allocate_public_ip=False)),
        (('allocate-public-ip=', 'mem=1'), Constraints(mem=1)),
    ],
)
def test_empty_allocate_public_ip_is_a_no_op(
    texts: tuple[str, ...], expected: Constraints
) -> None:
    parsed = parse(*texts)
    assert parsed == expected
    keys = parsed.keys()
    assert ('allocate-public-ip' in keys) == (expected.allocate_public_ip is not None)


# --- canonical string form ------------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'rendered'),
    [
        ('', ''),
        ('mem=6G', 'mem=6144M'),
        ('mem=1.5G cores=2', 'cores=2 mem=1536M'),
        ('cpu-cores=2', 'cores=2'),
        ('mem=0', 'mem='),
        ('mem=', 'mem='),
        ('cores=0', 'cores='),
        ('cpu-power=0', 'cpu-power='),
        ('root-disk=0.1', 'root-disk=1M'),
        ('root-disk=', 'root-disk='),
        ('tags=', 'tags='),
        ('tags=b,^a,c', 'tags=b,^a,c'),
        ('zones=z2,z1', 'zones=z2,z1'),
        ('allocate-public-ip=1', 'allocate-public-ip=true'),
        ('allocate-public-ip=F', 'allocate-public-ip=false'),
        ('allocate-public-ip=', ''),
        ('image-id=my\\ image', 'image-id=my\\ image'),
        ('tags=a\\ b,c', 'tags=a\\ b,c'),
        ('arch= container=', 'arch= container='),
        (
            'image-id=i allocate-public-ip=true zones=z virt-type=v spaces=s tags=t '
            'root-disk-source=r root-disk=1G mem=2G instance-type=it instance-role=ir '
            'cpu-power=5 cores=3 container=lxd arch=amd64',
            'arch=amd64 container=lxd cores=3 cpu-power=5 instance-role=ir instance-type=it '
            'mem=2048M root-disk=1024M root-disk-source=r tags=t spaces=s virt-type=v zones=z '
            'allocate-public-ip=true image-id=i',
        ),
    ],
)
def test_canonical_string(text: str, rendered: str) -> None:
    assert str(parse(text)) == rendered


@pytest.mark.parametrize(
    ('value', 'rendered'),
    [
        (Constraints(), ''),
        (Constraints(mem=0), 'mem='),
        (Constraints(root_disk=2048), 'root-disk=2048M'),
        (Constraints(cores=0, cpu_power=0), 'cores= cpu-power='),
        (Constraints(tags=()), 'tags='),
        (Constraints(spaces=('a', '^b')), 'spaces=a,^b'),
        (Constraints(allocate_public_ip=False), 'allocate-public-ip=false'),
        (Constraints(instance_role='has space'), 'instance-role=has\\ space'),
        (Constraints(zones=('zone a', 'zone b')), 'zones=zone\\ a,zone\\ b'),
        (Constraints(image_id='', arch=''), 'arch= image-id='),
    ],
)
def test_str_of_constructed_values(value: Constraints, rendered: str) -> None:
    assert str(value) == rendered


ROUND_TRIP_INPUTS = [
    '',
    'mem=6G',
    'mem=1.5G cores=2',
    'mem=0.1M',
    'mem= cores= cpu-power= root-disk=',
    'arch= container= instance-role= instance-type= root-disk-source= virt-type= image-id=',
    'tags= spaces= zones=',
    'tags=a,^b,c spaces=x,^y zones=z1,z2',
    'allocate-public-ip=true',
    'allocate-public-ip=false',
    'allocate-public-ip=',
    'image-id=my\\ image',
    'image-id=\\ lead',
    'image-id=a\\\\ b',
    'image-id=tab\there',
    'tags=a\\ b,c\\ d zones=zone\\ one',
    'root-disk-source=data\\ store\\ 1 instance-role=role\\ x',
    'arch=riscv64 container=none cpu-cores=64 cpu-power=9000 mem=1P root-disk=1T',
    'instance-type=m5.large virt-type=virtual-machine',
    'image-id=a=b tags=k=v',
    'image-id=unicode\u00e9\\ \u4e2d',
    'cores=18446744073709551615 mem=16777216P',
    (
        'image-id=img allocate-public-ip=0 zones=z virt-type=kvm spaces=s tags=t '
        'root-disk-source=src root-disk=1.5T mem=2.25G instance-type=it instance-role=ir '
        'cpu-power=100 cores=3 container=lxd arch=s390x'
    ),
]


@pytest.mark.parametrize('text', ROUND_TRIP_INPUTS)
def test_round_trip(text: str) -> None:
    value = parse(text)
    rendered = str(value)
    assert parse(rendered) == value
    assert str(parse(rendered)) == rendered


@pytest.mark.parametrize(
    'value',
    [
        Constraints(),
        Constraints(mem=0, cores=0, tags=(), zones=()),
        Constraints(image_id='a b  c', tags=('x y',)),
        Constraints(allocate_public_ip=False, arch='arm64'),
        Constraints(spaces=('^a', 'b-c'), root_disk=1, container='lxd'),
    ],
)
def test_round_trip_of_constructed_values(value: Constraints) -> None:
    assert parse(str(value)) == value


def test_trailing_backslash_limitation_is_juju_s() -> None:
    """Juju's grammar cannot escape a backslash: ``\\`` then a space reads as an escape."""
    value = parse('instance-role=a\\', 'instance-type=b')
    assert value == Constraints(instance_role='a\\', instance_type='b')
    assert str(value) == 'instance-role=a\\ instance-type=b'
    assert parse(str(value)) == Constraints(instance_role='a instance-type=b')


# --- keys and signed lists ------------------------------------------------------------------


def test_keys_are_canonical_and_include_empty_values() -> None:
    value = parse('zones= mem=1 arch=amd64 cpu-cores=0 allocate-public-ip=false')
    assert value.keys() == ('arch', 'cores', 'mem', 'zones', 'allocate-public-ip')
    assert Constraints().keys() == ()


def test_keys_of_every_field() -> None:
    value = Constraints(
        arch='',
        container='',
        cores=0,
        cpu_power=0,
        instance_role='',
        instance_type='',
        mem=0,
        root_disk=0,
        root_disk_source='',
        tags=(),
        spaces=(),
        virt_type='',
        zones=(),
        allocate_public_ip=False,
        image_id='',
    )
    assert value.keys() == (
        'arch',
        'container',
        'cores',
        'cpu-power',
        'instance-role',
        'instance-type',
        'mem',
        'root-disk',
        'root-disk-source',
        'tags',
        'spaces',
        'virt-type',
        'zones',
        'allocate-public-ip',
        'image-id',
    )


@pytest.mark.parametrize(
    ('tags', 'positive', 'negative'),
    [
        (None, (), ()),
        ((), (), ()),
        (('a',), ('a',), ()),
        (('^a',), (), ('a',)),
        (('a', '^b', 'c', '^d'), ('a', 'c'), ('b', 'd')),
        (('', '^', 'x'), ('x',), ()),
        (('^^x',), (), ('^x',)),
    ],
)
def test_signed_tags(
    tags: tuple[str, ...] | None, positive: tuple[str, ...], negative: tuple[str, ...]
) -> None:
    value = Constraints(tags=tags)
    assert value.positive_tags == positive
    assert value.negative_tags == negative


@pytest.mark.parametrize(
    ('text', 'positive', 'negative'),
    [
        ('', (), ()),
        ('spaces=', (), ()),
        ('spaces=public', ('public',), ()),
        ('spaces=^internal', (), ('internal',)),
        ('spaces=a,^b,c-d,^e1', ('a', 'c-d'), ('b', 'e1')),
    ],
)
def test_signed_spaces(text: str, positive: tuple[str, ...], negative: tuple[str, ...]) -> None:
    value = parse(text)
    assert value.positive_spaces == positive
    assert value.negative_spaces == negative


def test_signed_lists_are_independent() -> None:
    value = parse('tags=t,^u spaces=s,^v')
    assert (value.positive_tags, value.negative_tags) == (('t',), ('u',))
    assert (value.positive_spaces, value.negative_spaces) == (('s',), ('v',))


# --- immutability ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('field', 'new'), [('mem', 1), ('tags', ('x',)), ('arch', 'amd64'), ('image_id', None)]
)
def test_frozen(field: str, new: object) -> None:
    value = parse('mem=1G tags=a')
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(value, field, new)
    assert value == parse('mem=1G tags=a')


def test_hashable_and_slotted() -> None:
    assert len({parse('mem=1G cores=2'), parse('cores=2 mem=1024')}) == 1
    assert not hasattr(parse('mem=1'), '__dict__')


def test_keyword_only() -> None:
    with pytest.raises(TypeError):
        Constraints('amd64')  # type: ignore[misc]


# --- merge ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('model', 'application', 'expected'),
    [
        ('', '', ''),
        ('mem=4G', '', 'mem=4096M'),
        ('', 'mem=4G', 'mem=4096M'),
        ('mem=4G', 'mem=8G', 'mem=8192M'),
        ('mem=4G cores=2', 'mem=8G', 'cores=2 mem=8192M'),
        ('mem=4G', 'mem=', 'mem='),
        ('tags=a,b', 'tags=', 'tags='),
        ('zones=z1', 'zones=', 'zones='),
        ('arch=arm64', 'arch=', 'arch='),
        ('cores=4', 'cpu-cores=0', 'cores='),
        ('tags=a', 'tags=^b', 'tags=^b'),
        ('allocate-public-ip=true', 'allocate-public-ip=false', 'allocate-public-ip=false'),
        ('allocate-public-ip=true', 'allocate-public-ip=', 'allocate-public-ip=true'),
        (
            'arch=amd64 zones=z1 image-id=m',
            'tags=gpu mem=1G',
            'arch=amd64 mem=1024M tags=gpu zones=z1 image-id=m',
        ),
        (
            'arch=amd64 container=lxd cores=1 cpu-power=1 instance-role=a instance-type=a '
            'mem=1 root-disk=1 root-disk-source=a tags=a spaces=a virt-type=a zones=a '
            'allocate-public-ip=true image-id=a',
            'arch=arm64 container=none cores=2 cpu-power=2 instance-role=b instance-type=b '
            'mem=2 root-disk=2 root-disk-source=b tags=b spaces=b virt-type=b zones=b '
            'allocate-public-ip=false image-id=b',
            'arch=arm64 container=none cores=2 cpu-power=2 instance-role=b instance-type=b '
            'mem=2M root-disk=2M root-disk-source=b tags=b spaces=b virt-type=b zones=b '
            'allocate-public-ip=false image-id=b',
        ),
        (
            'arch=amd64 container=lxd cores=1 cpu-power=1 instance-role=a instance-type=a '
            'mem=1 root-disk=1 root-disk-source=a tags=a spaces=a virt-type=a zones=a '
            'allocate-public-ip=true image-id=a',
            '',
            'arch=amd64 container=lxd cores=1 cpu-power=1 instance-role=a instance-type=a '
            'mem=1M root-disk=1M root-disk-source=a tags=a spaces=a virt-type=a zones=a '
            'allocate-public-ip=true image-id=a',
        ),
        (
            'arch=amd64 container=lxd cores=1 cpu-power=1 instance-role=a instance-type=a '
            'mem=1 root-disk=1 root-disk-source=a tags=a spaces=a virt-type=a zones=a '
            'allocate-public-ip=true image-id=a',
            'arch= container= cores= cpu-power= instance-role= instance-type= mem= root-disk= '
            'root-disk-source= tags= spaces= virt-type= zones= image-id=',
            'arch= container= cores= cpu-power= instance-role= instance-type= mem= root-disk= '
            'root-disk-source= tags= spaces= virt-type= zones= allocate-public-ip=true image-id=',
        ),
    ],
)
def test_merge(model: str, application: str, expected: str) -> None:
    merged = merge(parse(model), parse(application))
    assert merged == parse(expected)
    assert str(merged) == expected


def test_merge_does_not_mutate_arguments() -> None:
    model, application = parse('mem=1G'), parse('cores=2')
    merge(model, application)
    assert (model, application) == (parse('mem=1G'), parse('cores=2'))


@pytest.mark.parametrize(
    ('model', 'application', 'message'),
    [
        ('cpu-power=100', '', 'unsupported constraints: cpu-power'),
        ('', 'instance-type=m5', 'unsupported constraints: instance-type'),
        ('virt-type=kvm', 'cpu-power=1', 'unsupported constraints: cpu-power,virt-type'),
        ('cpu-power=', '', 'unsupported constraints: cpu-power'),
        (
            'allocate-public-ip=false mem=1',
            'virt-type=v instance-type=t cpu-power=1',
            'unsupported constraints: cpu-power,instance-type,virt-type,allocate-public-ip',
        ),
        (
            'cpu-power=1 virt-type=v',
            'cpu-power=2 virt-type=w',
            'unsupported constraints: cpu-power,virt-type',
        ),
    ],
)
def test_merge_warns_once_about_unsupported(
    caplog: pytest.LogCaptureFixture, model: str, application: str, message: str
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    merge(parse(model), parse(application))
    records = [r for r in caplog.records if r.name == LOGGER]
    assert [(r.levelno, r.getMessage()) for r in records] == [(logging.WARNING, message)]


@pytest.mark.parametrize(
    ('model', 'application'),
    [
        ('', ''),
        ('mem=4G tags=a', 'cores=2'),
        ('arch=amd64 container=lxd instance-role=r root-disk-source=s image-id=i', 'spaces=x'),
        ('allocate-public-ip=', ''),
    ],
)
def test_merge_is_quiet_without_unsupported(
    caplog: pytest.LogCaptureFixture, model: str, application: str
) -> None:
    caplog.set_level(logging.DEBUG, logger=LOGGER)
    merge(parse(model), parse(application))
    assert [r for r in caplog.records if r.name == LOGGER] == []


@pytest.mark.parametrize(
    ('text', 'unsupported'),
    [
        ('', ()),
        ('mem=1G cores=2 tags=a zones=z spaces=s image-id=i container=lxd', ()),
        ('cpu-power=1', ('cpu-power',)),
        (
            'allocate-public-ip=true virt-type=x instance-type=y cpu-power=',
            ('cpu-power', 'instance-type', 'virt-type', 'allocate-public-ip'),
        ),
    ],
)
def test_unsupported_on_maas(text: str, unsupported: tuple[str, ...]) -> None:
    assert parse(text).unsupported_on_maas() == unsupported


# --- MAAS translation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'params'),
    [
        ('', {}),
        ('arch=amd64', {'arch': ['amd64']}),
        ('arch=arm64', {'arch': ['arm64']}),
        ('cores=2', {'cpu_count': ['2']}),
        ('cpu-cores=16', {'cpu_count': ['16']}),
        ('mem=6G', {'mem': ['6144']}),
        ('mem=0.1M', {'mem': ['1']}),
        ('tags=ssd,nvme', {'tags': ['ssd', 'nvme']}),
        ('tags=^gpu', {'not_tags': ['gpu']}),
        ('tags=ssd,^gpu,^arm,nvme', {'tags': ['ssd', 'nvme'], 'not_tags': ['gpu', 'arm']}),
        ('zones=z1', {'zone': ['z1']}),
        ('zones=z1,z2', {'zone': ['z1', 'z2']}),
        ('root-disk=1', {'storage': ['root:1']}),
        ('root-disk=1024', {'storage': ['root:1']}),
        ('root-disk=1025', {'storage': ['root:2']}),
        ('root-disk=40G', {'storage': ['root:40']}),
        ('root-disk=40.5G', {'storage': ['root:41']}),
        ('root-disk=1T', {'storage': ['root:1024']}),
        ('arch= cores= mem= tags= zones= root-disk=', {}),
        ('cores=0 mem=0 root-disk=0', {}),
        ('cpu-power=100 instance-type=t virt-type=v allocate-public-ip=true', {}),
        ('container=lxd image-id=noble instance-role=r root-disk-source=s', {}),
        ('spaces=public,^storage', {}),
    ],
)
def test_to_maas_params(text: str, params: dict[str, list[str]]) -> None:
    assert parse(text).to_maas_params() == params


def test_to_maas_params_order_with_everything() -> None:
    value = parse(
        'image-id=noble allocate-public-ip=true zones=za,zb virt-type=v spaces=s tags=^t,u '
        'root-disk-source=r root-disk=100G mem=8G instance-type=i instance-role=x '
        'cpu-power=1 cores=4 container=lxd arch=amd64'
    )
    params = value.to_maas_params()
    assert params == {
        'arch': ['amd64'],
        'cpu_count': ['4'],
        'mem': ['8192'],
        'tags': ['u'],
        'not_tags': ['t'],
        'zone': ['za', 'zb'],
        'storage': ['root:100'],
    }
    assert list(params) == ['arch', 'cpu_count', 'mem', 'tags', 'not_tags', 'zone', 'storage']


def test_to_maas_params_returns_fresh_lists() -> None:
    value = parse('tags=a zones=z')
    value.to_maas_params()['tags'].append('b')
    assert value.to_maas_params() == {'tags': ['a'], 'zone': ['z']}


def test_to_maas_params_after_merge() -> None:
    merged = merge(parse('mem=4G tags=ssd zones=z1'), parse('mem= cores=8 tags=^gpu'))
    assert merged.to_maas_params() == {'cpu_count': ['8'], 'not_tags': ['gpu'], 'zone': ['z1']}


@pytest.mark.parametrize(
    ('text', 'message'),
    [
        ('tags=^', 'bad "tags" constraint: "" is not a valid tag name'),
        ('tags=,', 'bad "tags" constraint: "" is not a valid tag name'),
        ('tags=ssd,,nvme', 'bad "tags" constraint: "" is not a valid tag name'),
        ('tags=ssd,^', 'bad "tags" constraint: "" is not a valid tag name'),
        ('zones=,', 'bad "zones" constraint: "" is not a valid zone name'),
        ('zones=a,,b', 'bad "zones" constraint: "" is not a valid zone name'),
        ('spaces=^', 'bad "spaces" constraint: "" is not a valid space name'),  # Juju's own
    ],
)
def test_a_list_item_that_names_nothing_is_refused(text: str, message: str) -> None:
    """olm's deviation (see the module docstring): Juju accepts these and then asks for
    nothing (an empty tag) or fails provisioning (an empty zone)."""
    with pytest.raises(ConstraintsError) as info:
        parse(text)
    assert str(info.value) == message


def test_items_that_name_nothing_are_not_sent_to_maas() -> None:
    """A value built without ``parse`` still never sends an empty name (parseDelimitedValues)."""
    value = Constraints(tags=('', '^', 'x'), zones=('', 'z2', ''))
    assert value.to_maas_params() == {'tags': ['x'], 'zone': ['z2']}

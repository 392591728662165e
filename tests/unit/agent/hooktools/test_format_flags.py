"""juju/cmd's formatters and juju/gnuflag's parsing, byte for byte as Go writes them."""

# pyright: reportPrivateUsage=false

from __future__ import annotations

import datetime

import pytest
from toolhook import fails, make_hook, ok

from orchestrator.agent.hooktools._format import (
    NIL_LIST,
    NIL_MAP,
    StrList,
    Struct,
    format_json,
    format_smart,
    format_yaml,
    go_float_g,
    rfc3339nano,
)


@pytest.mark.parametrize(
    ('value', 'expected'),
    [
        ('text', b'text\n'),
        ('', b''),
        (None, b''),
        (True, b'True\n'),
        (False, b'False\n'),
        (StrList(['a', 'b']), b'a\nb\n'),
        (StrList([]), b''),
        (NIL_LIST, b''),
        (NIL_MAP, b'{}\n'),
        (42, b'42\n'),
        ({'a': 1}, b'a: 1\n'),
        (['x', 1], b'- x\n- 1\n'),
    ],
)
def test_smart(value: object, expected: bytes) -> None:
    assert format_smart(value) == expected


def test_yaml_quotes_what_would_read_back_as_another_type() -> None:
    value = {
        'a': '',
        'b': 'true',
        'c': '1',
        'd': 'plain words',
        'e': 'two\nlines',
        'f': '2001-01-01',
        'g': 'x: y',
        'h': 'yes',
        'i': '0x1F',
        'j': '1.5e3',
        'k': '.5',
        'l': 'null',
        'm': '-',
    }
    assert format_yaml(value) == (
        b'a: ""\n'
        b'b: "true"\n'
        b'c: "1"\n'
        b'd: plain words\n'
        b'e: |-\n'
        b'  two\n'
        b'  lines\n'
        b'f: "2001-01-01"\n'
        b"g: 'x: y'\n"
        b'h: "yes"\n'
        b'i: "0x1F"\n'
        b'j: "1.5e3"\n'
        b'k: ".5"\n'
        b'l: "null"\n'
        b"m: '-'\n"
    )


def test_yaml_sorts_keys_naturally_and_keeps_struct_order() -> None:
    value = {'b': 1, 'app/10': 2, 'app/2': 3, 'a1': 4}
    assert format_yaml(value) == b'a1: 4\napp/2: 3\napp/10: 2\nb: 1\n'
    assert format_json(value) == b'{"a1":4,"app/10":2,"app/2":3,"b":1}\n'
    assert format_yaml(Struct(z=1, a=2)) == b'z: 1\na: 2\n'
    assert format_json(Struct(z=1, a=2)) == b'{"z":1,"a":2}\n'


def test_yaml_shapes() -> None:
    value: dict[str, object] = {
        'list': ['a', {'k': 'v', 'j': 'w'}],
        'empty': [],
        'map': {},
        'none': None,
    }
    assert format_yaml(value) == (b'empty: []\nlist:\n- a\n- j: w\n  k: v\nmap: {}\nnone: null\n')
    assert format_yaml('top') == b'top\n'
    assert format_yaml(None) == b''
    assert format_yaml(NIL_LIST) == b'[]\n'


def test_numbers_as_go_prints_them() -> None:
    assert [go_float_g(f) for f in (1.5, 2.0, 1e6, 1e-5, 123456789.0, 0.0001, -0.5)] == [
        '1.5',
        '2',
        '1e+06',
        '1e-05',
        '1.23456789e+08',
        '0.0001',
        '-0.5',
    ]
    assert format_yaml({'f': 2.0, 'g': 1e6}) == b'f: 2\ng: 1e+06\n'
    assert format_json([2.0, 1e21, 1e-7, 123456789.0, 0.5]) == (b'[2,1e+21,1e-7,123456789,0.5]\n')


def test_json_escapes_as_encoding_json() -> None:
    assert format_json('<a&b>\u2028é') == b'"\\u003ca\\u0026b\\u003e\\u2028\xc3\xa9"\n'
    assert format_json(NIL_MAP) == b'null\n'
    assert format_json(None) == b'null\n'
    assert format_json({'t': True, 'n': None}) == b'{"n":null,"t":true}\n'


def test_times_as_rfc3339nano() -> None:
    utc = datetime.UTC
    assert rfc3339nano(datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=utc)) == (
        '2030-01-02T03:04:05Z'
    )
    assert rfc3339nano(datetime.datetime(2030, 1, 2, 3, 4, 5, 500000, tzinfo=utc)) == (
        '2030-01-02T03:04:05.5Z'
    )
    plus2 = datetime.timezone(datetime.timedelta(hours=2))
    assert rfc3339nano(datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=plus2)) == (
        '2030-01-02T03:04:05+02:00'
    )
    stamp = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=utc)
    assert format_yaml({'at': stamp}) == b'at: 2030-01-02T03:04:05Z\n'
    assert format_json({'at': stamp}) == b'{"at":"2030-01-02T03:04:05Z"}\n'


@pytest.mark.parametrize(
    ('argv', 'message'),
    [
        (['config-get', '-x'], 'flag provided but not defined: -x'),
        (['config-get', '--bogus'], 'flag provided but not defined: --bogus'),
        (['config-get', '-format=json'], 'flag provided but not defined: -f'),
        (['config-get', '--format'], 'flag needs an argument: --format'),
        (
            ['config-get', '--format=xml'],
            'invalid value "xml" for flag --format: unknown format "xml"',
        ),
        (['config-get', 'a', 'b'], 'unrecognized args: ["b"]'),
        (
            ['status-set', '--application=maybe', 'active'],
            'invalid value "maybe" for flag --application: '
            'strconv.ParseBool: parsing "maybe": invalid syntax',
        ),
        (
            ['secret-remove', 'x', '--revision', 'abc'],
            'invalid value "abc" for flag --revision: '
            'strconv.ParseInt: parsing "abc": invalid syntax',
        ),
        (
            ['relation-get', '-r', 'db:abc'],
            'invalid value "db:abc" for flag -r: invalid relation id',
        ),
        (['relation-get', '-r', '7'], 'invalid value "7" for flag -r: relation not found'),
        (['config-get', '--=x'], 'empty flag in argument "--=x"'),
    ],
)
def test_flag_errors_exit_2(argv: list[str], message: str) -> None:
    hook = make_hook()
    assert fails(hook.run(*argv), 2) == message


def test_flag_forms() -> None:
    hook = make_hook()
    assert ok(hook.run('config-get', 'port', '--format', 'json')) == '8080\n'
    assert ok(hook.run('config-get', '--format=json', 'port')) == '8080\n'
    assert ok(hook.run('config-get', '-a', '--format=json')).startswith('{"debug":false,')
    # after '--' everything is positional, a leading dash included
    hook.run('juju-log', '--', '-a message-')
    assert hook.context.juju_log[-1].message == '-a message-'
    # help is not an error: exit status 0
    assert hook.run('config-get', '--help').returncode == 0
    assert hook.run('relation-ids', '-h').returncode == 0

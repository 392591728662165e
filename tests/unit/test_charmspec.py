"""Charm metadata: charmcraft.yaml and the legacy files, Juju's checks and Juju's messages."""

from __future__ import annotations

import os
from pathlib import Path

import ops
import pytest
import yaml
from ops import testing

from orchestrator.juju import charmspec
from orchestrator.juju.charmspec import CharmSpecError, Endpoint

CHARMCRAFT = {
    'name': 'db',
    'type': 'charm',
    'summary': 'A database.',
    'base': 'ubuntu@22.04',
    'platforms': {'amd64': None},
    'parts': {'charm': {'plugin': 'charm'}},
    'provides': {'db': {'interface': 'pgsql', 'limit': 5}},
    'requires': {
        'certificates': {'interface': 'tls-certificates', 'optional': True},
        'logs': 'loki_push_api',
    },
    'peers': {'replicas': {'interface': 'db-peers'}},
    'extra-bindings': {'replication': None},
    'storage': {'data': {'type': 'filesystem', 'location': '/srv/data'}},
    'config': {
        'options': {
            'port': {'type': 'int', 'default': 5432, 'description': 'Listen port.'},
            'name': {'type': 'string'},
            'motd': {'type': 'string', 'default': ''},
            'ratio': {'type': 'float', 'default': 1},
            'debug': {'type': 'boolean', 'default': False},
            'untyped': {'default': 'x'},
            'password': {'type': 'secret'},
        }
    },
    'actions': {
        'backup': {
            'description': 'Back the database up.',
            'params': {
                'target': {'type': 'string'},
                'count': {'type': 'integer', 'default': 1},
                'ratio': {'type': 'number'},
                'compress': {'type': 'boolean'},
                'tables': {'type': 'array'},
                'extra': {'type': 'object'},
            },
            'required': ['target'],
        },
        'free-form': {'additionalProperties': True},
        'noop': None,
    },
}


def write_charm(
    root: Path, files: dict[str, object], *, entrypoint: str | None = 'src/charm.py'
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        text = content if isinstance(content, str) else yaml.safe_dump(content)
        (root / name).write_text(text)
    if entrypoint is not None:
        (root / entrypoint).parent.mkdir(parents=True, exist_ok=True)
        (root / entrypoint).write_text('')
    return root


@pytest.fixture
def spec(tmp_path: Path) -> charmspec.CharmSpec:
    return charmspec.load(write_charm(tmp_path / 'db', {'charmcraft.yaml': CHARMCRAFT}))


def error_of(root: Path) -> str:
    with pytest.raises(CharmSpecError) as info:
        charmspec.load(root)
    return str(info.value)


# -- loading --------------------------------------------------------------------------------------


def test_charmcraft_yaml_is_read_whole(spec: charmspec.CharmSpec, tmp_path: Path):
    assert spec.name == 'db'
    assert spec.path == tmp_path / 'db'
    assert spec.path.is_absolute()
    assert not spec.subordinate
    assert spec.endpoints == {
        'db': Endpoint(name='db', role='provider', interface='pgsql', limit=5),
        'certificates': Endpoint(
            name='certificates', role='requirer', interface='tls-certificates', optional=True
        ),
        'logs': Endpoint(name='logs', role='requirer', interface='loki_push_api'),
        'replicas': Endpoint(name='replicas', role='peer', interface='db-peers'),
        'juju-info': Endpoint(name='juju-info', role='provider', interface='juju-info'),
    }
    assert spec.endpoints['juju-info'].implicit
    assert not spec.endpoints['db'].implicit
    assert spec.storage == {'data': {'type': 'filesystem', 'location': '/srv/data'}}


def test_config_options_get_juju_types_and_defaults(spec: charmspec.CharmSpec):
    assert {name: (o.type, o.default) for name, o in spec.config.items()} == {
        'port': ('int', 5432),
        'name': ('string', None),
        'motd': ('string', ''),
        'ratio': ('float', 1.0),
        'debug': ('boolean', False),
        'untyped': ('string', 'x'),
        'password': ('secret', None),
    }
    assert isinstance(spec.config['ratio'].default, float)
    assert spec.config['port'].description == 'Listen port.'
    assert spec.config_defaults() == {
        'port': 5432,
        'motd': '',
        'ratio': 1.0,
        'debug': False,
        'untyped': 'x',
    }


def test_actions_are_closed_unless_they_say_otherwise(spec: charmspec.CharmSpec):
    backup = spec.actions['backup']
    assert backup.description == 'Back the database up.'
    assert backup.required == ('target',)
    assert set(backup.params) == {'target', 'count', 'ratio', 'compress', 'tables', 'extra'}
    assert backup.params['count'] == {'type': 'integer', 'default': 1}
    assert backup.additional_properties is False
    assert spec.actions['free-form'].additional_properties is True
    assert spec.actions['noop'].description == 'No description'
    assert spec.actions['noop'].params == {}


def test_meta_dicts_drive_an_ops_testing_context(spec: charmspec.CharmSpec):
    assert 'provides' in spec.meta
    assert not {'type', 'parts', 'platforms', 'base', 'config', 'actions'} & set(spec.meta)
    assert spec.config_meta['options']['untyped']['type'] == 'string'
    assert set(spec.actions_meta) == {'backup', 'free-form', 'noop'}

    class Charm(ops.CharmBase):
        def __init__(self, framework: ops.Framework):
            super().__init__(framework)
            framework.observe(self.on.config_changed, self._on_config)
            framework.observe(self.on.backup_action, self._on_backup)

        def _on_config(self, _: ops.ConfigChangedEvent):
            self.unit.status = ops.ActiveStatus(f'port {self.config["port"]}')

        def _on_backup(self, event: ops.ActionEvent):
            event.set_results({'target': event.params['target']})

    ctx = testing.Context(
        Charm,
        meta=dict(spec.meta),
        config=dict(spec.config_meta),
        actions=dict(spec.actions_meta),
    )
    out = ctx.run(ctx.on.config_changed(), testing.State(config=spec.config_defaults()))
    assert out.unit_status == testing.ActiveStatus('port 5432')
    params = spec.validate_action('backup', {'target': 's3'})
    ctx.run(ctx.on.action('backup', params=params), testing.State())
    assert ctx.action_results == {'target': 's3'}


def test_legacy_metadata_config_and_actions_files(tmp_path: Path):
    root = write_charm(
        tmp_path / 'legacy',
        {
            'metadata.yaml': {
                'name': 'legacy',
                'requires': {'db': 'pgsql'},
                'subordinate': False,
                'series': ['jammy'],
            },
            'config.yaml': {'options': {'port': {'type': 'int', 'default': 80}}},
            'actions.yaml': {'restart': {'description': 'Restart it.'}},
        },
    )
    spec = charmspec.load(root)
    assert spec.endpoints['db'] == Endpoint(name='db', role='requirer', interface='pgsql')
    assert spec.config['port'].default == 80
    assert spec.actions['restart'].description == 'Restart it.'
    assert spec.meta['series'] == ['jammy']


def test_charmcraft_without_name_defers_to_metadata_yaml(tmp_path: Path):
    root = write_charm(
        tmp_path / 'mixed',
        {
            'charmcraft.yaml': {'type': 'charm', 'config': {'options': {'a': {'type': 'int'}}}},
            'metadata.yaml': {'name': 'mixed'},
        },
    )
    spec = charmspec.load(root)
    assert spec.name == 'mixed'
    assert spec.config['a'].type == 'int'


def test_custom_entrypoint(tmp_path: Path):
    root = write_charm(
        tmp_path / 'c',
        {'charmcraft.yaml': {'name': 'c', 'parts': {'charm': {'charm-entrypoint': 'main.py'}}}},
        entrypoint='main.py',
    )
    assert charmspec.load(root).name == 'c'


def test_subordinate_keeps_its_juju_info_requirer(tmp_path: Path):
    root = write_charm(
        tmp_path / 'sub',
        {
            'charmcraft.yaml': {
                'name': 'sub',
                'subordinate': True,
                'requires': {'juju-info': {'interface': 'juju-info', 'scope': 'container'}},
            }
        },
    )
    spec = charmspec.load(root)
    assert spec.subordinate
    assert spec.endpoints == {
        'juju-info': Endpoint(
            name='juju-info', role='requirer', interface='juju-info', scope='container'
        )
    }


def test_load_is_cached_until_a_file_changes(tmp_path: Path):
    root = write_charm(tmp_path / 'db', {'charmcraft.yaml': {'name': 'db'}})
    first = charmspec.load(root)
    assert charmspec.load(str(root)) is first
    write_charm(root, {'charmcraft.yaml': {'name': 'db', 'provides': {'x': {'interface': 'y'}}}})
    stat = (root / 'charmcraft.yaml').stat()
    os.utime(root / 'charmcraft.yaml', ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert 'x' in charmspec.load(root).endpoints


BAD_CHARMS = [
    pytest.param({'charmcraft.yaml': 'name: [db'}, 'charmcraft.yaml: not valid YAML', id='yaml'),
    pytest.param(
        {'charmcraft.yaml': '- name'},
        'charmcraft.yaml: expected a mapping at the top level, got a list',
        id='top-level-list',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'Db'}},
        'charmcraft.yaml: name: charm name "Db" not valid',
        id='bad-name',
    ),
    pytest.param(
        {'metadata.yaml': {'summary': 'no name'}},
        'metadata.yaml: name: expected the charm name, got nothing',
        id='no-name',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'provide': {'db': {'interface': 'pgsql'}}}},
        'charmcraft.yaml: provide: unknown key',
        id='unknown-role-section',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'provides': {'db': {'role': 'provider'}}}},
        'charmcraft.yaml: provides.db.role: unknown key',
        id='unknown-relation-key',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'provides': {'db': {'limit': 1}}}},
        'charmcraft.yaml: provides.db.interface: expected an interface name, got nothing',
        id='no-interface',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'provides': {'db': {'interface': 'x', 'scope': 'x'}}}},
        'charmcraft.yaml: provides.db.scope: expected "global" or "container", got str \'x\'',
        id='bad-scope',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'requires': {'db': {'interface': 'x', 'limit': 'a'}}}},
        'charmcraft.yaml: requires.db.limit: expected an integer',
        id='bad-limit',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'requires': ['db']}},
        'charmcraft.yaml: requires: expected a mapping, got a list',
        id='section-not-map',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'requires': {'Bad_': {'interface': 'x'}}}},
        'charmcraft.yaml: requires.Bad_: invalid endpoint name',
        id='bad-endpoint-name',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'requires': {'juju-x': {'interface': 'x'}}}},
        'charmcraft.yaml: requires.juju-x: charm "db" using a reserved relation name: "juju-x"',
        id='reserved-name',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'provides': {'info': {'interface': 'juju-info'}}}},
        'charmcraft.yaml: provides.info: charm "db" relation "info" using a reserved interface: '
        '"juju-info"',
        id='reserved-interface',
    ),
    pytest.param(
        {
            'charmcraft.yaml': {
                'name': 'db',
                'provides': {'db': {'interface': 'a'}},
                'peers': {'db': {'interface': 'b'}},
            }
        },
        'charmcraft.yaml: peers.db: charm "db" using a duplicated relation name: "db"',
        id='duplicate-endpoint',
    ),
    pytest.param(
        {
            'charmcraft.yaml': {
                'name': 'db',
                'subordinate': True,
                'requires': {'host': {'interface': 'juju-info'}},
            }
        },
        'charmcraft.yaml: subordinate: subordinate charm "db" lacks "requires" relation with '
        'container scope',
        id='subordinate-without-container-scope',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'subordinate': 'yes please'}},
        'charmcraft.yaml: subordinate: expected a boolean',
        id='subordinate-type',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'storage': {'data': {'type': 'tmpfs'}}}},
        'charmcraft.yaml: storage.data.type: expected "filesystem" or "block"',
        id='storage-type',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'config': {'options': {'p': {'type': 'integer'}}}}},
        'charmcraft.yaml: config.options.p.type: invalid config: option "p" has unknown type '
        '"integer"',
        id='config-type',
    ),
    pytest.param(
        {
            'charmcraft.yaml': {
                'name': 'db',
                'config': {'options': {'p': {'type': 'int', 'default': 'abc'}}},
            }
        },
        'charmcraft.yaml: config.options.p.default: invalid config default: option "p" expected '
        'int, got "abc"',
        id='config-default',
    ),
    pytest.param(
        {'config.yaml': {'options': ['p']}, 'metadata.yaml': {'name': 'db'}},
        'config.yaml: options: expected a mapping, got a list',
        id='config-yaml-options',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'Backup': {}}}},
        'charmcraft.yaml: actions.Backup: bad action name Backup',
        id='action-name',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'juju': {}}}},
        'charmcraft.yaml: actions.juju: cannot use action name juju: "juju" is a reserved name',
        id='action-juju',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'juju-run': {}}}},
        'charmcraft.yaml: actions.juju-run: cannot use action name juju-run: the "juju-" prefix '
        'is reserved',
        id='action-juju-prefix',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'a': {'required': 'x'}}}},
        'charmcraft.yaml: actions.a.required: value for schema key "required" must be a YAML list',
        id='action-required',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'a': {'params': ['x']}}}},
        'charmcraft.yaml: actions.a.params: params failed to parse as a map',
        id='action-params',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'a': {'description': ['x']}}}},
        'charmcraft.yaml: actions.a.description: value for schema key "description" must be a '
        'string',
        id='action-description',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'a': {'params': {'x': {'$ref': 'y'}}}}}},
        'charmcraft.yaml: actions.a.params.x.$ref: schema key "$ref" not compatible with this '
        'version of juju',
        id='action-ref',
    ),
    pytest.param(
        {
            'actions.yaml': {'a': {'params': {'x': {'type': 'int'}}}},
            'metadata.yaml': {'name': 'd'},
        },
        'actions.yaml: a.params.x.type: invalid params schema for action schema a: "int" is not '
        'a JSON-schema type',
        id='action-param-type',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db', 'actions': {'a': {'additionalProperties': 'no'}}}},
        'charmcraft.yaml: actions.a.additionalProperties: expected a boolean',
        id='action-additional',
    ),
    pytest.param(
        {'charmcraft.yaml': {'name': 'db'}, 'metadata.yaml': {'name': 'db'}},
        'metadata.yaml: charmcraft.yaml already holds the metadata',
        id='two-metadata-files',
    ),
    pytest.param(
        {'charmcraft.yaml': {'type': 'charm'}},
        'no charm metadata: neither charmcraft.yaml with a name nor metadata.yaml',
        id='no-metadata',
    ),
]


@pytest.mark.parametrize(('files', 'message'), BAD_CHARMS)
def test_malformed_charms_are_refused_naming_file_and_field(
    tmp_path: Path, files: dict[str, object], message: str
):
    root = write_charm(tmp_path / 'bad', files)
    error = error_of(root)
    assert message in error
    assert str(root) in error


def test_missing_entrypoint(tmp_path: Path):
    root = write_charm(tmp_path / 'c', {'charmcraft.yaml': {'name': 'c'}}, entrypoint=None)
    assert error_of(root) == f"{root / 'src/charm.py'}: no such file (the charm's ops entry point)"


def test_not_a_directory(tmp_path: Path):
    assert (
        error_of(tmp_path / 'nope')
        == f'{tmp_path / "nope"}: not a charm directory (no such directory)'
    )


# -- config values --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('values', 'expected'),
    [
        ({'port': '8080'}, {'port': 8080}),
        ({'port': 8080}, {'port': 8080}),
        ({'port': '-3'}, {'port': -3}),
        ({'port': '0x10'}, {'port': 16}),
        ({'ratio': 2}, {'ratio': 2.0}),
        ({'ratio': '0.5'}, {'ratio': 0.5}),
        ({'ratio': '1e3'}, {'ratio': 1000.0}),
        ({'debug': True}, {'debug': True}),
        ({'debug': 'true'}, {'debug': True}),
        ({'debug': 'False'}, {'debug': False}),
        ({'debug': '1'}, {'debug': True}),
        ({'name': 'x y'}, {'name': 'x y'}),
        ({'name': ''}, {'name': ''}),
        ({'password': 'secret:abc'}, {'password': 'secret:abc'}),
        ({'name': None, 'port': 1}, {'port': 1}),
    ],
)
def test_parse_config_converts_like_juju(
    spec: charmspec.CharmSpec, values: dict[str, object], expected: dict[str, object]
):
    result = spec.parse_config(values)
    assert result == expected
    assert [type(v) for v in result.values()] == [type(v) for v in expected.values()]


@pytest.mark.parametrize(
    ('values', 'message'),
    [
        ({'foo': 1}, 'unknown option "foo"'),
        ({'port': 'abc'}, 'option "port" expected int, got "abc"'),
        ({'port': 1.5}, 'option "port" expected int, got 1.5'),
        ({'port': True}, 'option "port" expected int, got true'),
        ({'port': '1.0'}, 'option "port" expected int, got "1.0"'),
        ({'port': 2**63}, 'option "port" expected int, got 9223372036854775808'),
        ({'name': 5}, 'option "name" expected string, got 5'),
        ({'name': 2.0}, 'option "name" expected string, got 2'),
        ({'name': 1e21}, 'option "name" expected string, got 1e+21'),
        ({'name': 123456.0}, 'option "name" expected string, got 123456'),
        ({'name': 1234567.5}, 'option "name" expected string, got 1.2345675e+06'),
        ({'name': 0.00012}, 'option "name" expected string, got 0.00012'),
        ({'name': 0.000012}, 'option "name" expected string, got 1.2e-05'),
        ({'name': ['a', 1]}, 'option "name" expected string, got []interface {}{"a", 1}'),
        ({'name': {'a': 1}}, 'option "name" expected string, got map[string]interface {}{"a":1}'),
        ({'ratio': 'fast'}, 'option "ratio" expected float, got "fast"'),
        ({'debug': 'yes'}, 'option "debug" expected boolean, got "yes"'),
        ({'debug': 1}, 'option "debug" expected boolean, got 1'),
        ({'password': 3}, 'option "password" expected secret, got 3'),
        ({'name': 'a\tb\x01', 'port': 'x'}, 'option "port" expected int, got "x"'),
    ],
)
def test_parse_config_refuses_with_juju_messages(
    spec: charmspec.CharmSpec, values: dict[str, object], message: str
):
    with pytest.raises(CharmSpecError) as info:
        spec.parse_config(values)
    assert str(info.value) == message


def test_parse_config_names_its_source(spec: charmspec.CharmSpec):
    with pytest.raises(CharmSpecError) as info:
        spec.parse_config({'nope': 'x'}, source='application "db"')
    assert str(info.value) == 'application "db": unknown option "nope"'


# -- actions --------------------------------------------------------------------------------------


def test_validate_action_fills_defaults_and_converts_cli_strings(spec: charmspec.CharmSpec):
    params = spec.validate_action(
        'backup',
        {
            'target': '007',
            'ratio': '0.5',
            'compress': 'true',
            'tables': '[a, b]',
            'extra.level': 3,
            'extra.mode.fast': 'yes',
        },
    )
    assert params == {
        'target': '007',
        'count': 1,
        'ratio': 0.5,
        'compress': True,
        'tables': ['a', 'b'],
        'extra': {'level': 3, 'mode': {'fast': 'yes'}},
    }
    assert spec.validate_action('backup', {'target': 'x', 'count': '3'})['count'] == 3
    assert spec.validate_action('backup', {'target': 'x', 'count': 4.0})['count'] == 4.0


def test_validate_action_open_schema_accepts_anything(spec: charmspec.CharmSpec):
    assert spec.validate_action('free-form', {'a': 1, 'b': 'c'}) == {'a': 1, 'b': 'c'}
    assert spec.validate_action('noop', {}) == {}


@pytest.mark.parametrize(
    ('action', 'params', 'unit', 'message'),
    [
        ('nope', {}, 'db/0', 'action "nope" not defined on unit "db/0"'),
        ('nope', {}, None, 'action "nope" not defined on charm "db"'),
        (
            'backup',
            {'count': 2},
            None,
            'validation failed: (root) : "target" property is missing and required, given '
            '{"count":2}',
        ),
        (
            'backup',
            {'target': 'x', 'outfile': 'y'},
            None,
            'validation failed: (root) : additional property "outfile" is not allowed, given '
            '{"outfile":"y","target":"x"}',
        ),
        (
            'backup',
            {'target': 5},
            None,
            'validation failed: (root).target : must be of type string, given 5',
        ),
        (
            'backup',
            {'target': 'x', 'count': 'two'},
            None,
            'validation failed: (root).count : must be of type integer, given "two"',
        ),
        (
            'backup',
            {'target': 'x', 'count': 1.5},
            None,
            'validation failed: (root).count : must be of type integer, given 1.5',
        ),
        (
            'backup',
            {'target': 'x', 'compress': 'maybe'},
            None,
            'validation failed: (root).compress : must be of type boolean, given "maybe"',
        ),
        (
            'backup',
            {'target': 'x', 'ratio': True},
            None,
            'validation failed: (root).ratio : must be of type number, given true',
        ),
        (
            'backup',
            {'target': 'x', 'tables': 'a'},
            None,
            'validation failed: (root).tables : must be of type array, given "a"',
        ),
        (
            'backup',
            {'target': 'x', 'extra': '[1]'},
            None,
            'validation failed: (root).extra : must be of type object, given [1]',
        ),
        (
            'backup',
            {'bogus': 1},
            None,
            'validation failed: (root) : "target" property is missing and required, given '
            '{"bogus":1}; (root) : additional property "bogus" is not allowed, given {"bogus":1}',
        ),
    ],
)
def test_validate_action_refuses_with_juju_messages(
    spec: charmspec.CharmSpec,
    action: str,
    params: dict[str, object],
    unit: str | None,
    message: str,
):
    with pytest.raises(CharmSpecError) as info:
        spec.validate_action(action, params, unit=unit)
    assert str(info.value) == message


# -- resolve --------------------------------------------------------------------------------------


def test_resolve_paths_and_bare_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    charms = tmp_path / 'charms'
    (charms / 'db').mkdir(parents=True)
    (tmp_path / 'bundles' / 'local').mkdir(parents=True)
    monkeypatch.setenv('HOME', str(tmp_path))
    base = tmp_path / 'bundles'
    assert charmspec.resolve('db', charms_dir=charms, base_dir=base) == charms / 'db'
    assert charmspec.resolve('ch:db', charms_dir=charms, base_dir=base) == charms / 'db'
    assert charmspec.resolve('./local', charms_dir=charms, base_dir=base) == base / 'local'
    assert charmspec.resolve('../charms/db', charms_dir=charms, base_dir=base) == charms / 'db'
    assert charmspec.resolve('charms/db', charms_dir=tmp_path, base_dir=tmp_path) == charms / 'db'
    assert charmspec.resolve('~/charms/db', charms_dir=base, base_dir=base) == charms / 'db'
    assert charmspec.resolve(str(charms / 'db'), charms_dir=base, base_dir=base) == charms / 'db'


def test_resolve_says_where_it_looked(tmp_path: Path):
    with pytest.raises(CharmSpecError) as info:
        charmspec.resolve('./nope', charms_dir=tmp_path, base_dir=tmp_path)
    assert str(info.value) == f'charm path does not exist: {tmp_path / "nope"}'
    with pytest.raises(CharmSpecError) as info:
        charmspec.resolve('nope', charms_dir=tmp_path / 'charms', base_dir=tmp_path)
    charms = tmp_path / 'charms'
    assert str(info.value) == (
        f'charm "nope" not found: looked for the directory {charms / "nope"} '
        f'(a bare charm name is looked up in {charms})'
    )

"""Bundles: decoding, overlays, includes, placements, relations, offers and Juju's messages."""

from __future__ import annotations

import base64
import copy
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import pytest
import yaml
from metal_interfaces import postgresql_client

from orchestrator.juju import bundle
from orchestrator.juju.bundle import BundleError, EndpointRef, Placement, RelationSpec
from orchestrator.juju.charmspec import Endpoint

README = Path(__file__).resolve().parents[2] / 'bundles' / 'offers' / 'README.md'

CHARMS: dict[str, dict[str, Any]] = {
    'db': {
        'name': 'db',
        'provides': {'db': {'interface': 'pgsql'}},
        'requires': {'certificates': {'interface': 'tls-certificates'}},
        'peers': {'replicas': {'interface': 'db-peers'}},
        'extra-bindings': {'replication': None},
        'storage': {'data': {'type': 'filesystem'}, 'logs': {'type': 'block'}},
        'config': {
            'options': {
                'port': {'type': 'int', 'default': 5432},
                'name': {'type': 'string'},
                'motd': {'type': 'string'},
                'ratio': {'type': 'float'},
                'debug': {'type': 'boolean'},
            }
        },
    },
    'web': {
        'name': 'web',
        'requires': {
            'db': {'interface': 'pgsql'},
            'database': {'interface': 'postgresql_client'},
        },
        'provides': {'website': {'interface': 'http'}},
    },
    'cache': {'name': 'cache', 'provides': {'website': {'interface': 'http'}}},
    'twin': {
        'name': 'twin',
        'requires': {'primary': {'interface': 'pgsql'}, 'replica': {'interface': 'pgsql'}},
    },
    'sub': {
        'name': 'sub',
        'subordinate': True,
        'requires': {
            'juju-info': {'interface': 'juju-info', 'scope': 'container'},
            'website': {'interface': 'http', 'scope': 'container'},
        },
    },
}

OFFER = {
    'url': 'admin/database.postgresql',
    'endpoints': {'database': {'interface': 'postgresql_client', 'role': 'provider'}},
    'relation-data': {
        'database': {
            'application': {
                'endpoints': '10.0.0.5:5432',
                'database': 'maas',
                'secret-user': '${secret:user}',
            },
            'units': {'postgresql/0': {}, 'postgresql/1': {'host': 'pg-1'}},
        }
    },
    'secrets': {'user': {'username': 'maas', 'password': 's3cret'}},
}

BASE: dict[str, Any] = {
    'description': 'Two applications.',
    'applications': {
        'db': {'charm': './charms/db', 'num_units': 1},
        'web': {'charm': 'web', 'num_units': 1},
    },
    'relations': [['web', 'db']],
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, meta in CHARMS.items():
        charm = tmp_path / 'charms' / name
        (charm / 'src').mkdir(parents=True)
        (charm / 'src' / 'charm.py').write_text('')
        (charm / 'charmcraft.yaml').write_text(yaml.safe_dump(meta))
    return tmp_path


def write(path: Path, content: object) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = textwrap.dedent(content) if isinstance(content, str) else yaml.safe_dump(content)
    path.write_text(text)
    return path


def load(root: Path, content: object, **kwargs: Any) -> bundle.Bundle:
    path = write(root / 'bundle.yaml', content)
    return bundle.load(path, charms_dir=root / 'charms', **kwargs)


def error(root: Path, content: object, **kwargs: Any) -> BundleError:
    with pytest.raises(BundleError) as info:
        load(root, content, **kwargs)
    return info.value


def doc(change: Callable[[dict[str, Any]], object] | None = None) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    if change is not None:
        change(data)
    return data


# -- a whole bundle -------------------------------------------------------------------------------


def test_a_full_bundle(root: Path):
    write(root / 'motd.txt', 'welcome\n')
    write(root / 'offers' / 'postgresql.yaml', OFFER)
    result = load(
        root,
        """\
        description: A full bundle.
        default-base: ubuntu@22.04
        saas:
          postgresql: {url: admin/database.postgresql}
        machines:
          "0": {constraints: cores=4 mem=8G, annotations: {rack: r1}}
          1: {base: ubuntu@24.04}
        applications:
          db:
            charm: ./charms/db
            channel: 14/stable
            num_units: 2
            to: ["0", "1"]
            constraints: mem=6G cores=2
            options: {port: "6000", motd: include-file://motd.txt, debug: true, ratio: 2}
            storage: {data: "ebs,10G,2"}
            bindings: {"": alpha, db: beta, replication: gamma}
            annotations: {gui-x: "10"}
            trust: true
            expose: true
          web:
            charm: ch:web
            series: focal
            num_units: 3
            to: [db, lxd:new]
          sub:
            charm: sub
        relations:
        - [web, db]
        - [web:database, postgresql]
        - [sub, web]
        - [db:juju-info, sub:juju-info]
        """,
    )
    assert result.path == root / 'bundle.yaml'
    assert result.description == 'A full bundle.'
    assert result.default_base == 'ubuntu@22.04'
    assert result.warnings == ()
    assert list(result.applications) == ['db', 'web', 'sub']
    db, web, sub = result.applications.values()
    assert db.charm == './charms/db'
    assert db.charm_path == root / 'charms' / 'db'
    assert db.spec.name == 'db'
    assert (db.channel, db.revision, db.base) == ('14/stable', None, 'ubuntu@22.04')
    assert db.constraints == 'cores=2 mem=6144M'
    assert db.options == {'port': 6000, 'motd': 'welcome\n', 'debug': True, 'ratio': 2.0}
    assert db.storage == {'data': 'ebs,10G,2'}
    assert db.bindings == {'': 'alpha', 'db': 'beta', 'replication': 'gamma'}
    assert db.annotations == {'gui-x': '10'}
    assert (db.trust, db.expose) == (True, True)
    assert db.placements == (Placement(machine='0'), Placement(machine='1'))
    assert web.charm == 'ch:web'
    assert web.base == 'ubuntu@20.04'
    assert web.to == ('db', 'lxd:new')
    assert web.placements == (
        Placement(application='db', unit=0),
        Placement(container='lxd', new=True),
        Placement(container='lxd', new=True),
    )
    assert (sub.num_units, sub.placements, sub.spec.subordinate) == (0, (), True)
    assert result.machines['0'].constraints == 'cores=4 mem=8192M'
    assert result.machines['0'].annotations == {'rack': 'r1'}
    assert (result.machines['0'].base, result.machines['1'].base) == (
        'ubuntu@22.04',
        'ubuntu@24.04',
    )
    assert result.relations == (
        RelationSpec(
            provider=EndpointRef(application='db', endpoint='db'),
            requirer=EndpointRef(application='web', endpoint='db'),
            interface='pgsql',
        ),
        RelationSpec(
            provider=EndpointRef(application='postgresql', endpoint='database'),
            requirer=EndpointRef(application='web', endpoint='database'),
            interface='postgresql_client',
        ),
        RelationSpec(
            provider=EndpointRef(application='web', endpoint='website'),
            requirer=EndpointRef(application='sub', endpoint='website'),
            interface='http',
        ),
        RelationSpec(
            provider=EndpointRef(application='db', endpoint='juju-info'),
            requirer=EndpointRef(application='sub', endpoint='juju-info'),
            interface='juju-info',
        ),
    )
    saas = result.saas['postgresql']
    assert (saas.name, saas.url) == ('postgresql', 'admin/database.postgresql')
    assert saas.offer.endpoints['database'].role == 'provider'


# -- placements -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('text', 'placement'),
    [
        ('new', Placement(new=True)),
        ('0', Placement(machine='0')),
        ('12', Placement(machine='12')),
        ('db', Placement(application='db')),
        ('db/3', Placement(application='db', unit=3)),
        ('my-app/0', Placement(application='my-app', unit=0)),
        ('lxd:new', Placement(container='lxd', new=True)),
        ('lxd:0', Placement(container='lxd', machine='0')),
        ('kvm:db/1', Placement(container='kvm', application='db', unit=1)),
        ('lxd:db', Placement(container='lxd', application='db')),
        ('lxd', Placement(container='lxd', new=True)),
    ],
)
def test_parse_placement(text: str, placement: Placement):
    assert bundle.parse_placement(text) == placement


@pytest.mark.parametrize('text', ['', 'lxd:', ':0', '01', 'db/01', 'new/1', 'Db', 'db/x', 'a b'])
def test_parse_placement_refuses_bad_syntax(text: str):
    with pytest.raises(BundleError) as info:
        bundle.parse_placement(text)
    assert str(info.value) == f'invalid placement syntax "{text}"'


def test_parse_placement_refuses_unknown_containers():
    with pytest.raises(BundleError) as info:
        bundle.parse_placement('docker:0')
    assert (
        str(info.value)
        == 'invalid container type "docker" in placement "docker:0" (expected lxd or kvm)'
    )


@pytest.mark.parametrize(
    ('to', 'num_units', 'expected'),
    [
        ([], 2, [Placement(new=True)] * 2),
        (['lxd:0'], 3, [Placement(container='lxd', machine='0')] * 3),
        (['0', 'new'], 3, [Placement(machine='0'), Placement(new=True), Placement(new=True)]),
        (
            ['db'],
            3,
            [Placement(application='db', unit=n) for n in range(3)],
        ),
        (
            ['db/1', 'db'],
            3,
            [Placement(application='db', unit=n) for n in (1, 2, 3)],
        ),
        (
            ['lxd:db', 'new'],
            2,
            [Placement(container='lxd', application='db', unit=0), Placement(new=True)],
        ),
    ],
)
def test_placements_are_padded_like_juju(
    root: Path, to: list[str], num_units: int, expected: list[Placement]
):
    def change(data: dict[str, Any]) -> None:
        data['machines'] = {'0': {}}
        data['applications']['db']['num_units'] = 4
        data['applications']['db']['to'] = ['0']
        data['applications']['web'].update(num_units=num_units, to=to)

    assert load(root, doc(change)).applications['web'].placements == tuple(expected)


# -- verification errors --------------------------------------------------------------------------


def _set(path: str, value: object) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        *parents, last = path.split('.')
        node = data
        for key in parents:
            node = node.setdefault(key, {})
        node[last] = value

    return change


def _steps(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for step in changes:
            step(data)

    return change


WORKLOADS = (
    '(Juju deploys workloads on ubuntu@20.04, ubuntu@22.04, ubuntu@24.04, ubuntu@24.10, '
    'ubuntu@25.04, ubuntu@25.10)'
)
"""What olm appends to Juju's ``base: X/stable`` for a base Juju deploys nothing on."""

VERIFY_ERRORS = [
    (_set('applications', {}), 'at least one application must be specified'),
    (_set('bundle', 'lxd'), 'bundle has an invalid type "lxd"'),
    (
        _set('bundle', 'kubernetes'),
        'bundle type "kubernetes" is not supported: olm deploys machine charms',
    ),
    (_set('default-base', 'ubuntu'), 'bundle declares an invalid base "ubuntu"'),
    (_set('default-base', 'ubuntu@22@04'), 'bundle declares an invalid base "ubuntu@22@04"'),
    (_set('series', 'warty'), 'bundle declares an invalid series "warty"'),
    (_set('default-base', 'windows@10'), 'default-base: base: windows@10/stable ' + WORKLOADS),
    (_set('series', 'xenial'), 'series "xenial": base: ubuntu@16.04/stable ' + WORKLOADS),
    (
        _set('applications.db.base', 'centos@7'),
        'application "db": base: centos@7/stable ' + WORKLOADS,
    ),
    (
        _set('applications.db.series', 'trusty'),
        'application "db": series "trusty": base: ubuntu@14.04/stable ' + WORKLOADS,
    ),
    (
        _steps(_set('machines', {'0': {'base': 'windows@10'}}), _set('applications.db.to', ['0'])),
        'machine "0": base: windows@10/stable ' + WORKLOADS,
    ),
    (
        _steps(_set('machines', {'a': {}}), _set('applications.db.to', ['a'])),
        'invalid machine id "a" found in machines',
    ),
    (_set('machines', {'1': {}}), 'machine "1" is not referred to by a placement directive'),
    (
        _steps(
            _set('machines', {'0': {'constraints': 'mem=lots'}}),
            _set('applications.db.to', ['0']),
        ),
        'invalid constraints "mem=lots" in machine "0": bad "mem" constraint: must be a '
        'non-negative float with optional M/G/T/P suffix',
    ),
    (
        _steps(_set('machines', {'0': {'base': 'jammy'}}), _set('applications.db.to', ['0'])),
        'invalid base "jammy" for machine "0"',
    ),
    (
        _set('applications.db.constraints', 'foo=1'),
        'invalid constraints "foo=1" in application "db": unknown constraint "foo"',
    ),
    (
        _set('applications.db.to', ['new', 'new']),
        'too many units specified in unit placement for application "db"',
    ),
    (
        _set('applications.db.to', ['nope/0']),
        'placement "nope/0" refers to an application not defined in this bundle',
    ),
    (
        _set('applications.db.to', ['web/5']),
        'placement "web/5" specifies a unit greater than the 1 unit(s) started by the target '
        'application',
    ),
    (
        _steps(_set('applications.db.to', ['web']), _set('applications.db.num_units', 2)),
        'placement "web" specifies a unit greater than the 1 unit(s) started by the target '
        'application',
    ),
    (
        _set('applications.db.to', ['7']),
        'placement "7" refers to a machine not defined in this bundle',
    ),
    (_set('applications.db.to', ['lxd:']), 'invalid placement syntax "lxd:"'),
    (
        _set('applications.db.num_units', -1),
        'negative number of units specified on application "db"',
    ),
    (
        _set('applications.sub', {'charm': 'sub', 'num_units': 1}),
        'application "sub" is subordinate but has non-zero num_units',
    ),
    (
        _set('applications.sub', {'charm': 'sub', 'to': ['db/0']}),
        'application "sub" is subordinate but specifies unit placement',
    ),
    (_set('applications.db.charm', ''), 'empty charm path'),
    (
        _set('applications.db', None),
        'bundle application for key "db" is undefined',
    ),
    (
        _set('applications.web.charm', 'nope'),
        'application "web" refers to non-existent charm "nope" (looked for {root}/charms/nope)',
    ),
    (
        _set('applications.web.charm', 'cs:web'),
        'invalid charm URL in application "web": cannot parse URL "cs:web": schema "cs" not valid',
    ),
    (
        _set('applications.web.charm', 'Web'),
        'invalid charm URL in application "web": cannot parse URL "Web": name "Web" not valid',
    ),
    (
        _set('applications.db.charm', './charms/nope'),
        'charm path in application "db" does not exist: {root}/charms/nope',
    ),
    (
        _set('applications.db.base', 'ubuntu22.04'),
        'application "db" declares an invalid base "ubuntu22.04"',
    ),
    (
        _set('applications.db.series', 'warty'),
        'application "db" declares an invalid series "warty"',
    ),
    (
        _set('applications.db.storage', {'Data': '1G'}),
        'invalid storage name "Data" in application "db"',
    ),
    (
        _set('applications.db.storage', {'data': '10 G'}),
        'invalid storage "data" in application "db": unrecognized storage constraint "10 G" not '
        'valid',
    ),
    (
        _set('applications.db.storage', {'data': ','}),
        'invalid storage "data" in application "db": storage constraints require at least one '
        'field to be specified',
    ),
    (
        _set('applications.db.storage', {'data': 'ebs,0'}),
        'invalid storage "data" in application "db": cannot parse count: count must be greater '
        'than zero, got "0"',
    ),
    (
        _set('applications.db.storage', {'data': 'ebs,-1G'}),
        'invalid storage "data" in application "db": cannot parse size: expected a non-negative '
        'number, got "-1G"',
    ),
    (
        _set('applications.db.storage', {'data': 'ebs,loop'}),
        'invalid storage "data" in application "db": pool name is already set to "ebs", new '
        'value "loop" not valid',
    ),
    (
        _set('applications.db.storage', {'data': '2,3'}),
        'invalid storage "data" in application "db": storage instance count is already set to '
        '2, new value 3 not valid',
    ),
    (
        _set('applications.db.storage', {'data': '1G,2G'}),
        'invalid storage "data" in application "db": storage size is already set to 1024, new '
        'value 2048 not valid',
    ),
    (
        _set('applications.db.storage', {'cache': '1G'}),
        'invalid storage "cache" in application "db": charm "db" has no store called "cache"',
    ),
    (
        _set('applications.db.devices', {'Gpu': 'nvidia.com/gpu'}),
        'invalid device name "Gpu" in application "db"',
    ),
    (
        _steps(_set('applications.web.revision', -1), _set('applications.web.channel', 'e')),
        'the revision for application "web" must be zero or greater',
    ),
    (
        _set('applications.web.revision', 3),
        'application "web" with a revision requires a channel for future upgrades, please use '
        'channel',
    ),
    (
        _set('applications.db.options', {'nope': 1}),
        'cannot validate application "db": configuration option "nope" not found in charm '
        '"./charms/db"',
    ),
    (
        _set('applications.db.options', {'port': 'abc'}),
        'cannot validate application "db": option "port" expected int, got "abc"',
    ),
    (
        _set('applications.db.options', {'name': 42}),
        'cannot validate application "db": option "name" expected string, got 42',
    ),
    (
        _set('applications.db.bindings', {'nope': 'alpha'}),
        'application "db" wants to bind endpoint "nope" to space "alpha", but the endpoint is '
        'not defined by the charm',
    ),
    (
        _set('applications.db.bindings', {'juju-info': 'alpha'}),
        'application "db" wants to bind endpoint "juju-info" to space "alpha", but the endpoint '
        'is not defined by the charm',
    ),
    (
        _set('applications.db.resources', {'snap': True}),
        'resource revision "snap" is not int or string',
    ),
    (
        _set('applications.db.resources', {'snapp': 3}),
        'application "db": unrecognized resource "snapp"',
    ),
    (
        _set('applications.db.resources', {'a': 3, 'b': './b.txt'}),
        'application "db": unrecognized resources: a, b',
    ),
    (_set('applications.My_App', {'charm': 'web'}), 'application name "My_App" not valid'),
    (_set('relations', [['web']]), 'relation ["web"] has 1 endpoint(s), not 2'),
    (
        _set('relations', [['web', 'db', 'sub']]),
        'relation ["web" "db" "sub"] has 3 endpoint(s), not 2',
    ),
    (_set('relations', [['Web', 'db']]), 'invalid relation syntax "Web"'),
    (_set('relations', [['web:', 'db']]), 'invalid relation syntax "web:"'),
    (
        _set('relations', [['web', 'nope']]),
        'relation ["web" "nope"] refers to application "nope" not defined in this bundle',
    ),
    (
        _set('relations', [['db:db', 'db']]),
        'relation ["db:db" "db"] relates an application to itself',
    ),
    (
        _set('relations', [['web', 'db'], ['db:db', 'web:db']]),
        'relation ["db:db" "web:db"] is defined more than once',
    ),
    (
        _set('relations', [['web:db', 'db'], ['web', 'db:db']]),
        'relation ["web" "db:db"] is defined more than once',
    ),
    (
        _steps(
            _set('applications.cache', {'charm': 'cache', 'num_units': 1}),
            _set('relations', [['db', 'cache']]),
        ),
        'cannot infer endpoint between db and cache: no relations found',
    ),
    (
        _steps(
            _set('applications.twin', {'charm': 'twin', 'num_units': 1}),
            _set('relations', [['db', 'twin']]),
        ),
        'cannot infer endpoint between db and twin: ambiguous relation: db twin could refer to '
        '"db:db twin:primary"; "db:db twin:replica"',
    ),
    (
        _steps(
            _set('applications.cache', {'charm': 'cache', 'num_units': 1}),
            _set('relations', [['web:website', 'cache:website']]),
        ),
        'relation "web:website" to "cache:website" relates provider to provider',
    ),
    (
        _steps(
            _set('applications.twin', {'charm': 'twin', 'num_units': 1}),
            _set('relations', [['web:db', 'twin:primary']]),
        ),
        'relation "web:db" to "twin:primary" relates requirer to requirer',
    ),
    (
        _set('relations', [['db:db', 'web:database']]),
        'mismatched interface between "db:db" and "web:database" ("pgsql" vs "postgresql_client")',
    ),
    (
        _set('relations', [['web:nope', 'db:db']]),
        'charm "web" used by application "web" does not define relation "nope" (relating '
        '"web:nope" to "db:db"; "db:db" has interface "pgsql" (provider); web has: database '
        '(postgresql_client requirer), db (pgsql requirer), website (http provider))',
    ),
    (
        _set('relations', [['web:db', 'db:replicas']]),
        'charm "./charms/db" used by application "db" does not define relation "replicas" '
        '(relating "web:db" to "db:replicas"; "db:replicas" is a peer relation; "web:db" has '
        'interface "pgsql" (requirer); db has: certificates (tls-certificates requirer), db '
        '(pgsql provider))',
    ),
    (
        _set('relations', [['web:nope', 'db']]),
        'charm "web" used by application "web" does not define relation "nope" (relating '
        '"web:nope" to "db"; web has: ',
    ),
]


@pytest.mark.parametrize(('change', 'message'), VERIFY_ERRORS)
def test_verification_errors_use_juju_messages(
    root: Path, change: Callable[[dict[str, Any]], None], message: str
):
    failure = error(root, doc(change))
    expected = message.format(root=root)
    assert failure.path == str(root / 'bundle.yaml')
    assert any(e.startswith(expected) for e in failure.errors), failure.errors
    assert str(failure).startswith(f'{root / "bundle.yaml"}: ')


def test_several_errors_are_counted(root: Path):
    failure = error(
        root,
        doc(
            _steps(
                _set('applications.db.num_units', -1),
                _set('applications.web.constraints', 'foo=1'),
                _set('machines', {'3': {}}),
            )
        ),
    )
    assert failure.errors == (
        'negative number of units specified on application "db"',
        'invalid constraints "foo=1" in application "web": unknown constraint "foo"',
        'machine "3" is not referred to by a placement directive',
    )
    assert str(failure) == (
        f'{root / "bundle.yaml"}: negative number of units specified on application "db" '
        '(and 2 more errors)'
    )


def test_juju_info_is_dropped_when_disambiguating(root: Path):
    result = load(
        root,
        doc(
            _steps(
                _set('applications.sub', {'charm': 'sub'}),
                _set('relations', [['web', 'sub'], ['sub', 'db']]),
            )
        ),
    )
    assert [(str(r.provider), str(r.requirer)) for r in result.relations] == [
        ('web:website', 'sub:website'),
        ('db:juju-info', 'sub:juju-info'),
    ]


def test_app_and_saas_with_one_name(root: Path):
    write(root / 'offers' / 'db.yaml', {**OFFER, 'relation-data': {}})
    failure = error(root, doc(_set('saas', {'db': {'url': 'admin/database.postgresql'}})))
    assert failure.errors[:2] == (
        'application "db" already exists with SAAS "db" name',
        'SAAS "db" already exists with application "db" name',
    )
    assert 'ambiguous relation "db" refers to a application and a SAAS in this bundle' in (
        failure.errors
    )


# -- decoding -------------------------------------------------------------------------------------


def test_empty_bundles(root: Path):
    for content in ('', '# nothing\n', '---\n', '---\n---\n'):
        failure = error(root, content)
        assert str(failure) == f'{root / "bundle.yaml"}: malformed bundle: bundle is empty'


def test_invalid_yaml(root: Path):
    failure = error(root, 'applications:\n  db: {charm: x\n')
    assert re.fullmatch(
        rf'{re.escape(str(root / "bundle.yaml"))}: cannot unmarshal bundle contents: yaml: '
        r'line \d+: .+',
        str(failure),
    )


def test_unknown_fields_are_warnings_with_lines(root: Path):
    result = load(
        root,
        """\
        name: my-bundle
        applications:
          db:
            charm: ./charms/db
            num_units: 1
            units: 4
          web:
            charm: web
            num_units: 1
            options: {}
            num_units: 1
        machines:
        relations:
        - [web, db]
        ---
        applications:
          web:
            notes: 3
        """,
    )
    file = root / 'bundle.yaml'
    assert result.warnings == (
        f'{file}: document 0: line 1: unrecognized field "name"',
        f'{file}: document 0: line 6: unrecognized field "units" (did you mean "num_units"?)',
        f'{file}: document 0: line 11: key "num_units" already set in map (in applications.web)',
        f'{file}: document 1: line 18: unrecognized field "notes"',
    )
    assert result.applications['db'].num_units == 1


@pytest.mark.parametrize(
    ('content', 'message'),
    [
        (
            'aplications:\n  db: {charm: ./charms/db}\n',
            'unmarshal document 0: line 1: field aplications not found in bundle (did you mean '
            '"applications"?)',
        ),
        (
            'applications:\n  db: {charm: ./charms/db, num_unit: 2}\n',
            'unmarshal document 0: line 2: field num_unit not found in applications (did you '
            'mean "num_units"?)',
        ),
        (
            'applications:\n  db:\n    charm: ./charms/db\n    constraint: mem=4G\n',
            'unmarshal document 0: line 4: field constraint not found in applications (did you '
            'mean "constraints"?)',
        ),
        (
            'applications:\n  db: {charm: ./charms/db, to: ["0"]}\n'
            'machines:\n  "0": {contraints: mem=1G}\n',
            'unmarshal document 0: line 4: field contraints not found in machines (did you mean '
            '"constraints"?)',
        ),
        (
            'applications:\n  db: {charm: ./charms/db}\nrelation:\n- [db, web]\n',
            'unmarshal document 0: line 3: field relation not found in bundle (did you mean '
            '"relations"?)',
        ),
        (
            'applications:\n  db: {charm: ./charms/db}\n---\napplications:\n  db:\n'
            '    revisoin: 3\n',
            'unmarshal document 1: line 6: field revisoin not found in applications (did you '
            'mean "revision"?)',
        ),
        (
            'applications:\n  db: {charm: ./charms/db}\ndefault_base: ubuntu@24.04\n',
            'unmarshal document 0: line 3: field default_base not found in bundle (did you mean '
            '"default-base"?)',
        ),
    ],
)
def test_a_typo_of_a_known_field_is_an_error_naming_it(root: Path, content: str, message: str):
    failure = error(root, content)
    assert str(failure) == f'{root / "bundle.yaml"}: {message}'


@pytest.mark.parametrize(
    ('content', 'message'),
    [
        (
            'applications:\n  db:\n    charm: {path: x}\n',
            'unmarshal document 0: line 3: cannot unmarshal !!map into string (field '
            'applications.db.charm)',
        ),
        (
            'applications:\n  db:\n    charm: web\n    num_units: "2"\n',
            'unmarshal document 0: line 4: cannot unmarshal !!str `2` into int (field '
            'applications.db.num_units)',
        ),
        (
            'applications:\n  db:\n    charm: web\n    num_units: 1.5\n',
            'unmarshal document 0: line 4: cannot unmarshal !!float `1.5` into int',
        ),
        (
            'applications:\n  db:\n    charm: web\n    expose: "true"\n',
            'unmarshal document 0: line 4: cannot unmarshal !!str `true` into bool',
        ),
        (
            'applications:\n  db:\n    charm: web\n    to: 0\n',
            'unmarshal document 0: line 4: cannot unmarshal !!int `0` into []string (field '
            'applications.db.to)',
        ),
        (
            'applications:\n  db:\n    charm: web\n    storage: [a]\n',
            'cannot unmarshal !!seq into map[string]string (field applications.db.storage)',
        ),
        (
            'applications:\n  db: [web]\n',
            'cannot unmarshal !!seq into applications (field applications.db)',
        ),
        (
            'applications:\n  db: {charm: web}\nrelations: [web db]\n',
            'line 3: cannot unmarshal !!str `web db` into []string (field relations[0])',
        ),
        ('- applications\n', 'unmarshal document 0: line 1: cannot unmarshal !!seq into bundle'),
        (
            'applications:\n  db: {charm: web}\n---\nmachines: 3\n',
            'unmarshal document 1: line 4: cannot unmarshal !!int `3` into map[string]machines',
        ),
        (
            'applications:\n  db: {charm: web, scale: 2, num_units: 1}\n',
            'unmarshal document 0: cannot specify both scale and num_units for application "db"',
        ),
        (
            'applications:\n  db: {charm: web, placement: "a=b"}\n',
            'unmarshal document 0: placement (a=b) not valid for non-Kubernetes application "db"',
        ),
    ],
)
def test_yaml_type_errors_are_fatal(root: Path, content: str, message: str):
    failure = error(root, content)
    assert str(failure).startswith(f'{root / "bundle.yaml"}: ')
    assert message in str(failure)


def test_scalars_keep_their_text_in_string_fields(root: Path):
    result = load(
        root,
        """\
        applications:
          web:
            charm: web
            channel: 3.10
            num_units: 1
            to: [0]
            annotations: {a: 0.50, b: yes, c: 2024-01-02}
          db: {charm: ./charms/db, scale: 2, options: {motd: 2024-01-02}}
        machines: {0: {}}
        relations: [[web, db]]
        """,
    )
    web = result.applications['web']
    assert web.channel == '3.10'
    assert web.to == ('0',)
    assert web.placements == (Placement(machine='0'),)
    assert web.annotations == {'a': '0.50', 'b': 'yes', 'c': '2024-01-02'}
    assert list(result.machines) == ['0']
    assert result.applications['db'].num_units == 2
    assert result.applications['db'].options == {'motd': '2024-01-02'}


def test_anchors_and_merge_keys(root: Path):
    result = load(
        root,
        """\
        variables:
          common: &common {charm: web, num_units: 2}
        applications:
          web:
            <<: *common
            num_units: 3
          db: {charm: ./charms/db}
        relations: [[web, db]]
        """,
    )
    assert result.applications['web'].num_units == 3
    assert result.warnings == (
        f'{root / "bundle.yaml"}: document 0: line 1: unrecognized field "variables"',
    )


def test_services_is_an_alias_in_a_base(root: Path):
    result = load(root, {'services': BASE['applications'], 'relations': [['web', 'db']]})
    assert list(result.applications) == ['db', 'web']


# -- overlays -------------------------------------------------------------------------------------


def test_overlay_merge_rules(root: Path):
    write(root / 'offers' / 'postgresql.yaml', OFFER)
    write(root / 'offers' / 'other.yaml', {**OFFER, 'relation-data': {}})
    base: dict[str, Any] = {
        'series': 'jammy',
        'machines': {'0': {}, '1': {}},
        'saas': {
            'postgresql': {'url': 'admin/database.postgresql'},
            'other': {'url': 'admin/database.postgresql'},
        },
        'applications': {
            'db': {
                'charm': './charms/db',
                'num_units': 1,
                'to': ['0'],
                'constraints': 'mem=4G',
                'options': {'port': 1, 'name': 'a', 'motd': 'hi'},
                'annotations': {'x': '1'},
                'storage': {'data': '1G', 'logs': '2G'},
                'expose': True,
            },
            'web': {'charm': 'web', 'num_units': 1, 'to': ['1']},
            'cache': {'charm': 'cache', 'num_units': 1},
        },
        'relations': [['web:db', 'db:db'], ['web', 'postgresql'], ['other', 'web:database']],
    }
    overlay = {
        'series': 'noble',
        'machines': {'5': {'constraints': 'cores=8'}},
        'saas': {'other': None},
        'applications': {
            'db': {
                'constraints': 'cores=2',
                'to': ['5'],
                'options': {'name': None, 'motd': 'bye', 'ratio': 0.5},
                'annotations': {},
                'storage': {'logs': None},
                'expose': False,
            },
            'web': {'to': ['lxd:5']},
            'cache': None,
            'sub': {'charm': 'sub'},
        },
        'relations': [['sub', 'web']],
    }
    path = write(root / 'bundle.yaml', yaml.safe_dump(base) + '---\n' + yaml.safe_dump(overlay))
    result = bundle.load(path, charms_dir=root / 'charms')
    db = result.applications['db']
    assert db.constraints == 'cores=2'
    assert db.options == {'port': 1, 'motd': 'bye', 'ratio': 0.5}
    assert db.annotations == {}
    assert db.storage == {'data': '1G'}
    assert db.expose is False
    assert db.to == ('5',)
    assert result.applications['web'].to == ('lxd:5',)
    assert list(result.applications) == ['db', 'web', 'sub']
    assert list(result.machines) == ['5']
    assert list(result.saas) == ['postgresql']
    assert result.default_base == 'ubuntu@24.04'
    assert [str(r.requirer) for r in result.relations] == ['web:db', 'web:database', 'sub:website']


def test_overlay_files_resolve_paths_relative_to_themselves(root: Path):
    (root / 'overlays' / 'charms').mkdir(parents=True)
    (root / 'charms' / 'cache').rename(root / 'overlays' / 'charms' / 'cache')
    write(root / 'overlays' / 'banner.txt', 'from the overlay')
    write(root / 'banner.txt', 'from the bundle')
    write(root / 'overlays' / 'blob.bin', '')
    (root / 'overlays' / 'blob.bin').write_bytes(b'\x00\xffdata')
    overlay = write(
        root / 'overlays' / 'extra.yaml',
        {
            'applications': {
                'cache': {'charm': './charms/cache', 'num_units': 1},
                'db': {
                    'options': {'motd': 'include-file://banner.txt'},
                    'annotations': {'blob': 'include-base64://blob.bin'},
                },
            }
        },
    )
    result = load(
        root,
        doc(_set('applications.db.options', {'name': 'include-file://banner.txt'})),
        overlays=[overlay],
    )
    db = result.applications['db']
    assert db.options == {'name': 'from the bundle', 'motd': 'from the overlay'}
    assert db.annotations == {'blob': base64.b64encode(b'\x00\xffdata').decode()}
    assert result.applications['cache'].charm_path == root / 'overlays' / 'charms' / 'cache'


def test_overlays_apply_in_order_and_can_expose_endpoints(root: Path):
    first = write(root / 'o1.yaml', {'applications': {'db': {'constraints': 'cores=2'}}})
    second = write(
        root / 'o2.yaml',
        {
            'applications': {
                'db': {
                    'constraints': 'cores=4',
                    'exposed-endpoints': {'db': {'expose-to-cidrs': ['10.0.0.0/8']}},
                    'offers': {'pg': {'endpoints': ['db']}},
                }
            }
        },
    )
    result = load(root, doc(), overlays=[first, second])
    assert result.applications['db'].constraints == 'cores=4'
    assert result.warnings == (
        f'{root / "bundle.yaml"}: applications.db.offers: olm does not make offers; ignored',
    )


@pytest.mark.parametrize(
    ('overlay', 'message'),
    [
        (
            {'applications': {'db': {'expose': True, 'exposed-endpoints': {'': {}}}}},
            'exposed-endpoints cannot be specified together with "exposed:true" in application '
            '"db" as this poses a security risk when deploying bundles to older controllers',
        ),
        (
            {
                'applications': {
                    'db': {'exposed-endpoints': {'': {'expose-to-cidrs': ['10.0.0.1']}}}
                }
            },
            'invalid CIDR "10.0.0.1" for expose to CIDRs field for endpoint "" in application '
            '"db"',
        ),
        (
            {'applications': {'db': {'offers': {'Pg': {'endpoints': ['db', 'Bad']}}}}},
            'invalid offer name "Pg" in application "db"',
        ),
        (
            {'applications': {'db': {'offers': {'pg': {'endpoints': ['Bad']}}}}},
            'invalid endpoint name "Bad" for offer "pg" in application "db"',
        ),
    ],
)
def test_overlay_only_field_errors(root: Path, overlay: dict[str, Any], message: str):
    path = write(root / 'overlay.yaml', overlay)
    assert message in error(root, doc(), overlays=[path]).errors


def test_overlay_only_fields_are_refused_in_the_base(root: Path):
    failure = error(
        root,
        doc(
            _steps(
                _set('applications.db.offers', {'pg': {'endpoints': ['db']}}),
                _set('applications.db.exposed-endpoints', {'': {}}),
            )
        ),
    )
    assert failure.errors == (
        'applications.db.offers can only appear in an overlay section',
        'applications.db.exposed-endpoints can only appear in an overlay section',
    )


def test_overlay_with_services_is_refused(root: Path):
    overlay = write(root / 'o.yaml', {'services': {'db': {'num_units': 2}}})
    failure = error(root, doc(), overlays=[overlay])
    assert str(failure) == (
        f"{overlay}: bundle overlay file used deprecated 'services' key, this is not valid for "
        'bundle overlay files'
    )


def test_missing_overlay_file(root: Path):
    failure = error(root, doc(), overlays=[root / 'nope.yaml'])
    assert str(failure) == f'{root / "nope.yaml"}: overlay file not found'


def test_missing_bundle_file(root: Path):
    with pytest.raises(BundleError) as info:
        bundle.load(root / 'nope.yaml', charms_dir=root)
    assert str(info.value) == f'{root / "nope.yaml"}: bundle file not found'


@pytest.mark.parametrize(
    ('options', 'message'),
    [
        (
            {'motd': 'include-file://nope.txt'},
            'processing option "motd" for application "db": resolving include "nope.txt": '
            'include file "{root}/nope.txt" not found',
        ),
        (
            {'motd': 'include-base64://charms'},
            'processing option "motd" for application "db": resolving include "charms": '
            'include path "{root}/charms" resolves to a folder',
        ),
    ],
)
def test_include_errors(root: Path, options: dict[str, str], message: str):
    failure = error(root, doc(_set('applications.db.options', options)))
    assert str(failure) == f'{root / "bundle.yaml"}: {message.format(root=root)}'


def test_includes_in_machine_annotations(root: Path):
    write(root / 'notes' / 'rack.txt', 'r7')
    result = load(
        root,
        doc(
            _steps(
                _set(
                    'machines', {'0': {'annotations': {'rack': 'include-file://notes/rack.txt'}}}
                ),
                _set('applications.db.to', ['0']),
            )
        ),
    )
    assert result.machines['0'].annotations == {'rack': 'r7'}
    failure = error(
        root,
        doc(
            _steps(
                _set('machines', {'0': {'annotations': {'rack': 'include-file://none'}}}),
                _set('applications.db.to', ['0']),
            )
        ),
    )
    assert 'processing annotation "rack" for machine "0": resolving include "none"' in str(failure)


# -- offers ---------------------------------------------------------------------------------------


def test_offer_file(root: Path):
    offer = bundle.load_offer(write(root / 'offers' / 'postgresql.yaml', OFFER))
    assert offer.name == 'postgresql'
    assert offer.url == 'admin/database.postgresql'
    assert offer.path == root / 'offers' / 'postgresql.yaml'
    assert offer.endpoints == {
        'database': Endpoint(name='database', role='provider', interface='postgresql_client')
    }
    assert offer.app_data['database']['secret-user'] == '${secret:user}'
    assert offer.units == {'database': {'postgresql/0': {}, 'postgresql/1': {'host': 'pg-1'}}}
    assert offer.secrets == {'user': {'username': 'maas', 'password': 's3cret'}}
    assert offer.render('id=${secret:user}!', {'user': 'secret:abc'}) == 'id=secret:abc!'
    with pytest.raises(BundleError) as info:
        offer.render('${secret:user}', {})
    assert 'offer "postgresql": no secret id for "${secret:user}"' in str(info.value)


def test_offer_defaults(root: Path):
    path = write(
        root / 'pg.yaml',
        {
            'url': 'ctl:admin/db.pg',
            'endpoints': {
                'db': {'interface': 'pgsql', 'role': 'provider'},
                'admin': {'interface': 'pgsql-admin', 'role': 'requirer'},
            },
            'relation-data': {'db': {'application': None, 'units': {'pg/3': None}}},
        },
    )
    offer = bundle.load_offer(path)
    assert offer.units == {'db': {'pg/3': {}}, 'admin': {'pg/0': {}}}
    assert offer.app_data == {'db': {}, 'admin': {}}
    assert offer.secrets == {}


@pytest.mark.parametrize(
    ('change', 'message'),
    [
        (
            _set('extra', 1),
            'extra: unknown field; expected one of url, endpoints, relation-data, secrets',
        ),
        (_set('relaton-data', {}), 'relaton-data: unknown field (did you mean "relation-data"?)'),
        (
            _set('relation-data.database.unit', {}),
            'relation-data.database.unit: unknown field (did you mean "units"?)',
        ),
        (
            _set('endpoints.database.interfce', 'x'),
            'endpoints.database.interfce: unknown field (did you mean "interface"?)',
        ),
        (_set('endpoints', {}), 'endpoints: Dictionary should have at least 1 item'),
        (
            _set('endpoints.database.role', 'peer'),
            "endpoints.database.role: Input should be 'provider' or 'requirer'",
        ),
        (
            _set('relation-data.database.application.port', 5432),
            'relation-data.database.application.port: Input should be a valid string',
        ),
        (_set('url', 'nodot'), 'url: application offer URL is missing application'),
        (_set('url', 'a/b/c.d'), 'url: application offer URL has invalid form'),
        (_set('url', 'admin/DB.pg'), 'url: model name "DB" not valid'),
        (
            _set('relation-data.database.application.x', '${secret:nope}'),
            'relation-data.database.application.x: unknown secret "${secret:nope}" (declared: '
            'user)',
        ),
        (
            _set('relation-data.database.units', {'pg/0': {}}),
            'relation-data.database.units.pg/0: unit names must be "postgresql/<number>"',
        ),
        (
            _set('relation-data.nope', {}),
            'relation-data.nope: no such endpoint (the offer has: database)',
        ),
        (_set('secrets.user', {'pw': 'x'}), 'secrets.user.pw: invalid secret key'),
        (_set('secrets.user', {}), 'secrets.user: secret content cannot be empty'),
    ],
)
def test_bad_offer_files(root: Path, change: Callable[[dict[str, Any]], None], message: str):
    data = copy.deepcopy(OFFER)
    change(data)
    path = write(root / 'postgresql.yaml', data)
    with pytest.raises(BundleError) as info:
        bundle.load_offer(path)
    assert info.value.path == str(path)
    assert any(e.startswith(message) for e in info.value.errors), info.value.errors


def test_a_typo_in_an_offer_file_is_reported_before_the_field_it_hides(root: Path):
    data: dict[str, Any] = copy.deepcopy(OFFER)
    endpoint = cast(dict[str, str], data['endpoints']['database'])
    endpoint['interfce'] = endpoint.pop('interface')
    path = write(root / 'postgresql.yaml', data)
    with pytest.raises(BundleError) as info:
        bundle.load_offer(path)
    assert info.value.errors == (
        'endpoints.database.interfce: unknown field (did you mean "interface"?)',
        'endpoints.database.interface: Field required',
    )


def test_saas_offer_problems_in_bundles(root: Path):
    saas = {'postgresql': {'url': 'admin/database.postgresql'}}
    failure = error(root, doc(_set('saas', saas)))
    assert failure.errors == (
        f'saas "postgresql": offer file not found: {root}/offers/postgresql.yaml (olm simulates '
        'the offering side of a cross-model relation from it; see bundles/offers/README.md)',
    )
    write(root / 'elsewhere' / 'postgresql.yaml', {**OFFER, 'url': 'admin/other.postgresql'})
    failure = error(root, doc(_set('saas', saas)), offers_dir=root / 'elsewhere')
    assert failure.errors == (
        f'saas "postgresql": the offer file {root}/elsewhere/postgresql.yaml is for '
        '"admin/other.postgresql", not "admin/database.postgresql"',
    )
    write(root / 'elsewhere' / 'postgresql.yaml', {**OFFER, 'bogus': 1})
    failure = error(root, doc(_set('saas', saas)), offers_dir=root / 'elsewhere')
    assert failure.errors == (
        f'saas "postgresql": {root}/elsewhere/postgresql.yaml: bogus: unknown field; expected '
        'one of url, endpoints, relation-data, secrets',
    )
    failure = error(root, doc(_set('saas', {'pg': {'url': 'nodot'}})))
    assert failure.errors == ('invalid offer URL "nodot" for SAAS pg',)


def test_saas_without_url_takes_the_offers(root: Path):
    write(root / 'offers' / 'postgresql.yaml', OFFER)
    result = load(root, doc(_set('saas', {'postgresql': None})))
    assert result.saas['postgresql'].url == 'admin/database.postgresql'


def test_readme_example_makes_the_postgresql_requirer_ready(tmp_path: Path):
    blocks = re.findall(r'```yaml\n(.*?)```', README.read_text(), re.DOTALL)
    offers = [b for b in blocks if b.startswith('# olm offer file')]
    assert len(offers) == 2
    for number, block in enumerate(offers):
        path = tmp_path / str(number) / 'postgresql.yaml'
        path.parent.mkdir()
        path.write_text(block)
        offer = bundle.load_offer(path)
        ids = {label: f'secret:{label}id0123' for label in offer.secrets}
        data = {k: offer.render(v, ids) for k, v in offer.app_data['database'].items()}
        provider = postgresql_client.parse_provider(data)
        assert provider.is_created
        assert provider.secret_user is not None
        secret = offer.secrets[next(k for k, v in ids.items() if v == provider.secret_user)]
        assert {'username', 'password'} <= set(secret)


# -- resolve_endpoints on its own -----------------------------------------------------------------


SPECS = {
    'db': {
        'db': Endpoint(name='db', role='provider', interface='pgsql'),
        'juju-info': Endpoint(name='juju-info', role='provider', interface='juju-info'),
    },
    'web': {
        'db': Endpoint(name='db', role='requirer', interface='pgsql'),
        'juju-info': Endpoint(name='juju-info', role='provider', interface='juju-info'),
    },
    'pg': {'database': Endpoint(name='database', role='provider', interface='pgsql')},
}


def test_resolve_endpoints_without_a_bundle():
    relation = bundle.resolve_endpoints('db', 'web', SPECS)
    assert relation == RelationSpec(
        provider=EndpointRef(application='db', endpoint='db'),
        requirer=EndpointRef(application='web', endpoint='db'),
        interface='pgsql',
    )
    assert bundle.resolve_endpoints('web:db', 'pg', SPECS).provider == EndpointRef(
        application='pg', endpoint='database'
    )


@pytest.mark.parametrize(
    ('a', 'b', 'message'),
    [
        ('db', 'nope', 'application "nope" not found'),
        ('db', 'db:db', 'relation ["db" "db:db"] relates an application to itself'),
        ('db:', 'web', 'invalid relation syntax "db:"'),
        ('db', 'pg', 'cannot infer endpoint between db and pg: no relations found'),
        (
            'pg:database',
            'db:juju-info',
            'relation "pg:database" to "db:juju-info" relates provider to provider',
        ),
        (
            'web:db',
            'pg:db',
            'charm "admin/db.pg" used by application "pg" does not define relation "db" '
            '(relating "web:db" to "pg:db"; "web:db" has interface "pgsql" (requirer); pg has: '
            'database (pgsql provider))',
        ),
    ],
)
def test_resolve_endpoints_errors(a: str, b: str, message: str):
    with pytest.raises(BundleError) as info:
        bundle.resolve_endpoints(a, b, SPECS, charms={'pg': 'admin/db.pg'})
    assert str(info.value) == message

"""Charms as users ship them, deployed: ``.charm`` files, declared bases, a charm's own packages.

Juju's texts: juju/juju 3.6 ``core/charm/errors.go`` (unsupported base), ``state/unit.go``
(``base does not match``), ``cmd/juju/application/deployer/deployer.go`` (not a zip).
"""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import LAB_POOL, ROOT, TEST_CHARMS

from orchestrator import engine as olm_engine
from orchestrator.cli._main import main as olm
from orchestrator.juju.bundle import BundleError
from orchestrator.juju.charmspec import CharmSpecError
from orchestrator.state.store import Store

sys.path.insert(0, str(ROOT / 'tests' / 'tools'))
import pack_charm  # tests/tools is not a package

Make = Callable[..., olm_engine.Engine]


def _bases(engine: olm_engine.Engine, app: str) -> tuple[str, set[str]]:
    m = engine.status_view().model
    machines = {m.machines[u.machine].base for u in m.units.values() if u.application == app}
    return m.applications[app].base, machines


# -- bases ----------------------------------------------------------------------------------


def test_a_22_04_only_charm_gets_a_22_04_machine(engine: olm_engine.Engine):
    engine.deploy('jammy')
    assert _bases(engine, 'jammy') == ('ubuntu@22.04', {'ubuntu@22.04'})
    engine.deploy('tracer')  # a 24.04 charm next to it
    assert _bases(engine, 'tracer') == ('ubuntu@24.04', {'ubuntu@24.04'})


def test_a_base_the_charm_does_not_support_is_refused_and_nothing_changes(
    engine: olm_engine.Engine,
):
    with pytest.raises(CharmSpecError) as info:
        engine.deploy('jammy', base='ubuntu@24.04')
    assert str(info.value) == (
        'base "ubuntu@24.04" not supported by charm, the charm supported bases are: ubuntu@22.04'
    )
    assert not engine.status_view().model.applications
    assert not engine.machines()


def test_a_unit_never_lands_on_a_machine_of_another_base(engine: olm_engine.Engine):
    engine.deploy('tracer')
    engine.deploy('jammy')
    with pytest.raises(olm_engine.EngineError) as info:
        engine.add_unit('jammy', to=['0'])
    assert str(info.value) == (
        'cannot assign unit "jammy/1" to machine 0: base does not match: unit has '
        '"ubuntu@22.04", machine has "ubuntu@24.04"'
    )
    assert len(engine.status_view().model.units) == 2
    engine.add_unit('jammy', to=['1'])  # its own 22.04 machine takes a second unit
    assert engine.status_view().model.units['jammy/1'].machine == '1'


def test_a_bundle_application_gets_its_charms_base(engine: olm_engine.Engine, tmp_path: Path):
    bundle = tmp_path / 'bundle.yaml'
    bundle.write_text(
        f'applications:\n'
        f'  old:\n    charm: {TEST_CHARMS / "jammy"}\n    num_units: 1\n    to: ["0"]\n'
        f'machines:\n  "0": {{}}\n'
    )
    engine.deploy(str(bundle))
    assert _bases(engine, 'old') == ('ubuntu@22.04', {'ubuntu@22.04'})
    bundle.write_text(
        f'applications:\n  new:\n    charm: {TEST_CHARMS / "jammy"}\n    num_units: 1\n'
        f'    base: ubuntu@24.04\n'
    )
    with pytest.raises(
        olm_engine.EngineError, match=r'application "new": base "ubuntu@24.04" not'
    ):
        engine.deploy(str(bundle))


def test_status_shows_each_applications_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    state = ['--state-dir', str(tmp_path / 'olm')]
    assert olm([*state, 'pool', 'import', str(LAB_POOL)]) == 0
    assert olm([*state, 'add-model', 'm']) == 0
    assert olm([*state, 'deploy', str(TEST_CHARMS / 'jammy'), '--quiet']) == 0
    capsys.readouterr()
    assert olm([*state, 'status', '--format', 'json']) == 0
    data = json.loads(capsys.readouterr().out)
    assert data['applications']['jammy']['base'] == {'name': 'ubuntu', 'channel': '22.04'}
    assert data['machines']['0']['base'] == {'name': 'ubuntu', 'channel': '22.04'}


# -- .charm files ---------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Unpacked charms in the test's directory (venvs are shared: they hold the same bytes)."""
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    return tmp_path / 'cache'


def _zip_of(charm: Path, target: Path) -> Path:
    """A .charm of a charm with no dependencies: its files plus a manifest, no venv."""
    with zipfile.ZipFile(target, 'w', zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(charm.rglob('*')):
            if path.is_file() and path.name != 'charmcraft.yaml':
                archive.write(path, str(path.relative_to(charm)))
        archive.writestr('metadata.yaml', 'name: jammy\nsummary: s\ndescription: d\n')
        archive.writestr(
            'manifest.yaml',
            'bases:\n- name: ubuntu\n  channel: "22.04"\n  architectures: [amd64]\n',
        )
    return target


def test_a_charm_file_deploys_and_refreshes(
    engine: olm_engine.Engine, tmp_path: Path, cache: Path
):
    archive = _zip_of(TEST_CHARMS / 'jammy', tmp_path / 'jammy_ubuntu@22.04-amd64.charm')
    report = engine.deploy(str(archive))
    assert report.changes[0] == f'Located local charm "jammy" at {archive}'
    assert _bases(engine, 'jammy') == ('ubuntu@22.04', {'ubuntu@22.04'})
    assert engine.status_view().model.units['jammy/0'].workload.current == 'unknown'
    engine.refresh('jammy', path=str(archive))
    assert engine.status_view().model.applications['jammy'].charm_version == 2


def test_a_file_that_is_not_a_charm_is_refused_with_jujus_message(
    engine: olm_engine.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    bad = tmp_path / 'bad.charm'
    bad.write_bytes(b'\x87\x00 not a zip')
    with pytest.raises(CharmSpecError, match=r'^invalid charm or bundle provided at "'):
        engine.deploy(str(bad))
    state = ['--state-dir', str(tmp_path / 'olm')]
    assert olm([*state, 'pool', 'import', str(LAB_POOL)]) == 0
    assert olm([*state, 'add-model', 'm']) == 0
    capsys.readouterr()
    assert olm([*state, 'deploy', str(bad)]) == 1
    assert capsys.readouterr().err == f'ERROR invalid charm or bundle provided at "{bad}"\n'


def test_a_bundle_may_name_a_charm_file(engine: olm_engine.Engine, tmp_path: Path, cache: Path):
    _zip_of(TEST_CHARMS / 'jammy', tmp_path / 'jammy.charm')
    bundle = tmp_path / 'bundle.yaml'
    bundle.write_text('applications:\n  j:\n    charm: ./jammy.charm\n    num_units: 1\n')
    engine.deploy(str(bundle))
    assert _bases(engine, 'j') == ('ubuntu@22.04', {'ubuntu@22.04'})


# -- a charm's own packages, and its ops -----------------------------------------------------


def _copy(tmp_path: Path, name: str, requirements: str) -> Path:
    charm = tmp_path / 'charms' / name
    shutil.copytree(TEST_CHARMS / name, charm)
    (charm / 'requirements.txt').write_text(requirements)
    return charm


def test_an_ops_olm_cannot_stand_in_for_is_refused_in_the_scenario_runner(
    engine: olm_engine.Engine, tmp_path: Path
):
    charm = _copy(tmp_path, 'jammy', 'ops==1.5.4\n')
    with pytest.raises(olm_engine.EngineError) as info:
        engine.deploy(str(charm), runner='scenario')
    message = str(info.value)
    assert message.startswith('charm "jammy" needs ops 1.5.4, and the scenario runner runs ')
    assert 'olm supports ops 3.8.x or 3.9.x' in message
    assert message.endswith('deploy it with --runner dispatch (or OLM_RUNNER=dispatch) to run '
                            'it on its own ops')  # fmt: skip
    assert not engine.status_view().model.applications


@pytest.mark.parametrize('requirement', ['ops==2.19.4', 'ops>=2.10,<3'])
def test_a_charm_on_ops_2_runs_on_olms_ops_3(
    engine: olm_engine.Engine, tmp_path: Path, requirement: str
):
    """ops 3.0 only raised the minimum Python, so ops 2.x charms (jubilant's lock 2.19.4) run."""
    charm = _copy(tmp_path, 'jammy', f'{requirement}\n')
    engine.deploy(str(charm), runner='scenario')
    assert engine.status_view().model.units['jammy/0'].agent.current == 'idle'


def test_a_range_that_holds_olms_ops_is_fine(engine: olm_engine.Engine, tmp_path: Path):
    charm = _copy(tmp_path, 'jammy', 'ops>=2.0\n')
    engine.deploy(str(charm), runner='scenario')
    assert engine.status_view().model.units['jammy/0'].agent.current == 'idle'


def test_the_scenario_runner_installs_what_only_the_charm_needs(engine: olm_engine.Engine):
    """tests/charms/extras imports humanize, which only its requirements.txt brings."""
    engine.deploy('extras', runner='scenario')
    unit = engine.status_view().model.units['extras/0']
    assert (unit.workload.current, unit.workload.message) == (
        'active',
        'humanize 4.16.0: 1.0 MB',
    )
    assert 'humanize' not in sys.modules  # the charm's own, not left in olm's process


@pytest.fixture(scope='module')
def extras_charm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pack_charm.pack(TEST_CHARMS / 'extras', tmp_path_factory.mktemp('packed'))


def test_pack_charm_names_and_lays_out_the_file_as_charmcraft(extras_charm: Path):
    assert extras_charm.name == f'extras_{pack_charm.host_arch()}.charm'
    with zipfile.ZipFile(extras_charm) as archive:
        names = set(archive.namelist())
        manifest = archive.read('manifest.yaml').decode()
        dispatch = archive.getinfo('dispatch')
    assert {'dispatch', 'metadata.yaml', 'manifest.yaml', 'src/charm.py'} <= names
    assert any(n.startswith('venv/humanize/') for n in names)  # the charm plugin: a flat venv
    assert 'charmcraft-version: 4.5.0' in manifest and "channel: '24.04'" in manifest
    assert (dispatch.external_attr >> 16) & 0o777 == 0o755


@pytest.mark.parametrize('how', ['scenario', 'dispatch'])
def test_a_packed_charm_runs_with_its_own_venv(
    make_engine: Make, extras_charm: Path, cache: Path, how: str
):
    if how == 'dispatch' and shutil.which('bwrap') is None:
        pytest.skip('the dispatch runner needs bubblewrap')
    engine = make_engine(f'model-{how}')
    engine.deploy(str(extras_charm), runner=how)
    unit = engine.status_view().model.units['extras/0']
    assert (unit.workload.current, unit.workload.message) == (
        'active',
        'humanize 4.16.0: 1.0 MB',
    )


def test_a_packed_venv_for_another_python_is_rebuilt_at_its_versions(tmp_path: Path, cache: Path):
    """charmcraft builds the venv for the base's Python (3.12 on 24.04), maybe not this one."""
    uv_charm = tmp_path / 'charms' / 'extras'
    shutil.copytree(TEST_CHARMS / 'extras', uv_charm)
    meta = uv_charm / 'charmcraft.yaml'
    meta.write_text(meta.read_text().replace('plugin: charm', 'plugin: python'))
    built = pack_charm.pack(uv_charm, tmp_path / 'out')
    moved = tmp_path / 'py312.charm'
    here = f'python{sys.version_info[0]}.{sys.version_info[1]}'
    with zipfile.ZipFile(built) as source, zipfile.ZipFile(moved, 'w') as target:
        for info in source.infolist():
            data = source.read(info)
            info.filename = info.filename.replace(f'venv/lib/{here}/', 'venv/lib/python3.99/')
            target.writestr(info, data)
    store = Store(tmp_path / 'model')
    try:
        engine = olm_engine.Engine(store, charms_dir=TEST_CHARMS, seed=3)
        engine.import_pool(LAB_POOL)
        engine.deploy(str(moved), runner='scenario')
        unit = engine.status_view().model.units['extras/0']
        assert unit.workload.message == 'humanize 4.16.0: 1.0 MB'
    finally:
        store.close()


def test_a_bundle_naming_a_broken_charm_file_says_why(engine: olm_engine.Engine, tmp_path: Path):
    (tmp_path / 'broken.charm').write_bytes(b'not a zip')
    bundle = tmp_path / 'bundle.yaml'
    bundle.write_text('applications:\n  b:\n    charm: ./broken.charm\n    num_units: 1\n')
    with pytest.raises(
        BundleError, match=r'application "b": invalid charm or bundle provided at '
    ):
        engine.deploy(str(bundle))
    assert not engine.status_view().model.applications


def test_a_charm_file_is_unpacked_again_when_the_cache_lost_it(
    make_engine: Make, tmp_path: Path, cache: Path
):
    archive = _zip_of(TEST_CHARMS / 'jammy', tmp_path / 'jammy.charm')
    make_engine().deploy(str(archive))
    shutil.rmtree(cache / 'olm' / 'unpacked')
    engine = make_engine()  # a later olm command, on the same model
    engine.add_unit('jammy')
    assert engine.status_view().model.units['jammy/1'].agent.current == 'idle'

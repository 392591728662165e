"""One jubilant suite, two targets: olm (default) or a real Juju controller (``--controller``).

The tests drive ``jubilant.Juju`` and nothing else, so they are the same on both targets:

* **olm** (default): ``jubilant.Juju(cli_binary=olm)`` on a fresh state directory with the lab
  pool (``bundles/pools/lab.yaml``) as the cloud. The machines are simulated; the bundle is
  ``bundles/metal-k8s.yaml`` with the charm sources.
* **a real controller** (``pytest tests/integration --controller NAME``): ``jubilant.Juju()`` on
  a new model of that controller, whose cloud is a MAAS with machines that fit the bundle's
  constraints. The bundle is ``build/metal-k8s.yaml`` from ``tox -e pack`` (packed charms), or
  ``--bundle``; an overlay (``--overlay``) sets the lab's own VIP. The PostgreSQL offer the
  bundle consumes must exist on the controller. Without ``--controller`` these runs are
  skipped. CI runs this path too, on olm's own controller (``--controller olm --juju-cli olm``
  with the lab pool imported), so it cannot rot unseen; there the olm target, the same suite
  on olm once more, is skipped.

Each target gets a temporary model (``jubilant-<hex>``), destroyed at the end, as
pytest-jubilant's ``juju`` fixture does.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Generator
from pathlib import Path

import jubilant
import pytest

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
SOURCE_BUNDLE = ROOT / 'bundles' / 'metal-k8s.yaml'
PACKED_BUNDLE = ROOT / 'build' / 'metal-k8s.yaml'
MODEL_CONSTRAINTS = {'arch': 'amd64'}
"""As pytest-jubilant sets them: the charms are built for amd64 (the lab has an arm64 node)."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup('metal-k8s integration')
    group.addoption('--controller', default=None,
                    help='also run on this real Juju controller (its cloud a MAAS)')  # fmt: skip
    group.addoption('--bundle', default=None,
                    help=f'the bundle for --controller (default: {PACKED_BUNDLE})')  # fmt: skip
    group.addoption('--overlay', action='append', default=[],
                    help='bundle overlays for --controller (the VIP of your network)')  # fmt: skip
    group.addoption('--keep-model', action='store_true', help='do not destroy the test model')
    group.addoption('--juju-cli', default=None,
                    help='the juju client for --controller (default: juju on PATH); CI '
                    'passes olm, with --controller olm')  # fmt: skip


class Target:
    """Where the suite runs: a jubilant client on a fresh model, and what to deploy there."""

    def __init__(self, name: str, juju: jubilant.Juju, bundle: Path, overlays: list[Path]):
        self.name = name
        self.juju = juju
        self.bundle = bundle
        self.overlays = overlays

    def __repr__(self) -> str:
        return f'Target({self.name}, model={self.juju.model})'


@pytest.fixture(scope='module', params=['olm', 'controller'])
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Generator[Target]:
    config = request.config
    model = f'jubilant-{secrets.token_hex(4)}'
    if request.param == 'olm' and config.getoption('--controller') == 'olm':
        # CI's run: olm is the controller, so the controller target is this same suite on
        # olm; deploying the stack twice would test nothing more.
        pytest.skip('--controller olm runs this suite on olm already')
    if request.param == 'olm':
        home = tmp_path_factory.mktemp('olm')
        with pytest.MonkeyPatch.context() as patch:
            # jubilant runs the CLI with this process's environment: the state directory
            # and a retry delay long enough that a failed hook shows rather than retrying.
            patch.setenv('OLM_HOME', str(home / 'state'))
            patch.setenv('OLM_RETRY_DELAY', '3600')
            patch.delenv('OLM_CHARMS', raising=False)
            olm = olm_binary(home)
            subprocess.run([olm, 'pool', 'import', str(LAB)], check=True, capture_output=True)
            juju = jubilant.Juju(cli_binary=olm, wait_timeout=120)
            juju.add_model(model)
            juju.model_constraints(MODEL_CONSTRAINTS)
            yield Target('olm', juju, SOURCE_BUNDLE, [])
            if not config.getoption('--keep-model'):
                juju.destroy_model(model, destroy_storage=True, force=True)
        return
    controller = config.getoption('--controller')
    if not controller:
        pytest.skip('no real controller given (pytest tests/integration --controller NAME)')
    bundle = Path(config.getoption('--bundle') or PACKED_BUNDLE)
    if not bundle.is_file():
        pytest.fail(f'{bundle} not found: run `tox -e pack` first, or pass --bundle')
    juju = jubilant.Juju(wait_timeout=60 * 60, cli_binary=config.getoption('--juju-cli'))
    juju.add_model(model, controller=controller)
    juju.model_constraints(MODEL_CONSTRAINTS)
    overlays: list[str] = config.getoption('--overlay') or []
    yield Target(controller, juju, bundle, [Path(p) for p in overlays])
    if not config.getoption('--keep-model'):
        juju.destroy_model(f'{controller}:{model}', destroy_storage=True, force=True)


def olm_binary(home: Path) -> str:
    """The olm console script beside this Python, or a wrapper that runs the module."""
    beside = Path(sys.executable).parent / 'olm'
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which('olm')
    if found:
        return found
    wrapper = home / 'olm'
    wrapper.write_text(f'#!/bin/sh\nexec {sys.executable} -m orchestrator.cli "$@"\n')
    wrapper.chmod(0o755)
    return str(wrapper)


TEST_CHARMS = ROOT / 'tests' / 'charms'


@pytest.fixture(scope='module')
def juju(tmp_path_factory: pytest.TempPathFactory) -> Generator[jubilant.Juju]:
    """jubilant on olm, a fresh model with the small test charms (tests/charms) by name.

    For the olm-only suites (test_jubilant_api.py, test_jubilant_subordinates.py): the test
    charms are not packed for a real controller. The model is destroyed at the end, and gone.
    """
    home = tmp_path_factory.mktemp('olm')
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv('OLM_HOME', str(home / 'state'))
        patch.setenv('OLM_RETRY_DELAY', '3600')
        patch.setenv('OLM_CHARMS', str(TEST_CHARMS))
        olm = olm_binary(home)
        subprocess.run([olm, 'pool', 'import', str(LAB)], check=True, capture_output=True)
        juju = jubilant.Juju(cli_binary=olm, wait_timeout=60)
        model = f'jubilant-{secrets.token_hex(4)}'
        juju.add_model(model)
        yield juju
        juju.destroy_model(model, destroy_storage=True, force=True)
        assert model not in juju.cli('models', '--format', 'json', include_model=False)

"""Run jubilant's own integration suite against olm, with ``juju`` pointing at olm.

jubilant (canonical/jubilant) tests itself with ``tests/integration``: a real ``juju`` on a
real controller, its two small test charms (``testdb``, ``testapp``) packed with charmcraft. This
script runs that suite, unchanged, with a ``juju`` on ``PATH`` that is olm on a fresh state
directory holding the lab pool (simulated machines), so it measures how much of what jubilant
checks against Juju olm does the same way.

The suite is not on PyPI (jubilant's sdist has no tests), so the script reads it from a checkout
or a bare git repository of canonical/jubilant (``--jubilant-repo``; the default is the local
mirror the project's tools fetch into). Nothing of it is copied into this repository.

What it cannot run, and why, is :data:`EXCLUDED`: tests that need Kubernetes (sidecar
containers), Charmhub (charms by name from the store), or cloud and credential administration of
a controller. Those are deselected, so the figures it prints are: passed, failed and errors of the
rest, plus the excluded count. ``benchmarks/JUBILANT_SUITE.md`` records the figures with the date.

Usage::

    python tests/tools/jubilant_suite.py [--jubilant-repo PATH] [--ref REF] [-- PYTEST_ARGS...]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAB = ROOT / 'bundles' / 'pools' / 'lab.yaml'
DEFAULT_REPO = Path('/work/.mirror/canonical+jubilant/repo')
CHARMS = ('testdb', 'testapp')

K8S = 'needs Kubernetes: sidecar containers (--container) or a k8s model'
CHARMHUB = 'needs Charmhub: deploys a charm by store name; olm has no store to reach'
CHARMHUB_SETUP = CHARMHUB + ' (its module setup deploys snappass-test)'
CLOUD_ADMIN = 'cloud/credential administration of a controller (out of olm scope)'

EXCLUDED: dict[str, str] = {
    'test_cloud.py::test_add_and_update_cloud_client': CLOUD_ADMIN,
    'test_cloud.py::test_add_and_update_cloud_controller': CLOUD_ADMIN,
    'test_credentials.py::test_add_credential': CLOUD_ADMIN,
    # snappass-test is a Kubernetes charm on Charmhub: the whole module deploys it.
    'test_deployment.py::test_deploy': CHARMHUB,
    'test_deployment.py::test_add_and_remove_unit': CHARMHUB,
    'test_deployment.py::test_remove_application': CHARMHUB,
    'test_deployment.py::test_deploy_with_resources': CHARMHUB,
    'test_deployment.py::test_deploy_with_local_file_resource': CHARMHUB,
    'test_deployment.py::test_refresh_path': CHARMHUB
    + ' (the module setup deploys snappass-test)',
    'test_deployment.py::test_version': CHARMHUB_SETUP,
    'test_execution.py::test_exec_error_machine_on_k8s': K8S,
    'test_execution.py::test_ssh': K8S,
    'test_execution.py::test_scp': K8S,
    'test_execution.py::test_cli_input': K8S,
}
"""Test node id (relative to tests/integration) -> why it cannot run on olm."""

STAND_INS = {'ubuntu': ROOT / 'tests' / 'charms' / 'ubuntu'}
"""Charmhub charms the suite deploys by name, and the local stand-in olm resolves the name to.

``test_machine.py`` deploys ``ubuntu`` from the store and only needs its units to go active on
a machine; olm resolves bare charm names in ``$OLM_CHARMS``, where this script puts the
stand-in. The results say so.
"""


def export_suite(repo: Path, ref: str, dest: Path) -> str:
    """Write ``tests/integration`` of ``repo`` at ``ref`` under ``dest``; return the commit."""
    git = ['git', '-C', str(repo)]
    commit = subprocess.run(
        [*git, 'rev-parse', f'{ref}^{{commit}}'], check=True, capture_output=True, text=True
    ).stdout.strip()
    archive = subprocess.run(
        [*git, 'archive', '--format=tar', commit, 'tests/integration'],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(dest, filter='data')
    (dest / 'tests' / '__init__.py').touch()
    return commit


def pack(charm_dir: Path) -> Path:
    """Pack a test charm as charmcraft would, next to its sources (``find_charm`` globs there)."""
    out = subprocess.run(
        [sys.executable, str(ROOT / 'tests' / 'tools' / 'pack_charm.py'), str(charm_dir),
         str(charm_dir)],
        check=True, capture_output=True, text=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    return Path(out)


def juju_shim(bin_dir: Path, olm: str) -> None:
    """A ``juju`` that is olm: jubilant's default ``cli_binary`` finds it on ``PATH``."""
    shim = bin_dir / 'juju'
    shim.write_text(f'#!/bin/sh\nexec {olm} "$@"\n')
    shim.chmod(0o755)


def summarize(junit: Path) -> dict[str, list[str]]:
    """Outcome -> test ids, from pytest's junit XML."""
    outcome: dict[str, list[str]] = {'passed': [], 'failed': [], 'error': [], 'skipped': []}
    for case in ET.parse(junit).iter('testcase'):
        name = f'{case.get("classname", "")}::{case.get("name", "")}'
        kinds = {child.tag for child in case}
        if 'failure' in kinds:
            outcome['failed'].append(name)
        elif 'error' in kinds:
            outcome['error'].append(name)
        elif 'skipped' in kinds:
            outcome['skipped'].append(name)
        else:
            outcome['passed'].append(name)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--jubilant-repo', type=Path, default=DEFAULT_REPO,
                        help='a checkout or bare repository of canonical/jubilant')  # fmt: skip
    parser.add_argument('--ref', default='HEAD', help='the commit of the suite to run')
    parser.add_argument('--keep', action='store_true', help='keep the work directory')
    parser.add_argument('pytest_args', nargs='*', help='extra pytest arguments (after --)')
    args = parser.parse_args(argv)
    if not (args.jubilant_repo / 'HEAD').exists() and not (args.jubilant_repo / '.git').exists():
        print(f'no jubilant repository at {args.jubilant_repo} (use --jubilant-repo)',
              file=sys.stderr)  # fmt: skip
        return 2
    olm = shutil.which('olm') or str(Path(sys.executable).with_name('olm'))
    work = Path(tempfile.mkdtemp(prefix='jubilant-suite-'))
    try:
        commit = export_suite(args.jubilant_repo, args.ref, work)
        suite = work / 'tests' / 'integration'
        for name in CHARMS:
            pack(suite / 'charms' / name)
        home = work / 'olm'
        bin_dir = work / 'bin'
        bin_dir.mkdir()
        juju_shim(bin_dir, olm)
        store = work / 'charmhub-stand-ins'
        store.mkdir()
        for name, path in STAND_INS.items():
            (store / name).symlink_to(path)
        env = {
            **os.environ,
            'OLM_HOME': str(home),
            'OLM_CHARMS': str(store),
            'PATH': f'{bin_dir}:{os.environ["PATH"]}',
        }
        subprocess.run([olm, 'pool', 'import', str(LAB)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        junit = work / 'junit.xml'
        deselect = [f'--deselect=tests/integration/{test}' for test in EXCLUDED]
        subprocess.run(
            [sys.executable, '-m', 'pytest', '-p', 'no:cacheprovider', '-q', '-rfE',
             f'--junitxml={junit}', f'--rootdir={work}', *deselect, *args.pytest_args,
             *([] if any(a.startswith('tests/') for a in args.pytest_args)
               else ['tests/integration'])],
            cwd=work, env=env, check=False,
        )  # fmt: skip
        outcome = summarize(junit)
        print(f'\njubilant tests/integration at {commit[:12]} on olm:')
        for kind, tests in outcome.items():
            print(f'  {kind}: {len(tests)}')
            if kind in ('failed', 'error'):
                for test in tests:
                    print(f'    {test}')
        for name, path in STAND_INS.items():
            print(f'  Charmhub {name!r} deployed as the local stand-in {path.relative_to(ROOT)}')
        print(f'  excluded: {len(EXCLUDED)}')
        for test, reason in EXCLUDED.items():
            print(f'    {test}: {reason}')
        return 0 if not outcome['failed'] and not outcome['error'] else 1
    finally:
        if args.keep:
            print(f'work directory kept: {work}')
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())

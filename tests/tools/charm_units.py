"""Run each charm's unit tests in its own pytest process, optionally under coverage.

Every charm has a top-level module named ``charm`` (and most a ``workload``): one pytest
process per charm keeps them from shadowing each other. Extra arguments go to every pytest.

With ``--coverage`` each process runs under ``coverage run -p`` (parallel mode: one data file
per process) measuring that charm's ``src`` and the shared ``lib/``, so that ``coverage
combine`` then ``coverage report`` (tox's unit env) count the charms' code beside olm's.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def pytest_command(suite: Path, pytest_args: list[str], *, coverage: bool) -> list[str]:
    """The command that runs one charm's unit tests (``suite``), under coverage if asked."""
    if not coverage:
        return [sys.executable, '-m', 'pytest', str(suite.relative_to(ROOT)), *pytest_args]
    charm_src = suite.parents[1] / 'src'
    measured = ','.join(str(p.relative_to(ROOT)) for p in (charm_src, ROOT / 'lib'))
    return [
        sys.executable, '-m', 'coverage', 'run', '--parallel-mode', f'--source={measured}',
        '-m', 'pytest', str(suite.relative_to(ROOT)), *pytest_args,
    ]  # fmt: skip


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description='charm unit tests', allow_abbrev=False)
    parser.add_argument('--coverage', action='store_true',
                        help="measure each charm's src and lib/ (coverage run -p)")  # fmt: skip
    options, pytest_args = parser.parse_known_args(argv)
    suites = sorted(p for p in (ROOT / 'charms').glob('*/tests/unit') if p.is_dir())
    if not suites:
        print('no charm unit tests under charms/*/tests/unit')
        return 1
    failed: list[str] = []
    for suite in suites:
        name = suite.parents[1].name
        print(f'== {name}', flush=True)
        done = subprocess.run(
            pytest_command(suite, pytest_args, coverage=options.coverage), cwd=ROOT, check=False
        )
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f'charm unit tests failed: {", ".join(failed)}')
        return 1
    print(f'charm unit tests passed: {len(suites)} charms')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))

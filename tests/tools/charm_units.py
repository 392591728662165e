"""Run each charm's unit tests in its own pytest process.

Every charm has a top-level module named ``charm`` (and most a ``workload``): one pytest
process per charm keeps them from shadowing each other. Extra arguments go to every pytest.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str]) -> int:
    suites = sorted(p for p in (ROOT / 'charms').glob('*/tests/unit') if p.is_dir())
    if not suites:
        print('no charm unit tests under charms/*/tests/unit')
        return 1
    failed: list[str] = []
    for suite in suites:
        name = suite.parents[1].name
        print(f'== {name}', flush=True)
        done = subprocess.run(
            [sys.executable, '-m', 'pytest', str(suite.relative_to(ROOT)), *argv],
            cwd=ROOT,
            check=False,
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

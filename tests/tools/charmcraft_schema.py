"""Check every charm's charmcraft.yaml against charmcraft's own schema.

``charmcraft expand-extensions`` loads the project file through charmcraft's pydantic models
(the same validation ``charmcraft pack`` starts with) and needs no LXD or network, so it runs
here and in CI (``tox -e charmcraft``). Each charm is checked in its own directory; every
failure is reported, not just the first.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

CHARMS = Path(__file__).resolve().parents[2] / 'charms'


def main() -> int:
    charmcraft = shutil.which('charmcraft')
    if charmcraft is None:
        print('charmcraft is not installed (tox -e charmcraft installs it from PyPI)')
        return 2
    projects = sorted(p.parent for p in CHARMS.glob('*/charmcraft.yaml'))
    if not projects:
        print(f'no charmcraft.yaml under {CHARMS}')
        return 1
    failed: list[str] = []
    for project in projects:
        done = subprocess.run(
            [charmcraft, 'expand-extensions'],
            cwd=project,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode == 0:
            print(f'ok      {project.name}')
            continue
        failed.append(project.name)
        print(f'FAILED  {project.name}: charmcraft expand-extensions exited {done.returncode}')
        for line in (done.stderr or done.stdout).strip().splitlines():
            print(f'        {line}')
    print(f'{len(projects) - len(failed)} of {len(projects)} charmcraft.yaml files accepted')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())

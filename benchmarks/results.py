"""What every benchmark shares: the machine it ran on, and where its figures go.

Each script prepends its report to benchmarks/RESULTS.md (newest first), under one header,
leaving the other sections as they are.
"""

from __future__ import annotations

import os
import platform
from pathlib import Path

RESULTS = Path(__file__).with_name('RESULTS.md')
HEADER = '# Benchmark results\n\nNewest first. Produced by `tox -e bench`.\n\n'


def machine_description() -> str:
    """CPU model, cores, memory, kernel and Python, as far as this machine says."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    mem = ''
    try:
        kib = int(Path('/proc/meminfo').read_text().split()[1])
        mem = f', {kib / 1024 / 1024:.0f} GiB'
    except (OSError, ValueError, IndexError):
        pass
    return (f'{cpu}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.release()}; '
            f'Python {platform.python_version()}')  # fmt: skip


def prepend(report: str) -> None:
    """Put ``report`` first under the header, keeping every other section as it is now."""
    old = RESULTS.read_text() if RESULTS.exists() else HEADER
    body = old[len(HEADER) :] if old.startswith(HEADER) else old
    RESULTS.write_text(HEADER + report + '\n' + body)

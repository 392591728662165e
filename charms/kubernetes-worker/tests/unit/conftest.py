"""kubernetes-worker unit tests: the charm's ``src`` goes first on the path.

``lib/`` is already there (the repository's pytest configuration). Every charm has modules
named ``charm`` and ``workload``; another charm's, imported earlier in the same session, are
dropped so these tests import kubernetes-worker's own.
"""

from __future__ import annotations

import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / 'src'

if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))
for name in ('charm', 'workload'):
    module = sys.modules.get(name)
    if module is not None and not str(getattr(module, '__file__', '')).startswith(str(SRC)):
        del sys.modules[name]

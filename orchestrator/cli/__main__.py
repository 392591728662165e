"""``python -m orchestrator.cli``: the olm command."""

import sys

from ._main import main

sys.exit(main())

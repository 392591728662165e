"""``olm``: Juju-shaped commands over the embedded models and their metal pool.

Every failure a user can cause prints one ``ERROR ...`` line (a no-fit adds its explanation
below it) and exits non-zero, with no traceback unless ``--debug`` is given. The machines behind
the embedded pool are simulated, and every listing says so.
"""

# pyright: strict

from ._main import main

__all__ = ['main']

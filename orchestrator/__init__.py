"""olm: a small embedded Juju that models a bare-metal pool as a cloud.

The package is the library behind the ``olm`` command. Its modules import one way:
``cli → engine → {runner, uniter, hookcommit, usersecrets, show, plan, sim} → {model, store,
cloud}`` and ``cloud → constraints``; nothing imports ``cli``.
"""

__version__ = '0.1.0'

"""olm: a small embedded Juju that models a bare-metal pool as a cloud.

The package is the library behind the ``olm`` command, in packages named for Juju's parts.
They import one way, each only from those after it (``lint-imports`` checks it: see
pyproject.toml): ``cli`` (the command), ``controller`` (add-unit on a real Juju), ``engine``
(the operations on a model, one worker each), ``views`` (status, show, plan), ``agent`` (the
unit agent: hooks, resolver, runner, commit), ``sim`` (the simulated machines), ``state`` (the
model and its store), ``cloud`` (the metal pool as a MAAS cloud) and ``juju`` (the Juju
language: constraints, storage directives, bundles, charm metadata). ``_compat`` holds every
use of ops' and Scenario's private API; ``lazy`` defers the heavy imports read-only commands
never need. The README's Architecture section follows one ``olm add-unit`` through them.
"""

__version__ = '0.1.0'

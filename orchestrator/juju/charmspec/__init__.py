"""A charm's metadata as olm needs it: endpoints, config options, actions and storage.

A charm directory holds ``charmcraft.yaml`` (metadata, ``config`` and ``actions`` in one file)
or the legacy trio ``metadata.yaml`` + ``config.yaml`` + ``actions.yaml``, and the ops entry
point ``src/charm.py`` (or the ``parts.charm.charm-entrypoint`` that charmcraft.yaml names).
:func:`load` reads whichever is there into a :class:`CharmSpec`, which both describes the charm
(for bundle verification and endpoint inference) and carries the raw dictionaries that
``ops.testing.Context(meta=..., config=..., actions=...)`` wants.

Juju's rules and wording are kept where the checks are Juju's (juju/charm ``meta.go``,
``config.go``, ``actions.go``; juju/juju ``state/unit.go``):

* ``unknown option "foo"``, ``option "port" expected int, got "abc"`` (Go's ``%#v`` of the
  value) from :meth:`CharmSpec.parse_config`, which coerces like Juju's config schema: a string
  is parsed (``"8080"`` is a fine int), other values must already have the option's type (a
  YAML ``5`` for a string option is refused, as Juju refuses it).
* ``action "x" not defined on unit "app/0"`` and ``validation failed: (root) : "outfile"
  property is missing and required, given {}`` (Juju's JSON-schema wording) from
  :meth:`CharmSpec.validate_action`.
* Juju makes an action's parameter schema closed: ``additionalProperties`` is false unless the
  action sets it to true (juju/charm ``ReadActionsYaml``).
* Every charm implicitly provides ``juju-info`` (interface ``juju-info``); a charm cannot
  declare ``juju``/``juju-*`` endpoint names, except a subordinate's container-scoped requirer
  (which is how subordinates attach to ``juju-info``).

A malformed file is one :class:`CharmSpecError` that names the file and the field.

A ``.charm`` file (the zip ``charmcraft pack`` writes) is unpacked once per content and read
like a directory (:mod:`._archive`); the bases a charm declares (:mod:`._bases`) decide which
machines it may land on.
"""

# pyright: strict

from .._go import go_quote, go_value
from ._actions import ActionSpec
from ._archive import is_archive, unpack
from ._bases import LATEST_LTS, WORKLOAD_BASES, display_base, select_base, workload_base_problem
from ._config import ConfigOption, OptionType, Value
from ._endpoints import Endpoint, Role, Scope
from ._errors import CharmSpecError
from ._load import load, resolve
from ._spec import CharmSpec

__all__ = [
    'LATEST_LTS',
    'WORKLOAD_BASES',
    'ActionSpec',
    'CharmSpec',
    'CharmSpecError',
    'ConfigOption',
    'Endpoint',
    'OptionType',
    'Role',
    'Scope',
    'Value',
    'display_base',
    'go_quote',
    'go_value',
    'is_archive',
    'load',
    'resolve',
    'select_base',
    'unpack',
    'workload_base_problem',
]

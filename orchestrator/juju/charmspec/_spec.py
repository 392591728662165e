"""What olm knows about a charm directory, and the checks Juju makes against it."""

# pyright: strict

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from .._go import go_quote, go_value
from ._actions import ActionSpec, check_schema, convert_params
from ._config import ConfigOption, Value, coerce
from ._endpoints import Endpoint
from ._errors import CharmSpecError


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CharmSpec:
    """What olm knows about a charm directory; see the module docstring.

    Attributes:
        name: the charm name.
        path: the absolute charm directory.
        meta: the metadata dictionary for ``ops.testing.Context(meta=...)``.
        config_meta: ``{'options': {...}}`` for ``ops.testing.Context(config=...)``.
        actions_meta: ``{action: {...}}`` for ``ops.testing.Context(actions=...)``.
        subordinate: whether the charm is a subordinate.
        endpoints: declared endpoints plus the implicit ``juju-info`` provider.
        config: the config options by name.
        actions: the actions by name.
        storage: the storage declarations by name, as written.
        entrypoint: the ops entry point relative to ``path`` (``src/charm.py`` unless
            ``parts.charm.charm-entrypoint`` says otherwise).
        plugin: the charmcraft plugin of the ``charm`` part; without ``parts`` charmcraft
            builds with the ``charm`` plugin (charmcraft 4.4 ``charmcraft/preprocess.py``,
            ``models/project.py``). It decides which ``dispatch`` the packed charm gets.
        bases: the bases the charm declares it runs on (``ubuntu@24.04``), in its order;
            empty when it declares none (:mod:`._bases`).
        packed: the directory is a charm as charmcraft packs it (an unpacked ``.charm``): it
            brings its own ``dispatch`` and ``venv/``.
    """

    name: str
    path: Path
    meta: Mapping[str, Any]
    config_meta: Mapping[str, Any]
    actions_meta: Mapping[str, Any]
    subordinate: bool
    endpoints: Mapping[str, Endpoint]
    config: Mapping[str, ConfigOption]
    actions: Mapping[str, ActionSpec]
    storage: Mapping[str, Mapping[str, Any]]
    entrypoint: str = 'src/charm.py'
    plugin: str = 'charm'
    bases: tuple[str, ...] = ()
    packed: bool = False

    @property
    def bindable(self) -> tuple[str, ...]:
        """What an operator can bind to a space: every endpoint and every extra-binding."""
        extra = cast('Mapping[str, object]', self.meta.get('extra-bindings') or {})
        return tuple(dict.fromkeys([*self.endpoints, *extra]))

    @property
    def dispatch_execs_entrypoint(self) -> bool:
        """Whether the packed charm's ``dispatch`` runs the entry point as a program.

        The ``charm`` plugin writes ``exec ./src/charm.py`` (charmcraft 4.4 ``const.py``
        ``DISPATCH_CONTENT``), which needs the file's executable bit; the ``uv``, ``python``
        and ``poetry`` plugins write a dispatch that runs the venv's python on it
        (``charmcraft/dispatch.py`` ``DISPATCH_SCRIPT_TEMPLATE``), which does not.
        """
        return self.plugin == 'charm'

    def config_defaults(self) -> dict[str, Value]:
        """The options that have a default, with it."""
        return {
            name: option.default
            for name, option in self.config.items()
            if option.default is not None
        }

    def parse_config(self, values: Mapping[str, object], *, source: str = '') -> dict[str, Value]:
        """Check option values and convert them to the options' types, as Juju does.

        Strings are parsed (``"8080"`` for an int, ``true``/``false`` and Go's other
        ``ParseBool`` spellings for a boolean), which covers ``k=v`` from a command line; other
        values (typed YAML from a bundle) must already have the type, except that an int is
        accepted for a float. None means "no value" and is left out of the result.

        Args:
            values: option name to value.
            source: what is being configured (``application "db"``), put before Juju's message.

        Returns:
            The values converted to the options' types, in the order given.

        Raises:
            CharmSpecError: ``unknown option "foo"`` or ``option "port" expected int, got
                "abc"`` (Juju's texts) for the first bad value.
        """
        prefix = f'{source}: ' if source else ''
        result: dict[str, Value] = {}
        for name, value in values.items():
            option = self.config.get(name)
            if option is None:
                raise CharmSpecError(f'{prefix}unknown option {go_quote(name)}')
            if value is None:
                continue
            converted = coerce(option.type, value)
            if converted is None:
                got = go_value(value)
                raise CharmSpecError(
                    f'{prefix}option {go_quote(name)} expected {option.type}, got {got}'
                )
            result[name] = converted
        return result

    def validate_action(
        self, action: str, params: Mapping[str, object], *, unit: str | None = None
    ) -> dict[str, object]:
        """Check ``juju run`` parameters against the action's schema, as Juju does.

        String values given for a parameter declared with another type are read as YAML first
        (``juju run`` reads ``k=v`` values as YAML), so ``count=3`` is an integer; a string for
        a ``string`` parameter is kept as it is. A dotted key that is not itself a parameter
        (``a.b=1``) makes a nested object, as ``juju run`` does.

        Args:
            action: the action name.
            params: parameter name to value.
            unit: the unit the action is for, for Juju's unknown-action message.

        Returns:
            The parameters, converted, with the schema's top-level defaults filled in.

        Raises:
            CharmSpecError: ``action "x" not defined on unit "app/0"`` (``... on charm "c"``
                without a unit), or ``validation failed: ...`` listing every problem in Juju's
                JSON-schema wording.
        """
        spec = self.actions.get(action)
        if spec is None:
            where = f'unit {go_quote(unit)}' if unit else f'charm {go_quote(self.name)}'
            raise CharmSpecError(f'action {go_quote(action)} not defined on {where}')
        converted = convert_params(spec, params)
        schema: dict[str, Any] = {
            'type': 'object',
            'properties': dict(spec.params),
            'required': list(spec.required),
            'additionalProperties': spec.additional_properties,
        }
        problems: list[str] = []
        check_schema(schema, converted, '(root)', problems)
        if problems:
            raise CharmSpecError(f'validation failed: {"; ".join(problems)}')
        for name, prop in spec.params.items():
            if name not in converted and 'default' in prop:
                converted[name] = copy.deepcopy(prop['default'])
        return converted

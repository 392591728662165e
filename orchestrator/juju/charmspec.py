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
"""

# pyright: strict

from __future__ import annotations

import contextlib
import copy
import dataclasses
import decimal
import json
import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, cast

import yaml

if TYPE_CHECKING:  # the stubs type libyaml's loader loosely; it behaves as the pure one
    _Loader = yaml.SafeLoader
else:
    _Loader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

__all__ = [
    'ActionSpec',
    'CharmSpec',
    'CharmSpecError',
    'ConfigOption',
    'Endpoint',
    'go_quote',
    'load',
    'resolve',
]

Role: TypeAlias = Literal['provider', 'requirer', 'peer']
Scope: TypeAlias = Literal['global', 'container']
OptionType: TypeAlias = Literal['string', 'int', 'float', 'boolean', 'secret']
Value: TypeAlias = str | int | float | bool

_CHARM_NAME: Final = re.compile(r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*')
"""juju/charm's charm name rule (``IsValidName``)."""

_RELATION_NAME: Final = re.compile(r'[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*')
"""juju/names ``RelationSnippet``: what a bundle can write after ``app:``."""

_STORAGE_NAME: Final = re.compile(r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*')
"""juju/names ``StorageNameSnippet``."""

_ACTION_NAME: Final = re.compile(r'[a-z0-9](?:[a-z0-9-]*[a-z0-9])?')
"""juju/charm ``actionNameRule``."""

_OPTION_TYPES: Final = ('string', 'int', 'float', 'boolean', 'secret')
_JSON_TYPES: Final = ('array', 'boolean', 'integer', 'null', 'number', 'object', 'string')
_ROLES: Final[Mapping[str, Role]] = {
    'provides': 'provider',
    'requires': 'requirer',
    'peers': 'peer',
}
_RELATION_KEYS: Final = frozenset({'interface', 'limit', 'optional', 'scope', 'description'})

_GO_TRUE: Final = frozenset({'1', 't', 'T', 'TRUE', 'true', 'True'})
_GO_FALSE: Final = frozenset({'0', 'f', 'F', 'FALSE', 'false', 'False'})
"""The spellings Go's ``strconv.ParseBool`` accepts."""

_GO_INT: Final = re.compile(r'[+-]?(?:[0-9]+|0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+)')
_GO_FLOAT: Final = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?')
_INT64: Final = 2**63

_CHARMCRAFT_KEYS: Final = frozenset({
    'actions', 'analysis', 'assumes', 'base', 'bases', 'build-base', 'charm-libs',
    'charm-user', 'charmhub', 'config', 'containers', 'contact', 'description', 'devices',
    'display-name', 'docs', 'extra-bindings', 'issues', 'license', 'links',
    'maintainers', 'min-juju-version', 'name', 'parts', 'payloads', 'peers', 'platforms',
    'provides', 'requires', 'resources', 'series', 'source', 'storage', 'subordinate',
    'summary', 'tags', 'terms', 'title', 'type', 'website',
})  # fmt: skip
"""Keys charmcraft accepts in charmcraft.yaml; it refuses any other, and so does olm."""

_BUILD_KEYS: Final = frozenset({
    'actions', 'analysis', 'base', 'bases', 'build-base', 'charm-libs', 'charmhub', 'config',
    'parts', 'platforms', 'type',
})  # fmt: skip
"""charmcraft.yaml keys that are not charm metadata (left out of :attr:`CharmSpec.meta`)."""

_RESERVED_ACTION: Final = 'juju'

_ACTION_STRING_KEYS: Final = ('description', 'title', 'execution-group')


class CharmSpecError(ValueError):
    """A charm that cannot be loaded, or input its metadata refuses.

    The message names the file and field for a malformed charm, and is Juju's own text for a
    refused config value or action invocation.
    """


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Endpoint:
    """One relation endpoint of a charm (or of an offered remote application).

    Attributes:
        name: the endpoint name (``database``).
        role: ``provider`` (from ``provides``), ``requirer`` (``requires``) or ``peer``.
        interface: the interface name both ends must share.
        scope: ``container`` for subordinate attachment, else ``global``.
        limit: the declared ``limit`` (Juju does not enforce it), or None.
        optional: the declared ``optional`` flag.
    """

    name: str
    role: Role
    interface: str
    scope: Scope = 'global'
    limit: int | None = None
    optional: bool = False

    @property
    def implicit(self) -> bool:
        """Whether this is Juju's implicit ``juju-info`` provider, which inference ranks last."""
        return (
            self.name == 'juju-info'
            and self.interface == 'juju-info'
            and (self.role == 'provider')
        )


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ConfigOption:
    """One config option.

    Attributes:
        name: the option name.
        type: Juju's option type; a missing type is ``string``, as in Juju.
        default: the default, converted to the type, or None for no default.
        description: the option's description.
    """

    name: str
    type: OptionType
    default: Value | None
    description: str = ''


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ActionSpec:
    """One action and its parameter schema.

    Attributes:
        name: the action name.
        description: its description (Juju's ``No description`` when none is given).
        params: JSON-schema property per parameter, as written.
        required: parameters that must be given.
        additional_properties: whether undeclared parameters are accepted; Juju's default is
            False (``ReadActionsYaml`` closes the schema unless the action opens it).
    """

    name: str
    description: str
    params: Mapping[str, Mapping[str, Any]]
    required: tuple[str, ...]
    additional_properties: bool


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
            converted = _coerce(option.type, value)
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
        converted = _convert_params(spec, params)
        schema: dict[str, Any] = {
            'type': 'object',
            'properties': dict(spec.params),
            'required': list(spec.required),
            'additionalProperties': spec.additional_properties,
        }
        problems: list[str] = []
        _check_schema(schema, converted, '(root)', problems)
        if problems:
            raise CharmSpecError(f'validation failed: {"; ".join(problems)}')
        for name, prop in spec.params.items():
            if name not in converted and 'default' in prop:
                converted[name] = copy.deepcopy(prop['default'])
        return converted


def go_quote(text: str) -> str:
    """Quote like Go's ``%q`` (``strconv.Quote``), so messages match Juju's byte for byte."""
    out: list[str] = []
    for char in text:
        escape = _GO_QUOTE_ESCAPES.get(char)
        if escape is not None:
            out.append(escape)
        elif char == ' ' or char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f'\\x{ord(char):02x}')
        elif ord(char) < 0x10000:
            out.append(f'\\u{ord(char):04x}')
        else:
            out.append(f'\\U{ord(char):08x}')
    return '"' + ''.join(out) + '"'


_GO_QUOTE_ESCAPES: Final = {
    '\a': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
    '\\': '\\\\',
    '"': '\\"',
}


def go_value(value: object) -> str:
    """Render a YAML-decoded value like Go's ``%#v``, as Juju's config messages show it."""
    if value is None:
        return '<nil>'
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _go_float(value)
    if isinstance(value, Mapping):
        items = cast(Mapping[object, object], value)
        body = ', '.join(f'{go_value(k)}:{go_value(v)}' for k, v in items.items())
        return f'map[string]interface {{}}{{{body}}}'
    if isinstance(value, list | tuple):
        seq = cast(list[object], value)
        return f'[]interface {{}}{{{", ".join(go_value(v) for v in seq)}}}'
    return go_quote(str(value))


def _go_float(value: float) -> str:
    """Go's ``%v`` of a float64: shortest digits, ``%e`` form below 1e-4 or from 1e6 on."""
    if math.isnan(value):
        return 'NaN'
    if math.isinf(value):
        return '+Inf' if value > 0 else '-Inf'
    if value == 0:
        return '-0' if math.copysign(1, value) < 0 else '0'
    sign, digit_tuple, exponent = decimal.Decimal(repr(value)).as_tuple()
    digits = ''.join(map(str, digit_tuple)).rstrip('0') or '0'
    point = len(digit_tuple) + int(exponent)  # digits before the decimal point
    exp = point - 1
    text: str
    if exp < -4 or exp >= 6:  # strconv's 'g' with the shortest precision
        mantissa = digits[0] + ('.' + digits[1:] if len(digits) > 1 else '')
        text = f'{mantissa}e{"-" if exp < 0 else "+"}{abs(exp):02d}'
    elif point <= 0:
        text = '0.' + '0' * -point + digits
    elif point >= len(digits):
        text = digits + '0' * (point - len(digits))
    else:
        text = digits[:point] + '.' + digits[point:]
    return ('-' if sign else '') + text


def _coerce(kind: str, value: object) -> Value | None:
    """Juju's config schema coercion (juju/schema via ``Option.validate``); None if refused."""
    if kind in ('string', 'secret'):
        return value if isinstance(value, str) else None
    if kind == 'boolean':
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return True if value in _GO_TRUE else False if value in _GO_FALSE else None
        return None
    if isinstance(value, bool):
        return None
    if kind == 'int':
        if isinstance(value, int):
            return value if -_INT64 <= value < _INT64 else None
        if isinstance(value, str) and _GO_INT.fullmatch(value):
            prefixed = value.lstrip('+-')[:2].lower() in ('0x', '0o', '0b')
            number = int(value, 0) if prefixed else int(value, 10)
            return number if -_INT64 <= number < _INT64 else None
        return None
    # float
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str) and _GO_FLOAT.fullmatch(value):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


# -- action parameters ----------------------------------------------------------------------------


def _declared_types(prop: Mapping[str, Any] | None) -> tuple[str, ...]:
    if prop is None:
        return ()
    kind = prop.get('type')
    if isinstance(kind, str):
        return (kind,)
    if isinstance(kind, list):
        return tuple(str(k) for k in cast(list[object], kind))
    return ()


def _convert_params(spec: ActionSpec, params: Mapping[str, object]) -> dict[str, object]:
    """Dotted keys to nested objects, and YAML-typed strings where the schema wants a type."""
    result: dict[str, object] = {}
    for key, value in params.items():
        if '.' in key and key not in spec.params:
            head, *rest = key.split('.')
            target = result.setdefault(head, {})
            if not isinstance(target, dict):
                target = result[head] = {}
            node = cast(dict[str, object], target)
            for part in rest[:-1]:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = cast(dict[str, object], child)
            node[rest[-1]] = value
            continue
        types = _declared_types(spec.params.get(key))
        if isinstance(value, str) and types and 'string' not in types:
            with contextlib.suppress(yaml.YAMLError):  # left a string: the type check says so
                value = yaml.load(value, Loader=_Loader)  # noqa: S506 - a safe loader
        result[key] = value
    return result


def _json(value: object) -> str:
    """Go's ``json.Marshal`` of a decoded value: compact, keys sorted, whole floats bare."""

    def plain(item: object) -> object:
        if isinstance(item, float) and item.is_integer() and abs(item) < 1e21:
            return int(item)
        if isinstance(item, Mapping):
            return {str(k): plain(v) for k, v in cast(Mapping[object, object], item).items()}
        if isinstance(item, list | tuple):
            return [plain(v) for v in cast(list[object], item)]
        return item

    return json.dumps(plain(value), sort_keys=True, separators=(',', ':'), default=str)


def _is_type(value: object, kind: str) -> bool:
    if kind == 'string':
        return isinstance(value, str)
    if kind == 'boolean':
        return isinstance(value, bool)
    if kind == 'integer':
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, float) and value.is_integer()
        )
    if kind == 'number':
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == 'array':
        return isinstance(value, list | tuple)
    if kind == 'object':
        return isinstance(value, Mapping)
    if kind == 'null':
        return value is None
    return True


def _check_schema(schema: Mapping[str, Any], value: object, path: str, out: list[str]) -> None:
    """The JSON-schema checks Juju's actions use, in Juju's (gojsonschema fork) wording."""
    types = _declared_types(schema)
    if types and not any(_is_type(value, kind) for kind in types):
        out.append(f'{path} : must be of type {", ".join(types)}, given {_json(value)}')
        return
    if not isinstance(value, Mapping):
        return
    obj = cast(Mapping[str, object], value)
    required = cast(list[object], schema.get('required') or [])
    out.extend(
        f'{path} : {json.dumps(str(name))} property is missing and required, given {_json(obj)}'
        for name in required
        if name not in obj
    )
    properties = cast(Mapping[str, Any], schema.get('properties') or {})
    if schema.get('additionalProperties', True) is False:
        out.extend(
            f'{path} : additional property {json.dumps(key)} is not allowed, given {_json(obj)}'
            for key in sorted(obj)
            if key not in properties
        )
    for key in sorted(obj):
        prop = properties.get(key)
        if isinstance(prop, Mapping):
            _check_schema(cast(Mapping[str, Any], prop), obj[key], f'{path}.{key}', out)


# -- loading --------------------------------------------------------------------------------------

_CACHE: dict[Path, tuple[tuple[tuple[str, int, int], ...], CharmSpec]] = {}
"""Loaded specs by directory, with the (file, mtime, size) they were read from."""

_FILES: Final = ('charmcraft.yaml', 'metadata.yaml', 'config.yaml', 'actions.yaml')


def resolve(ref: str, *, charms_dir: Path, base_dir: Path) -> Path:
    """Find the charm directory a bundle or command line refers to.

    A path (starting with ``.``, ``/`` or ``~``, or containing ``/``) is used as it is, relative
    to ``base_dir``; a bare name (optionally ``ch:``-prefixed) is ``charms_dir/<name>``.

    Args:
        ref: the reference as written.
        charms_dir: where bare charm names live.
        base_dir: what a relative path is relative to (the bundle file's directory).

    Returns:
        The absolute charm directory.

    Raises:
        CharmSpecError: the directory does not exist (the message says where olm looked).
    """
    if ref.startswith(('.', '/', '~')) or '/' in ref:
        path = Path(ref).expanduser()
        if not path.is_absolute():
            path = base_dir / path
        path = Path(os.path.abspath(path))
        if not path.is_dir():
            raise CharmSpecError(f'charm path does not exist: {path}')
        return path
    name = ref.removeprefix('ch:')
    path = Path(os.path.abspath(charms_dir / name))
    if not path.is_dir():
        raise CharmSpecError(
            f'charm {go_quote(name)} not found: looked for the directory {path} '
            f'(a bare charm name is looked up in {os.path.abspath(charms_dir)})'
        )
    return path


def load(path: str | os.PathLike[str]) -> CharmSpec:
    """Read a charm directory (cached until one of its YAML files changes).

    Args:
        path: the charm directory.

    Returns:
        Its spec.

    Raises:
        CharmSpecError: naming the file and field of the first problem.
    """
    root = Path(os.path.abspath(Path(path).expanduser()))
    if not root.is_dir():
        raise CharmSpecError(f'{root}: not a charm directory (no such directory)')
    stamp: list[tuple[str, int, int]] = []
    for name in _FILES:
        try:
            info = (root / name).stat()
        except OSError:
            continue
        stamp.append((name, info.st_mtime_ns, info.st_size))
    key = tuple(stamp)
    cached = _CACHE.get(root)
    if cached is not None and cached[0] == key:
        return cached[1]
    spec = _Reader(root).read()
    _CACHE[root] = (key, spec)
    return spec


def _kind(value: object) -> str:
    if value is None:
        return 'nothing'
    if isinstance(value, bool):
        return f'boolean {value!r}'.lower()
    if isinstance(value, Mapping):
        return 'a mapping'
    if isinstance(value, list):
        return 'a list'
    text = repr(value)
    return f'{type(value).__name__} {text if len(text) <= 40 else text[:37] + "..."}'


class _Reader:
    """Reads one charm directory; every check raises a CharmSpecError naming file and field."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def fail(self, file: Path, field: str, message: str) -> CharmSpecError:
        where = f'{file}: {field}: ' if field else f'{file}: '
        return CharmSpecError(where + message)

    def read_yaml(self, file: Path) -> dict[str, Any] | None:
        """The file's top-level mapping, None if the file does not exist."""
        try:
            text = file.read_text(encoding='utf-8')
        except FileNotFoundError:
            return None
        except UnicodeDecodeError as error:
            raise self.fail(file, '', f'not UTF-8 text ({error.reason})') from None
        except OSError as error:
            raise self.fail(file, '', f'cannot read: {error.strerror or error}') from None
        try:
            data: object = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            where = f' (line {mark.line + 1}, column {mark.column + 1})' if mark else ''
            problem = error.problem or error.context or 'cannot be parsed'
            raise self.fail(file, '', f'not valid YAML: {problem}{where}') from None
        except yaml.YAMLError as error:
            raise self.fail(file, '', f'not valid YAML: {error}') from None
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise self.fail(file, '', f'expected a mapping at the top level, got {_kind(data)}')
        for key in cast(dict[object, object], data):
            if not isinstance(key, str):
                raise self.fail(file, str(key), 'keys must be strings')
        return cast(dict[str, Any], data)

    def read(self) -> CharmSpec:
        charmcraft_file = self.root / 'charmcraft.yaml'
        metadata_file = self.root / 'metadata.yaml'
        charmcraft = self.read_yaml(charmcraft_file)
        metadata = self.read_yaml(metadata_file)
        if charmcraft is not None:
            for key in charmcraft:
                if key not in _CHARMCRAFT_KEYS:
                    raise self.fail(
                        charmcraft_file, key, 'unknown key (charmcraft would refuse it too)'
                    )
        if charmcraft is not None and 'name' in charmcraft:
            if metadata is not None:
                raise self.fail(
                    metadata_file,
                    '',
                    'charmcraft.yaml already holds the metadata (it has a name); '
                    'keep the metadata in one of the two files',
                )
            meta_file, meta = charmcraft_file, charmcraft
        elif metadata is not None:
            meta_file, meta = metadata_file, metadata
        else:
            raise CharmSpecError(
                f'{self.root}: no charm metadata: neither charmcraft.yaml with a name nor '
                'metadata.yaml'
            )
        name = self.name(meta_file, meta)
        entrypoint = self.entrypoint(charmcraft or {})
        plugin = _charm_plugin(charmcraft or {})
        config_file, config_raw = self.section(charmcraft_file, charmcraft, 'config')
        actions_file, actions_raw = self.section(charmcraft_file, charmcraft, 'actions')
        subordinate = meta.get('subordinate', False)
        if not isinstance(subordinate, bool):
            raise self.fail(
                meta_file, 'subordinate', f'expected a boolean, got {_kind(subordinate)}'
            )
        endpoints = self.endpoints(meta_file, meta, name, subordinate)
        storage = self.storage(meta_file, meta)
        extra = meta.get('extra-bindings')
        if extra is not None and not isinstance(extra, dict):
            raise self.fail(meta_file, 'extra-bindings', f'expected a mapping, got {_kind(extra)}')
        options, config_meta = self.config(config_file, config_raw)
        actions, actions_meta = self.actions(actions_file, actions_raw, name)
        meta_dict = {
            key: copy.deepcopy(value)
            for key, value in meta.items()
            if meta is not charmcraft or key not in _BUILD_KEYS
        }
        for section in _ROLES:  # ``name: interface`` shorthand, spelt out for ops.testing
            if section in meta_dict:
                relations = cast(dict[str, object], meta_dict[section])
                meta_dict[section] = {
                    ep: {'interface': decl} if isinstance(decl, str) else decl
                    for ep, decl in relations.items()
                }
        return CharmSpec(
            name=name,
            path=self.root,
            meta=MappingProxyType(meta_dict),
            config_meta=MappingProxyType(config_meta),
            actions_meta=MappingProxyType(actions_meta),
            subordinate=subordinate,
            endpoints=MappingProxyType(endpoints),
            config=MappingProxyType(options),
            actions=MappingProxyType(actions),
            storage=MappingProxyType(storage),
            entrypoint=entrypoint,
            plugin=plugin,
        )

    def name(self, file: Path, meta: Mapping[str, Any]) -> str:
        name = meta.get('name')
        if not isinstance(name, str) or not name:
            raise self.fail(file, 'name', f'expected the charm name, got {_kind(name)}')
        if not _CHARM_NAME.fullmatch(name):
            raise self.fail(
                file,
                'name',
                f'charm name {go_quote(name)} not valid (lowercase letters, digits and '
                'hyphens, starting with a letter)',
            )
        return name

    def entrypoint(self, charmcraft: Mapping[str, Any]) -> str:
        parts = charmcraft.get('parts')
        entry = 'src/charm.py'
        if isinstance(parts, dict):
            part = cast(dict[str, object], parts).get('charm')
            if isinstance(part, dict):
                declared = cast(dict[str, object], part).get('charm-entrypoint')
                if isinstance(declared, str) and declared:
                    entry = declared
        if not (self.root / entry).is_file():
            raise CharmSpecError(
                f"{self.root / entry}: no such file (the charm's ops entry point)"
            )
        return entry

    def section(
        self, charmcraft_file: Path, charmcraft: Mapping[str, Any] | None, key: str
    ) -> tuple[Path, object]:
        """``config``/``actions`` from charmcraft.yaml, else from the legacy file."""
        legacy = self.root / f'{key}.yaml'
        if charmcraft is not None and key in charmcraft:
            if legacy.exists():
                raise self.fail(
                    legacy, '', f'charmcraft.yaml already has {key}; keep it in one of the two'
                )
            return charmcraft_file, charmcraft[key]
        data = self.read_yaml(legacy)
        if data is None:
            return legacy, {}
        return legacy, data

    def endpoints(
        self, file: Path, meta: Mapping[str, Any], charm: str, subordinate: bool
    ) -> dict[str, Endpoint]:
        found: dict[str, Endpoint] = {}
        for section, role in _ROLES.items():
            raw = meta.get(section)
            if raw is None:
                continue
            if not isinstance(raw, dict):
                raise self.fail(file, section, f'expected a mapping, got {_kind(raw)}')
            for ep_name, ep_raw in cast(dict[object, object], raw).items():
                field = f'{section}.{ep_name}'
                if not isinstance(ep_name, str) or not _RELATION_NAME.fullmatch(ep_name):
                    raise self.fail(
                        file,
                        field,
                        'invalid endpoint name (lowercase letters and digits, starting with a '
                        'letter, separated by single "-" or "_")',
                    )
                endpoint = self.endpoint(file, field, ep_name, role, ep_raw)
                container_req = (
                    subordinate and role == 'requirer' and endpoint.scope == 'container'
                )
                if not container_req and _reserved(charm, ep_name):
                    raise self.fail(
                        file,
                        field,
                        f'charm {go_quote(charm)} using a reserved relation name: '
                        f'{go_quote(ep_name)}',
                    )
                if role != 'requirer' and _reserved(charm, endpoint.interface):
                    raise self.fail(
                        file,
                        field,
                        f'charm {go_quote(charm)} relation {go_quote(ep_name)} using a reserved '
                        f'interface: {go_quote(endpoint.interface)}',
                    )
                if ep_name in found:
                    raise self.fail(
                        file,
                        field,
                        f'charm {go_quote(charm)} using a duplicated relation name: '
                        f'{go_quote(ep_name)}',
                    )
                found[ep_name] = endpoint
        if subordinate and not any(
            ep.role == 'requirer' and ep.scope == 'container' for ep in found.values()
        ):
            raise self.fail(
                file,
                'subordinate',
                f'subordinate charm {go_quote(charm)} lacks "requires" relation with container '
                'scope',
            )
        found.setdefault(
            'juju-info', Endpoint(name='juju-info', role='provider', interface='juju-info')
        )
        return found

    def endpoint(self, file: Path, field: str, name: str, role: Role, raw: object) -> Endpoint:
        if isinstance(raw, str):  # metadata.yaml's ``name: interface`` shorthand
            raw = {'interface': raw}
        if not isinstance(raw, dict):
            raise self.fail(file, field, f'expected a mapping with an interface, got {_kind(raw)}')
        data = cast(dict[str, object], raw)
        for key in data:
            if key not in _RELATION_KEYS:
                raise self.fail(
                    file,
                    f'{field}.{key}',
                    f'unknown key (expected {", ".join(sorted(_RELATION_KEYS))})',
                )
        interface = data.get('interface')
        if not isinstance(interface, str) or not interface:
            raise self.fail(
                file, f'{field}.interface', f'expected an interface name, got {_kind(interface)}'
            )
        scope = data.get('scope', 'global')
        if scope not in ('global', 'container'):
            raise self.fail(
                file, f'{field}.scope', f'expected "global" or "container", got {_kind(scope)}'
            )
        limit = data.get('limit')
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool)):
            raise self.fail(file, f'{field}.limit', f'expected an integer, got {_kind(limit)}')
        optional = data.get('optional', False)
        if not isinstance(optional, bool):
            raise self.fail(
                file, f'{field}.optional', f'expected a boolean, got {_kind(optional)}'
            )
        return Endpoint(
            name=name,
            role=role,
            interface=interface,
            scope=scope,
            limit=limit,
            optional=optional,
        )

    def storage(self, file: Path, meta: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
        raw = meta.get('storage')
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.fail(file, 'storage', f'expected a mapping, got {_kind(raw)}')
        result: dict[str, Mapping[str, Any]] = {}
        for name, decl in cast(dict[object, object], raw).items():
            field = f'storage.{name}'
            if not isinstance(name, str) or not _STORAGE_NAME.fullmatch(name):
                raise self.fail(file, field, 'invalid storage name')
            if not isinstance(decl, dict):
                raise self.fail(file, field, f'expected a mapping, got {_kind(decl)}')
            kind = cast(dict[str, object], decl).get('type')
            if kind not in ('filesystem', 'block'):
                raise self.fail(
                    file, f'{field}.type', f'expected "filesystem" or "block", got {_kind(kind)}'
                )
            result[name] = MappingProxyType(copy.deepcopy(cast(dict[str, Any], decl)))
        return result

    def config(self, file: Path, raw: object) -> tuple[dict[str, ConfigOption], dict[str, Any]]:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise self.fail(file, 'config', f'expected a mapping, got {_kind(raw)}')
        prefix = 'config.' if file.name == 'charmcraft.yaml' else ''
        options_raw = cast(dict[str, object], raw).get('options')
        if options_raw is None:
            return {}, {'options': {}}
        if not isinstance(options_raw, dict):
            raise self.fail(
                file, f'{prefix}options', f'expected a mapping, got {_kind(options_raw)}'
            )
        options: dict[str, ConfigOption] = {}
        meta_options: dict[str, Any] = {}
        for name, decl in cast(dict[object, object], options_raw).items():
            field = f'{prefix}options.{name}'
            if not isinstance(name, str):
                raise self.fail(file, field, 'option names must be strings')
            if decl is None:
                decl = {}
            if not isinstance(decl, dict):
                raise self.fail(file, field, f'expected a mapping, got {_kind(decl)}')
            data = cast(dict[str, object], decl)
            kind = data.get('type') or 'string'
            if kind not in _OPTION_TYPES:
                raise self.fail(
                    file,
                    f'{field}.type',
                    f'invalid config: option {go_quote(name)} has unknown type '
                    f'{go_quote(str(kind))}',
                )
            description = data.get('description', '')
            if description is None:
                description = ''
            if not isinstance(description, str):
                raise self.fail(
                    file, f'{field}.description', f'expected a string, got {_kind(description)}'
                )
            default = data.get('default')
            if default is not None and not (default == '' and kind == 'string'):
                converted = _coerce(str(kind), default)
                if converted is None:
                    raise self.fail(
                        file,
                        f'{field}.default',
                        f'invalid config default: option {go_quote(name)} expected {kind}, '
                        f'got {go_value(default)}',
                    )
                default = converted
            options[name] = ConfigOption(
                name=name,
                type=kind,
                default=cast(Value | None, default),
                description=description,
            )
            meta_options[name] = {**copy.deepcopy(data), 'type': kind}
        return options, {'options': meta_options}

    def actions(
        self, file: Path, raw: object, charm: str
    ) -> tuple[dict[str, ActionSpec], dict[str, Any]]:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise self.fail(file, 'actions', f'expected a mapping, got {_kind(raw)}')
        prefix = 'actions.' if file.name == 'charmcraft.yaml' else ''
        actions: dict[str, ActionSpec] = {}
        meta: dict[str, Any] = {}
        for name, decl in cast(dict[object, object], raw).items():
            field = f'{prefix}{name}'
            if not isinstance(name, str) or not _ACTION_NAME.fullmatch(name):
                raise self.fail(file, field, f'bad action name {name}')
            if not charm.startswith('juju-'):
                if name == _RESERVED_ACTION:
                    raise self.fail(
                        file, field, f'cannot use action name {name}: "juju" is a reserved name'
                    )
                if name.startswith('juju-'):
                    raise self.fail(
                        file,
                        field,
                        f'cannot use action name {name}: the "juju-" prefix is reserved',
                    )
            if decl is None:
                decl = {}
            if not isinstance(decl, dict):
                raise self.fail(file, field, f'expected a mapping, got {_kind(decl)}')
            data = cast(dict[str, object], decl)
            self.refuse_refs(file, field, data)
            for key in _ACTION_STRING_KEYS:
                if key in data and not isinstance(data[key], str):
                    raise self.fail(
                        file, f'{field}.{key}', f'value for schema key "{key}" must be a string'
                    )
            if 'parallel' in data and not isinstance(data['parallel'], bool):
                raise self.fail(
                    file, f'{field}.parallel', 'value for schema key "parallel" must be a bool'
                )
            required = data.get('required', [])
            if not isinstance(required, list):
                raise self.fail(
                    file,
                    f'{field}.required',
                    'value for schema key "required" must be a YAML list',
                )
            params = data.get('params', {})
            if 'params' in data and not isinstance(params, dict):
                raise self.fail(file, f'{field}.params', 'params failed to parse as a map')
            checked: dict[str, Mapping[str, Any]] = {}
            for param, prop in cast(dict[object, object], params).items():
                pfield = f'{field}.params.{param}'
                if not isinstance(param, str):
                    raise self.fail(file, pfield, 'parameter names must be strings')
                if not isinstance(prop, dict):
                    raise self.fail(
                        file,
                        pfield,
                        f'invalid params schema for action schema {name}: expected a JSON-schema '
                        f'mapping, got {_kind(prop)}',
                    )
                for kind in _declared_types(cast(dict[str, Any], prop)) or ():
                    if kind not in _JSON_TYPES:
                        raise self.fail(
                            file,
                            f'{pfield}.type',
                            f'invalid params schema for action schema {name}: {go_quote(kind)} '
                            f'is not a JSON-schema type ({", ".join(_JSON_TYPES)})',
                        )
                checked[param] = MappingProxyType(copy.deepcopy(cast(dict[str, Any], prop)))
            additional = data.get('additionalProperties', False)
            if not isinstance(additional, bool):
                raise self.fail(
                    file,
                    f'{field}.additionalProperties',
                    f'expected a boolean, got {_kind(additional)}',
                )
            description = data.get('description', 'No description')
            actions[name] = ActionSpec(
                name=name,
                description=cast(str, description),
                params=MappingProxyType(checked),
                required=tuple(str(r) for r in cast(list[object], required)),
                additional_properties=additional,
            )
            meta[name] = copy.deepcopy(data)
        return actions, meta

    def refuse_refs(self, file: Path, field: str, data: object) -> None:
        """Juju refuses ``$ref`` and ``$schema`` anywhere in an action schema."""
        if isinstance(data, dict):
            for key, value in cast(dict[object, object], data).items():
                if key in ('$ref', '$schema'):
                    raise self.fail(
                        file,
                        f'{field}.{key}',
                        f'schema key {go_quote(str(key))} not compatible with this version '
                        'of juju',
                    )
                self.refuse_refs(file, f'{field}.{key}', value)
        elif isinstance(data, list):
            for index, value in enumerate(cast(list[object], data)):
                self.refuse_refs(file, f'{field}[{index}]', value)


def _charm_plugin(charmcraft: Mapping[str, Any]) -> str:
    parts = charmcraft.get('parts')
    if not isinstance(parts, dict):
        return 'charm'
    part = cast(dict[str, object], parts).get('charm')
    plugin = cast(dict[str, object], part).get('plugin') if isinstance(part, dict) else None
    return plugin if isinstance(plugin, str) and plugin else 'charm'


def _reserved(charm: str, name: str) -> bool:
    """juju/charm ``reservedName``: ``juju`` and ``juju-*``, except for ``juju-*`` charms."""
    if charm.startswith('juju-'):
        return False
    return name == 'juju' or name.startswith('juju-')

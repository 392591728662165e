"""Reading a charm directory: charmcraft.yaml, or metadata.yaml, config.yaml and actions.yaml.

Every check raises one :class:`CharmSpecError` naming the file and the field; the rules are
charmcraft's (which keys it accepts) and juju/charm's (``meta.go``, ``config.go``,
``actions.go``).
"""

# pyright: strict

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, cast

import yaml

from .. import yamlread
from .._go import go_quote, go_value
from ._actions import ACTION_STRING_KEYS, JSON_TYPES, RESERVED_ACTION, ActionSpec, declared_types
from ._bases import charmcraft_bases, manifest_bases, series_bases
from ._config import OPTION_TYPES, ConfigOption, Value, coerce
from ._endpoints import RELATION_KEYS, ROLES, Endpoint, Role
from ._errors import CharmSpecError
from ._spec import CharmSpec

_CHARM_NAME: Final = re.compile(r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*')
"""juju/charm's charm name rule (``IsValidName``)."""

_RELATION_NAME: Final = re.compile(r'[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*')
"""juju/names ``RelationSnippet``: what a bundle can write after ``app:``."""

_STORAGE_NAME: Final = re.compile(r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*')
"""juju/names ``StorageNameSnippet``."""

_ACTION_NAME: Final = re.compile(r'[a-z0-9](?:[a-z0-9-]*[a-z0-9])?')
"""juju/charm ``actionNameRule``."""

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


class Reader:
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
            data = yamlread.load(text)
        except yaml.YAMLError as error:
            raise self.fail(file, '', f'not valid YAML: {yamlread.describe(error)}') from None
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
        manifest_file = self.root / 'manifest.yaml'
        manifest = self.read_yaml(manifest_file) if charmcraft is None else None
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
        # A charm as charmcraft packs it (an unpacked .charm): metadata.yaml and its own
        # dispatch or manifest.yaml, no charmcraft.yaml; its venv/ holds its dependencies.
        packed = charmcraft is None and (
            manifest is not None or (self.root / 'dispatch').is_file()
        )
        if packed:
            plugin = 'python' if (self.root / 'venv' / 'lib').is_dir() else 'charm'
        else:
            plugin = _charm_plugin(charmcraft or {})
        if manifest is not None and 'bases' in manifest:
            bases = manifest_bases(manifest, str(manifest_file))
        elif charmcraft is not None:
            bases = charmcraft_bases(charmcraft)
        else:
            bases = series_bases(meta, str(meta_file))
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
        for section in ROLES:  # ``name: interface`` shorthand, spelt out for ops.testing
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
            bases=bases,
            packed=packed,
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
        entry = 'src/charm.py'
        part = _charm_part(charmcraft)
        if part is not None:
            declared = part[1].get('charm-entrypoint')
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
        for section, role in ROLES.items():
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
            if key not in RELATION_KEYS:
                raise self.fail(
                    file,
                    f'{field}.{key}',
                    f'unknown key (expected {", ".join(sorted(RELATION_KEYS))})',
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
            if kind not in OPTION_TYPES:
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
                converted = coerce(str(kind), default)
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
                if name == RESERVED_ACTION:
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
            for key in ACTION_STRING_KEYS:
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
                for kind in declared_types(cast(dict[str, Any], prop)) or ():
                    if kind not in JSON_TYPES:
                        raise self.fail(
                            file,
                            f'{pfield}.type',
                            f'invalid params schema for action schema {name}: {go_quote(kind)} '
                            f'is not a JSON-schema type ({", ".join(JSON_TYPES)})',
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


_CHARM_PLUGINS: Final = ('charm', 'uv', 'python', 'poetry', 'reactive')
"""The charmcraft plugins that build the charm's own code (charmcraft ``parts/plugins``)."""


def _charm_part(charmcraft: Mapping[str, Any]) -> tuple[str, dict[str, object]] | None:
    """The part that builds the charm: the ``charm`` part, else the first charm-plugin part.

    A part's plugin defaults to its name (charmcraft ``services/package.py``: ``part.get(
    "plugin") or name``), so ``parts: {charm: {}}`` is the ``charm`` plugin, and a part of
    another name (jubilant's test charms call theirs ``db-charm``) names its plugin.
    """
    parts = charmcraft.get('parts')
    if not isinstance(parts, dict):
        return None
    found: list[tuple[str, dict[str, object]]] = []
    for name, part in cast(dict[object, object], parts).items():
        data = cast(dict[str, object], part) if isinstance(part, dict) else {}
        plugin = data.get('plugin') or str(name)
        if isinstance(plugin, str) and plugin in _CHARM_PLUGINS:
            found.append((plugin, data))
            if name == 'charm':
                return plugin, data
    return found[0] if found else None


def _charm_plugin(charmcraft: Mapping[str, Any]) -> str:
    """The plugin of the charm's part; ``charm`` without parts (charmcraft's default)."""
    part = _charm_part(charmcraft)
    return 'charm' if part is None else part[0]


def _reserved(charm: str, name: str) -> bool:
    """juju/charm ``reservedName``: ``juju`` and ``juju-*``, except for ``juju-*`` charms."""
    if charm.startswith('juju-'):
        return False
    return name == 'juju' or name.startswith('juju-')

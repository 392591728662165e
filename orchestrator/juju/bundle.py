"""Juju bundles (v2) and overlays: load, merge and verify them with Juju's own messages.

:func:`load` reads a bundle file the way ``juju deploy ./bundle.yaml --overlay o.yaml`` does
(juju/charm ``bundledata.go``, ``overlay.go``, ``bundledatasrc.go``) and returns a fully
checked :class:`Bundle`, or raises one :class:`BundleError` listing every problem as
``<first> (and N more errors)``; nothing is ever returned half-checked.

* The first YAML document is the base; later documents of the file, then each ``overlays``
  file in order, are overlays. Overlay relations are appended; overlay ``machines`` replace
  the base's; an application (or saas) whose overlay value is empty (``mysql:``) is removed
  with every relation that names it; for an existing application, scalars and lists
  overwrite, an empty map clears the map, and a map merges key by key with a null value
  deleting the key. ``offers`` and ``exposed-endpoints`` may only appear in overlays.
* Relative charm paths and ``include-file://``/``include-base64://`` option and annotation
  values are relative to the file that contains them.
* A field of the wrong YAML type is fatal (``unmarshal document 0: line 7: cannot unmarshal
  !!map into string``, naming the file and field); an unknown field is a warning in the words
  of ``juju deploy --dry-run`` (``document 0: line 12: unrecognized field "constraint"``).
* Then Juju's verification: placements (``to``), machines, constraints (olm's Juju parser),
  storage directives, bindings, subordinates, relations (endpoint inference included, see
  :func:`resolve_endpoints`) and options (each charm's config, via
  :meth:`~orchestrator.juju.charmspec.CharmSpec.parse_config`).

Charms are local directories: a charm that is a path (``./charms/x``, ``/abs``, ``~/x`` or
anything with a ``/``) is used as it is, a bare name (``metal-controller``) is looked up in
``charms_dir`` (see :func:`orchestrator.juju.charmspec.resolve`).

Offer files (cross-model relations)
===================================

A ``saas`` entry stands for an application offered by another model. olm has no other
model, so the remote side is simulated from an *offer file*: ``<offers_dir>/<saas name>.yaml``
(``offers_dir`` defaults to ``offers/`` next to the bundle)::

    # olm offer file: the provider side of a cross-model relation (simulated remote application)
    url: admin/database.postgresql          # must match the saas url in the bundle
    endpoints:                              # what the offer exposes (at least one)
      database: {interface: postgresql_client, role: provider}   # role: provider|requirer
    relation-data:                          # optional, per endpoint
      database:
        application:                        # the remote application databag (strings)
          endpoints: "10.0.0.5:5432"
          database: maas
          secret-user: "${secret:user}"     # replaced by the id of the secret labelled "user"
        units:                              # unit name -> unit databag; default <saas>/0: {}
          postgresql/0: {}
    secrets:                                # label -> secret content (what the engine creates)
      user: {username: maas, password: s3cret}

Unit names are ``<saas name>/<n>``, as the consuming model sees them. Databag values are
strings; ``${secret:LABEL}`` must name a secret of the file, and :meth:`Offer.render` swaps it
for the secret id the engine created. Unknown keys are errors; ``bundles/offers/README.md``
has a complete example.

Deliberate differences from Juju: ``bundle: kubernetes`` is refused (olm runs machine charms);
a bare ``lxd``/``kvm`` placement means a new container on a new machine; an overlay map key
set to null is deleted in every map (Juju sets string-valued ones to ``""``);
``resource revision "<name>" is not int or string`` names the resource, not the application;
a missing charm and an endpoint a charm lacks get Juju's message followed by where olm looked
or by both ends of the relation in parentheses; and olm also checks what Juju only finds at
deploy time (application names, storage names the charm declares, the offer files).
"""

# pyright: strict

from __future__ import annotations

import base64
import dataclasses
import ipaddress
import os
import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Annotated, Any, Final, Literal, TypeAlias, cast

import pydantic
import yaml
from pydantic import ConfigDict, Field

from . import charmspec, constraints
from . import storage as juju_storage
from .charmspec import go_quote

if TYPE_CHECKING:  # the stubs type libyaml's loader loosely; it behaves as the pure one
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

__all__ = [
    'ApplicationSpec',
    'Bundle',
    'BundleError',
    'EndpointRef',
    'MachineSpec',
    'Offer',
    'Placement',
    'RelationSpec',
    'SaasSpec',
    'load',
    'load_offer',
    'parse_placement',
    'resolve_endpoints',
]

Value: TypeAlias = str | int | float | bool

_APP_NAME: Final = r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*'
_RELATION_NAME: Final = r'[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*'
_NUMBER: Final = r'(?:0|[1-9][0-9]*)'
_APP_RE: Final = re.compile(_APP_NAME)
_RELATION_RE: Final = re.compile(_RELATION_NAME)
_ENDPOINT_RE: Final = re.compile(f'({_APP_NAME}):({_RELATION_NAME})')
_PLACEMENT_RE: Final = re.compile(
    f'(?:([a-z]+):)?(?:({_APP_NAME})(?:/({_NUMBER}))?|({_NUMBER}))'
)  # juju/charm ``validPlacement``
_MACHINE_ID_RE: Final = re.compile(_NUMBER)
_STORAGE_NAME_RE: Final = re.compile(_APP_NAME)  # names.StorageNameSnippet has the same shape
_DEVICE_NAME_RE: Final = re.compile(_APP_NAME)
_MODEL_NAME_RE: Final = re.compile(r'[a-z0-9]+[a-z0-9-]*')
_CHARM_REF_RE: Final = re.compile(f'(?:ch:)?({_APP_NAME})')
_UNIT_RE: Final = re.compile(f'({_APP_NAME})/({_NUMBER})')
_SECRET_REF_RE: Final = re.compile(r'\$\{secret:([^}]*)\}')
_SECRET_KEY_RE: Final = re.compile(r'[a-z](?:-?[a-z0-9]){2,}')  # Juju's secret content keys

_CONTAINER_TYPES: Final = ('lxd', 'kvm')
_MAP_FIELDS: Final = frozenset({
    'resources', 'exposed-endpoints', 'options', 'annotations', 'storage', 'devices',
    'bindings', 'offers',
})  # fmt: skip
"""ApplicationSpec fields that overlays merge key by key (Go maps); the rest overwrite."""

_INCLUDES: Final = (('include-file://', False), ('include-base64://', True))

_SERIES_BASES: Final = {
    'trusty': 'ubuntu@14.04',
    'xenial': 'ubuntu@16.04',
    'bionic': 'ubuntu@18.04',
    'focal': 'ubuntu@20.04',
    'jammy': 'ubuntu@22.04',
    'noble': 'ubuntu@24.04',
    'oracular': 'ubuntu@24.10',
    'plucky': 'ubuntu@25.04',
    'questing': 'ubuntu@25.10',
}
"""Ubuntu series Juju still knows, and their bases; any other series is invalid."""


class BundleError(Exception):
    """A bundle, overlay or offer file that cannot be deployed; nothing was returned.

    The message is ``<file>: <first problem> (and N more errors)``, each problem in Juju's
    words where Juju has some.

    Attributes:
        errors: every problem found, without the file prefix.
        path: the file the message names, if any.
    """

    def __init__(self, errors: str | Sequence[str], path: str | os.PathLike[str] | None = None):
        self.errors: tuple[str, ...] = (errors,) if isinstance(errors, str) else tuple(errors)
        self.path = os.fspath(path) if path is not None else None
        first = self.errors[0] if self.errors else 'invalid bundle'
        more = len(self.errors) - 1
        text = f'{first} (and {more} more errors)' if more > 0 else first
        super().__init__(f'{self.path}: {text}' if self.path else text)


# -- the result -----------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class EndpointRef:
    """One end of a relation.

    Attributes:
        application: the application (or saas) name.
        endpoint: the endpoint name.
    """

    application: str
    endpoint: str

    def __str__(self) -> str:
        return f'{self.application}:{self.endpoint}'


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RelationSpec:
    """A provider-requirer relation with both endpoints known (peers are never listed).

    Attributes:
        provider: the providing end.
        requirer: the requiring end.
        interface: the interface both ends share.
    """

    provider: EndpointRef
    requirer: EndpointRef
    interface: str


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Placement:
    """One parsed ``to`` element: ``[<container>:](<machine>|<app>[/<unit>]|new)``.

    Attributes:
        container: ``lxd``/``kvm`` for a new container on the target, None to co-locate.
        machine: a bundle machine key, or None.
        application: an application to co-locate with, or None.
        unit: that application's unit number (None for a bare application in
            :func:`parse_placement`; :attr:`ApplicationSpec.placements` fills it in).
        new: whether the target is a new machine.
    """

    container: str | None = None
    machine: str | None = None
    application: str | None = None
    unit: int | None = None
    new: bool = False


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationSpec:
    """One application of the merged, verified bundle.

    Attributes:
        name: the application name.
        charm: the charm reference as written.
        charm_path: the charm directory.
        spec: the charm's metadata.
        channel: the channel, if given.
        revision: the revision, if given.
        base: the application's base, else the bundle's default (``ubuntu@22.04``), or None;
            a series is turned into its base.
        num_units: units to deploy (0 for a subordinate).
        to: the placement directives as written.
        constraints: the constraints in Juju's canonical form, '' if none.
        options: config values, includes resolved, converted to the options' types.
        expose: whether to expose the application.
        storage: storage name -> Juju storage directive, as written.
        bindings: endpoint (or '' for the default) -> space.
        trust: whether the application is trusted.
        annotations: annotations, includes resolved.
        placements: one per unit, after Juju's padding rule (the last element repeats; none
            means new machines), with bare application targets given successive units.
    """

    name: str
    charm: str
    charm_path: Path
    spec: charmspec.CharmSpec
    channel: str | None
    revision: int | None
    base: str | None
    num_units: int
    to: tuple[str, ...]
    constraints: str
    options: Mapping[str, Value]
    expose: bool
    storage: Mapping[str, str]
    bindings: Mapping[str, str]
    trust: bool
    annotations: Mapping[str, str]
    placements: tuple[Placement, ...]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class MachineSpec:
    """A machine declared in the bundle (its key is a bundle-local id, not a model machine).

    Attributes:
        id: the bundle machine key (digits).
        constraints: the constraints in canonical form, '' if none.
        base: the machine's base, else the bundle's default, or None.
        annotations: annotations, includes resolved.
    """

    id: str
    constraints: str
    base: str | None
    annotations: Mapping[str, str]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Offer:
    """The simulated remote side of a cross-model relation, from an offer file.

    Attributes:
        name: the saas application name it stands for (the file's stem).
        url: the offer URL.
        path: the offer file.
        endpoints: the endpoints the offer exposes.
        app_data: per endpoint, the remote application databag.
        units: per endpoint, remote unit name -> unit databag.
        secrets: secret label -> content; ``${secret:LABEL}`` in databag values refers to them.
    """

    name: str
    url: str
    path: Path
    endpoints: Mapping[str, charmspec.Endpoint]
    app_data: Mapping[str, Mapping[str, str]]
    units: Mapping[str, Mapping[str, Mapping[str, str]]]
    secrets: Mapping[str, Mapping[str, str]]

    def render(self, value: str, secret_ids: Mapping[str, str]) -> str:
        """Replace each ``${secret:LABEL}`` in a databag value by that secret's id.

        Raises:
            BundleError: a label has no id in ``secret_ids``.
        """

        def swap(found: re.Match[str]) -> str:
            label = found[1]
            if label not in secret_ids:
                raise BundleError(
                    f'offer {go_quote(self.name)}: no secret id for "${{secret:{label}}}"',
                    self.path,
                )
            return secret_ids[label]

        return _SECRET_REF_RE.sub(swap, value)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SaasSpec:
    """A consumed offer.

    Attributes:
        name: the saas application name in this model.
        url: the offer URL.
        offer: the simulated remote side.
    """

    name: str
    url: str
    offer: Offer


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Bundle:
    """A merged, fully verified bundle.

    Attributes:
        path: the bundle file.
        description: its description.
        default_base: ``default-base`` (or the base of ``series``), if any.
        applications: applications by name, in file order.
        machines: bundle machines by key.
        relations: the relations, endpoints resolved.
        saas: consumed offers by saas name.
        warnings: ignored fields and other things Juju would warn about.
    """

    path: Path
    description: str
    default_base: str | None
    applications: Mapping[str, ApplicationSpec]
    machines: Mapping[str, MachineSpec]
    relations: tuple[RelationSpec, ...]
    saas: Mapping[str, SaasSpec]
    warnings: tuple[str, ...]


# -- placements and endpoints ---------------------------------------------------------------------


def parse_placement(text: str) -> Placement:
    """Parse one ``to`` element with Juju's grammar (juju/charm ``ParsePlacement``).

    ``new``, ``<machine>``, ``<app>``, ``<app>/<unit>``, each optionally prefixed by
    ``lxd:``/``kvm:``; a bare ``lxd`` or ``kvm`` is a new container on a new machine.

    Raises:
        BundleError: ``invalid placement syntax "x"``, or an unknown container type.
    """
    found = _PLACEMENT_RE.fullmatch(text)
    if found is None:
        raise BundleError(f'invalid placement syntax {go_quote(text)}')
    container, application, unit, machine = found.groups()
    if container is not None and container not in _CONTAINER_TYPES:
        raise BundleError(
            f'invalid container type {go_quote(container)} in placement {go_quote(text)} '
            f'(expected {" or ".join(_CONTAINER_TYPES)})'
        )
    if application == 'new':
        if unit is not None:
            raise BundleError(f'invalid placement syntax {go_quote(text)}')
        return Placement(container=container, new=True)
    if container is None and unit is None and application in _CONTAINER_TYPES:
        return Placement(container=application, new=True)
    if machine is not None:
        return Placement(container=container, machine=machine)
    return Placement(
        container=container,
        application=application,
        unit=int(unit) if unit is not None else None,
    )


@dataclasses.dataclass(frozen=True, slots=True)
class _Ref:
    """A relation end as written: ``app`` or ``app:endpoint``."""

    application: str
    endpoint: str

    def __str__(self) -> str:
        return f'{self.application}:{self.endpoint}' if self.endpoint else self.application


def _parse_endpoint(text: str) -> _Ref:
    """juju/charm ``parseEndpoint``."""
    found = _ENDPOINT_RE.fullmatch(text)
    if found is not None:
        return _Ref(found[1], found[2])
    if not _APP_RE.fullmatch(text):
        raise BundleError(f'invalid relation syntax {go_quote(text)}')
    return _Ref(text, '')


def _go_list(items: Sequence[str]) -> str:
    """Go's ``%q`` of a ``[]string``: ``["a" "b"]``."""
    return '[' + ' '.join(go_quote(item) for item in items) + ']'


def resolve_endpoints(
    a: str,
    b: str,
    specs: Mapping[str, Mapping[str, charmspec.Endpoint]],
    *,
    charms: Mapping[str, str] | None = None,
) -> RelationSpec:
    """Work out the relation ``a``-``b`` means, as ``juju integrate`` and bundles do.

    Each end is ``app`` or ``app:endpoint``. With both endpoints named, the pair must be a
    provider and a requirer of one interface. Otherwise the candidates are every
    provider-requirer pair of matching interface (peers never relate across applications);
    one candidate wins, and among several the implicit ``juju-info`` ones are dropped before
    Juju gives up as ambiguous.

    Args:
        a: one end.
        b: the other end.
        specs: application name -> its endpoints (a charm's, with ``juju-info``; an offer's).
        charms: application name -> charm (or offer URL), for messages; default the app name.

    Returns:
        The relation, provider first.

    Raises:
        BundleError: Juju's messages: ``invalid relation syntax "x"``, ``application "x" not
            found``, ``relation ["a" "a"] relates an application to itself``, ``cannot infer
            endpoint between a and b: no relations found`` / ``...: ambiguous relation: a b
            could refer to "a:x b:y"; "a:z b:w"``, ``relation "a:x" to "b:y" relates provider
            to provider`` (or requirer to requirer), ``mismatched interface between "a:x" and
            "b:y" ("i1" vs "i2")``, and for an endpoint the charm lacks ``charm "c" used by
            application "a" does not define relation "x"`` followed by both ends and the
            other end's interface.
    """
    names = dict(charms or {})
    ref_a, ref_b = _parse_endpoint(a), _parse_endpoint(b)
    for ref in (ref_a, ref_b):
        if ref.application not in specs:
            raise BundleError(f'application {go_quote(ref.application)} not found')
    if ref_a.application == ref_b.application:
        raise BundleError(f'relation {_go_list([a, b])} relates an application to itself')

    def relatable(ref: _Ref) -> charmspec.Endpoint | None:
        endpoint = specs[ref.application].get(ref.endpoint)
        return endpoint if endpoint is not None and endpoint.role != 'peer' else None

    def undefined(ref: _Ref, other: _Ref) -> str:
        charm = names.get(ref.application, ref.application)
        text = (
            f'charm {go_quote(charm)} used by application {go_quote(ref.application)} does not '
            f'define relation {go_quote(ref.endpoint)}'
        )
        found = specs[ref.application].get(ref.endpoint)
        detail = [f'relating {go_quote(str(ref_a))} to {go_quote(str(ref_b))}']
        if found is not None:
            detail.append(f'{go_quote(str(ref))} is a peer relation')
        other_ep = relatable(other) if other.endpoint else None
        if other_ep is not None:
            detail.append(
                f'{go_quote(str(other))} has interface {go_quote(other_ep.interface)} '
                f'({other_ep.role})'
            )
        offered = sorted(
            f'{name} ({ep.interface} {ep.role})'
            for name, ep in specs[ref.application].items()
            if ep.role != 'peer' and not ep.implicit
        )
        detail.append(
            f'{ref.application} has: {", ".join(offered)}' if offered else 'it has no endpoints'
        )
        return f'{text} ({"; ".join(detail)})'

    if ref_a.endpoint and ref_b.endpoint:
        ep_a, ep_b = relatable(ref_a), relatable(ref_b)
        problems = [
            undefined(ref, other)
            for ref, other, ep in ((ref_a, ref_b, ep_a), (ref_b, ref_a, ep_b))
            if ep is None
        ]
        if problems or ep_a is None or ep_b is None:
            raise BundleError('; '.join(problems))
        return _pair(ref_a, ep_a, ref_b, ep_b)
    for ref, other in ((ref_a, ref_b), (ref_b, ref_a)):
        if ref.endpoint and relatable(ref) is None:
            raise BundleError(undefined(ref, other))

    def possible(ref: _Ref) -> list[charmspec.Endpoint]:
        return [
            ep
            for name, ep in sorted(specs[ref.application].items())
            if ep.role != 'peer' and (not ref.endpoint or ref.endpoint == name)
        ]

    candidates = [
        (x, y)
        for x in possible(ref_a)
        for y in possible(ref_b)
        if x.interface == y.interface and {x.role, y.role} == {'provider', 'requirer'}
    ]
    prefix = f'cannot infer endpoint between {ref_a} and {ref_b}'
    if not candidates:
        raise BundleError(f'{prefix}: no relations found')
    chosen = candidates
    if len(candidates) > 1:
        chosen = [(x, y) for x, y in candidates if not x.implicit and not y.implicit]
    if len(chosen) != 1:
        keys = sorted(
            go_quote(
                ' '.join(
                    sorted([f'{ref_a.application}:{x.name}', f'{ref_b.application}:{y.name}'])
                )
            )
            for x, y in candidates
        )
        raise BundleError(
            f'{prefix}: ambiguous relation: {ref_a} {ref_b} could refer to {"; ".join(keys)}'
        )
    x, y = chosen[0]
    return _pair(_Ref(ref_a.application, x.name), x, _Ref(ref_b.application, y.name), y)


def _pair(
    ref_a: _Ref, ep_a: charmspec.Endpoint, ref_b: _Ref, ep_b: charmspec.Endpoint
) -> RelationSpec:
    """juju/charm ``verifyRelation`` for two named, existing endpoints."""
    if ep_a.role == ep_b.role:
        raise BundleError(
            f'relation {go_quote(str(ref_a))} to {go_quote(str(ref_b))} relates '
            f'{ep_a.role} to {ep_b.role}'
        )
    (prov_ref, prov), (req_ref, req) = sorted(
        ((ref_a, ep_a), (ref_b, ep_b)), key=lambda item: item[1].role != 'provider'
    )
    if prov.interface != req.interface:
        raise BundleError(
            f'mismatched interface between {go_quote(str(prov_ref))} and '
            f'{go_quote(str(req_ref))} ({go_quote(prov.interface)} vs {go_quote(req.interface)})'
        )
    return RelationSpec(
        provider=EndpointRef(application=prov_ref.application, endpoint=prov_ref.endpoint),
        requirer=EndpointRef(application=req_ref.application, endpoint=req_ref.endpoint),
        interface=prov.interface,
    )


# -- YAML with positions --------------------------------------------------------------------------


class _Map(dict[object, object]):
    """A YAML mapping that remembers where its keys are and how its scalars were written."""

    __slots__ = ('duplicates', 'key_text', 'line', 'lines', 'raw')

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[object, int] = {}
        self.raw: dict[object, str] = {}
        self.key_text: dict[object, str] = {}
        self.duplicates: list[tuple[object, int]] = []


class _Seq(list[object]):
    """A YAML sequence that remembers its line and how its scalars were written."""

    __slots__ = ('line', 'raw')

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.raw: list[str | None] = []


class _Loader(_BaseLoader):
    """The safe loader, building :class:`_Map`/:class:`_Seq` and keeping timestamps as text."""


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> Iterator[_Map]:
    data = _Map(node.start_mark.line + 1)
    yield data
    explicit = {id(key) for key, _ in node.value}
    loader.flatten_mapping(node)  # pyright: ignore[reportUnknownMemberType]
    from_explicit: set[object] = set()
    for key_node, value_node in node.value:
        key = cast(object, loader.construct_object(key_node, deep=True))  # pyright: ignore[reportUnknownMemberType]
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, 'found an unhashable key', key_node.start_mark
            )
        value = cast(object, loader.construct_object(value_node, deep=True))  # pyright: ignore[reportUnknownMemberType]
        line = key_node.start_mark.line + 1
        if key in from_explicit and id(key_node) in explicit:
            data.duplicates.append((key, line))
        if id(key_node) in explicit:
            from_explicit.add(key)
        data[key] = value
        data.lines[key] = line
        if isinstance(key_node, yaml.ScalarNode):
            data.key_text[key] = str(key_node.value)
        if isinstance(value_node, yaml.ScalarNode):
            data.raw[key] = str(value_node.value)
        else:
            data.raw.pop(key, None)


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> Iterator[_Seq]:
    data = _Seq(node.start_mark.line + 1)
    yield data
    for child in node.value:
        data.append(cast(object, loader.construct_object(child, deep=True)))  # pyright: ignore[reportUnknownMemberType]
        data.raw.append(str(child.value) if isinstance(child, yaml.ScalarNode) else None)


def _construct_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(node.value)


_Loader.add_constructor('tag:yaml.org,2002:map', _construct_map)  # pyright: ignore[reportUnknownMemberType]
_Loader.add_constructor('tag:yaml.org,2002:seq', _construct_seq)  # pyright: ignore[reportUnknownMemberType]
_Loader.add_constructor('tag:yaml.org,2002:timestamp', _construct_text)  # pyright: ignore[reportUnknownMemberType]


def _documents(text: str) -> list[object]:
    loader = _Loader(text)
    try:
        documents: list[object] = []
        while loader.check_data():  # pyright: ignore[reportUnknownMemberType]
            documents.append(cast(object, loader.get_data()))  # pyright: ignore[reportUnknownMemberType]
        return documents
    finally:
        loader.dispose()  # pyright: ignore[reportUnknownMemberType]


# -- decoding: Go's types, with yaml.v2's conversions ---------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _Struct:
    name: str
    fields: Mapping[str, _Type]


@dataclasses.dataclass(frozen=True, slots=True)
class _MapOf:
    value: _Type


@dataclasses.dataclass(frozen=True, slots=True)
class _ListOf:
    item: _Type


_Type: TypeAlias = Literal['string', 'int', 'bool', 'any'] | _Struct | _MapOf | _ListOf

_EXPOSED: Final = _Struct(
    'exposed-endpoints',
    {'expose-to-spaces': _ListOf('string'), 'expose-to-cidrs': _ListOf('string')},
)
_OFFER_SPEC: Final = _Struct('offers', {'endpoints': _ListOf('string'), 'acl': _MapOf('string')})
_APPLICATION: Final = _Struct(
    'applications',
    {
        'charm': 'string',
        'channel': 'string',
        'revision': 'int',
        'series': 'string',
        'base': 'string',
        'resources': _MapOf('any'),
        'num_units': 'int',
        'scale': 'int',
        'to': _ListOf('string'),
        'placement': 'string',
        'expose': 'bool',
        'exposed-endpoints': _MapOf(_EXPOSED),
        'options': _MapOf('any'),
        'annotations': _MapOf('string'),
        'constraints': 'string',
        'storage': _MapOf('string'),
        'devices': _MapOf('string'),
        'bindings': _MapOf('string'),
        'offers': _MapOf(_OFFER_SPEC),
        'plan': 'string',
        'trust': 'bool',
    },
)
_MACHINE: Final = _Struct(
    'machines',
    {
        'constraints': 'string',
        'annotations': _MapOf('string'),
        'series': 'string',
        'base': 'string',
    },
)
_SAAS: Final = _Struct('saas', {'url': 'string'})
_BUNDLE: Final = _Struct(
    'bundle',
    {
        'bundle': 'string',
        'applications': _MapOf(_APPLICATION),
        'services': _MapOf(_APPLICATION),
        'machines': _MapOf(_MACHINE),
        'saas': _MapOf(_SAAS),
        'series': 'string',
        'default-base': 'string',
        'relations': _ListOf(_ListOf('string')),
        'tags': _ListOf('string'),
        'description': 'string',
    },
)


def _go_type(kind: _Type) -> str:
    if isinstance(kind, _Struct):
        return kind.name
    if isinstance(kind, _MapOf):
        return f'map[string]{_go_type(kind.value)}'
    if isinstance(kind, _ListOf):
        return f'[]{_go_type(kind.item)}'
    return 'interface {}' if kind == 'any' else kind


def _yaml_tag(value: object, raw: str | None) -> str:
    """yaml.v2's description of a node it cannot convert: ``!!map``, ``!!str `abc```."""
    if isinstance(value, dict):
        return '!!map'
    if isinstance(value, list):
        return '!!seq'
    tag = (
        'bool'
        if isinstance(value, bool)
        else 'int'
        if isinstance(value, int)
        else 'float'
        if isinstance(value, float)
        else 'str'
    )
    text = raw if raw is not None else str(value)
    return f'!!{tag} `{text if len(text) <= 40 else text[:37] + "..."}`'


class _Decoder:
    """Turns one YAML document into plain dicts of Go's field types, as yaml.v2 would."""

    def __init__(self, file: str, doc: int, errors: list[str], warnings: list[str]) -> None:
        self.file = file
        self.doc = doc
        self.errors = errors
        self.warnings = warnings

    def error(self, line: int, value: object, raw: str | None, kind: _Type, path: str) -> None:
        where = f' (field {path})' if path else ''
        self.errors.append(
            f'{self.file}: unmarshal document {self.doc}: line {line}: cannot unmarshal '
            f'{_yaml_tag(value, raw)} into {_go_type(kind)}{where}'
        )

    def duplicates(self, data: _Map, path: str) -> None:
        for key, line in data.duplicates:
            self.warnings.append(
                f'{self.file}: document {self.doc}: line {line}: key '
                f'{go_quote(self.key(data, key))} already set in map'
                + (f' (in {path})' if path else '')
            )

    @staticmethod
    def key(data: _Map, key: object) -> str:
        return key if isinstance(key, str) else data.key_text.get(key, str(key))

    def decode(self, value: object, kind: _Type, path: str, line: int, raw: str | None) -> object:
        if value is None:
            return None
        if kind == 'any':
            return _plain(value)
        if kind == 'string':
            if isinstance(value, str):
                return value
            if isinstance(value, bool | int | float):
                return raw if raw is not None else str(value)
        elif kind == 'int':
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
        elif kind == 'bool':
            if isinstance(value, bool):
                return value
        elif isinstance(kind, _ListOf):
            if isinstance(value, _Seq):
                return [
                    self.decode(item, kind.item, f'{path}[{index}]', value.line, value.raw[index])
                    for index, item in enumerate(value)
                ]
        elif isinstance(value, _Map):
            self.duplicates(value, path)
            return self.mapping(value, kind, path)
        self.error(line, value, raw, kind, path)
        return None

    def mapping(self, data: _Map, kind: _Struct | _MapOf, path: str) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in data.items():
            line = data.lines.get(key, data.line)
            if not isinstance(key, str | int | float | bool | None):
                self.error(line, key, None, 'string', path)
                continue
            name = self.key(data, key)
            inner = f'{path}.{name}' if path else name
            if isinstance(kind, _Struct):
                field = kind.fields.get(name)
                if field is None:
                    self.warnings.append(
                        f'{self.file}: document {self.doc}: line {line}: unrecognized field '
                        f'{go_quote(name)}'
                    )
                    continue
            else:
                field = kind.value
            result[name] = self.decode(value, field, inner, line, data.raw.get(key))
        return result


def _plain(value: object) -> object:
    """A decoded ``interface {}`` value: plain dicts with string keys, plain lists."""
    if isinstance(value, _Map):
        return {_Decoder.key(value, k): _plain(v) for k, v in value.items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in cast(dict[object, object], value).items()}
    if isinstance(value, list):
        return [_plain(v) for v in cast(list[object], value)]
    return value


# -- parts and merging ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class _CharmRef:
    """A charm reference and the directory a relative path in it is relative to."""

    text: str
    base_dir: Path


@dataclasses.dataclass(slots=True)
class _Part:
    """One decoded document: its data, and whether it used the legacy ``services`` key."""

    file: Path
    doc: int
    data: dict[str, Any]
    services: bool


def _read_parts(path: Path, errors: list[str], warnings: list[str], *, role: str) -> list[_Part]:
    """Every non-empty document of a file, decoded; problems go to ``errors``."""
    try:
        text = path.read_text(encoding='utf-8')
    except FileNotFoundError:
        errors.append(f'{path}: {role} file not found')
        return []
    except IsADirectoryError:
        errors.append(f'{path}: is a directory, not a {role} file')
        return []
    except (OSError, UnicodeDecodeError) as error:
        errors.append(f'{path}: cannot read {role} file: {error}')
        return []
    try:
        documents = _documents(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f'line {mark.line + 1}: ' if mark else ''
        problem = error.problem or error.context or 'cannot be parsed'
        errors.append(f'{path}: cannot unmarshal bundle contents: yaml: {where}{problem}')
        return []
    except yaml.YAMLError as error:
        errors.append(f'{path}: cannot unmarshal bundle contents: yaml: {error}')
        return []
    parts: list[_Part] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        decoder = _Decoder(str(path), index, errors, warnings)
        if not isinstance(document, _Map):
            decoder.error(1, document, None, _BUNDLE, '')
            continue
        decoder.duplicates(document, '')
        data = decoder.mapping(document, _BUNDLE, '')
        services = False
        if 'services' in data:
            if data.get('applications') is None:
                data['applications'] = data['services']
                services = True
            del data['services']
        part = _Part(path, index, data, services)
        _prepare(part, errors)
        parts.append(part)
    return parts


def _prepare(part: _Part, errors: list[str]) -> None:
    """What Juju does to each part as it reads it: normalise, then resolve paths and includes."""
    base_dir = part.file.parent
    apps = cast(dict[str, Any], part.data.get('applications') or {})
    where = f'{part.file}: unmarshal document {part.doc}: '
    for name, app in apps.items():
        if app is None:
            continue
        spec = cast(dict[str, Any], app)
        scale, num_units = spec.pop('scale', None), spec.get('num_units')
        if scale:
            if num_units:
                errors.append(
                    f'{where}cannot specify both scale and num_units for application '
                    f'{go_quote(name)}'
                )
            else:
                spec['num_units'] = scale
        placement = spec.pop('placement', None)
        if placement:
            errors.append(
                f'{where}placement ({placement}) not valid for non-Kubernetes application '
                f'{go_quote(name)}'
            )
        charm = spec.get('charm')
        if isinstance(charm, str) and charm:
            spec['charm'] = _CharmRef(charm, base_dir)
        for field, what in (('options', 'option'), ('annotations', 'annotation')):
            values = cast(dict[str, Any] | None, spec.get(field))
            for key, value in (values or {}).items():
                resolved = _include(value, base_dir)
                if isinstance(resolved, BundleError):
                    errors.append(
                        f'{part.file}: processing {what} {go_quote(key)} for application '
                        f'{go_quote(name)}: {resolved}'
                    )
                elif values is not None:
                    values[key] = resolved
    machines = cast(dict[str, Any], part.data.get('machines') or {})
    for machine_id, machine in machines.items():
        annotations = cast(dict[str, Any] | None, _field(machine, 'annotations'))
        for key, value in (annotations or {}).items():
            resolved = _include(value, base_dir)
            if isinstance(resolved, BundleError):
                errors.append(
                    f'{part.file}: processing annotation {go_quote(key)} for machine '
                    f'{go_quote(machine_id)}: {resolved}'
                )
            elif annotations is not None:
                annotations[key] = resolved


def _include(value: object, base_dir: Path) -> object:
    """An option or annotation with its ``include-file://``/``include-base64://`` read in."""
    if not isinstance(value, str):
        return value
    for directive, encode in _INCLUDES:
        if not value.startswith(directive):
            continue
        ref = value[len(directive) :]
        target = Path(ref).expanduser()
        if not target.is_absolute():
            target = base_dir / target
        target = Path(os.path.abspath(target))
        problem: str | None = None
        data = b''
        if not target.exists():
            problem = f'include file {go_quote(str(target))} not found'
        elif target.is_dir():
            problem = f'include path {go_quote(str(target))} resolves to a folder'
        else:
            try:
                data = target.read_bytes()
            except OSError as error:
                problem = f'cannot read {go_quote(str(target))}: {error.strerror or error}'
        if problem is not None:
            return BundleError(f'resolving include {go_quote(ref)}: {problem}')
        if encode:
            return base64.b64encode(data).decode('ascii')
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError:
            return BundleError(
                f'resolving include {go_quote(ref)}: {target} is not UTF-8 text '
                '(use include-base64://)'
            )
    return value


def _remove_relations(relations: list[Any], name: str) -> list[Any]:
    """juju/charm ``removeRelations``: drop the relations naming ``name`` (keep odd ones)."""
    kept: list[Any] = []
    for relation in relations:
        if isinstance(relation, list) and len(cast(list[object], relation)) == 2:
            ends = [str(end) for end in cast(list[object], relation)]
            if any(end == name or end.startswith(f'{name}:') for end in ends):
                continue
        kept.append(relation)
    return kept


def _merge_struct(dst: dict[str, Any], src: Mapping[str, Any], map_fields: frozenset[str]) -> None:
    """juju/charm ``mergeStructs``: present fields overwrite, maps merge key by key."""
    for field, value in src.items():
        if field not in map_fields:
            dst[field] = value
            continue
        if not value:
            dst[field] = {}
            continue
        target = cast(dict[str, Any], dst.get(field) or {})
        for key, item in cast(dict[str, Any], value).items():
            if item is None:
                target.pop(key, None)
            else:
                target[key] = item
        dst[field] = target


def _apply_overlay(base: dict[str, Any], part: _Part, errors: list[str]) -> None:
    """juju/charm ``applyOverlay``."""
    overlay = part.data
    if not overlay:
        return
    if part.services:
        errors.append(
            f"{part.file}: bundle overlay file used deprecated 'services' key, this is not "
            'valid for bundle overlay files'
        )
        return
    relations = cast(list[Any], base.get('relations') or [])
    for section, map_fields in (('applications', _MAP_FIELDS), ('saas', frozenset[str]())):
        entries = cast(dict[str, Any] | None, overlay.get(section))
        if not entries:
            continue
        target = cast(dict[str, Any], base.get(section) or {})
        base[section] = target
        for name, spec in entries.items():
            if spec is None:
                target.pop(name, None)
                relations = _remove_relations(relations, name)
            elif name not in target or target[name] is None:
                target[name] = spec
            else:
                _merge_struct(target[name], cast(dict[str, Any], spec), map_fields)
    for key in ('series', 'default-base'):
        if overlay.get(key):
            base[key] = overlay[key]
    base['relations'] = relations + cast(list[Any], overlay.get('relations') or [])
    if overlay.get('machines') is not None:
        base['machines'] = overlay['machines']


# -- offers ---------------------------------------------------------------------------------------


class _OfferEndpointModel(pydantic.BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    interface: Annotated[str, Field(min_length=1)]
    role: Literal['provider', 'requirer']
    scope: Literal['global', 'container'] = 'global'
    limit: int | None = None
    optional: bool = False


class _RelationDataModel(pydantic.BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    application: dict[str, str] | None = None
    units: dict[str, dict[str, str] | None] | None = None


class _OfferFileModel(pydantic.BaseModel):
    model_config = ConfigDict(extra='forbid', strict=True, frozen=True)

    url: Annotated[str, Field(min_length=1)]
    endpoints: Annotated[dict[str, _OfferEndpointModel], Field(min_length=1)]
    relation_data: dict[str, _RelationDataModel | None] = Field(
        default_factory=dict[str, _RelationDataModel | None], alias='relation-data'
    )
    secrets: dict[str, dict[str, str]] = Field(default_factory=dict[str, dict[str, str]])


def _offer_url_problem(url: str) -> str | None:
    """Juju's ``validateOfferURL``: None if ``[<ctl>:][<qualifier>/]<model>.<app>`` is ok."""
    parts = url.split(':')
    rest = url
    if len(parts) == 3:
        rest = f'{parts[1]}:{parts[2]}'
    elif len(parts) == 2 and not _RELATION_RE.fullmatch(parts[1]):
        rest = parts[1]
    found = re.fullmatch(r'/?(?:([^/]+)/)?([^.]*)(?:\.([^:]*(?::.*)?))?', rest)
    model = found[2] if found else ''
    application = (found[3] or '') if found else ''
    if url.startswith(':') or found is None or '/' in model or '/' in application:
        return (
            'application offer URL has invalid form, must be [<qualifier/]<model>.<appname>: '
            f'{go_quote(url)}'
        )
    if not model:
        return 'application offer URL is missing model'
    if not application:
        return 'application offer URL is missing application'
    if not _MODEL_NAME_RE.fullmatch(model):
        return f'model name {go_quote(model)} not valid'
    app_name = application.split(':')[0]
    if not _APP_RE.fullmatch(app_name):
        return f'application name {go_quote(app_name)} not valid'
    return None


def load_offer(path: str | os.PathLike[str], *, name: str | None = None) -> Offer:
    """Read an offer file (see the module docstring for its format).

    Args:
        path: the file.
        name: the saas application it stands for; default the file's stem.

    Returns:
        The offer.

    Raises:
        BundleError: naming the file and the field of each problem.
    """
    file = Path(os.path.abspath(path))
    name = name or file.stem
    try:
        text = file.read_text(encoding='utf-8')
    except FileNotFoundError:
        raise BundleError('offer file not found', file) from None
    except (OSError, UnicodeDecodeError) as error:
        raise BundleError(f'cannot read offer file: {error}', file) from None
    try:
        raw: object = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f' (line {mark.line + 1}, column {mark.column + 1})' if mark else ''
        raise BundleError(
            f'not valid YAML: {error.problem or error.context}{where}', file
        ) from None
    except yaml.YAMLError as error:
        raise BundleError(f'not valid YAML: {error}', file) from None
    try:
        model = _OfferFileModel.model_validate(_plain(raw))
    except pydantic.ValidationError as error:
        problems = [
            f'{".".join(str(loc) for loc in detail["loc"]) or "(top level)"}: {detail["msg"]}'
            for detail in error.errors(include_url=False)
        ]
        raise BundleError(problems, file) from None
    problems: list[str] = []
    url_problem = _offer_url_problem(model.url)
    if url_problem is not None:
        problems.append(f'url: {url_problem}')
    endpoints: dict[str, charmspec.Endpoint] = {}
    for ep_name, ep in model.endpoints.items():
        if not _RELATION_RE.fullmatch(ep_name):
            problems.append(f'endpoints.{ep_name}: invalid endpoint name')
        endpoints[ep_name] = charmspec.Endpoint(
            name=ep_name,
            role=ep.role,
            interface=ep.interface,
            scope=ep.scope,
            limit=ep.limit,
            optional=ep.optional,
        )
    for label, content in model.secrets.items():
        if not label:
            problems.append('secrets: a secret label cannot be empty')
        if not content:
            problems.append(f'secrets.{label}: secret content cannot be empty')
        problems.extend(
            f'secrets.{label}.{key}: invalid secret key (at least 3 lowercase letters or '
            'digits, starting with a letter, with single hyphens)'
            for key in content
            if not _SECRET_KEY_RE.fullmatch(key)
        )
    app_data: dict[str, Mapping[str, str]] = {}
    units: dict[str, Mapping[str, Mapping[str, str]]] = {}
    for ep_name in model.relation_data:
        if ep_name not in model.endpoints:
            problems.append(
                f'relation-data.{ep_name}: no such endpoint (the offer has: '
                f'{", ".join(model.endpoints)})'
            )
    for ep_name in model.endpoints:
        data = model.relation_data.get(ep_name) or _RelationDataModel()
        bag = dict(data.application or {})
        unit_bags: dict[str, dict[str, str]] = (
            {unit: dict(bag_ or {}) for unit, bag_ in data.units.items()}
            if data.units is not None
            else {f'{name}/0': {}}
        )
        field = f'relation-data.{ep_name}'
        for unit in unit_bags:
            found = _UNIT_RE.fullmatch(unit)
            if found is None or found[1] != name:
                problems.append(
                    f'{field}.units.{unit}: unit names must be "{name}/<number>" (the saas '
                    'application name as the consuming model sees it)'
                )
        for where, values in [(f'{field}.application', bag)] + [
            (f'{field}.units.{unit}', values) for unit, values in unit_bags.items()
        ]:
            for key, value in values.items():
                problems.extend(
                    f'{where}.{key}: unknown secret "${{secret:{label}}}" (declared: '
                    f'{", ".join(model.secrets) or "none"})'
                    for label in _SECRET_REF_RE.findall(value)
                    if label not in model.secrets
                )
        app_data[ep_name] = MappingProxyType(bag)
        units[ep_name] = MappingProxyType(
            {unit: MappingProxyType(values) for unit, values in unit_bags.items()}
        )
    if problems:
        raise BundleError(problems, file)
    return Offer(
        name=name,
        url=model.url,
        path=file,
        endpoints=MappingProxyType(endpoints),
        app_data=MappingProxyType(app_data),
        units=MappingProxyType(units),
        secrets=MappingProxyType(
            {label: MappingProxyType(dict(content)) for label, content in model.secrets.items()}
        ),
    )


# -- verification ---------------------------------------------------------------------------------


def _storage_problem(text: str) -> str | None:
    """juju/juju ``storage.ParseConstraints``: None if ``POOL,COUNT,SIZE`` (any order) is ok."""
    try:
        juju_storage.parse_directive(text)
    except juju_storage.StorageError as error:
        return str(error)
    return None


def _base_ok(text: str) -> bool:
    os_name, at, channel = text.partition('@')
    return bool(at) and '@' not in channel and bool(os_name) and bool(channel)


def _canonical_constraints(text: str) -> str:
    return str(constraints.parse(text))


class _Verifier:
    """juju/charm ``bundleDataVerifier`` over the merged bundle, with the charms loaded."""

    def __init__(
        self, data: dict[str, Any], path: Path, charms_dir: Path, offers_dir: Path
    ) -> None:
        self.data = data
        self.path = path
        self.charms_dir = charms_dir
        self.offers_dir = offers_dir
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.apps = cast(dict[str, Any], data.get('applications') or {})
        self.machines = cast(dict[str, Any], data.get('machines') or {})
        self.saas = cast(dict[str, Any], data.get('saas') or {})
        self.refs: dict[str, int] = dict.fromkeys(self.machines, 0)
        self.specs: dict[str, charmspec.CharmSpec] = {}
        self.paths: dict[str, Path] = {}
        self.offers: dict[str, Offer] = {}
        self.placements: dict[str, tuple[Placement, ...]] = {}
        self.relations: list[RelationSpec] = []
        self.options: dict[str, dict[str, Value]] = {}

    def add(self, message: str) -> None:
        self.errors.append(message)

    def run(self) -> None:
        kind = self.data.get('bundle')
        if kind == 'kubernetes':
            self.add('bundle type "kubernetes" is not supported: olm deploys machine charms')
        elif kind:
            self.add(f'bundle has an invalid type {go_quote(str(kind))}')
        default_base = self.data.get('default-base')
        if default_base and not _base_ok(default_base):
            self.add(f'bundle declares an invalid base {go_quote(default_base)}')
        series = self.data.get('series')
        if series and series not in _SERIES_BASES:
            self.add(f'bundle declares an invalid series {go_quote(series)}')
        self.verify_saas()
        self.verify_machines()
        self.verify_applications()
        self.verify_relations()
        self.verify_options()
        self.verify_bindings()
        for machine_id, count in self.refs.items():
            if count == 0:
                self.add(
                    f'machine {go_quote(machine_id)} is not referred to by a placement directive'
                )

    def verify_saas(self) -> None:
        for name, saas in self.saas.items():
            if name in self.apps:
                self.add(
                    f'application {go_quote(name)} already exists with SAAS {go_quote(name)} name'
                )
            if not _APP_RE.fullmatch(name):
                self.add(f'invalid SAAS name {go_quote(name)} found')
                continue
            url = cast(str | None, _field(saas, 'url')) or ''
            if url and _offer_url_problem(url) is not None:
                self.add(f'invalid offer URL {go_quote(url)} for SAAS {name}')
                continue
            file = self.offers_dir / f'{name}.yaml'
            if not file.exists():
                self.add(
                    f'saas {go_quote(name)}: offer file not found: {file} (olm simulates the '
                    'offering side of a cross-model relation from it; see '
                    'bundles/offers/README.md)'
                )
                continue
            try:
                offer = load_offer(file, name=name)
            except BundleError as error:
                self.add(f'saas {go_quote(name)}: {error}')
                continue
            if url and offer.url != url:
                self.add(
                    f'saas {go_quote(name)}: the offer file {file} is for {go_quote(offer.url)}, '
                    f'not {go_quote(url)}'
                )
                continue
            self.offers[name] = offer

    def verify_machines(self) -> None:
        for machine_id, machine in self.machines.items():
            if not _MACHINE_ID_RE.fullmatch(machine_id):
                self.add(f'invalid machine id {go_quote(machine_id)} found in machines')
            if machine is None:
                continue
            spec = cast(dict[str, Any], machine)
            text = cast(str | None, spec.get('constraints'))
            if text:
                try:
                    _canonical_constraints(text)
                except constraints.ConstraintsError as error:
                    self.add(
                        f'invalid constraints {go_quote(text)} in machine '
                        f'{go_quote(machine_id)}: {error}'
                    )
            base = spec.get('base')
            if base and not _base_ok(base):
                self.add(f'invalid base {go_quote(base)} for machine {go_quote(machine_id)}')
            series = spec.get('series')
            if series and series not in _SERIES_BASES:
                self.add(f'invalid series {series} for machine {go_quote(machine_id)}')

    def verify_applications(self) -> None:
        if not self.apps:
            self.add('at least one application must be specified')
            return
        for name, app in self.apps.items():
            if app is None:
                self.add(f'bundle application for key {go_quote(name)} is undefined')
                continue
            self.verify_application(name, cast(dict[str, Any], app))

    def load_charm(self, name: str, ref: _CharmRef | None) -> None:
        if ref is None:
            self.add('empty charm path')
            return
        text = ref.text
        is_path = text.startswith(('.', '/', '~')) or '/' in text
        if not is_path:
            if ':' in text and not text.startswith('ch:'):
                schema = text.split(':', 1)[0]
                self.add(
                    f'invalid charm URL in application {go_quote(name)}: cannot parse URL '
                    f'{go_quote(text)}: schema {go_quote(schema)} not valid'
                )
                return
            found = _CHARM_REF_RE.fullmatch(text)
            if found is None:
                bare = text.removeprefix('ch:')
                self.add(
                    f'invalid charm URL in application {go_quote(name)}: cannot parse URL '
                    f'{go_quote(text)}: name {go_quote(bare)} not valid'
                )
                return
        try:
            path = charmspec.resolve(text, charms_dir=self.charms_dir, base_dir=ref.base_dir)
        except charmspec.CharmSpecError:
            if is_path:
                target = Path(text).expanduser()
                if not target.is_absolute():
                    target = ref.base_dir / target
                self.add(
                    f'charm path in application {go_quote(name)} does not exist: '
                    f'{os.path.abspath(target)}'
                )
            else:
                where = os.path.abspath(self.charms_dir / text.removeprefix('ch:'))
                self.add(
                    f'application {go_quote(name)} refers to non-existent charm '
                    f'{go_quote(text)} (looked for {where})'
                )
            return
        try:
            spec = charmspec.load(path)
        except charmspec.CharmSpecError as error:
            self.add(f'application {go_quote(name)}: {error}')
            return
        self.paths[name] = path
        self.specs[name] = spec

    def verify_application(self, name: str, app: dict[str, Any]) -> None:
        if not _APP_RE.fullmatch(name):
            self.add(f'application name {go_quote(name)} not valid')
        if name in self.saas:
            self.add(
                f'SAAS {go_quote(name)} already exists with application {go_quote(name)} name'
            )
        charm = app.get('charm')
        ref = charm if isinstance(charm, _CharmRef) else None
        self.load_charm(name, ref)
        spec = self.specs.get(name)
        revision = cast(int | None, app.get('revision'))
        if ref is not None and revision is not None:
            charmhub = _CHARM_REF_RE.fullmatch(ref.text) is not None
            if charmhub and not app.get('channel'):
                self.add(
                    f'application {go_quote(name)} with a revision requires a channel for '
                    'future upgrades, please use channel'
                )
            if revision < 0:
                self.add(f'the revision for application {go_quote(name)} must be zero or greater')
        base = app.get('base')
        if base and not _base_ok(base):
            self.add(f'application {go_quote(name)} declares an invalid base {go_quote(base)}')
        series = app.get('series')
        if series and series not in _SERIES_BASES:
            self.add(f'application {go_quote(name)} declares an invalid series {go_quote(series)}')
        text = cast(str, app.get('constraints') or '')
        try:
            _canonical_constraints(text)
        except constraints.ConstraintsError as error:
            self.add(
                f'invalid constraints {go_quote(text)} in application {go_quote(name)}: {error}'
            )
        for store, directive in cast(dict[str, Any], app.get('storage') or {}).items():
            if not _STORAGE_NAME_RE.fullmatch(store):
                self.add(f'invalid storage name {go_quote(store)} in application {go_quote(name)}')
            problem = _storage_problem(cast(str, directive or ''))
            if problem is None and spec is not None and store not in spec.storage:
                problem = f'charm {go_quote(spec.name)} has no store called {go_quote(store)}'
            if problem is not None:
                self.add(
                    f'invalid storage {go_quote(store)} in application {go_quote(name)}: {problem}'
                )
        for device in cast(dict[str, Any], app.get('devices') or {}):
            if not _DEVICE_NAME_RE.fullmatch(device):
                self.add(f'invalid device name {go_quote(device)} in application {go_quote(name)}')
        offers = cast(dict[str, Any], app.get('offers') or {})
        for offer_name, offer in offers.items():
            if not _APP_RE.fullmatch(offer_name):
                self.add(
                    f'invalid offer name {go_quote(offer_name)} in application {go_quote(name)}'
                )
            for endpoint in cast(list[str], _field(offer, 'endpoints') or []):
                if not _RELATION_RE.fullmatch(endpoint):
                    self.add(
                        f'invalid endpoint name {go_quote(endpoint)} for offer '
                        f'{go_quote(offer_name)} in application {go_quote(name)}'
                    )
        if offers:
            self.warnings.append(
                f'{self.path}: applications.{name}.offers: olm does not make offers; ignored'
            )
        num_units = cast(int, app.get('num_units') or 0)
        to = ['' if t is None else str(t) for t in cast(list[Any], app.get('to') or [])]
        if spec is not None and spec.subordinate:
            if to:
                self.add(
                    f'application {go_quote(name)} is subordinate but specifies unit placement'
                )
            if num_units > 0:
                self.add(f'application {go_quote(name)} is subordinate but has non-zero num_units')
        for resource, rev in cast(dict[str, Any], app.get('resources') or {}).items():
            if not resource:
                self.add(f'missing resource name on application {go_quote(name)}')
            if isinstance(rev, bool) or not isinstance(rev, int | str):
                self.add(f'resource revision {go_quote(resource)} is not int or string')
        if num_units < 0:
            self.add(f'negative number of units specified on application {go_quote(name)}')
        self.verify_placement(name, num_units, to)
        exposed = cast(dict[str, Any], app.get('exposed-endpoints') or {})
        if exposed:
            if app.get('expose'):
                self.add(
                    'exposed-endpoints cannot be specified together with "exposed:true" in '
                    f'application {go_quote(name)} as this poses a security risk when deploying '
                    'bundles to older controllers'
                )
            else:
                for endpoint, details in exposed.items():
                    for cidr in cast(list[str], _field(details, 'expose-to-cidrs') or []):
                        if not _cidr_ok(cidr):
                            self.add(
                                f'invalid CIDR {go_quote(cidr)} for expose to CIDRs field for '
                                f'endpoint {go_quote(endpoint)} in application {go_quote(name)}'
                            )

    def verify_placement(self, name: str, num_units: int, to: list[str]) -> None:
        if num_units >= 0 and len(to) > num_units:
            self.add(
                f'too many units specified in unit placement for application {go_quote(name)}'
            )
        parsed: list[Placement] = []
        for text in to:
            try:
                placement = parse_placement(text)
            except BundleError as error:
                self.add(str(error))
                continue
            parsed.append(placement)
            if placement.application is not None:
                target = self.apps.get(placement.application)
                if placement.application not in self.apps:
                    self.add(
                        f'placement {go_quote(text)} refers to an application not defined in '
                        'this bundle'
                    )
                    continue
                target_units = cast(int, _field(target, 'num_units') or 0)
                if placement.unit is not None and placement.unit >= target_units:
                    self.add(
                        f'placement {go_quote(text)} specifies a unit greater than the '
                        f'{target_units} unit(s) started by the target application'
                    )
            elif placement.machine is not None:
                if placement.machine not in self.machines:
                    self.add(
                        f'placement {go_quote(text)} refers to a machine not defined in this '
                        'bundle'
                    )
                    continue
                self.refs[placement.machine] += 1
        if len(parsed) != len(to) or num_units <= 0:
            self.placements[name] = ()
            return
        texts = [to[i] if i < len(to) else (to[-1] if to else 'new') for i in range(num_units)]
        placements: list[Placement] = []
        last_unit: dict[str, int] = {}
        for text in texts:
            placement = parse_placement(text)
            target = placement.application
            if target is not None:
                unit = placement.unit
                if unit is None:
                    unit = last_unit.get(target, -1) + 1
                    target_units = cast(int, _field(self.apps.get(target), 'num_units') or 0)
                    if unit >= target_units and target in self.apps:
                        self.add(
                            f'placement {go_quote(text)} specifies a unit greater than the '
                            f'{target_units} unit(s) started by the target application'
                        )
                    placement = dataclasses.replace(placement, unit=unit)
                last_unit[target] = unit
            placements.append(placement)
        self.placements[name] = tuple(placements)

    def endpoint_specs(self) -> tuple[dict[str, Mapping[str, charmspec.Endpoint]], dict[str, str]]:
        specs: dict[str, Mapping[str, charmspec.Endpoint]] = {}
        names: dict[str, str] = {}
        for name, spec in self.specs.items():
            specs[name] = spec.endpoints
            ref = cast(_CharmRef, self.apps[name]['charm'])
            names[name] = ref.text
        for name, offer in self.offers.items():
            specs[name] = offer.endpoints
            names[name] = offer.url
        return specs, names

    def verify_relations(self) -> None:
        specs, names = self.endpoint_specs()
        seen: set[tuple[tuple[str, str], tuple[str, str]]] = set()
        for entry in cast(list[Any], self.data.get('relations') or []):
            pair = [str(end) for end in cast(list[Any], entry or [])]
            shown = _go_list(pair)
            if len(pair) != 2:
                self.add(f'relation {shown} has {len(pair)} endpoint(s), not 2')
                continue
            refs: list[_Ref] = []
            for text in pair:
                try:
                    ref = _parse_endpoint(text)
                except BundleError as error:
                    self.add(str(error))
                    continue
                in_apps, in_saas = ref.application in self.apps, ref.application in self.saas
                if not in_apps and not in_saas:
                    self.add(
                        f'relation {shown} refers to application {go_quote(ref.application)} '
                        'not defined in this bundle'
                    )
                if in_apps and in_saas:
                    self.add(
                        f'ambiguous relation {go_quote(ref.application)} refers to a application '
                        'and a SAAS in this bundle'
                    )
                refs.append(ref)
            if len(refs) != 2:
                continue
            if refs[0].application == refs[1].application:
                self.add(f'relation {shown} relates an application to itself')
                continue
            known = all(ref.application in specs for ref in refs)
            relation: RelationSpec | None = None
            if known:
                try:
                    relation = resolve_endpoints(pair[0], pair[1], specs, charms=names)
                except BundleError as error:
                    self.add(str(error))
            if relation is not None:
                ends = (
                    (relation.provider.application, relation.provider.endpoint),
                    (relation.requirer.application, relation.requirer.endpoint),
                )
            else:
                ends = (
                    (refs[0].application, refs[0].endpoint),
                    (refs[1].application, refs[1].endpoint),
                )
            key = (min(ends), max(ends))
            if key in seen:
                self.add(f'relation {shown} is defined more than once')
            seen.add(key)
            if relation is not None:
                self.relations.append(relation)

    def verify_options(self) -> None:
        for name, app in self.apps.items():
            spec = self.specs.get(name)
            if spec is None or app is None:
                continue
            ref = cast(_CharmRef, app['charm'])
            typed: dict[str, Value] = {}
            for key, value in cast(dict[str, Any], app.get('options') or {}).items():
                if key not in spec.config:
                    self.add(
                        f'cannot validate application {go_quote(name)}: configuration option '
                        f'{go_quote(key)} not found in charm {go_quote(ref.text)}'
                    )
                    continue
                try:
                    typed.update(spec.parse_config({key: value}))
                except charmspec.CharmSpecError as error:
                    self.add(f'cannot validate application {go_quote(name)}: {error}')
            self.options[name] = typed

    def verify_bindings(self) -> None:
        for name, app in self.apps.items():
            spec = self.specs.get(name)
            if spec is None or app is None:
                continue
            declared = {ep for ep, e in spec.endpoints.items() if not e.implicit}
            declared |= set(cast(dict[str, Any], spec.meta.get('extra-bindings') or {}))
            for endpoint, space in cast(dict[str, Any], app.get('bindings') or {}).items():
                if endpoint and endpoint not in declared:
                    self.add(
                        f'application {go_quote(name)} wants to bind endpoint '
                        f'{go_quote(endpoint)} to space {go_quote(str(space or ""))}, but the '
                        'endpoint is not defined by the charm'
                    )


def _field(spec: object, key: str) -> Any:
    """A field of a decoded struct that may be null."""
    return cast(dict[str, Any], spec).get(key) if isinstance(spec, dict) else None


def _cidr_ok(text: str) -> bool:
    if '/' not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _base_of(base: object, series: object, default: str | None) -> str | None:
    if isinstance(base, str) and base:
        return base
    if isinstance(series, str) and series:
        return _SERIES_BASES.get(series)
    return default


def _strings(value: object) -> Mapping[str, str]:
    return MappingProxyType(
        {str(k): '' if v is None else str(v) for k, v in cast(dict[str, Any], value or {}).items()}
    )


# -- load -----------------------------------------------------------------------------------------


def load(
    path: str | os.PathLike[str],
    *,
    overlays: Sequence[str | os.PathLike[str]] = (),
    charms_dir: Path,
    offers_dir: Path | None = None,
) -> Bundle:
    """Read, merge and verify a bundle and its overlays (see the module docstring).

    Args:
        path: the bundle file; its first document is the base, later ones are overlays.
        overlays: overlay files, applied after the bundle's own documents, in order.
        charms_dir: where bare charm names are looked up.
        offers_dir: where ``<saas name>.yaml`` offer files are; default ``offers/`` next to
            the bundle.

    Returns:
        The verified bundle.

    Raises:
        BundleError: every problem, Juju's ``<first> (and N more errors)``; nothing is
            returned unless the whole bundle is valid.
    """
    main = Path(os.path.abspath(Path(path).expanduser()))
    errors: list[str] = []
    warnings: list[str] = []
    parts = _read_parts(main, errors, warnings, role='bundle')
    for overlay in overlays:
        overlay_path = Path(os.path.abspath(Path(overlay).expanduser()))
        parts.extend(_read_parts(overlay_path, errors, warnings, role='overlay'))
    if errors:
        raise BundleError(errors)
    if not parts:
        raise BundleError('malformed bundle: bundle is empty', main)
    base = parts[0]
    for name, app in cast(dict[str, Any], base.data.get('applications') or {}).items():
        errors.extend(
            f'applications.{name}.{field} can only appear in an overlay section'
            for field in ('offers', 'exposed-endpoints')
            if app is not None and cast(dict[str, Any], app).get(field)
        )
    if errors:
        raise BundleError(errors, base.file)
    data = base.data
    for part in parts[1:]:
        _apply_overlay(data, part, errors)
    if errors:
        raise BundleError(errors)
    verifier = _Verifier(
        data,
        main,
        Path(charms_dir),
        offers_dir if offers_dir is not None else main.parent / 'offers',
    )
    verifier.run()
    if verifier.errors:
        raise BundleError(verifier.errors, main)
    return _build(main, data, verifier, tuple(warnings + verifier.warnings))


def _build(
    main: Path, data: dict[str, Any], verifier: _Verifier, warnings: tuple[str, ...]
) -> Bundle:
    """The result objects, from a bundle that passed verification."""
    default_base = _base_of(data.get('default-base'), data.get('series'), None)
    applications: dict[str, ApplicationSpec] = {}
    for name, raw in cast(dict[str, Any], data.get('applications') or {}).items():
        app = cast(dict[str, Any], raw)
        ref = cast(_CharmRef, app['charm'])
        spec = verifier.specs[name]
        revision = cast(int | None, app.get('revision'))
        applications[name] = ApplicationSpec(
            name=name,
            charm=ref.text,
            charm_path=verifier.paths[name],
            spec=spec,
            channel=cast(str | None, app.get('channel')) or None,
            revision=revision,
            base=_base_of(app.get('base'), app.get('series'), default_base),
            num_units=cast(int, app.get('num_units') or 0),
            to=tuple('' if t is None else str(t) for t in cast(list[Any], app.get('to') or [])),
            constraints=_canonical_constraints(cast(str, app.get('constraints') or '')),
            options=MappingProxyType(verifier.options.get(name, {})),
            expose=bool(app.get('expose')),
            storage=_strings(app.get('storage')),
            bindings=_strings(app.get('bindings')),
            trust=bool(app.get('trust')),
            annotations=_strings(app.get('annotations')),
            placements=verifier.placements.get(name, ()),
        )
    machines: dict[str, MachineSpec] = {}
    for machine_id, raw in cast(dict[str, Any], data.get('machines') or {}).items():
        machine = cast(dict[str, Any], raw or {})
        machines[machine_id] = MachineSpec(
            id=machine_id,
            constraints=_canonical_constraints(cast(str, machine.get('constraints') or '')),
            base=_base_of(machine.get('base'), machine.get('series'), default_base),
            annotations=_strings(machine.get('annotations')),
        )
    saas: dict[str, SaasSpec] = {}
    for name in cast(dict[str, Any], data.get('saas') or {}):
        offer = verifier.offers[name]
        saas[name] = SaasSpec(name=name, url=offer.url, offer=offer)
    return Bundle(
        path=main,
        description=cast(str, data.get('description') or ''),
        default_base=default_base,
        applications=MappingProxyType(applications),
        machines=MappingProxyType(machines),
        relations=tuple(verifier.relations),
        saas=MappingProxyType(saas),
        warnings=warnings,
    )

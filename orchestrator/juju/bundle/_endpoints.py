"""Relation endpoints: which pair of endpoints ``a``-``b`` means, as Juju infers it.

juju/charm ``parseEndpoint``, ``verifyRelation`` and the inference ``juju integrate`` and
bundles share (juju/juju ``state.InferEndpoints``).
"""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from .. import charmspec
from .._go import go_quote
from ._errors import BundleError
from ._names import APP_RE, ENDPOINT_RE


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


@dataclasses.dataclass(frozen=True, slots=True)
class Ref:
    """A relation end as written: ``app`` or ``app:endpoint``."""

    application: str
    endpoint: str

    def __str__(self) -> str:
        return f'{self.application}:{self.endpoint}' if self.endpoint else self.application


def parse_endpoint(text: str) -> Ref:
    """juju/charm ``parseEndpoint``."""
    found = ENDPOINT_RE.fullmatch(text)
    if found is not None:
        return Ref(found[1], found[2])
    if not APP_RE.fullmatch(text):
        raise BundleError(f'invalid relation syntax {go_quote(text)}')
    return Ref(text, '')


def go_list(items: Sequence[str]) -> str:
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
    ref_a, ref_b = parse_endpoint(a), parse_endpoint(b)
    for ref in (ref_a, ref_b):
        if ref.application not in specs:
            raise BundleError(f'application {go_quote(ref.application)} not found')
    if ref_a.application == ref_b.application:
        raise BundleError(f'relation {go_list([a, b])} relates an application to itself')

    def relatable(ref: Ref) -> charmspec.Endpoint | None:
        endpoint = specs[ref.application].get(ref.endpoint)
        return endpoint if endpoint is not None and endpoint.role != 'peer' else None

    def undefined(ref: Ref, other: Ref) -> str:
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

    def possible(ref: Ref) -> list[charmspec.Endpoint]:
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
    return _pair(Ref(ref_a.application, x.name), x, Ref(ref_b.application, y.name), y)


def _pair(
    ref_a: Ref, ep_a: charmspec.Endpoint, ref_b: Ref, ep_b: charmspec.Endpoint
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

"""Offer files: the simulated remote side of a cross-model relation (a bundle's ``saas``).

See the package docstring for the file's format; :func:`load_offer` checks it with Juju's
offer URL rule (``validateOfferURL``) and Juju's secret key rule.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Literal

import pydantic
import yaml
from pydantic import ConfigDict, Field
from pydantic_core import ErrorDetails

from .. import charmspec, yamlread
from .._go import go_quote
from ..nearest import did_you_mean
from ._decode import to_plain
from ._errors import BundleError
from ._names import APP_RE, MODEL_NAME_RE, RELATION_RE, SECRET_KEY_RE, SECRET_REF_RE, UNIT_RE
from ._yaml import PositionLoader


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

        return SECRET_REF_RE.sub(swap, value)


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


def _keys(model: type[pydantic.BaseModel]) -> tuple[str, ...]:
    """A file model's keys as the file spells them (``relation-data``)."""
    return tuple(field.alias or name for name, field in model.model_fields.items())


def _expected_keys(loc: tuple[int | str, ...]) -> tuple[str, ...]:
    """The keys allowed where pydantic found an unknown one (``loc`` ends with that key)."""
    if len(loc) == 1:
        return _keys(_OfferFileModel)
    if len(loc) == 3 and loc[0] == 'endpoints':
        return _keys(_OfferEndpointModel)
    if len(loc) == 3 and loc[0] == 'relation-data':
        return _keys(_RelationDataModel)
    return ()


def _problem(detail: ErrorDetails) -> str:
    """One pydantic error as ``field: message``; an unknown key names the nearest known one."""
    loc = detail['loc']
    where = '.'.join(str(part) for part in loc) or '(top level)'
    if detail['type'] == 'extra_forbidden':
        expected = _expected_keys(loc)
        hint = did_you_mean(str(loc[-1]), expected)
        return f'{where}: unknown field' + (
            hint or (f'; expected one of {", ".join(expected)}' if expected else '')
        )
    return f'{where}: {detail["msg"]}'


def offer_url_problem(url: str) -> str | None:
    """Juju's ``validateOfferURL``: None if ``[<ctl>:][<qualifier>/]<model>.<app>`` is ok."""
    parts = url.split(':')
    rest = url
    if len(parts) == 3:
        rest = f'{parts[1]}:{parts[2]}'
    elif len(parts) == 2 and not RELATION_RE.fullmatch(parts[1]):
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
    if not MODEL_NAME_RE.fullmatch(model):
        return f'model name {go_quote(model)} not valid'
    app_name = application.split(':')[0]
    if not APP_RE.fullmatch(app_name):
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
        raw: object = yamlread.load(text, PositionLoader)
    except yaml.YAMLError as error:
        raise BundleError(f'not valid YAML: {yamlread.describe(error)}', file) from None
    try:
        model = _OfferFileModel.model_validate(to_plain(raw))
    except pydantic.ValidationError as error:
        # An unknown key first: a typo'd ``interfce`` is why ``interface`` is missing.
        details = sorted(
            error.errors(include_url=False), key=lambda d: d['type'] != 'extra_forbidden'
        )
        problems = [_problem(detail) for detail in details]
        raise BundleError(problems, file) from None
    problems: list[str] = []
    url_problem = offer_url_problem(model.url)
    if url_problem is not None:
        problems.append(f'url: {url_problem}')
    endpoints: dict[str, charmspec.Endpoint] = {}
    for ep_name, ep in model.endpoints.items():
        if not RELATION_RE.fullmatch(ep_name):
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
            if not SECRET_KEY_RE.fullmatch(key)
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
            found = UNIT_RE.fullmatch(unit)
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
                    for label in SECRET_REF_RE.findall(value)
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

"""What every metal interface shares: databag models, reading with reasons, leader-only writes.

The rules are charmlibs': no mandatory top-level field (an empty databag parses, absence is
None), a field's type never changes, a removed name is never reused, and credentials travel only
as Juju secret ids. Every value on the wire is JSON, as ``ops.Relation.save`` writes it.

Reading remote data never raises into the charm: a malformed databag becomes a
:class:`DatabagError` naming the field, which the endpoint reports as a Blocked status through
collect-status, and the typed getter answers None as if the data were not there yet.
"""

# pyright: strict

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Mapping
from typing import Annotated, Any, TypeVar, cast

import ops
import pydantic

__all__ = [
    'Databag',
    'DatabagError',
    'Endpoint',
    'SecretId',
    'dump',
    'kebab',
    'load',
    'load_by_content',
    'owned_secret_id',
    'same_secret',
    'was_ready',
]

logger = logging.getLogger(__name__)

_SECRET_ID = re.compile(r'^secret:(//[^/\s]+/)?[0-9a-z]+$')


def _secret_id(value: str) -> str:
    if not _SECRET_ID.match(value):
        # The value is not quoted: a misplaced credential would end up in a status message.
        raise ValueError('must be a Juju secret id (secret:...)')
    return value


SecretId = Annotated[str, pydantic.AfterValidator(_secret_id)]
"""A Juju secret id: the only form a credential may take in a databag."""


class Databag(pydantic.BaseModel):
    """Base of every databag model.

    Every field of a subclass must have a default (None for "not there yet"); unknown keys are
    ignored so that a newer peer's extra fields never break an older charm.
    """

    model_config = pydantic.ConfigDict(frozen=True, extra='ignore', populate_by_name=True)


class DatabagError(Exception):
    """Remote data that does not fit the interface's model.

    Attributes:
        field: the databag key at fault (its wire name).
        reason: what is wrong with it.
    """

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f'field "{field}": {reason}')
        self.field = field
        self.reason = reason


_M = TypeVar('_M', bound=Databag)


def load(model: type[_M], data: Mapping[str, str]) -> _M:
    """Decode a databag into ``model``.

    Raises:
        DatabagError: naming the first field that is not JSON or not valid for the model.
    """
    decoded: dict[str, Any] = {}
    names = {(f.alias or name): name for name, f in model.model_fields.items()}
    for key, raw in data.items():
        if key not in names or raw == '':
            continue
        try:
            decoded[key] = json.loads(raw)
        except json.JSONDecodeError:
            # Not quoted, for the same reason: the raw value may be a credential.
            raise DatabagError(key, f'is not JSON ({len(raw)} characters)') from None
    try:
        return model.model_validate(decoded)
    except pydantic.ValidationError as e:
        first = e.errors()[0]
        where = '.'.join(str(part) for part in first['loc'])
        key = where.split('.', 1)[0]
        detail = f' ({where})' if where != key else ''
        raise DatabagError(key, f'{first["msg"]}{detail}') from None


def dump(model: Databag) -> dict[str, str]:
    """Encode a model for ``relation.data[...].update()``: JSON values, '' deletes a None field."""
    out: dict[str, str] = {}
    values = model.model_dump(mode='json', by_alias=True)
    for key, value in values.items():
        out[key] = '' if value is None else json.dumps(value, sort_keys=True)
    return out


def kebab(name: str) -> str:
    """Wire names are kebab-case, as Juju's own keys are; Python names stay snake_case."""
    return name.replace('_', '-')


def same_secret(a: str, b: str) -> bool:
    """Whether two ids name one secret, with or without the model prefix (ids are unique)."""

    def short(secret_id: str) -> str:
        return secret_id.rsplit('/', 1)[-1].removeprefix('secret:')

    return short(a) == short(b)


def owned_secret_id(secret: ops.Secret) -> str:
    """An owned secret's id, asking Juju when ops does not know it yet (lookup by label)."""
    secret_id = secret.id or secret.get_info().id
    assert secret_id is not None  # an owner always learns the id from secret-info-get
    return secret_id


def was_ready(model: type[Databag], fingerprint: str | None) -> bool:
    """Whether data remembered as its JSON fingerprint had ``is_ready`` true."""
    if fingerprint is None:
        return False
    try:
        value = load(model, json.loads(fingerprint))
    except (DatabagError, ValueError):
        return False
    return bool(getattr(value, 'is_ready', False))


@functools.lru_cache(maxsize=8192)
def load_by_content(model: type[_M], items: tuple[tuple[str, str], ...]) -> _M:
    """:func:`load` of a databag given as its items, remembered by its content.

    Under Juju each hook is a process of its own and this saves nothing; where one process runs
    many hooks (olm, a test) a leader that reads N workers' databags in each of its hooks
    validates only the ones that changed. The models are frozen, and nothing here changes the
    containers inside them (callers copy before they edit). A databag that does not fit is not
    remembered (the error is raised afresh each time).
    """
    return load(model, dict(items))


class Endpoint(ops.Object):
    """One side of an interface on one charm endpoint.

    Subclasses read remote databags through :meth:`_read`, which records problems instead of
    raising, and the endpoint turns those problems into statuses at collect-status time.

    Args:
        charm: the charm that owns the endpoint.
        endpoint: the endpoint name in the charm's metadata.
    """

    def __init__(self, charm: ops.CharmBase, endpoint: str) -> None:
        super().__init__(charm, endpoint)
        self.charm = charm
        self.endpoint = endpoint
        self._problems: dict[tuple[int, str], str] = {}
        # A remote databag cannot change during a hook, and a charm instance lives for one
        # hook: parse each once. A leader reconciling N units otherwise parses them all again
        # in every pass (workers, tokens, the status scan), which is O(N) pydantic work each.
        self._remote: dict[tuple[type[Databag], int, str], Databag | None] = {}
        self.framework.observe(charm.on.collect_unit_status, self._on_collect_unit_status)

    @property
    def relations(self) -> list[ops.Relation]:
        """The relations on this endpoint, established ones only."""
        return [r for r in self.model.relations[self.endpoint] if r.active]

    @property
    def is_leader(self) -> bool:
        """Whether this unit may write application data."""
        return self.model.unit.is_leader()

    def _read(
        self, model: type[_M], relation: ops.Relation, entity: ops.Application | ops.Unit
    ) -> _M | None:
        """The entity's databag as ``model``, or None (with a recorded problem) if malformed.

        A remote entity's databag is parsed once per hook (it cannot change during one); this
        unit's and this application's are read afresh, since the charm writes them.
        """
        key = (relation.id, entity.name)
        remote = entity not in (self.model.unit, self.model.app)
        if remote and (model, *key) in self._remote:
            return cast('_M | None', self._remote[model, *key])
        try:
            if remote:
                value = load_by_content(model, tuple(relation.data[entity].items()))
            else:
                value = load(model, relation.data[entity])
        except DatabagError as e:
            which = 'application' if isinstance(entity, ops.Application) else 'unit'
            self._problems[key] = f'{self.endpoint}: {which} {entity.name} data {e}'
            logger.warning('%s', self._problems[key])
            value = None
        else:
            self._problems.pop(key, None)
        if remote:
            self._remote[model, *key] = value
        return value

    def _write_app(self, relation: ops.Relation, value: Databag) -> bool:
        """Write this application's databag; only the leader may, others write nothing."""
        if not self.is_leader:
            logger.debug('not the leader: application data on %s left alone', self.endpoint)
            return False
        relation.data[self.model.app].update(dump(value))
        return True

    def _write_unit(self, relation: ops.Relation, value: Databag) -> None:
        """Write this unit's databag."""
        relation.data[self.model.unit].update(dump(value))

    def _status_problems(self) -> list[ops.StatusBase]:
        """Statuses this endpoint wants shown; subclasses may add waiting ones."""
        self._scan()
        return [ops.BlockedStatus(text) for text in sorted(self._problems.values())]

    def _scan(self) -> None:
        """Read every remote databag once so problems are current; subclasses implement."""

    def _on_collect_unit_status(self, event: ops.CollectStatusEvent) -> None:
        for status in self._status_problems():
            event.add_status(status)

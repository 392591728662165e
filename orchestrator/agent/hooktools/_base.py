"""What every hook tool shares: the hook's context, one call's streams, relation ids, secret URIs.

The context a tool answers from is the unit's view during the hook: Scenario's
``_MockModelBackend`` on the hook's output ``State`` (it records what the tool changes) and the
few facts Scenario does not model (addresses, goal state, leader settings, charm state).

Upstream sources (juju/juju, ``internal/worker/uniter/runner/jujuc/`` unless named otherwise;
each file at the commit the index holds, quoted where used):

- ``context.go`` (commit 12baae6dd54d): ``NewRelationIdValue`` defaults ``-r`` to the hook's
  relation; its ``Set`` takes the number after the last ``:`` (``strconv.Atoi``; else
  ``invalid relation id``) and looks the relation up;
- ``internal/worker/uniter/runner/context/context.go`` (commit b97f4ce342f6): an unknown
  relation is ``errors.NotFoundf("relation")``, ``relation not found``; a unit that is not the
  leader doing a leader's work gets ``ErrIsNotLeader``, ``this unit is not the leader``;
- ``core/secrets/secret.go`` (commit 70e51d399f30): ``ParseURI`` accepts ``secret:<id>``,
  ``secret://<uuid>/<id>`` or a bare ``<id>`` of 20 characters ``[0-9a-z]``, else
  ``secret URI "x" not valid``.
"""

# pyright: strict
# pyright: reportPrivateUsage=false

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, cast
from urllib.parse import urlsplit

import yaml
from ops import testing
from yaml.nodes import MappingNode, ScalarNode

from ...juju import yamlread
from ._errors import ToolError, UsageError
from ._flags import FlagSet, go_atoi, go_quote

__all__ = [
    'IS_NOT_LEADER',
    'Call',
    'RelationFlag',
    'ToolContext',
    'ToolFn',
    'ToolResult',
    'as_list',
    'as_map',
    'check_empty',
    'emit',
    'parse_secret_uri',
    'read_settings',
    'relation_by_id',
    'relation_not_found',
    'remote_app_of',
]

IS_NOT_LEADER: Final = 'this unit is not the leader'


@dataclasses.dataclass(kw_only=True)
class ToolContext:
    """The unit's view of the model during one hook: what every tool call of the hook reads.

    ``backend`` is Scenario's ``_MockModelBackend`` on ``state`` (the hook's output state,
    which the backend writes into); the other fields are what Scenario does not model. The
    mutable ones (``leader_settings``, ``charm_state``, ``reboot``) are written by the tools;
    the runner reads them back after the hook. ``read_file`` reads a path the charm names on a
    command line (``--file PATH``, ``key#file=PATH``) as the charm's machine has it (Juju's unit
    agent reads the unit's machine); ``None``: there is none, every such file is missing.
    """

    backend: Any
    state: testing.State
    unit_name: str
    private_address: str
    public_address: str
    goal_state: Mapping[str, Any]
    leader_settings: dict[str, str]
    charm_state: dict[str, str]
    env: Mapping[str, str]
    reboot: str | None = None
    read_file: Callable[[str], bytes] | None = None

    @property
    def app_name(self) -> str:
        """The unit's application."""
        return self.unit_name.split('/')[0]


@dataclasses.dataclass(frozen=True, slots=True)
class ToolResult:
    """What the tool's process would have ended with: its exit status and its two streams."""

    returncode: int
    stdout: bytes
    stderr: bytes


class Call:
    """One run of one tool: its context, its stdin and the output it has written so far."""

    def __init__(self, name: str, ctx: ToolContext, stdin: bytes) -> None:
        self.name = name
        self.ctx = ctx
        self.stdin = stdin
        self.stdout = bytearray()
        self.stderr = bytearray()

    def write(self, data: bytes) -> None:
        """Append to stdout."""
        self.stdout += data

    def read_path(self, path: str) -> bytes:
        """The bytes of ``path`` as the charm's machine has them (juju/cmd ``FileVar.Read``)."""
        if self.ctx.read_file is None:
            # No machine to read from: never this computer's files (olm's confinement).
            raise FileNotFoundError(2, 'No such file or directory', path)
        return self.ctx.read_file(path)

    def deprecated_format(self, flags: FlagSet) -> None:
        """The note some tools print for ``--format`` (without a newline, as Juju writes it)."""
        if flags.get_str('format'):
            self.stderr += f'--format flag deprecated for command {go_quote(self.name)}'.encode()


def relation_not_found() -> ToolError:
    return ToolError('relation not found')


class RelationFlag:
    """``-r``/``--relation``: jujuc's ``relationIdValue``, defaulted to the hook's relation."""

    def __init__(self, call: Call, flags: FlagSet) -> None:
        self._call = call
        self.id = -1
        hook_relation = call.ctx.env.get('JUJU_RELATION_ID', '')
        if hook_relation:
            try:
                rid = int(hook_relation.rpartition(':')[2])
            except ValueError:
                rid = -1
            if rid >= 0 and self._exists(rid):
                self.id = rid
        flags.var('r', 'relation', setter=self._set)

    def _exists(self, rid: int) -> bool:
        return any(r.id == rid for r in self._call.ctx.state.relations)

    def _set(self, value: str) -> None:
        tail = value.rpartition(':')[2]
        try:
            rid = go_atoi(tail)
        except ValueError:
            raise ValueError('invalid relation id') from None
        if not self._exists(rid):
            raise ValueError('relation not found')
        self.id = rid

    def require(self) -> None:
        """Refuse a run without a relation (no ``-r`` and no ``JUJU_RELATION_ID``)."""
        if self.id == -1:
            raise UsageError('no relation id specified')

    def relation(self) -> Any:
        """The Scenario relation with this id."""
        for r in self._call.ctx.state.relations:
            if r.id == self.id:
                return r
        raise relation_not_found()


def relation_by_id(ctx: ToolContext, rid: int) -> Any:
    for r in ctx.state.relations:
        if r.id == rid:
            return r
    raise relation_not_found()


def remote_app_of(ctx: ToolContext, relation: Any) -> str:
    """The application at the other end (the unit's own for a peer relation)."""
    if isinstance(relation, testing.PeerRelation):
        return ctx.app_name
    return str(relation.remote_app_name)


_SECRET_ID: Final = re.compile(
    r'^(([a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})/)?([0-9a-z]{20})$'
)
_UUID: Final = re.compile(r'[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}')


def parse_secret_uri(text: str) -> str:
    """``secrets.ParseURI``: the secret's bare ID, or ValueError with Juju's message.

    Deviation: Juju then decodes the ID as an ``xid`` (base32hex, ``[0-9a-v]``); Scenario makes
    IDs from ``[a-z0-9]``, so that check is not made.
    """
    invalid = ValueError(f'secret URI {go_quote(text)} not valid')
    parts = urlsplit(text)
    scheme = parts.scheme
    if scheme and scheme != 'secret':
        raise ValueError(f'secret URI scheme {go_quote(scheme)} not valid')
    host = parts.netloc
    if host and not _UUID.search(host):
        raise ValueError(f'host controller UUID {go_quote(host)} not valid')
    ident = parts.path.lstrip('/')
    if not ident and scheme:
        ident = text.split(':', 1)[1]
    match = _SECRET_ID.match(ident)
    if match is None:
        raise invalid
    return match.group(3)


ToolFn = Callable[[Call, list[str]], None]


def check_empty(args: Sequence[str]) -> None:
    """juju/cmd ``CheckEmpty``: ``unrecognized args: ["a" "b"]`` (Go's ``%q`` of a slice)."""
    if args:
        raise UsageError(f'unrecognized args: [{" ".join(go_quote(a) for a in args)}]')


def emit(call: Call, out: Any, value: object) -> None:
    """``c.out.Write(ctx, value)``: format ``value`` onto stdout.

    Deviation: ``-o``/``--output`` would have Juju write the file on the unit's machine; olm's
    tools have no way to write there, so they refuse (olm's own message, not Juju's).
    """
    if out.path:
        raise ToolError('olm: the --output flag of hook tools is not supported')
    call.write(out.format(value))


_NULLS: Final = frozenset({'', '~', 'null', 'Null', 'NULL'})


def _short_tag(node: Any) -> str:
    tag = str(node.tag)
    prefix = 'tag:yaml.org,2002:'
    return '!!' + tag[len(prefix) :] if tag.startswith(prefix) else tag


def _terror(node: Any, into: str) -> str:
    """yaml.v2 ``decoder.terror`` (go-yaml/yaml ``decode.go``, tag v2.4.0)."""
    value = ''
    if isinstance(node, ScalarNode):
        text = str(node.value)
        value = f' `{text[:7]}...`' if len(text) > 10 else f' `{text}`'
    return (
        f'line {node.start_mark.line + 1}: cannot unmarshal {_short_tag(node)}{value} into {into}'
    )


def read_settings(data: bytes) -> dict[str, str]:
    """Jujuc ``readSettings``: ``yaml.Unmarshal`` into a ``map[string]string``.

    As yaml.v2 decodes into a string (``decode.go`` ``scalar``, tag v2.4.0): a plain null
    (``~``, ``null``, empty) is ``""``, any other scalar its text as written; a mapping or
    sequence is a type error, reported as yaml.v2 words it. Deviation: a YAML syntax error is
    reported in PyYAML's words, not yaml.v2's.
    """
    try:
        node: Any = yamlread.compose(data.decode())
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ToolError(f'yaml: {e}') from None
    if node is None:
        return {}
    if not isinstance(node, MappingNode):
        raise ToolError('yaml: unmarshal errors:\n  ' + _terror(node, 'map[string]string'))
    out: dict[str, str] = {}
    errors: list[str] = []
    for key_node, value_node in node.value:
        key = _scalar_text(key_node)
        if key is None:
            errors.append(_terror(key_node, 'string'))
            continue
        value = _scalar_text(value_node)
        if value is None:
            errors.append(_terror(value_node, 'string'))
            continue
        out[key] = value
    if errors:
        raise ToolError('yaml: unmarshal errors:\n  ' + '\n  '.join(errors))
    return out


def _scalar_text(node: Any) -> str | None:
    if not isinstance(node, ScalarNode):
        return None
    text = str(node.value)
    if not node.style and text in _NULLS:  # plain: None from PyYAML, '' from libyaml
        return ''
    return text


def as_map(value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping (of untyped data from Scenario or the runner), else empty."""
    if isinstance(value, Mapping):
        return cast('Mapping[str, Any]', value)
    return {}


def as_list(value: object) -> list[Any]:
    """``value`` as a list if it is a list or tuple, else empty."""
    if isinstance(value, (list, tuple)):
        return list(cast('Sequence[Any]', value))
    return []

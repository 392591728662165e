# pyright: strict
"""Juju's constraint language, and its translation into a MAAS allocate request.

The orchestrator accepts the same ``key=value`` strings a Juju user types
(``juju deploy --constraints "mem=6G cores=2"``) so that bundles, docs and habits carry
over unchanged. This module therefore copies the behaviour of juju/juju
``core/constraints/constraints.go`` (``Parse``, ``String``, the setters) down to its
error texts, and of the MAAS provider's ``convertConstraints`` for the request body.

Deliberate differences from Juju, each because Go's behaviour there is undefined or
not wanted:

* ``nested-virtualization`` exists only in some Juju revisions; it is not modelled
  here, so it is an ``unknown constraint`` (as in juju/juju b58d5f9d).
* Sizes that are infinite, NaN or larger than a ``uint64`` are rejected with the size
  error; Go would convert them to an implementation-defined integer.
* An empty item in ``tags`` or ``zones`` (``tags=^``, ``tags=a,,b``, ``zones=,``) is refused
  (``bad "tags" constraint: "" is not a valid tag name``), as Juju refuses an empty space
  name. Juju accepts it: its MAAS provider drops an empty or lone ``^`` tag
  (``provider/maas/constraints.go`` ``parseDelimitedValues``, whose comment says such names
  "are not allowed" and "should not happen in practise"), so ``tags=^`` asks for nothing,
  and an empty zone fails provisioning later (``suitable availability zone for machine 0 not
  found``).
* ``merge`` models the MAAS provider's validator only: MAAS registers no conflicting
  keys, so it is a plain per-key overlay; unsupported keys are warned about, never
  rejected.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias

from ._go import GO_FALSE, GO_TRUE, go_quote

__all__ = [
    'MAAS_UNSUPPORTED',
    'SUPPORTED_ARCHES',
    'Constraints',
    'ConstraintsError',
    'merge',
    'parse',
]

logger = logging.getLogger(__name__)

SUPPORTED_ARCHES: Final = ('amd64', 'arm64', 'ppc64el', 's390x', 'riscv64')
"""Juju's ``arch.AllSupportedArches``; anything else is refused at parse time."""

MAAS_UNSUPPORTED: Final = ('cpu-power', 'instance-type', 'virt-type', 'allocate-public-ip')
"""Keys Juju's MAAS provider registers as unsupported: accepted, warned about, ignored."""

_KEYS: Final = (
    'arch',
    'container',
    'cores',
    'cpu-power',
    'instance-role',
    'instance-type',
    'mem',
    'root-disk',
    'root-disk-source',
    'tags',
    'spaces',
    'virt-type',
    'zones',
    'allocate-public-ip',
    'image-id',
)
"""Every key in Juju's canonical ``String()`` order, which ``keys()`` and ``__str__`` share."""

_ALIASES: Final = {'cpu-cores': 'cores'}
"""Juju's ``rawAliases``: rewritten before setting, so errors name the canonical key."""

_SIZE_KEYS: Final = frozenset({'mem', 'root-disk'})
"""Keys rendered with an ``M`` suffix because they hold MiB."""

_SIZE_SUFFIXES: Final = {'M': 1.0, 'G': 1024.0, 'T': 1024.0**2, 'P': 1024.0**3}
"""Juju's ``mbSuffixes``: multipliers from the suffix to MiB (case-sensitive)."""

_CONTAINER_TYPES: Final = ('lxd', 'none')
"""``instance.ContainerTypes`` plus ``none`` (``ParseContainerTypeOrNone``), Juju 3.x."""

_UINT64_MAX: Final = 2**64 - 1

_SPACE_NAME: Final = re.compile(r'[a-z0-9]+(?:-[a-z0-9]+)*')
"""juju/names ``IsValidSpace``; used with ``fullmatch`` because Go's ``$`` has no newline slack."""

_GO_UINT: Final = re.compile(r'[0-9]+')
"""What ``strconv.ParseUint(s, 10, 64)`` accepts, before the range check (ASCII digits only)."""

_GO_DECIMAL_FLOAT: Final = re.compile(r'[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?')
_GO_HEX_FLOAT: Final = re.compile(
    r'[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+'
)
"""Finite literals ``strconv.ParseFloat`` accepts once underscores are vetted and removed;
Python's ``float()`` is more lenient (surrounding whitespace), so input is matched first."""

_GO_WHITESPACE: Final = (
    '\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008'
    '\u2009\u200a\u2028\u2029\u202f\u205f\u3000'
)
"""``unicode.IsSpace`` as used by Go's ``strings.TrimSpace``; ``str.strip()`` differs."""

_ESCAPED_SPACE: Final = '\\ '
_PLACEHOLDER: Final = '\x00'
"""Juju swaps ``\\ `` for a NUL byte so the split on spaces leaves escaped spaces alone."""

_SIZE_ERROR: Final = 'must be a non-negative float with optional M/G/T/P suffix'
_UINT_ERROR: Final = 'must be a non-negative integer'
_BOOL_ERROR: Final = "must be 'true' or 'false'"

_Value: TypeAlias = str | int | bool | tuple[str, ...] | None


class ConstraintsError(ValueError):
    """A constraint string Juju would refuse; the message is exactly Juju's text.

    It subclasses ``ValueError`` so callers that only care about "bad input" need not
    import this module, while the CLI can still print Juju's wording verbatim.
    """


class _InvalidValueError(Exception):
    """A setter's complaint, before ``parse`` wraps it as ``bad "<key>" constraint: ...``."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Constraints:
    """One Juju ``constraints.Value``: immutable, so it can be shared and hashed safely.

    ``None`` means the key is absent. A present-but-empty value (``''``, ``0``, ``()``)
    is "unset" for matching purposes but still overrides an inherited value in
    ``merge``, exactly like Juju's non-nil pointer to a zero value.

    Attributes:
        arch: machine architecture, one of ``SUPPORTED_ARCHES`` or ``''``.
        container: ``'lxd'``, ``'none'`` or ``''``.
        cores: minimum CPU cores (``cores`` / ``cpu-cores``).
        cpu_power: minimum CPU power; unsupported on MAAS.
        instance_role: cloud instance profile; ignored on MAAS.
        instance_type: cloud instance type; unsupported on MAAS.
        mem: minimum memory in MiB.
        root_disk: minimum root disk in MiB.
        root_disk_source: provider-specific root disk source; ignored on MAAS.
        tags: raw tag items; ``'^x'`` means the machine must not carry ``x``.
        spaces: raw space names; ``'^x'`` means the machine must not be in ``x``.
        virt_type: virtualisation type; unsupported on MAAS.
        zones: availability zones the machine may land in.
        allocate_public_ip: whether to allocate a public address; unsupported on MAAS.
        image_id: image to deploy; MAAS uses it as the deploy ``distro_series``.
    """

    arch: str | None = None
    container: str | None = None
    cores: int | None = None
    cpu_power: int | None = None
    instance_role: str | None = None
    instance_type: str | None = None
    mem: int | None = None
    root_disk: int | None = None
    root_disk_source: str | None = None
    tags: tuple[str, ...] | None = None
    spaces: tuple[str, ...] | None = None
    virt_type: str | None = None
    zones: tuple[str, ...] | None = None
    allocate_public_ip: bool | None = None
    image_id: str | None = None

    def items(self) -> tuple[tuple[str, _Value], ...]:
        """Every Juju key with its value (None when absent), in canonical order."""
        return (
            ('arch', self.arch),
            ('container', self.container),
            ('cores', self.cores),
            ('cpu-power', self.cpu_power),
            ('instance-role', self.instance_role),
            ('instance-type', self.instance_type),
            ('mem', self.mem),
            ('root-disk', self.root_disk),
            ('root-disk-source', self.root_disk_source),
            ('tags', self.tags),
            ('spaces', self.spaces),
            ('virt-type', self.virt_type),
            ('zones', self.zones),
            ('allocate-public-ip', self.allocate_public_ip),
            ('image-id', self.image_id),
        )

    def __str__(self) -> str:
        r"""Render Juju's canonical ``String()`` form, which ``parse`` reads back.

        Zero numbers render as ``key=`` (Juju's ``uintStr``), sizes carry an ``M``
        suffix, lists are comma-joined and spaces are escaped as ``\ ``.

        ``parse(str(c)) == c`` holds for every value ``parse`` produces, with one
        exception inherited from Juju's grammar, which has no escape for a backslash:
        a value ending in ``\`` that is followed by another key would swallow the
        separating space (and the next key) when read back.
        """
        tokens: list[str] = []
        for key, value in self.items():
            if value is None:
                continue
            tokens.append(f'{key}={_render(key, value)}'.replace(' ', _ESCAPED_SPACE))
        return ' '.join(tokens)

    def keys(self) -> tuple[str, ...]:
        """Return the present keys (Juju names, canonical order), empty values included."""
        return tuple(key for key, value in self.items() if value is not None)

    @property
    def positive_tags(self) -> tuple[str, ...]:
        """Tags the machine must carry (empty items dropped, as MAAS never sees them)."""
        return _split_signed(self.tags)[0]

    @property
    def negative_tags(self) -> tuple[str, ...]:
        """Tags the machine must not carry, without the ``^``."""
        return _split_signed(self.tags)[1]

    @property
    def positive_spaces(self) -> tuple[str, ...]:
        """Spaces the machine must be connected to."""
        return _split_signed(self.spaces)[0]

    @property
    def negative_spaces(self) -> tuple[str, ...]:
        """Spaces the machine must not be connected to, without the ``^``."""
        return _split_signed(self.spaces)[1]

    def unsupported_on_maas(self) -> tuple[str, ...]:
        """Return the present keys MAAS ignores, so callers can warn as Juju does."""
        return tuple(key for key in self.keys() if key in MAAS_UNSUPPORTED)

    def to_maas_params(self) -> dict[str, list[str]]:
        """Build the ``machines?op=allocate`` form fields Juju's MAAS provider would send.

        Mirrors ``convertConstraints`` plus gomaasapi, which omits zero values: only
        present, non-empty keys are sent, in the order arch, cpu_count, mem, tags,
        not_tags, zone, storage. Every value is a list because MAAS form fields are
        multi-valued (one repeated parameter per tag).

        Not sent: the MAAS-unsupported keys, ``container`` (Juju-side: an LXD container
        on a host), ``image-id`` (a deploy ``distro_series``, not an allocate filter),
        ``instance-role`` and ``root-disk-source`` (ignored on MAAS), and ``spaces``:
        Juju sends those as ``interfaces``/``not_subnets`` keyed by MAAS space ids,
        which only the caller holding the MAAS space list can resolve.

        Unlike Juju, which has the provisioner pick one zone per attempt, ``zones`` is
        passed whole as ``zone``: MAAS accepts a set and picks a machine in any of them.
        Root disk goes out as ``storage=root:<GiB rounded up>`` as in ``addStorage``.
        """
        params: dict[str, list[str]] = {}
        if self.arch:
            params['arch'] = [self.arch]
        if self.cores:
            params['cpu_count'] = [str(self.cores)]
        if self.mem:
            params['mem'] = [str(self.mem)]
        positives, negatives = _split_signed(self.tags)
        if positives:
            params['tags'] = list(positives)
        if negatives:
            params['not_tags'] = list(negatives)
        zones = [zone for zone in self.zones or () if zone]
        if zones:
            params['zone'] = zones
        if self.root_disk:
            params['storage'] = [f'root:{math.ceil(self.root_disk / 1024)}']
        return params


def _parse_arch(text: str) -> str:
    if text and text not in SUPPORTED_ARCHES:
        raise _InvalidValueError(f'{go_quote(text)} not recognized')
    return text


def _parse_container(text: str) -> str:
    if text and text not in _CONTAINER_TYPES:
        raise _InvalidValueError(f'invalid container type {go_quote(text)}')
    return text


def _parse_spaces(text: str) -> tuple[str, ...]:
    spaces = _split_commas(text)
    for name in spaces:
        bare = name.removeprefix('^')
        if not _SPACE_NAME.fullmatch(bare):
            raise _InvalidValueError(f'{go_quote(bare)} is not a valid space name')
    return spaces


def _parse_tags(text: str) -> tuple[str, ...]:
    """``tags``: a comma list, ``^`` negating an item; no item may name nothing."""
    tags = _split_commas(text)
    if '' in tags or '^' in tags:
        raise _InvalidValueError('"" is not a valid tag name')
    return tags


def _parse_zones(text: str) -> tuple[str, ...]:
    """``zones``: a comma list of zone names, none of them empty."""
    zones = _split_commas(text)
    if '' in zones:
        raise _InvalidValueError('"" is not a valid zone name')
    return zones


def _parse_text(text: str) -> str:
    return text


def parse(*texts: str) -> Constraints:
    r"""Parse Juju constraint strings the way ``constraints.Parse`` does.

    All texts fill one value, so a key repeated across texts is an error just as
    within one text. Each text is split on single spaces (``\ `` escapes a space in a
    value); empty tokens are skipped.

    Args:
        texts: strings of ``key=value`` tokens, e.g. ``'mem=6G cores=2'``.

    Returns:
        The parsed constraints; keys not mentioned are ``None``.

    Raises:
        ConstraintsError: with Juju's message, e.g. ``malformed constraint "x"``,
            ``unknown constraint "x"`` or ``bad "mem" constraint: already set``.
    """
    values: dict[str, Any] = {}
    for text in texts:
        guarded = text.replace(_ESCAPED_SPACE, _PLACEHOLDER)
        for raw in guarded.strip(_GO_WHITESPACE).split(' '):
            token = raw.replace(_PLACEHOLDER, ' ').strip(_GO_WHITESPACE)
            if not token:
                continue
            name, sep, value = token.partition('=')
            if not sep or not name:
                raise ConstraintsError(f'malformed constraint {go_quote(token)}')
            key = _ALIASES.get(name, name)
            parse_value = _VALUE_PARSERS.get(key)
            if parse_value is None:
                raise ConstraintsError(f'unknown constraint {go_quote(key)}')
            if key == 'allocate-public-ip' and not value:
                continue  # Juju returns before its already-set check: a no-op.
            field = key.replace('-', '_')
            try:
                if field in values:
                    raise _InvalidValueError('already set')
                values[field] = parse_value(value)
            except _InvalidValueError as exc:
                raise ConstraintsError(f'bad {go_quote(key)} constraint: {exc}') from None
    return Constraints(**values)


def merge(model: Constraints, application: Constraints) -> Constraints:
    """Overlay application constraints on model constraints, as Juju resolves a unit's.

    Per key the application wins whenever it is present, even with an empty value
    (``mem=`` clears an inherited ``mem``). MAAS registers no conflicting keys, so
    nothing else is dropped. Keys MAAS does not support are logged once, never raised,
    matching Juju's validator.

    Args:
        model: the model constraints (the fallback).
        application: the application constraints.

    Returns:
        The effective constraints.
    """
    present = set(model.keys()) | set(application.keys())
    unsupported = [key for key in _KEYS if key in MAAS_UNSUPPORTED and key in present]
    if unsupported:
        logger.warning('unsupported constraints: %s', ','.join(unsupported))
    overrides = {
        key.replace('-', '_'): value for key, value in application.items() if value is not None
    }
    return dataclasses.replace(model, **overrides)


def _render(key: str, value: str | int | bool | tuple[str, ...]) -> str:
    """Render one value as Juju's ``String()`` does (before space escaping)."""
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, int):
        if value == 0:
            return ''
        return f'{value}M' if key in _SIZE_KEYS else str(value)
    if isinstance(value, tuple):
        return ','.join(value)
    return value


def _split_signed(items: tuple[str, ...] | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split raw items into (positives, negatives) like the MAAS ``parseDelimitedValues``.

    Empty names (``''`` or a bare ``'^'``) are skipped: they can name nothing.
    """
    positives: list[str] = []
    negatives: list[str] = []
    for item in items or ():
        if item in ('', '^'):
            continue
        if item.startswith('^'):
            negatives.append(item[1:])
        else:
            positives.append(item)
    return tuple(positives), tuple(negatives)


def _split_commas(text: str) -> tuple[str, ...]:
    """Split a list value; an empty value is a present empty list (``parseCommaDelimited``)."""
    return tuple(text.split(',')) if text else ()


def _parse_uint(text: str) -> int:
    """Parse like Go's ``strconv.ParseUint(text, 10, 64)``; empty means a present zero."""
    if not text:
        return 0
    if not _GO_UINT.fullmatch(text):
        raise _InvalidValueError(_UINT_ERROR)
    number = int(text)
    if number > _UINT64_MAX:
        raise _InvalidValueError(_UINT_ERROR)
    return number


def _parse_size(text: str) -> int:
    """Parse a size into MiB like Juju's ``parseSize``, rounding fractions up.

    A trailing ``M``/``G``/``T``/``P`` scales the float; no suffix means MiB. Empty
    means a present zero.
    """
    if not text:
        return 0
    multiplier = _SIZE_SUFFIXES.get(text[-1])
    number_text = text if multiplier is None else text[:-1]
    if '_' in number_text:
        if not _go_underscores_ok(number_text):
            raise _InvalidValueError(_SIZE_ERROR)
        number_text = number_text.replace('_', '')
    if _GO_DECIMAL_FLOAT.fullmatch(number_text):
        number = float(number_text)
    elif _GO_HEX_FLOAT.fullmatch(number_text):
        number = float.fromhex(number_text)
    else:
        raise _InvalidValueError(_SIZE_ERROR)
    scaled = number * (1.0 if multiplier is None else multiplier)
    # Go leaves the uint64 conversion of huge or infinite floats undefined; refuse them.
    if number < 0 or math.isinf(scaled) or scaled > _UINT64_MAX:
        raise _InvalidValueError(_SIZE_ERROR)
    return math.ceil(scaled)


def _go_underscores_ok(text: str) -> bool:
    """Port of Go's ``strconv.underscoreOK``: ``_`` only between digits (or after ``0x``).

    ``strconv.ParseFloat`` accepts ``1_024`` but not ``1__024``, ``_1`` or ``1_.5``.
    """
    body = text[1:] if text[:1] in ('+', '-') else text
    saw = '^'
    start = 0
    hexadecimal = False
    if len(body) >= 2 and body[0] == '0' and body[1].lower() in ('b', 'o', 'x'):
        start = 2
        saw = '0'
        hexadecimal = body[1].lower() == 'x'
    for char in body[start:]:
        if '0' <= char <= '9' or (hexadecimal and 'a' <= char.lower() <= 'f'):
            saw = '0'
        elif char == '_':
            if saw != '0':
                return False
            saw = '_'
        elif saw == '_':
            return False
        else:
            saw = '!'
    return saw != '_'


def _parse_bool(text: str) -> bool:
    """Parse like Go's ``strconv.ParseBool``, with Juju's error text."""
    if text in GO_TRUE:
        return True
    if text in GO_FALSE:
        return False
    raise _InvalidValueError(_BOOL_ERROR)


_VALUE_PARSERS: Final[Mapping[str, Callable[[str], object]]] = {
    'arch': _parse_arch,
    'container': _parse_container,
    'cores': _parse_uint,
    'cpu-power': _parse_uint,
    'instance-role': _parse_text,
    'instance-type': _parse_text,
    'mem': _parse_size,
    'root-disk': _parse_size,
    'root-disk-source': _parse_text,
    'tags': _parse_tags,
    'spaces': _parse_spaces,
    'virt-type': _parse_text,
    'zones': _parse_zones,
    'allocate-public-ip': _parse_bool,
    'image-id': _parse_text,
}
"""Each key's value parser, Juju's ``setRaw`` cases; an empty value is a present zero."""

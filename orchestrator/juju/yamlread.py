"""Reading YAML: the one loader every file and parameter olm reads goes through.

Every YAML olm reads — bundles, overlays, offer files, charm metadata, pool files, action
parameters, ``--params``/``--file`` files, model-config files, secret files and relation
settings handed to hook tools — is loaded by :class:`Loader` (or a subclass that keeps
positions, or composes one pool entry at a time), so all of them refuse the same inputs the
same way. Of the emulated programs under ``orchestrator/sim/programs``, the two that read YAML
model Go programs built on go-yaml (kubectl through sigs.k8s.io/yaml, k8s-snap's config through
yaml.v2), so they load through it too, keeping their own messages around go-yaml's words.

The rule that matters most is go-yaml's alias limit, which Juju inherits (Juju reads bundles,
``--params`` files and charm metadata with go-yaml). PyYAML shares an aliased node instead of
copying it, so a "billion laughs" document loads in microseconds into a few objects; but the
first thing that walks it (JSON, a copy, a comparison, ``str``) visits every expanded node and
grows memory without bound. go-yaml counts, as it decodes, every node it visits
(``decodeCount``) and the visits made inside an alias (``aliasCount``), and fails with
``document contains excessive aliasing`` once more than 100 alias visits and more than 1000
visits in all make aliases a larger share than ``allowedAliasRatio`` allows: 99% up to 400,000
visits, falling linearly to 10% at 4,000,000 (go-yaml/yaml ``decode.go``, ``allowedAliasRatio``
and ``decoder.unmarshal``, tag v2.4.0 — the rule came in v2.2.8, commit bb4e33b "Add logic to
catch cases of alias abuse", and v3 keeps it). An alias of a node inside itself fails with
``anchor '%s' value contains itself`` (``decoder.alias``, same tag).

:class:`AliasBudget` applies that rule without expanding anything: it walks the composed node
graph once, in document order, learns each node's expanded size when the node closes
(memoised: an alias costs one visit plus its target's size), and advances go-yaml's two counters
by whole aliases. Inside an alias every visit counts as both, so the aliasing share only rises
while the allowed share only falls: checking at the end of each alias is as exact as go-yaml's
check at every visit. Counting differs from go-yaml decoding into ``interface{}`` only in
that the ``<<`` merge key and a merged sequence count as nodes here (one visit each), and that
go-yaml decoding into a struct skips the fields the struct lacks; a few visits either way.

With the rule, what a document expands to is at most about a hundred times a small
document and a tenth more than a large one: memory follows the size of the file, which is the
user's to choose (issue 23 imports 100,000-machine pool files, read in chunks and a piece at a
time), so no file-size bound is set. The rule depends on the nodes visited, not on the text's
length, so a reader that never holds the whole text applies it exactly.
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, Protocol, cast

import yaml
from yaml.composer import ComposerError
from yaml.error import Mark
from yaml.nodes import MappingNode, Node, SequenceNode

if TYPE_CHECKING:  # the stubs type libyaml's loader loosely; it behaves as the pure one
    _BaseLoader = yaml.SafeLoader
else:
    _BaseLoader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

__all__ = [
    'ALIAS_RATIO_RANGE',
    'EXCESSIVE_ALIASING',
    'MAX_DEPTH',
    'TOO_DEEP',
    'AliasBudget',
    'AliasingError',
    'Loader',
    'Readable',
    'allowed_alias_ratio',
    'compose',
    'describe',
    'load',
    'load_all',
]

EXCESSIVE_ALIASING: Final = 'document contains excessive aliasing'
"""go-yaml's message (``decode.go`` ``decoder.unmarshal``, tag v2.4.0), which Juju prints."""

ALIAS_RATIO_RANGE: Final = (400_000, 4_000_000)
"""go-yaml's ``alias_ratio_range_low`` and ``alias_ratio_range_high`` (``decode.go``, v2.4.0)."""

_MIN_ALIASES: Final = 100
_MIN_DECODES: Final = 1000
"""Below these counts go-yaml never refuses (``aliasCount > 100 && decodeCount > 1000``)."""

MAX_DEPTH: Final = 100
"""How deep a document may nest, aliases expanded: olm's bound, where go-yaml's is 10,000
(``scannerc.go``, ``max_flow_level``/``max_indents``, tag v2.4.0) and libyaml's 1,000. What reads
a document in Python (the constructors, ``json``, the YAML emitter) recurses a few frames a
level under Python's limit of 1,000 frames, so a deeper document would end in a
``RecursionError``; no file olm reads nests past a dozen levels."""

TOO_DEEP: Final = f'exceeded max depth of {MAX_DEPTH}'
"""go-yaml's words (``scannerc.go``, tag v2.4.0) with olm's bound."""

_ANCHOR: Final = re.compile(r'&([^\s,\[\]{}]+)')


class AliasingError(ComposerError):
    """A document whose aliases expand too far, or an anchor used inside itself.

    A :class:`yaml.MarkedYAMLError`, so every reader's existing handling of YAML errors names
    the file; ``problem`` is go-yaml's text and, as go-yaml's, excessive aliasing has no mark.
    """

    def __init__(self, problem: str, mark: Mark | None = None) -> None:
        super().__init__(None, None, problem, mark)


def allowed_alias_ratio(decodes: int) -> float:
    """go-yaml's ``allowedAliasRatio``: the share of visits aliases may make, by visits."""
    low, high = ALIAS_RATIO_RANGE
    if decodes <= low:
        return 0.99
    if decodes >= high:
        return 0.10
    return 0.99 - 0.89 * ((decodes - low) / (high - low))


class AliasBudget:
    """go-yaml's two decode counters over one document, fed its composed nodes in order.

    A whole document is fed as its root node; a streaming reader feeds the pieces it composes
    one after another (``keep`` names the anchored nodes a later piece may alias).

    The counts depend on the nodes visited and nothing else (go-yaml's ``decodeCount`` and
    ``aliasCount``, not the document's length in bytes), so a reader that never holds the
    whole text counts exactly as one that does. The text, or a map from the anchored nodes
    of the piece being added to their anchors (``names``, for a reader without the text),
    only names the anchor of ``anchor '%s' value contains itself``.
    """

    __slots__ = ('_kept', '_text', 'aliased', 'decodes', 'names')

    def __init__(self, text: str | None = None) -> None:
        self.decodes = 1  # the document node
        self.aliased = 0
        self._kept: dict[int, tuple[Node, tuple[int, int]]] = {}
        self._text = text
        self.names: Mapping[int, str] = {}

    def _refused(self, decodes: int) -> bool:
        return (
            self.aliased > _MIN_ALIASES
            and decodes > _MIN_DECODES
            and self.aliased / decodes > allowed_alias_ratio(decodes)
        )

    def _check(self) -> None:
        if self._refused(self.decodes):
            raise AliasingError(EXCESSIVE_ALIASING)

    def add_plain(self, count: int) -> None:
        """Count ``count`` nodes decoded outside any alias, refusing as go-yaml would.

        With ``aliasCount`` fixed, ``aliasCount / decodeCount`` is convex in ``decodeCount``
        and the allowed ratio linear or constant in each of its three ranges, so their
        difference is largest at an end of a run of plain decodes (or of a range): checking
        those points is checking every decode.
        """
        start, end = self.decodes + 1, self.decodes + count
        self.decodes = end
        if count <= 0 or self.aliased <= _MIN_ALIASES:
            return
        low, high = ALIAS_RATIO_RANGE
        points = {max(start, _MIN_DECODES + 1), end, low, low + 1, high, high + 1}
        if any(start <= point <= end and self._refused(point) for point in points):
            raise AliasingError(EXCESSIVE_ALIASING)

    def _contains_itself(self, node: Node) -> AliasingError:
        mark = cast(Mark, node.start_mark)
        name = 'anchor'
        if id(node) in self.names:
            name = f"anchor '{self.names[id(node)]}'"
        elif self._text is not None:
            found = _ANCHOR.match(self._text, mark.index)
            if found:
                name = f"anchor '{found.group(1)}'"
        return AliasingError(f'{name} value contains itself', mark)

    def add(self, root: Node, keep: Iterable[Node] = ()) -> None:
        """Count ``root`` and everything under it, refusing as soon as go-yaml would.

        Raises:
            AliasingError: ``document contains excessive aliasing``, an anchor whose value
                holds an alias of itself, or nesting deeper than :data:`MAX_DEPTH`.
        """
        earlier = self._kept.get(id(root))
        if earlier is not None:  # a piece that is an alias of an earlier piece's anchor
            size, height = earlier[1]
            if height > MAX_DEPTH:
                raise AliasingError(TOO_DEEP)
            self.add_plain(1)
            self.decodes += size
            self.aliased += size
            self._check()
            return
        known: dict[int, tuple[int, int]] = {}  # node -> (expanded size, expanded height)
        opened: set[int] = {id(root)}
        # Each entry: the node, its children still to visit, expanded size and height so far.
        stack: list[list[Any]] = [[root, iter(_children(root)), 1, 1]]
        plain = 1  # decodes outside aliases not yet counted
        while stack:
            top = stack[-1]
            child = cast(Node | None, next(top[1], None))
            if child is None:
                stack.pop()
                node_id = id(top[0])
                opened.discard(node_id)
                known[node_id] = (top[2], top[3])
                if stack:
                    stack[-1][2] += top[2]
                    stack[-1][3] = max(stack[-1][3], top[3] + 1)
                continue
            child_id = id(child)
            if child_id in opened:
                raise self._contains_itself(child)
            seen = known.get(child_id)
            if seen is None and child_id in self._kept:
                seen = self._kept[child_id][1]
            plain += 1  # the node, or the alias naming it
            if seen is None:
                if len(stack) >= MAX_DEPTH:
                    raise AliasingError(TOO_DEEP, cast(Mark, child.start_mark))
                opened.add(child_id)
                stack.append([child, iter(_children(child)), 1, 1])
                continue
            # An alias: its target's every node is visited again, inside the alias.
            size, height = seen
            if len(stack) + height > MAX_DEPTH:
                raise AliasingError(TOO_DEEP)
            self.add_plain(plain)
            plain = 0
            self.decodes += size
            self.aliased += size
            self._check()
            top[2] += 1 + size
            top[3] = max(top[3], height + 1)
        self.add_plain(plain)
        for node in keep:
            seen = known.get(id(node))
            if seen is not None:
                self._kept[id(node)] = (node, seen)


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(cast(list[Node], node.value))
    if isinstance(node, MappingNode):
        return [item for pair in cast(list[tuple[Node, Node]], node.value) for item in pair]
    return []


class Readable(Protocol):
    """A file object libyaml reads in chunks (``read(size)`` giving text or bytes)."""

    def read(self, size: int, /) -> str | bytes:
        """Up to ``size`` more characters or bytes; none at the end."""
        ...


class Loader(_BaseLoader):
    """The safe loader, refusing what go-yaml's alias rule refuses before constructing.

    libyaml's safe loader (PyYAML's own where libyaml is not built in), with the rule checked
    on each document's node graph before any object is constructed.

    Subclasses keep the rule: they add constructors (positions, duplicate keys) or compose a
    document piece by piece with an :class:`AliasBudget` of their own. Given a file object
    rather than text, libyaml reads it a chunk at a time (PyYAML's ``CParser`` calls
    ``read(size)``; the pure parser's ``Reader`` does the same), so a large file is never
    whole in memory.
    """

    def __init__(self, stream: str | bytes | Readable) -> None:
        super().__init__(stream)  # pyright: ignore[reportArgumentType]
        self.yaml_text = stream if isinstance(stream, str) else None

    def construct_document(self, node: Node) -> Any:
        """Check the document's aliasing, then construct it as the safe loader does."""
        AliasBudget(self.yaml_text).add(node)
        return super().construct_document(node)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]


def load(text: str | bytes, loader: type[Loader] = Loader) -> object:
    """The one document of ``text`` (None if empty), as ``yaml.safe_load`` but bounded.

    Bytes are decoded as PyYAML does (UTF-8, or UTF-16 with a byte order mark).

    Raises:
        yaml.YAMLError: invalid YAML, more than one document, or :class:`AliasingError`.
    """
    reader = loader(text)
    try:
        return cast(object, reader.get_single_data())  # pyright: ignore[reportUnknownMemberType]
    finally:
        reader.dispose()  # pyright: ignore[reportUnknownMemberType]


def load_all(text: str, loader: type[Loader] = Loader) -> list[object]:
    """Every document of ``text``, in order (an empty document is None)."""
    reader = loader(text)
    try:
        documents: list[object] = []
        while reader.check_data():  # pyright: ignore[reportUnknownMemberType]
            documents.append(cast(object, reader.get_data()))  # pyright: ignore[reportUnknownMemberType]
        return documents
    finally:
        reader.dispose()  # pyright: ignore[reportUnknownMemberType]


def compose(text: str) -> Node | None:
    """The node graph of the one document of ``text``, checked as :func:`load` checks it."""
    reader = Loader(text)
    try:
        node: Node | None = reader.get_single_node()  # pyright: ignore[reportUnknownMemberType]
    finally:
        reader.dispose()  # pyright: ignore[reportUnknownMemberType]
    if node is not None:
        AliasBudget(text).add(node)
    return node


def describe(error: yaml.YAMLError) -> str:
    """A YAML error as one line: the problem, then ``(line L, column C)`` where there is one."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        where = f' (line {mark.line + 1}, column {mark.column + 1})' if mark else ''
        return f'{error.problem or error.context or "cannot be parsed"}{where}'
    return str(error)

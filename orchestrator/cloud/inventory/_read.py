"""Reading a pool file: streamed off the YAML event stream, one machine at a time.

A pool file is read twice, never whole. The first pass (the *survey*) takes the document's
structure, its ``spaces``, ``subnets`` and ``storage-pools`` wherever they stand, and the
hostname and system id of every machine entry, skimming each entry's events without building
it. The second pass composes, checks and builds the machines one by one and hands each on as
soon as it is known good, its links resolved against the network the survey found and its
system id derived against every hostname and system id of the file. So an importer can write
machines as they come and hold none of them, and every rule and message of the format stays
what it is when the file is read whole: what needs the whole file is what the survey gathers.
"""

# pyright: strict

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import os
from collections.abc import Callable, Generator, Hashable, Iterator, Mapping
from typing import IO, Any, Final, cast

import yaml
from yaml.composer import Composer, ComposerError
from yaml.error import Mark

from ...juju import yamlread
from ..errors import InventoryError
from ..machine import Machine
from ..network import Network
from ._build import bulk
from ._check import Checker, References, machine_items, unknown_key
from ._schema import shown

__all__ = ['InventoryFile', 'InventoryStream', 'Tick', 'load', 'load_file', 'open_file']

Tick = Callable[[str, int, int], None]
"""Told ``(pass, machine entries read, bytes read)`` after each machine entry of a pass;
the passes are ``'survey'`` and ``'import'``."""

_CHUNK: Final = 1 << 16


class _Text:
    """A UTF-8 file as text, read in chunks, with the byte offset of a bad sequence.

    Reading the whole file first would say where its text stops being UTF-8 directly; read in
    chunks, the decoder's position is within the chunk (and the bytes it held back), so it is
    put back in the file's terms here.
    """

    def __init__(self, raw: IO[bytes], source: str) -> None:
        self._raw = raw
        self._source = source
        self._decoder = codecs.getincrementaldecoder('utf-8')()
        self.offset = 0  # bytes read so far

    def read(self, size: int) -> str:
        while True:
            start = self.offset - len(self._decoder.getstate()[0])
            try:
                data = self._raw.read(max(size, 4))
            except OSError as error:
                raise InventoryError(
                    f'{self._source}: cannot read: {error.strerror or error}'
                ) from None
            self.offset += len(data)
            try:
                text = self._decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                raise InventoryError(
                    f'{self._source}: not UTF-8 text ({error.reason} at byte '
                    f'{start + error.start})'
                ) from None
            if text or not data:  # an empty read is the end, so give none before it
                return text


class _Loader(yamlread.Loader, Composer):
    """olm's YAML loader composing one piece at a time and refusing duplicate keys.

    ``yaml.load`` builds the node tree of the whole document before constructing anything,
    which for a 100k-machine file is gigabytes; the readers here walk the events of the top
    level themselves and compose each entry of ``machines`` on its own (PyYAML's composer over
    libyaml's events, libyaml reading the file a chunk at a time). The pieces of the document
    go through one :class:`yamlread.AliasBudget`, so go-yaml's alias limit holds over the
    whole file as it does where a file is read whole: the limit counts nodes visited
    (go-yaml/yaml ``decode.go`` ``decoder.unmarshal``, tag v2.4.0), not the file's size.
    A key written twice is a mistake in the file that PyYAML would otherwise settle silently
    by keeping the second value.
    """

    def __init__(self, stream: _Text) -> None:
        super().__init__(stream)
        self.anchors = {}  # the composer's state, which libyaml's parser does not set up
        self.budget = yamlread.AliasBudget()
        self.names: dict[int, str] = {}  # anchored nodes of the piece -> anchor
        self.budget.names = self.names
        self.anchored: list[yaml.Node] = []
        self.depth = 0
        self.composed = 0  # nodes of the piece being composed
        self.graph = False  # whether that piece has an anchor or an alias

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:  # pyright: ignore[reportIncompatibleMethodOverride]
        """PyYAML's, noting anchors and aliases (a later entry may alias it), bounded in depth.

        Called for each node of a million-machine file: kept to a few operations. An error
        ends the load, so the depth is not restored on the way out.
        """
        event: Any = self.peek_event()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        anchor: str | None = event.anchor  # pyright: ignore[reportUnknownVariableType, reportUnknownMemberType]
        self.composed += 1
        if self.depth >= yamlread.MAX_DEPTH:  # PyYAML's composer recurses a level a call
            raise yamlread.AliasingError(yamlread.TOO_DEEP, self.mark())
        self.depth += 1
        node: yaml.Node = super().compose_node(parent, index)  # pyright: ignore[reportArgumentType, reportAssignmentType]
        self.depth -= 1
        if anchor is not None:
            self.graph = True
            if not isinstance(event, yaml.AliasEvent):
                self.anchored.append(node)
                self.names[id(node)] = anchor
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[object] = set()
        for key_node, _ in cast(list[tuple[yaml.Node, yaml.Node]], node.value):
            if key_node.tag == 'tag:yaml.org,2002:merge':
                continue
            key: object = self.construct_object(  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
                key_node, deep=deep
            )
            if isinstance(key, Hashable):
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f'found duplicate key {shown(key)}', key_node.start_mark
                    )
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    # Typed faces of the parser's event interface, which the stubs leave untyped.

    def at(self, kind: type[yaml.Event]) -> bool:
        """Whether the next event is of this kind."""
        return bool(self.check_event(kind))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]

    def skip(self) -> None:
        """Consume the next event."""
        self.get_event()  # pyright: ignore[reportUnknownMemberType]

    def event(self) -> Any:
        """Consume and return the next event."""
        return self.get_event()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]

    def mark(self) -> Mark:
        """Where the next event starts, for messages."""
        event = self.peek_event()  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return cast(Mark, event.start_mark)  # pyright: ignore[reportUnknownMemberType]

    def next_value(self) -> object:
        """Compose, count and construct the next node (with its children) of the stream.

        A piece without anchors or aliases (every machine of a generated pool) is a tree of
        the nodes composed: it is counted as such, without walking it again.
        """
        self.composed, self.graph = 0, False
        node = self.compose_node(None, None)
        if self.graph:
            self.budget.add(node, keep=self.anchored)
            self.anchored.clear()
            self.names.clear()
        else:
            self.budget.add_plain(self.composed)
        return super(yamlread.Loader, self).construct_document(node)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]

    def skim(self) -> tuple[str | None, str | None]:
        """Consume the next machine entry, giving its hostname and system id if strings.

        For an entry with no anchor, alias, tag or merge key, what its top-level keys hold is
        what constructing it would give, so it is read off the events (each plain scalar
        resolved as the composer resolves it) and its nodes are counted as plain decodes.

        Raises:
            _ExoticEntryError: the entry has one of those; the survey composes every entry instead.
        """
        found: dict[str, str] = {}
        mapping = self.at(yaml.MappingStartEvent)
        depth = 0
        nodes = 0
        key: str | None = None  # the top-level key whose value comes next
        is_key = True  # whether the next top-level node is a key
        while True:
            event = self.event()
            kind: type[object] = type(event)  # pyright: ignore[reportUnknownVariableType]
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                depth -= 1
                if depth == 0:
                    break
                if depth == 1:
                    is_key, key = not is_key, None
                continue
            nodes += 1
            if kind is yaml.AliasEvent or event.anchor is not None or event.tag is not None:
                raise _ExoticEntryError
            if kind is yaml.ScalarEvent:
                if event.value == '<<' and event.implicit[0]:
                    raise _ExoticEntryError
                if depth == 0:
                    break
                if depth == 1 and mapping:
                    if is_key:
                        key = event.value if event.value in _REFERENCES else None
                    elif key is not None and self._is_str(event):
                        found[key] = event.value
                    is_key = not is_key
                continue
            if depth == 1 and is_key:
                key = None
            depth += 1
        self.budget.add_plain(nodes)
        return found.get('hostname'), found.get('system_id')

    def _is_str(self, event: Any) -> bool:
        if not event.implicit[0]:
            return True  # quoted, without a tag
        tag = self.resolve(yaml.ScalarNode, event.value, event.implicit)  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
        return cast(str, tag) == 'tag:yaml.org,2002:str'


_REFERENCES: Final = ('hostname', 'system_id')


class _ExoticEntryError(Exception):
    """A machine entry the survey cannot read off its events alone."""


_EMPTY_NETWORK: Final = Network()


@dataclasses.dataclass(frozen=True)
class InventoryFile:
    """What an inventory file holds.

    Attributes:
        machines: the machines, in file order.
        storage_pools: pool name -> (provider, attributes), as the file declares them; the
            caller checks them against the storage providers it knows.
        network: its spaces and subnets.
    """

    machines: list[Machine]
    storage_pools: Mapping[str, tuple[str, Mapping[str, object]]]
    network: Network = _EMPTY_NETWORK


class InventoryStream:
    """A surveyed inventory file: its network and storage pools, its machines to be read.

    Attributes:
        source: the file name, as given.
        size: its size in bytes, for progress.
        network: its spaces and subnets.
        storage_pools: pool name -> (provider, attributes), as the file declares them.
    """

    def __init__(self, source: str, checker: Checker, size: int, tick: Tick | None) -> None:
        self.source = source
        self.size = size
        self.network = checker.network.network
        self.storage_pools = checker.storage_pools
        self._checker = checker
        self._tick = tick

    def machines(self) -> Iterator[Machine]:
        """The machines, in file order, each as soon as it is read and known good.

        Read once. The error comes at the end, once every entry has been checked, so it names
        the file's first problem and counts the others as reading the file whole does: the
        machines handed on before it must be dropped (an import is one transaction).

        Raises:
            InventoryError: invalid YAML or any invalid machine.
        """
        checker, tick = self._checker, self._tick
        with _opened(self.source) as (text, loader), bulk():
            structure = _structure(loader, self.source)
            read = 0
            try:
                for key in structure:
                    if key != 'machines':
                        loader.next_value()  # checked by the survey; anchors and budget
                        continue
                    machine = checker.add(loader.next_value())
                    read += 1
                    if tick is not None:
                        tick('import', read, text.offset)
                    if machine is not None:
                        yield machine
            except yaml.YAMLError as error:
                raise _invalid(self.source, error) from None
        checker.finish()


def load(path: str | os.PathLike[str]) -> list[Machine]:
    """Read and check an inventory file, one machine at a time; see :func:`load_file`."""
    return load_file(path).machines


def load_file(path: str | os.PathLike[str]) -> InventoryFile:
    """Read and check an inventory file, all its machines in a list.

    Args:
        path: the YAML file; named as given in error messages.

    Returns:
        Its machines, in file order, and its storage pools.

    Raises:
        InventoryError: for a missing or unreadable file, invalid YAML or any invalid machine
            or storage pool; nothing is returned, so an import is all or nothing.
    """
    stream = open_file(path)
    return InventoryFile(list(stream.machines()), stream.storage_pools, stream.network)


def open_file(path: str | os.PathLike[str], tick: Tick | None = None) -> InventoryStream:
    """Survey an inventory file: its structure, network and storage pools, every reference.

    Args:
        path: the YAML file; named as given in error messages.
        tick: told of the progress of both passes, after each machine entry.

    Raises:
        InventoryError: for a missing or unreadable file, invalid YAML, an invalid structure,
            network or storage pool. Problems of machines come from
            :meth:`InventoryStream.machines`.
    """
    source = os.fspath(path)
    size = 0
    try:
        size = os.stat(source).st_size
        return InventoryStream(source, _survey(source, skim=True, tick=tick), size, tick)
    except _ExoticEntryError:
        return InventoryStream(source, _survey(source, skim=False, tick=tick), size, tick)
    except FileNotFoundError:
        raise InventoryError(f'{source}: no such file') from None
    except OSError as error:
        raise InventoryError(f'{source}: cannot read: {error.strerror or error}') from None


def _survey(source: str, *, skim: bool, tick: Tick | None) -> Checker:
    """The first pass: every top-level key but ``machines`` checked, every reference known.

    With ``skim``, machine entries are read off their events (:meth:`_Loader.skim`), which
    is several times cheaper than building them; a file whose entries use anchors, aliases,
    tags or merge keys is surveyed again with every entry composed and constructed.
    """
    checker = Checker(source)
    references = References()
    with _opened(source) as (text, loader), bulk():
        try:
            for key in _structure(loader, source):
                if key == 'storage-pools':
                    checker.set_storage_pools(loader.next_value())
                elif key == 'spaces':
                    checker.network.set_spaces(loader.next_value())
                elif key == 'subnets':
                    checker.network.set_subnets(loader.next_value())
                elif skim:
                    references.add(*loader.skim())
                else:
                    references.add_entry(loader.next_value())
                if tick is not None and key == 'machines':
                    tick('survey', references.count, text.offset)
        except yaml.YAMLError as error:
            raise _invalid(source, error) from None
    checker.expect(references)
    return checker


@contextlib.contextmanager
def _opened(source: str) -> Generator[tuple[_Text, _Loader]]:
    """The file open as text for a loader; closed, and the loader disposed of, after."""
    try:
        raw = open(source, 'rb')  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise InventoryError(f'{source}: no such file') from None
    except IsADirectoryError:
        raise InventoryError(f'{source}: is a directory, not an inventory file') from None
    except OSError as error:
        raise InventoryError(f'{source}: cannot read: {error.strerror or error}') from None
    with raw:
        text = _Text(raw, source)
        loader = _Loader(text)
        try:
            yield text, loader
        finally:
            loader.dispose()  # pyright: ignore[reportUnknownMemberType]


def _invalid(source: str, error: yaml.YAMLError) -> InventoryError:
    return InventoryError(f'{source}: not valid YAML: {yamlread.describe(error)}')


def _structure(loader: _Loader, source: str) -> Iterator[str]:
    """Walk the top level of a pool file, giving the key of each value the caller reads.

    Yields ``storage-pools``, ``spaces`` or ``subnets`` before the value of that key, and
    ``machines`` before each entry of the ``machines`` list; the caller consumes that node.
    Anything but a single mapping holding a ``machines`` sequence is read whole and handed to
    :func:`machine_items`, so a document read whole and one read here are described alike.
    """
    loader.skip()  # stream start
    if loader.at(yaml.StreamEndEvent):
        machine_items(None, source)
    loader.skip()  # document start
    if not loader.at(yaml.MappingStartEvent):
        machine_items(loader.next_value(), source)
    loader.skip()
    found = False
    while not loader.at(yaml.MappingEndEvent):
        mark = loader.mark()
        key = loader.next_value()
        if key in ('storage-pools', 'spaces', 'subnets'):
            yield cast(str, key)
            continue
        if key != 'machines':
            raise unknown_key(key, source)
        if found:
            raise yaml.constructor.ConstructorError(
                None, None, f'found duplicate key {key!r}', mark
            )
        found = True
        if not loader.at(yaml.SequenceStartEvent):
            machine_items({key: loader.next_value()}, source)
        loader.skip()
        while not loader.at(yaml.SequenceEndEvent):
            yield 'machines'
        loader.skip()
    loader.skip()  # mapping end
    if not found:
        machine_items({}, source)
    loader.skip()  # document end
    if not loader.at(yaml.StreamEndEvent):
        raise ComposerError(
            None, None, 'expected a single document, but found another document', loader.mark()
        )

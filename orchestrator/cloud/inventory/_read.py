"""Reading a pool file: streamed off the YAML event stream, one machine at a time.

The file is read in chunks, never whole, and each entry of ``machines`` is composed, checked
and built on its own, then set aside in a :class:`Spool` (a compressed temporary file): an
import refuses a bad file, naming its first problem, before it changes anything, and holds
none of the machines meanwhile. What needs the whole file waits for its end, as when the file
is read whole: the rules between machines, and the system ids derived for machines without
one (they avoid every id and hostname of the file), given as the spool is read back. A file
whose ``spaces`` or ``subnets`` come after its machines is read a second time, its network
known, to resolve the machines' links.
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
from ._check import Checker, machine_items, unknown_key
from ._schema import shown
from ._spool import Spool

__all__ = ['CheckedFile', 'InventoryFile', 'Tick', 'check_file', 'load', 'load_file']

Tick = Callable[[str, int, int], None]
"""Told ``('import', machine entries read, bytes read)`` after each machine entry of a pass
(a file whose network follows its machines is read twice)."""

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


class CheckedFile:
    """A pool file read and checked whole, its machines waiting in a spool; read them once.

    Used as a context manager (the spool is deleted on the way out).

    Attributes:
        source: the file name, as given.
        network: its spaces and subnets.
        storage_pools: pool name -> (provider, attributes), as the file declares them.
        count: its machines.
    """

    def __init__(self, source: str, checker: Checker, spool: Spool) -> None:
        self.source = source
        self.network = checker.network.network
        self.storage_pools = checker.storage_pools
        self.count = spool.count
        self._checker = checker
        self._spool = spool

    def __iter__(self) -> Iterator[Machine]:
        """The machines, in file order, each with its system id."""
        derived = self._checker.derived
        for machine in self._spool:
            yield derived(machine)

    def close(self) -> None:
        """Delete the spool."""
        self._spool.close()

    def __enter__(self) -> CheckedFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


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
    with check_file(path) as checked:
        return InventoryFile(list(checked), checked.storage_pools, checked.network)


def check_file(path: str | os.PathLike[str], tick: Tick | None = None) -> CheckedFile:
    """Read and check an inventory file without holding it; its machines wait in a spool.

    Args:
        path: the YAML file; named as given in error messages.
        tick: told of the progress of each pass, after each machine entry.

    Raises:
        InventoryError: for a missing or unreadable file, invalid YAML or any invalid machine
            or storage pool, before anything is returned.
    """
    source = os.fspath(path)
    checker = Checker(source)
    checked = _read(checker, source, tick, again=False)
    if checked is not None:
        return checked
    # The network came after machines whose links were checked without it: read them again
    # with it, its keys (checked already) passed over.
    second = Checker(source)
    second.network, second.storage_pools = checker.network, checker.storage_pools
    checked = _read(second, source, tick, again=True)
    assert checked is not None
    return checked


def _read(checker: Checker, source: str, tick: Tick | None, *, again: bool) -> CheckedFile | None:
    """One pass over the file, its machines spooled; None if the network came after them.

    Raises:
        InventoryError: as :func:`check_file` (problems of links only when the network was
            known before the machines).
    """
    late = False  # a network key after a machine: links were checked against part of it

    def machines(loader: _Loader, text: _Text) -> Iterator[Machine]:
        nonlocal late
        read = 0
        for key in _structure(loader, source):
            if key == 'machines':
                machine = checker.add(loader.next_value())
                read += 1
                if tick is not None:
                    tick('import', read, text.offset)
                if machine is not None and not late:
                    yield machine
            elif again:
                loader.next_value()  # checked by the first pass; anchors and budget
            elif key == 'storage-pools':
                checker.set_storage_pools(loader.next_value())
            else:
                late = late or read > 0
                if key == 'spaces':
                    checker.network.set_spaces(loader.next_value())
                else:
                    checker.network.set_subnets(loader.next_value())

    with _opened(source) as (text, loader), bulk():
        try:
            spool = Spool(machines(loader, text))
        except yaml.YAMLError as error:
            raise _invalid(source, error) from None
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(spool.close)
        checker.finish(links=not late)
        if late:
            return None
        cleanup.pop_all()
        return CheckedFile(source, checker, spool)


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

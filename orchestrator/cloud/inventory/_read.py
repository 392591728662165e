"""Reading a pool file: one machine entry at a time off the YAML event stream."""

# pyright: strict

from __future__ import annotations

import dataclasses
import os
from collections.abc import Hashable, Mapping
from typing import Any, Final, cast

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


class _Loader(yamlread.Loader, Composer):
    """olm's YAML loader composing one machine at a time and refusing duplicate keys.

    ``yaml.load`` builds the node tree of the whole document before constructing anything,
    which for a 100k-machine file is gigabytes; :func:`load` instead walks the events of the
    top level itself and composes each entry of ``machines`` on its own (PyYAML's composer over
    libyaml's events). The pieces of the document go through one :class:`yamlread.AliasBudget`,
    so go-yaml's alias limit holds over the whole file as it does where a file is read whole.
    A key written twice is a mistake in the file that PyYAML would otherwise settle silently by
    keeping the second value.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.anchors = {}  # the composer's state, which libyaml's parser does not set up
        self.budget = yamlread.AliasBudget(stream)
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


def load(path: str | os.PathLike[str]) -> list[Machine]:
    """Read and check an inventory file, one machine at a time; see :func:`load_file`."""
    return load_file(path).machines


def load_file(path: str | os.PathLike[str]) -> InventoryFile:
    """Read and check an inventory file, one machine at a time.

    Args:
        path: the YAML file; named as given in error messages.

    Returns:
        Its machines, in file order, and its storage pools.

    Raises:
        InventoryError: for a missing or unreadable file, invalid YAML or any invalid machine
            or storage pool; nothing is returned, so an import is all or nothing.
    """
    source = os.fspath(path)
    try:
        with open(source, encoding='utf-8') as stream:
            text = stream.read()
    except FileNotFoundError:
        raise InventoryError(f'{source}: no such file') from None
    except IsADirectoryError:
        raise InventoryError(f'{source}: is a directory, not an inventory file') from None
    except UnicodeDecodeError as error:
        raise InventoryError(
            f'{source}: not UTF-8 text ({error.reason} at byte {error.start})'
        ) from None
    except OSError as error:
        raise InventoryError(f'{source}: cannot read: {error.strerror or error}') from None
    checker = Checker(source)
    loader = _Loader(text)
    try:
        with bulk():
            _read_document(loader, checker)
    except yaml.YAMLError as error:
        raise InventoryError(f'{source}: not valid YAML: {yamlread.describe(error)}') from None
    finally:
        loader.dispose()  # pyright: ignore[reportUnknownMemberType]
    with bulk():
        machines = checker.finish()
    return InventoryFile(machines, checker.storage_pools, checker.network.network)


def _read_document(loader: _Loader, checker: Checker) -> None:
    """Feed the ``machines`` entries of a YAML stream to ``checker`` as they are read.

    Anything but a single mapping holding only a ``machines`` sequence is read whole and
    handed to :func:`machine_items`, so both entry points describe a bad document alike.
    """
    loader.skip()  # stream start
    if loader.at(yaml.StreamEndEvent):
        machine_items(None, checker.source)
    loader.skip()  # document start
    if not loader.at(yaml.MappingStartEvent):
        machine_items(loader.next_value(), checker.source)
    loader.skip()
    found = False
    while not loader.at(yaml.MappingEndEvent):
        mark = loader.mark()
        key = loader.next_value()
        if key == 'storage-pools':
            checker.set_storage_pools(loader.next_value())
            continue
        if key == 'spaces':
            checker.network.set_spaces(loader.next_value())
            continue
        if key == 'subnets':
            checker.network.set_subnets(loader.next_value())
            continue
        if key != 'machines':
            raise unknown_key(key, checker.source)
        if found:
            raise yaml.constructor.ConstructorError(
                None, None, f'found duplicate key {key!r}', mark
            )
        found = True
        if not loader.at(yaml.SequenceStartEvent):
            machine_items({key: loader.next_value()}, checker.source)
        loader.skip()
        while not loader.at(yaml.SequenceEndEvent):
            checker.add(loader.next_value())
        loader.skip()
    loader.skip()  # mapping end
    if not found:
        machine_items({}, checker.source)
    loader.skip()  # document end
    if not loader.at(yaml.StreamEndEvent):
        raise ComposerError(
            None, None, 'expected a single document, but found another document', loader.mark()
        )

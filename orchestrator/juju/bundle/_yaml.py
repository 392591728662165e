"""YAML with positions: the safe loader, keeping lines and scalars as written.

Juju's messages name the line of a problem (yaml.v2 ``line 7: cannot unmarshal ...``) and quote
a scalar as it was written (``!!str `0755```), so the loader keeps both; timestamps stay text,
as yaml.v2 leaves them for a string field. It is olm's one YAML loader
(:class:`orchestrator.juju.yamlread.Loader`) with constructors of its own, so go-yaml's alias
limit holds here as everywhere.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Hashable, Iterator
from typing import cast

import yaml

from .. import yamlread


class YamlMap(dict[object, object]):
    """A YAML mapping that remembers where its keys are and how its scalars were written."""

    __slots__ = ('duplicates', 'key_text', 'line', 'lines', 'raw')

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[object, int] = {}
        self.raw: dict[object, str] = {}
        self.key_text: dict[object, str] = {}
        self.duplicates: list[tuple[object, int]] = []


class YamlSeq(list[object]):
    """A YAML sequence that remembers its line and how its scalars were written."""

    __slots__ = ('line', 'raw')

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.raw: list[str | None] = []


class PositionLoader(yamlread.Loader):
    """The safe loader, building :class:`YamlMap`/:class:`YamlSeq`, keeping timestamps as text."""


def _construct_map(loader: PositionLoader, node: yaml.MappingNode) -> Iterator[YamlMap]:
    data = YamlMap(node.start_mark.line + 1)
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


def _construct_seq(loader: PositionLoader, node: yaml.SequenceNode) -> Iterator[YamlSeq]:
    data = YamlSeq(node.start_mark.line + 1)
    yield data
    for child in node.value:
        data.append(cast(object, loader.construct_object(child, deep=True)))  # pyright: ignore[reportUnknownMemberType]
        data.raw.append(str(child.value) if isinstance(child, yaml.ScalarNode) else None)


def _construct_text(loader: PositionLoader, node: yaml.ScalarNode) -> str:
    return str(node.value)


PositionLoader.add_constructor('tag:yaml.org,2002:map', _construct_map)  # pyright: ignore[reportUnknownMemberType]
PositionLoader.add_constructor('tag:yaml.org,2002:seq', _construct_seq)  # pyright: ignore[reportUnknownMemberType]
PositionLoader.add_constructor('tag:yaml.org,2002:timestamp', _construct_text)  # pyright: ignore[reportUnknownMemberType]


def read_documents(text: str) -> list[object]:
    """Every document of ``text``, with positions."""
    return yamlread.load_all(text, PositionLoader)

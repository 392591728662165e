"""metal_interfaces.databag: tolerant JSON reads, writes only on change."""

from __future__ import annotations

from metal_interfaces import databag


def test_reads_never_raise_and_read_empty_for_anything_unexpected() -> None:
    assert databag.read(None) is None
    assert databag.read('{not json') is None
    assert databag.read_str('"x"') == 'x'
    assert databag.read_str('""') is None
    assert databag.read_str('3') is None
    assert databag.read_list('["a", 1, "b"]') == ['a', 'b']
    assert databag.read_list('{"a": 1}') == []
    assert databag.read_dict('{"a": 1}') == {'a': 1}
    assert databag.read_dict('[1]') == {}


def test_write_only_when_changed_and_empty_deletes() -> None:
    data: dict[str, str] = {}
    databag.write(data, 'k', {'b': 1, 'a': 2})
    assert data == {'k': '{"a": 2, "b": 1}'}

    class Watching(dict[str, str]):
        writes = 0

        def __setitem__(self, key: str, value: str) -> None:
            type(self).writes += 1
            super().__setitem__(key, value)

    watched = Watching(data)
    databag.write(watched, 'k', {'a': 2, 'b': 1})
    assert Watching.writes == 0
    databag.write(watched, 'k', [])
    assert watched['k'] == ''
    assert Watching.writes == 1

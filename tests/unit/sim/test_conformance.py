"""orchestrator/sim/CONFORMANCE.md: every emulated program has a record, every record is cited.

A record that names a test which does not exist, or a behaviour with no source, would let the
simulation drift from upstream unnoticed; these checks keep the records honest.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

from orchestrator.sim.programs import BUILTIN

ROOT = Path(__file__).resolve().parents[3]
SIM = ROOT / 'orchestrator' / 'sim'
INDEX = SIM / 'CONFORMANCE.md'
HEADER = ['behaviour', 'upstream source', 'pinned by']
_SHELL_BUILTINS = ('echo', 'cat', 'ls', 'grep', 'head', 'wc', 'test', 'hostname')


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip('|').split('|')]


def _index() -> dict[str, Path]:
    """Program name -> its record, from the index's table."""
    records: dict[str, Path] = {}
    for line in INDEX.read_text().splitlines():
        link = re.search(r'\]\((conformance/[\w.-]+\.md)\)', line)
        if line.startswith('|') and link:
            for program in re.findall(r'`([^`]+)`', _cells(line)[0]):
                records[program] = SIM / link[1]
    return records


def _records() -> list[Path]:
    return sorted(set(_index().values()))


def _rows(record: Path) -> list[list[str]]:
    """The rows of every behaviour table of a record."""
    rows: list[list[str]] = []
    in_table = False
    for line in record.read_text().splitlines():
        if not line.startswith('|'):
            in_table = False
            continue
        cells = _cells(line)
        if [c.lower() for c in cells] == HEADER:
            in_table = True
        elif in_table and not set(''.join(cells)) <= set('-: '):
            rows.append(cells)
    return rows


@cache
def _tests_in(path: Path) -> frozenset[str]:
    """``name`` and ``Class::name`` of every function a test file defines."""
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f'{node.name}::{item.name}')
    return frozenset(names)


def test_every_emulated_program_has_a_record():
    listed = _index()
    missing = sorted(set(BUILTIN) - set(listed))
    assert not missing, f'CONFORMANCE.md lists no record for {missing}'
    assert all(builtin in listed for builtin in _SHELL_BUILTINS)
    absent = sorted(str(p.relative_to(SIM)) for p in set(listed.values()) if not p.is_file())
    assert not absent, f'records named in CONFORMANCE.md but missing: {absent}'


@pytest.mark.parametrize('record', _records(), ids=lambda p: p.name)
def test_every_behaviour_cites_its_source_and_a_test_that_exists(record: Path):
    if not record.is_file():
        pytest.fail(f'{record.relative_to(ROOT)} is missing')
    rows = _rows(record)
    assert rows, f'{record.name}: no | behaviour | upstream source | pinned by | table'
    problems: list[str] = []
    for cells in rows:
        if len(cells) != len(HEADER):
            problems.append(f'{len(cells)} columns: {cells}')
            continue
        behaviour, source, pinned = cells
        if not behaviour or not source:
            problems.append(f'no behaviour or source: {cells}')
        refs = re.findall(r'`([^`]+::[^`]+)`', pinned)
        if not refs:
            problems.append(f'no test named for {behaviour!r}')
        for ref in refs:
            file, _, name = ref.partition('::')
            path = ROOT / file
            if not path.is_file() or name not in _tests_in(path):
                problems.append(f'{ref}: no such test')
    assert not problems, f'{record.name}:\n' + '\n'.join(problems)


def test_a_record_names_the_upstream_versions_it_models():
    for record in _records():
        if record.is_file():
            head = record.read_text().split('|', 1)[0]
            assert re.search(r'\d+\.\d+', head), f'{record.name} names no upstream version'

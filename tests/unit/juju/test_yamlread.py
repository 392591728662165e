"""olm's one YAML loader: safe_load's results, and go-yaml's alias rule before constructing.

The boundary cases are counted by hand from go-yaml's ``decoder.unmarshal`` (go-yaml/yaml
``decode.go``, tag v2.4.0): every node decoded adds one to ``decodeCount`` (the document node
too), every node decoded inside an alias adds one to ``aliasCount`` as well, an alias node itself
counts once outside, and the document is refused once ``aliasCount > 100``,
``decodeCount > 1000`` and ``aliasCount / decodeCount > allowedAliasRatio(decodeCount)``.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from orchestrator.cloud import InventoryError, inventory
from orchestrator.juju import bundle as juju_bundle
from orchestrator.juju import yamlread
from orchestrator.juju.bundle._yaml import YamlMap, read_documents

BOMB = '\n'.join([
    'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    *(f'l{i}: &l{i} [{",".join([f"*l{i - 1}"] * 9)}]' for i in range(1, 9)),
])  # fmt: skip


def aliased_list(scalars: int, aliases: int) -> str:
    """``[&a [x, ... scalars], *a, ... aliases]``.

    go-yaml counts: document 1, outer sequence 1, the anchored sequence 1 + ``scalars``; then
    each alias 1 outside and ``scalars + 1`` inside.
    """
    inner = '&a [' + ', '.join(['x'] * scalars) + ']'
    return '[' + ', '.join([inner, *(['*a'] * aliases)]) + ']'


@pytest.mark.parametrize(
    'text',
    [
        'a: 1\nb: [1, 2.5, true, null, "s"]\n',
        'base: &b {x: 1, y: [1, 2]}\nuse: *b\nmerged: {<<: *b, z: 3}\n',
        '- &s text\n- *s\n- {k: *s}\n',
        '',
        'when: 2024-01-02\n',
        aliased_list(10, 50),
    ],
)
def test_loads_what_safe_load_loads(text: str):
    assert yamlread.load(text) == yaml.safe_load(text)


def test_a_billion_laughs_is_refused_with_go_yamls_words():
    with pytest.raises(yamlread.AliasingError) as caught:
        yamlread.load(BOMB)
    assert caught.value.problem == 'document contains excessive aliasing'
    assert caught.value.problem_mark is None  # go-yaml's message has no line
    assert yamlread.describe(caught.value) == 'document contains excessive aliasing'


def test_the_boundary_is_go_yamls():
    """200 scalars anchored, k aliases: after k, aliasCount = 201k, decodeCount = 203 + 202k.

    201k / (203 + 202k) > 0.99 first at k = 198 (39798 / 40199 = 0.990025); at k = 197 it is
    39597 / 39997 = 0.989999.
    """
    assert len(yamlread.load(aliased_list(200, 197)) or []) == 198  # type: ignore[arg-type]
    with pytest.raises(yamlread.AliasingError):
        yamlread.load(aliased_list(200, 198))


def test_no_refusal_below_a_hundred_alias_decodes():
    """``aliasCount > 100`` is part of the rule: 100 alias decodes pass whatever the share."""
    assert yamlread.load(aliased_list(99, 1))


def test_allowed_ratio_falls_from_99_to_10_percent():
    assert yamlread.allowed_alias_ratio(1) == 0.99
    assert yamlread.allowed_alias_ratio(400_000) == 0.99
    assert yamlread.allowed_alias_ratio(2_200_000) == pytest.approx(0.99 - 0.89 / 2)
    assert yamlread.allowed_alias_ratio(4_000_000) == 0.10
    assert yamlread.allowed_alias_ratio(10**30) == 0.10


def test_an_anchor_inside_itself_is_refused_naming_it():
    with pytest.raises(yamlread.AliasingError, match=r"anchor 'me' value contains itself"):
        yamlread.load('a: &me [1, *me]\n')


def test_merge_keys_count_as_aliases():
    """``<<`` merges copy the merged mapping's pairs: nine merges a level are a bomb too."""
    levels = ['m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}']
    levels += [f'm{i}: &m{i} {{<<: [' + ', '.join([f'*m{i - 1}'] * 9) + ']}' for i in range(1, 9)]
    with pytest.raises(yamlread.AliasingError):
        yamlread.load('\n'.join(levels))
    assert yamlread.load('\n'.join(levels[:2])) == {
        'm0': dict(zip('abcdefghi', range(1, 10), strict=True)),
        'm1': dict(zip('abcdefghi', range(1, 10), strict=True)),
    }


def test_each_document_has_its_own_budget():
    """A refused document is refused after a large plain one: go-yaml decodes each alone."""
    plain = '[' + ', '.join(['x'] * 20_000) + ']'
    assert len(yamlread.load_all(f'{plain}\n---\n{aliased_list(200, 197)}')) == 2
    with pytest.raises(yamlread.AliasingError):
        yamlread.load_all(f'{plain}\n---\n{aliased_list(200, 198)}')


def test_bytes_are_read_as_text():
    assert yamlread.load(b'a: [1, 2]\n') == {'a': [1, 2]}


def test_compose_checks_the_graph_too():
    node = yamlread.compose('a: 1\n')
    assert isinstance(node, yaml.MappingNode)
    with pytest.raises(yamlread.AliasingError):
        yamlread.compose(BOMB)


def test_the_bundle_reader_keeps_positions_and_the_rule():
    (doc,) = read_documents('a: &x [1]\nb: *x\n')
    assert isinstance(doc, YamlMap) and doc.lines == {'a': 1, 'b': 2}
    with pytest.raises(yamlread.AliasingError):
        read_documents(BOMB)


def test_a_bundle_with_an_option_bomb_is_refused_as_juju_refuses_it(tmp_path: Path):
    bundle = tmp_path / 'bundle.yaml'
    bundle.write_text(
        'applications:\n  a:\n    charm: a\n    options:\n      x:\n'
        + textwrap.indent(BOMB, ' ' * 8)
        + '\n'
    )
    with pytest.raises(juju_bundle.BundleError) as caught:
        juju_bundle.load(bundle, charms_dir=tmp_path)
    assert (
        f'{bundle}: cannot unmarshal bundle contents: yaml: document contains excessive aliasing'
    ) in str(caught.value)


def test_the_streaming_pool_reader_counts_across_machines(tmp_path: Path):
    """Each machine is composed alone, but an anchor in one is aliased in the next."""
    lines = BOMB.splitlines()
    entries = [f'- hostname: n{i}\n  tags: {line.split(": ", 1)[1]}\n' for i, line in
               enumerate(lines)]  # fmt: skip
    pool = tmp_path / 'pool.yaml'
    pool.write_text('machines:\n' + ''.join(entries))
    with pytest.raises(InventoryError, match='not valid YAML: document contains excessive'):
        inventory.load(pool)


def test_the_streaming_pool_reader_reads_a_generated_pool(tmp_path: Path):
    machines = inventory.generate(50, seed=3)
    pool = tmp_path / 'pool.yaml'
    pool.write_text(
        inventory.dump_yaml(inventory.to_document(machines, network=inventory.GENERATED_NETWORK))
    )
    assert [m.hostname for m in inventory.load(pool)] == [m.hostname for m in machines]


def test_refusing_a_bomb_stays_small():
    """In a process of its own, with 400 MB of address space beyond the interpreter's."""
    script = textwrap.dedent(f"""
        import resource, sys
        from orchestrator.juju import yamlread
        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        try:
            yamlread.load({BOMB!r})
        except yamlread.AliasingError:
            pass
        used = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base
        print(used)
    """)
    done = subprocess.run(
        [sys.executable, '-c', script],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_CPU, (30, 30)),
    )
    assert int(done.stdout) < 10 * 1024  # KiB: nothing was expanded


def test_nesting_is_bounded_before_python_recurses():
    """go-yaml stops at 10,000 levels; olm at 100, below Python's recursion limit."""
    assert yamlread.MAX_DEPTH == 100
    fits = '[' * 100 + ']' * 100
    assert yamlread.load(fits) is not None
    with pytest.raises(yamlread.AliasingError, match=r'^exceeded max depth of 100'):
        yamlread.load('[' * 101 + ']' * 101)
    with pytest.raises(yamlread.AliasingError, match='exceeded max depth of 100'):
        yamlread.load('- &a ' + '[' * 60 + ']' * 60 + '\n- ' + '[' * 60 + '*a' + ']' * 60)


def test_the_streaming_pool_reader_bounds_nesting(tmp_path: Path):
    pool = tmp_path / 'pool.yaml'
    pool.write_text('machines:\n- hostname: x\n  tags: ' + '[' * 500 + ']' * 500 + '\n')
    with pytest.raises(InventoryError, match='not valid YAML: exceeded max depth of 100'):
        inventory.load(pool)


def _refused_somewhere(aliased: int, decodes: int, count: int) -> bool:
    """go-yaml's check at every one of ``count`` plain decodes after ``decodes``."""
    return any(
        aliased > 100 and d > 1000 and aliased / d > yamlread.allowed_alias_ratio(d)
        for d in range(decodes + 1, decodes + count + 1)
    )


@pytest.mark.parametrize(
    ('aliased', 'decodes', 'count'),
    [
        (101, 90, 2000),
        (990, 999, 5),
        (990, 990, 50),
        (995, 995, 10),  # refused once decodeCount passes 1000
        (396_500, 399_000, 3000),
        (396_500, 400_100, 3000),
        (2_000_000, 3_000_000, 900_000),
        (1_000_000, 3_000_000, 500_000),  # allowed at the start, refused further on
        (400_000, 3_999_000, 3000),
        (395_000, 3_999_000, 3000),
        (100, 500, 5000),
    ],
)
def test_plain_runs_are_checked_as_every_decode_would_be(aliased: int, decodes: int, count: int):
    budget = yamlread.AliasBudget()
    budget.aliased, budget.decodes = aliased, decodes
    try:
        budget.add_plain(count)
        refused = False
    except yamlread.AliasingError:
        refused = True
    assert refused == _refused_somewhere(aliased, decodes, count)


def test_a_piece_that_is_an_alias_of_an_earlier_piece_counts_as_one():
    """``aliased_list(200, k)`` fed piece by piece, as the pool reader feeds machines.

    Without the outer sequence: aliasCount = 201k, decodeCount = 202 + 202k, over 0.99 first
    at k = 197.
    """
    root = yamlread.compose(aliased_list(200, 197) + '\n')  # within the limit as a whole
    assert isinstance(root, yaml.SequenceNode)
    first, *rest = root.value
    budget = yamlread.AliasBudget()
    budget.add(first, keep=[first])
    for piece in rest[:-1]:
        budget.add(piece)
    assert (budget.decodes, budget.aliased) == (202 + 202 * 196, 201 * 196)
    with pytest.raises(yamlread.AliasingError):
        budget.add(rest[-1])

"""Charms as users ship them: ``.charm`` files, the bases a charm declares, Juju's base choice."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
import yaml

from orchestrator.juju import charmspec
from orchestrator.juju.charmspec import CharmSpecError


def write_charm(root: Path, charmcraft: dict[str, object]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / 'charmcraft.yaml').write_text(yaml.safe_dump(charmcraft))
    (root / 'src').mkdir(exist_ok=True)
    (root / 'src' / 'charm.py').write_text('')
    return root


BASE = {'name': 'db', 'type': 'charm', 'summary': 's', 'description': 'd'}


def packed(path: Path, files: dict[str, str | bytes], modes: dict[str, int] | None = None) -> Path:
    """A zip laid out as charmcraft packs one."""
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.external_attr = ((modes or {}).get(name, 0o644) | 0o100000) << 16
            archive.writestr(info, content)
    return path


PACKED_FILES: dict[str, str | bytes] = {
    'metadata.yaml': yaml.safe_dump({'name': 'db', 'summary': 's', 'description': 'd',
                                     'provides': {'db': {'interface': 'pgsql'}}}),
    'config.yaml': yaml.safe_dump({'options': {'port': {'type': 'int', 'default': 5432}}}),
    'manifest.yaml': yaml.safe_dump({
        'charmcraft-version': '4.5.0',
        'bases': [{'name': 'ubuntu', 'channel': '22.04', 'architectures': ['amd64']}],
    }),
    'dispatch': '#!/bin/sh\nexec ./src/charm.py\n',
    'src/charm.py': '#!/usr/bin/env python3\n',
}  # fmt: skip


# -- declared bases -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ('declared', 'bases'),
    [
        ({'base': 'ubuntu@22.04', 'platforms': {'amd64': None}}, ('ubuntu@22.04',)),
        (
            {'platforms': {'ubuntu@22.04:amd64': None, 'ubuntu@24.04:amd64': None}},
            ('ubuntu@22.04', 'ubuntu@24.04'),
        ),
        (
            {
                'platforms': {
                    'jammy': {
                        'build-on': ['ubuntu@22.04:amd64'],
                        'build-for': ['ubuntu@22.04:amd64'],
                    }
                }
            },
            ('ubuntu@22.04',),
        ),
        (
            {
                'bases': [
                    {
                        'build-on': [{'name': 'ubuntu', 'channel': '20.04'}],
                        'run-on': [
                            {'name': 'ubuntu', 'channel': '20.04'},
                            {'name': 'ubuntu', 'channel': '22.04'},
                        ],
                    }
                ]
            },
            ('ubuntu@20.04', 'ubuntu@22.04'),
        ),
        ({'bases': [{'name': 'ubuntu', 'channel': '22.04'}]}, ('ubuntu@22.04',)),
        ({}, ()),
    ],
)
def test_charmcraft_yaml_bases_are_what_the_manifest_would_say(
    tmp_path: Path, declared: dict[str, object], bases: tuple[str, ...]
):
    assert charmspec.load(write_charm(tmp_path / 'db', {**BASE, **declared})).bases == bases


def test_metadata_series_become_bases_and_an_unknown_series_is_refused(tmp_path: Path):
    root = tmp_path / 'legacy'
    root.mkdir()
    (root / 'src').mkdir()
    (root / 'src' / 'charm.py').write_text('')
    meta = {'name': 'legacy', 'summary': 's', 'description': 'd', 'series': ['jammy', 'focal']}
    (root / 'metadata.yaml').write_text(yaml.safe_dump(meta))
    assert charmspec.load(root).bases == ('ubuntu@22.04', 'ubuntu@20.04')
    (root / 'metadata.yaml').write_text(yaml.safe_dump({**meta, 'series': ['warty']}))
    with pytest.raises(CharmSpecError, match=r'metadata.yaml: series: series "warty" not valid'):
        charmspec.load(root)


def test_the_plugin_is_read_from_a_part_of_any_name(tmp_path: Path):
    """jubilant's test charms build with ``parts: {db-charm: {plugin: uv}}``."""
    charm = write_charm(tmp_path / 'db', {**BASE, 'parts': {'db-charm': {'plugin': 'uv'}}})
    assert charmspec.load(charm).plugin == 'uv'


@pytest.mark.parametrize(
    ('requested', 'supported', 'chosen'),
    [
        (None, ('ubuntu@22.04',), 'ubuntu@22.04'),
        (None, ('ubuntu@22.04', 'ubuntu@24.04'), 'ubuntu@24.04'),  # the latest LTS first
        (None, (), 'ubuntu@24.04'),
        ('ubuntu@22.04', ('ubuntu@22.04', 'ubuntu@24.04'), 'ubuntu@22.04'),
        ('ubuntu@22.04/stable', ('ubuntu@22.04',), 'ubuntu@22.04'),
    ],
)
def test_base_selection_is_jujus(requested: str | None, supported: tuple[str, ...], chosen: str):
    assert charmspec.select_base(requested, supported) == chosen


def test_a_requested_base_the_charm_does_not_support_gets_jujus_message():
    with pytest.raises(CharmSpecError) as info:
        charmspec.select_base('ubuntu@24.04', ('ubuntu@20.04', 'ubuntu@22.04'))
    assert str(info.value) == (
        'base "ubuntu@24.04" not supported by charm, the charm supported bases are: '
        'ubuntu@20.04, ubuntu@22.04'
    )


# -- .charm files ---------------------------------------------------------------------------


def test_a_charm_file_is_unpacked_once_and_read_with_its_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    archive = packed(tmp_path / 'db_ubuntu-22.04-amd64.charm', PACKED_FILES,
                     {'dispatch': 0o755, 'src/charm.py': 0o755})  # fmt: skip
    root = charmspec.resolve('./db_ubuntu-22.04-amd64.charm', charms_dir=tmp_path,
                             base_dir=tmp_path)  # fmt: skip
    assert root.is_relative_to(tmp_path / 'cache' / 'olm' / 'unpacked')
    spec = charmspec.load(root)
    assert (spec.name, spec.bases, spec.packed) == ('db', ('ubuntu@22.04',), True)
    assert spec.config_defaults() == {'port': 5432}
    assert set(spec.endpoints) == {'db', 'juju-info'}
    assert (root / 'dispatch').stat().st_mode & 0o777 == 0o755
    assert (root / 'metadata.yaml').stat().st_mode & 0o777 == 0o644
    copy = tmp_path / 'renamed.charm'
    copy.write_bytes(archive.read_bytes())
    assert charmspec.resolve(str(copy), charms_dir=tmp_path, base_dir=tmp_path) == root


def test_a_file_that_is_not_a_zip_gets_jujus_message(tmp_path: Path):
    (tmp_path / 'bad.charm').write_bytes(b'\x87not a zip')
    with pytest.raises(CharmSpecError) as info:
        charmspec.resolve('./bad.charm', charms_dir=tmp_path, base_dir=tmp_path)
    assert str(info.value) == 'invalid charm or bundle provided at "./bad.charm"'


def test_a_truncated_zip_gets_jujus_message(tmp_path: Path):
    data = packed(tmp_path / 'full.charm', PACKED_FILES).read_bytes()
    (tmp_path / 'cut.charm').write_bytes(data[: len(data) // 2])
    with pytest.raises(CharmSpecError, match=r'^invalid charm or bundle provided at "cut.charm"$'):
        charmspec.resolve('cut.charm', charms_dir=tmp_path, base_dir=tmp_path)


def test_a_corrupt_member_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    data = bytearray(
        packed(tmp_path / 'ok.charm', {'metadata.yaml': 'name: db\n' * 50}).read_bytes()
    )
    with zipfile.ZipFile(tmp_path / 'ok.charm') as archive:
        info = archive.getinfo('metadata.yaml')
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 2] ^= 0xFF
    (tmp_path / 'crc.charm').write_bytes(bytes(data))
    with pytest.raises(CharmSpecError, match=r'^cannot unpack charm crc.charm: '):
        charmspec.resolve('crc.charm', charms_dir=tmp_path, base_dir=tmp_path)
    assert not list((tmp_path / 'cache' / 'olm' / 'unpacked').iterdir())  # nothing half-kept


def test_a_member_outside_the_charm_directory_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv('XDG_CACHE_HOME', str(tmp_path / 'cache'))
    packed(tmp_path / 'evil.charm', {**PACKED_FILES, '../escape': 'x'})
    with pytest.raises(CharmSpecError, match=r"'\.\./escape' is outside the charm directory"):
        charmspec.resolve('evil.charm', charms_dir=tmp_path, base_dir=tmp_path)
    assert not (tmp_path / 'cache' / 'olm' / 'escape').exists()


@pytest.mark.parametrize(
    ('requested', 'supported', 'shown'),
    [
        ('windows@10', (), 'windows@10/stable'),  # a charm declaring no base: still refused
        ('centos@7', ('ubuntu@24.04',), 'centos@7/stable'),  # before the charm's own bases
        ('ubuntu@16.04/edge', ('ubuntu@16.04',), 'ubuntu@16.04/edge'),
    ],
)
def test_a_base_juju_deploys_nothing_on_gets_jujus_not_supported(
    requested: str, supported: tuple[str, ...], shown: str
):
    with pytest.raises(CharmSpecError) as info:
        charmspec.select_base(requested, supported)
    assert str(info.value).startswith(f'base: {shown} (Juju deploys workloads on ubuntu@20.04, ')

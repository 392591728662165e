"""A charm directory turned into what ``charmcraft pack`` puts in the ``.charm`` file.

The dispatch runner runs the artifact Juju runs, so it needs the packed layout: the charm's
files without its tests, the shared ``lib/`` packages where the repository packs them, a
``dispatch`` script, and a ``venv/`` with the charm's locked dependencies. What each part
models (charmcraft 4.5.0, ``charmcraft/``):

- files: the ``uv``, ``python`` and ``poetry`` plugins copy ``src/`` and ``lib/`` with
  ``cp --archive`` (``utils/parts.py`` ``get_charm_copy_commands``): modes kept, so a
  non-executable entry point stays one; the ``charm`` plugin the charm's tree but its tests
  and build directories;
- shared packages: a charm in ``<repo>/charms/<name>`` whose repository has a ``lib/`` of
  Python packages gets them in its own ``lib/``, as ``tools/pack.py`` stages them before
  packing (this repository's layout; a charm elsewhere is taken as it is);
- ``metadata.yaml``, ``actions.yaml``, ``config.yaml``: written from ``charmcraft.yaml``
  (``services/package.py``), which ops reads at start-up;
- ``dispatch``: the ``charm`` plugin writes ``const.py`` ``DISPATCH_CONTENT`` (``exec`` of the
  entry point, ``PYTHONPATH=lib:venv``); the ``uv``, ``python`` and ``poetry`` plugins write
  ``dispatch.py`` ``DISPATCH_SCRIPT_TEMPLATE`` (the venv's python on the entry point). A
  charm with its own ``dispatch`` or ``hooks/`` keeps it (``create_dispatch``);
- ``venv/``: the ``uv`` plugin syncs ``uv.lock`` without dev groups and without the project
  (``parts/plugins/_uv.py``), then removes ``venv/bin`` but ``activate``
  (``get_venv_cleanup_commands``); craft-parts' uv plugin compiles the bytecode
  (``UV_COMPILE_BYTECODE=1``, craft_parts/plugins/uv_plugin.py); ``dispatch`` links
  ``venv/bin/python`` to the machine's ``python3`` on first run. The ``charm`` and
  ``python`` plugins install ``requirements.txt``; the ``charm`` plugin's ``venv/`` is a flat
  package directory on ``PYTHONPATH``. The link ``dispatch`` would make at
  ``venv/bin/python`` is made at staging: units share the venv read-only.

Deviation: the venv is built for the interpreter the sandbox runs (this computer's
``/usr/bin/python3``), not the base's (CPython 3.12 on ubuntu@24.04): the same locked versions,
wheels for another Python, so the lock's hashes (which cover only the base Python's wheels)
are not checked. It is built once per lock (uv's cache keeps the wheels) under
``$XDG_CACHE_HOME/olm`` and shared read-only by every unit; staged charms are cached there too,
by content (:mod:`..charm_venv` builds the venvs).

A ``.charm`` (unpacked by :mod:`orchestrator.juju.charmspec`) is staged as it is: its own
``dispatch`` and ``venv/``; a venv built for another Python than the sandbox's is rebuilt at
the versions it holds (:func:`..charm_venv.packed_venv`, the same deviation).
"""

# pyright: strict

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from ...juju import charmspec
from ..charm_venv import (
    SANDBOX_PYTHON,
    VenvError,
    build_venv,
    cache_dir,
    charm_requirements,
    packed_venv,
    run,
)

__all__ = [
    'SANDBOX_PYTHON',
    'StagedCharm',
    'StagingError',
    'cache_dir',
    'install_client',
    'stage',
]


_DISPATCH_CHARM_PLUGIN = """#!/bin/sh

JUJU_DISPATCH_PATH="${{JUJU_DISPATCH_PATH:-$0}}" PYTHONPATH=lib:venv \\
  exec ./{entrypoint}
"""

_DISPATCH_VENV_PLUGINS = """#!/bin/sh
dispatch_path="$(dirname $(realpath $0))"
venv_bin_path="${{dispatch_path}}/venv/bin"
python_path="${{venv_bin_path}}/python"
if [ ! -e "${{python_path}}" ]; then
    mkdir -p "${{venv_bin_path}}"
    ln -s $(which python3) "${{python_path}}"
fi

# Add charm lib and source directories to PYTHONPATH so the charm can import
# libraries and its own modules as expected.
export PYTHONPATH="${{dispatch_path}}/lib:${{dispatch_path}}/src"

# Add the charm's lib and usr/lib directories to LD_LIBRARY_PATH, allowing
# staged packages to be discovered by the dynamic linker.
export LD_LIBRARY_PATH="${{dispatch_path}}/usr/lib:${{dispatch_path}}/lib:${{dispatch_path}}/usr/lib/$(uname -m)-linux-gnu"

exec "${{python_path}}" "${{dispatch_path}}/{entrypoint}"
"""  # noqa: E501 (charmcraft's text, line for line)
# Both scripts are charmcraft 4.5.0's text (const.py, dispatch.py): the runner executes them
# with the real /bin/sh, so their behaviour (and their refusals) are the packed charm's.

_LAYOUT = '4'
"""Grows when olm stages differently: a staged charm of another layout is not reused."""

_SKIP = ('tests', '__pycache__', '.ruff_cache', '.tox', '.venv', 'venv', 'build')
_SKIP_SUFFIXES = ('.pyc', '.charm')
_SKIP_FILES = ('.olm', 'charmcraft.yaml')
# charmcraft's sources leave out ``*.charm`` and ``charmcraft.yaml`` (charmcraft
# ``application/main.py`` ``source_ignore_patterns``): the packed charm has the YAML files
# written from it instead.


StagingError = VenvError
"""A charm that cannot be staged as charmcraft would pack it (the message says why)."""


class StagedCharm:
    """A staged charm: its directory and the venv to put at ``venv/``.

    The venv is kept apart from the staged files (it is shared by every charm with the same
    lock) and bound into the unit's charm directory by the sandbox.
    """

    def __init__(self, path: Path, venv: Path | None) -> None:
        self.path = path
        self.venv = venv

    def __repr__(self) -> str:
        return f'StagedCharm({str(self.path)!r}, venv={str(self.venv)!r})'


def _files(root: Path) -> list[Path]:
    found: list[Path] = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP and not d.startswith('.'))
        base = Path(directory)
        found += [
            base / n
            for n in sorted(names)
            if not n.endswith(_SKIP_SUFFIXES) and n not in _SKIP_FILES
        ]
    return found


def shared_lib(charm: Path) -> Path | None:
    """The repository's shared ``lib/`` for a charm in ``<repo>/charms/<name>``, if any."""
    if charm.parent.name != 'charms':
        return None
    lib = charm.parent.parent / 'lib'
    return lib if lib.is_dir() else None


def _packages(lib: Path | None) -> list[Path]:
    if lib is None:
        return []
    return sorted(p for p in lib.iterdir() if (p / '__init__.py').is_file())


def _digest(paths: list[tuple[str, Path]], extra: str) -> str:
    digest = hashlib.sha256(extra.encode())
    for name, path in paths:
        stat = path.stat()
        digest.update(f'\0{name}\0{stat.st_mode & 0o777:o}\0'.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def _write_juju_files(spec: charmspec.CharmSpec, work: Path) -> None:
    """``metadata.yaml``, ``actions.yaml`` and ``config.yaml``, as charmcraft mediates them.

    charmcraft 4.5.0 ``services/package.py`` ``get_metadata_yaml`` (the charm's own
    ``metadata.yaml`` if it has one, else the metadata of ``charmcraft.yaml``) and
    ``_get_mediated_yaml`` (``actions`` and ``config`` only when the project has them).
    """
    if not (work / 'metadata.yaml').is_file():
        (work / 'metadata.yaml').write_text(yaml.safe_dump(dict(spec.meta), sort_keys=True))
    if spec.actions_meta and not (work / 'actions.yaml').is_file():
        (work / 'actions.yaml').write_text(yaml.safe_dump(dict(spec.actions_meta)))
    if spec.config_meta.get('options') and not (work / 'config.yaml').is_file():
        (work / 'config.yaml').write_text(yaml.safe_dump(dict(spec.config_meta)))


def install_client(source: Path, *, cache: Path | None = None, compiled: bool = True) -> Path:
    """The agent client as a program for the sandbox (made once per content).

    Built from ``agent_call.c`` beside ``source`` when this computer has a C compiler (about
    1 ms a call), else the Python client run by the sandbox's interpreter (about 10 ms).
    """
    built = _compiled_client(source.with_name('agent_call.c'), cache or cache_dir())
    if compiled and built is not None:
        return built
    text = f'#!{SANDBOX_PYTHON} -IS\n' + source.read_text()
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    target = (cache or cache_dir()) / 'bin' / f'agent-call-{key}'
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, 'w') as file:
            file.write(text)
        os.chmod(temp, 0o755)  # noqa: S103 (a program every user of the sandbox runs)
        os.replace(temp, target)
    return target


def _compiled_client(source: Path, cache: Path) -> Path | None:
    compiler = shutil.which('cc') or shutil.which('gcc')
    if compiler is None or not source.is_file():
        return None
    key = hashlib.sha256(source.read_bytes() + compiler.encode()).hexdigest()[:20]
    target = cache / 'bin' / f'agent-call-c-{key}'
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f'.{target.name}.{os.getpid()}')
    done = subprocess.run(
        [compiler, '-O2', '-o', str(temp), str(source)], capture_output=True, check=False
    )
    if done.returncode != 0:
        temp.unlink(missing_ok=True)
        return None
    os.replace(temp, target)
    return target


def stage(spec: charmspec.CharmSpec, *, cache: Path | None = None) -> StagedCharm:
    """The charm as charmcraft packs it, staged (once per content) under ``cache``.

    Raises:
        StagingError: the plugin is one olm does not stage, the lock is missing, or uv
            cannot install the locked dependencies (its last line of output says why).
    """
    cache = cache or cache_dir()
    charm = spec.path
    if spec.packed:
        return _stage_packed(spec, cache)
    lib = shared_lib(charm)
    files = [(str(p.relative_to(charm)), p) for p in _files(charm)]
    if spec.plugin != 'charm':
        # The venv plugins copy only src/ and lib/ (utils/parts.py get_charm_copy_commands).
        files = [(name, p) for name, p in files if name.startswith(('src/', 'lib/'))]
    for package in _packages(lib):
        files += [(f'lib/{p.relative_to(package.parent)}', p) for p in _files(package)]
    requirements, real_venv = charm_requirements(spec, cache)
    venv = build_venv(requirements, real_venv, cache)
    key = _digest(files, f'{_LAYOUT}\0{spec.plugin}\0{spec.entrypoint}\0{sys.implementation.name}')
    target = cache / 'charms' / f'{spec.name}-{key}'
    if (target / '.olm').exists():
        return StagedCharm(target, venv)
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f'.{spec.name}.', dir=target.parent))
    try:
        for name, source in files:
            destination = work / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
        _write_juju_files(spec, work)
        if not (work / 'dispatch').exists() and not (work / 'hooks').is_dir():
            template = _DISPATCH_CHARM_PLUGIN if spec.plugin == 'charm' else _DISPATCH_VENV_PLUGINS
            dispatch = work / 'dispatch'
            dispatch.write_text(template.format(entrypoint=spec.entrypoint))
            dispatch.chmod(0o755)
        # What the charm's first run would cache in its (writable) charm directory; units
        # share the staged charm read-only.
        run([str(SANDBOX_PYTHON), '-m', 'compileall', '-q', '.'], work, 'compiling the charm')
        (work / '.olm').write_text(f'staged by olm from {charm}\n')
        with contextlib.suppress(OSError):
            work.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return StagedCharm(target, venv)


def _stage_packed(spec: charmspec.CharmSpec, cache: Path) -> StagedCharm:
    """A ``.charm`` (unpacked) is staged already: its files as they are, its own venv.

    Its ``venv/bin/python`` is linked to the sandbox's interpreter, as its ``dispatch`` would
    link it on the first run (units share the unpacked charm read-only). A venv built for
    another Python is rebuilt at the same versions (:func:`..charm_venv.packed_venv`).
    """
    venv = packed_venv(spec, cache, python=str(SANDBOX_PYTHON))
    if venv is not None and (venv / 'lib').is_dir():
        python = venv / 'bin' / 'python'
        if not python.is_symlink() and not python.exists():
            python.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                python.symlink_to(SANDBOX_PYTHON)
    return StagedCharm(spec.path, venv)

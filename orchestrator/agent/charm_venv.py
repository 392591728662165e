"""A charm's own Python dependencies: what it locks, built once into a venv both runners use.

Under Juju a charm imports what charmcraft installed into its ``venv/`` (charmcraft 4.5
``parts/plugins/_uv.py``: ``uv sync`` of ``uv.lock`` without dev groups; the ``python`` and
``charm`` plugins: ``requirements.txt``). olm builds the same set with uv, once per set of
requirement lines and interpreter, under ``$XDG_CACHE_HOME/olm/venvs``:

- the dispatch runner puts the whole venv at the packed charm's ``venv/`` (the charm runs on
  its own ops, as under Juju);
- the scenario runner imports the charm in olm's process, where ops and Scenario are olm's
  (one process holds one ``ops``): it builds a venv of only the packages olm's environment
  does not have, and puts it *after* olm's on the import path while the charm's hooks run, so
  the charm finds its own extras (``humanize``) and olm's ops. A charm whose locked ops olm's
  cannot stand in for is refused with a message naming both versions and the dispatch runner
  (:func:`check_scenario_ops`).

A ``.charm`` brings its venv built: it is used as it is when it was built for the interpreter
that runs it; a venv built for another Python (charmcraft builds for the base's: CPython 3.12
on ubuntu@24.04) is rebuilt here from the distributions it holds, at the same versions
(:func:`packed_requirements`), the deviation the dispatch staging documents for lock files.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from .. import _ops_versions
from ..juju import charmspec

__all__ = [
    'SANDBOX_PYTHON',
    'OpsMismatchError',
    'VenvError',
    'build_venv',
    'cache_dir',
    'charm_requirements',
    'check_scenario_ops',
    'packed_requirements',
    'packed_venv_python',
    'scenario_paths',
    'uv',
]

SANDBOX_PYTHON = Path('/usr/bin/python3')
"""The interpreter the dispatch sandbox runs: ``dispatch`` finds it as ``python3`` on PATH."""

_DIST_INFO = re.compile(r'(.+?)-([^-]+)\.dist-info')


class VenvError(Exception):
    """A charm's dependencies that cannot be installed as charmcraft would (says why)."""


class OpsMismatchError(VenvError):
    """The charm locks an ops that olm's in-process runner cannot stand in for."""


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/olm`` (``~/.cache/olm``): staged charms and their venvs."""
    base = os.environ.get('XDG_CACHE_HOME') or str(Path.home() / '.cache')
    return Path(base) / 'olm'


def uv() -> str:
    """The uv program: the one the ``uv`` wheel ships, else ``uv`` on PATH."""
    try:
        from uv import find_uv_bin  # the uv wheel from PyPI ships its binary

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        found = shutil.which('uv')
        if found is None:
            raise VenvError(
                "installing a charm's dependencies needs uv (pip install uv)"
            ) from None
        return found


def run(argv: list[str], cwd: Path, what: str) -> str:
    """Run a program; its last line of output is the error when it fails."""
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise VenvError(f'{what}: {detail[-1] if detail else f"exit {done.returncode}"}')
    return done.stdout


def _uv_export(charm: Path, cache: Path) -> str:
    """``uv export`` of the charm's lock (runtime dependencies), remembered by lock content."""
    lock = charm / 'uv.lock'
    if not lock.is_file():
        raise VenvError(f'{charm}: the uv plugin needs uv.lock (run: uv lock)')
    key = hashlib.sha256(lock.read_bytes()).hexdigest()[:20]
    saved = cache / 'exports' / f'{key}.txt'
    with contextlib.suppress(OSError):
        return saved.read_text()
    text = run(
        [uv(), 'export', '--frozen', '--no-dev', '--no-emit-project', '--no-hashes', '--quiet'],
        charm,
        f'{charm}: uv export',
    )
    saved.parent.mkdir(parents=True, exist_ok=True)
    temp = saved.with_name(f'.{saved.name}.{os.getpid()}')
    temp.write_text(text)
    os.replace(temp, saved)
    return text


def charm_requirements(spec: charmspec.CharmSpec, cache: Path | None = None) -> tuple[str, bool]:
    """The charm directory's run-time requirements as lines, and whether they go in a real venv.

    ``uv``: the lock's export; ``python`` and ``charm``: ``requirements.txt`` (the ``charm``
    plugin's venv is a flat package directory).

    Raises:
        VenvError: a uv charm without ``uv.lock``, or a plugin olm does not build.
    """
    charm = spec.path
    if spec.plugin == 'uv':
        return _uv_export(charm, cache or cache_dir()), True
    if spec.plugin in ('charm', 'python'):
        requirements = charm / 'requirements.txt'
        text = requirements.read_text() if requirements.is_file() else ''
        return text, spec.plugin == 'python'
    raise VenvError(
        f'{charm}: the {spec.plugin!r} plugin is not staged by olm (uv, python and charm are)'
    )


def build_venv(
    requirements: str, real_venv: bool, cache: Path, *, python: str | None = None
) -> Path | None:
    """The venv of these requirement lines for ``python`` (once per set), None if empty.

    A real venv (``uv venv`` + ``uv pip install``) has ``bin/`` emptied but ``activate``, as
    charmcraft leaves it, and ``bin/python`` linked to the sandbox's interpreter; otherwise the
    packages go flat in one directory (``uv pip install --target``).

    Raises:
        VenvError: uv cannot install them (its last line says why).
    """
    if not requirements.strip():
        return None
    python = os.path.realpath(python or SANDBOX_PYTHON)
    key = hashlib.sha256(f'{python}\0{real_venv}\0{requirements}'.encode()).hexdigest()[:20]
    target = cache / 'venvs' / key
    if (target / '.olm-complete').exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f'.{key}.', dir=target.parent))
    try:
        listed = work / 'requirements.txt'
        listed.write_text(requirements)
        venv = work / 'venv'
        program = uv()
        if real_venv:
            run([program, 'venv', '--quiet', '--python', python, str(venv)], work, 'uv venv')
            run(
                [program, 'pip', 'install', '--quiet', '--compile-bytecode',
                 '--python', str(venv / 'bin' / 'python'), '-r', str(listed)],
                work, "installing the charm's locked dependencies",
            )  # fmt: skip
            for entry in (venv / 'bin').iterdir():
                if entry.name != 'activate':
                    entry.unlink()
            # What dispatch links on its first run; made here because units share the venv
            # read-only (under Juju the charm directory is the unit's own and writable).
            (venv / 'bin' / 'python').symlink_to(SANDBOX_PYTHON)
            lib64 = venv / 'lib64'
            if lib64.is_symlink():
                lib64.unlink()
        else:
            run(
                [program, 'pip', 'install', '--quiet', '--compile-bytecode', '--python', python,
                 '--target', str(venv), '-r', str(listed)],
                work, "installing the charm's requirements",
            )  # fmt: skip
        (venv / '.olm-complete').touch()
        with contextlib.suppress(OSError):  # another olm built it meanwhile: keep theirs
            venv.rename(target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if not (target / '.olm-complete').exists():
        raise VenvError(f'the venv for the charm could not be built in {target}')
    return target


# -- a packed charm's venv ---------------------------------------------------------------------


def _site_packages(venv: Path) -> Path | None:
    """``venv/lib/python3.X/site-packages`` of a real venv; the venv itself when flat."""
    lib = venv / 'lib'
    if not lib.is_dir():
        return venv if venv.is_dir() else None
    found = sorted(lib.glob('python3*/site-packages'))
    return found[0] if found else None


def packed_venv_python(venv: Path) -> str | None:
    """The ``3.X`` a packed real venv was built for (``lib/python3.X``; None when flat)."""
    site = _site_packages(venv)
    if site is None or site == venv:
        return None
    return site.parent.name.removeprefix('python')


def _dists(site: Path) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for entry in sorted(site.glob('*.dist-info')):
        matched = _DIST_INFO.fullmatch(entry.name)
        if matched is not None:
            found.append((matched[1], matched[2]))
    return found


def packed_requirements(venv: Path) -> str:
    """``name==version`` of each distribution a packed venv holds."""
    site = _site_packages(venv)
    if site is None:
        return ''
    return ''.join(f'{name}=={version}\n' for name, version in _dists(site))


def _python_version(python: str) -> str:
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return f'{sys.version_info[0]}.{sys.version_info[1]}'
    out = run([python, '-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], Path('/'),
              f'asking {python} its version')  # fmt: skip
    return out.strip()


def packed_venv(spec: charmspec.CharmSpec, cache: Path, *, python: str) -> Path | None:
    """The venv a packed charm runs with on ``python``: its own, or rebuilt at its versions.

    Raises:
        VenvError: the venv was built for another Python and cannot be rebuilt here.
    """
    venv = spec.path / 'venv'
    if not venv.is_dir():
        return None
    built_for = packed_venv_python(venv)
    if built_for is None:
        return venv
    running = _python_version(python)
    if built_for == running:
        return venv
    try:
        return build_venv(packed_requirements(venv), True, cache, python=python)
    except VenvError as error:
        raise VenvError(
            f'{spec.path}: the packed venv was built for Python {built_for} and olm runs '
            f'Python {running}; rebuilding it at the same versions failed: {error}'
        ) from None


# -- the scenario runner --------------------------------------------------------------------


def _in_olm(name: str) -> bool:
    try:
        importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _parsed(requirements: str) -> list[Requirement]:
    found: list[Requirement] = []
    for line in requirements.splitlines():
        text = line.split(' #', 1)[0].strip()
        if not text or text.startswith(('#', '-')):
            continue
        try:
            found.append(Requirement(text))
        except InvalidRequirement:
            continue  # a URL or a path: uv reads it; olm has no pin to compare
    return found


def _locked(spec: charmspec.CharmSpec, cache: Path) -> str:
    """The charm's requirement lines: a packed charm's venv contents, else its lock/list.

    A charm olm cannot build (another plugin, a uv charm not locked yet) has none here: the
    in-process runner imports it with olm's environment, as it always did.
    """
    if spec.packed:
        venv = spec.path / 'venv'
        return packed_requirements(venv) if venv.is_dir() else ''
    if spec.plugin not in ('uv', 'charm', 'python'):
        return ''
    if spec.plugin == 'uv' and not (spec.path / 'uv.lock').is_file():
        return ''
    return charm_requirements(spec, cache)[0]


_LAST_OPS_2 = Version('2.23.2')
"""The last ops 2.x release (canonical/operator tag 2.23.2)."""


def _ops_2_runs_on(charm_ops: Version, olm_ops: Version) -> bool:
    """Whether a charm written for ops 2.x runs unchanged on olm's ops 3.x.

    ops 3.0.0 broke nothing but the oldest Python: "The minimum version of Python for Ops 3.x
    is 3.10" is the whole of its entry in canonical/operator ``CHANGES.md`` (7989557d), and 3.x
    minors only add. So every 2.x API a charm can call is in olm's 3.x (jubilant's own test
    charms lock ops 2.19.4).
    """
    return charm_ops.major == 2 and olm_ops.major == 3


def check_scenario_ops(spec: charmspec.CharmSpec, cache: Path | None = None) -> None:
    """Refuse a charm whose ops olm's in-process ops cannot stand in for.

    An exact pin (a lock, a packed venv, ``ops==X``) is served by olm's ops of the same major
    version and at least its minor (ops keeps its API within a major version and adds to it in
    minors: semantic versioning, canonical/operator ``CHANGES.md``), or by any ops of olm's
    tested series when the pin is in them; any ops 2.x is served by olm's 3.x (see
    :func:`_ops_2_runs_on`). A range must contain olm's ops or the last 2.x release.

    Raises:
        OpsMismatchError: naming the charm's ops, olm's, the series olm supports and the
            dispatch runner.
    """
    olm_ops = Version(importlib.metadata.version('ops'))
    for requirement in _parsed(_locked(spec, cache or cache_dir())):
        if canonicalize_name(requirement.name) != 'ops':
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        pins = [s.version for s in requirement.specifier if s.operator in ('==', '===')]
        try:
            pinned = Version(pins[0]) if len(pins) == 1 and '*' not in pins[0] else None
        except InvalidVersion:
            pinned = None
        if pinned is not None:
            series = f'{pinned.major}.{pinned.minor}'
            fits = _ops_2_runs_on(pinned, olm_ops) or (
                pinned.major == olm_ops.major
                and (pinned.minor <= olm_ops.minor or series in _ops_versions.TESTED['ops'])
            )
            wanted = f'ops {pinned}'
        else:
            fits = requirement.specifier.contains(olm_ops, prereleases=True) or (
                _ops_2_runs_on(_LAST_OPS_2, olm_ops)
                and requirement.specifier.contains(_LAST_OPS_2)
            )
            wanted = f'ops{requirement.specifier}'
        if not fits:
            supported = ' or '.join(f'{s}.x' for s in _ops_versions.TESTED['ops'])
            raise OpsMismatchError(
                f'charm "{spec.name}" needs {wanted}, and the scenario runner runs charms on '
                f"olm's own ops {olm_ops} (olm supports ops {supported}); deploy it with "
                '--runner dispatch (or OLM_RUNNER=dispatch) to run it on its own ops'
            )


def scenario_paths(spec: charmspec.CharmSpec, cache: Path | None = None) -> tuple[str, ...]:
    """Where the charm's own packages are, for the end of ``sys.path`` while its hooks run.

    A charm directory: a flat venv of the requirements olm's environment does not provide
    (none: nothing to build). A packed charm: its venv's packages (rebuilt for this Python if
    they were built for another).

    Raises:
        VenvError: the packages cannot be installed.
    """
    cache = cache or cache_dir()
    if spec.packed:
        venv = packed_venv(spec, cache, python=sys.executable)
        site = _site_packages(venv) if venv is not None else None
        return (str(site),) if site is not None else ()
    missing = [
        str(r)
        for r in _parsed(_locked(spec, cache))
        if (r.marker is None or r.marker.evaluate()) and not _in_olm(r.name)
    ]
    venv = build_venv(''.join(f'{line}\n' for line in missing), False, cache,
                      python=sys.executable)  # fmt: skip
    return (str(venv),) if venv is not None else ()

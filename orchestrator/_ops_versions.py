"""The ops and ops-scenario releases olm is tested with, and the one error for any other.

olm runs charm code through a dozen private ops and Scenario seams (:mod:`orchestrator._compat`);
a release outside the tested series may have changed any of them, and the failure would then
show as a charm seeing the wrong hook name or a secret id that is not reproducible, far from
its cause. So ``_compat`` checks the installed releases before it touches ops and refuses an
untested one with :class:`OpsVersionError`: one line naming the tested series, the releases
found and the command that installs a tested one.

This module imports nothing of ops or Scenario, so that the ``olm`` command can name the error
(and print it as one line) even when ``_compat`` itself could not be imported. The tested
series here, the ``ops[testing]`` pin in pyproject.toml and the CI lock (requirements/ci.txt)
move together: tests/unit/agent/test_ops_versions.py checks that they agree.
"""

# pyright: strict

from __future__ import annotations

import importlib.metadata
import os
import re
import warnings

__all__ = [
    'ALLOW_UNTESTED',
    'PIN',
    'TESTED',
    'OpsVersionError',
    'check_installed',
    'untested_releases',
]

TESTED: dict[str, tuple[str, ...]] = {
    'ops': ('3.8', '3.9'),
    'ops-scenario': ('8.8', '8.9'),
}
"""The ``major.minor`` series of each distribution the whole test suite passes with.

ops 3.7 (Scenario 8.7) fails the engine tests: its ``JUJU_HOOK_NAME`` keeps the endpoint's
underscore form (``db_relation-changed``), and ``Secret.id``'s default factory is bound when the
class is made, so :func:`orchestrator._compat.seeded_secret_ids` cannot seed it. In ops 3.3
(Scenario 8.3) ``scenario._runtime.Runtime`` is not generic, which olm's subclass of it assumes.
"""

PIN = 'ops[testing]>=3.8,<3.10'
"""The requirement that installs a tested release (as in pyproject.toml)."""

ALLOW_UNTESTED = 'OLM_ALLOW_UNTESTED_OPS'
"""Set to ``1`` to warn instead of refusing an untested release (``tox -e ops-newest``: the
seam tests then say which seam a new release broke)."""

_SERIES = re.compile(r'(\d+)\.(\d+)')


class OpsVersionError(ImportError):
    """The installed ops or ops-scenario is not a release olm is tested with.

    An :class:`ImportError`: ``orchestrator._compat`` (and so the hook runner) cannot be
    imported with it.
    """


def untested_releases() -> dict[str, str | None]:
    """``{distribution: version found}`` of each one outside its tested series (None: absent)."""
    found: dict[str, str | None] = {}
    for name, series in TESTED.items():
        try:
            version: str | None = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            version = None
        match = _SERIES.match(version or '')
        if match is None or f'{match[1]}.{match[2]}' not in series:
            found[name] = version
    return found


def check_installed() -> None:
    """Refuse (or, with ``OLM_ALLOW_UNTESTED_OPS=1``, warn about) an untested ops release.

    Raises:
        OpsVersionError: ops or ops-scenario is absent or outside :data:`TESTED`.
    """
    found = untested_releases()
    if not found:
        return
    message = _message(found)
    if os.environ.get(ALLOW_UNTESTED) == '1':
        warnings.warn(message, RuntimeWarning, stacklevel=2)
        return
    raise OpsVersionError(message)


def _message(found: dict[str, str | None]) -> str:
    tested = ' and '.join(
        f'{name} {" or ".join(f"{s}.x" for s in series)}' for name, series in TESTED.items()
    )
    versions = ', '.join(
        f'{name} {version or "(not installed)"}' for name, version in found.items()
    )
    return f"olm needs {tested} (tested); found {versions}: pip install '{PIN}'"

"""Charm resources: ``juju deploy --resource NAME=PATH`` and what ``resource-get`` answers.

A machine charm's resources are files (charm metadata ``resources:``, ``type: file``). Juju
uploads the file given at deploy to the controller; a unit's ``resource-get NAME`` downloads it
to the unit's agent directory and prints that path
(``/var/lib/juju/agents/unit-<app>-<n>/resources/<name>/<filename>``, the file named as the
charm's metadata names it). olm keeps its copy under the state directory and writes it onto the
unit's simulated machine at that path before the unit's hooks run, so the charm opens it there
and never on this computer.

Juju's messages: ``unrecognized resource "x"`` / ``unrecognized resources: a, b`` (juju/juju
``cmd/juju/application/deployer/resource.go``, ``checkExpectedResources``), ``file for resource
"x": stat PATH: no such file or directory`` (``cmd/juju/application/utils/utils.go``
``CheckFile``). A revision number instead of a file asks Charmhub for that revision, which olm
cannot reach: it says so.
"""

# pyright: strict

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

from ..state import model
from ._deferred import charmspec, sim
from ._errors import EngineError

__all__ = ['check_resources', 'place_resources', 'store_resources']


def _declared(spec: charmspec.CharmSpec) -> dict[str, dict[str, Any]]:
    raw = cast('Mapping[str, Any]', spec.meta.get('resources') or {})
    return {str(k): dict(cast('Mapping[str, Any]', v or {})) for k, v in raw.items()}


def check_resources(spec: charmspec.CharmSpec, given: Mapping[str, str]) -> None:
    """Refuse what Juju refuses, before anything changes.

    Raises:
        EngineError: an unknown resource name, a revision (Charmhub's), a missing file.
    """
    declared = _declared(spec)
    unknown = sorted(name for name in given if name not in declared)
    if len(unknown) == 1:
        raise EngineError(f'unrecognized resource "{unknown[0]}"')
    if unknown:
        raise EngineError('unrecognized resources: ' + ', '.join(unknown))
    for name, value in given.items():
        if value.isdigit():
            raise EngineError(
                f'resource "{name}": revision {value} would come from Charmhub, which olm cannot '
                'reach; give a file: --resource NAME=PATH'
            )
        kind = str(declared[name].get('type', 'file'))
        if kind != 'file':
            raise EngineError(
                f'resource "{name}" is of type "{kind}": olm runs machine charms, whose '
                'resources are files'
            )
        path = Path(value).expanduser()
        if not path.exists():
            raise EngineError(
                f'file for resource "{name}": stat {value}: {os.strerror(errno.ENOENT).lower()}'
            )
        try:
            path.read_bytes().decode('utf-8')
        except OSError as error:
            raise EngineError(f'can\'t read file for resource "{name}": {error}') from None
        except UnicodeDecodeError:
            raise EngineError(
                f'resource "{name}": {value} is not UTF-8 text, and simulated machines hold '
                'text files only'
            ) from None


def store_resources(
    state_dir: Path, model_name: str, app: str, spec: charmspec.CharmSpec, given: Mapping[str, str]
) -> dict[str, str]:
    """Copy each file (the upload to the controller); returns name -> olm's copy."""
    declared = _declared(spec)
    stored: dict[str, str] = {}
    for name, value in given.items():
        source = Path(value).expanduser()
        filename = str(declared[name].get('filename') or source.name)
        target = state_dir / 'resources' / model_name / app / name / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        stored[name] = str(target)
    return stored


def place_resources(app: model.Application, unit: model.Unit, host: sim.SimHost) -> None:
    """Write the application's resource files onto the unit's machine (where changed).

    The files were checked to be text when deployed (the simulated machine holds text);
    one gone from the state directory since is left out, and ``resource-get`` fails for it.
    """
    for name, stored in app.resources.items():
        try:
            content = Path(stored).read_bytes().decode('utf-8', errors='replace')
        except OSError:
            continue
        host.write_text(app.resource_path(unit.name, name), content)

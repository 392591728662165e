"""Reading bundle and overlay files into parts, as juju/charm ``bundledatasrc.go`` does.

Every non-empty document of a file is one part; as it is read, a part is normalised (``scale``,
legacy ``services``) and its relative charm paths and ``include-file://``/``include-base64://``
values are resolved against the directory of the file that holds them.
"""

# pyright: strict

from __future__ import annotations

import base64
import dataclasses
import os
from pathlib import Path
from typing import Any, Final, cast

import yaml

from .._go import go_quote
from ._decode import Decoder, struct_field
from ._errors import BundleError
from ._schema import BUNDLE
from ._yaml import YamlMap, read_documents

_INCLUDES: Final = (('include-file://', False), ('include-base64://', True))


@dataclasses.dataclass(frozen=True, slots=True)
class CharmRef:
    """A charm reference and the directory a relative path in it is relative to."""

    text: str
    base_dir: Path


@dataclasses.dataclass(slots=True)
class Part:
    """One decoded document: its data, and whether it used the legacy ``services`` key."""

    file: Path
    doc: int
    data: dict[str, Any]
    services: bool


def read_parts(path: Path, errors: list[str], warnings: list[str], *, role: str) -> list[Part]:
    """Every non-empty document of a file, decoded; problems go to ``errors``."""
    try:
        text = path.read_text(encoding='utf-8')
    except FileNotFoundError:
        errors.append(f'{path}: {role} file not found')
        return []
    except IsADirectoryError:
        errors.append(f'{path}: is a directory, not a {role} file')
        return []
    except (OSError, UnicodeDecodeError) as error:
        errors.append(f'{path}: cannot read {role} file: {error}')
        return []
    try:
        documents = read_documents(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f'line {mark.line + 1}: ' if mark else ''
        problem = error.problem or error.context or 'cannot be parsed'
        errors.append(f'{path}: cannot unmarshal bundle contents: yaml: {where}{problem}')
        return []
    except yaml.YAMLError as error:
        errors.append(f'{path}: cannot unmarshal bundle contents: yaml: {error}')
        return []
    parts: list[Part] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        decoder = Decoder(str(path), index, errors, warnings)
        if not isinstance(document, YamlMap):
            decoder.error(1, document, None, BUNDLE, '')
            continue
        decoder.duplicates(document, '')
        data = decoder.mapping(document, BUNDLE, '')
        services = False
        if 'services' in data:
            if data.get('applications') is None:
                data['applications'] = data['services']
                services = True
            del data['services']
        part = Part(path, index, data, services)
        _prepare(part, errors)
        parts.append(part)
    return parts


def _prepare(part: Part, errors: list[str]) -> None:
    """What Juju does to each part as it reads it: normalise, then resolve paths and includes."""
    base_dir = part.file.parent
    apps = cast(dict[str, Any], part.data.get('applications') or {})
    where = f'{part.file}: unmarshal document {part.doc}: '
    for name, app in apps.items():
        if app is None:
            continue
        spec = cast(dict[str, Any], app)
        scale, num_units = spec.pop('scale', None), spec.get('num_units')
        if scale:
            if num_units:
                errors.append(
                    f'{where}cannot specify both scale and num_units for application '
                    f'{go_quote(name)}'
                )
            else:
                spec['num_units'] = scale
        placement = spec.pop('placement', None)
        if placement:
            errors.append(
                f'{where}placement ({placement}) not valid for non-Kubernetes application '
                f'{go_quote(name)}'
            )
        charm = spec.get('charm')
        if isinstance(charm, str) and charm:
            spec['charm'] = CharmRef(charm, base_dir)
        for field, what in (('options', 'option'), ('annotations', 'annotation')):
            values = cast(dict[str, Any] | None, spec.get(field))
            for key, value in (values or {}).items():
                resolved = _include(value, base_dir)
                if isinstance(resolved, BundleError):
                    errors.append(
                        f'{part.file}: processing {what} {go_quote(key)} for application '
                        f'{go_quote(name)}: {resolved}'
                    )
                elif values is not None:
                    values[key] = resolved
    machines = cast(dict[str, Any], part.data.get('machines') or {})
    for machine_id, machine in machines.items():
        annotations = cast(dict[str, Any] | None, struct_field(machine, 'annotations'))
        for key, value in (annotations or {}).items():
            resolved = _include(value, base_dir)
            if isinstance(resolved, BundleError):
                errors.append(
                    f'{part.file}: processing annotation {go_quote(key)} for machine '
                    f'{go_quote(machine_id)}: {resolved}'
                )
            elif annotations is not None:
                annotations[key] = resolved


def _include(value: object, base_dir: Path) -> object:
    """An option or annotation with its ``include-file://``/``include-base64://`` read in."""
    if not isinstance(value, str):
        return value
    for directive, encode in _INCLUDES:
        if not value.startswith(directive):
            continue
        ref = value[len(directive) :]
        target = Path(ref).expanduser()
        if not target.is_absolute():
            target = base_dir / target
        target = Path(os.path.abspath(target))
        problem: str | None = None
        data = b''
        if not target.exists():
            problem = f'include file {go_quote(str(target))} not found'
        elif target.is_dir():
            problem = f'include path {go_quote(str(target))} resolves to a folder'
        else:
            try:
                data = target.read_bytes()
            except OSError as error:
                problem = f'cannot read {go_quote(str(target))}: {error.strerror or error}'
        if problem is not None:
            return BundleError(f'resolving include {go_quote(ref)}: {problem}')
        if encode:
            return base64.b64encode(data).decode('ascii')
        try:
            return data.decode('utf-8')
        except UnicodeDecodeError:
            return BundleError(
                f'resolving include {go_quote(ref)}: {target} is not UTF-8 text '
                '(use include-base64://)'
            )
    return value

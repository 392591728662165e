"""``snap set``, ``get`` and ``unset``: a snap's configuration, dotted keys and all."""

# pyright: strict

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, cast

from ._errors import EXIT_USAGE, SnapError
from ._format import json_value
from ._options import Options
from ._run import Run

_GET_WARNING = (
    "WARNING: The output of 'snap get' will become a list with columns - use -d or -l to force "
    'the output format.\\n'
)
"""cmd_get.go outputDefault's warning (@ 2.67.1): a Go raw string, so its "\\n" is printed as the
two characters, with no newline after it."""


def _assign(config: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split('.')
    node = config
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = {}
            node[part] = child
        node = cast('dict[str, Any]', child)
    node[leaf] = value


def _unset(config: dict[str, Any], key: str) -> None:
    *parents, leaf = key.split('.')
    found, node = _lookup(config, '.'.join(parents)) if parents else (True, config)
    if found and isinstance(node, dict):
        cast('dict[str, Any]', node).pop(leaf, None)


def _lookup(config: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    node: Any = config
    for part in key.split('.'):
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = cast('dict[str, Any]', node)[part]
    return True, node


class Configuration(Run):
    """``snap set``, ``unset`` and ``get``."""

    def document(self, name: str) -> dict[str, Any]:
        """The snap's configuration; ``system`` (and ``core``) is the system's, always there.

        configstate.RemapSnapFromRequest maps ``system`` to ``core``, and canConfigure lets
        ``core`` be configured whether the core snap is installed or not
        (overlord/configstate/configstate.go @ 2.67.1); snapd's REST API shares the document.
        """
        if name in ('system', 'core'):
            return cast('dict[str, Any]', self.state.setdefault('system-config', {}))
        return cast('dict[str, Any]', self.installed(name)['config'])

    def set(self, options: Options) -> int:
        if len(options.positional) < 2:
            raise SnapError(
                'the required arguments `<snap>` and `<conf value> (at least 1 argument)` were '
                'not provided',
                EXIT_USAGE,
            )
        name, *assignments = options.positional
        config = self.document(name)
        for assignment in assignments:
            if assignment.endswith('!') and '=' not in assignment:
                _unset(config, assignment[:-1])
                continue
            key, sep, raw = assignment.partition('=')
            if not sep or not key:
                raise SnapError(f'invalid configuration: "{assignment}" (want key=value)')
            value: Any = raw
            if not options.string:
                try:
                    value = json.loads(raw)
                except ValueError:
                    if options.typed:
                        raise SnapError(f'failed to parse JSON: {raw}') from None
            _assign(config, key, value)
        return 0

    def unset(self, options: Options) -> int:
        if len(options.positional) < 2:
            raise SnapError(
                'the required arguments `<snap>` and `<conf key> (at least 1 argument)` were '
                'not provided',
                EXIT_USAGE,
            )
        name, *keys = options.positional
        config = self.document(name)
        for key in keys:
            _unset(config, key)
        return 0

    def get(self, options: Options) -> int:
        if not options.positional:
            raise SnapError('the required argument `<snap>` was not provided', EXIT_USAGE)
        name, *keys = options.positional
        config = self.document(name)
        if not keys:
            if options.document:
                self.stdout.append(json_value(config))
                return 0
            if not config:
                raise SnapError(f'snap "{name}" has no configuration')
            self.stderr_unterminated = _GET_WARNING
            self.stdout.append(json_value(config))
            return 0
        values: dict[str, Any] = {}
        for key in keys:
            found, value = _lookup(config, key)
            if not found:
                raise SnapError(f'snap "{name}" has no "{key}" configuration option')
            values[key] = value
        if options.document:
            self.stdout.append(json_value(values))
        elif len(keys) == 1 and not isinstance(values[keys[0]], dict):
            value = values[keys[0]]
            self.stdout.append(value if isinstance(value, str) else json_value(value))
        else:
            self.stderr_unterminated = _GET_WARNING
            self.stdout.append(json_value(values))
        return 0

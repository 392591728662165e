"""``model-config``: show, set and reset the model's configuration.

juju/juju ``cmd/juju/model/config.go``: no argument lists every key with its source and value
(tabular ``Attribute From Value``; JSON ``{"key": {"Value": …, "Source": …}}``, as jubilant's
``Juju.model_config()`` reads it; YAML with ``value``/``source``); one key prints its value
bare (or that key alone with ``--format json|yaml``); ``key=value`` (or a YAML file of them)
sets; ``--reset a,b`` resets, also alongside a set. Juju's messages for the mixes it refuses.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

from ..engine import Engine, EngineError
from ..juju import modelconfig
from ._common import UsageError, emit, print_table, yaml_mapping

__all__ = ['add_model_config_command']


def add_model_config_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``model-config`` command."""
    p = commands.add_parser('model-config', help="show or set the model's configuration",
                            parents=[common])  # fmt: skip
    p.add_argument('settings', nargs='*', metavar='KEY[=VALUE]|FILE')
    p.add_argument('--reset', action='append', default=[], metavar='KEY[,KEY...]',
                   help='reset the provided comma delimited keys')  # fmt: skip
    p.add_argument('--format', choices=('tabular', 'yaml', 'json'), default='tabular',
                   help='output format (default: tabular)')  # fmt: skip
    p.set_defaults(run=_model_config)


def _model_config(engine: Engine, args: argparse.Namespace) -> None:
    reset = [key for keys in args.reset for key in keys.strip(',').split(',') if key]
    for key in reset:
        if key == modelconfig.AGENT_VERSION:
            raise UsageError(f'"{key}" cannot be reset')
        if '=' in key:
            raise UsageError(
                f'--reset accepts a comma delimited set of keys "a,b,c", received: "{key}"'
            )
    setting = [s for s in args.settings if '=' in s or Path(s).is_file()]
    if len(args.settings) > 1 and len(setting) != len(args.settings):
        raise UsageError('can only retrieve a single value, or all values')
    if len(args.settings) == 1 and not setting and reset:
        raise UsageError('cannot set and retrieve model values simultaneously')
    if setting or reset:
        values = _values(setting)
        for key in reset:
            if key in values:
                raise UsageError(f'key "{key}" cannot be both set and reset in the same command')
        for warning in engine.set_model_config(values, reset=reset):
            print(f'WARNING {warning}', file=sys.stderr)
        return
    found = engine.model_config()
    if args.settings:
        key = args.settings[0]
        if key not in found:
            # Juju formats the model's "name" entry here, which its listing has dropped; the
            # model's name is what that message means to show.
            raise EngineError(f'key "{key}" not found in "{engine.store.model}" model.')
        if args.format == 'tabular':
            _print_smart(found[key].value)
            return
        found = {key: found[key]}
    if args.format == 'json':
        emit({k: {'Value': s.value, 'Source': s.source} for k, s in found.items()}, 'json')
    elif args.format == 'yaml':
        emit({k: {'value': s.value, 'source': s.source} for k, s in found.items()}, 'yaml')
    else:
        print_table(['Attribute', 'From', 'Value'],
                    ([k, s.source, _yaml_text(s.value)] for k, s in found.items()))  # fmt: skip


def _values(items: list[str]) -> dict[str, str]:
    """``key=value`` words and YAML files, in order: later ones win."""
    values: dict[str, str] = {}
    for item in items:
        if '=' not in item:
            for key, value in yaml_mapping(item, 'model-config').items():
                values[key] = _yaml_text(value)
            continue
        key, _, value = item.partition('=')
        if not key:
            raise UsageError(f'expected "key=value", got "{item}"')
        values[key] = value
    return values


def _yaml_text(value: object) -> str:
    """A value as one line of YAML (Juju's tabular column; a file's typed values)."""
    if isinstance(value, str):
        return value
    text = yaml.safe_dump(value, default_flow_style=True).strip()
    return text.removesuffix('...').strip()


def _print_smart(value: object) -> None:
    """juju/cmd ``FormatSmart``: a bool as true/false, anything else as its text."""
    print(str(value).lower() if isinstance(value, bool) else value)

"""What every olm command shares: its parser pieces, its errors and how it prints."""

# pyright: strict

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final, NoReturn, cast

import yaml

from ..engine import EngineError
from ..juju import constraints as juju_constraints
from ..juju import yamlread

__all__ = [
    'FORMATS',
    'SIMULATED',
    'JoinedWords',
    'Parser',
    'UsageError',
    'add_format',
    'add_seed',
    'check_no_wait',
    'emit',
    'int_arg',
    'int_between',
    'iso',
    'maas_key',
    'non_empty_path',
    'placements',
    'positive_int',
    'print_constraints',
    'print_table',
    'seconds_arg',
    'split_kv',
    'task_failed',
    'yaml_mapping',
]

SIMULATED = 'embedded pool, simulated machines'
FORMATS = ('tabular', 'yaml', 'json')


class UsageError(Exception):
    """A command line that does not parse."""


class JoinedWords(argparse.Action):
    """A repeatable option whose values join with spaces.

    jubilant passes each constraint as its own ``--constraints``; juju merges them.
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        before = getattr(namespace, self.dest, None)
        setattr(namespace, self.dest, f'{before} {values}' if before else values)


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def add_format(
    parser: argparse.ArgumentParser, default: str = 'tabular', choices: Sequence[str] = FORMATS
) -> None:
    parser.add_argument('--format', choices=choices, default=default,
                        help=f'output format (default: {default})')  # fmt: skip


_GO_INT: Final = range(-(2**63), 2**63)
"""Go's ``int`` on 64-bit machines: what Juju's integer options hold."""


def int_arg(flag: str) -> Callable[[str], int]:
    """An integer option; one that Go's ``int`` cannot hold is refused as Juju refuses it.

    juju/gnuflag ``intValue.Set`` parses with ``strconv.ParseInt(s, 0, 64)`` and ``failf``
    words the failure ``invalid value %q for %v %s: %v`` (``flag.go``, commit 2ce1bb7), the
    juju client calling its flags "option"s (juju/cmd ``FlagKnownAs``; juju/juju's own setting
    of it is not mirrored here).
    """

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'{flag} must be an integer, got {text!r}') from None
        if value not in _GO_INT:
            raise argparse.ArgumentTypeError(
                f'invalid value "{text}" for option {flag}: strconv.ParseInt: parsing '
                f'"{text}": value out of range'
            )
        return value

    return convert


def int_between(flag: str, low: int, high: int) -> Callable[[str], int]:
    """An integer option that olm bounds itself, refused outside ``low..high`` naming both."""

    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f'{flag} must be an integer from {low:,} to {high:,}, got {text!r}'
            )
        return value

    return convert


def seconds_arg(flag: str) -> Callable[[str], float]:
    """Seconds a command may wait: finite and not negative (``-1`` and ``nan`` are refused)."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < 0:
            raise argparse.ArgumentTypeError(
                f'{flag} must be a number of seconds, 0 or more, got {text!r}'
            )
        return value

    return convert


def non_empty_path(flag: str) -> Callable[[str], str]:
    """A path that is not empty (an empty one would silently mean the current directory)."""

    def convert(text: str) -> str:
        if not text.strip():
            raise argparse.ArgumentTypeError(f'{flag} must be a path, got {text!r}')
        return text

    return convert


def positive_int(flag: str) -> Callable[[str], int]:
    def convert(text: str) -> int:
        value = int_arg(flag)(text)
        if value < 1:
            raise argparse.ArgumentTypeError(f'{flag} must be a positive integer, got {text!r}')
        return value

    return convert


def split_kv(items: Sequence[str], what: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition('=')
        if not sep or not key:
            raise UsageError(f'expected "key=value", got "{item}" in {what}')
        values[key] = value
    return values


def yaml_mapping(path: str, flag: str) -> dict[str, object]:
    try:
        data = yamlread.load(Path(path).read_text())
    except OSError as e:
        raise UsageError(f'{flag} {path}: {e}') from None
    except yaml.YAMLError as e:
        raise UsageError(f'{flag} {path}: {yamlread.describe(e)}') from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UsageError(f'{flag} {path}: expected a mapping of KEY: VALUE')
    return {str(k): v for k, v in cast('dict[object, object]', data).items()}


def emit(document: object, fmt: str) -> None:
    if fmt == 'json':
        print(json.dumps(document))
    else:
        sys.stdout.write(yaml.safe_dump(document, sort_keys=False))


def print_table(headers: list[str], rows: Iterable[list[str]]) -> None:
    rows = list(rows)
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    for row in [headers, *rows]:
        print('  '.join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def iso(when: float) -> str:
    return datetime.datetime.fromtimestamp(when, datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')


def task_failed(task_id: str, returncode: int) -> None:
    # Juju's words: jubilant looks for "task failed" to read the task from standard output.
    print(f'ERROR the following task failed:\n id "{task_id}" with return code {returncode}\n\n'
          "use 'olm debug-log --details' to inspect the failure", file=sys.stderr)  # fmt: skip


def add_seed(parser: argparse.ArgumentParser) -> None:
    parser.add_argument('--seed', dest='settle_seed', type=int_arg('--seed'), default=None,
                        help='fix the interleaving of units (default: random)')  # fmt: skip


def placements(text: str | None) -> list[str]:
    return [] if not text else [t.strip() for t in text.split(',') if t.strip()]


def print_constraints(value: juju_constraints.Constraints, fmt: str) -> None:
    if fmt == 'plain':
        print(str(value))
        return
    # Juju's JSON of a constraints.Value: present keys only, sizes in MiB, lists as lists.
    emit({key: list(v) if isinstance(v, tuple) else v
           for key, v in value.items() if v is not None}, fmt)  # fmt: skip


def maas_key(args: argparse.Namespace) -> str:
    """The MAAS API key: ``--api-key-file``, else ``$MAAS_API_KEY``."""
    if getattr(args, 'api_key_file', None):
        try:
            key = Path(args.api_key_file).read_text().strip()
        except OSError as error:
            raise EngineError(f'cannot read {args.api_key_file}: {error.strerror}') from None
    else:
        key = os.environ.get('MAAS_API_KEY', '')
    if not key:
        raise UsageError('--maas needs an API key: set MAAS_API_KEY or give --api-key-file')
    return key


def check_no_wait(args: argparse.Namespace) -> None:
    """``--no-wait`` only goes with ``--force``: Juju's ``Init`` refusal, a usage error.

    juju/juju ``cmd/juju/application/removeapplication.go`` (remove-unit and remove-machine
    alike): ``errors.NotValidf("--no-wait without --force")``; an ``Init`` error exits 2
    (juju/cmd ``cmd.go`` ``handleCommandError``, commit 9d3ec776).
    """
    if args.no_wait and not args.force:
        raise UsageError('--no-wait without --force not valid')

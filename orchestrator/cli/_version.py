"""``olm version``: the Juju version olm models, printed as ``juju version`` prints it.

juju/juju ``cmd/juju/commands/version.go``: without ``--all``, the binary version
(``3.6.10-ubuntu-amd64``), bare by default ("smart" format) or as a JSON/YAML string; with
``--all``, the version detail: ``version``, ``compiler`` and ``official`` always, the git and
grade fields only when set (``omitempty``). jubilant's ``Juju.version()`` reads
``version --format json --all``. ``olm --version`` stays olm's own package version.
"""

# pyright: strict

from __future__ import annotations

import argparse
from typing import Any

from ..engine import Engine
from ..juju import version as juju_version
from ._common import emit

__all__ = ['add_version_command']


def add_version_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``version`` command."""
    p = commands.add_parser('version', help='print the Juju version olm models',
                            parents=[common])  # fmt: skip
    p.add_argument('--format', choices=('smart', 'yaml', 'json'), default='smart',
                   help='output format (default: smart)')  # fmt: skip
    p.add_argument('--all', action='store_true', help='print all version information')
    p.set_defaults(run=_version)


def _version(engine: Engine, args: argparse.Namespace) -> None:
    del engine  # the version is the client's: no model is read
    number = juju_version.binary_version()
    if not args.all:
        if args.format == 'smart':
            print(number)
        else:
            emit(number, args.format)
        return
    detail: dict[str, object] = {
        'version': number,
        'compiler': 'gc',
        # Juju's official flag says the binary is a released juju; olm is not one.
        'official': False,
    }
    # "smart" writes a mapping as YAML (juju/cmd ``FormatSmart``).
    emit(detail, 'yaml' if args.format == 'smart' else args.format)

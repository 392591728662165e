"""``olm dashboard``: the model, the metal and the hooks as a live, read-only web page.

``olm dashboard`` serves olm's own model (simulated machines); ``olm dashboard --controller
NAME [-m MODEL]`` serves a real controller's, read through the ``juju`` client on the PATH.
Either way the page is on 127.0.0.1 only, behind a token in the URL the command prints.
"""

# pyright: strict

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from ..engine import Engine
from ._common import int_arg

__all__ = ['add_dashboard_command', 'serves_a_controller']


def add_dashboard_command(commands: Any, common: argparse.ArgumentParser) -> None:
    """``dashboard``."""
    p = commands.add_parser(
        'dashboard',
        help='the model, the metal and the hooks as a live web page on 127.0.0.1 (olm extension)',
        parents=[common],
    )
    p.add_argument(
        '--port', type=_port, default=0, help='the port to listen on (default: any free one)'
    )
    p.add_argument('--open', action='store_true', dest='open_browser',
                   help="open the page in this machine's web browser")  # fmt: skip
    p.add_argument('--controller', default=argparse.SUPPRESS,
                   help="a real Juju controller: show its model (-m, or its current one) through "
                   'the juju client instead of olm\'s')  # fmt: skip
    p.set_defaults(run=_dashboard)


def serves_a_controller(run: object) -> bool:
    """Whether ``run`` is this command's (it takes ``--controller``)."""
    return run is _dashboard


def _port(text: str) -> int:
    value = int_arg('--port')(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f'--port must be 0 to 65535, got {value}')
    return value


def _dashboard(engine: Engine, args: argparse.Namespace) -> None:
    from ..dashboard import OlmSource, Source, serve

    controller: str | None = getattr(args, 'controller', None)
    source: Source
    if controller is None:
        source = OlmSource(engine.store)
    else:
        from ..dashboard import JujuSource

        source = JujuSource(controller, getattr(args, 'model', None))
    # uvicorn stops serving on Ctrl-C, then raises it again: the user asked for it.
    with contextlib.suppress(KeyboardInterrupt):
        serve(source, port=args.port, open_browser=args.open_browser)

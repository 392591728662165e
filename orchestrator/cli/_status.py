"""What the model shows: ``status`` (juju/juju ``cmd/juju/status``) and ``debug-log``."""

# pyright: strict

from __future__ import annotations

import argparse
import datetime
import sys
from typing import Any

from ..engine import Engine
from ..views import status
from ..views import storage as storage_view
from ._common import UsageError, add_format, emit, int_arg
from ._offers import status_offers

__all__ = ['add_status_commands']


def add_status_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``status`` and ``debug-log``."""
    p = commands.add_parser('status', help='show the model', parents=[common])
    add_format(p)
    p.add_argument('--relations', '--integrations', action='store_true', dest='relations')
    p.set_defaults(run=_status)

    p = commands.add_parser('debug-log', help='the event trace', parents=[common])
    p.add_argument(
        '-n',
        '--lines',
        '--limit',
        type=int_arg('--limit'),
        default=None,
        help='only the last N entries (0: all, as juju debug-log --limit 0)',
    )
    p.add_argument('--include', action='append', default=[], metavar='UNIT|APP')
    p.add_argument('--details', action='store_true', help='show tracebacks and charm logs')
    p.set_defaults(run=_debug_log)


def _status(engine: Engine, args: argparse.Namespace) -> None:
    data = engine.status_view()
    m = data.model
    if data.unfinished:
        print(f'WARNING {data.unfinished}', file=sys.stderr)
    view = engine.model_view(data)
    if args.format == 'tabular':
        sys.stdout.write(status.render_tabular(view, relations=args.relations))
        return
    document = status.to_dict(view)
    offers = status_offers(engine)
    if offers:
        # After the applications and SAAS, before storage and controller (formatted.go order).
        rest = {k: document.pop(k) for k in ('controller',) if k in document}
        document = {**document, 'offers': offers, **rest}
    # juju status's "storage" section: juju storage's document, when the model has any.
    has_storage = any(u.storage for u in m.units.values())
    stored = storage_view.combined(engine.storage()) if has_storage else {}
    if stored:
        document = {
            **{k: v for k, v in document.items() if k != 'controller'},
            'storage': stored,
            'controller': document['controller'],
        }
    emit(document, args.format)


def _debug_log(engine: Engine, args: argparse.Namespace) -> None:
    wanted = set(args.include)
    if args.lines is not None and args.lines < 0:
        raise UsageError(f'--limit must be 0 or more, got {args.lines}')
    for entry in engine.debug_log(limit=args.lines or None):
        if wanted and entry.unit not in wanted and entry.unit.split('/')[0] not in wanted:
            continue
        when = datetime.datetime.fromtimestamp(entry.time, datetime.UTC).strftime('%H:%M:%S')
        line = f'{when} {entry.unit} {entry.event}: {entry.outcome}'
        if entry.outcome != 'ok' and entry.detail and not args.details:
            line += f' ({entry.detail.splitlines()[0]})'
        print(line)
        if args.details and entry.detail:
            for detail in entry.detail.splitlines():
                print(f'    {detail}')

"""Cross-model relations between olm's models: offer, offers, find-offers, remove-offer, consume.

juju/juju ``cmd/juju/crossmodel`` (3.x): ``offer [model.]app:endpoint[,...] [offer-name]``
prints ``Application "APP" endpoints [EP] available at "admin/MODEL.OFFER"``; ``consume URL
[alias]`` prints ``Added URL as ALIAS``; ``offers`` lists the model's offers with their
connections, ``find-offers`` every offer the controller has. The remote side of a consumed
offer is the other olm model's application itself (see ``orchestrator.engine._crossmodel``);
an offer of another controller is out of reach.
"""

# pyright: strict

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..engine import Engine, EngineError
from ..state.store import CONTROLLER, parse_model_ref
from ._common import UsageError, add_format, emit, print_table

__all__ = ['add_offer_commands', 'offer_endpoints', 'status_offers']


def add_offer_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """``offer``, ``offers``, ``find-offers``, ``remove-offer``, ``consume``."""
    p = commands.add_parser('offer', help="offer an application's endpoints to other models",
                            parents=[common])  # fmt: skip
    p.add_argument('endpoints', metavar='[MODEL.]APPLICATION:ENDPOINT[,...]')
    p.add_argument('offer_name', nargs='?', metavar='OFFER-NAME')
    p.add_argument('-c', '--controller', dest='offer_controller', default=None,
                   help=f"the controller: olm's own, {CONTROLLER}")  # fmt: skip
    p.set_defaults(run=_offer)

    p = commands.add_parser('offers', aliases=['list-offers'], help="list the model's offers",
                            parents=[common])  # fmt: skip
    p.add_argument('offer_name', nargs='?', metavar='OFFER-NAME')
    add_format(p)
    p.set_defaults(run=_offers)

    p = commands.add_parser('find-offers', help="find the controller's offers",
                            parents=[common])  # fmt: skip
    p.add_argument('--url', default='', help='offers whose URL starts so')
    p.add_argument('--interface', default='', help='offers with an endpoint of this interface')
    add_format(p)
    p.set_defaults(run=_find_offers)

    p = commands.add_parser('remove-offer', help='remove offers', parents=[common])
    p.add_argument('urls', nargs='*', metavar='OFFER-URL')
    p.add_argument('--force', action='store_true', help='remove the offer and its relations')
    p.add_argument('-y', '--no-prompt', action='store_true', help='accepted: olm never prompts')
    p.set_defaults(run=_remove_offer)

    p = commands.add_parser('remove-saas', aliases=['remove-consumed-application'],
                            help='remove consumed offers (SAAS) from the model',
                            parents=[common])  # fmt: skip
    p.add_argument('names', nargs='*', metavar='SAAS')
    p.add_argument('--force', action='store_true', help='accepted: the removal always finishes')
    p.add_argument('--no-wait', action='store_true', help='accepted with --force')
    p.set_defaults(run=_remove_saas)

    p = commands.add_parser('consume', help="add another model's offer to this model (SAAS)",
                            parents=[common])  # fmt: skip
    p.add_argument('url', metavar='[CONTROLLER:][USER/]MODEL.OFFER')
    p.add_argument('alias', nargs='?', metavar='LOCAL-NAME')
    p.set_defaults(run=_consume)


def _offer(engine: Engine, args: argparse.Namespace) -> None:
    if args.offer_controller not in (None, CONTROLLER):
        raise EngineError(
            f'controller {args.offer_controller} not found (olm has one: {CONTROLLER})'
        )
    target, sep, listed = args.endpoints.rpartition(':')
    if not sep or not target:
        raise UsageError(
            'endpoints must conform to format "<application-name>:<endpoint-name>[,...]" '
        )
    model_name, dot, application = target.rpartition('.')
    model_name = parse_model_ref(model_name) if dot else engine.store.model
    offered = [e for e in listed.split(',') if e]
    if not offered:
        raise UsageError(f'specify endpoints for "{application}"')
    offer = engine.offer(model_name, application, offered, args.offer_name)
    print(f'Application "{application}" endpoints [{" ".join(offered)}] available at '
          f'"{offer.url}"', file=sys.stderr)  # fmt: skip


def _offers(engine: Engine, args: argparse.Namespace) -> None:
    found = [
        (o, c) for o, c in engine.offers(engine.store.model) if args.offer_name in (None, o.name)
    ]
    if args.format != 'tabular':
        emit({o.name: _offer_details(o, c) for o, c in found}, args.format)
        return
    if not found:
        print('No offers to display.', file=sys.stderr)
        return
    print_table(
        ['Offer', 'Application', 'Connected', 'Endpoint', 'URL'],
        (
            [o.name, o.application, f'{sum(1 for x in c if x.status == "joined")}/{len(c)}',
             ','.join(o.endpoints), o.url]
            for o, c in found
        ),
    )  # fmt: skip


def _offer_details(offer: Any, connections: list[Any]) -> dict[str, Any]:
    details: dict[str, Any] = {
        'application': offer.application,
        'store': CONTROLLER,
        'offer-url': offer.url,
        'endpoints': offer_endpoints(offer),
    }
    if connections:
        details['connections'] = [
            {'source-model-uuid': c.model, 'username': 'admin', 'relation-id': c.relation_id,
             'endpoint': c.endpoint, 'status': {'current': c.status}}
            for c in connections
        ]  # fmt: skip
    return details


def _find_offers(engine: Engine, args: argparse.Namespace) -> None:
    found = [(o, c) for o, c in engine.offers() if o.url.startswith(args.url.split(':')[-1])]
    if args.format != 'tabular':
        listing: dict[str, object] = {
            f'{CONTROLLER}:{o.url}': {'access': 'admin', 'endpoints': offer_endpoints(o)}
            for o, _ in found
        }
        emit(listing, args.format)
        return
    if not found:
        print('No offers to display.', file=sys.stderr)
        return
    rows = [[CONTROLLER, o.url, 'admin', ','.join(o.endpoints)] for o, _ in found]
    print_table(['Store', 'URL', 'Access', 'Endpoints'], rows)


def _remove_offer(engine: Engine, args: argparse.Namespace) -> None:
    if not args.urls:
        raise UsageError('no offers specified')
    for url in args.urls:
        engine.remove_offer(url, force=args.force)


def _consume(engine: Engine, args: argparse.Namespace) -> None:
    local = engine.consume(args.url, args.alias)
    print(f'Added {args.url} as {local}', file=sys.stderr)


def offer_endpoints(offer: Any) -> dict[str, dict[str, str]]:
    """An offer's endpoints as Juju prints them: ``{name: {interface, role}}``.

    juju/juju ``cmd/juju/status/formatted.go`` ``remoteEndpoint`` (``interface``, ``role``),
    the shape ``offers``, ``find-offers`` and ``status``'s ``offers`` share.
    """
    known = {name: {'interface': interface, 'role': role} for name, interface, role in offer.roles}
    return {str(name): known.get(str(name), {}) for name in offer.endpoints}


def _remove_saas(engine: Engine, args: argparse.Namespace) -> int:
    """juju/juju ``cmd/juju/application/removesaas.go``: each failure on standard error."""
    if not args.names:
        raise UsageError('no SAAS application names specified')
    if args.no_wait and not args.force:
        raise UsageError('--no-wait requires --force')
    known = engine.status_view().model.remote_applications
    missing = [n for n in args.names if n not in known or known[n].consumer]
    for name in missing:
        print(f'removing SAAS application {name} failed: saas application "{name}" not found',
              file=sys.stderr)  # fmt: skip
    present = [n for n in args.names if n not in missing]
    if present:
        engine.remove_application(present)
    return 1 if missing else 0


def status_offers(engine: Engine) -> dict[str, dict[str, Any]]:
    """``juju status``'s ``offers`` section: this model's offers, each with its connections.

    juju/juju ``cmd/juju/status/formatted.go`` ``offerStatus``: ``application``, ``charm``,
    ``total-connected-count`` and ``active-connected-count`` (both left out at 0), ``endpoints``;
    the section itself is left out when the model offers nothing (``omitempty``).
    """
    section: dict[str, dict[str, Any]] = {}
    for offer, connections in engine.offers(engine.store.model):
        entry: dict[str, Any] = {'application': offer.application}
        if offer.charm:
            entry['charm'] = offer.charm
        active = sum(1 for c in connections if c.status == 'joined')
        if connections:
            entry['total-connected-count'] = len(connections)
        if active:
            entry['active-connected-count'] = active
        entry['endpoints'] = offer_endpoints(offer)
        section[offer.name] = entry
    return section

"""``olm spaces``: the cloud's network spaces and their subnets, as ``juju spaces`` lists them."""

# pyright: strict

from __future__ import annotations

import argparse
import ipaddress
from typing import Any

from ..engine import Engine
from ._common import SIMULATED, add_format, emit, print_table

__all__ = ['add_space_commands']


def add_space_commands(commands: Any, common: argparse.ArgumentParser) -> None:
    """The ``spaces`` command."""
    p = commands.add_parser(
        'spaces', help="list the cloud's network spaces and their subnets", parents=[common]
    )
    add_format(p, default='tabular')
    p.set_defaults(run=_spaces)


def _spaces(engine: Engine, args: argparse.Namespace) -> None:
    """juju/juju ``cmd/juju/space/list.go``: ``Name  Space ID  Subnets``, one CIDR a row.

    Juju numbers spaces itself: ``alpha`` is 0 and the spaces it imports from MAAS follow in
    MAAS's order (by MAAS id); a subnet's ``provider-id`` is its MAAS id. Subnets MAAS puts in
    no space are Juju's ``alpha`` subnets. Zones: every zone of the pool, since a MAAS subnet
    is not tied to a zone (assumption: Juju's MAAS provider lists all zones for it).
    """
    network, zones = engine.network()
    named = sorted(network.spaces, key=lambda s: s.id)
    rows: list[tuple[str, str, list[Any]]] = [
        ('0', 'alpha', [s for s in network.subnets if s.space == 'undefined'])
    ]
    rows += [(str(n), s.name, list(network.subnets_in(s.name))) for n, s in enumerate(named, 1)]
    if args.format != 'tabular':
        emit(
            {
                'spaces': [
                    {
                        'id': space_id,
                        'name': name,
                        'subnets': {
                            subnet.cidr: {
                                'type': f'ipv{ipaddress.ip_network(subnet.cidr).version}',
                                'provider-id': str(subnet.id),
                                'status': 'in-use',
                                'zones': sorted(zones),
                            }
                            for subnet in subnets
                        },
                    }
                    for space_id, name, subnets in rows
                ],
                'simulated': True,
            },
            args.format,
        )
        return
    print(f'Spaces of the {SIMULATED}:')
    table: list[list[str]] = []
    for space_id, name, subnets in rows:
        cidrs = sorted(subnet.cidr for subnet in subnets) or ['']
        table.append([name, space_id, cidrs[0]])
        table.extend(['', '', cidr] for cidr in cidrs[1:])
    print_table(['Name', 'Space ID', 'Subnets'], table)

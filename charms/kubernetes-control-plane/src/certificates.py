"""Which SANs a unit's API server certificate needs, and whether it (and every unit) has them.

Why a module of its own: clients and workers verify the API server certificate of whichever
unit the load balancer sends them to, so each unit's certificate must carry the load balancer's
addresses, its own address and ``extra-sans`` (README, "Certificate SANs"); the load balancer
endpoint is used only once every joined unit reports a certificate covering it. Deciding is pure
and lives here; ``k8s refresh-certs`` and the databags are the charm's.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from metal_interfaces import databag

import membership


def wanted(
    lb_addresses: Sequence[str], address: str, extra_sans: Sequence[str]
) -> tuple[str, ...]:
    """The SANs a unit needs: load balancer, itself, config; each once, in that order."""
    return tuple(dict.fromkeys((*lb_addresses, address, *extra_sans)))


def applied(
    sans: tuple[str, ...] | None, record: Mapping[str, Any], *, leader: bool, address: str
) -> tuple[str, ...]:
    """The SANs a unit's certificate carries: what it reported, else the best guess.

    A leader that bootstrapped before SANs were kept per unit has the bootstrap record; other
    units that joined then got no extra SANs at all.
    """
    if sans is not None:
        return sans
    recorded = databag.strings(record.get('extra-sans'))
    return tuple(recorded) if leader and recorded else (address,)


def needs_refresh(applied_sans: Iterable[str], wanted_sans: Iterable[str]) -> bool:
    """Whether the certificate must be re-issued (k8sd keeps no earlier extra SAN)."""
    return set(applied_sans) != set(wanted_sans)


def all_cover(san: str, own: membership.Member, others: Iterable[membership.Member]) -> bool:
    """Whether this unit's certificate and every other joined unit's carry ``san``."""
    return own.covers(san) and all(m.covers(san) for m in others if m.joined)

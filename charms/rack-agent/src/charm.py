#!/usr/bin/env python3
"""rack-agent: a MAAS rack controller that registers with the region it is integrated with.

Every event runs one idempotent reconcile (:meth:`RackAgentCharm._reconcile`):

1. the ``maas`` snap is installed from the ``channel`` option and held, or refreshed (and held
   again) when the option changed;
2. without a ``metal-region`` relation, whatever registration the machine holds is undone;
3. with one, the region must have published its API URL and shared secret, the secret must be
   readable, and the region's MAAS series must be this unit's; then the rack registers, trying
   the API URL first and each region address after it, and reports how it went on the
   relation.

``maas init rack`` runs again only when something it depends on changed (the URLs, the secret,
the snap channel): a fingerprint of those, a hash that never holds the secret itself, is kept
in StoredState with where the attempt stands. Statuses are only set at collect-status, from the
same reads the reconcile makes. The shared secret is never logged, published or shown.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any, Final

import metal_charm
import ops
from metal_charm import bindings
from metal_interfaces import metal_region

import workload

logger = logging.getLogger(__name__)

ENDPOINT: Final = 'metal-region'
"""The endpoint that integrates with the region (metal-controller)."""

WAITING_PUBLISH: Final = 'waiting for the region to publish its API URL and shared secret'
WAITING_SECRET: Final = (
    "waiting to read the region's shared secret "  # noqa: S105 - a status, not a credential
    "(not granted to this unit yet, or it has no 'secret' key)"
)
STOPPED: Final = 'rack controller stopped and deregistered'


Registration = metal_region.RegistrationState


@dataclasses.dataclass(frozen=True, kw_only=True)
class Config:
    """The charm's options, validated once per event.

    Attributes:
        channel: the maas snap channel; its track must be the region's MAAS series.
    """

    channel: str = '3.6/stable'

    def __post_init__(self) -> None:
        try:
            metal_charm.Channel.option(self.channel, example='3.6/stable')
        except metal_charm.ChannelError as e:
            raise ValueError(f'invalid config: {e}') from None
        track = self.channel.split('/', 1)[0]  # a risk alone is supported() too (not X.Y)
        if not workload.supported(track):
            raise ValueError(
                f'unsupported channel {self.channel!r}: this charm drives MAAS 3.5 or later '
                '(pebble and the journal); use e.g. 3.6/stable'
            )


@dataclasses.dataclass(frozen=True)
class Region:
    """The region as this event sees it: everything needed to register.

    Attributes:
        api_url: the URL to try first (the region's VIP or load balancer when it has one).
        addresses: every region controller, to fail over to.
        maas_version: the MAAS version the region runs, if it said.
        secret: the MAAS shared secret (a credential: left out of ``repr``).
    """

    api_url: str
    addresses: tuple[str, ...]
    maas_version: str | None
    secret: str = dataclasses.field(repr=False)

    @property
    def candidates(self) -> tuple[str, ...]:
        """The URLs to register with, in the order to try them."""
        return workload.candidate_urls(self.api_url, self.addresses)


@dataclasses.dataclass(frozen=True)
class Attempt:
    """Where registration stands; kept in StoredState so later events carry on from it.

    Attributes:
        fingerprint: :func:`fingerprint` of what the attempt was made with; when it no longer
            matches, the region, the secret or the channel changed and registration restarts.
        url: the URL of the latest try ('' once every candidate turned out unavailable).
        mark: the journal cursor of rackd's last entry just before that try ('' when it had
            none); later entries are its verdict.
        tried: the URLs found unavailable, in order.
        outcome: what came of the latest try.
    """

    fingerprint: str
    url: str
    mark: str
    tried: tuple[str, ...]
    outcome: workload.Outcome

    def dump(self) -> dict[str, Any]:
        """The attempt as StoredState can hold it."""
        return {
            'fingerprint': self.fingerprint,
            'url': self.url,
            'mark': self.mark,
            'tried': list(self.tried),
            'outcome': str(self.outcome),
        }

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Attempt | None:
        """The attempt :meth:`dump` stored, or None if there is none (or it is unreadable).

        An earlier charm version stored a rackd.log offset (an int) as the mark; a pending
        attempt with one cannot be read in the journal, so it is dropped and registration
        starts over, while a settled one keeps its outcome.
        """
        try:
            outcome = workload.Outcome(data['outcome'])
            mark = data['mark']
            if not isinstance(mark, str):
                if outcome is workload.Outcome.PENDING:
                    return None
                mark = ''
            return cls(
                fingerprint=str(data['fingerprint']),
                url=str(data['url']),
                mark=mark,
                tried=tuple(str(url) for url in data['tried']),
                outcome=outcome,
            )
        except (KeyError, TypeError, ValueError):
            return None


def fingerprint(region: Region, channel: str) -> str:
    """A digest of everything ``maas init rack`` depends on.

    SHA-256 over the candidate URLs, the channel and the shared secret: a new secret revision
    with new content changes it, and the stored digest reveals nothing of a 128-bit secret.
    """
    material = json.dumps(
        {'urls': list(region.candidates), 'channel': channel, 'secret': region.secret},
        sort_keys=True,
    )
    return hashlib.sha256(material.encode()).hexdigest()


class RackAgentCharm(ops.CharmBase):
    """A MAAS rack controller for the region on the ``metal-region`` relation."""

    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self._stored.set_default(channel='', attempt={})
        self.region = metal_region.Requirer(self, ENDPOINT)
        self._failure: str | None = None
        self._stopped = False
        self._version: tuple[str | None] | None = None  # (version,) once read this event
        self._gate_cache: Region | ops.StatusBase | None = None
        region = self.region.on
        triggers = metal_charm.Triggers(relations={ENDPOINT: ('joined',)})
        also = [region.region_ready, region.region_changed, region.region_gone]
        self.reconciler = metal_charm.Reconciler(self, self._reconcile, triggers, also=also)
        framework.observe(self.on.stop, self._on_teardown)
        framework.observe(self.on.remove, self._on_teardown)

    # -- events ----------------------------------------------------------------------------

    def _reconcile(self, _: ops.EventBase) -> ops.StatusBase:
        """Converge, then say where things stand (:meth:`_status`)."""
        self._converge()
        return self._status()

    def _converge(self) -> None:
        """Bring the machine to what the config and the relation ask for, whatever the event.

        A workload failure is not raised: Juju would retry the same hook, while the next
        event's reconcile retries anyway and the status says what went wrong meanwhile.
        """
        try:
            config = self.load_config(Config)
        except ValueError as e:
            self._failure = str(e)
            return
        try:
            self._ensure_snap(config.channel)
            if (version := self._local_version()) is not None:
                self.unit.set_workload_version(workload.short_version(version))
            if self._relation() is None:
                self._forget_region()
                return
            gate = self._gate()
            if isinstance(gate, Region):
                state = self._register(gate)
            else:
                state = _state_for(gate, self._attempt())
        except workload.WorkloadError as e:
            logger.error('%s', e)
            self._failure = str(e)
            state = Registration.FAILED
        if self._relation() is not None:
            self._publish(state)

    def _on_teardown(self, _: ops.EventBase) -> None:
        """The unit is going: deregister now, whatever the relation's state."""
        self._stopped = True
        try:
            self._forget_region()
        except workload.WorkloadError as e:
            # Raising would block the unit's removal; the operator sees it in the status.
            logger.error('%s', e)
            self._failure = str(e)
        self.reconciler.show(self._status())

    # -- steps -----------------------------------------------------------------------------

    def _ensure_snap(self, channel: str) -> None:
        """Install the snap, or refresh it when the channel option moved."""
        installed = self._local_version()
        if installed is not None and self._stored.channel == channel:
            return
        if installed is None:
            logger.info('installing the maas snap from %s', channel)
            workload.install(channel)
        else:
            logger.info('refreshing the maas snap to %s', channel)
            workload.refresh(channel)
        self._stored.channel = channel
        self._version = None
        self._gate_cache = None

    def _register(self, region: Region) -> Registration:
        """Register with the region unless that already happened for the same inputs.

        A new fingerprint starts over from the first URL. A pending try is looked at again
        (rackd registers in the background); if its region turned out unavailable the next
        URL is tried. When none was available the round starts over, since a region may be
        back by now. Registered and rejected stand until something changes.
        """
        target = fingerprint(region, str(self._stored.channel))
        attempt = self._attempt()
        candidates = region.candidates
        if attempt is None or attempt.fingerprint != target:
            logger.info('registering with the MAAS region (%s)', ', '.join(candidates))
            workload.begin_registration()
            attempt = self._try(target, region.secret, candidates, ())
        elif attempt.outcome is workload.Outcome.PENDING:
            outcome = workload.outcome(attempt.mark, attempt.url)
            if outcome is workload.Outcome.UNAVAILABLE:
                logger.warning('no MAAS region answered at %s', attempt.url)
                rest = candidates[candidates.index(attempt.url) + 1 :]
                attempt = self._try(target, region.secret, rest, (*attempt.tried, attempt.url))
            else:
                if outcome is workload.Outcome.REJECTED:
                    logger.error('the MAAS region at %s rejected the shared secret', attempt.url)
                attempt = dataclasses.replace(attempt, outcome=outcome)
        elif attempt.outcome is workload.Outcome.UNAVAILABLE:
            logger.info('no MAAS region was available; trying %s again', ', '.join(candidates))
            attempt = self._try(target, region.secret, candidates, ())
        self._stored.attempt = attempt.dump()
        return _STATE_OF[attempt.outcome]

    def _try(
        self, target: str, secret: str, urls: tuple[str, ...], tried: tuple[str, ...]
    ) -> Attempt:
        """Run ``maas init rack`` with each URL in turn until one is not unavailable.

        A rejected secret stops the round: every region of one MAAS shares that secret.
        """
        for url in urls:
            mark = workload.log_mark()
            workload.init_rack(url, secret)
            outcome = workload.outcome(mark, url)
            if outcome is workload.Outcome.REJECTED:
                logger.error('the MAAS region at %s rejected the shared secret', url)
            if outcome is not workload.Outcome.UNAVAILABLE:
                return Attempt(target, url, mark, tried, outcome)
            logger.warning('no MAAS region answered at %s; trying the next address', url)
            tried = (*tried, url)
        return Attempt(target, '', '', tried, workload.Outcome.UNAVAILABLE)

    def _forget_region(self) -> None:
        """Stop and deregister the rack if anything of a registration is left (idempotent)."""
        if self._stored.attempt or workload.has_registration():
            logger.info('no MAAS region: stopping and deregistering the rack controller')
            workload.deregister()
        self._stored.attempt = {}

    def _publish(self, state: Registration) -> None:
        """Tell the region how registration went, and under which hostname and address."""
        # Where the region reaches this rack: the ingress address of the metal-region binding,
        # never the machine's first address (on a MAAS machine with several NICs, the
        # PXE/OAM one).
        address = bindings.ingress_address(self.model, ENDPOINT)
        if address is None:
            logger.warning('no address on the metal-region binding to publish to the region')
            return
        self.region.set_registration(state, workload.hostname(), address)

    # -- reads -----------------------------------------------------------------------------

    def _relation(self) -> ops.Relation | None:
        relations = self.region.relations
        return relations[0] if relations else None

    def _attempt(self) -> Attempt | None:
        return Attempt.load(self._stored.attempt) if self._stored.attempt else None

    def _local_version(self) -> str | None:
        """The installed maas snap's version, read at most once per event (until a refresh)."""
        if self._version is None:
            self._version = (workload.installed_version(),)
        return self._version[0]

    def _gate(self) -> Region | ops.StatusBase:
        """The region to register with, or the status that says why not yet.

        Read once per event (reconcile and collect-status share it) until the snap changes.
        """
        if self._gate_cache is None:
            self._gate_cache = self._read_gate()
        return self._gate_cache

    def _read_gate(self) -> Region | ops.StatusBase:
        relation = self._relation()
        if relation is None:
            return ops.BlockedStatus(
                f'needs a MAAS region: integrate {self.app.name}:{ENDPOINT} with metal-controller'
            )
        data = self.region.region(relation)
        if data is None or data.api_url is None or data.shared_secret is None:
            return ops.WaitingStatus(WAITING_PUBLISH)
        secret = self.region.shared_secret(relation)
        if not secret:
            return ops.WaitingStatus(WAITING_SECRET)
        local = self._local_version()
        if local is None:
            return ops.WaitingStatus('waiting for the maas snap to be installed')
        if data.maas_version is not None and (
            workload.series(data.maas_version) != workload.series(local)
        ):
            return ops.BlockedStatus(
                f'MAAS version mismatch: the region runs {data.maas_version}, this unit runs '
                f'{workload.short_version(local)}; set the channel option to match '
                f'(e.g. {workload.series(data.maas_version)}/stable)'
            )
        return Region(data.api_url, tuple(data.addresses), data.maas_version, secret)

    def _status(self) -> ops.StatusBase:
        """The unit's one status: what went wrong, else what is in the way, else the outcome."""
        if self._failure is not None:
            return ops.BlockedStatus(self._failure)
        if self._stopped:
            return ops.MaintenanceStatus(STOPPED)
        try:
            gate = self._gate()
        except workload.WorkloadError as e:
            return ops.BlockedStatus(str(e))
        if not isinstance(gate, Region):
            return gate
        attempt = self._attempt()
        if attempt is None or attempt.fingerprint != fingerprint(gate, str(self._stored.channel)):
            return ops.WaitingStatus('registration with the MAAS region has not started yet')
        match attempt.outcome:
            case workload.Outcome.REGISTERED:
                return ops.ActiveStatus(f'registered with {attempt.url}')
            case workload.Outcome.REJECTED:
                return ops.BlockedStatus(
                    f'the MAAS region at {attempt.url} rejected the shared secret; '
                    'the region must publish the secret its MAAS uses'
                )
            case workload.Outcome.UNAVAILABLE:
                return ops.WaitingStatus(
                    f'no MAAS region available (tried {", ".join(attempt.tried)}); retrying'
                )
            case workload.Outcome.PENDING:
                return ops.WaitingStatus(f'registration with {attempt.url} pending')


_STATE_OF: Final[Mapping[workload.Outcome, Registration]] = {
    workload.Outcome.REGISTERED: Registration.REGISTERED,
    workload.Outcome.REJECTED: Registration.FAILED,
    workload.Outcome.UNAVAILABLE: Registration.FAILED,
    workload.Outcome.PENDING: Registration.PENDING,
}
"""What the region is told for each outcome."""


def _state_for(gate: ops.StatusBase, attempt: Attempt | None) -> Registration:
    """What to report while registration cannot go ahead (``gate`` says why).

    Failed if it needs the operator (Blocked). Otherwise the rack is waiting on the region; if
    it registered earlier it still is (nothing was undone), so it says so rather than pending.
    """
    if isinstance(gate, ops.BlockedStatus):
        return Registration.FAILED
    if attempt is not None and attempt.outcome is workload.Outcome.REGISTERED:
        return Registration.REGISTERED
    return Registration.PENDING


if __name__ == '__main__':  # pragma: nocover
    ops.main(RackAgentCharm)

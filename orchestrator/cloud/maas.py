"""A real MAAS region as olm's cloud, over its REST API (``/MAAS/api/2.0/``).

:class:`MaasCloud` is the :class:`~orchestrator.cloud.cloud.Cloud` the embedded pool simulates:
the same verbs, the same constraint translation (:meth:`AllocationRequest.from_constraints`, as
Juju's MAAS provider does it), the same errors. What differs is what only a region knows:

* Requests are signed with the API key as MAAS clients sign them (OAuth 1.0 PLAINTEXT, the
  header gomaasapi builds for Juju).
* Zone spreading happens client-side, as Juju's provisioner does it: one ``zone=`` per
  ``allocate`` attempt, the zone holding the fewest of the group first, a 409 moving on to the
  next zone.
* ``count`` machines are allocated one call at a time; if a later one fails, the earlier ones
  are released again (all or none, as the pool does it).
* A 409 says only MAAS's one line: :class:`MaasNoMatchError` does not invent the pool's
  per-constraint counts.
* 503, 409 with ``Retry-After`` (MAAS's transaction conflict, as gomaasapi retries it) and
  failed connections are retried (tenacity, bounded exponential waits). A POST whose
  answer was lost after it went out is *not* retried: MAAS may have acted on it, and a second
  ``allocate`` would take a second machine.

:func:`inventory` reads a region's machines and network into the pool model for ``olm pool
import --maas``, so ``olm plan`` can check a bundle against the real machines before a real
deploy. The API key never appears in a message, log line or repr.

What is read, as MAAS 3.6 emits it (canonical/maas tag 3.6.5, ``src/maasserver/api/``; the
shapes are those of ``src/maasserver/api/examples/{machines,subnets,spaces}.json``):

* machines: ``machines.py`` ``DISPLAYED_MACHINE_FIELDS``; ``interface_set`` and
  ``boot_interface`` are interface objects (``interfaces.py`` ``DISPLAYED_INTERFACE_FIELDS``),
  ``blockdevice_set``/``physicalblockdevice_set`` block devices (``blockdevices.py``
  ``DISPLAYED_BLOCKDEVICE_FIELDS``).
* an interface's ``links``: ``models/interface.py`` ``Interface.get_links``: ``{id, mode}``,
  ``ip_address`` only when the address is set, ``subnet`` (a whole subnet object) only when
  there is one; ``vlan`` a VLAN object (``vlans.py`` ``DISPLAYED_VLAN_FIELDS``: ``vid``,
  ``fabric`` by name, ``space`` by name or ``undefined``).
* ``spaces/`` (``spaces.py``: the ``undefined`` placeholder has id -1) and ``subnets/``
  (``subnets.py`` ``DISPLAYED_SUBNET_FIELDS``; ``space`` is ``undefined`` for a subnet whose
  VLAN has no space).

Space names become Juju's (:func:`juju_space_name`), since bundles and ``spaces=`` constraints
name Juju's spaces; ids stay MAAS's, as Juju keeps them as the spaces' provider ids.
"""

# pyright: strict

from __future__ import annotations

import base64
import collections
import dataclasses
import ipaddress
import json
import logging
import re
import secrets
import time
import urllib.parse
from collections.abc import Callable, Collection, Generator, Iterator, Mapping, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING, cast

import httpx
import tenacity

from ..juju import constraints as juju_constraints
from .errors import (
    IllegalTransitionError,
    MaasApiError,
    MaasAuthError,
    MaasNoMatchError,
    MaasUnreachableError,
    MachineNotFoundError,
    RequestError,
)
from .lifecycle import Status
from .machine import Disk, Machine
from .network import (
    INTERFACE_TYPES,
    LINK_MODES,
    UNDEFINED_SPACE,
    Interface,
    Link,
    Network,
    Space,
    Subnet,
)
from .request import AllocationRequest

__all__ = [
    'DEFAULT_SERIES',
    'MaasCloud',
    'MaasInventory',
    'RetryPolicy',
    'inventory',
    'juju_space_name',
]

logger = logging.getLogger(__name__)

DEFAULT_SERIES = 'noble'
"""The ``distro_series`` :meth:`MaasCloud.deploy` asks for unless told otherwise."""

_API = 'api/2.0/'
_BODY_LIMIT = 2000
_RELEASE_COMMENT = 'Released by olm'


@dataclasses.dataclass(frozen=True)
class MaasInventory:
    """What ``olm pool import --maas`` takes from a region.

    Attributes:
        machines: every machine the API user can see, in hostname order, with its interfaces.
        network: the region's spaces (MAAS ids, Juju names) and subnets (MAAS ids).
        skipped: one line per machine left out, saying why (no architecture yet).
    """

    machines: tuple[Machine, ...]
    network: Network
    skipped: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How :class:`MaasCloud` retries a region that is busy or out of reach.

    Retried: HTTP 503 (MAAS's answer while its database is locked or a rack is away, with a
    ``Retry-After`` that is honoured up to ``max_wait``), HTTP 409 *with* ``Retry-After``
    (MAAS's "try your request again" after a transaction conflict, any method: nothing was
    done), connections that fail or time out
    before the request is sent, and, for GETs only, connections lost during the exchange.
    Never retried: any other 4xx (a 409 without ``Retry-After`` is MAAS's final answer), and a
    POST whose answer was lost.

    The n-th retry waits ``initial_wait * 2 ** (n - 1)`` seconds, at most ``max_wait``: the
    default gives up after 5 attempts and about 15 s. ``RetryPolicy(attempts=1)`` never retries;
    tests pass ``sleep`` to record the waits instead of sleeping.

    Attributes:
        attempts: how many times a request is sent at most (1 means no retry).
        initial_wait: seconds before the first retry.
        max_wait: the cap on any one wait.
        sleep: how to wait.
    """

    attempts: int = 5
    initial_wait: float = 1.0
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f'attempts must be at least 1, got {self.attempts}')
        if self.initial_wait < 0 or self.max_wait < 0:
            raise ValueError('waits must not be negative')


class _Credentials:
    """The three parts of a MAAS API key; kept out of every repr and message."""

    __slots__ = ('_consumer', '_secret', '_token')

    def __init__(self, api_key: str) -> None:
        parts = api_key.strip().split(':')
        if len(parts) != 3 or not all(parts):
            # Say what is wrong with the shape, never what the key was.
            raise MaasAuthError(
                'MAAS API key must be three non-empty parts, consumer_key:token_key:'
                f'token_secret (as `maas apikey --username <user>` prints it); got '
                f'{len(parts)} part{"" if len(parts) == 1 else "s"}'
                f'{"" if all(parts) else ", some empty"}'
            )
        self._consumer, self._token, self._secret = parts

    def __repr__(self) -> str:
        return '<MAAS API key>'

    def header(self) -> str:
        """The ``Authorization`` header value, fresh nonce and timestamp, as gomaasapi signs.

        PLAINTEXT's signature is ``<consumer secret>&<token secret>``; MAAS keys have an empty
        consumer secret, hence ``&<secret>``. Every value is URL-quoted (``%26<secret>``).
        """
        fields = (
            ('realm', ''),
            ('oauth_consumer_key', self._consumer),
            ('oauth_token', self._token),
            ('oauth_signature_method', 'PLAINTEXT'),
            ('oauth_signature', f'&{self._secret}'),
            ('oauth_timestamp', str(int(time.time()))),
            ('oauth_nonce', secrets.token_hex(16)),
            ('oauth_version', '1.0'),
        )
        return 'OAuth ' + ', '.join(
            f'{key}="{urllib.parse.quote(value, safe="")}"' for key, value in fields
        )

    def scrub(self, text: str) -> str:
        """``text`` with every part of the key blanked (MAAS names the token on a 401)."""
        for part in (self._secret, self._token, self._consumer):
            text = text.replace(part, '***')
        return text


class _OAuth(httpx.Auth):
    """Signs each request, each retry included, with its own nonce."""

    def __init__(self, credentials: _Credentials) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return '<MAAS OAuth>'

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers['Authorization'] = self._credentials.header()
        yield request


class _UnavailableError(Exception):
    """A 503, or a 409 that asks to be retried, raised inside the retry loop for tenacity."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f'HTTP {response.status_code}')
        self.status = response.status_code
        self.text = response.text
        self.retry_after = _retry_after(response) or 0.0


def _retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` seconds, None without one (or with one that is not a number).

    gomaasapi reads it with ``strconv.Atoi`` and retries only when that succeeds (juju/gomaasapi
    ``client.go`` ``dispatchRequest`` @ 39eac57); MAAS sends whole seconds.
    """
    value = response.headers.get('Retry-After', '').strip()
    return float(value) if value.isdigit() else None


def _is_retryable(response: httpx.Response) -> bool:
    """A 503 (always retried by olm), or a 409 that carries ``Retry-After``.

    MAAS 3.6 answers a request whose transaction kept failing to serialise (contention on the
    database) with ``HttpResponseConflict``: 409, ``Retry-After: 5`` and the HTML page
    ``409.html`` ("Conflict error. Try your request again, as it will most likely succeed.");
    its transaction was rolled back, so nothing was done and resending is safe, POSTs included
    (canonical/maas tag 3.6.5 ``src/maasserver/utils/views.py``: ``RETRY_AFTER_CONFLICT = 5``
    line 41, ``HttpResponseConflict`` lines 148-157, used at lines 259, 265 and 365; the
    comment there points at LP #2034014). Juju's client retries exactly these: a 503 or 409
    whose ``Retry-After`` is a number, sleeping that long (juju/gomaasapi ``client.go``
    ``dispatchRequest`` @ 39eac57, lines 80-101, from PR #101
    "lp-2034014-add-retry-policy-for-409-responses"). A 409 without the header is MAAS's own
    answer (``NodesNotAvailable``, an illegal transition): final.
    """
    status = response.status_code
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        return True
    return status == HTTPStatus.CONFLICT and _retry_after(response) is not None


# Failures before the request left: safe to resend for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures during the exchange: MAAS may have acted; only a GET is safe to resend.
_LOST = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.NetworkError, httpx.RemoteProtocolError)


class MaasCloud:
    """A MAAS region's machines, as a :class:`~orchestrator.cloud.cloud.Cloud`.

    Args:
        url: the region's URL, e.g. ``http://10.0.0.10:5240/MAAS`` (``/api/2.0`` is added).
        api_key: ``consumer_key:token_key:token_secret``.
        transport: the httpx transport; tests pass an ``httpx.MockTransport``.
        retry: how 503s and failed connections are retried.
        timeout: seconds to wait for an answer (listing a large region takes a while).

    Raises:
        MaasAuthError: for an API key that is not of that form.
        MaasApiError: for a URL that is not ``http(s)://host[:port]/path``.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.url = _root_url(url)
        self.retry = retry or RetryPolicy()
        self._credentials = _Credentials(api_key)
        self._client = httpx.Client(
            base_url=f'{self.url}/{_API}',
            auth=_OAuth(self._credentials),
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={'Accept': 'application/json'},
        )
        self._network: Network | None = None

    def __repr__(self) -> str:
        return f'MaasCloud({self.url!r})'

    def __enter__(self) -> MaasCloud:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections to the region."""
        self._client.close()

    # -- reading -------------------------------------------------------------------------

    def machines(self) -> list[Machine]:
        """Every machine of the region the API user can see, in hostname order.

        Raises:
            MaasApiError: for an answer that is not a MAAS machine list, naming the machine
                and field at fault (an unknown status, a missing architecture).
        """
        return sorted(self._machine_list({}), key=lambda m: m.hostname)

    def __iter__(self) -> Iterator[Machine]:
        """Every machine, in hostname order (one listing request)."""
        return iter(self.machines())

    def get(self, ref: str) -> Machine:
        """The machine with this system id or hostname.

        Raises:
            MachineNotFoundError: if the region has none.
        """
        response = self._call('GET', f'machines/{_segment(ref)}/', missing=ref)
        if response is not None:
            return _machine(_json(response))
        return self._by_hostname(ref)

    def _by_hostname(self, hostname: str) -> Machine:
        found = self._machine_list({'hostname': [hostname]})
        if len(found) != 1:
            raise MachineNotFoundError(hostname)
        return found[0]

    def network(self) -> Network:
        """The region's spaces and subnets, read once per instance (``spaces/``, ``subnets/``).

        Spaces keep MAAS's ids under Juju's names (:func:`juju_space_name`); MAAS's
        ``undefined`` placeholder (id -1) is not listed, and a subnet on no space is in
        :data:`~orchestrator.cloud.network.UNDEFINED_SPACE`. Subnets keep MAAS's ids.

        Raises:
            MaasApiError: for an answer that is not a MAAS space or subnet list, naming the
                space or subnet and field at fault.
        """
        if self._network is None:
            spaces = _json(self._request('GET', 'spaces/'))
            subnets = _json(self._request('GET', 'subnets/'))
            self._network = _network(spaces, subnets)
        return self._network

    def inventory(self) -> MaasInventory:
        """Every machine and the network, each link checked against the region's subnets.

        Raises:
            MaasApiError: for a bad answer, e.g. a link to a subnet ``subnets/`` does not list.
        """
        network = self.network()
        subnets = {subnet.id: subnet for subnet in network.subnets}
        answer = _json(self._request('GET', 'machines/'))
        skipped: list[str] = []
        machines = _listed_machines(answer, subnets, skipped)
        return MaasInventory(
            tuple(sorted(machines, key=lambda m: m.hostname)), network, tuple(skipped)
        )

    def zones(self) -> list[str]:
        """The names of the region's availability zones."""
        answer = _json(self._request('GET', 'zones/'))
        return sorted(_str(_obj(z, 'zone'), 'name', 'zone') for z in _list(answer, 'zones'))

    # -- allocation ----------------------------------------------------------------------

    def allocate(
        self,
        constraints: juju_constraints.Constraints | AllocationRequest,
        count: int = 1,
        placement: str | None = None,
        spread: Collection[str] | None = None,
        *,
        owner: str = 'admin',
        storage: str = '',
        exclude: Collection[str] = (),
        bindings: Collection[str] = (),
    ) -> list[Machine]:
        """Allocate ``count`` Ready machines, all or none, as Juju's MAAS provider does.

        Args:
            constraints: Juju constraints (translated as Juju's MAAS provider does) or a
                MAAS request.
            count: how many machines, allocated one ``op=allocate`` call at a time.
            placement: ``<hostname>``, ``system-id=<id>`` or ``zone=<zone>``.
            spread: the system ids (or hostnames) already in the distribution group. When
                given, each machine is asked for in one zone at a time, the zone holding the
                fewest of the group first (ties by name, where Juju picks at random); a 409
                moves on to the next zone. Ignored with a hostname or system-id placement, as
                Juju ignores zones then.
            owner: sent as MAAS's ``agent_name`` (Juju sends the model UUID); MAAS records the
                API user as the owner.
            storage: the MAAS ``storage`` value (root first, then volumes), or the volumes
                alone; the root item always comes from ``root-disk`` as Juju builds it
                (:func:`~orchestrator.cloud.request.AllocationRequest.from_constraints`);
                '' for none.
            exclude: system ids that already failed this request. A real region does not hand
                them out again (a failed deployment is not Ready); should it, the machine is
                released and the zone counts as having no match.
            bindings: the spaces the application's endpoints are bound to. With them or a
                ``spaces=`` constraint, the region's network (:meth:`network`) is read first
                and the ``interfaces``/``not_subnets`` parameters Juju's MAAS provider would
                send are sent as :meth:`AllocationRequest.from_constraints` builds them.

        Returns:
            The machines as MAAS returned them (Allocated), in allocation order.

        Raises:
            MaasNoMatchError: MAAS's 409; whatever was allocated is released again.
            RequestError: MAAS's 400, or a value MAAS would reject (a space the region does
                not have among them), checked before sending.
            PlacementError: for a placement directive MAAS does not understand.
        """
        if count < 1:
            raise RequestError('count', f'must be a positive integer, got {count}')
        request = self._allocation_request(constraints, placement, storage, bindings)
        params = {key: list(values) for key, values in request.params}
        params['agent_name'] = [owner]
        spreading = spread is not None and request.name is None and request.system_id is None
        group = self._zones_of(spread or ()) if spreading else None
        zones = sorted(request.zones) or (self.zones() if spreading else [])
        skip = frozenset(exclude)
        allocated: list[Machine] = []
        try:
            for _ in range(count):
                machine = self._allocate_one(params, zones, group, skip, count, len(allocated))
                allocated.append(machine)
                if group is not None:
                    group[machine.zone] += 1
        except MaasNoMatchError as error:
            notes = self._release_all(allocated)
            raise MaasNoMatchError(
                error.maas_message,
                requested=count,
                allocated=len(allocated),
                zones=error.zones,
                notes=(*error.notes, *notes),
            ) from None
        except BaseException as error:
            for note in self._release_all(allocated):
                error.add_note(note)
            raise
        return allocated

    def would_allocate(
        self,
        constraints: juju_constraints.Constraints | AllocationRequest,
        placement: str | None = None,
        *,
        storage: str = '',
        bindings: Collection[str] = (),
    ) -> Machine:
        """The machine MAAS would hand out now, answered from reads alone: nothing changes.

        Not ``op=allocate`` with ``dry_run``: MAAS 3.6 composes a VM on a VM host (pod) when no
        Ready machine matches *before* it looks at ``dry_run``, so a dry run can create a
        machine (canonical/maas tag 3.6.5 ``src/maasserver/api/machines.py``
        ``MachinesHandler.allocate``: ``dry_run`` read at line 2551,
        ``get_allocated_composed_machine`` called at lines 2599-2611, which runs
        ``compose_form.compose()`` at lines 354-358, and only then ``if not dry_run:
        machine.acquire(...)`` at line 2631). No parameter forbids composing: ``not_pod`` /
        ``not_pod_type`` filter the Ready machines too, and the pod types are the region's.
        So the answer is MAAS's choice made locally: the Ready machines of ``GET machines/``
        (``get_available_machines_for_acquisition``: status Ready) that pass every criterion
        of the same :class:`AllocationRequest` the pool and :meth:`allocate` use, the
        cheapest by MAAS's cost ``cpu_count + memory / 1024`` (``AcquireNodeForm
        .reorder_nodes_by_cost``, ``src/maasserver/node_constraint_filter_forms.py``), ties
        by hostname where PostgreSQL's order is unspecified. A VM MAAS could compose is not
        foreseen; unknown tag, zone or pool names give a no-match where MAAS answers 400.

        Raises:
            MaasNoMatchError: if no Ready machine matches (MAAS's 409 text for the request).
            RequestError: a value MAAS would reject, checked before reading.
        """
        request = self._allocation_request(constraints, placement, storage, bindings)
        wants_network = bool(request.interfaces or request.subnets or request.not_subnets)
        subnets = {s.id: s for s in self.network().subnets} if wants_network else None
        answer = _json(self._request('GET', 'machines/'))
        criteria = request.criteria()
        matching = [
            machine
            for machine in _listed_machines(answer, subnets)
            if machine.status is Status.READY and all(c.accepts(machine) for c in criteria)
        ]
        if not matching:
            raise MaasNoMatchError(request.maas_message(), requested=1, zones=())
        return min(matching, key=lambda m: (m.cost_key, m.hostname))

    def _allocation_request(
        self,
        constraints: juju_constraints.Constraints | AllocationRequest,
        placement: str | None,
        storage: str,
        bindings: Collection[str],
    ) -> AllocationRequest:
        """The request as the pool builds it, so both clouds refuse the same values unsent.

        The region's network is read only when spaces are asked for (a ``spaces=`` constraint
        or bindings), since only then do the parameters name its spaces.
        """
        if isinstance(constraints, AllocationRequest):
            if placement or storage or bindings:
                raise RequestError(
                    'placement', 'give placement, storage and spaces inside the request'
                )
            return constraints
        extra = {'storage': [storage]} if storage else None
        wants_spaces = bool(constraints.positive_spaces or constraints.negative_spaces or bindings)
        return AllocationRequest.from_constraints(
            constraints,
            placement,
            extra=extra,
            network=self.network() if wants_spaces else None,
            bindings=tuple(sorted(set(bindings))),
        )

    def _allocate_one(
        self,
        params: Mapping[str, list[str]],
        zones: Sequence[str],
        group: collections.Counter[str] | None,
        exclude: frozenset[str],
        count: int,
        allocated: int,
    ) -> Machine:
        """One machine: in MAAS's choice of zone, or zone by zone when spreading."""
        attempts: list[tuple[str, ...]] = [()]
        if group is not None and zones:
            attempts = [(zone,) for zone in sorted(zones, key=lambda z: (group[z], z))]
        last: MaasNoMatchError | None = None
        for zone in attempts:
            try_params = {**params, 'zone': list(zone)} if zone else dict(params)
            try:
                machine = self._post_allocate(try_params, zones=zone)
            except MaasNoMatchError as error:
                last = error
                continue
            if machine.system_id not in exclude:
                return machine
            self._release_quietly(machine.system_id, 'already failed this request')
            last = MaasNoMatchError(
                f'MAAS offered only {machine.hostname}, which already failed this request',
                requested=1,
                zones=zone,
            )
        assert last is not None  # there is always one attempt
        tried = tuple(z for attempt in attempts for z in attempt)
        raise MaasNoMatchError(
            last.maas_message, requested=count, allocated=allocated, zones=tried
        )

    def _post_allocate(self, params: Mapping[str, list[str]], *, zones: Sequence[str]) -> Machine:
        response = self._request('POST', 'machines/', params={'op': 'allocate'}, data=params)
        if response.status_code == HTTPStatus.CONFLICT:
            raise MaasNoMatchError(self._text(response), requested=1, zones=zones)
        return _machine(_json(response))

    def _zones_of(self, refs: Collection[str]) -> collections.Counter[str]:
        """Zone -> how many of the group's machines it holds (one listing request)."""
        group: collections.Counter[str] = collections.Counter()
        if not refs:
            return group
        found = {m.system_id: m for m in self._machine_list({'id': sorted(refs)})}
        for ref in refs:
            machine = found.get(ref) or self._by_hostname(ref)
            group[machine.zone] += 1
        return group

    # -- lifecycle -----------------------------------------------------------------------

    def deploy(
        self,
        ref: str,
        *,
        owner: str = 'admin',
        distro_series: str = DEFAULT_SERIES,
        user_data: bytes | None = None,
    ) -> Machine:
        """Start deploying a Ready or Allocated machine; MAAS answers while it is Deploying.

        A real machine takes minutes to boot: the machine returned is Deploying, and
        :meth:`get` shows when it is Deployed (or Failed deployment).

        Args:
            ref: system id or hostname.
            owner: sent as ``agent_name`` (used when MAAS allocates a Ready machine first).
            distro_series: the Ubuntu series (Juju sends the ``image-id`` or the base).
            user_data: cloud-init user data, sent base64-encoded as MAAS wants it.

        Raises:
            IllegalTransitionError: MAAS's 409, e.g.
                ``Can't deploy a machine that is in the 'Deployed' state``.
            MachineNotFoundError: if the region has no such machine.
        """
        data = {'distro_series': [distro_series], 'agent_name': [owner]}
        if user_data is not None:
            data['user_data'] = [base64.b64encode(user_data).decode('ascii')]
        return self._transition(ref, 'deploy', data, Status.DEPLOYING)

    def release(self, ref: str, *, erase: bool = False, comment: str = '') -> Machine:
        """Release a machine; MAAS answers while it is Releasing (or Disk erasing).

        ``erase`` is sent only when True, so a region that erases on every release
        (``enable_disk_erasing_on_release``) keeps doing so.

        Raises:
            IllegalTransitionError: MAAS's 409,
                ``Machine cannot be released in its current state ('<status>').``
            MachineNotFoundError: if the region has no such machine.
        """
        data: dict[str, list[str]] = {}
        if comment:
            data['comment'] = [comment]
        if erase:
            data['erase'] = ['true']
        return self._transition(ref, 'release', data, Status.RELEASING)

    def _transition(
        self, ref: str, op: str, data: Mapping[str, list[str]], target: Status
    ) -> Machine:
        system_id = ref
        response = self._call('POST', f'machines/{_segment(ref)}/', op=op, data=data, missing=ref)
        if response is None:
            # Not a system id: look the hostname up, then ask again.
            system_id = self._by_hostname(ref).system_id
            response = self._call('POST', f'machines/{_segment(system_id)}/', op=op, data=data)
            assert response is not None
        if response.status_code == HTTPStatus.CONFLICT:
            text = self._text(response)
            found = _STATE_IN_MESSAGE.search(text)
            current = next((g for g in found.groups() if g), '') if found else ''
            raise IllegalTransitionError(current, target.label, machine=ref, message=text)
        return _machine(_json(response))

    def _release_all(self, machines: Sequence[Machine]) -> list[str]:
        """Release what an all-or-none request got; notes for anything MAAS would not free."""
        notes: list[str] = []
        for machine in reversed(machines):
            note = self._release_quietly(machine.system_id, 'all or none')
            if note:
                notes.append(note)
        return notes

    def _release_quietly(self, system_id: str, why: str) -> str:
        try:
            self.release(system_id, comment=f'{_RELEASE_COMMENT}: {why}')
        except (MaasApiError, IllegalTransitionError, MachineNotFoundError) as error:
            first = str(error).splitlines()[0]
            return f'could not release {system_id} ({first}): release it in MAAS'
        return ''

    # -- HTTP ----------------------------------------------------------------------------

    def _machine_list(self, params: Mapping[str, list[str]]) -> list[Machine]:
        answer = _json(self._request('GET', 'machines/', params=params))
        return _listed_machines(answer)

    def _call(
        self,
        method: str,
        path: str,
        *,
        op: str = '',
        data: Mapping[str, list[str]] | None = None,
        missing: str = '',
    ) -> httpx.Response | None:
        """A request on one machine: None for a 404 when ``missing`` names the ref asked for."""
        params = {'op': op} if op else None
        response = self._request(method, path, params=params, data=data, allow_404=bool(missing))
        if response.status_code == HTTPStatus.NOT_FOUND:
            return None
        return response

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | list[str]] | None = None,
        data: Mapping[str, list[str]] | None = None,
        allow_404: bool = False,
    ) -> httpx.Response:
        """Send with retries; map every status MAAS uses for failures onto the error tree.

        Returned: 2xx, 409 (the caller knows what it means), and 404 if ``allow_404``.
        """
        idempotent = method == 'GET'
        policy = self.retry
        exponential = tenacity.wait_exponential(
            multiplier=policy.initial_wait, max=policy.max_wait
        )

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome is not None else None
            hinted = error.retry_after if isinstance(error, _UnavailableError) else 0.0
            return min(max(exponential(state), hinted), policy.max_wait)

        def retryable(error: BaseException) -> bool:
            if isinstance(error, (_UnavailableError, *_NOT_SENT)):
                return True
            return idempotent and isinstance(error, _LOST)

        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            logger.warning(
                'MAAS %s %s: %s; retrying in %.1fs (attempt %d of %d)',
                method,
                path,
                _describe(error),
                delay,
                state.attempt_number + 1,
                policy.attempts,
            )

        def once() -> httpx.Response:
            response = self._client.request(method, path, params=params, data=data)
            if _is_retryable(response):
                raise _UnavailableError(response)
            return response

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(policy.attempts),
            wait=wait,
            retry=tenacity.retry_if_exception(retryable),
            before_sleep=log_retry,
            sleep=policy.sleep,
            reraise=True,
        )
        where = f'{method} {self.url}/{_API}{path}'
        try:
            response = retrying(once)
        except _UnavailableError as error:
            # A 409 page is HTML: its first line says nothing, MAAS's advice is the point.
            said = (
                'Conflict error. Try your request again (MAAS rolled it back each time)'
                if error.status == HTTPStatus.CONFLICT
                else _first_line(self._credentials.scrub(error.text))
            )
            state = 'busy' if error.status == HTTPStatus.CONFLICT else 'unavailable'
            raise MaasUnreachableError(
                f'MAAS stayed {state} (HTTP {error.status}) for {where} after {policy.attempts} '
                f'attempt{"" if policy.attempts == 1 else "s"}: {said}',
                status=error.status,
                body=self._scrubbed(error.text),
            ) from None
        except httpx.TransportError as error:
            unknown = (
                ''
                if idempotent or isinstance(error, _NOT_SENT)
                else ('; the request may have reached MAAS, check the machine there')
            )
            raise MaasUnreachableError(
                f'no answer from MAAS for {where}: {_describe(error)}{unknown}'
            ) from None
        return self._check(response, where, allow_404=allow_404)

    def _check(self, response: httpx.Response, where: str, *, allow_404: bool) -> httpx.Response:
        status = response.status_code
        if response.is_success or status == HTTPStatus.CONFLICT:
            return response
        if status == HTTPStatus.NOT_FOUND and allow_404:
            return response
        text = self._text(response)
        if status == HTTPStatus.BAD_REQUEST:
            raise _request_error(response, text)
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            hint = (
                ': check the API key (maas apikey --username <user>)'
                if status == HTTPStatus.UNAUTHORIZED
                else ''
            )
            raise MaasAuthError(
                f'MAAS refused {where} (HTTP {status}): {_first_line(text)}{hint}',
                status=status,
                body=text,
            )
        raise MaasApiError(
            f'MAAS answered HTTP {status} to {where}: {_first_line(text)}',
            status=status,
            body=text,
        )

    def _text(self, response: httpx.Response) -> str:
        return self._scrubbed(response.text)

    def _scrubbed(self, text: str) -> str:
        return self._credentials.scrub(text.strip())[:_BODY_LIMIT]


def inventory(
    url: str,
    api_key: str,
    *,
    transport: httpx.BaseTransport | None = None,
    retry: RetryPolicy | None = None,
) -> MaasInventory:
    """Read a MAAS region's machines and network into the pool model (``olm pool import --maas``).

    Machines keep the status MAAS gives them, so a plan counts only the Ready ones as free;
    their interfaces link to the subnets of :attr:`MaasInventory.network`.

    Raises:
        MaasApiError: (and subclasses) if the region cannot be read.
    """
    with MaasCloud(url, api_key, transport=transport, retry=retry) as cloud:
        return cloud.inventory()


# -- MAAS JSON -> Machine ----------------------------------------------------------------------

_STATE_IN_MESSAGE = re.compile(r"in the '([^']*)' state|current state \('([^']*)'\)")


def _listed_machines(
    answer: object, subnets: Mapping[int, Subnet] | None = None, skipped: list[str] | None = None
) -> list[Machine]:
    """The machines of a ``GET machines/`` answer, leaving out those without an architecture.

    ``Node.architecture`` is ``null=True, blank=True`` (canonical/maas tag 3.6.5
    ``src/maasserver/models/node.py`` line 1086) and ``Node.split_arch`` reads a missing one
    as ``("", "")`` (line 4016): a machine enlisted but never commissioned has none. No image
    can be chosen for it and MAAS only allocates commissioned (Ready) machines, so it is of no
    use to a plan or a deploy; one such machine must not stop the listing of the others. It
    is left out with a warning (and a line in ``skipped``). Any other bad field still fails.
    """
    machines: list[Machine] = []
    for item in _list(answer, 'machines'):
        data = _obj(item, 'machine')
        if not data.get('architecture'):
            where = f'machine "{data.get("hostname", "?")}" ({data.get("system_id", "?")})'
            note = f'{where} left out: MAAS knows no architecture for it (commission it first)'
            logger.warning('%s', note)
            if skipped is not None:
                skipped.append(note)
            continue
        machines.append(_machine(data, subnets))
    return machines


def _machine(value: object, subnets: Mapping[int, Subnet] | None = None) -> Machine:
    """One machine as MAAS's machine JSON describes it (``DISPLAYED_MACHINE_FIELDS``).

    With ``subnets`` (the region's, by MAAS id) every link must be to one of them and takes
    its CIDR and space from there; without, a link reads the subnet object MAAS embeds in it.
    """
    data = _obj(value, 'machine')
    system_id = _str(data, 'system_id', 'machine')
    hostname = _str(data, 'hostname', f'machine {system_id}')
    where = f'machine "{hostname}" ({system_id})'
    arch = _str(data, 'architecture', where)
    if not arch:
        raise _bad(where, 'architecture', arch, 'an architecture such as amd64/generic')
    memory = _int(data, 'memory', where)
    interfaces = _interfaces(data, where, subnets)
    return Machine(
        system_id=system_id,
        hostname=hostname,
        # MAAS names arch/subarch; a bare name (seen on hand-added machines) means /generic.
        arch=arch if '/' in arch else f'{arch}/generic',
        cores=_int(data, 'cpu_count', where),
        memory=memory,
        disks=_disks(data, where),
        tags=frozenset(_str_list(data, 'tag_names', where)),
        zone=_name(data, 'zone', where),
        pool=_name(data, 'pool', where),
        power_type=_optional_str(data, 'power_type', where) or 'manual',
        address=_address(data, interfaces, where),
        interfaces=interfaces,
        spaces=frozenset(link.space for i in interfaces for link in i.links),
        status=_status(data, where),
        owner=_optional_str(data, 'owner', where) or None,
        status_message=_optional_str(data, 'status_message', where),
    )


def _status(data: Mapping[str, object], where: str) -> Status:
    value = data.get('status')
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return Status(value)
        except ValueError:
            pass
    # A status newer than olm's table: MAAS's label may still be one olm knows.
    label = data.get('status_name')
    if isinstance(label, str):
        try:
            return Status.from_label(label)
        except ValueError:
            pass
    known = f'a MAAS status {min(Status)}-{max(Status)} ({", ".join(s.label for s in Status)})'
    raise _bad(where, 'status', f'{value!r} ({label!r})', known)


def _disks(data: Mapping[str, object], where: str) -> tuple[Disk, ...]:
    """Physical block devices, the boot disk first (``boot_disk`` is an object or an id).

    ``model``, ``serial`` and ``id_path`` are MAAS's (``PhysicalBlockDevice``, from
    commissioning's LXD resources; ``id_path`` may be null). MAAS stores no WWN: it is read off
    an ``id_path`` that is a WWN link (:func:`_wwn`), else left '' (unknown).
    """
    boot_id = data.get('boot_disk')
    if isinstance(boot_id, dict):
        boot_id = _obj(cast(object, boot_id), f'{where} boot_disk').get('id')
    if 'physicalblockdevice_set' in data:
        devices = _list(data['physicalblockdevice_set'], f'{where} physicalblockdevice_set')
    else:
        devices = [
            d
            for d in _list(data.get('blockdevice_set', []), f'{where} blockdevice_set')
            if _obj(d, f'{where} block device').get('type', 'physical') == 'physical'
        ]
    disks: list[Disk] = []
    for device in devices:
        item = _obj(device, f'{where} block device')
        name = _str(item, 'name', f'{where} block device')
        here = f'{where} disk {name}'
        is_boot = boot_id is not None and item.get('id') == boot_id
        id_path = _optional_str(item, 'id_path', here)
        disk = Disk(
            name,
            _int(item, 'size', here),
            frozenset(_str_list(item, 'tags', here)),
            is_boot,
            model=_optional_str(item, 'model', here),
            serial=_optional_str(item, 'serial', here),
            wwn=_wwn(id_path),
            id_path=id_path,
        )
        if is_boot:
            disks.insert(0, disk)
        else:
            disks.append(disk)
    return tuple(disks)


_BY_ID = '/dev/disk/by-id/'


def _wwn(id_path: str) -> str:
    """The WWN an ``id_path`` names, '' if it names none.

    MAAS sets ``id_path`` to ``/dev/disk/by-id/<device_id>`` from LXD's resources
    (canonical/maas ``src/metadataserver/builtin_scripts/hooks.py``,
    ``_update_node_physical_block_devices`` @ 3.6.5). udev's ``device_id`` is
    ``wwn-<wwn>`` for a SATA/SAS disk with a WWN and ``nvme-<wwn>`` for NVMe (``eui.`` and
    ``nvme.`` ids; see the pairs in ``builtin_scripts/tests/test_hooks.py``). Other links
    (``ata-<model>_<serial>``, ``/dev/sda`` for a disk without a serial) carry no WWN.
    """
    if not id_path.startswith(_BY_ID):
        return ''
    link = id_path.removeprefix(_BY_ID)
    if link.startswith('wwn-'):
        return link.removeprefix('wwn-')
    if link.startswith(('nvme-eui.', 'nvme-nvme.')):
        return link.removeprefix('nvme-')
    return ''


# -- MAAS JSON -> network ----------------------------------------------------------------------

_JUJU_DEFAULT_SPACE = 'alpha'
_INVALID_SPACE_CHARS = re.compile(r'[^0-9a-z-]')
_DASHES = re.compile(r'--+')


def juju_space_name(name: str, existing: Collection[str] = ()) -> str:
    r"""The Juju space name Juju gives a MAAS space: ``ConvertSpaceName``.

    juju/juju ``core/network/space.go`` (``ConvertSpaceName``): spaces become dashes, the name
    is lower-cased, every character outside ``[0-9a-z-]`` is removed (not replaced), leading
    and trailing dashes go, runs of dashes become one; nothing left is ``empty``; a name in
    ``existing`` gets the first free suffix ``-2``, ``-3``, ... MAAS allows ``[\w-]+``
    (canonical/maas ``src/maasserver/models/space.py`` ``validate_space_name`` @ 3.6.5), so
    what changes in practice is upper case (``OAM`` -> ``oam``) and underscores
    (``ceph_public`` -> ``cephpublic``).
    """
    converted = _INVALID_SPACE_CHARS.sub('', name.replace(' ', '-').lower())
    converted = _DASHES.sub('-', converted.strip('-')) or 'empty'
    if converted in existing:
        counter = 2
        while f'{converted}-{counter}' in existing:
            counter += 1
        converted = f'{converted}-{counter}'
    return converted


def _network(spaces_answer: object, subnets_answer: object) -> Network:
    """The region's spaces and subnets (``GET spaces/``, ``GET subnets/``).

    Names are converted as Juju's space discovery does on a new model (juju/juju
    ``domain/network/service/space.go``, ``saveSpaces``): in the order MAAS lists them, each
    against the names already taken, which start with Juju's default space ``alpha``. (Juju
    skips spaces without subnets, ``provider/maas/environ.go`` ``Spaces``; they are kept
    here, as the pool is the region.)
    """
    juju_names: dict[str, str] = {}
    taken = {_JUJU_DEFAULT_SPACE}
    spaces: list[Space] = []
    for value in _list(spaces_answer, 'spaces'):
        item = _obj(value, 'space')
        maas_name = _str(item, 'name', 'space')
        if maas_name == UNDEFINED_SPACE:
            continue  # the placeholder for VLANs on no space (id -1)
        where = f'space "{maas_name}"'
        space_id = _int(item, 'id', where)
        if maas_name in juju_names or any(s.id == space_id for s in spaces):
            raise _bad('spaces', '', f'{maas_name} ({space_id})', 'each space listed once')
        name = juju_space_name(maas_name, taken)
        taken.add(name)
        juju_names[maas_name] = name
        spaces.append(Space(space_id, name))
    subnets: list[Subnet] = []
    seen: dict[int, str] = {}
    for value in _list(subnets_answer, 'subnets'):
        subnet = _subnet(_obj(value, 'subnet'), juju_names)
        if subnet.id in seen:
            raise _bad(f'subnet {subnet.id}', 'id', subnet.id, f'an id {seen[subnet.id]} lacks')
        seen[subnet.id] = subnet.cidr
        subnets.append(subnet)
    return Network(tuple(spaces), tuple(subnets))


def _subnet(item: Mapping[str, object], juju_names: Mapping[str, str]) -> Subnet:
    """One subnet of ``subnets/`` (``DISPLAYED_SUBNET_FIELDS``, its ``vlan`` an object)."""
    subnet_id = _int(item, 'id', 'subnet')
    cidr = _cidr(item, f'subnet {subnet_id}')
    where = f'subnet {subnet_id} ({cidr})'
    vlan = _obj(item.get('vlan'), f'{where} vlan')
    raw_space = item['space'] if 'space' in item else vlan.get('space')
    if raw_space is None or raw_space == UNDEFINED_SPACE:
        space = UNDEFINED_SPACE
    elif isinstance(raw_space, str) and raw_space in juju_names:
        space = juju_names[raw_space]
    else:
        known = ', '.join(sorted(juju_names)) or 'none'
        raise _bad(where, 'space', raw_space, f'"undefined" or a space spaces/ lists ({known})')
    return Subnet(
        id=subnet_id,
        cidr=cidr,
        name=_optional_str(item, 'name', where) or cidr,
        space=space,
        fabric=_str(vlan, 'fabric', f'{where} vlan'),
        vid=_int(vlan, 'vid', f'{where} vlan'),
        gateway=_optional_str(item, 'gateway_ip', where),
    )


def _cidr(item: Mapping[str, object], where: str) -> str:
    value = _str(item, 'cidr', where)
    try:
        return str(ipaddress.ip_network(value))
    except ValueError:
        raise _bad(where, 'cidr', value, 'a network such as 10.0.0.0/24') from None


_SKIPPED_TYPES = ('alias', 'unknown')
"""MAAS ``INTERFACE_TYPE`` values that are no device a machine's own network uses (an alias
is an address; ``unknown`` is an interface linked to no node): read past."""


def _interfaces(
    data: Mapping[str, object], where: str, subnets: Mapping[int, Subnet] | None
) -> tuple[Interface, ...]:
    """``interface_set``: NICs, bonds, bridges and VLANs with their links, in MAAS's order."""
    interfaces: list[Interface] = []
    for value in _list(data.get('interface_set', []), f'{where} interface_set'):
        item = _obj(value, f'{where} interface')
        name = _str(item, 'name', f'{where} interface')
        here = f'{where} interface {name}'
        kind = _str(item, 'type', here)
        if kind in _SKIPPED_TYPES:
            continue
        if kind not in INTERFACE_TYPES:
            raise _bad(
                here, 'type', kind, f'one of {", ".join((*INTERFACE_TYPES, *_SKIPPED_TYPES))}'
            )
        raw_vlan = item.get('vlan')
        vlan = None if raw_vlan is None else _obj(raw_vlan, f'{here} vlan')
        vid = 0
        if kind == 'vlan':
            if vlan is None:
                raise _bad(here, 'vlan', raw_vlan, 'the VLAN object of a vlan interface')
            vid = _int(vlan, 'vid', f'{here} vlan')
        links: list[Link] = []
        for link in _list(item.get('links', []), f'{here} links'):
            read = _link(_obj(link, f'{here} link'), here, subnets)
            if read is not None:
                links.append(read)
        interfaces.append(
            Interface(
                name=name,
                type=kind,
                mac=_optional_str(item, 'mac_address', here),
                parents=tuple(_str_list(item, 'parents', here)),
                vid=vid,
                links=tuple(links),
                mtu=_mtu(item, vlan, here),
            )
        )
    names = {i.name for i in interfaces}
    for interface in interfaces:
        for parent in interface.parents:
            if parent not in names:
                raise _bad(
                    f'{where} interface {interface.name}',
                    'parents',
                    parent,
                    f'names of its interfaces ({", ".join(sorted(names))})',
                )
    return tuple(interfaces)


def _mtu(item: Mapping[str, object], vlan: Mapping[str, object] | None, where: str) -> int:
    """``effective_mtu``; else as MAAS derives it: ``params.mtu``, the VLAN's, 1500.

    canonical/maas ``src/maasserver/models/interface.py`` (``get_effective_mtu``) @ 3.6.5;
    ``params`` is an object, or '' when empty (``examples/machines.json``).
    """
    if item.get('effective_mtu') is not None:
        return _int(item, 'effective_mtu', where)
    params = item.get('params')
    if isinstance(params, dict) and cast('dict[str, object]', params).get('mtu') is not None:
        return _int(cast('dict[str, object]', params), 'mtu', f'{where} params')
    if vlan is not None and vlan.get('mtu') is not None:
        return _int(vlan, 'mtu', f'{where} vlan')
    return 1500  # maasserver.models.vlan.DEFAULT_MTU


def _link(
    item: Mapping[str, object], interface: str, subnets: Mapping[int, Subnet] | None
) -> Link | None:
    """One of ``links``; None for a link on no subnet (it reaches no space).

    Without the region's subnets the space is the embedded subnet's ``space`` converted as
    Juju converts an address's space (``ConvertSpaceName(sub.Space, nil)``, juju/juju
    ``provider/maas/interfaces.go``); Juju likewise keeps no address for a link without a
    subnet ("missing subnet").
    """
    where = f'{interface} link {item.get("id", "?")}'
    mode = _str(item, 'mode', where)
    if mode not in LINK_MODES:
        raise _bad(where, 'mode', mode, f'one of {", ".join(LINK_MODES)}')
    raw_subnet = item.get('subnet')
    if raw_subnet is None:
        return None
    subnet = _obj(raw_subnet, f'{where} subnet')
    if subnets is None:
        cidr = _cidr(subnet, f'{where} subnet')
        raw_space = subnet.get('space')
        space = (
            juju_space_name(raw_space)
            if isinstance(raw_space, str) and raw_space != UNDEFINED_SPACE
            else UNDEFINED_SPACE
        )
    else:
        subnet_id = _int(subnet, 'id', f'{where} subnet')
        known = subnets.get(subnet_id)
        if known is None:
            listed = ', '.join(str(i) for i in sorted(subnets)) or 'none'
            raise _bad(f'{where} subnet', 'id', subnet_id, f'a subnet subnets/ lists ({listed})')
        cidr, space = known.cidr, known.space
    network = ipaddress.ip_network(cidr)
    ip = _optional_str(item, 'ip_address', where)
    if ip:
        try:
            inside = ipaddress.ip_address(ip) in network
        except ValueError:
            inside = False
        if not inside:
            raise _bad(where, 'ip_address', ip, f'an address in its subnet {cidr}')
    return Link(cidr, mode, ip, space, network.prefixlen)


def _address(data: Mapping[str, object], interfaces: Sequence[Interface], where: str) -> str:
    """The machine's address: its boot interface's IP, else the first of ``ip_addresses``.

    The boot interface (``boot_interface``, canonical/maas ``Node.get_boot_interface``) is
    often a bond's member, which holds no address itself: then the bond and the bridge over it
    are asked, untagged devices stacked on the boot NIC (assumption: PXE boots untagged, so
    VLAN interfaces over it are on other networks and are not followed). A machine whose boot
    stack holds no IP (not deployed yet) keeps ``ip_addresses[0]``, as before.
    """
    fallback = next(iter(_str_list(data, 'ip_addresses', where)), '')
    boot = data.get('boot_interface')
    if not isinstance(boot, dict):
        return fallback
    name = cast('dict[str, object]', boot).get('name')
    by_name = {i.name: i for i in interfaces}
    queue = [name] if isinstance(name, str) and name in by_name else []
    seen: set[str] = set()
    while queue:
        current = by_name[queue.pop(0)]
        if current.name in seen:
            continue
        seen.add(current.name)
        if current.addresses:
            return current.addresses[0]
        queue.extend(i.name for i in interfaces if current.name in i.parents and i.type != 'vlan')
    return fallback


_DEFAULT_POOL = 'default'
"""MAAS's default resource pool (canonical/maas ``src/maasserver/models/resourcepool.py``
``DEFAULT_RESOURCEPOOL_NAME`` @ 3.6.5)."""


def _name(data: Mapping[str, object], key: str, where: str) -> str:
    """``zone`` and ``pool`` are objects with a ``name`` (a bare string is accepted).

    ``Node.pool`` may be null (``null=True``, canonical/maas ``src/maasserver/models/node.py``
    line 1029 @ 3.6.5), and MAAS itself puts a machine without one in the default pool
    (``Node.clean_pool``, lines 2079-2083): so does olm. ``zone`` is never null
    (``on_delete=SET_DEFAULT``, line 1116) and stays required.
    """
    value = data.get(key)
    if isinstance(value, str):
        return value
    if value is None and key == 'pool':
        return _DEFAULT_POOL
    return _str(_obj(value, f'{where} {key}'), 'name', f'{where} {key}')


def _json(response: httpx.Response) -> object:
    try:
        return cast(object, response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MaasApiError(
            f'MAAS answered {response.request.method} {response.request.url.path} with '
            f'something that is not JSON (HTTP {response.status_code}): '
            f'{_first_line(response.text)!r}; is the URL the region, e.g. http://host:5240/MAAS?',
            status=response.status_code,
            body=response.text[:_BODY_LIMIT],
        ) from None


def _obj(value: object, where: str) -> Mapping[str, object]:
    if not isinstance(value, dict):
        raise _bad(where, '', type(value).__name__, 'a JSON object')
    return cast('dict[str, object]', value)


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise _bad(where, '', type(value).__name__, 'a JSON list')
    return cast('list[object]', value)


def _str(data: Mapping[str, object], key: str, where: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise _bad(where, key, value, 'a string')
    return value


def _optional_str(data: Mapping[str, object], key: str, where: str) -> str:
    value = data.get(key)
    if value is None:
        return ''
    if not isinstance(value, str):
        raise _bad(where, key, value, 'a string')
    return value


def _int(data: Mapping[str, object], key: str, where: str) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise _bad(where, key, value, 'a non-negative number')
    return int(value)


def _str_list(data: Mapping[str, object], key: str, where: str) -> list[str]:
    value = data.get(key)
    if value is None:
        return []
    items = _list(value, f'{where} {key}')
    if not all(isinstance(item, str) for item in items):
        raise _bad(where, key, value, 'a list of strings')
    return cast('list[str]', items)


def _bad(where: str, key: str, value: object, expected: str) -> MaasApiError:
    field = f' field {key!r}' if key else ''
    return MaasApiError(
        f'cannot read MAAS {where}{field}: expected {expected}, got {value!r}', status=200
    )


# -- small helpers ---------------------------------------------------------------------------


def _root_url(url: str) -> str:
    """The region URL without a trailing ``/`` or ``/api/2.0``; refused if not http(s)."""
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme not in ('http', 'https') or not parsed.hostname:
        raise MaasApiError(
            f'MAAS URL must look like http://<host>:5240/MAAS, got {parsed.scheme or "no"} '
            f'scheme{"" if parsed.hostname else " and no host"}'
        )
    if parsed.username or parsed.password:
        # Do not echo it: whatever is before the @ is a credential.
        raise MaasAuthError('MAAS URL must not hold credentials; pass the API key instead')
    path = parsed.path.rstrip('/').removesuffix('/api/2.0').rstrip('/')
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, '', ''))


def _segment(ref: str) -> str:
    return urllib.parse.quote(ref, safe='')


def _request_error(response: httpx.Response, text: str) -> RequestError:
    """MAAS's 400: ``{field: [messages]}`` from a form, or plain text from the API layer."""
    try:
        body = cast(object, response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return RequestError('request', _first_line(text))
    if not isinstance(body, dict) or not body:
        return RequestError('request', _first_line(text))
    errors = cast('dict[str, object]', body)
    rendered: list[str] = []
    for index, (field, messages) in enumerate(errors.items()):
        items = cast('list[object]', messages) if isinstance(messages, list) else [messages]
        joined = ' '.join(str(m) for m in items)
        rendered.append(joined if index == 0 else f'{field}: {joined}')
    return RequestError(next(iter(errors)), '; '.join(rendered))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else '(empty answer)'


def _describe(error: BaseException | None) -> str:
    if error is None:
        return 'no error'
    text = str(error)
    return f'{type(error).__name__}: {text}' if text else type(error).__name__


if TYPE_CHECKING:
    from .cloud import Cloud

    # Compile-time interface check: pyright fails here if MaasCloud drifts from Cloud.
    _MAAS_IS_A_CLOUD: type[Cloud] = MaasCloud

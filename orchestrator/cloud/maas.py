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
* 503 and failed connections are retried (tenacity, bounded exponential waits). A POST whose
  answer was lost after it went out is *not* retried: MAAS may have acted on it, and a second
  ``allocate`` would take a second machine.

:func:`inventory` reads a region's machines into the pool model for ``olm pool import --maas``,
so ``olm plan`` can check a bundle against the real machines before a real deploy. The API key
never appears in a message, log line or repr.
"""

# pyright: strict

from __future__ import annotations

import base64
import collections
import dataclasses
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

from .. import constraints as juju_constraints
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
from .request import AllocationRequest

__all__ = ['DEFAULT_SERIES', 'MaasCloud', 'RetryPolicy', 'inventory']

logger = logging.getLogger(__name__)

DEFAULT_SERIES = 'noble'
"""The ``distro_series`` :meth:`MaasCloud.deploy` asks for unless told otherwise."""

_API = 'api/2.0/'
_BODY_LIMIT = 2000
_RELEASE_COMMENT = 'Released by olm'


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How :class:`MaasCloud` retries a region that is busy or out of reach.

    Retried: HTTP 503 (MAAS's answer while its database is locked or a rack is away, with a
    ``Retry-After`` that is honoured up to ``max_wait``), connections that fail or time out
    before the request is sent, and, for GETs only, connections lost during the exchange.
    Never retried: any 4xx, and a POST that may have reached MAAS.

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
    """A 503, raised inside the retry loop so tenacity can retry it."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f'HTTP {response.status_code}')
        self.status = response.status_code
        self.text = response.text
        retry_after = response.headers.get('Retry-After', '')
        self.retry_after = float(retry_after) if retry_after.isdigit() else 0.0


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
            storage: the MAAS ``storage`` value (root first, then volumes); '' for none.
            exclude: system ids that already failed this request. A real region does not hand
                them out again (a failed deployment is not Ready); should it, the machine is
                released and the zone counts as having no match.

        Returns:
            The machines as MAAS returned them (Allocated), in allocation order.

        Raises:
            MaasNoMatchError: MAAS's 409; whatever was allocated is released again.
            RequestError: MAAS's 400, or a value MAAS would reject, checked before sending.
            PlacementError: for a placement directive MAAS does not understand.
        """
        if count < 1:
            raise RequestError('count', f'must be a positive integer, got {count}')
        request = _allocation_request(constraints, placement, storage)
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
    ) -> Machine:
        """The machine MAAS would hand out now (``dry_run``): nothing is allocated.

        Raises:
            MaasNoMatchError: if nothing matches.
            RequestError: MAAS's 400.
        """
        request = _allocation_request(constraints, placement, storage)
        params = {key: list(values) for key, values in request.params}
        params['dry_run'] = ['true']
        return self._post_allocate(params, zones=())

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
        return [_machine(item) for item in _list(answer, 'machines')]

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
            if response.status_code == HTTPStatus.SERVICE_UNAVAILABLE:
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
            raise MaasUnreachableError(
                f'MAAS stayed unavailable (HTTP 503) for {where} after {policy.attempts} '
                f'attempt{"" if policy.attempts == 1 else "s"}: '
                f'{_first_line(self._credentials.scrub(error.text))}',
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
) -> list[Machine]:
    """Read a MAAS region's machines into the pool model, for ``olm pool import --maas``.

    Machines keep the status MAAS gives them, so a plan counts only the Ready ones as free.

    Raises:
        MaasApiError: (and subclasses) if the region cannot be read.
    """
    with MaasCloud(url, api_key, transport=transport, retry=retry) as cloud:
        return cloud.machines()


# -- MAAS JSON -> Machine ----------------------------------------------------------------------

_STATE_IN_MESSAGE = re.compile(r"in the '([^']*)' state|current state \('([^']*)'\)")


def _machine(value: object) -> Machine:
    """One machine as MAAS's machine JSON describes it (``DISPLAYED_MACHINE_FIELDS``)."""
    data = _obj(value, 'machine')
    system_id = _str(data, 'system_id', 'machine')
    hostname = _str(data, 'hostname', f'machine {system_id}')
    where = f'machine "{hostname}" ({system_id})'
    arch = _str(data, 'architecture', where)
    if not arch:
        raise _bad(where, 'architecture', arch, 'an architecture such as amd64/generic')
    memory = _int(data, 'memory', where)
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
        address=next(iter(_str_list(data, 'ip_addresses', where)), ''),
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
    """Physical block devices, the boot disk first (``boot_disk`` is an object or an id)."""
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
        disk = Disk(
            name, _int(item, 'size', here), frozenset(_str_list(item, 'tags', here)), is_boot
        )
        if is_boot:
            disks.insert(0, disk)
        else:
            disks.append(disk)
    return tuple(disks)


def _name(data: Mapping[str, object], key: str, where: str) -> str:
    """``zone`` and ``pool`` are objects with a ``name`` (a bare string is accepted)."""
    value = data.get(key)
    if isinstance(value, str):
        return value
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


def _allocation_request(
    constraints: juju_constraints.Constraints | AllocationRequest,
    placement: str | None,
    storage: str,
) -> AllocationRequest:
    """The request as the pool builds it, so both clouds refuse the same values unsent."""
    if isinstance(constraints, AllocationRequest):
        if placement or storage:
            raise RequestError('placement', 'give placement and storage inside the request')
        return constraints
    extra = {'storage': [storage]} if storage else None
    return AllocationRequest.from_constraints(constraints, placement, extra=extra)


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

"""The region as a :class:`~orchestrator.cloud.cloud.Cloud`: allocation, zone spreading, lifecycle.

What is sent and read is in the sibling modules; this one decides what to ask for, in what order,
and what to undo when a later step fails.
"""

# pyright: strict

from __future__ import annotations

import base64
import collections
import dataclasses
import re
from collections.abc import Collection, Iterator, Mapping, Sequence
from http import HTTPStatus
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from ...juju import constraints as juju_constraints
from ..errors import (
    IllegalTransitionError,
    MaasApiError,
    MaasNoMatchError,
    MachineNotFoundError,
    RequestError,
)
from ..lifecycle import Status
from ..machine import Machine
from ..network import (
    Network,
)
from ..request import AllocationRequest
from ._client import RegionClient, RetryPolicy, json_body, segment
from ._json import as_list, as_object, get_str
from ._machines import listed_machines, read_machine
from ._network import read_network

DEFAULT_SERIES = 'noble'
"""The ``distro_series`` :meth:`MaasCloud.deploy` asks for unless told otherwise."""

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
        self._http = RegionClient(url, api_key, transport=transport, retry=retry, timeout=timeout)
        self._network: Network | None = None

    @property
    def url(self) -> str:
        """The region's URL, without a trailing ``/`` or ``/api/2.0``."""
        return self._http.url

    @property
    def retry(self) -> RetryPolicy:
        """How busy or unreachable regions are retried."""
        return self._http.retry

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
        self._http.close()

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
        response = self._http.call('GET', f'machines/{segment(ref)}/', missing=ref)
        if response is not None:
            return read_machine(json_body(response))
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
            spaces = json_body(self._http.request('GET', 'spaces/'))
            subnets = json_body(self._http.request('GET', 'subnets/'))
            self._network = read_network(spaces, subnets)
        return self._network

    def inventory(self) -> MaasInventory:
        """Every machine and the network, each link checked against the region's subnets.

        Raises:
            MaasApiError: for a bad answer, e.g. a link to a subnet ``subnets/`` does not list.
        """
        network = self.network()
        subnets = {subnet.id: subnet for subnet in network.subnets}
        answer = json_body(self._http.request('GET', 'machines/'))
        skipped: list[str] = []
        machines = listed_machines(answer, subnets, skipped)
        return MaasInventory(
            tuple(sorted(machines, key=lambda m: m.hostname)), network, tuple(skipped)
        )

    def zones(self) -> list[str]:
        """The names of the region's availability zones."""
        answer = json_body(self._http.request('GET', 'zones/'))
        return sorted(
            get_str(as_object(z, 'zone'), 'name', 'zone') for z in as_list(answer, 'zones')
        )

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
        answer = json_body(self._http.request('GET', 'machines/'))
        criteria = request.criteria()
        matching = [
            machine
            for machine in listed_machines(answer, subnets)
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
        response = self._http.request('POST', 'machines/', params={'op': 'allocate'}, data=params)
        if response.status_code == HTTPStatus.CONFLICT:
            raise MaasNoMatchError(self._http.text(response), requested=1, zones=zones)
        return read_machine(json_body(response))

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
        response = self._http.call(
            'POST', f'machines/{segment(ref)}/', op=op, data=data, missing=ref
        )
        if response is None:
            # Not a system id: look the hostname up, then ask again.
            system_id = self._by_hostname(ref).system_id
            response = self._http.call('POST', f'machines/{segment(system_id)}/', op=op, data=data)
            assert response is not None
        if response.status_code == HTTPStatus.CONFLICT:
            text = self._http.text(response)
            found = _STATE_IN_MESSAGE.search(text)
            current = next((g for g in found.groups() if g), '') if found else ''
            raise IllegalTransitionError(current, target.label, machine=ref, message=text)
        return read_machine(json_body(response))

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
        answer = json_body(self._http.request('GET', 'machines/', params=params))
        return listed_machines(answer)


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


_STATE_IN_MESSAGE = re.compile(r"in the '([^']*)' state|current state \('([^']*)'\)")


if TYPE_CHECKING:
    from ..cloud import Cloud

    # Compile-time interface check: pyright fails here if MaasCloud drifts from Cloud.
    _MAAS_IS_A_CLOUD: type[Cloud] = MaasCloud

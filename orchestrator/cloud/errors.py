"""The errors of the metal pool.

Every error a caller can act on derives from :class:`CloudError`, so the CLI catches one family
and prints one line. The messages are MAAS's own where MAAS has one::

    CloudError
    ├── InventoryError            a pool file that cannot be imported (nothing is imported)
    ├── MachineNotFoundError      no machine with that hostname or system id
    ├── IllegalTransitionError    a status change MAAS's NODE_TRANSITIONS refuses
    ├── PlacementError            a placement directive MAAS does not understand
    ├── RequestError              MAAS's 400: an allocate parameter MAAS rejects
    ├── NoMatchError              MAAS's 409: no Ready machine satisfies the request
    │   └── MaasNoMatchError      ... as a real region answers it, without the pool's counts
    └── MaasApiError              a real MAAS region's answer that none of the above describes
        ├── MaasAuthError         an API key that is malformed, or that the region refuses
        └── MaasUnreachableError  no usable answer: connection failure, timeout, 503

The ``Maas*`` errors come from :mod:`orchestrator.cloud.maas` only. None of them ever carries
the API key: bodies are scrubbed of its parts, and no request (which holds the signed
``Authorization`` header) is kept.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = [
    'CloudError',
    'IllegalTransitionError',
    'InventoryError',
    'MaasApiError',
    'MaasAuthError',
    'MaasNoMatchError',
    'MaasUnreachableError',
    'MachineNotFoundError',
    'NoMatchError',
    'PlacementError',
    'RequestError',
]


class CloudError(Exception):
    """Base of every error the pool raises on purpose."""


class InventoryError(CloudError):
    """A pool inventory that is not valid; the message names the file, machine and field."""


class MachineNotFoundError(CloudError):
    """No machine in the pool has the hostname or system id asked for."""

    def __init__(self, ref: str) -> None:
        super().__init__(f'machine "{ref}" not found in the pool')
        self.ref = ref


class PlacementError(CloudError):
    """A placement directive that is neither a hostname, ``system-id=`` nor ``zone=``."""


class RequestError(CloudError):
    """MAAS's HTTP 400: an allocate parameter is malformed or names something unknown.

    Attributes:
        field: the MAAS parameter at fault (``mem``, ``storage``, ``tags``, ...).
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f'{field}: {message}')
        self.field = field


class IllegalTransitionError(CloudError):
    """A status change that MAAS does not allow; nothing was changed.

    Attributes:
        current: the label of the status the machine is in.
        requested: the label of the status that was asked for.
        machine: the hostname, if known.
    """

    def __init__(
        self, current: str, requested: str, *, machine: str = '', message: str = ''
    ) -> None:
        text = message or f'Invalid transition: {current} -> {requested}.'
        super().__init__(f'machine "{machine}": {text}' if machine else text)
        self.current = current
        self.requested = requested
        self.machine = machine


class NoMatchError(CloudError):
    """MAAS's HTTP 409: no Ready machine matches, with an account of why.

    The first line is MAAS's own ``No available machine matches constraints: ...`` text; the
    lines after it say, per constraint, how many Ready machines it excluded, and how many
    machines would match if they were Ready. Like kube-scheduler's status, it separates a
    request that may fit later from one that never will.

    Attributes:
        maas_message: MAAS's 409 body.
        requested: how many machines were asked for.
        ready: how many machines were Ready when the request was made.
        excluded: constraint text -> number of Ready machines it excluded.
        not_ready: status label -> number of machines that match every constraint but are in
            that status.
        matching_ready: Ready machines that match every constraint (fewer than ``requested``).
    """

    def __init__(
        self,
        maas_message: str,
        *,
        requested: int,
        ready: int,
        excluded: Mapping[str, int],
        not_ready: Mapping[str, int],
        matching_ready: int,
        notes: Sequence[str] = (),
    ) -> None:
        self.maas_message = maas_message
        self.requested = requested
        self.ready = ready
        self.excluded = dict(excluded)
        self.not_ready = dict(not_ready)
        self.matching_ready = matching_ready
        self.notes = tuple(notes)
        super().__init__(self._render())

    def note(self, line: str) -> None:
        """Add a line to the explanation, such as what the machines were for."""
        self.notes = (*self.notes, line)
        self.args = (self._render(),)

    @property
    def may_fit_later(self) -> bool:
        """True if enough machines match but some are busy: retry after a release.

        False means the pool as it stands can never satisfy the request.
        """
        return self.matching_ready + sum(self.not_ready.values()) >= self.requested

    def _render(self) -> str:
        lines = [self.maas_message]
        if self.requested > 1:
            lines.append(
                f'  {self.requested} machines requested, {self.matching_ready} Ready '
                f'{"machine matches" if self.matching_ready == 1 else "machines match"} '
                '(all or none are allocated)'
            )
        for constraint, count in self.excluded.items():
            lines.append(f'  {constraint}: excludes {count} of {self.ready} Ready machines')
        busy = sum(self.not_ready.values())
        if busy:
            detail = ', '.join(f'{n} {label}' for label, n in sorted(self.not_ready.items()))
            lines.append(
                f'  {busy} machine{"" if busy == 1 else "s"} would match but '
                f'{"is" if busy == 1 else "are"} not Ready ({detail})'
            )
        else:
            lines.append('  no machine in another status would match either')
        lines.extend(f'  {note}' for note in self.notes)
        return '\n'.join(lines)


class MaasNoMatchError(NoMatchError):
    """MAAS's HTTP 409 from a real region: its own message, and only what the client knows.

    A region answers a no-fit with one line; it does not say which constraint excluded how
    many machines, nor what is busy. The embedded pool's per-constraint counts would have to
    be invented here, so the explanation says where to get them instead (an imported inventory
    and ``olm plan``) and lists the zones tried.

    Attributes:
        zones: the zones tried, in the order tried (empty when MAAS was left to pick).
        allocated: machines MAAS had handed out for this request before it ran out; they were
            released again (all or none), unless a note says otherwise.
    """

    def __init__(
        self,
        maas_message: str,
        *,
        requested: int,
        allocated: int = 0,
        zones: Sequence[str] = (),
        notes: Sequence[str] = (),
    ) -> None:
        self.zones = tuple(zones)
        self.allocated = allocated
        super().__init__(
            maas_message,
            requested=requested,
            ready=0,
            excluded={},
            not_ready={},
            matching_ready=allocated,
            notes=notes,
        )

    @property
    def may_fit_later(self) -> bool:
        """Not known for a real region; False, so that no caller waits on a guess."""
        return False

    def _render(self) -> str:
        lines = [self.maas_message]
        if self.requested > 1:
            lines.append(
                f'  {self.requested} machines requested, MAAS handed out {self.allocated} '
                'before it ran out (all or none are allocated)'
            )
        if self.zones:
            many = len(self.zones) > 1
            lines.append(
                f'  tried zone{"s" if many else ""} {", ".join(self.zones)}'
                f'{" (fewest of the group first)" if many else ""}: MAAS answered 409 '
                f'{"in each" if many else "there"}'
            )
        lines.append(
            '  a MAAS region does not say how many machines each constraint excludes: '
            'import it (olm pool import --maas) and run olm plan for that account'
        )
        lines.extend(f'  {note}' for note in self.notes)
        return '\n'.join(lines)


class MaasApiError(CloudError):
    """A real MAAS region's answer that no more specific error describes.

    Attributes:
        status: the HTTP status, or None when no answer came.
        body: the answer's text, shortened, with every part of the API key scrubbed.
    """

    def __init__(self, message: str, *, status: int | None = None, body: str = '') -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class MaasAuthError(MaasApiError):
    """An API key that is not ``consumer:token:secret``, or that the region refuses (401/403)."""


class MaasUnreachableError(MaasApiError):
    """No usable answer: the connection failed or timed out, or MAAS stayed unavailable (503).

    Raised once the retries are spent. For an ``allocate``, ``deploy`` or ``release`` whose
    answer was lost after the request went out, MAAS may have acted on it; the message says so.
    """

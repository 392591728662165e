"""Injectable faults: make a simulated program fail once, fail until cleared, or be slow.

A fault names the program it hits (``'snap'``, ``'apt-get'``, ``'k8s'``) and optionally the
machine and the start of the arguments, so a test can say "the next ``snap install k8s`` on
machine 3 fails the way snapd does when an auto-refresh is running"::

    world.faults.inject(
        'snap', 'fail-once', machine='3', match=['install', 'k8s'],
        returncode=10, stderr='error: snap "k8s" has "install-snap" change in progress',
    )

Faults are plain data, so they persist with the rest of the shared state (see
:meth:`orchestrator.sim.World.dump_shared`): ``olm`` runs every command in a new process, and a
fault injected by one command must still be armed in the next.
"""

# pyright: strict

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, cast, get_args

__all__ = ['Fault', 'FaultKind', 'Faults']

FaultKind = Literal['fail-once', 'fail-always', 'slow']
"""``fail-once`` fires on the first matching call and disappears; ``fail-always`` fires until
cleared; ``slow`` delays every matching call (and times it out if the delay exceeds its
timeout) until cleared."""


@dataclass(frozen=True)
class Fault:
    """One armed fault.

    Attributes:
        program: the program it hits, by base name (``'snap'``, not ``'/usr/bin/snap'``).
        kind: see :data:`FaultKind`.
        machine: the machine id it is limited to; None hits every machine.
        match: the arguments a command must start with (after the program name) to be hit;
            empty hits every call of the program.
        returncode: the exit status a failing call reports (never 0).
        stderr: what a failing call writes to standard error.
        delay: the seconds a slow call takes, through the World's ``sleep``.
    """

    program: str
    kind: FaultKind
    machine: str | None = None
    match: tuple[str, ...] = ()
    returncode: int = 1
    stderr: str = ''
    delay: float = 0.0

    def hits(self, program: str, machine: str, args: Sequence[str]) -> bool:
        """Whether a call of ``program`` with ``args`` (argv without argv[0]) is hit."""
        return (
            self.program == program
            and self.machine in (None, machine)
            and tuple(args[: len(self.match)]) == self.match
        )

    def to_json(self) -> dict[str, Any]:
        """The fault as a JSON-able dict."""
        return {
            'program': self.program,
            'kind': self.kind,
            'machine': self.machine,
            'match': list(self.match),
            'returncode': self.returncode,
            'stderr': self.stderr,
            'delay': self.delay,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Fault:
        """Rebuild a fault from :meth:`to_json`'s output.

        Raises:
            ValueError: the data does not describe a valid fault.
            KeyError: a required key is missing.
        """
        match = cast('list[object]', data.get('match') or [])
        return _validated(
            cls(
                program=str(data['program']),
                kind=cast('FaultKind', data['kind']),
                machine=None if data.get('machine') is None else str(data['machine']),
                match=tuple(str(arg) for arg in match),
                returncode=int(data.get('returncode', 1)),
                stderr=str(data.get('stderr', '')),
                delay=float(data.get('delay', 0.0)),
            )
        )


def _validated(fault: Fault) -> Fault:
    if not fault.program or '/' in fault.program:
        raise ValueError(f'a fault names a program by its base name, got {fault.program!r}')
    if fault.kind not in get_args(FaultKind):
        raise ValueError(f'unknown fault kind {fault.kind!r} (one of {get_args(FaultKind)})')
    if fault.kind == 'slow':
        if not (fault.delay > 0 and math.isfinite(fault.delay)):
            raise ValueError(f'a slow fault needs a positive delay, got {fault.delay!r}')
    elif not 0 < fault.returncode < 256:
        # 0 would be a success, and a real exit status never leaves 1..255.
        raise ValueError(f'a failing fault needs an exit status in 1..255, got {fault.returncode}')
    return fault


class Faults:
    """The faults armed in a World, in the order they were injected.

    When several faults hit one call, the first slow one delays it and then the first failing
    one fails it; a ``fail-once`` fault is used up only when it actually fails a call.
    """

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self.version = 0
        """Counts changes (armed, used up, cleared, loaded), so a change can be noticed cheaply."""

    def __repr__(self) -> str:
        return f'Faults({self._faults!r})'

    def __iter__(self) -> Iterator[Fault]:
        return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    def inject(
        self,
        program: str,
        kind: FaultKind,
        *,
        machine: str | None = None,
        match: Sequence[str] = (),
        returncode: int = 1,
        stderr: str = '',
        delay: float = 0.0,
    ) -> Fault:
        """Arm a fault (see :class:`Fault` for the arguments).

        Returns:
            The armed fault.

        Raises:
            ValueError: the fault makes no sense (a slow fault without a delay, a failure with
                exit status 0, a program given as a path, an unknown kind).
            TypeError: ``match`` is a single string rather than a sequence of arguments.
        """
        if isinstance(match, str):
            raise TypeError(f'match must be a sequence of arguments, not the string {match!r}')
        fault = _validated(
            Fault(program, kind, machine, tuple(match), returncode, stderr, float(delay))
        )
        self._faults.append(fault)
        self.version += 1
        return fault

    def clear(self, program: str | None = None) -> None:
        """Disarm every fault of ``program``, or every fault when it is None."""
        self._faults = [f for f in self._faults if program is not None and f.program != program]
        self.version += 1

    def slow(self, program: str, machine: str, args: Sequence[str]) -> Fault | None:
        """The first slow fault hitting this call, if any."""
        return next(
            (f for f in self._faults if f.kind == 'slow' and f.hits(program, machine, args)), None
        )

    def take_failure(self, program: str, machine: str, args: Sequence[str]) -> Fault | None:
        """The first failing fault hitting this call, if any; a ``fail-once`` is used up."""
        for index, fault in enumerate(self._faults):
            if fault.kind != 'slow' and fault.hits(program, machine, args):
                if fault.kind == 'fail-once':
                    del self._faults[index]
                    self.version += 1
                return fault
        return None

    def to_json(self) -> list[dict[str, Any]]:
        """Every armed fault, JSON-able, in injection order."""
        return [fault.to_json() for fault in self._faults]

    def load_json(self, data: Sequence[Mapping[str, Any]]) -> None:
        """Replace the armed faults with those from :meth:`to_json`'s output.

        Raises:
            ValueError: an entry does not describe a valid fault.
            KeyError: an entry lacks a required key.
        """
        self._faults = [Fault.from_json(entry) for entry in data]
        self.version += 1

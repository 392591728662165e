"""What the engine's operations report back: frozen or filled in as the operation goes."""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..state import model

__all__ = [
    'AddUnitReport',
    'DeployReport',
    'ExecResult',
    'ImportProgress',
    'ProgressReports',
    'Provisioned',
    'SettleProgress',
    'SettleResult',
    'StatusData',
]


@dataclasses.dataclass(frozen=True, slots=True)
class ExecResult:
    """What ``juju exec`` reports for one target: the task and the command's outcome.

    Attributes:
        id: the task's id.
        operation: the id of the operation it belongs to.
        target: ``app/N`` for a unit, the machine's number for a machine (Juju's tag ids).
        kind: ``unit`` or ``machine``.
        enqueued: when the task was queued (seconds since the epoch).
        completed: when the command finished.
    """

    id: str
    target: str
    returncode: int
    stdout: str
    stderr: str
    operation: str = ''
    kind: str = 'unit'
    enqueued: float = 0.0
    completed: float = 0.0


@dataclasses.dataclass(frozen=True, kw_only=True)
class Provisioned:
    """A machine started for the model, and why it was the one.

    Attributes:
        machine: the model's machine number.
        hostname: the pool machine it runs on.
        reason: why the pool chose it (cost, zone spreading).
        failures: ``hostname: message`` of every machine that failed deployment first.
    """

    machine: str
    hostname: str
    reason: str
    failures: tuple[str, ...] = ()


@dataclasses.dataclass(kw_only=True)
class SettleResult:
    """What a settle did: hooks run, units that failed, and the seed of its interleaving."""

    hooks: int = 0
    errors: list[str] = dataclasses.field(default_factory=list[str])
    settled: bool = False
    seed: int | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SettleProgress:
    """How far a settle has got, told every so often while it runs (``olm wait``'s progress).

    Attributes:
        hooks: hooks this settle has run (each committed).
        elapsed: seconds since it began.
        units: units in the model.
        settled: units with no hook known to be left.
        queued: hooks known to be left: a lower bound (:mod:`orchestrator.agent.backlog`).
    """

    hooks: int
    elapsed: float
    units: int
    settled: int
    queued: int


@dataclasses.dataclass(frozen=True)
class ProgressReports:
    """Where a settle tells its progress, and how often.

    Attributes:
        report: told a :class:`SettleProgress` once ``interval`` seconds have passed since the
            settle began, then every ``interval`` seconds (0: after every hook).
        finish: told when the settle ends (the display ends its line), if it reported.
        interval: seconds between reports.
    """

    report: Callable[[SettleProgress], None]
    finish: Callable[[], None]
    interval: float = 5.0
    imported: Callable[[ImportProgress], None] | None = None
    """Told an :class:`ImportProgress` as ``report`` is told a settle's, during a pool import;
    ``finish`` follows if it was told anything."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class ImportProgress:
    """How far a pool import has got, told every so often (``olm pool import``'s progress).

    A pool file is read (:mod:`orchestrator.cloud.inventory`), every machine checked and
    built (``import``; twice for a file whose network follows its machines); the pool then
    takes them (``add``).

    Attributes:
        file: the file, as given.
        stage: ``import`` or ``add``.
        machines: machine entries this stage has read, or machines the pool has taken.
        total: the machines of the file, once known (``add``), else 0.
        read: bytes of the file this stage has read.
        size: the file's size in bytes.
        elapsed: seconds since the import began.
        stage_elapsed: seconds since this stage began.
    """

    file: str
    stage: str
    machines: int
    total: int
    read: int
    size: int
    elapsed: float
    stage_elapsed: float


@dataclasses.dataclass(kw_only=True)
class AddUnitReport:
    """What ``add-unit`` did: the new units, the machines started for them, and the settle."""

    units: list[str] = dataclasses.field(default_factory=list[str])
    machines: list[Provisioned] = dataclasses.field(default_factory=list[Provisioned])
    settle: SettleResult | None = None
    warnings: list[str] = dataclasses.field(default_factory=list[str])


@dataclasses.dataclass(kw_only=True)
class DeployReport:
    """The changes a deploy made (or would make, with ``--dry-run``) and its warnings."""

    changes: list[str] = dataclasses.field(default_factory=list[str])
    warnings: list[str] = dataclasses.field(default_factory=list[str])
    machines: list[Provisioned] = dataclasses.field(default_factory=list[Provisioned])
    settle: SettleResult | None = None


@dataclasses.dataclass(frozen=True, kw_only=True)
class StatusData:
    """The model as ``olm status`` shows it."""

    model: model.Model
    charm_revisions: Mapping[str, int]
    unfinished: str | None = None
    """An operation that never committed (its process died), or one under way; None."""

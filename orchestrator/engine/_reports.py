"""What the engine's operations report back: frozen or filled in as the operation goes."""

# pyright: strict

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..state import model

__all__ = [
    'AddUnitReport',
    'DeployReport',
    'ExecResult',
    'Provisioned',
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

"""What the engine's workers share: the store, the engine's settings, its caches, sessions.

Every worker (:mod:`._pool`, :mod:`._provisioner`, :mod:`._agents` ...) is given the one
:class:`Context` of its :class:`~orchestrator.engine.Engine`; a command that changes the model
opens one :meth:`Context.session` and hands it from worker to worker.
"""

# pyright: strict

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
from collections.abc import Callable, Generator
from pathlib import Path

from .._ops_versions import check_installed
from ..agent.hooks import RetryPolicy
from ..juju import constraints as juju_constraints
from ..state import model
from ..state.store import Store, StoreError, Transaction
from . import _intent
from ._deferred import charmspec, dispatch, runner, sim
from ._errors import EngineError
from ._reports import ProgressReports
from ._session import Session

__all__ = [
    'CLOCK_OFFSET',
    'REPO_CHARMS',
    'Context',
    'load_model',
    'model_constraints',
    'retry_from_environment',
]

REPO_CHARMS = Path(__file__).resolve().parents[2] / 'charms'

CLOCK_OFFSET = 'clock-offset'
"""The model setting that holds how far ``olm advance-clock`` moved the model's clock."""


@dataclasses.dataclass(eq=False, kw_only=True)
class Context:
    """One engine's settings and caches.

    Attributes:
        store: the model's state directory.
        owner: the MAAS user the model allocates machines as.
        charms_dir: where a charm named without a path is found.
        clock: the model's time (the event log's, hooks' retry times, secrets' expiry and
            rotation): the time given, plus the model's ``clock-offset`` setting, which
            ``olm advance-clock`` moves forward (:meth:`UnitAgents.advance_clock
            <orchestrator.engine._agents.UnitAgents.advance_clock>`).
        sleep: waits for a retry that is not due yet.
        seed: the settle loop's seed; None draws one per settle.
        retry: when a failed hook is retried.
        progress: told of every hook run, when set (``olm deploy``'s progress lines).
    """

    store: Store
    owner: str
    charms_dir: Path
    clock: Callable[[], float]
    sleep: Callable[[float], None]
    seed: int | None
    retry: RetryPolicy
    progress: Callable[[str], None] | None = None
    reports: ProgressReports | None = None
    """Where a settle tells how far it has got, every so often (``olm wait``'s progress)."""
    pull_linked: Callable[[Session], set[str]] | None = None
    """Copies other models' sides of cross-model relations in at a settle; returns the
    models linked (set by the engine: :func:`orchestrator.engine._crossmodel.pull`)."""
    settle_linked: Callable[[set[str]], None] | None = None
    """Settles the linked models once a session ends (set by the engine)."""
    _runner: runner.Runner | None = dataclasses.field(default=None, init=False)
    _dispatch_runner: dispatch.DispatchRunner | None = dataclasses.field(default=None, init=False)
    _specs: dict[str, charmspec.CharmSpec] = dataclasses.field(
        default_factory=lambda: dict[str, charmspec.CharmSpec](), init=False
    )
    clock_offset: float = dataclasses.field(default=0.0, init=False)
    """Seconds the model's clock is ahead of the time given (read with each session)."""
    _operation: bool = dataclasses.field(default=False, init=False)
    """An operation of this engine has its intent recorded (:meth:`operation`)."""

    def __post_init__(self) -> None:
        given = self.clock
        self.clock = lambda: given() + self.clock_offset

    @property
    def hook_runner(self) -> runner.Runner:
        """What runs each hook, made on the first hook: read-only commands never load it."""
        if self._runner is None:
            self._runner = runner.Runner()
        return self._runner

    @property
    def dispatch_runner(self) -> dispatch.DispatchRunner:
        """What runs the hooks of applications deployed with ``--runner dispatch``."""
        if self._dispatch_runner is None:
            self._dispatch_runner = dispatch.DispatchRunner()
        return self._dispatch_runner

    def runner_for(self, app: model.Application) -> runner.Runner:
        """The runner of an application's hooks."""
        return self.dispatch_runner if app.runner == 'dispatch' else self.hook_runner

    def spec(self, app: model.Application) -> charmspec.CharmSpec:
        """The application's charm, read once per engine."""
        spec = self._specs.get(app.charm_path)
        if spec is None:
            source = Path(app.charm)
            if not Path(app.charm_path).is_dir() and charmspec.is_archive(source):
                # The .charm deployed is unpacked again (to the same place: its content's
                # digest) when olm's cache lost it.
                charmspec.unpack(source)
            spec = charmspec.load(Path(app.charm_path))
            self._specs[app.charm_path] = spec
        return spec

    def remember(self, spec: charmspec.CharmSpec) -> None:
        """Keep a charm just read (deployed or refreshed), so :meth:`spec` reads it no more."""
        self._specs[str(spec.path)] = spec

    def shared_world(self, txn: Transaction) -> sim.World:
        """A World holding only the shared facts and faults (no machine is loaded)."""
        world = sim.World(clock=self.clock, sleep=self.sleep)
        shared = txn.records('sim-shared').get('')
        if shared is not None:
            world.load_shared(shared)
        return world

    @contextlib.contextmanager
    def session(self) -> Generator[Session]:
        """The model and its simulated machines, held under the store's writer lock.

        Raises:
            OpsVersionError: the installed ops is not a tested release. A session may run
                hooks, which need ops: refused here, before the command changes anything,
                rather than at its first hook, after its change is committed.
        """
        check_installed()
        linked: set[str] = set()
        with self.store.exclusive():
            with self.store.snapshot() as txn:
                left = None if self._operation else _intent.found(txn)
                m = load_model(txn)
                world = self.shared_world(txn)
                for machine_id, data in txn.records('sim-machine').items():
                    world.load_machine(machine_id, data)
                secret_sequence = int(txn.get_setting('secret-sequence', '0'))
                self.clock_offset = float(txn.get_setting(CLOCK_OFFSET, '0'))
            if left is not None:
                _intent.abandoned(self.store, left)
            # The model lives as long as the session: keep the collector from re-scanning it
            # (a full collection costs time in proportion to the model). Thawed afterwards,
            # or every session of a long-lived process would leave its model frozen forever.
            freezing = gc.get_freeze_count() == 0
            if freezing:
                gc.collect()
                gc.freeze()
            try:
                session = Session(self.store, m, world, secret_sequence)
                session.saved_machines = {mid: world.dump_machine(mid) for mid in world.machines}
                session.saved_versions = {mid: world.host(mid).version for mid in world.machines}
                session.saved_shared = world.dump_shared()
                session.candidates |= set(m.units)
                yield session
                linked = session.linked_models
            finally:
                if freezing:
                    gc.unfreeze()
        if linked and self.settle_linked is not None:
            # Other models' sides of cross-model relations answer now, with the lock free.
            self.settle_linked(linked)

    @contextlib.contextmanager
    def operation(self, what: str) -> Generator[None]:
        """A change that reads much before it commits: its intent is recorded meanwhile.

        The writer lock is held throughout; the change's own commit deletes the intent
        (:func:`._intent.complete`), a refusal or an interrupt deletes it on the way out, and
        a kill leaves it for the next command to report (:mod:`._intent`).
        """
        with self.store.exclusive():
            with self.store.snapshot() as txn:
                left = _intent.found(txn)
            if left is not None:
                _intent.abandoned(self.store, left)
            _intent.begin(self.store, what, now=self.clock())
            self._operation = True
            try:
                yield
            except BaseException as error:
                with contextlib.suppress(StoreError):  # the store's own error is the one to tell
                    if _intent.forget(self.store) and isinstance(error, KeyboardInterrupt):
                        _intent.interrupted(what)
                raise
            finally:
                self._operation = False


def load_model(txn: Transaction) -> model.Model:
    """The model as the transaction sees it."""
    records = {kind: txn.records(kind) for kind in model.Model.KINDS}
    return model.Model.from_records(records, txn.machines(), name=txn.model, uuid=txn.model_uuid)


def model_constraints(txn: Transaction) -> juju_constraints.Constraints:
    """The model's constraints (``juju model-constraints``)."""
    return juju_constraints.parse(txn.get_setting('model-constraints'))


def retry_from_environment() -> RetryPolicy:
    """Juju's back-off, or ``OLM_RETRY_DELAY`` seconds (0 retries at the next settle)."""
    delay = os.environ.get('OLM_RETRY_DELAY')
    if delay is None:
        return RetryPolicy()
    try:
        seconds = float(delay)
    except ValueError:
        raise EngineError(f'OLM_RETRY_DELAY must be a number of seconds, got "{delay}"') from None
    return RetryPolicy(initial=seconds, maximum=max(seconds, 0.0))

"""The Scenario state olm builds for each run, where it leans on Scenario's private parts.

olm hands each hook a projection of its model (orchestrator/agent/projection.py) and reads the
output back into the model; Scenario's state classes are made for tests that build a state by
hand and compare before and after, so olm adapts them here:

- :class:`ProjectedState` is run in place: Scenario deep-copies its input (``Runtime.exec``),
  the largest single cost of a run in a big relation, and scans the relation list on each
  hook tool call (``State.get_relation``);
- :class:`ProjectedRelation` and :class:`ProjectedPeerRelation` copy only the databags the
  charm may write, and keep the departing unit's databag for ``relation-departed``
  (``RelationBase._get_databag_for_remote``);
- a secret's revisions are the model's, not Scenario's per-run numbering
  (``Secret._tracked_revision``, ``Secret._latest_revision``);
- an owned secret's next rotation time, which ``secret-info-get`` reports as ``rotates``
  (juju/juju ``internal/worker/uniter/runner/jujuc/secret-info-get.go``) and Scenario's
  ``_MockModelBackend.secret_info_get`` leaves None ("not implemented yet");
- removing a secret's latest revision (``event.remove_revision()`` in ``secret-expired``),
  which Scenario refuses with ``ValueError`` though, as its own comment says, "Juju does not
  prevent removing the tracked or latest revision" (``_MockModelBackend.secret_remove``): in
  olm's runs the removal is recorded, as the dispatch runner's ``secret-remove`` tool does;
- new secret ids come from olm's seeded generator (``scenario.state._generate_secret_id``);
- ``leader-settings-changed``, which ops still has and Scenario has no factory for
  (``scenario.state._Event``).
"""

# pyright: strict
# pyright: reportPrivateUsage=false, reportUnknownMemberType=false
# pyright: reportUnknownVariableType=false, reportUnknownArgumentType=false
# pyright: reportIncompatibleMethodOverride=false

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable, Generator, Mapping
from typing import Any

from ops import testing
from scenario import state as scenario_state
from scenario.mocking import _MockModelBackend

from ._scope import current_roots

__all__ = [
    'ProjectedPeerRelation',
    'ProjectedRelation',
    'ProjectedState',
    'empty_state',
    'keep_departing',
    'leader_settings_changed',
    'secret_revisions',
    'seeded_secret_ids',
    'set_secret_revisions',
]


@contextlib.contextmanager
def seeded_secret_ids(next_id: Callable[[], str]) -> Generator[None]:
    """Make Scenario draw new secret ids from ``next_id`` while the block runs.

    Why: a secret a charm creates gets its id from Scenario's module-level
    ``scenario.state._generate_secret_id`` (a random id), called by ``Secret.__init__``. olm
    wants one seed to be one settle, ids included, so it swaps in the session's seeded
    generator and puts the original back afterwards.
    """
    previous = scenario_state._generate_secret_id
    scenario_state._generate_secret_id = next_id
    try:
        yield
    finally:
        scenario_state._generate_secret_id = previous


def empty_state() -> testing.State:
    """A Scenario state with nothing in it: the input of a hook that never reached the charm."""
    return testing.State()


def leader_settings_changed() -> Any:
    """The ``leader-settings-changed`` event (ops has it; Scenario has no factory for it)."""
    return scenario_state._Event('leader_settings_changed')


class ProjectedState(testing.State):
    """A projection Scenario runs in place.

    Scenario deep-copies its input so that a test can compare before and after; a projection
    is built fresh from the model for one run and the output is compared with the model, so
    the copy (the largest single cost of a run in a big relation) is skipped.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> ProjectedState:
        return self

    def get_relation(self, relation: Any, /) -> Any:
        """The relation with that id (or that relation), found through an index."""
        # Every hook tool call on a relation looks it up by id, and Scenario scans the list:
        # quadratic in a unit's relations. Relations are not replaced during a run (their
        # databags change in place), so an index built on first use stays right.
        if isinstance(relation, int):
            index = self.__dict__.get('_relations_by_id')
            if index is None:
                index = {r.id: r for r in self.relations}
                object.__setattr__(self, '_relations_by_id', index)
            found = index.get(relation)
            if found is not None:
                return found
        return super().get_relation(relation)


class ProjectedRelation(testing.Relation):
    """A relation of a projection: only the databags the charm may write are copied.

    Scenario deep-copies and re-validates every databag it is given so a test may reuse its
    input. A projection is built from the model for one run: remote databags are read-only
    to the charm (ops refuses writes to them, as Juju does) and were validated when they were
    committed, so they are passed as they are; only the local ones, which the charm writes
    in place, are copied. This matters for a unit related to hundreds of others.

    In ``relation-departed`` the departing unit is no longer in ``relation-list``, yet Juju
    still answers ``relation-get`` for it: its databag is kept aside (:func:`keep_departing`)
    rather than among the members.
    """

    def __post_init__(self) -> None:
        _copy_local_databags(self)

    def _get_databag_for_remote(self, unit_id: int) -> dict[str, str]:
        return _remote_databag(self, self.remote_units_data, unit_id)


class ProjectedPeerRelation(testing.PeerRelation):
    """A peer relation of a projection (see :class:`ProjectedRelation`)."""

    def __post_init__(self) -> None:
        _copy_local_databags(self)

    def _get_databag_for_remote(self, unit_id: int) -> dict[str, str]:
        return _remote_databag(self, self.peers_data, unit_id)


def _copy_local_databags(relation: Any) -> None:
    object.__setattr__(relation, 'local_app_data', dict(relation.local_app_data))
    object.__setattr__(relation, 'local_unit_data', dict(relation.local_unit_data))


def keep_departing(relation: Any, unit_id: int, databag: dict[str, str]) -> Any:
    """Keep the departing unit's databag readable by ``relation-get`` (not a member)."""
    object.__setattr__(relation, '_departing', {unit_id: databag})
    return relation


def _remote_databag(relation: Any, members: Mapping[int, Any], unit_id: int) -> dict[str, str]:
    if unit_id in members:
        return members[unit_id]
    return relation.__dict__.get('_departing', {})[unit_id]


def set_secret_revisions(secret: testing.Secret, tracked: int, latest: int) -> None:
    """Give a projected secret the model's revisions (Scenario numbers them from 1 per run)."""
    object.__setattr__(secret, '_tracked_revision', tracked)
    object.__setattr__(secret, '_latest_revision', latest)


def secret_revisions(secret: testing.Secret) -> tuple[int, int]:
    """(tracked, latest) revision of a secret, in an input or an output state."""
    return int(secret._tracked_revision), int(secret._latest_revision)


def set_secret_rotates(secret: testing.Secret, when: datetime.datetime | None) -> None:
    """Give a projected owned secret the model's next rotation time."""
    object.__setattr__(secret, '_olm_rotates', when)


def secret_rotates(secret: testing.Secret) -> datetime.datetime | None:
    """The next rotation time a projected secret was given, if any."""
    return secret.__dict__.get('_olm_rotates')


_original_secret_info_get = _MockModelBackend.secret_info_get


def _secret_info_get(self: Any, *, id: str | None = None, label: str | None = None) -> Any:
    """Scenario's ``secret_info_get``, with ``rotates`` the model's (see the module doc)."""
    info = _original_secret_info_get(self, id=id, label=label)
    info.rotates = secret_rotates(self._get_secret(id, label))
    return info


_MockModelBackend.secret_info_get = _secret_info_get

_original_secret_remove = _MockModelBackend.secret_remove


def _secret_remove(self: Any, id: str, *, revision: int | None = None) -> None:
    """Scenario's ``secret_remove``; in olm's runs the latest revision may go (module doc)."""
    try:
        _original_secret_remove(self, id, revision=revision)
    except ValueError:
        if revision is None or current_roots() is None:
            raise
        self._context.removed_secret_revisions.append(revision)


_MockModelBackend.secret_remove = _secret_remove

"""User secrets: ``juju add-secret``, ``grant-secret``, ``update-secret`` and kin.

The model owns them (:mod:`orchestrator.state.usersecrets` keeps Juju's rules); a new
revision makes the applications granted the secret run ``secret-changed``.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from ..state import usersecrets
from ._agents import UnitAgents
from ._context import Context, load_model
from ._errors import EngineError

__all__ = ['UserSecrets']

_T = TypeVar('_T')


class UserSecrets:
    """The model's user secrets."""

    def __init__(self, context: Context, agents: UnitAgents) -> None:
        self.context = context
        self.agents = agents

    def add_secret(self, name: str, content: Mapping[str, str], *, info: str | None = None) -> str:
        """``juju add-secret``: a model-owned secret; returns its URI (``secret:ID``)."""
        with self.context.session() as s, s.transaction():
            secret = _call(
                usersecrets.add, s.model, s.next_secret_id(), name, content,
                info=info, now=self.context.clock(),
            )  # fmt: skip
            return secret.id

    def grant_secret(self, ref: str, applications: Sequence[str]) -> None:
        """``juju grant-secret``: let applications' charms read a user secret."""
        with self.context.session() as s, s.transaction():
            secret = _call(usersecrets.find, s.model, ref)
            _call(usersecrets.grant, s.model, secret, applications)

    def update_secret(
        self,
        ref: str,
        content: Mapping[str, str] | None,
        *,
        info: str | None = None,
        name: str | None = None,
    ) -> None:
        """``juju update-secret``: a new revision; its readers run ``secret-changed``."""
        with self.context.session() as s:
            with s.transaction():
                secret = _call(usersecrets.find, s.model, ref)
                notify = _call(
                    usersecrets.update, s.model, secret, content, info=info, name=name,
                    now=self.context.clock(),
                )  # fmt: skip
                s.candidates |= notify
            self.agents.run(s)

    def remove_secret(self, ref: str, *, revision: int | None = None) -> None:
        """``juju remove-secret [--revision N]``."""
        with self.context.session() as s, s.transaction():
            secret = _call(usersecrets.find, s.model, ref)
            _call(usersecrets.remove, s.model, secret, revision)

    def secrets(self, *, owner: str | None = None) -> dict[str, Any]:
        """``juju secrets --format json``: every secret of the model, newest revision."""
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
        listing: dict[str, Any] = {}
        for secret in sorted(m.secrets.values(), key=lambda x: x.id):
            entry = usersecrets.to_json(m, secret)
            if owner is None or next(iter(entry.values()))['owner'] == owner:
                listing.update(entry)
        return listing

    def show_secret(
        self, ref: str, *, reveal: bool = False, revision: int | None = None,
        revisions: bool = False,
    ) -> dict[str, Any]:  # fmt: skip
        """``juju show-secret``: one secret, its content with ``reveal``."""
        with self.context.store.snapshot() as txn:
            m = load_model(txn)
        secret = _call(usersecrets.find, m, ref)
        return _call(
            usersecrets.to_json, m, secret, reveal=reveal, revision=revision, revisions=revisions
        )


def _call(function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
    """``usersecrets``' refusals as the engine's one error."""
    try:
        return function(*args, **kwargs)
    except usersecrets.SecretError as e:
        raise EngineError(str(e)) from None

"""metal_interfaces.appsecrets: one application secret per label, revised only on change."""

from __future__ import annotations

from typing import Any

import ops
from metal_interfaces import appsecrets
from ops import testing

CONTENT: dict[str, str] = {'token': 'first'}


class Charm(ops.CharmBase):
    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.config_changed, self._put)

    def _put(self, _: ops.EventBase) -> None:
        secret_id = appsecrets.put_id(self.model, 'join-token', dict(CONTENT), 'a join token')
        self.unit.status = ops.ActiveStatus(secret_id)


def run(state: testing.State) -> testing.State:
    meta: dict[str, Any] = {'name': 'owner'}
    ctx = testing.Context(Charm, meta=meta)
    return ctx.run(ctx.on.config_changed(), state)


def test_created_once_then_revised_only_when_the_content_changes() -> None:
    CONTENT.update(token='first')
    out = run(testing.State(leader=True))
    (secret,) = out.secrets
    assert (secret.label, secret.owner, secret.tracked_content) == ('join-token', 'app', CONTENT)
    assert out.unit_status == testing.ActiveStatus(secret.id)

    again = run(out)
    (same,) = again.secrets
    assert same.id == secret.id and same.latest_content == {'token': 'first'}
    assert same._latest_revision == secret._latest_revision  # nothing new: no revision

    CONTENT.update(token='second')
    changed = run(again)
    (revised,) = changed.secrets
    assert revised.id == secret.id
    assert revised.latest_content == {'token': 'second'}
    assert revised._latest_revision == secret._latest_revision + 1

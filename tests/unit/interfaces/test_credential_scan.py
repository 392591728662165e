"""The credential scan of conftest's run() can fail: leaks are caught, ids alone pass."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import conftest
import ops
import pytest
from conftest import CredentialLeakError, remember, run
from ops import testing

META: dict[str, Any] = {
    'name': 'leaky',
    'provides': {'out': {'interface': 'leak-test'}},
}
OWN_VALUE = 'own-secret-value-0001'
REMOTE_VALUE = 'remote-secret-value-0002'
REMEMBERED = 'remembered-token-0003'


@pytest.fixture(autouse=True)
def _restore_known_credentials() -> Iterator[None]:
    saved = set(conftest.KNOWN_CREDENTIALS)
    yield
    conftest.KNOWN_CREDENTIALS.clear()
    conftest.KNOWN_CREDENTIALS.update(saved)


class LeakyCharm(ops.CharmBase):
    """Writes into its databags whatever ``mode`` says: a secret's id or, wrongly, its value."""

    mode: ClassVar[str] = 'id'
    remote_id: ClassVar[str | None] = None

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        framework.observe(self.on.out_relation_changed, self._on_changed)

    def _on_changed(self, event: ops.RelationChangedEvent) -> None:
        app_bag = event.relation.data[self.app]
        unit_bag = event.relation.data[self.unit]
        if self.mode in ('id', 'own-value'):
            secret = self.app.add_secret({'password': OWN_VALUE}, label='own')
            secret.grant(event.relation)
            assert secret.id is not None
            app_bag['password-secret'] = secret.id
            if self.mode == 'own-value':
                app_bag['password'] = secret.get_content()['password']
        elif self.mode == 'remote-value':
            assert self.remote_id is not None
            token = self.model.get_secret(id=self.remote_id).get_content()['token']
            unit_bag['config'] = f'{{"token": "{token}"}}'  # embedded, not the whole value
        elif self.mode == 'remembered':
            unit_bag['token'] = REMEMBERED


def scenario(mode: str, monkeypatch: pytest.MonkeyPatch, **kw: Any) -> testing.State:
    monkeypatch.setattr(LeakyCharm, 'mode', mode)
    ctx = testing.Context(LeakyCharm, meta=META)
    rel = testing.Relation('out', remote_app_name='consumer')
    state = testing.State(relations={rel}, leader=True, model=testing.Model(type='lxd'), **kw)
    return run(ctx, ctx.on.relation_changed(rel, remote_unit=0), state)


def test_writing_only_the_secret_id_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    out = scenario('id', monkeypatch)

    [secret] = out.secrets
    [rel] = out.relations
    assert rel.local_app_data['password-secret'] == secret.id


def test_writing_an_own_secret_value_is_a_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CredentialLeakError, match="app field 'password'"):
        scenario('own-value', monkeypatch)


def test_writing_a_remote_secret_value_is_a_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    remote = testing.Secret({'token': REMOTE_VALUE}, owner=None)
    monkeypatch.setattr(LeakyCharm, 'remote_id', remote.id)
    with pytest.raises(CredentialLeakError, match="unit field 'config'"):
        scenario('remote-value', monkeypatch, secrets={remote})


def test_remembered_values_are_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    out = scenario('remembered', monkeypatch)  # not a credential yet: the scan lets it pass

    [rel] = out.relations
    assert rel.local_unit_data['token'] == REMEMBERED  # written, so the scan below can see it
    remember(REMEMBERED)
    with pytest.raises(CredentialLeakError, match="unit field 'token'"):
        scenario('remembered', monkeypatch)


@pytest.mark.parametrize('bag', ['app', 'unit'])
def test_scan_covers_every_written_databag(bag: str) -> None:
    leaky = {'b': f'prefix-{REMEMBERED}-suffix'}
    rel = testing.Relation(
        'out',
        local_app_data=leaky if bag == 'app' else {'a': 'clean'},
        local_unit_data=leaky if bag == 'unit' else {'a': 'clean'},
    )
    state = testing.State(relations={rel})
    conftest.assert_no_credentials(state)  # not a credential yet: no error

    remember(REMEMBERED)
    with pytest.raises(CredentialLeakError, match=f"{bag} field 'b' holds a credential"):
        conftest.assert_no_credentials(state)

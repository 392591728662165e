#!/usr/bin/env python3
"""Test charm for olm: one reconcile, relation data, a shared secret, a hook that can fail."""

import os
import secrets

import ops
import workload


class TracerCharm(ops.CharmBase):
    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self._stored.set_default(token_seen='', events=0)
        for event in self.on.events().values():
            if event.event_type.__name__ in ('CollectStatusEvent', 'CollectMetricsEvent'):
                continue
            if issubclass(event.event_type, (ops.HookEvent, ops.ActionEvent)):
                framework.observe(event, self._on_any)
        framework.observe(self.on.install, self._on_install)
        framework.observe(self.on.echo_action, self._on_echo)
        framework.observe(self.on.refuse_action, self._on_refuse)
        framework.observe(self.on.explode_action, self._on_explode)
        framework.observe(self.on.rotate_token_action, self._on_rotate)
        framework.observe(self.on.read_secret_action, self._on_read_secret)
        framework.observe(self.on.secret_rotate, self._on_secret_rotate)
        framework.observe(self.on.secret_changed, self._on_secret_changed)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _hook(self) -> str:
        return os.environ.get('JUJU_HOOK_NAME', '')

    def _on_any(self, event: ops.EventBase) -> None:
        if self.config['fail-on'] and self.config['fail-on'] == self._hook():
            raise RuntimeError(f'told to fail in {self._hook()}')
        self._stored.events += 1
        departed = event.unit if isinstance(event, ops.RelationDepartedEvent) else None
        if departed is not None and departed in event.relation.data:
            # Juju lets relation-departed read the departing unit's data, though it is no
            # longer in relation-list (ops offers it on non-peer relations only).
            greeting = event.relation.data[departed].get('greeting', '')
            event.relation.data[self.unit]['departed'] = f'{departed.name}:{greeting}'
        self._reconcile()

    def _on_install(self, _: ops.InstallEvent) -> None:
        workload.install()

    def _reconcile(self) -> None:
        greeting = str(self.config['greeting'])
        for relation in (
            self.model.relations['peers']
            + self.model.relations['db']
            + self.model.relations['backend']
        ):
            relation.data[self.unit].update(
                {
                    'greeting': greeting,
                    'seen': str(len(relation.units)),
                }
            )
            if self.unit.is_leader():
                relation.data[self.app]['leader'] = self.unit.name
        if self.unit.is_leader():
            token = self._token()
            for relation in self.model.relations['db']:
                token.grant(relation)
                relation.data[self.app]['token'] = token.id or ''
        for relation in self.model.relations['backend']:
            token_id = relation.data[relation.app].get('token') if relation.app else None
            if token_id:
                content = self.model.get_secret(id=token_id).get_content()
                self._stored.token_seen = content['token'][:4]

    def _token(self) -> ops.Secret:
        try:
            return self.model.get_secret(label='token')
        except ops.SecretNotFoundError:
            return self.app.add_secret(
                {'token': secrets.token_hex(8)}, label='token', rotate=ops.SecretRotate.HOURLY
            )

    def _on_echo(self, event: ops.ActionEvent) -> None:
        event.log('echoing')
        event.set_results({'echo': event.params['message'], 'unit': self.unit.name})

    def _on_refuse(self, event: ops.ActionEvent) -> None:
        event.fail('refused, as asked')

    def _on_explode(self, event: ops.ActionEvent) -> None:
        print('about to explode')
        raise RuntimeError(event.params.get('message', 'exploded'))

    def _on_rotate(self, event: ops.ActionEvent) -> None:
        self._token().set_content({'token': secrets.token_hex(8)})
        event.set_results({'rotated': 'yes'})

    def _on_read_secret(self, event: ops.ActionEvent) -> None:
        # A test charm: it hands back what it read, so a test can see the grant worked.
        try:
            content = self.model.get_secret(id=event.params['id']).get_content()
        except (ops.SecretNotFoundError, ops.ModelError) as e:
            event.fail(f'cannot read secret: {e}')
            return
        event.set_results({'keys': ','.join(sorted(content)), 'content': content})

    def _on_secret_rotate(self, event: ops.SecretRotateEvent) -> None:
        event.secret.set_content({'token': secrets.token_hex(8)})

    def _on_secret_changed(self, event: ops.SecretChangedEvent) -> None:
        content = event.secret.get_content(refresh=True)
        if 'token' in content:  # the shared token; a granted user secret has its own keys
            self._stored.token_seen = content['token'][:4]

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        if not workload.installed():
            event.add_status(ops.BlockedStatus('workload missing'))
        peers = self.model.get_relation('peers')
        count = len(peers.units) if peers else 0
        event.add_status(ops.ActiveStatus(f'{workload.NAME} peers={count}'))


if __name__ == '__main__':
    ops.main(TracerCharm)

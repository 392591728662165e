#!/usr/bin/env python3
"""Test charm for olm: secrets with expiry and rotation, and values olm's store must hold."""

import datetime

import ops


class KeeperCharm(ops.CharmBase):
    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        self._stored.set_default(seen=[])
        framework.observe(self.on.add_action, self._on_add)
        framework.observe(self.on.update_action, self._on_update)
        framework.observe(self.on.info_action, self._on_info)
        framework.observe(self.on.stamp_action, self._on_stamp)
        framework.observe(self.on.secret_rotate, self._on_rotate)
        framework.observe(self.on.secret_expired, self._on_expired)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_add(self, event: ops.ActionEvent) -> None:
        params = event.params
        expire: datetime.datetime | datetime.timedelta | None = None
        if params.get('expire-minutes'):
            expire = datetime.timedelta(minutes=params['expire-minutes'])
        elif params.get('expire-at'):
            expire = datetime.datetime.fromisoformat(params['expire-at'])
        rotate = ops.SecretRotate(params['rotate']) if params.get('rotate') else None
        secret = self.app.add_secret(
            {'token': 'one'}, label=params['label'], description='kept',
            expire=expire, rotate=rotate,
        )  # fmt: skip
        event.set_results({'id': secret.id or ''})

    def _on_update(self, event: ops.ActionEvent) -> None:
        params = event.params
        secret = self.model.get_secret(label=params['label'])
        revision = secret.get_info().revision
        secret.set_content({'token': f'rev{revision + 1}'})
        expire = (
            datetime.timedelta(minutes=params['expire-minutes'])
            if params.get('expire-minutes')
            else None
        )
        rotate = ops.SecretRotate(params['rotate']) if params.get('rotate') else None
        if expire is not None or rotate is not None or params.get('description'):
            secret.set_info(expire=expire, rotate=rotate, description=params.get('description'))

    def _on_info(self, event: ops.ActionEvent) -> None:
        info = self.model.get_secret(label=event.params['label']).get_info()
        event.set_results(
            {
                'revision': info.revision,
                'label': info.label or '',
                'description': info.description or '',
                'expires': info.expires.isoformat() if info.expires else 'none',
                'rotation': info.rotation.value if info.rotation else 'none',
                'rotates': info.rotates.isoformat() if info.rotates else 'none',
            }
        )

    def _on_stamp(self, event: ops.ActionEvent) -> None:
        when = datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
        event.set_results({'when': when, 'count': 3, 'nested': {'flag': True}})

    def _on_rotate(self, event: ops.SecretRotateEvent) -> None:
        self._stored.seen = [*self._stored.seen, f'rotate {event.secret.label}']
        if self.config['on-rotate'] == 'new-revision':
            revision = event.secret.get_info().revision
            event.secret.set_content({'token': f'rotated{revision + 1}'})

    def _on_expired(self, event: ops.SecretExpiredEvent) -> None:
        self._stored.seen = [*self._stored.seen, f'expired {event.secret.label} {event.revision}']
        if self.config['on-expired'] == 'remove':
            event.remove_revision()

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        event.add_status(ops.ActiveStatus(', '.join(self._stored.seen[-3:])))


if __name__ == '__main__':
    ops.main(KeeperCharm)

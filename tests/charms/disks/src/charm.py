#!/usr/bin/env python3
"""Storage test charm for olm: reports where Juju attached its block storage."""

import logging

import ops

logger = logging.getLogger(__name__)


class DisksCharm(ops.CharmBase):
    def __init__(self, framework: ops.Framework):
        super().__init__(framework)
        framework.observe(self.on.data_storage_attached, self._on_attached)
        framework.observe(self.on.data_storage_detaching, self._on_detaching)
        framework.observe(self.on.collect_unit_status, self._on_collect)

    def _on_attached(self, event: ops.StorageAttachedEvent) -> None:
        logger.info('attached %s at %s', event.storage.full_id, event.storage.location)

    def _on_detaching(self, event: ops.StorageDetachingEvent) -> None:
        logger.info('detaching %s from %s', event.storage.full_id, event.storage.location)

    def _on_collect(self, event: ops.CollectStatusEvent) -> None:
        data = sorted(str(s.location) for s in self.model.storages['data'])
        event.add_status(ops.ActiveStatus('data: ' + (' '.join(data) or 'none')))


if __name__ == '__main__':
    ops.main(DisksCharm)

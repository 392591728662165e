"""The state directory: one sqlite database, one transaction per change.

The database runs in WAL mode and every change happens inside ``BEGIN IMMEDIATE``: a second
``olm`` process waits for the first to commit (up to :data:`LOCK_TIMEOUT`), then reads what it
wrote. A change that raises rolls back whole, so an error never leaves half a change behind.

One database holds the metal pool (the cloud, shared) and every model of olm's controller, as a
Juju controller holds many models on one MAAS cloud: a model's rows carry its name, and a
:class:`Store` reads and writes one model. A new state directory starts with the model
``default`` selected, so ``olm deploy`` works without ``olm add-model`` first.
"""

# pyright: strict

from ._errors import StoreError
from ._log import LogEntry
from ._names import (
    CONTROLLER,
    DEFAULT_MODEL,
    OWNER,
    ModelRecord,
    check_model_name,
    new_model_uuid,
    parse_model_ref,
)
from ._schema import SCHEMA_VERSION
from ._store import DEFAULT_STATE_DIR, LOCK_TIMEOUT, Store
from ._transaction import Transaction
from ._writer_lock import LockHolder, LockTimeoutError, LockWait, holder_of

__all__ = [
    'CONTROLLER',
    'DEFAULT_MODEL',
    'DEFAULT_STATE_DIR',
    'LOCK_TIMEOUT',
    'OWNER',
    'SCHEMA_VERSION',
    'LockHolder',
    'LockTimeoutError',
    'LockWait',
    'LogEntry',
    'ModelRecord',
    'Store',
    'StoreError',
    'Transaction',
    'check_model_name',
    'holder_of',
    'new_model_uuid',
    'parse_model_ref',
]

"""The Juju model olm keeps: machines, applications, units, relations, secrets and actions.

These are plain mutable records. The engine changes them inside one store transaction per
committed hook, and the store persists each record as one JSON row. Every record knows how to
turn itself into JSON-able data (``to_data``) and back (``from_data``), and nothing here talks to
the store, the charms or the pool: the model is the shared vocabulary of the other modules.

Names follow Juju: a unit's *workload* status is what its charm sets, its *agent* status what the
unit agent does (``allocating``, ``executing``, ``idle``, ``error``); a relation's *scope* holds
the units that entered it, which is what other units see join.
"""

# pyright: strict

from ._data import DEFAULT_BASE, natural_key
from ._model import Model, Registry
from ._progress import HookFailure, RelationView, UnitProgress
from ._records import (
    Action,
    Application,
    Machine,
    MachineAddress,
    Relation,
    RelationEndpoint,
    RemoteApplication,
    Secret,
    SecretConsumer,
    Status,
    Unit,
)

__all__ = [
    'DEFAULT_BASE',
    'Action',
    'Application',
    'HookFailure',
    'Machine',
    'MachineAddress',
    'Model',
    'Registry',
    'Relation',
    'RelationEndpoint',
    'RelationView',
    'RemoteApplication',
    'Secret',
    'SecretConsumer',
    'Status',
    'Unit',
    'UnitProgress',
    'natural_key',
]

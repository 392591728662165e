"""The errors the simulation itself raises (programs report theirs as exit statuses).

Errors::

    SimError                  anything the simulation itself refuses
    ├── UnknownMachineError   no machine with that id (also a KeyError)
    └── StateError            dumped state that cannot be loaded, or state that cannot be
                              dumped because a program stored something not JSON-able
                              (also a ValueError)

Every emulated program imports these directly: they sit below the World and the programs, so
no program has to import them late to dodge an import cycle.
"""

# pyright: strict

from __future__ import annotations

__all__ = ['SimError', 'StateError', 'UnknownMachineError']


class SimError(Exception):
    """Base of the errors the simulation itself raises.

    Programs report their failures as exit statuses, as real ones do.
    """


class UnknownMachineError(SimError, KeyError):
    """There is no machine with that id in this World.

    Attributes:
        machine_id: the id asked for.
    """

    def __init__(self, machine_id: str) -> None:
        self.machine_id = machine_id
        super().__init__(f'no simulated machine {machine_id!r}')

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class StateError(SimError, ValueError):
    """Simulation state could not be loaded or dumped."""

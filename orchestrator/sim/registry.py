"""The program table: which emulated program a machine runs for a base name.

It holds handlers without knowing what one is (a :data:`~orchestrator.sim.world.Handler` in a
World), so it sits below the World that fills it.
"""

# pyright: strict

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

__all__ = ['ProgramRegistry']

HandlerT = TypeVar('HandlerT')


class ProgramRegistry(Generic[HandlerT]):
    """The program table: base name → handler.

    A World's table starts with its machine image's programs (the built-in ``snap``,
    ``apt-get``, ``systemctl``, ``maas``, ``k8s`` …); later programs register theirs::

        world.programs.register('k8s', k8s.handle)
    """

    def __init__(self) -> None:
        self._handlers: dict[str, HandlerT] = {}

    def __repr__(self) -> str:
        return f'ProgramRegistry({sorted(self._handlers)})'

    def __contains__(self, name: object) -> bool:
        return name in self._handlers

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._handlers))

    def __len__(self) -> int:
        return len(self._handlers)

    def register(self, name: str, handler: HandlerT, *, replace: bool = False) -> None:
        """Make ``name`` run ``handler`` on every machine.

        Args:
            name: the program's base name (what ``argv[0]`` ends with).
            handler: the emulation.
            replace: allow replacing an existing handler (to wrap or extend it).

        Raises:
            ValueError: ``name`` is empty or a path, or is taken and ``replace`` is false.
        """
        if not name or '/' in name:
            raise ValueError(f'a program is registered by its base name, got {name!r}')
        if name in self._handlers and not replace:
            raise ValueError(f'program {name!r} is already registered (pass replace=True)')
        self._handlers[name] = handler

    def unregister(self, name: str) -> None:
        """Remove a program; running it then fails as a missing executable does."""
        self._handlers.pop(name, None)

    def get(self, name: str) -> HandlerT | None:
        """The handler for ``name``, or None."""
        return self._handlers.get(name)

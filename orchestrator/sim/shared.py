"""What the machines of a World share: time, the armed faults, facts spanning machines.

:class:`SharedState` is the part of :class:`~orchestrator.sim.world.World` that holds no
machine: the clock and sleep programs use, the retry policy, the armed :class:`.Faults`, the
JSON-able :attr:`~SharedState.shared` facts (namespaced by program: ``shared['k8s']['tokens']``)
and their round trip through JSON between ``olm`` commands.
"""

# pyright: strict

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from typing import Any, cast

from metal_host import RetryPolicy

from .errors import StateError
from .faults import Faults
from .label import SIMULATED

__all__ = ['SharedState']

_FORMAT = 1


class SharedState:
    """Time, faults and the facts spanning machines; see :class:`~orchestrator.sim.World`.

    Args:
        clock: the time source programs use for timestamps (``since`` in systemctl status).
        sleep: how simulated time passes: slow faults and retry back-off call it.
        retry: how a SimHost retries transient failures; by default LocalHost's policy.

    Attributes:
        faults: the armed faults.
        shared: JSON-able facts spanning machines, namespaced by program
            (``shared['k8s']['tokens']``); use :meth:`namespace`.
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.clock = clock
        self.sleep = sleep
        self.retry = retry if retry is not None else RetryPolicy()
        self.faults = Faults()
        self.shared: dict[str, Any] = {}
        self.activity: int = 0
        """Counts program runs (and machines added or removed): the shared facts change only
        through those and the faults, so a caller that saw neither move knows they did not."""
        self._shared_baseline = self._digest(self._shared_json())

    def namespace(self, program: str) -> dict[str, Any]:
        """The program's slice of :attr:`shared`, created empty on first use."""
        return cast('dict[str, Any]', self.shared.setdefault(program, {}))

    def dump_shared(self) -> str:
        """The shared facts and the armed faults as JSON.

        Raises:
            StateError: a program stored something that is not JSON-able.
        """
        return self._shared_json()

    def load_shared(self, data: str) -> None:
        """Restore :meth:`dump_shared`'s output; it then counts as unchanged.

        Raises:
            StateError: ``data`` is not dumped shared state.
        """
        try:
            parsed = json.loads(data)
            if not isinstance(parsed, dict):
                raise ValueError('not a JSON object')
            parsed = cast('dict[str, Any]', parsed)
            if parsed.get('format') != _FORMAT:
                raise ValueError(f'unsupported shared state format {parsed.get("format")!r}')
            shared = parsed['shared']
            if not isinstance(shared, dict):
                raise ValueError('shared is not an object')
            faults = Faults()
            faults.load_json(cast('list[dict[str, Any]]', parsed['faults']))
        except (ValueError, KeyError, TypeError) as error:
            raise StateError(f'cannot load shared state: {error}') from error
        self.shared = cast('dict[str, Any]', shared)
        self.faults = faults
        self._shared_baseline = self._digest(self._shared_json())

    def _shared_json(self) -> str:
        return self._json(
            {
                'format': _FORMAT,
                'label': SIMULATED,
                'shared': self.shared,
                'faults': self.faults.to_json(),
            },
            'shared state',
        )

    @staticmethod
    def _json(data: object, what: str) -> str:
        try:
            return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(',', ':'))
        except (TypeError, ValueError) as error:
            raise StateError(f'{what} is not JSON-able: {error}') from error

    @staticmethod
    def _digest(text: str) -> str:
        return hashlib.sha256(text.encode('utf-8')).hexdigest()

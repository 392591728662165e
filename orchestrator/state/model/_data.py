"""What every record shares: its JSON-able fields, the natural order of names, defaults."""

# pyright: strict

from __future__ import annotations

import functools
import re
from typing import Any, Literal

DEFAULT_BASE = 'ubuntu@24.04'

Life = Literal['alive', 'dying']


@functools.lru_cache(maxsize=8192)  # the uniter sorts the same unit names on every hook
def natural_key(name: str) -> tuple[tuple[str, int], ...]:
    """A sort key that orders numbers by value: ``app/2`` before ``app/10``, 2 before 10."""
    parts = re.split(r'(\d+)', name)
    return tuple(
        (parts[i], int(parts[i + 1]) if i + 1 < len(parts) else -1)
        for i in range(0, len(parts), 2)
    )


def record_fields(record: Any) -> dict[str, Any]:
    """A dataclass's fields, shallow: records are dumped to JSON at once, so nothing is copied.

    ``dataclasses.asdict`` deep-copies every nested value, which made it the largest cost of
    committing a hook in a big model.
    """
    return {name: getattr(record, name) for name in record.__dataclass_fields__}

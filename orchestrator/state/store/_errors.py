"""What the store raises."""

# pyright: strict

from __future__ import annotations


class StoreError(Exception):
    """The state directory cannot be used, or the model asked for is not there.

    Unusable: locked too long, a newer schema, unwritable.
    """

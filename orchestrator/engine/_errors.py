"""The engine's one error: a request the model cannot carry out."""

# pyright: strict

from __future__ import annotations

__all__ = ['EngineError']


class EngineError(Exception):
    """A request the model cannot carry out, with Juju's message where Juju has one.

    Raised before anything changes: every operation validates first, and what it changes it
    changes in one store transaction.
    """

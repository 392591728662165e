"""The label every simulated thing carries, so nothing here passes for a real machine."""

# pyright: strict

from __future__ import annotations

__all__ = ['SIMULATED']

SIMULATED = 'simulated machine'
"""The label every simulated thing carries: a SimHost's repr, every program's version output,
the persisted state. Nothing here may ever pass for a real machine."""

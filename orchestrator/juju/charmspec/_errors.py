"""The one error charm metadata raises: a charm that cannot load, or input it refuses."""

# pyright: strict

from __future__ import annotations


class CharmSpecError(ValueError):
    """A charm that cannot be loaded, or input its metadata refuses.

    The message names the file and field for a malformed charm, and is Juju's own text for a
    refused config value or action invocation.
    """

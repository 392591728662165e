"""The Juju language: what a user writes and a charm declares, parsed and checked.

Constraints, storage directives, bundles with their overlays, and charm metadata
(``charmcraft.yaml`` / ``metadata.yaml``). Pure: nothing here reads the model, the cloud or
a machine, so everything above may use it.
"""

from ._go import go_duration, go_quote

__all__ = ['go_duration', 'go_quote']

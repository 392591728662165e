"""What ``olm status`` shows: Juju's ``juju status`` tabular output and its YAML/JSON shape.

The engine gathers everything status needs in one read into a :class:`ModelView`; this module
only formats it, so that the output can be tested without a store, a pool or charms. It follows
juju/juju ``cmd/juju/status`` (``formatter.go``, ``formatted.go``, ``output_tabular.go``) and the
server-side rules Juju applies before the client formats anything:

* a unit whose *agent* is in ``error`` (a hook failed) shows workload ``error`` with the hook
  failure message, and agent ``idle``; for relation hooks the formatter appends
  `` for <other-app>:<endpoint>``;
* an application's status is what its leader set, else the most severe unit workload status
  (Juju's ``DeriveStatus``).

Times are shown as Juju does: local time as ``21 Nov 2026 19:57:03Z`` (``Z`` or ``+01:00``), or
with ``utc`` (``juju status --utc``) as ``2026-11-21 19:57:03Z``.
"""

# pyright: strict

from ._derive import (
    SEVERITY,
    application_status,
    failure_label,
    relation_status,
    relation_type,
    unit_display_status,
)
from ._document import to_dict
from ._format import MAX_MESSAGE, format_ports, format_since, format_timestamp, natural_key
from ._tabular import SIMULATED_NOTE, render_tabular
from ._view import ModelView

__all__ = [
    'MAX_MESSAGE',
    'SEVERITY',
    'SIMULATED_NOTE',
    'ModelView',
    'application_status',
    'failure_label',
    'format_ports',
    'format_since',
    'format_timestamp',
    'natural_key',
    'relation_status',
    'relation_type',
    'render_tabular',
    'to_dict',
    'unit_display_status',
]

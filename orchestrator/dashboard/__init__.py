"""``olm dashboard``: a read-only web page of the model, the metal and the hooks.

The page is served on 127.0.0.1 behind a token (:mod:`._server`), read from one source: olm's
own model (:class:`OlmSource`, simulated machines) or a real controller through the ``juju``
client (:class:`JujuSource`). The server and its libraries (Starlette, uvicorn) are the optional
``dashboard`` extra, imported only when a dashboard is served.
"""

from ._juju_source import JujuSource
from ._olm_source import OlmSource
from ._serve import serve
from ._snapshot import (
    Application,
    Capacity,
    HookRun,
    MetalMachine,
    Relation,
    SecretInfo,
    Snapshot,
    Unit,
)
from ._source import DashboardError, Source

__all__ = [
    'Application',
    'Capacity',
    'DashboardError',
    'HookRun',
    'JujuSource',
    'MetalMachine',
    'OlmSource',
    'Relation',
    'SecretInfo',
    'Snapshot',
    'Source',
    'Unit',
    'serve',
]

"""``snap``: snapd's command line, emulated over a simulated store.

Installing a snap does what snapd does on a machine: it mounts the snap (directories under
``/snap`` and ``/var/snap``), installs its base if missing, writes a systemd unit
``snap.<snap>.<app>.service`` per service to ``/etc/systemd/system`` and enables and starts
those whose install mode says so. The store is :attr:`orchestrator.sim.World.catalog`
``.snaps``: simulated entries (channels, versions and revisions that look like the real snaps',
not copies of them); later programs add theirs.

Output, error texts and exit statuses follow snapd 2.6x (``cmd/snap``) as it prints when its
output is not a terminal (so the verified-publisher mark is ``**``, and long errors are wrapped
at 79 columns under the ``error: `` prefix):

- ``install``: ``k8s (1.32-classic/stable) v1.32.3 from Canonical** installed``; unknown snap
  ``error: snap "x" not found`` (exit 1); already installed ``snap "x" is already installed,
  see 'snap help refresh'`` on stderr (exit 0); a classic snap without ``--classic`` fails
  with snapd's confinement warning;
- ``refresh``: ``... refreshed``, ``snap "x" has no updates available`` (exit 0),
  ``error: snap "x" is not installed`` (exit 1, since snapd 2.56); ``--hold``/``--unhold``;
- ``remove`` (a snap that is not there is not an error), ``list``, ``info``, ``services``,
  ``start``/``stop``/``restart`` (``--enable``/``--disable``/``--reload``), ``set``/``get``/
  ``unset``, ``run``, ``wait``, ``version``.

snapd's REST API on ``/run/snapd.socket`` (what charmlibs-snap talks to) answers over the same
state: :func:`serve` (``_api``).
"""

# pyright: strict

from ...catalog import SnapApp, SnapRelease, SnapSpec  # the store's entries, which the World holds
from ._api import SOCKET_PATH, serve
from ._catalogue import DEFAULT_SNAPS, SNAPD_VERSION
from ._cli import handle
from ._units import service_unit

__all__ = [
    'DEFAULT_SNAPS',
    'SNAPD_VERSION',
    'SOCKET_PATH',
    'SnapApp',
    'SnapRelease',
    'SnapSpec',
    'handle',
    'serve',
    'service_unit',
]

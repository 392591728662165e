"""A real MAAS region as olm's cloud, over its REST API (``/MAAS/api/2.0/``).

:class:`MaasCloud` is the :class:`~orchestrator.cloud.cloud.Cloud` the embedded pool simulates:
the same verbs, the same constraint translation (:meth:`AllocationRequest.from_constraints`, as
Juju's MAAS provider does it), the same errors. What differs is what only a region knows:

* Requests are signed with the API key as MAAS clients sign them (OAuth 1.0 PLAINTEXT, the
  header gomaasapi builds for Juju).
* Zone spreading happens client-side, as Juju's provisioner does it: one ``zone=`` per
  ``allocate`` attempt, the zone holding the fewest of the group first, a 409 moving on to the
  next zone.
* ``count`` machines are allocated one call at a time; if a later one fails, the earlier ones
  are released again (all or none, as the pool does it).
* A 409 says only MAAS's one line: :class:`MaasNoMatchError` does not invent the pool's
  per-constraint counts.
* 503, 409 with ``Retry-After`` (MAAS's transaction conflict, as gomaasapi retries it) and
  failed connections are retried (tenacity, bounded exponential waits). A POST whose
  answer was lost after it went out is *not* retried: MAAS may have acted on it, and a second
  ``allocate`` would take a second machine.

:func:`inventory` reads a region's machines and network into the pool model for ``olm pool
import --maas``, so ``olm plan`` can check a bundle against the real machines before a real
deploy. The API key never appears in a message, log line or repr.

What is read, as MAAS 3.6 emits it (canonical/maas tag 3.6.5, ``src/maasserver/api/``; the
shapes are those of ``src/maasserver/api/examples/{machines,subnets,spaces}.json``):

* machines: ``machines.py`` ``DISPLAYED_MACHINE_FIELDS``; ``interface_set`` and
  ``boot_interface`` are interface objects (``interfaces.py`` ``DISPLAYED_INTERFACE_FIELDS``),
  ``blockdevice_set``/``physicalblockdevice_set`` block devices (``blockdevices.py``
  ``DISPLAYED_BLOCKDEVICE_FIELDS``).
* an interface's ``links``: ``models/interface.py`` ``Interface.get_links``: ``{id, mode}``,
  ``ip_address`` only when the address is set, ``subnet`` (a whole subnet object) only when
  there is one; ``vlan`` a VLAN object (``vlans.py`` ``DISPLAYED_VLAN_FIELDS``: ``vid``,
  ``fabric`` by name, ``space`` by name or ``undefined``).
* ``spaces/`` (``spaces.py``: the ``undefined`` placeholder has id -1) and ``subnets/``
  (``subnets.py`` ``DISPLAYED_SUBNET_FIELDS``; ``space`` is ``undefined`` for a subnet whose
  VLAN has no space).

Space names become Juju's (:func:`juju_space_name`), since bundles and ``spaces=`` constraints
name Juju's spaces; ids stay MAAS's, as Juju keeps them as the spaces' provider ids.
"""

# pyright: strict

# pyright: strict

from ._client import RetryPolicy
from ._cloud import DEFAULT_SERIES, MaasCloud, MaasInventory, inventory
from ._network import juju_space_name

__all__ = [
    'DEFAULT_SERIES',
    'MaasCloud',
    'MaasInventory',
    'RetryPolicy',
    'inventory',
    'juju_space_name',
]

"""Machine inventories: the pool's YAML file format, and a generator of realistic pools.

The metal pool is simulated, so its machines come from a file rather than from commissioning.
The format is what MAAS would know about a commissioned machine, in the units its users already
type: memory like Juju's ``mem=`` (binary, ``1G`` = 1024 MiB) and disk sizes like MAAS's
``storage=`` and disk vendors (decimal, ``1G`` = 10^9 bytes)::

    machines:
      - hostname: node-01        # required; MAAS hostname rule, unique in the file
        system_id: 4y3h7n        # optional; 6 chars [a-z0-9], unique; derived from the hostname
        arch: amd64              # default amd64/generic; a bare arch means <arch>/generic
        cores: 8                 # required, >= 1
        memory: 32G              # required; int = MiB, or a number with M/G/T (binary) suffix
        disks:                   # required, at least one, names unique within the machine
          - {name: sda, size: 480G, tags: [ssd], boot: true}
                                 # size: int = bytes, or a number with K/M/G/T (decimal) suffix;
                                 # at most one boot disk, the first disk if none is flagged
        tags: [ssd, gpu]         # MAAS tag names, ^[a-zA-Z0-9_-]+$, at most 256 chars
        zone: zone-a             # default 'default'
        pool: default            # resource pool, default 'default'
        power_type: ipmi         # a MAAS power driver, default 'manual'
        power_parameters: {power_address: 10.245.0.11, power_user: maas, power_pass: '...'}
        address: 10.246.0.11     # optional boot-interface IP address
        status: Ready            # a MAAS status label, default Ready
        owner: admin             # optional; a Ready machine has none
        previous_status: Deployed  # optional, Broken machines only (olm writes it on export)
        status_message: Broken   # optional (olm writes it on export)

    storage-pools:               # optional: Juju storage pools olm creates in the model on
      ssd:                       # import, as an operator would with
        provider: maas           #   juju create-storage-pool ssd maas tags=ssd
        attrs: {tags: ssd}       # (a maas pool's disks carry all its comma-separated tags)

Fractional sizes round up to the next MiB or byte. Unknown keys are errors everywhere, and so
is a key written twice, so a typo never silently becomes a default.

A file is imported whole or not at all: every machine is checked, then one
:class:`InventoryError` names the file, the machine (numbered from 1, with its hostname) and the
field of the first problem, and counts the others; nothing is returned. A file is read in
chunks, never whole, one machine at a time (:func:`check_file`), each set aside in a
:class:`Spool` once built until the whole file is known good, so an import holds none of
them. Machines share their tag sets and disks (a 100k-machine pool has a few dozen distinct
ones), so even :func:`load`, which returns them all, costs tens of MB rather than gigabytes.

:func:`to_record` and :func:`to_document` write the same format back (with the system id and
status), and :func:`generate` makes a realistic pool of any size for tests and demos.
"""

# pyright: strict

from ._check import parse
from ._generate import GENERATED_NETWORK, MAX_GENERATED, generate, generate_lazily
from ._read import CheckedFile, InventoryFile, Tick, check_file, load, load_file
from ._spool import Spool
from ._write import dump_yaml, to_document, to_record, write_yaml

__all__ = [
    'GENERATED_NETWORK',
    'MAX_GENERATED',
    'CheckedFile',
    'InventoryFile',
    'Spool',
    'Tick',
    'check_file',
    'dump_yaml',
    'generate',
    'generate_lazily',
    'load',
    'load_file',
    'parse',
    'to_document',
    'to_record',
    'write_yaml',
]

"""Juju bundles (v2) and overlays: load, merge and verify them with Juju's own messages.

:func:`load` reads a bundle file the way ``juju deploy ./bundle.yaml --overlay o.yaml`` does
(juju/charm ``bundledata.go``, ``overlay.go``, ``bundledatasrc.go``) and returns a fully
checked :class:`Bundle`, or raises one :class:`BundleError` listing every problem as
``<first> (and N more errors)``; nothing is ever returned half-checked.

* The first YAML document is the base; later documents of the file, then each ``overlays``
  file in order, are overlays. Overlay relations are appended; overlay ``machines`` replace
  the base's; an application (or saas) whose overlay value is empty (``mysql:``) is removed
  with every relation that names it; for an existing application, scalars and lists
  overwrite, an empty map clears the map, and a map merges key by key with a null value
  deleting the key. ``offers`` and ``exposed-endpoints`` may only appear in overlays.
* Relative charm paths and ``include-file://``/``include-base64://`` option and annotation
  values are relative to the file that contains them.
* A field of the wrong YAML type is fatal (``unmarshal document 0: line 7: cannot unmarshal
  !!map into string``, naming the file and field); an unknown field is a warning in the words
  of ``juju deploy --dry-run`` (``document 0: line 12: unrecognized field "constraint"``).
* Then Juju's verification: placements (``to``), machines, constraints (olm's Juju parser),
  storage directives, bindings, subordinates, relations (endpoint inference included, see
  :func:`resolve_endpoints`) and options (each charm's config, via
  :meth:`~orchestrator.juju.charmspec.CharmSpec.parse_config`).

Charms are local directories: a charm that is a path (``./charms/x``, ``/abs``, ``~/x`` or
anything with a ``/``) is used as it is, a bare name (``metal-controller``) is looked up in
``charms_dir`` (see :func:`orchestrator.juju.charmspec.resolve`).

Offer files (cross-model relations)
===================================

A ``saas`` entry stands for an application offered by another model. olm has no other
model, so the remote side is simulated from an *offer file*: ``<offers_dir>/<saas name>.yaml``
(``offers_dir`` defaults to ``offers/`` next to the bundle)::

    # olm offer file: the provider side of a cross-model relation (simulated remote application)
    url: admin/database.postgresql          # must match the saas url in the bundle
    endpoints:                              # what the offer exposes (at least one)
      database: {interface: postgresql_client, role: provider}   # role: provider|requirer
    relation-data:                          # optional, per endpoint
      database:
        application:                        # the remote application databag (strings)
          endpoints: "10.0.0.5:5432"
          database: maas
          secret-user: "${secret:user}"     # replaced by the id of the secret labelled "user"
        units:                              # unit name -> unit databag; default <saas>/0: {}
          postgresql/0: {}
    secrets:                                # label -> secret content (what the engine creates)
      user: {username: maas, password: s3cret}

Unit names are ``<saas name>/<n>``, as the consuming model sees them. Databag values are
strings; ``${secret:LABEL}`` must name a secret of the file, and :meth:`Offer.render` swaps it
for the secret id the engine created. Unknown keys are errors; ``bundles/offers/README.md``
has a complete example.

Deliberate differences from Juju: ``bundle: kubernetes`` is refused (olm runs machine charms);
a bare ``lxd``/``kvm`` placement means a new container on a new machine; an overlay map key
set to null is deleted in every map (Juju sets string-valued ones to ``""``);
``resource revision "<name>" is not int or string`` names the resource, not the application;
a missing charm and an endpoint a charm lacks get Juju's message followed by where olm looked
or by both ends of the relation in parentheses; and olm also checks what Juju only finds at
deploy time (application names, storage names the charm declares, the offer files).
"""

# pyright: strict

from ._bundle import ApplicationSpec, Bundle, MachineSpec, SaasSpec, Value
from ._endpoints import EndpointRef, RelationSpec, resolve_endpoints
from ._errors import BundleError
from ._load import load
from ._offers import Offer, load_offer, offer_url_problem
from ._placement import Placement, parse_placement

__all__ = [
    'ApplicationSpec',
    'Bundle',
    'BundleError',
    'EndpointRef',
    'MachineSpec',
    'Offer',
    'Placement',
    'RelationSpec',
    'SaasSpec',
    'Value',
    'load',
    'load_offer',
    'offer_url_problem',
    'parse_placement',
    'resolve_endpoints',
]

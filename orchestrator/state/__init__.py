"""The model olm keeps, and where it keeps it.

The model (machines, applications, units, relations, secrets, the unit agents' local state),
the SQLite store it lives in, user secrets, and endpoint bindings resolved against the cloud's
spaces. Juju's controller database plays this part (juju/juju ``state/`` and
``domain/``).
"""

"""The unit agent: what a unit runs next, how it runs it, and what of the run commits.

As juju/juju ``internal/worker/uniter``: the hooks it knows (``hooks``), the resolver that
picks the next one from the model (``resolver``), the runner that executes charm code through
ops (``runner``, with ``charm_loader`` and ``projection``) confined to the unit's simulated
machine (``confinement``), and the commit of a hook's changes (``commit``).
"""

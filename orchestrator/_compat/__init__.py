"""Every place olm leans on ops or Scenario beyond their public API, in one package.

olm runs charm code the way Juju's unit agent does, which Scenario's public ``Context.run``
does not quite allow; the adaptations that makes necessary live here, each named and
documented, so that a new ops release breaks one named seam (tests/unit/agent/test_ops_seams.py)
and not a dozen hook-order tests. Like httpx's ``_compat``, nothing else in olm reaches into
ops' or Scenario's private modules.

- :mod:`._context`: the Scenario context and runtime olm runs each hook with;
- :mod:`._state`: the state olm projects for a run (run in place, relations, secrets, ids);
- :mod:`._ops_main`: Scenario's stand-in for ``ops.main`` (metadata cache, storage);
- :mod:`._ops_model`: ops' model and framework (one relation built, signatures, caches);
- :mod:`._charm_roots`: the virtual charm directories, removed when done;
- :mod:`._clock`: the model's clock where ops reads the computer's (a secret's expiry delta);
- :mod:`._backend`: the model backend, environment and unit state of an out-of-process hook;
- :mod:`._scope`: what makes the adaptations act during olm's own runs only.

Importing the package first checks that the installed ops and ops-scenario are releases olm
is tested with (:mod:`orchestrator._ops_versions`) and raises :class:`OpsVersionError`, one
line, otherwise. Imported only by the code that runs hooks (ops and Scenario are heavy; see
lazy.py).
"""

# pyright: strict

from __future__ import annotations

from .._ops_versions import PIN, TESTED, OpsVersionError, check_installed

check_installed()  # before anything below imports ops' and Scenario's private modules

from ._backend import (  # noqa: E402
    HookBackend,
    finish,
    hook_backend,
    read_unit_state,
    run_backend,
    write_unit_state,
)
from ._charm_roots import CharmRoots  # noqa: E402
from ._clock import machine_clock, machine_now  # noqa: E402
from ._context import OlmContext, forget_run  # noqa: E402
from ._ops_main import (  # noqa: E402
    MemoryStorage,
    original_get_event_to_emit,
    original_load_charm_meta,
    original_make_storage,
)
from ._ops_model import FRAMEWORK_EVENTS, forget_framework_events, signature  # noqa: E402
from ._scope import SKIP_CONSISTENCY_CHECKS, current_roots, olm_run  # noqa: E402
from ._state import (  # noqa: E402
    ProjectedPeerRelation,
    ProjectedRelation,
    ProjectedState,
    empty_state,
    keep_departing,
    leader_settings_changed,
    secret_revisions,
    secret_rotates,
    seeded_secret_ids,
    set_secret_revisions,
    set_secret_rotates,
)

__all__ = [
    'FRAMEWORK_EVENTS',
    'PIN',
    'SKIP_CONSISTENCY_CHECKS',
    'TESTED',
    'CharmRoots',
    'HookBackend',
    'MemoryStorage',
    'OlmContext',
    'OpsVersionError',
    'ProjectedPeerRelation',
    'ProjectedRelation',
    'ProjectedState',
    'current_roots',
    'empty_state',
    'finish',
    'forget_framework_events',
    'forget_run',
    'hook_backend',
    'keep_departing',
    'leader_settings_changed',
    'machine_clock',
    'machine_now',
    'olm_run',
    'original_get_event_to_emit',
    'original_load_charm_meta',
    'original_make_storage',
    'read_unit_state',
    'run_backend',
    'secret_revisions',
    'secret_rotates',
    'seeded_secret_ids',
    'set_secret_revisions',
    'set_secret_rotates',
    'signature',
    'write_unit_state',
]

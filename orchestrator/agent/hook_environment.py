"""The environment a hook runs with: Juju's fixed variables and nothing of olm's caller.

Juju's unit agent is a systemd service, so a hook's process sees the variables of its hook
context (juju/juju ``internal/worker/uniter/runner/context/context.go`` ``HookVars`` @ b97f4ce)
and the few Ubuntu ones of ``env.go`` ``ubuntuEnv`` @ 2ba9927 (``APT_LISTCHANGES_FRONTEND``,
``DEBIAN_FRONTEND``, ``LANG``, ``TERM`` and ``PATH`` with the tools directory first) — never
the shell of whoever ran ``juju deploy``. olm runs hooks from the user's shell, so both runners
give the hook this environment instead of olm's: a charm can neither read the user's HOME,
tokens or proxies nor come to depend on them and then fail under Juju.

Not modelled: ``JUJU_API_ADDRESSES`` is empty (there is no controller API to reach),
``JUJU_SLA`` is ``unsupported`` (Juju's value for a model without an SLA), the proxy variables
are empty (olm's model has no proxy settings), ``CLOUD_API_VERSION`` is empty.
"""

# pyright: strict

from __future__ import annotations

from types import MappingProxyType
from typing import Final

__all__ = ['AGENT_PATH', 'fixed_environment', 'tools_dir']

AGENT_PATH: Final = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/snap/bin'
"""The unit agent's PATH on Ubuntu: systemd's default for services plus /snap/bin (snapd's
environment generator); :func:`fixed_environment` puts the tools directory first (env.go
``appendPath``)."""

_FIXED: Final = MappingProxyType(
    {
        'JUJU_API_ADDRESSES': '',
        'JUJU_SLA': 'unsupported',
        'CLOUD_API_VERSION': '',
        'JUJU_CHARM_HTTP_PROXY': '',
        'JUJU_CHARM_HTTPS_PROXY': '',
        'JUJU_CHARM_FTP_PROXY': '',
        'JUJU_CHARM_NO_PROXY': '',
        'APT_LISTCHANGES_FRONTEND': 'none',
        'DEBIAN_FRONTEND': 'noninteractive',
        'LANG': 'C.UTF-8',
        'TERM': 'tmux-256color',
    }
)


def tools_dir(unit: str) -> str:
    """Where Juju links a unit's hook tools: ``/var/lib/juju/tools/unit-<app>-<n>``."""
    return '/var/lib/juju/tools/unit-' + unit.replace('/', '-')


def fixed_environment(unit: str) -> dict[str, str]:
    """A unit's hook environment apart from its hook context's ``JUJU_*`` and charm directory.

    The runner adds what varies per hook (``JUJU_HOOK_NAME``, ``JUJU_RELATION``, ...,
    ``CHARM_DIR``) on top; nothing else reaches the charm.
    """
    return {**_FIXED, 'PATH': f'{tools_dir(unit)}:{AGENT_PATH}'}

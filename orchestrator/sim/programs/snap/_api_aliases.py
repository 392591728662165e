"""snapd's ``/v2/aliases``: manual aliases of a snap's commands.

canonical/snapd ``daemon/api_aliases.go`` (changeAliases, getAliases),
``overlord/snapstate/aliasesv2.go`` (Alias, manualAlias, AliasConflictError,
checkAliasesConflicts, RemoveManualAlias, DisableAllAliases), ``overlord/snapstate/handlers.go``
(doAlias, aliasesTrace), ``overlord/state/change.go`` (changeError) and
``snap/naming/validate.go`` (ValidAlias) @ 2.67.1. Deviation: an alias is recorded, but no
``/snap/bin`` link is made (a simulated machine has no links) and running the alias is not a
program of the machine.
"""

# pyright: strict

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from ...unix_http import HttpResponse
from ._api_base import ApiError, ApiRun, not_modelled

_VALID_ALIAS = re.compile(r'[a-zA-Z0-9][-_.a-zA-Z0-9]*')
"""snap/naming/validate.go ValidAlias @ 2.67.1."""


def _task_error(task: str, error: str) -> str:
    """A failed change's ``err``: overlord/state/change.go changeError @ 2.67.1."""
    return f'cannot perform the following tasks:\n- {task} ({error})'


class Aliases(ApiRun):
    """``GET`` and ``POST /v2/aliases``."""

    def _aliases(self, snap: str) -> dict[str, str]:
        """A snap's manual aliases, alias → app (they go with the snap when it is removed)."""
        return cast('dict[str, str]', self.snaps[snap].setdefault('aliases', {}))

    def get_aliases(self) -> dict[str, dict[str, dict[str, str]]]:
        """getAliases: snap → alias → ``{command, status, manual}``."""
        found: dict[str, dict[str, dict[str, str]]] = {}
        for snap in sorted(self.snaps):
            for alias, app in sorted(self._aliases(snap).items()):
                command = snap if app == snap else f'{snap}.{app}'
                found.setdefault(snap, {})[alias] = {
                    'command': command,
                    'status': 'manual',
                    'manual': app,
                }
        return found

    def post_aliases(self, body: Mapping[str, Any]) -> HttpResponse:
        """changeAliases: ``alias`` and ``unalias`` (``prefer`` is not modelled)."""
        if body.get('aliases'):
            raise ApiError(
                400,
                'cannot interpret request, snaps can no longer be expected to declare their '
                'aliases',
            )
        action = str(body.get('action', ''))
        snap, app, alias = (str(body.get(k) or '') for k in ('snap', 'app', 'alias'))
        if action == 'alias':
            return self._alias(snap, app, alias)
        if action == 'unalias':
            return self._unalias(snap, alias)
        if action == 'prefer':
            raise not_modelled('the "prefer" alias action')
        raise ApiError(400, f'unsupported alias action: "{action}"')

    def _alias(self, snap: str, app: str, alias: str) -> HttpResponse:
        if not _VALID_ALIAS.fullmatch(alias):
            raise ApiError(400, f'invalid alias name: "{alias}"')
        if snap not in self.snaps:
            raise ApiError(400, f'snap "{snap}" is not installed', 'snap-not-installed', snap)
        summary = f'Setup alias "{alias}" => "{app}" for snap "{snap}"'
        task = f'Setup manual alias "{alias}" => "{app}" for snap "{snap}"'
        spec = self.catalog.get(snap)
        target = next((a for a in spec.apps if a.name == app), None) if spec else None
        reason = ''
        if target is None:
            reason = f'target application "{app}" does not exist'
        elif target.daemon is not None:
            reason = f'target application "{app}" is a daemon'
        elif alias.split('.')[0] in self.snaps:
            reason = (
                'it conflicts with the command namespace of installed snap '
                f'"{alias.split(".")[0]}"'
            )
        if reason:
            failed = f'cannot enable alias "{alias}" for "{snap}", {reason}'
            return self.new_change('alias', summary, [snap], _task_error(task, failed))
        owner = next((s for s in sorted(self.snaps) if alias in self._aliases(s)), None)
        if owner is not None and owner != snap:
            failed = f'cannot enable alias "{alias}" for "{snap}", already enabled for "{owner}"'
            return self.new_change('alias', summary, [snap], _task_error(task, failed))
        # applyAliasesChange and aliasesTrace (handlers.go): only what changed is reported.
        before = self._aliases(snap).get(alias)
        self._aliases(snap)[alias] = app
        data: dict[str, Any] = {}
        if before != app:
            data['aliases-added'] = [{'snap': snap, 'app': app, 'alias': alias}]
        if before is not None and before != app:
            data['aliases-removed'] = [{'snap': snap, 'app': before, 'alias': alias}]
        return self.new_change('alias', summary, [snap], data=data)

    def _unalias(self, snap: str, alias: str) -> HttpResponse:
        if snap and alias == snap and snap in self.snaps:
            removed = [
                {'snap': snap, 'app': app, 'alias': name}
                for name, app in sorted(self._aliases(snap).items())
            ]
            self._aliases(snap).clear()
            summary = f'Disable all aliases for snap "{snap}"'
            return self.new_change('unalias', summary, [snap], data={'aliases-removed': removed})
        owner = next((s for s in sorted(self.snaps) if alias in self._aliases(s)), None)
        if owner is None:
            raise ApiError(400, f'cannot find manual alias "{alias}" in any snap')
        app = self._aliases(owner).pop(alias)
        removed = [{'snap': owner, 'app': app, 'alias': alias}]
        summary = f'Remove manual alias "{alias}" for snap "{owner}"'
        return self.new_change('unalias', summary, [owner], data={'aliases-removed': removed})

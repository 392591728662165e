"""``snap alias``, ``unalias`` and ``aliases``: clients of snapd's API, as the real ones are.

canonical/snapd ``cmd/snap/cmd_alias.go`` (showAliasChanges, printChangedAliases: a tabwriter
of minimum width 2, so each alias is ``  - SNAP.APP as ALIAS``), ``cmd_unalias.go`` (the one
argument sent as both ``snap`` and ``alias``), ``cmd_aliases.go`` (``Command  Alias  Notes``,
sorted by snap, command, alias; none: ``No aliases are currently defined.`` and the hint on
stderr) @ 2.67.1. The request goes to the machine's snapd (:mod:`._api`), and its answer is
printed as the client prints it: an error response through errorToCmdMessage, a failed change
as ``cannot perform the following tasks:`` (not filled).
"""

# pyright: strict

from __future__ import annotations

import json
from typing import Any, cast

from ...unix_http import HttpRequest
from ._api import serve
from ._errors import EXIT_USAGE, SnapError
from ._format import table
from ._options import Options
from ._run import Run


class AliasCommands(Run):
    """``snap alias``, ``unalias`` and ``aliases``."""

    def _ask(self, method: str, path: str, body: Any = None) -> Any:
        """The API's result (a change once it is ready), or the client's error."""
        data = b'' if body is None else json.dumps(body).encode()
        response = serve(self.host, HttpRequest(method, path, body=data))
        document = cast('dict[str, Any]', json.loads(response.body))
        if document['type'] == 'error':
            failure = cast('dict[str, Any]', document['result'])
            message = str(failure.get('message', ''))
            if failure.get('kind') == 'snap-not-installed':
                raise SnapError(f'snap "{failure.get("value")}" is not installed')
            raise SnapError(message, filled=False)
        if document['type'] == 'async':
            change = serve(self.host, HttpRequest('GET', f'/v2/changes/{document["change"]}'))
            found = cast('dict[str, Any]', json.loads(change.body)['result'])
            if found.get('err'):
                raise SnapError(str(found['err']), filled=False)
            return found
        return document['result']

    def _show_changes(self, change: dict[str, Any]) -> None:
        data = cast('dict[str, Any]', change.get('data') or {})
        for label, key in (('Added', 'aliases-added'), ('Removed', 'aliases-removed')):
            changed = cast('list[dict[str, str]]', data.get(key) or [])
            if changed:
                self.stdout.append(f'{label}:')
                for entry in changed:
                    command = (
                        entry['snap']
                        if entry['app'] == entry['snap']
                        else f'{entry["snap"]}.{entry["app"]}'
                    )
                    self.stdout.append(f'  - {command} as {entry["alias"]}')

    def alias(self, options: Options) -> int:
        if len(options.positional) < 2:
            missing = ['`<snap.app>`', '`<alias>`'][len(options.positional) :]
            raise SnapError(
                f'the required argument {missing[0]} was not provided'
                if len(missing) == 1
                else 'the required arguments `<snap.app>` and `<alias>` were not provided',
                EXIT_USAGE,
            )
        target, alias = options.positional[:2]
        snap, _, app = target.partition('.')
        change = self._ask(
            'POST',
            '/v2/aliases',
            {'action': 'alias', 'snap': snap, 'app': app or snap, 'alias': alias},
        )
        self._show_changes(change)
        return 0

    def unalias(self, options: Options) -> int:
        if not options.positional:
            raise SnapError('the required argument `<alias-or-snap>` was not provided', EXIT_USAGE)
        name = options.positional[0]
        change = self._ask(
            'POST', '/v2/aliases', {'action': 'unalias', 'snap': name, 'alias': name}
        )
        self._show_changes(change)
        return 0

    def aliases(self, options: Options) -> int:
        found = cast('dict[str, dict[str, dict[str, str]]]', self._ask('GET', '/v2/aliases'))
        wanted = options.positional[0] if options.positional else ''
        rows = [['Command', 'Alias', 'Notes']]
        for snap in sorted(found):
            if wanted and snap != wanted:
                continue
            entries = sorted(found[snap].items(), key=lambda item: (item[1]['command'], item[0]))
            rows += [[status['command'], alias, status['status']] for alias, status in entries]
        if len(rows) == 1:
            if wanted:
                self.stderr.append(f'No aliases are currently defined for snap "{wanted}".')
            else:
                self.stderr.append('No aliases are currently defined.')
            self.stderr.append('')
            self.stderr.append("Use 'snap help alias' to learn how to create aliases manually.")
            return 0
        self.stdout.extend(table(rows))
        return 0

"""Shared harness of the interface tests: every run is scanned for leaked credentials.

Interface tests call :func:`run` instead of ``ctx.run``. After each event it collects every
secret value the output state knows (charm-created and remote) plus :data:`KNOWN_CREDENTIALS`,
and fails the test if any databag the charm wrote contains one: credentials travel only as
secret ids.
"""

from __future__ import annotations

from typing import Any

from ops import testing

KNOWN_CREDENTIALS: set[str] = set()
"""Credential values the testing helpers put into secrets; tests add theirs with remember()."""


class CredentialLeakError(AssertionError):
    """A databag written by the charm holds a credential value."""


def remember(*values: str) -> None:
    """Declare test values that are credentials (tokens, keys, passwords)."""
    KNOWN_CREDENTIALS.update(v for v in values if v)


def credentials_in(state: testing.State) -> set[str]:
    """Every secret value of a state, plus the declared test credentials."""
    found = set(KNOWN_CREDENTIALS)
    for secret in state.secrets:
        for content in (secret.tracked_content, secret.latest_content):
            found.update(v for v in (content or {}).values() if len(v) >= 6)
    return found


def written_databags(state: testing.State) -> list[tuple[str, dict[str, str]]]:
    """Every databag the charm itself owns in a state: (where, data)."""
    bags: list[tuple[str, dict[str, str]]] = []
    for relation in state.relations:
        bags.append((f'{relation.endpoint}:{relation.id} app', dict(relation.local_app_data)))
        bags.append((f'{relation.endpoint}:{relation.id} unit', dict(relation.local_unit_data)))
    return bags


def assert_no_credentials(state: testing.State) -> None:
    """Fail if any databag the charm owns contains a credential value."""
    secrets = credentials_in(state)
    for where, data in written_databags(state):
        for key, value in data.items():
            for secret in secrets:
                if secret in value:
                    raise CredentialLeakError(f'{where} field {key!r} holds a credential value')


def run(ctx: testing.Context[Any], event: Any, state: testing.State) -> testing.State:
    """``ctx.run`` followed by the credential scan of every databag in the output."""
    out = ctx.run(event, state)
    assert_no_credentials(out)
    return out

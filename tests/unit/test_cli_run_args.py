"""``olm run``'s arguments, checked as ``juju run``'s ``Init`` checks them (before any task)."""

from __future__ import annotations

import pytest

from orchestrator.cli._actions import _check_run_args  # pyright: ignore[reportPrivateUsage]
from orchestrator.cli._common import UsageError


@pytest.mark.parametrize(
    ('unit', 'action', 'params', 'message'),
    [
        ('app/-1', 'backup', [], 'invalid unit or action name "app/-1"'),
        ('App/0', 'backup', [], 'invalid unit or action name "App/0"'),
        ('app', 'backup', [], 'no unit specified'),  # a valid action name where the unit goes
        ('app/0', 'Back_Up', [], 'invalid unit or action name "Back_Up"'),
        (
            'app/0',
            'backup',
            ['keyonly'],
            'argument "keyonly" must be of the form key.key.key...=value',
        ),
        (
            'app/0',
            'backup',
            ['snake_case=1'],
            'key "snake_case" must start and end with lowercase alphanumeric, and contain only '
            'lowercase alphanumeric and hyphens',
        ),
        (
            'app/0',
            'backup',
            ['file..kind=x'],
            'key "" must start and end with lowercase alphanumeric, and contain only lowercase '
            'alphanumeric and hyphens',
        ),
    ],
)
def test_what_juju_run_refuses(unit: str, action: str, params: list[str], message: str):
    """juju/juju cmd/juju/action/run.go Init, internal/charm/actions.go actionNameRule."""
    with pytest.raises(UsageError) as info:
        _check_run_args(unit, action, params)
    assert str(info.value) == message


def test_what_juju_run_accepts():
    assert _check_run_args('app/leader', 'backup-2', ['out=a.tar', 'file.kind=xz', 'x=']) == [
        (['out'], 'a.tar'),
        (['file', 'kind'], 'xz'),
        (['x'], ''),
    ]

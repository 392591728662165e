"""A subordinate through jubilant on olm: where ``juju status`` puts it, jubilant finds it.

jubilant parses ``juju status --format json`` into ``UnitStatus.subordinates`` and
``AppStatus.subordinate_to`` (jubilant ``statustypes.py``); ``Status.get_units`` finds a
subordinate's units through them. The test charms (tests/charms) are not packed for a real
controller, so this runs on olm only.
"""

from __future__ import annotations

from pathlib import Path

import jubilant
import pytest

ROOT = Path(__file__).resolve().parents[2]
CHARMS = ROOT / 'tests' / 'charms'


def test_a_subordinate_shows_under_its_principal(juju: jubilant.Juju):
    juju.deploy(CHARMS / 'tracer', 'principal', num_units=2)
    juju.deploy(CHARMS / 'companion')
    juju.integrate('principal', 'companion')

    status = juju.wait(
        lambda s: jubilant.all_active(s, 'principal', 'companion'), error=jubilant.any_error
    )

    assert status.apps['companion'].subordinate_to == ['principal']
    assert status.apps['companion'].units == {}
    subs = status.apps['principal'].units['principal/0'].subordinates
    assert list(subs) in (['companion/0'], ['companion/1'])
    (sub,) = subs.values()
    assert sub.workload_status.message.startswith('attached to principal/0 ')
    assert sub.machine == ''
    assert sub.public_address == status.apps['principal'].units['principal/0'].public_address
    assert set(status.get_units('companion')) == {'companion/0', 'companion/1'}
    assert status.apps['principal'].relations['juju-info'][0].scope == 'container'


def test_a_subordinate_refuses_add_unit_and_goes_with_its_principal(juju: jubilant.Juju):
    with pytest.raises(jubilant.CLIError, match='application is a subordinate'):
        juju.add_unit('companion')

    juju.add_unit('principal')
    status = juju.wait(lambda s: jubilant.all_active(s, 'principal', 'companion'))
    assert list(status.apps['principal'].units['principal/2'].subordinates) == ['companion/2']

    juju.remove_unit('principal/0')
    status = juju.wait(lambda s: 'principal/0' not in s.apps['principal'].units)
    assert set(status.get_units('companion')) == {'companion/1', 'companion/2'}

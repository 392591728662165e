"""Model config as Juju reads it: defaults, coercion, Go durations, the version olm models."""

from __future__ import annotations

import re

import pytest

from orchestrator.juju import modelconfig
from orchestrator.juju.version import JUJU_VERSION, binary_version


def test_the_modelled_juju_is_3_6_and_prints_as_a_binary_version():
    assert JUJU_VERSION.split('.')[:2] == ['3', '6']
    assert re.fullmatch(r'3\.6\.\d+-ubuntu-[a-z0-9]+', binary_version())


def test_defaults_fill_what_the_user_did_not_set():
    found = modelconfig.settings({'update-status-hook-interval': '10s', 'foo': 'bar'})
    assert found['update-status-hook-interval'] == modelconfig.Setting('10s', 'model')
    assert found['automatically-retry-hooks'] == modelconfig.Setting(True, 'default')
    assert found['foo'] == modelconfig.Setting('bar', 'model')
    assert found['agent-version'] == modelconfig.Setting(JUJU_VERSION, 'model')
    assert modelconfig.settings({})['update-status-hook-interval'].value == '5m'


@pytest.mark.parametrize(
    ('key', 'text', 'value'),
    [
        ('test-mode', 'true', True),
        ('test-mode', 'F', False),
        ('num-provision-workers', '8', 8),
        ('update-status-hook-interval', '10s', '10s'),
        ('update-status-hook-interval', '1h30m', '1h30m'),
        ('something-else', 'x', 'x'),
    ],
)
def test_values_are_coerced_to_the_defaults_type(key: str, text: str, value: object):
    assert modelconfig.coerce(key, text) == value


@pytest.mark.parametrize(
    ('key', 'text', 'message'),
    [
        ('test-mode', 'yes', 'test-mode: expected bool, got string("yes")'),
        ('num-provision-workers', 'x', 'num-provision-workers: expected number, got string("x")'),
        (
            'update-status-hook-interval',
            '10',
            'invalid update status hook interval in model configuration: '
            'time: missing unit in duration "10"',
        ),
        ('agent-version', '3.6.1', '"agent-version"" must be set via "upgrade-model"'),
        ('default-base', 'windows@10', 'base "windows@10" not supported'),
        ('default-base', 'centos@7/edge', 'base "centos@7/edge" not supported'),
        (
            'default-base',
            'ubuntu',
            'invalid default base "ubuntu": expected base string to contain os and channel '
            "separated by '@'",
        ),
        ('logging-config', '<root>=NOPE', 'unknown severity level "NOPE"'),
        ('logging-config', 'juju=INFO;foo', 'config value expected \'=\', found "foo"'),
        ('logging-config', '=INFO', 'config value "=INFO" has missing module name'),
    ],
)
def test_juju_refuses_bad_values_with_its_messages(key: str, text: str, message: str):
    with pytest.raises(modelconfig.ModelConfigError) as error:
        modelconfig.coerce(key, text)
    assert str(error.value) == message


@pytest.mark.parametrize(
    ('text', 'seconds'),
    [
        ('5m', 300.0),
        ('10s', 10.0),
        ('1h30m', 5400.0),
        ('1.5s', 1.5),
        ('0', 0.0),
        ('250ms', 0.25),
        ('2562047h', 2562047 * 3600.0),  # Go's largest whole-hour Duration
    ],
)
def test_go_durations(text: str, seconds: float):
    assert modelconfig.go_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    ('text', 'message'),
    [
        ('', 'time: invalid duration ""'),
        ('x', 'time: invalid duration "x"'),
        ('1d', 'time: unknown unit "d" in duration "1d"'),
        ('10', 'time: missing unit in duration "10"'),
        ('99999999999h', 'time: invalid duration "99999999999h"'),  # overflows an int64 of ns
        ('2562048h', 'time: invalid duration "2562048h"'),
    ],
)
def test_bad_go_durations_have_gos_messages(text: str, message: str):
    with pytest.raises(ValueError, match=re.escape(message)):
        modelconfig.go_duration(text)


@pytest.mark.parametrize(
    ('key', 'text'),
    [
        ('default-base', 'ubuntu@22.04'),
        ('default-base', 'ubuntu@24.04/edge'),
        ('default-base', ''),
        ('logging-config', 'DEBUG'),
        ('logging-config', '<root>=INFO; juju.worker=trace: #http=warning'),
    ],
)
def test_what_juju_validates_it_accepts(key: str, text: str):
    assert modelconfig.coerce(key, text) == text

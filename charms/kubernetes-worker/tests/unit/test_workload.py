"""workload: the k8s snap, join-cluster and local-node-status through a bound RecordingHost."""

from __future__ import annotations

import json

import metal_host
import pytest
from metal_host import CommandError, RecordingHost, SnapState

import workload

TOKEN = 'abcdef.0123456789abcdef'  # a made-up token
STATUS = ('k8s', 'local-node-status', '--output-format', 'json')


def test_install_is_classic_and_held() -> None:
    host = RecordingHost()
    with metal_host.bound(host):
        workload.install('1.32-classic/stable')
    assert host.snaps['k8s'] == SnapState('1.32-classic/stable', classic=True, held=True)


def test_a_refused_refresh_is_a_snap_error() -> None:
    host = RecordingHost()
    with metal_host.bound(host), pytest.raises(workload.SnapError, match='cannot refresh'):
        workload.refresh('1.33-classic/stable')


def test_installed_version_reads_the_version_column() -> None:
    table = 'Name Version Rev Tracking Publisher Notes\nk8s v1.32.3 3640 1.32-classic/stable x -\n'
    host = RecordingHost({'snap list k8s': table})
    with metal_host.bound(host):
        assert workload.installed_version() == 'v1.32.3'
    host.expect('snap list k8s', returncode=1, stderr='error: no matching snaps installed')
    with metal_host.bound(host):
        assert workload.installed_version() is None


@pytest.mark.parametrize(
    ('text', 'expected'),
    [
        ('v1.32.3', (1, 32)),
        ('1.31.2', (1, 31)),
        ('1.33-classic/stable', (1, 33)),
        ('latest/edge', None),
    ],
)
def test_minor(text: str, expected: tuple[int, int] | None) -> None:
    assert workload.minor(text) == expected


@pytest.mark.parametrize(
    ('key', 'allowed'),
    [
        ('pool', True),
        ('example.com/pool', True),
        ('node.kubernetes.io/role', True),
        ('kubelet.kubernetes.io/x', True),
        ('topology.kubernetes.io/zone', True),
        # k8s-snap's kubelet is patched to accept the node-role labels it sets itself
        ('node-role.kubernetes.io/worker', True),
        ('node-role.kubernetes.io/control-plane', True),
        ('node-role.kubernetes.io/gpu', False),
        ('kubernetes.io/foo', False),
        ('foo.k8s.io/bar', False),
    ],
)
def test_kubelet_may_set(key: str, allowed: bool) -> None:
    assert workload.kubelet_may_set(key) is allowed


def test_join_config_leaves_out_labels_kubelet_may_not_set() -> None:
    text = workload.join_config({'node-role.kubernetes.io/gpu': '', 'a': 'b'}, ['t:NoExecute'])
    # k8s-snap's role labels come first: an extra --node-labels replaces them (kubelet.go)
    assert text.splitlines()[1:] == [
        'extra-node-kubelet-args:',
        '  "--node-labels": "node-role.kubernetes.io/worker=,k8sd.io/role=worker,a=b"',
        '  "--register-with-taints": "t:NoExecute"',
    ]


def test_join_config_without_labels_leaves_k8s_snaps_alone() -> None:
    text = workload.join_config({}, [])
    assert text.splitlines()[1:] == ['extra-node-kubelet-args: {}']


@pytest.mark.parametrize(
    ('output', 'node'),
    [
        (
            json.dumps({'name': 'w0', 'address': '10.0.0.21:6400', 'cluster-role': 'worker'}),
            workload.LocalNode('w0', 'worker'),
        ),
        (json.dumps({'name': 'w0', 'cluster-role': 'unknown'}), None),
        (json.dumps({}), None),
    ],
)
def test_parse_local_node_status(output: str, node: workload.LocalNode | None) -> None:
    assert workload.parse_local_node_status(output) == node


@pytest.mark.parametrize('output', ['not json', '[]'])
def test_parse_local_node_status_rejects_garbage(output: str) -> None:
    with pytest.raises(workload.NodeError):
        workload.parse_local_node_status(output)


def test_local_node_not_clustered_is_none() -> None:
    host = RecordingHost()
    host.expect(STATUS, returncode=1, stderr=f'Error: {workload.NOT_CLUSTERED}. You can...\n')
    with metal_host.bound(host):
        assert workload.local_node() is None


def test_join_outcomes_and_errors() -> None:
    def joined(returncode: int, stderr: str) -> workload.JoinOutcome:
        host = RecordingHost()
        host.expect('k8s join-cluster', returncode=returncode, stderr=stderr)
        with metal_host.bound(host):
            return workload.join(TOKEN, name='w0', address='10.0.0.21', labels={}, taints=[])

    assert joined(0, '') is workload.JoinOutcome.JOINED
    assert joined(1, 'Error: The node is already part of a cluster\n') is (
        workload.JoinOutcome.ALREADY_JOINED
    )
    assert joined(1, 'Error: x\n\nThe error was: 401 invalid token\n') is (
        workload.JoinOutcome.TOKEN_REJECTED
    )
    with pytest.raises(workload.JoinError) as caught:
        joined(1, f'Error: Failed.\n\nThe error was: dial {TOKEN} refused\n')
    assert TOKEN not in str(caught.value)
    assert str(caught.value) == (
        'cannot join the cluster (exit 1): Error: Failed. The error was: dial <redacted> refused'
    )


def test_stop_services_stops_each_service() -> None:
    host = RecordingHost()
    host.snaps['k8s'] = SnapState('1.32-classic/stable', classic=True, held=True)
    with metal_host.bound(host):
        workload.stop_services()
    # stopped and disabled: k8sd enabled them, and a reboot must not bring kubelet back
    assert [c.args for c in host.calls_to('service')] == [
        (action, s) for s in workload.SERVICES for action in ('stop', 'disable')
    ]
    host.fail('service', CommandError(['systemctl', 'stop', 'x'], 5))
    with metal_host.bound(host), pytest.raises(workload.NodeError):
        workload.stop_services()

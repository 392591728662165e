"""workload helpers that the charm tests reach only indirectly."""

from __future__ import annotations

import metal_charm
import metal_host
import pytest

import workload
from conftest import K8sHost


@pytest.mark.parametrize(
    ('text', 'expected'),
    [('v1.32.3', (1, 32, 3)), ('1.31', (1, 31, 0)), ('v1.34.0-alpha.1', (1, 34, 0)), ('x', None)],
)
def test_versions_parse(text: str, expected: tuple[int, int, int] | None) -> None:
    version = workload.Version.parse(text)
    assert (None if version is None else (version.major, version.minor, version.patch)) == expected


def test_channel_tracks_pin_a_minor_release_and_latest_does_not() -> None:
    assert workload.Version.of_channel('1.33-classic/stable') == workload.Version(1, 33)
    assert workload.Version.of_channel('latest/edge') is None


@pytest.mark.parametrize(
    ('cidr', 'ip'), [('10.152.183.0/24', '10.152.183.10'), ('fd98::/108,10.0.0.0/24', 'fd98::a')]
)
def test_dns_ip_is_the_tenth_address(cidr: str, ip: str) -> None:
    assert workload.dns_ip(cidr) == ip


def test_url_brackets_ipv6() -> None:
    assert workload.url_for('fd00::1') == 'https://[fd00::1]:6443'


def test_remove_node_of_an_unknown_node_is_not_an_error() -> None:
    # k8sd postClusterRemove ignores NotFound (k8s-snap cluster_remove.go @ release-1.32)
    host = K8sHost(clustered=True)
    with metal_host.bound(host):
        assert workload.remove_node('ghost') is True
        assert workload.remove_node('cp-0') is True
    # an older k8sd's "not part of the cluster" counts as gone too
    host.expect(
        'k8s remove-node old', returncode=1, stderr='node "old" is not part of the cluster'
    )
    with metal_host.bound(host):
        assert workload.remove_node('old') is False


@pytest.mark.parametrize(
    'reason',
    [
        'CoreTokenRecord not found',
        'Token expired',
        'invalid token',
        'illegal base64 data at input byte 3',
    ],
)
def test_microcluster_and_k8sd_token_refusals_are_token_rejections(reason: str) -> None:
    host = K8sHost()
    host.expect(
        'k8s join-cluster',
        returncode=1,
        stderr='Error: Failed to join the cluster using the provided token.\n\nThe error was: '
        f'failed to POST /k8sd/cluster/join: failed to join k8sd cluster as control plane: 1 '
        f'join attempts were unsuccessful. Last error: {reason}\n',
    )
    with metal_host.bound(host), pytest.raises(workload.K8sError) as error:
        workload.join('tok', 'cp-1', '10.0.0.2')
    assert error.value.token_rejected


def test_join_errors_never_show_the_token() -> None:
    host = K8sHost()
    host.expect('k8s join-cluster', returncode=1, stderr='Error: bad token SECRET-TOKEN-1')
    with metal_host.bound(host), pytest.raises(workload.K8sError) as failed:
        workload.join('SECRET-TOKEN-1', 'cp-1', '10.0.0.2')
    assert 'SECRET-TOKEN-1' not in str(failed.value)
    assert '<redacted>' in str(failed.value)


def test_an_already_joined_node_counts_as_joined() -> None:
    host = K8sHost(clustered=True)
    with metal_host.bound(host):
        workload.join('whatever', 'cp-0', '10.0.0.1')  # k8s refuses: the node is a member

    assert [c[:2] for c in host.commands if c[:2] == ('k8s', 'join-cluster')] == [
        ('k8s', 'join-cluster')
    ]  # it asked k8s, which refused
    assert host.world.nodes['cp-0'].control_plane  # and the node is still the member it was


def test_a_refused_join_of_a_node_outside_any_cluster_is_an_error() -> None:
    host = K8sHost(clustered=False)
    with metal_host.bound(host), pytest.raises(workload.K8sError, match='join-cluster failed'):
        workload.join('whatever', 'cp-0', '10.0.0.1')  # an unknown token, not a membership


def test_turns_go_to_the_leader_first_and_skip_failed_holders() -> None:
    target = '1.33-classic/stable'
    reports = {
        'k/0': metal_charm.TurnReport(wants=target, applied='1.32-classic/stable'),
        'k/1': metal_charm.TurnReport(wants=target, applied='1.32-classic/stable', failed=target),
        'k/2': metal_charm.TurnReport(wants=target, applied='1.32-classic/stable'),
    }
    assert metal_charm.next_turn(None, reports, 'k/2') == 'k/2'
    assert metal_charm.next_turn('k/1', reports, 'k/2') == 'k/2'
    done = {name: metal_charm.TurnReport(wants=target, applied=target) for name in reports}
    assert metal_charm.next_turn('k/0', done, 'k/0') is None


def test_manifests_render_as_the_pure_python_emitter_would() -> None:
    import yaml

    from manifests import CephConfig, cephfs_manifest, rbd_manifest

    config = CephConfig(
        fsid='4b5c8c0a-ff60-454b-a1b4-9747aa737d19',
        monitors=('10.0.0.5:6789', '10.0.0.6:6789'),
        client='kubernetes',
        key='AQBsimulatedkeyAAAAAAAAAAAAAAAAAAAAAAAA==',
        rbd_pool='kubernetes',
        cephfs_name='ceph-fs',
        default_class='ceph-xfs',
    )
    for text in (rbd_manifest(config), cephfs_manifest(config)):
        objects = list(yaml.safe_load_all(text))
        assert text == yaml.safe_dump_all(objects, sort_keys=True)


def test_registration_labels_leave_out_what_kubelet_refuses() -> None:
    # kubelet refuses to start with other reserved-namespace labels (kubernetes
    # cmd/kubelet/app/options/options.go); k8s-snap's kubelet takes its node-role ones
    config = workload.BootstrapConfig(
        pod_cidr='10.1.0.0/16',
        service_cidr='10.152.183.0/24',
        cluster_domain='cluster.local',
        datastore='etcd',
        node_labels=(('tier', 'a'), ('example.kubernetes.io/pool', 'b'), ('x.k8s.io/y', 'c')),
    )
    rendered = config.render()
    assert 'example.kubernetes.io/pool' not in rendered and 'x.k8s.io' not in rendered
    assert 'k8sd.io/role=control-plane,tier=a' in rendered
    assert workload.kubelet_may_set('topology.kubernetes.io/zone')
    assert workload.kubelet_may_set('node.kubernetes.io/exclude-from-external-load-balancers')
    assert workload.kubelet_may_set('node-role.kubernetes.io/worker')
    assert not workload.kubelet_may_set('node-role.kubernetes.io/gpu')

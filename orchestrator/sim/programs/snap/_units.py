"""The systemd units snapd writes for a snap's services."""

# pyright: strict

from __future__ import annotations

from ...catalog import SnapApp  # the store's entries, which the World holds


def service_unit(snap: str, app: SnapApp, revision: int) -> str:
    """The unit file snapd writes for a snap service (``snap.<snap>.<app>.service``)."""
    reload = (
        f'ExecReload=/usr/bin/snap run --command=reload {snap}.{app.name}\n' if app.reload else ''
    )
    return (
        '[Unit]\n'
        '# Auto-generated, DO NOT EDIT\n'
        f'Description=Service for snap application {snap}.{app.name}\n'
        f'Requires=snap-{snap}-{revision}.mount\n'
        'Wants=network.target\n'
        f'After=snap-{snap}-{revision}.mount network.target snapd.apparmor.service\n'
        'X-Snappy=yes\n'
        '\n'
        '[Service]\n'
        'EnvironmentFile=-/etc/environment\n'
        f'ExecStart=/usr/bin/snap run {snap}.{app.name}\n'
        f'SyslogIdentifier={snap}.{app.name}\n'
        'Restart=on-failure\n'
        f'WorkingDirectory=/var/snap/{snap}/{revision}\n'
        f'{reload}'
        'TimeoutStopSec=30\n'
        f'Type={app.daemon}\n'
        '\n'
        '[Install]\n'
        'WantedBy=multi-user.target\n'
    )


def unit_name(snap: str, app: str) -> str:
    return f'snap.{snap}.{app}.service'

"""Channels as snapd reads, completes and prints them (``snap/channel``), and their errors."""

# pyright: strict

from __future__ import annotations

from collections.abc import Sequence

from ...catalog import SnapRelease, SnapSpec  # the store's entries, which the World holds
from ._errors import SnapError, fill_message

RISKS = ('stable', 'candidate', 'beta', 'edge')


def checked_channel(channel: str, stderr: list[str]) -> str | None:
    """The channel snap sends snapd, as setChannelFromCommandline makes it (cmd_snap_op.go).

    A channel channel.Parse refuses but channel.Full can read is used as Full reads it, after a
    warning; what still does not parse is refused by snapd (daemon/api_snaps.go validate) with
    Parse's error (snap/channel/channel.go @ 2.67.1).
    """
    try:
        _parse_verbatim(channel)
        return channel
    except SnapError:
        full = _full_channel(channel)
        if full is None:
            raise
    stderr.append(
        'Warning: '
        + fill_message(
            f'Specifying a channel "{channel}" is relying on undefined behaviour. Interpreting '
            f'it as "{full}" for now, but this will be an error later.',
            indent=9,
        )
    )
    stderr.append('')
    if not full:
        return None
    _parse_verbatim(full)
    return full


def _parse_verbatim(channel: str) -> None:
    """Refuse what channel.ParseVerbatim refuses, with its errors."""
    parts = channel.split('/')
    if len(parts) > 3:
        raise SnapError(f'channel name has too many components: {channel}')
    track: str | None = None
    risk: str | None = None
    branch: str | None = None
    if len(parts) == 3:
        track, risk, branch = parts
    elif len(parts) == 2 and parts[0] in RISKS:
        risk, branch = parts
    elif len(parts) == 2:
        track, risk = parts
    elif parts[0] in RISKS:
        risk = parts[0]
    else:
        track = parts[0]
    if risk is not None and risk not in RISKS:
        raise SnapError(f'invalid risk in channel name: {channel}')
    if track == '':
        raise SnapError(f'invalid track in channel name: {channel}')
    if branch == '':
        raise SnapError(f'invalid branch in channel name: {channel}')


def _full_channel(channel: str) -> str | None:
    """channel.Full: the components without empty ones, made full; None for too many."""
    parts = [part for part in channel.split('/') if part]
    if not parts:
        return ''
    if len(parts) == 1:
        return f'latest/{parts[0]}' if parts[0] in RISKS else f'{parts[0]}/stable'
    if len(parts) == 2 and parts[0] in RISKS:
        return f'latest/{parts[0]}/{parts[1]}'
    return '/'.join(parts) if len(parts) <= 3 else None


def parse_channel(channel: str | None, default_track: str) -> tuple[str, str]:
    """``(track, risk)``, the risk with its branch if any (``stable/hotfix``).

    As snapd's channel.Full reads a channel (snap/channel/channel.go @ 2.67.1): a risk alone is
    the default track's, a track alone its stable risk.
    """
    if not channel:
        return default_track, 'stable'
    parts = channel.split('/')
    if parts[0] in RISKS:
        return default_track, '/'.join(parts)
    if len(parts) == 1:
        return parts[0], 'stable'
    return parts[0], '/'.join(parts[1:])


def channel_order(release: SnapRelease) -> tuple[str, int]:
    risk = risk_of(release.channel)
    return release.channel.split('/')[0], RISKS.index(risk) if risk in RISKS else len(RISKS)


def fmt_channel(channel: str) -> str:
    """``snap list``'s Tracking column: a branch shows as ``…`` (cmd_list.go fmtChannel)."""
    parts = channel.split('/')
    return f'{parts[0]}/{parts[1]}/…' if len(parts) == 3 else channel


def channel_name(channel: str) -> str:
    """The short channel name snap prints: ``latest/stable`` is ``stable``."""
    return channel.removeprefix('latest/')


def risk_of(channel: str) -> str:
    return channel.split('/')[1] if '/' in channel else channel


def not_available(spec: SnapSpec, channel: str, action: str) -> str:
    """The text of snapd's snapRevisionNotAvailableMessage (cmd/snap/error.go @ 2.67.1).

    Channels are named as channel.Channel names them (``latest/`` dropped); the table's install
    option is channelOption's: ``--edge`` on the latest track, ``--channel=TRACK`` for a track's
    stable risk, ``--channel=TRACK/RISK`` otherwise; the pre-release warning follows only a
    request for a stable channel.
    """
    track, risk = channel.split('/', 1)
    same_risk = sorted(r.channel for r in spec.releases if risk_of(r.channel) == risk)
    same_track = sorted(r.channel for r in spec.releases if r.channel.split('/')[0] == track)
    hint = f"Get more information with 'snap info {spec.name}'."
    track_warning = 'Please be mindful that different tracks may include different features.'
    if same_track:
        shown = [channel_name(c) for c in same_track]
        rows = _install_table(spec.name, action, shown, same_track)
        message = (
            f'snap "{spec.name}" is not available on {channel_name(channel)} but is available '
            f'to install on the following channels:\n{rows}\n'
        )
        if risk == 'stable':
            message += (
                '\nPlease be mindful pre-release channels may include features not completely '
                'tested or implemented.'
            )
        return f'{message}\n{hint}'
    if same_risk:
        rows = _install_table(spec.name, action, same_risk, same_risk)
        return (
            f'snap "{spec.name}" is not available on {channel} but is available to install on '
            f'the following tracks:\n{rows}\n\n{track_warning}\n{hint}'
        )
    return (
        f'snap "{spec.name}" is not available on {channel} but other tracks exist.\n\n'
        f'{track_warning}\n{hint}'
    )


def _install_table(snap: str, action: str, shown: Sequence[str], full: Sequence[str]) -> str:
    """installTable: a tabwriter (min width 11, padding 2) indented two spaces."""
    width = max(11, *(len(name) + 2 for name in shown))
    return '\n'.join(
        f'  {name:<{width}}snap {action} {_channel_option(channel)} {snap}'
        for name, channel in zip(shown, full, strict=True)
    )


def _channel_option(channel: str) -> str:
    """The install option channelOption (cmd/snap/error.go) gives for ``channel``."""
    track, risk = channel.split('/', 1)
    if track == 'latest':
        return f'--{risk}'
    return f'--channel={track}' if risk == 'stable' else f'--channel={channel}'

"""One rule for snap channels: snapd's own grammar, and whether a channel names a track.

Every charm here installs one snap from a ``channel`` option. snapd reads a channel as
``[<track>/]<risk>[/<branch>]`` (canonical/snapd ``snap/channel/channel.go``
``ParseVerbatim``): one to three components split on ``/``; a lone component is a risk when it
is one of ``stable``, ``candidate``, ``beta``, ``edge`` and a track otherwise; two components
are ``<risk>/<branch>`` when the first is a risk and ``<track>/<risk>`` otherwise; the risk must
be a known one, the track and the branch not empty. ``Full`` there fills in the defaults: track
``latest``, risk ``stable``.

Components are also held to the characters store names use (letters, digits, ``.``, ``+``,
``_``, ``-``, not starting with a punctuation mark), so an option with a space or a shell
metacharacter is refused before it reaches ``snap``.
"""

# pyright: strict

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ['RISKS', 'Channel', 'ChannelError']

RISKS = ('stable', 'candidate', 'beta', 'edge')
"""snapd's risks, safest first (``channelRisks`` in snap/channel/channel.go)."""
DEFAULT_TRACK = 'latest'
"""The track snapd reads when a channel names none (channel.go ``Full``)."""

_COMPONENT = re.compile(r'^[A-Za-z0-9][A-Za-z0-9.+_-]*$')


class ChannelError(ValueError):
    """Not a snap channel; the message says which part is wrong."""


@dataclass(frozen=True)
class Channel:
    """A snap channel as written: each part None when the text leaves it out.

    Attributes:
        track: ``1.32-classic``, ``3.6``, ``squid``; None for snapd's default, ``latest``.
        risk: one of :data:`RISKS`; None for snapd's default, ``stable``.
        branch: a branch name, or None.
    """

    track: str | None = None
    risk: str | None = None
    branch: str | None = None

    @classmethod
    def parse(cls, text: str) -> Channel:
        """Read ``text`` with snapd's grammar (see the module docstring).

        Raises:
            ChannelError: empty, more than three components, an unknown risk, an empty track or
                branch, or a component with other characters.
        """
        parts = text.split('/')
        if not text:
            raise ChannelError('a snap channel cannot be empty')
        if len(parts) > 3:
            raise ChannelError(f'channel {text!r} has too many components')
        track: str | None = None
        risk: str | None = None
        branch: str | None = None
        if len(parts) == 3:
            track, risk, branch = parts
        elif len(parts) == 2:
            if parts[0] in RISKS:
                risk, branch = parts
            else:
                track, risk = parts
        elif parts[0] in RISKS:
            risk = parts[0]
        else:
            track = parts[0]
        if risk is not None and risk not in RISKS:
            raise ChannelError(f'channel {text!r} has no risk of {", ".join(RISKS)}')
        for part in (track, branch):
            if part is not None and not _COMPONENT.match(part):
                raise ChannelError(f'channel {text!r} has an invalid track or branch {part!r}')
        return cls(track, risk, branch)

    @classmethod
    def parse_explicit(cls, text: str) -> Channel:
        """A channel that names its track and its risk: ``<track>/<risk>[/<branch>]``.

        What a charm compares with the channel snapd reports as tracked: with ``3.6`` alone,
        snapd picks the risk, and with ``stable`` alone the track; the charm then could not tell
        whether the snap follows the option.

        Raises:
            ChannelError: not a channel, or one without a track or a risk.
        """
        channel = cls.parse(text)
        if channel.track is None or channel.risk is None:
            raise ChannelError(f'channel {text!r} does not name both a track and a risk')
        return channel

    @classmethod
    def option(cls, text: str, *, example: str, explicit: bool = False) -> Channel:
        """A ``channel`` config option, with the one message the charms show when it is wrong.

        Args:
            text: the option's value.
            example: a channel of the charm's snap, for the message (``1.32-classic/stable``).
            explicit: whether it must name its track and its risk (:meth:`parse_explicit`).

        Raises:
            ChannelError: ``channel '…' is not a snap channel <track>/<risk>[/<branch>], e.g.
                <example>`` (without ``explicit``: ``[<track>/]<risk>[/<branch>]``).
        """
        try:
            return cls.parse_explicit(text) if explicit else cls.parse(text)
        except ChannelError:
            form = '<track>/<risk>[/<branch>]' if explicit else '[<track>/]<risk>[/<branch>]'
            raise ChannelError(
                f'channel {text!r} is not a snap channel {form}, e.g. {example}'
            ) from None

    @property
    def full(self) -> str:
        """With snapd's defaults filled in: ``stable`` -> ``latest/stable``."""
        text = f'{self.track or DEFAULT_TRACK}/{self.risk or RISKS[0]}'
        return f'{text}/{self.branch}' if self.branch else text

    def __str__(self) -> str:
        """As written (snapd's verbatim form)."""
        return '/'.join(p for p in (self.track, self.risk, self.branch) if p is not None)

"""The valid name nearest to a mistyped one, for messages that name an unknown key.

A typo'd key (``aplications:`` in a bundle, ``memroy:`` in a pool file) is the commonest bad
input a file holds; the message that refuses it names the key it was probably meant to be, as
``git`` and ``cargo`` do (``did you mean "applications"?``). Juju itself prints no suggestion
(yaml.v2's ``field aplications not found in bundle``), so the hint is olm's own, appended to
Juju's words where Juju has any.
"""

# pyright: strict

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Final

__all__ = ['LIKELY_TYPO', 'did_you_mean', 'nearest']

LIKELY_TYPO: Final = 0.8
"""The similarity (difflib's ratio) above which an unknown key is taken for a typo of a
known one: a dropped, doubled or swapped letter in a word of five or more letters
(``aplications``, ``num_unit``, ``contraints``), but not an unrelated word (``website``)."""


def nearest(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice most like ``word`` (difflib's ratio, at least ``cutoff``), if any."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """`` (did you mean "applications"?)`` for the nearest choice, or ``''`` when none is near."""
    match = nearest(word, choices, cutoff=cutoff)
    return f' (did you mean "{match}"?)' if match is not None else ''

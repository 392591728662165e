"""The one error a bundle, overlay or offer file raises: every problem, in Juju's words."""

# pyright: strict

from __future__ import annotations

import os
from collections.abc import Sequence


class BundleError(Exception):
    """A bundle, overlay or offer file that cannot be deployed; nothing was returned.

    The message is ``<file>: <first problem> (and N more errors)``, each problem in Juju's
    words where Juju has some.

    Attributes:
        errors: every problem found, without the file prefix.
        path: the file the message names, if any.
    """

    def __init__(self, errors: str | Sequence[str], path: str | os.PathLike[str] | None = None):
        self.errors: tuple[str, ...] = (errors,) if isinstance(errors, str) else tuple(errors)
        self.path = os.fspath(path) if path is not None else None
        first = self.errors[0] if self.errors else 'invalid bundle'
        more = len(self.errors) - 1
        text = f'{first} (and {more} more errors)' if more > 0 else first
        super().__init__(f'{self.path}: {text}' if self.path else text)

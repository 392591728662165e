"""The YAML loader charm files are read with: libyaml's safe loader where it is built in."""

# pyright: strict

from __future__ import annotations

from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:  # the stubs type libyaml's loader loosely; it behaves as the pure one
    SafeLoader = yaml.SafeLoader
else:
    SafeLoader = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)

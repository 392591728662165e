"""Juju's name rules for what a bundle names, and the Ubuntu series it still knows.

The patterns are juju/names' snippets (``ApplicationSnippet``, ``RelationSnippet``,
``NumberSnippet``) as juju/charm ``bundledata.go`` uses them; they live here so that the
placement, endpoint, offer and verification modules check names with one grammar.
"""

# pyright: strict

from __future__ import annotations

import re
from typing import Final

from .._series import SERIES_BASES as SERIES_BASES

_APP_NAME: Final = r'[a-z][a-z0-9]*(?:-[a-z0-9]*[a-z][a-z0-9]*)*'
_RELATION_NAME: Final = r'[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*'
_NUMBER: Final = r'(?:0|[1-9][0-9]*)'
APP_RE: Final = re.compile(_APP_NAME)
RELATION_RE: Final = re.compile(_RELATION_NAME)
ENDPOINT_RE: Final = re.compile(f'({_APP_NAME}):({_RELATION_NAME})')
PLACEMENT_RE: Final = re.compile(
    f'(?:([a-z]+):)?(?:({_APP_NAME})(?:/({_NUMBER}))?|({_NUMBER}))'
)  # juju/charm ``validPlacement``
MACHINE_ID_RE: Final = re.compile(_NUMBER)
STORAGE_NAME_RE: Final = re.compile(_APP_NAME)  # names.StorageNameSnippet has the same shape
DEVICE_NAME_RE: Final = re.compile(_APP_NAME)
MODEL_NAME_RE: Final = re.compile(r'[a-z0-9]+[a-z0-9-]*')
CHARM_REF_RE: Final = re.compile(f'(?:ch:)?({_APP_NAME})')
UNIT_RE: Final = re.compile(f'({_APP_NAME})/({_NUMBER})')
SECRET_REF_RE: Final = re.compile(r'\$\{secret:([^}]*)\}')
SECRET_KEY_RE: Final = re.compile(r'[a-z](?:-?[a-z0-9]){2,}')  # Juju's secret content keys

CONTAINER_TYPES: Final = ('lxd', 'kvm')

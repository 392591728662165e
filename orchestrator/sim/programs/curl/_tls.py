"""TLS as curl checks it: the CA bundle or ``--cacert``, the server certificate's names."""

# pyright: strict

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, cast

from ._apiserver import ApiServer
from ._errors import TransferError, not_emulated
from ._options import Options
from ._urls import Url

if TYPE_CHECKING:
    from ...host import SimHost

CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
"""The CA bundle Ubuntu's curl trusts by default."""

HINT = (
    'More details here: https://curl.se/docs/sslcerts.html\n'
    '\n'
    'curl failed to verify the legitimacy of the server and therefore could not\n'
    'establish a secure connection to it. To learn more about this situation and\n'
    'how to fix it, please visit the web page mentioned above.\n'
)

_KUBERNETES_NAMES = (
    'kubernetes',
    'kubernetes.default',
    'kubernetes.default.svc',
    'kubernetes.default.svc.cluster',
    'kubernetes.default.svc.cluster.local',
)


def pem_blocks(text: str) -> set[str]:
    return {
        re.sub(r'\s+', '', body)
        for body in re.findall(
            r'-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----', text, re.DOTALL
        )
    }


def _subject_names(api: ApiServer) -> set[str]:
    """The API server certificate's SANs (lower-case names, normalised IP addresses)."""
    names: set[str] = {*_KUBERNETES_NAMES, api.machine.hostname().lower(), '127.0.0.1', '::1'}
    names.update(api.machine.addresses())
    for san in cast('list[object]', api.node.get('sans') or [api.node.get('address', '')]):
        names.add(str(san).lower())
    for cidr in str(api.cluster.get('service-cidr', '')).split(','):
        try:
            names.add(str(ipaddress.ip_network(cidr.strip(), strict=False).network_address + 1))
        except ValueError:
            continue
    return {_normalise(name) for name in names if name}


def _normalise(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name.lower()


def verify(client: SimHost, options: Options, url: Url, api: ApiServer, remote: str) -> None:
    """The certificate checks curl makes on the API server; raises :class:`.TransferError`."""
    if options.insecure:
        return
    path = options.cacert or CA_BUNDLE
    if options.cacert is not None:
        if not options.cacert.startswith('/'):
            not_emulated('a relative --cacert path (no working directory is simulated)')
        if options.cacert not in client.files:
            raise TransferError(
                77, f'error setting certificate file: {options.cacert}', remote=remote
            )
    entry = client.files.get(path)
    bundle = pem_blocks(entry.content) if entry is not None else set[str]()
    if not bundle & pem_blocks(str(api.cluster.get('ca', ''))):
        raise TransferError(
            60, 'SSL certificate problem: unable to get local issuer certificate', remote=remote
        )
    if _normalise(url.host) not in _subject_names(api):
        raise TransferError(
            60,
            f"SSL: no alternative certificate subject name matches target host name '{url.host}'",
            remote=remote,
        )

"""One transfer: the path to the server, TLS, the request, what comes back."""

# pyright: strict

from __future__ import annotations

import base64
from typing import TYPE_CHECKING

from .. import k8s
from ._apiserver import ApiServer, Response, api_response
from ._errors import TransferError, not_emulated
from ._network import Closed, Network
from ._options import Options
from ._tls import pem_blocks, verify
from ._urls import Url, resolve

if TYPE_CHECKING:
    from ...host import Invocation, SimHost


def transfer(invocation: Invocation, options: Options, url: Url) -> tuple[Response, str]:
    """The response and the address connected to; raises :class:`~._errors.TransferError`."""
    client, world = invocation.host, invocation.world
    address = resolve(world, client, url.host)
    if address is None:
        raise TransferError(6, f'Could not resolve host: {url.host}')
    peer = Network(world).connect(client, address, url.port, ())
    if peer is None:
        raise TransferError(
            7,
            f"Failed to connect to {url.host} port {url.port} after 0 ms: Couldn't connect to "
            'server',
        )
    if isinstance(peer, Closed):
        if url.scheme == 'https':
            raise TransferError(
                35,
                f'OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to {url.host}:{url.port} ',
                remote=address,
            )
        raise TransferError(52, 'Empty reply from server', remote=address)
    if url.scheme == 'https':
        verify(client, options, url, peer, address)
    admin = _is_admin(client, options, peer)
    return api_response(peer, url.scheme, url.path, url.query, admin), address


def _is_admin(client: SimHost, options: Options, api: ApiServer) -> bool:
    """Whether ``--cert``/``--key`` are the admin client certificate and key of ``k8s config``.

    The certificate is the one k8sd puts in the admin kubeconfig (``KubeconfigString`` with
    ``AdminClientCert``/``AdminClientKey``); :mod:`.k8s` derives it from the cluster's state,
    and it is read from there, not derived again here.
    """
    if options.cert is None and options.key is None:
        return False
    if options.cert is None or options.key is None:
        not_emulated('--cert without --key, or --key without --cert')
    files: list[str] = []
    for path in (options.cert, options.key):
        entry = client.files.get(path) if path.startswith('/') else None
        if entry is None:
            not_emulated(f'--cert/--key {path!r} that is not an absolute path to a file')
        files.append(entry.content)
    crt, key = (base64.b64decode(part).decode() for part in k8s.admin_client(api.cluster))
    return pem_blocks(files[0]) == pem_blocks(crt) and files[1].strip() == key.strip()

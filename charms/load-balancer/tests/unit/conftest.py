"""load-balancer unit tests: ``src`` on the path (lib/ is there by the repo's pytest config).

Also :class:`LbHost`, the RecordingHost every test binds: it answers ``haproxy -c -f`` and
``keepalived -t -f`` the way the real programs do (valid, or a test's error output), so the
charm's validate-then-install path runs for real.
"""

from __future__ import annotations

import ipaddress
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import metal_host
import pytest

SRC = Path(__file__).resolve().parents[2] / 'src'
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))
for name in ('charm', 'workload'):
    module = sys.modules.get(name)
    if module is not None and not str(getattr(module, '__file__', '')).startswith(str(SRC)):
        del sys.modules[name]

HAPROXY_ALERT = (
    '[NOTICE]   (4038) : haproxy version is 2.6.12-1+deb12u3\n'
    "[ALERT]    (4038) : config : Proxy 'fe-1': unable to find required default_backend: 'b'.\n"
    '[ALERT]    (4038) : config : Fatal errors found in configuration.\n'
)
"""What haproxy 2.6 prints on stderr for a rejected file (exit status 1)."""

KEEPALIVED_ERROR = "(/etc/keepalived/keepalived.conf.candidate: Line 18) Unknown keyword 'x'\n"
"""What keepalived 2.2 prints on stderr for a rejected file with -t (exit status 5)."""


def ip_addr_show(interfaces: dict[str, list[str]]) -> str:
    """``ip -j addr show`` as iproute2 6.1 prints it (the keys the charm reads, and more).

    Args:
        interfaces: interface name -> its addresses with prefix (``10.0.0.1/24``); ``lo`` is
            always listed first.
    """
    links: list[dict[str, object]] = [
        {
            'ifindex': 1,
            'ifname': 'lo',
            'flags': ['LOOPBACK', 'UP', 'LOWER_UP'],
            'operstate': 'UNKNOWN',
            'addr_info': [
                {'family': 'inet', 'local': '127.0.0.1', 'prefixlen': 8, 'scope': 'host'},
                {'family': 'inet6', 'local': '::1', 'prefixlen': 128, 'scope': 'host'},
            ],
        }
    ]
    for index, (name, addresses) in enumerate(interfaces.items(), 2):
        infos: list[dict[str, object]] = []
        for text in addresses:
            iface = ipaddress.ip_interface(text)
            family = 'inet' if iface.version == 4 else 'inet6'
            infos.append(
                {
                    'family': family,
                    'local': str(iface.ip),
                    'prefixlen': iface.network.prefixlen,
                    'scope': 'global',
                    **({'label': name} if family == 'inet' else {}),
                }
            )
        links.append(
            {
                'ifindex': index,
                'ifname': name,
                'flags': ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
                'operstate': 'UP',
                'addr_info': infos,
            }
        )
    return json.dumps(links, separators=(',', ':')) + '\n'


class LbHost(metal_host.RecordingHost):
    """A machine with haproxy and keepalived as far as the charm can tell.

    Args:
        address: the machine's address.
        haproxy_error: stderr for ``haproxy -c`` (exit 1), None for a valid file.
        keepalived_error: stderr for ``keepalived -t`` (exit 5), None for a valid file.
        interfaces: what ``ip -j addr show`` lists (name -> addresses with prefix); by default
            ``eno1`` (a MAAS machine's name, not eth0) with ``address``/24.
    """

    def __init__(
        self,
        *,
        address: str = '10.0.0.1',
        hostname: str = 'lb-0',
        haproxy_error: str | None = None,
        keepalived_error: str | None = None,
        interfaces: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(hostname=hostname, addresses=[address])
        self.haproxy_error = haproxy_error
        self.keepalived_error = keepalived_error
        prefix = 64 if ':' in address else 24
        self.interfaces = interfaces or {'eno1': [f'{address}/{prefix}']}
        self.checked: list[str] = []
        """The content of every candidate file checked, in order."""

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> metal_host.Completed:
        args = tuple(argv)
        if args[:2] == ('haproxy', '-c'):
            self.checked.append(self.files[args[-1]].content)
            if self.haproxy_error is None:
                self.expect(args, stdout='Configuration file is valid\n')
            else:
                self.expect(args, returncode=1, stderr=self.haproxy_error)
        elif args == ('ip', '-j', 'addr', 'show'):
            self.expect(args, stdout=ip_addr_show(self.interfaces))
        elif args[:2] == ('keepalived', '-t'):
            self.checked.append(self.files[args[-1]].content)
            if self.keepalived_error is None:
                self.expect(args)
            else:
                self.expect(args, returncode=5, stderr=self.keepalived_error)
        return super().run(argv, input=input, timeout=timeout, check=check)

    @property
    def service_calls(self) -> list[tuple[object, ...]]:
        """Every ``service`` call as (action, name)."""
        return [call.args for call in self.calls_to('service')]

    def writes(self, path: str) -> int:
        """How many times ``path`` was written."""
        return sum(1 for call in self.calls_to('write_text') if call.args[0] == path)


@pytest.fixture
def host() -> LbHost:
    """A fresh machine at 10.0.0.1."""
    return LbHost()

"""``keepalived``: the VRRP daemon's config test and the VIP it places (a simulation).

``keepalived`` exists on a simulated machine only while the Debian ``keepalived`` package is
installed there (``keepalived: No such file or directory``, exit status 127, elsewhere). Only
the config test is emulated: ``keepalived -t|--config-test [-f FILE|--use-file=FILE]`` (default
``/etc/keepalived/keepalived.conf``). Texts and exit statuses were copied from the real
keepalived 2.2.7 (Debian bookworm) run as root on sample files, and found verbatim in
acassen/keepalived @ v2.2.8 (noble's version); they go to standard error. The differential
tests (``tests/differential``) hold the emulation to the real binary on a corpus:

- valid: nothing printed, exit 0; a missing file: ``Config files missing 'FILE'.``, exit 0
  (sic: keepalived only warns);
- configuration errors, exit 5 (``KEEPALIVED_EXIT_CONFIG_TEST``): ``(FILE: Line N) Unknown
  keyword 'K'`` (a top-level one opens no block, so its ``{`` is ``Unexpected '{' -
  ignoring`` and its ``}`` an ``Unknown keyword '}'``; each is reported once per parse pass,
  four times, the first as ``(Line N)``), ``(FILE: Line N) number 'V' outside range [1,
  255]`` and ``invalid number 'V'`` with the VRID and priority follow-ups, ``(VI_1) the
  virtual router id must be set``,
  ``unknown state``, ``unknown authentication type``, ``Truncating auth_pass to 8 characters``,
  ``VRRP parsed invalid IP``, ``No VIP specified; at least one is sensible`` (twice, as
  keepalived prints it), ``malformed src address``, an interface the machine lacks (its names
  are the ``ip`` emulation's, :func:`.iproute.interface_names`: the interfaces the pool gave
  the machine, ``bond0.30`` or ``br-ex``, else ``eth0``: ``WARNING - interface X for
  vrrp_instance I doesn't exist``, for a VIP's ``dev`` ``WARNING - interface X for ip address
  A/P doesn't exist``, then ``Non-existent interface specified in configuration`` last), the
  loopback (``(I) cannot use a loopback interface (lo) for vrrp - ignoring`` then ``(I) Unknown
  interface!``), unicast keywords without a peer (``(I) A unicast keyword has been specified
  without any unicast peers. Defaulting to multicast. This usage is deprecated - please update
  your configuration.``), ``nopreempt`` with ``state MASTER`` (``(I) Warning - nopreempt will
  not work with initial state MASTER - clearing``), ``There are N missing '}'s or extra
  '{'s``;
- ``vrrp_script`` blocks with ``global_defs`` lacking ``enable_script_security``: ``SECURITY
  VIOLATION - scripts are being executed but script_security not enabled.``, exit 6
  (``KEEPALIVED_EXIT_CONFIG_TEST_SECURITY``, which wins over 5); with it but without
  ``script_user`` (no ``keepalived_script`` user exists on these machines) the script is removed
  with keepalived's two messages and tracking it says ``track script X not found, ignoring...``.

Parsed keywords: ``global_defs`` (``enable_script_security``, ``script_user``, other keywords
accepted unchecked), ``vrrp_script NAME`` (``script``, ``interval``, ``weight``, ``fall``,
``rise``, ``timeout``, ``user``), ``vrrp_instance NAME`` (``state``, ``interface``,
``virtual_router_id``, ``priority``, ``advert_int``, ``unicast_src_ip``, ``unicast_peer {}``,
``authentication { auth_type auth_pass }``, ``virtual_ipaddress { ADDR[/PREFIX] [dev IF] ...}``,
``track_script {}``, ``nopreempt``, ``preempt_delay``, ``garp_master_delay``). Top-level
keywords keepalived knows but the simulation does not model (``virtual_server``,
``vrrp_sync_group``, ``include`` …, acassen/keepalived ``keepalived/check/check_parser.c``,
``vrrp/vrrp_parser.c``, ``core/global_parser.c`` @ v2.2.8) raise
:class:`~orchestrator.sim.SimError`; any other word is an unknown keyword, as above.

Running the daemon itself is what ``keepalived.service`` does; the systemctl emulation does not
run ``ExecStart=``, so the VRRP election is computed here instead (:func:`vip_holders`): among
machines whose keepalived.service is active and whose configuration parses with a
``vrrp_instance``, instances with the same ``virtual_router_id`` and VIP form a group; within it,
those sharing the auth_pass of the largest sub-group (ties: the one holding the highest
priority) take part, and an instance tracking a script counts only while haproxy.service is
active (the script is taken as ``killall -0 haproxy``/``pidof haproxy``). The highest
priority holds the VIP, ties broken by the highest ``unicast_src_ip`` (VRRP's rule).
Deviation: real VRRP with mismatched passwords would split-brain (both sides MASTER); the
simulation follows the contract and excludes the minority. The result is recorded in
``World.namespace('keepalived')`` (``{'vips': {VIP: {'holder', 'interface', 'prefixlen',
'virtual_router_id'}}}``) whenever ``keepalived``, ``haproxy``, ``ip`` or ``systemctl`` runs
(systemctl tells keepalived after each run: :func:`.systemctl.after_each_run`), and ``ip -j
addr show`` on the holder lists the VIP.
"""

# pyright: strict

from __future__ import annotations

import ipaddress
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, cast

from metal_host import Completed
from metal_host._retrying import NOT_FOUND

from ..errors import SimError
from ..host import SIMULATED
from . import systemctl
from ._machine_state import active, installed, interface_names, package_version
from ._machine_state import mapping as _mapping

if TYPE_CHECKING:
    from ..host import Invocation, SimHost
    from ..world import World

__all__ = [
    'CONFIG',
    'INTERFACES',
    'Instance',
    'Parsed',
    'active',
    'election',
    'handle',
    'held_addresses',
    'installed',
    'package_version',
    'parse',
    'reconcile',
    'vip_holders',
]

CONFIG = '/etc/keepalived/keepalived.conf'
"""keepalived's default configuration file."""
INTERFACES = ('lo', 'eth0')
"""The network interfaces :func:`parse` assumes when not given the machine's; the config test
and the election always give it the machine's own (:func:`.iproute.interface_names`)."""

_KNOWN_NOT_EMULATED = frozenset(
    {
        'virtual_server', 'virtual_server_group', 'vrrp_sync_group', 'include', 'static_ipaddress',
        'static_routes', 'static_rules', 'vrrp_track_process', 'vrrp_track_file', 'track_file',
        'track_process', 'bfd_instance', 'garp_group', 'linkbeat_interfaces', 'net_namespace',
        'instance', 'use_pid_dir', 'vrrp_garp_interval',
    }
)  # fmt: skip
_EXIT_CONFIG_TEST = 5
_EXIT_CONFIG_TEST_SECURITY = 6
_SECURITY = 'SECURITY VIOLATION - scripts are being executed but script_security not enabled.'


@dataclass
class Instance:
    """One ``vrrp_instance`` as keepalived takes it after parsing."""

    name: str
    interface: str = ''
    vrid: int | None = None
    priority: int = 100
    src_ip: str = ''
    auth_pass: str = ''
    vips: list[tuple[str, int, str]] = field(default_factory=list[tuple[str, int, str]])
    track_scripts: list[str] = field(default_factory=list[str])


@dataclass
class Parsed:
    """A parsed keepalived.conf: instances, scripts, and the config test's messages."""

    instances: list[Instance] = field(default_factory=list[Instance])
    scripts: dict[str, str] = field(default_factory=dict[str, str])
    messages: list[str] = field(default_factory=list[str])
    errors: bool = False
    security_violation: bool = False


def _not_emulated(what: str) -> NoReturn:
    raise SimError(
        f'keepalived {what} is not emulated by the olm simulation ({SIMULATED}); '
        'see orchestrator/sim/programs/keepalived.py for what is'
    )


def _tokens(text: str) -> list[tuple[int, list[str]]]:
    lines: list[tuple[int, list[str]]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = re.split(r'[#!]', raw, maxsplit=1)[0]
        words = [w.strip('"') for w in re.findall(r'"[^"]*"|[{}]|[^\s{}]+', line)]
        if words:
            lines.append((number, words))
    return lines


def _number(parsed: Parsed, where: str, value: str, low: int, high: int) -> int | None:
    if not re.fullmatch(r'-?\d+', value):
        parsed.messages.append(f'{where} invalid number {value!r}')
        return None
    number = int(value)
    if not low <= number <= high:
        parsed.messages.append(f"{where} number '{value}' outside range [{low}, {high}]")
        return None
    return number


def parse(text: str, name: str, interfaces: Sequence[str] = INTERFACES) -> Parsed:
    """Parse keepalived.conf text the way the config test judges it.

    Args:
        text: the file's content.
        name: the file name as given on the command line (keepalived prints it so).
        interfaces: the machine's interface names (``ip link``); the first is ``lo``.
    """
    parsed = Parsed()
    lines = _tokens(text)
    depth = 0
    # Brace balance first: keepalived reports it once per pass.
    for _, words in lines:
        depth += words.count('{') - words.count('}')
    unbalanced = depth
    script_security = False
    script_user = False
    i = 0
    stack: list[str] = []
    instance: Instance | None = None
    script_name = ''
    script_lines: dict[str, int] = {}
    track_lines: dict[tuple[str, str], int] = {}
    top_level: list[tuple[int, str]] = []  # (line, message) of unknown top-level words
    missing_interface = False
    loopback: set[str] = set()
    unicast: set[str] = set()
    peers: dict[str, int] = {}
    nopreempt: set[str] = set()
    master: set[str] = set()
    while i < len(lines):
        number, words = lines[i]
        i += 1
        where = f'({name}: Line {number})'
        key = words[0]
        if key == '}':
            if stack:
                block = stack.pop()
                if block == 'vrrp_instance':
                    instance = None
            else:
                top_level.append((number, "Unknown keyword '}'"))
            continue
        context = stack[-1] if stack else ''
        opens = words[-1] == '{'
        args = [w for w in words[1:] if w not in '{}']
        if context == '':
            if key == 'global_defs':
                stack.append('global_defs')
            elif key == 'vrrp_script' and args:
                script_name = args[0]
                parsed.scripts[script_name] = ''
                script_lines[script_name] = number
                stack.append('vrrp_script')
            elif key == 'vrrp_instance' and args:
                instance = Instance(args[0])
                parsed.instances.append(instance)
                peers[instance.name] = 0
                stack.append('vrrp_instance')
            elif key == '{':
                top_level.append((number, "Unexpected '{' - ignoring"))
            elif key in _KNOWN_NOT_EMULATED:
                _not_emulated(f'the top-level keyword {key!r} (line {number} of {name})')
            else:
                # An unknown word opens no block: the lines inside are read at the top level.
                top_level.append((number, f'Unknown keyword {key!r}'))
                if opens:
                    top_level.append((number, "Unexpected '{' - ignoring"))
            continue
        if context == 'global_defs':
            if key == 'enable_script_security':
                script_security = True
            elif key == 'script_user':
                script_user = True
            if opens:
                stack.append('unknown')
            continue
        if context == 'vrrp_script':
            if key == 'script' and args:
                parsed.scripts[script_name] = ' '.join(args)
            elif key not in ('interval', 'weight', 'fall', 'rise', 'timeout', 'user', 'init_fail'):
                parsed.messages.append(f'{where} Unknown keyword {key!r}')
            continue
        if instance is None:
            # Inside a sub-block of an instance (or of an unknown block).
            if context == 'unknown' and opens:
                stack.append('unknown')
            continue
        if context == 'unicast_peer':
            peers[instance.name] += 1
            continue
        if context == 'authentication':
            if key == 'auth_type' and args and args[0] not in ('PASS', 'AH'):
                parsed.messages.append(
                    f'{where} ({instance.name}) unknown authentication type {args[0]!r}'
                )
            elif key == 'auth_pass' and args:
                if len(args[0]) > 8:
                    parsed.messages.append(f'{where} Truncating auth_pass to 8 characters')
                instance.auth_pass = args[0][:8]
            continue
        if context == 'virtual_ipaddress':
            address, _, prefix = key.partition('/')
            dev = args[args.index('dev') + 1] if 'dev' in args[:-1] else ''
            try:
                ip = ipaddress.ip_address(address)
                prefixlen = int(prefix) if prefix else ip.max_prefixlen
            except ValueError:
                parsed.messages.append(f'{where} VRRP parsed invalid IP {key}. skipping IP...')
                continue
            if dev and dev not in interfaces:
                parsed.messages.append(
                    f"{where} WARNING - interface {dev} for ip address {ip}/{prefixlen} doesn't "
                    'exist'
                )
                missing_interface = True
            instance.vips.append((str(ip), prefixlen, dev))
            continue
        if context == 'track_script':
            instance.track_scripts.append(key)
            track_lines[(instance.name, key)] = number
            continue
        # Directly inside vrrp_instance.
        if key in ('unicast_peer', 'authentication', 'virtual_ipaddress', 'track_script'):
            stack.append(key)
            if key == 'unicast_peer':
                unicast.add(instance.name)
        elif key == 'state':
            if args and args[0] not in ('MASTER', 'BACKUP'):
                parsed.messages.append(
                    f"{where} ({instance.name}) unknown state '{args[0]}', defaulting to BACKUP"
                )
            elif args and args[0] == 'MASTER':
                master.add(instance.name)
        elif key == 'interface' and args:
            instance.interface = args[0]
            if args[0] == interfaces[0]:
                parsed.messages.append(
                    f'{where} ({instance.name}) cannot use a loopback interface ({args[0]}) for '
                    'vrrp - ignoring'
                )
                loopback.add(instance.name)
            elif args[0] not in interfaces:
                parsed.messages.append(
                    f'{where} WARNING - interface {args[0]} for vrrp_instance {instance.name} '
                    "doesn't exist"
                )
                missing_interface = True
        elif key == 'virtual_router_id' and args:
            vrid = _number(parsed, where, args[0], 1, 255)
            if vrid is None:
                parsed.messages.append(
                    f"{where} ({instance.name}): VRID '{args[0]}' not valid - must be between "
                    '1 & 255'
                )
            instance.vrid = vrid
        elif key == 'priority' and args:
            priority = _number(parsed, where, args[0], 1, 255)
            if priority is None:
                parsed.messages.append(
                    f'{where} ({instance.name}) Priority not valid! must be between 1 & 255. '
                    'Using default 100'
                )
            else:
                instance.priority = priority
        elif key == 'unicast_src_ip' and args:
            unicast.add(instance.name)
            try:
                instance.src_ip = str(ipaddress.ip_address(args[0]))
            except ValueError:
                parsed.messages.append(
                    f'{where} Configuration error: VRRP instance[{instance.name}] malformed src '
                    f'address[{args[0]}]. Skipping...'
                )
        elif key == 'nopreempt':
            nopreempt.add(instance.name)
        elif key in ('advert_int', 'preempt_delay', 'garp_master_delay'):
            pass
        else:
            parsed.messages.append(f'{where} Unknown keyword {key!r}')
            if opens:
                stack.append('unknown')
    # keepalived reads the file in several passes (the parent's, then the VRRP and checker
    # processes'); unknown top-level words are reported in each, the first without the file.
    first_pass = [f'(Line {line}) {message}' for line, message in top_level]
    later_pass = [f'({name}: Line {line}) {message}' for line, message in top_level]
    parsed.messages[:0] = [*first_pass, *later_pass]
    parsed.messages.extend(later_pass * 2)
    if unbalanced > 0:
        parsed.messages[:0] = [f"There are {unbalanced} missing '}}'s or extra '{{'s"] * 3
    if parsed.scripts and script_security and not script_user:
        for script, line in script_lines.items():
            parsed.messages.append(
                f'({name}: Line {line}) Unable to set default user keepalived_script for script'
            )
            parsed.messages.append(
                f'({name}: Line {line}) Unable to set default user for vrrp script {script} '
                '- removing'
            )
        parsed.scripts.clear()
    for inst in parsed.instances:
        for script in list(inst.track_scripts):
            if script not in parsed.scripts:
                line = track_lines[(inst.name, script)]
                parsed.messages.append(
                    f'({name}: Line {line}) ({inst.name}) track script {script} not found, '
                    'ignoring...'
                )
                inst.track_scripts.remove(script)
    # vrrp.c vrrp_complete_init: chk_min_cfg drops an instance without a VRID or an interface,
    # then vrrp_complete_instance checks unicast peers, nopreempt and the VIPs, in that order.
    for inst in parsed.instances:
        if inst.vrid is None:
            parsed.messages.append(f'({inst.name}) the virtual router id must be set')
            continue
        if inst.name in loopback:
            parsed.messages.append(f'({inst.name}) Unknown interface!')
            inst.vrid = None  # dropped: it never runs
            continue
        if inst.name in unicast and not peers[inst.name]:
            parsed.messages.append(
                f'({inst.name}) A unicast keyword has been specified without any unicast peers. '
                'Defaulting to multicast. This usage is deprecated - please update your '
                'configuration.'
            )
        if inst.name in nopreempt and inst.name in master:
            parsed.messages.append(
                f'({inst.name}) Warning - nopreempt will not work with initial state MASTER - '
                'clearing'
            )
        if not inst.vips:
            parsed.messages.extend(
                [f'({inst.name}) No VIP specified; at least one is sensible'] * 2
            )
    if unbalanced > 0:
        parsed.messages.append(f"There are {unbalanced} missing '}}'s or extra '{{'s")
    if missing_interface:
        parsed.messages.append('Non-existent interface specified in configuration')
    parsed.errors = bool(parsed.messages)
    parsed.security_violation = bool(parsed.scripts) and not script_security
    if parsed.security_violation:
        parsed.messages.append(_SECURITY)
    return parsed


# -- the election ---------------------------------------------------------------------------------


def _candidates(world: World) -> list[tuple[Instance, str, str]]:
    found: list[tuple[Instance, str, str]] = []
    for machine_id, host in sorted(world.machines.items()):
        if not installed(host, 'keepalived') or not active(host, 'keepalived.service'):
            continue
        entry = host.files.get(CONFIG)
        if entry is None:
            continue
        names = interface_names(host)
        parsed = parse(entry.content, CONFIG, names)
        addresses = host.addresses()
        for instance in parsed.instances:
            if instance.vrid is None:
                continue
            if instance.interface not in names[1:]:
                continue  # the instance stays in FAULT: it never holds the VIP
            if instance.track_scripts and not (
                installed(host, 'haproxy') and active(host, 'haproxy.service')
            ):
                continue
            src = instance.src_ip or (addresses[0] if addresses else '0.0.0.0')  # noqa: S104
            found.append((instance, machine_id, src))
    return found


def election(world: World) -> dict[str, dict[str, Any]]:
    """VIP → ``{'holder', 'interface', 'prefixlen', 'virtual_router_id'}`` (see the docstring)."""
    groups: dict[tuple[int, str], list[tuple[Instance, str, str]]] = {}
    for instance, machine_id, src in _candidates(world):
        for vip, _, _ in instance.vips:
            groups.setdefault((cast('int', instance.vrid), vip), []).append(
                (instance, machine_id, src)
            )
    result: dict[str, dict[str, Any]] = {}
    for (vrid, vip), members in sorted(groups.items()):
        by_pass: dict[str, list[tuple[Instance, str, str]]] = {}
        for member in members:
            by_pass.setdefault(member[0].auth_pass, []).append(member)
        chosen = max(by_pass.values(), key=lambda ms: (len(ms), max(m[0].priority for m in ms)))
        instance, machine_id, _ = max(
            chosen, key=lambda m: (m[0].priority, ipaddress.ip_address(m[2]).packed)
        )
        _, prefixlen, dev = next(v for v in instance.vips if v[0] == vip)
        result[vip] = {
            'holder': machine_id,
            'interface': dev or instance.interface,
            'prefixlen': prefixlen,
            'virtual_router_id': vrid,
        }
    return result


def vip_holders(world: World) -> dict[str, str]:
    """VIP → the id of the machine holding it, computed afresh (pure: nothing is written)."""
    return {vip: record['holder'] for vip, record in election(world).items()}


def reconcile(world: World) -> None:
    """Record the election in ``World.namespace('keepalived')`` when it changed."""
    vips = election(world)
    if 'keepalived' not in world.shared and not vips:
        return
    namespace = world.namespace('keepalived')
    if namespace.get('vips') != vips:
        namespace['vips'] = vips


def held_addresses(world: World, host: SimHost, interface: str) -> list[tuple[str, int]]:
    """The VIPs (address, prefix length) the machine holds on ``interface``."""
    reconcile(world)
    vips = _mapping(world.shared.get('keepalived', {})).get('vips', {})
    return [
        (vip, int(record['prefixlen']))
        for vip, record in sorted(_mapping(vips).items())
        if record['holder'] == host.machine_id and record['interface'] == interface
    ]


# -- the command ----------------------------------------------------------------------------------


def handle(invocation: Invocation) -> Completed:
    """Run ``keepalived`` (its config test) where the keepalived package is installed."""
    host = invocation.host
    if not installed(host, 'keepalived'):
        return invocation.result('', f'{invocation.argv[0]}: No such file or directory', NOT_FOUND)
    reconcile(invocation.world)
    test = False
    path = CONFIG
    args = list(invocation.args)
    while args:
        arg = args.pop(0)
        if arg in ('-t', '--config-test'):
            test = True
        elif arg in ('-f', '--use-file') and args:
            path = args.pop(0)
        elif arg.startswith('--use-file='):
            path = arg.split('=', 1)[1]
        elif arg.startswith('-f') and len(arg) > 2:
            path = arg[2:]
        elif arg in ('-l', '--log-console', '-D', '--log-detail', '-n', '--dont-fork'):
            continue
        else:
            _not_emulated(f'option {arg!r}')
    if not test:
        _not_emulated('running the daemon (keepalived.service is emulated by systemctl)')
    full = path if path.startswith('/') else posixpath.join('/', path)
    entry = host.files.get(full)
    if entry is None:
        return invocation.result('', f"Config files missing '{path}'.\n", 0)
    parsed = parse(entry.content, path, interface_names(host))
    stderr = ''.join(f'{m}\n' for m in parsed.messages)
    if parsed.security_violation:
        return invocation.result('', stderr, _EXIT_CONFIG_TEST_SECURITY)
    return invocation.result('', stderr, _EXIT_CONFIG_TEST if parsed.errors else 0)


def _after_systemctl(invocation: Invocation) -> None:
    """keepalived.service and haproxy.service going up or down moves the VIP: re-elect."""
    reconcile(invocation.world)


# On a real machine the election is the daemon's, which keepalived.service starts (Debian's
# packaging, debian/keepalived.service: ``ExecStart=/usr/sbin/keepalived --dont-fork
# $DAEMON_ARGS``, the unit apt.py installs). The emulated systemctl runs no ExecStart=, so
# keepalived asks to hear of every systemctl run and re-elects then.
systemctl.after_each_run(_after_systemctl)

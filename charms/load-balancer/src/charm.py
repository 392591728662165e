#!/usr/bin/env python3
"""load-balancer: HAProxy in front of the units that ask for it, with a keepalived VIP.

Every event runs one idempotent reconcile (:meth:`LoadBalancerCharm._reconcile`):

1. haproxy and keepalived are installed (once);
2. this unit publishes its address in its ``lb-peers`` unit databag, so every unit knows every
   other's (keepalived's unicast peers, and the frontends without a VIP);
3. haproxy.cfg gets one TCP frontend and one backend per ``loadbalancer`` request, checked by
   ``haproxy -c`` before it replaces the running file, and haproxy reloads only when the file
   changed;
4. with a ``vip``, keepalived runs on every unit with unicast VRRP between them and a password
   the leader keeps in an application secret, so the VIP moves to another unit when one fails;
   without one, keepalived is stopped and clients are given every unit's address;
5. the leader tells each requirer where its frontend is and whether it is ready.

Statuses are only set at collect-status, from what the reconcile found. The VRRP password lives
only in the Juju secret and in the 0600 keepalived.conf: never in a databag, status or log.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import logging
import re
import secrets
from typing import Final

import metal_charm
import ops
from metal_charm import bindings
from metal_interfaces import loadbalancer

import workload

logger = logging.getLogger(__name__)

ENDPOINT: Final = 'loadbalancer'
PEERS: Final = 'lb-peers'
ADDRESS_KEY: Final = 'address'
"""The peer unit databag key holding the unit's address (JSON, as every databag value): its
``lb-peers`` bind address, which VRRP adverts go out from."""
FRONTEND_ADDRESS_KEY: Final = 'frontend-address'
"""The peer unit databag key holding where clients reach the unit's frontends without a VIP:
its ``loadbalancer`` ingress address (JSON)."""
SECRET_LABEL: Final = 'vrrp-password'  # noqa: S105 - a secret label, not a password
SECRET_ID_KEY: Final = 'vrrp-secret-id'  # noqa: S105 - a databag key, not a password
"""The peer app databag key with the VRRP secret's id (the id only, never the password), for
units that cannot find the application secret by its label."""
PASSWORD_KEY: Final = 'password'  # noqa: S105 - a secret content key
PASSWORD_LENGTH: Final = 8
"""keepalived uses at most 8 characters of ``auth_pass`` (VRRPv2 PASS authentication)."""

TOP_PRIORITY: Final = 150
PRIORITY_STEP: Final = 10

NO_REQUESTS: Final = 'no frontends requested yet'
WAITING_PASSWORD: Final = 'waiting for the leader to create the VRRP password'  # noqa: S105
INSTALLING: Final = 'installing haproxy and keepalived'

_TIME: Final = re.compile(r'^(\d+)(us|ms|s|m|h|d)?$')
_MS_PER: Final = {'us': 0.001, 'ms': 1, '': 1, 's': 1000, 'm': 60_000, 'h': 3_600_000}
_MAX_MS: Final = 2**31 - 1
"""haproxy keeps timeouts as signed 32-bit milliseconds (about 24.8 days)."""
_INTERFACE: Final = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.@-]{0,14}$')


def _timeout(option: str, value: str) -> None:
    """Reject a value haproxy would not take as a timeout, naming the option."""
    match = _TIME.match(value)
    if match is None:
        raise ValueError(
            f'invalid {option} {value!r}: expected a haproxy time such as 30s, 5m or 1h'
        )
    number, unit = int(match[1]), match[2] or ''
    ms = number * (86_400_000 if unit == 'd' else _MS_PER[unit])
    if not 0 < ms <= _MAX_MS:
        raise ValueError(f'invalid {option} {value!r}: must be above 0 and at most 24d')


@dataclasses.dataclass(frozen=True, kw_only=True)
class Config:
    """The charm's options, validated once per event (the message names the option).

    Attributes:
        vip: the virtual IP (optionally with /prefix); '' for none.
        vip_interface: the network interface keepalived puts the VIP on; '' to find it (the
            one on the VIP's subnet, see :func:`workload.find_vip_interface`).
        virtual_router_id: the VRRP group id, unique per network segment.
        client_timeout: haproxy ``timeout client``.
        server_timeout: haproxy ``timeout server``.
        tunnel_timeout: haproxy ``timeout tunnel`` (upgraded connections: exec, port-forward).
        connect_timeout: haproxy ``timeout connect``.
    """

    vip: str = ''
    vip_interface: str = ''
    virtual_router_id: int = 51
    client_timeout: str = '1h'
    server_timeout: str = '1h'
    tunnel_timeout: str = '1h'
    connect_timeout: str = '5s'

    def __post_init__(self) -> None:
        if self.vip:
            try:
                ipaddress.ip_interface(self.vip)
            except ValueError:
                raise ValueError(
                    f'invalid vip {self.vip!r}: expected an IPv4 or IPv6 address, '
                    'optionally with a /prefix'
                ) from None
        if self.vip_interface and not _INTERFACE.match(self.vip_interface):
            raise ValueError(f'invalid vip-interface {self.vip_interface!r}')
        if not 1 <= self.virtual_router_id <= 255:
            raise ValueError(
                f'invalid virtual-router-id {self.virtual_router_id}: must be 1 to 255'
            )
        for option, value in (
            ('client-timeout', self.client_timeout),
            ('server-timeout', self.server_timeout),
            ('tunnel-timeout', self.tunnel_timeout),
            ('connect-timeout', self.connect_timeout),
        ):
            _timeout(option, value)

    @property
    def timeouts(self) -> workload.Timeouts:
        """The timeouts as haproxy.cfg takes them."""
        return workload.Timeouts(
            client=self.client_timeout,
            server=self.server_timeout,
            connect=self.connect_timeout,
            tunnel=self.tunnel_timeout,
        )

    @property
    def vip_with_prefix(self) -> str:
        """The VIP as keepalived takes it: with its prefix (/32 or /128 when none given)."""
        return str(ipaddress.ip_interface(self.vip).with_prefixlen) if self.vip else ''

    @property
    def vip_address(self) -> str:
        """The VIP without its prefix: what clients connect to."""
        return str(ipaddress.ip_interface(self.vip).ip) if self.vip else ''


@dataclasses.dataclass(frozen=True)
class Service:
    """One requirer's frontend as configured: its relation and the haproxy frontend."""

    relation: ops.Relation
    frontend: workload.Frontend


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What one reconcile found, for collect-status.

    Attributes:
        problem: why the unit is Blocked or Waiting, if it is.
        services: the frontends haproxy now serves.
        vip: the VIP keepalived holds for the group ('' without one).
        serving: clients can use :attr:`services` at the published addresses: haproxy took
            its configuration and, with a VIP, keepalived took its own.
    """

    problem: ops.StatusBase | None = None
    services: tuple[Service, ...] = ()
    vip: str = ''
    serving: bool = False


class LoadBalancerCharm(ops.CharmBase):
    """HAProxy frontends for every ``loadbalancer`` requirer, highly available with a VIP."""

    _stored = ops.StoredState()

    def __init__(self, framework: ops.Framework) -> None:
        super().__init__(framework)
        self._stored.set_default(installed=False)
        self.provider = loadbalancer.Provider(self, ENDPOINT)
        self._outcome = Outcome()
        triggers = metal_charm.Triggers(
            leader=True,
            secrets=True,
            relations={PEERS: ('joined', 'changed', 'departed'), ENDPOINT: ('joined',)},
        )
        self.reconciler = metal_charm.Reconciler(
            self, self._reconcile, triggers, also=[self.provider.on.backends_changed]
        )
        framework.observe(self.on.stop, self._on_stop)

    # -- events ----------------------------------------------------------------------------

    def _reconcile(self, event: ops.EventBase) -> ops.StatusBase:
        """Bring the machine to what the config and relations ask for, whatever the event.

        A workload failure is not raised: Juju would retry the same hook, while the next
        event's reconcile retries anyway and the status says what went wrong meanwhile.
        """
        try:
            config = self.load_config(Config)
        except ValueError as e:
            raise metal_charm.BlockedError(str(e)) from None
        try:
            self._outcome = self._apply(config, event)
        except workload.WorkloadError as e:
            logger.error('%s', e)
            self._outcome = Outcome(ops.BlockedStatus(str(e)))
        self._publish(config)
        return self._status()

    def _on_stop(self, _: ops.StopEvent) -> None:
        """The unit is going: release the VIP to another unit first, then stop haproxy."""
        try:
            workload.stop_all()
        except workload.WorkloadError as e:
            # Raising would block the unit's removal; the status says it meanwhile.
            logger.error('%s', e)
        self.reconciler.show(ops.MaintenanceStatus('stopped'))

    # -- steps -----------------------------------------------------------------------------

    def _apply(self, config: Config, event: ops.EventBase) -> Outcome:
        """Install, publish this unit's address, configure haproxy and keepalived."""
        if not self._stored.installed:
            logger.info('installing haproxy and keepalived')
            workload.install()
            self._stored.installed = True
        own = self._address()
        peers = self.model.get_relation(PEERS)
        if peers is not None and own is not None:
            peers.data[self.unit][ADDRESS_KEY] = json.dumps(own)
        frontend = self._frontend_address()
        if peers is not None and frontend is not None:
            peers.data[self.unit][FRONTEND_ADDRESS_KEY] = json.dumps(frontend)
        services, conflict = self._services(config, event)
        problem: ops.StatusBase | None = conflict
        try:
            workload.apply_haproxy(
                workload.render_haproxy([s.frontend for s in services], config.timeouts)
            )
        except workload.ConfigRejectedError as e:
            logger.error('%s', e)
            return Outcome(ops.BlockedStatus(str(e)))
        if not config.vip:
            workload.disable_keepalived()
            return Outcome(problem, services, serving=True)
        keepalived = self._keepalived(config, own)
        if isinstance(keepalived, ops.StatusBase):
            return Outcome(problem or keepalived, services)
        try:
            if workload.apply_keepalived(keepalived):
                logger.info('keepalived configured: priority %d', keepalived.priority)
        except workload.ConfigRejectedError as e:
            logger.error('%s', e)
            return Outcome(ops.BlockedStatus(str(e)), services)
        return Outcome(problem, services, config.vip_address, serving=True)

    def _services(
        self, config: Config, event: ops.EventBase
    ) -> tuple[tuple[Service, ...], ops.StatusBase | None]:
        """One frontend per complete request; a port asked for twice goes to the first.

        The backends are the lib's (units with malformed data left out, a departing unit
        too); each server is named after the requirer unit that published its address.
        """
        ipv6 = workload.is_ipv6(config.vip) or any(
            workload.is_ipv6(a) for a in self._unit_addresses().values()
        )
        out: list[Service] = []
        ports: dict[int, str] = {}
        conflict: ops.StatusBase | None = None
        for request in self.provider.requests():
            app = request.app
            if app.frontend_port is None or app.backend_port is None:
                continue
            relation = request.relation
            label = f'{relation.name}:{relation.id}'
            if app.frontend_port in ports:
                conflict = ops.BlockedStatus(
                    f'frontend port {app.frontend_port} requested by both '
                    f'{ports[app.frontend_port]} and {label}; serving the first only'
                )
                continue
            ports[app.frontend_port] = label
            names = self._server_names(relation, event)
            servers = tuple(
                workload.Server(names.get(a, workload.sanitise(a)), a, app.backend_port)
                for a in request.backends
            )
            check = app.health_check or loadbalancer.HealthCheck()
            remote = workload.sanitise(relation.app.name) if relation.app else 'unknown'
            backend = workload.Backend(
                f'be-{relation.id}-{remote}',
                servers,
                workload.HealthCheck(
                    check.protocol, check.path or '/', check.interval, check.statuses or (200,)
                ),
            )
            frontend = workload.Frontend(f'fe-{relation.id}-{remote}', app.frontend_port, backend)
            out.append(Service(relation, dataclasses.replace(frontend, ipv6=ipv6)))
        return tuple(out), conflict

    def _server_names(self, relation: ops.Relation, event: ops.EventBase) -> dict[str, str]:
        """Each backend address's server name: the (first) requirer unit publishing it."""
        departing = (
            event.departing_unit
            if isinstance(event, ops.RelationDepartedEvent) and event.relation == relation
            else None
        )
        names: dict[str, str] = {}
        for unit in sorted(relation.units, key=_unit_number, reverse=True):
            if unit == departing:
                continue
            raw = relation.data[unit].get('backend-address', '')
            try:
                address = json.loads(raw) if raw else None
            except json.JSONDecodeError:
                address = None
            if isinstance(address, str):
                names[address] = workload.sanitise(unit.name)
        return names

    def _keepalived(self, config: Config, own: str | None) -> workload.Keepalived | ops.StatusBase:
        """This unit's VRRP instance, or the status saying what it still lacks."""
        if own is None:
            return ops.WaitingStatus(f'waiting for a network address on {PEERS}')
        vip_v6 = workload.is_ipv6(config.vip)
        if workload.is_ipv6(own) != vip_v6:
            return ops.BlockedStatus(
                f'vip {config.vip_address} and this unit address {own} are not the same IP '
                'version; VRRP needs both the same'
            )
        password = self._password()
        if password is None:
            return ops.WaitingStatus(WAITING_PASSWORD)
        addresses = self._unit_addresses()
        ranked = sorted(addresses, key=_unit_number)
        rank = ranked.index(self.unit.name) if self.unit.name in ranked else 0
        return workload.Keepalived(
            router_id=workload.sanitise(self.unit.name),
            interface=config.vip_interface
            or workload.find_vip_interface(own, config.vip_with_prefix),
            virtual_router_id=config.virtual_router_id,
            priority=max(TOP_PRIORITY - PRIORITY_STEP * rank, 1),
            source=own,
            peers=tuple(
                addresses[name]
                for name in ranked
                if name != self.unit.name and workload.is_ipv6(addresses[name]) == vip_v6
            ),
            vip=config.vip_with_prefix,
            # VRRPv3 (IPv6) has no authentication; keepalived would ignore it.
            password=None if vip_v6 else password,
        )

    def _password(self) -> str | None:
        """The VRRP password: the leader makes it once; every unit reads the app secret."""
        secret = self._vrrp_secret()
        try:
            password = secret.get_content(refresh=True).get(PASSWORD_KEY) if secret else None
        except ops.ModelError:
            password = None
        if password or not self.unit.is_leader():
            return password or None
        password = secrets.token_urlsafe(PASSWORD_LENGTH)[:PASSWORD_LENGTH]
        content = {PASSWORD_KEY: password}
        if secret is None:
            secret = self.app.add_secret(
                content, label=SECRET_LABEL, description='VRRP password of the load balancers'
            )
        else:
            secret.set_content(content)
        logger.info('created the VRRP password secret')
        peers = self.model.get_relation(PEERS)
        if peers is not None and secret.id is not None:
            peers.data[self.app][SECRET_ID_KEY] = json.dumps(secret.id)
        return password

    def _vrrp_secret(self) -> ops.Secret | None:
        """The VRRP application secret: by label, else by the id the leader shared.

        The leader (re)publishes the id in the peer app databag whenever it finds the secret.
        """
        peers = self.model.get_relation(PEERS)
        try:
            secret = self.model.get_secret(label=SECRET_LABEL)
        except ops.SecretNotFoundError:
            secret = None
        if secret is None and peers is not None:
            raw = peers.data[self.app].get(SECRET_ID_KEY, '')
            try:
                secret_id = json.loads(raw) if raw else None
                if isinstance(secret_id, str):
                    secret = self.model.get_secret(id=secret_id)
            except (ops.SecretNotFoundError, json.JSONDecodeError):
                secret = None
        if secret is not None and peers is not None and self.unit.is_leader():
            peers.data[self.app][SECRET_ID_KEY] = json.dumps(secret.id or secret.get_info().id)
        return secret

    def _publish(self, config: Config) -> None:
        """Tell every requirer where its frontend is and whether it forwards (leader only)."""
        if not self.unit.is_leader():
            return
        active = workload.is_active(workload.HAPROXY)
        addresses = (
            [config.vip_address]
            if config.vip
            else list(self._unit_addresses(FRONTEND_ADDRESS_KEY).values())
        )
        served = {s.relation.id: s for s in self._outcome.services}
        for request in self.provider.requests():
            port = request.app.frontend_port
            if port is None or not addresses:
                continue
            service = served.get(request.relation.id)
            ready = bool(
                self._outcome.serving
                and active
                and service is not None
                and service.frontend.backend.servers
                and len(service.frontend.backend.servers) == len(request.backends)
            )
            self.provider.publish(request.relation, addresses, port, ready)

    # -- reads -------------------------------------------------------------------------------

    def _address(self) -> str | None:
        """This unit's VRRP address: the bind address of its ``lb-peers`` binding.

        keepalived sends its unicast adverts from it (``unicast_src_ip``), so it must be an
        address of this machine, and the VIP's interface is found from it when the VIP's
        subnet does not say. Never the machine's first address: on a MAAS machine with several
        NICs that is the PXE/OAM one.
        """
        return bindings.bind_address(self.model, PEERS)

    def _frontend_address(self) -> str | None:
        """Where clients reach this unit's frontends: its ``loadbalancer`` ingress address.

        HAProxy binds every address (``bind *:PORT``), so this is only what is published to
        clients when there is no VIP; the ``loadbalancer`` binding's space is where requirers
        reach this unit. Without one, the VRRP address.
        """
        return bindings.ingress_address(self.model, ENDPOINT) or self._address()

    def _unit_addresses(self, key: str = ADDRESS_KEY) -> dict[str, str]:
        """Every live unit's address under ``key`` by unit name, this one's included.

        A unit that published no ``frontend-address`` yet counts with its ``address``.
        """
        found: dict[str, str] = {}
        peers = self.model.get_relation(PEERS)
        if peers is not None:
            for unit in peers.units:
                data = peers.data[unit]
                address = _json_text(data.get(key, '')) or _json_text(data.get(ADDRESS_KEY, ''))
                if address:
                    found[unit.name] = address
        own = self._frontend_address() if key == FRONTEND_ADDRESS_KEY else self._address()
        if own is not None:
            found[self.unit.name] = own
        return found

    def _status(self) -> ops.StatusBase:
        """The unit's status from this event's outcome."""
        outcome = self._outcome
        if outcome.problem is not None:
            return outcome.problem
        if not self._stored.installed:
            return ops.MaintenanceStatus(INSTALLING)
        if not outcome.services:
            return ops.WaitingStatus(NO_REQUESTS)
        frontends = len(outcome.services)
        servers = sum(len(s.frontend.backend.servers) for s in outcome.services)
        summary = (
            f'HAProxy: {frontends} frontend{"s" if frontends != 1 else ""}, '
            f'{servers} backend{"s" if servers != 1 else ""}; '
        )
        if outcome.vip:
            return ops.ActiveStatus(summary + f'VIP {outcome.vip} (keepalived)')
        return ops.ActiveStatus(summary + "no VIP: clients use every unit's address")


def _json_text(raw: str) -> str | None:
    """A databag value that is a JSON string, else None."""
    try:
        value = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, str) and value else None


def _unit_number(unit: ops.Unit | str) -> int:
    name = unit if isinstance(unit, str) else unit.name
    return int(name.rsplit('/', 1)[1])


if __name__ == '__main__':  # pragma: nocover
    ops.main(LoadBalancerCharm)

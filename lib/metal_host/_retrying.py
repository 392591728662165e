"""What every Host that runs programs shares: retrying transient failures, and the verbs.

:class:`~metal_host.LocalHost` runs real programs and the orchestrator's simulated machines run
emulated ones; a charm must meet the same retries and the same ``snap``/``apt-get``/
``systemctl`` command lines on both. :class:`ProgramHost` holds that once: a subclass supplies
how to run a program one time (:meth:`ProgramHost._once`), its retry policy and its sleep.
"""

# pyright: strict

from __future__ import annotations

import abc
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import get_args

import tenacity

from . import _commands
from ._errors import CommandError, CommandTimeoutError
from ._protocol import Completed, ServiceAction

__all__ = ['NOT_EXECUTABLE', 'NOT_FOUND', 'ProgramHost', 'RetryPolicy', 'is_transient']

logger = logging.getLogger('metal_host')

NOT_FOUND = 127
"""Exit status of a program that does not exist (as a shell reports it)."""
NOT_EXECUTABLE = 126
"""Exit status of a program that cannot be executed."""
SNAP_RETRYABLE = 10
"""``snap``'s exit status for the errors its client calls retryable: every snapd change conflict
(an auto-refresh running, the device not yet seeded, a remodel). canonical/snapd
``cmd/snap/main.go`` exitCodeFromError and ``client/client.go`` IsRetryable @ 2.67.1."""

_TRANSIENT = re.compile(
    '|'.join(
        (
            # snapd's change conflicts (overlord/snapstate/conflict.go @ 2.67.1): 'snap "k8s" has
            # "auto-refresh" change in progress', 'snap "k8s" has changes in progress', 'other
            # changes in progress (conflicting change ...)'. snap exits 10 for these, but a
            # wrapper or an injected fault may not say so.
            r'changes? in progress',
            # snapd: 'too early for operation, device not yet seeded or device model not
            # acknowledged' right after first boot (overlord/snapstate/devicectx.go).
            r'too early for operation',
            # snapd restarting (it re-executes after refreshing itself): the socket is away
            # (client/client.go ConnectionError: 'cannot communicate with server: ...').
            r'cannot communicate with server',
            # apt/dpkg held by another apt-get or by unattended-upgrades (Debian/apt @ 2.7.14:
            # apt-pkg/contrib/fileutl.cc GetLock 'Could not get lock %s. It is held by process
            # %d (%s)', apt-pkg/deb/debsystem.cc 'Unable to acquire the dpkg frontend lock (%s),
            # is another process using it?' and 'Unable to lock the administration directory
            # (%s), ...', apt-pkg/acquire.cc 'Unable to lock directory %s').
            r'Could not get lock',
            r'Unable to acquire the dpkg frontend lock',
            r'Unable to lock (the administration )?directory',
        )
    )
)
"""Standard-error text of failures that go away by themselves. Everything else is permanent:
'dpkg was interrupted' needs a human, 'snap not found' stays not found."""


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is worth retrying: a timeout, or a snapd/apt "busy, try later" failure."""
    if isinstance(error, CommandTimeoutError):
        return True
    if isinstance(error, CommandError):
        if error.returncode in (NOT_FOUND, NOT_EXECUTABLE):
            return False
        program = error.argv[0].rsplit('/', 1)[-1] if error.argv else ''
        if program == 'snap' and error.returncode == SNAP_RETRYABLE:
            return True
        return bool(_TRANSIENT.search(error.stderr))
    return False


@dataclass(frozen=True)
class RetryPolicy:
    """How a Host retries transient failures (see :func:`is_transient`).

    The n-th retry waits ``initial_wait * 2 ** (n - 1)`` seconds, at most ``max_wait``; the
    default gives up after 6 attempts and about 31 s of waiting, in line with how long snapd
    takes to finish an auto-refresh that raced a hook. ``RetryPolicy(attempts=1)`` never retries;
    tests use ``RetryPolicy(attempts=3, initial_wait=0)`` to retry without sleeping.

    Attributes:
        attempts: how many times a command runs at most (1 means no retry).
        initial_wait: seconds before the first retry.
        max_wait: the cap on any one wait.
    """

    attempts: int = 6
    initial_wait: float = 1.0
    max_wait: float = 30.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f'attempts must be at least 1, got {self.attempts}')
        if self.initial_wait < 0 or self.max_wait < 0:
            raise ValueError('waits must not be negative')


NO_RETRY = RetryPolicy(attempts=1)


class ProgramHost(abc.ABC):
    """The program-running half of a Host: :meth:`run` with retries, and the verbs over it."""

    @property
    @abc.abstractmethod
    def retry_policy(self) -> RetryPolicy:
        """The policy transient failures are retried under."""

    @abc.abstractmethod
    def _sleep_between(self, seconds: float) -> None:
        """Wait between two attempts."""

    @abc.abstractmethod
    def _once(
        self,
        argv: tuple[str, ...],
        input: str | None,
        timeout: float | None,
        env: Mapping[str, str] | None,
    ) -> Completed:
        """Run a program once; raise CommandError on a non-zero exit, CommandTimeoutError."""

    _log_prefix: str = ''
    """Put before retry warnings (a simulated machine names itself)."""

    def run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
    ) -> Completed:
        """Run a program and wait for it, retrying transient failures.

        See :meth:`metal_host.Host.run`. With ``check=False`` a non-zero exit is returned, but
        only once the retries are spent if it looked transient.
        """
        return self._run(argv, input=input, timeout=timeout, check=check)

    def _run(
        self,
        argv: Sequence[str],
        *,
        input: str | None = None,
        timeout: float | None = None,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        retry: bool = True,
    ) -> Completed:
        args = _commands.argv_tuple(argv)
        policy = self.retry_policy if retry else NO_RETRY

        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            wait = state.next_action.sleep if state.next_action is not None else 0.0
            logger.warning(
                '%s%s; transient, retrying in %.1fs (attempt %d of %d)',
                self._log_prefix,
                error,
                wait,
                state.attempt_number + 1,
                policy.attempts,
            )

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(policy.attempts),
            wait=tenacity.wait_exponential(multiplier=policy.initial_wait, max=policy.max_wait),
            retry=tenacity.retry_if_exception(is_transient),
            before_sleep=log_retry,
            sleep=self._sleep_between,
            reraise=True,
        )
        try:
            return retrying(self._once, args, input, timeout, env)
        except CommandError as error:
            if check:
                raise
            return Completed(error.argv, error.returncode, error.stdout, error.stderr)

    # -- snaps, packages, services ---------------------------------------------------------------

    def snap_install(
        self, name: str, *, channel: str | None = None, classic: bool = False
    ) -> None:
        """``snap install NAME [--channel=C] [--classic]``."""
        self.run(_commands.snap_install(name, channel, classic))

    def snap_refresh(self, name: str, *, channel: str | None = None) -> None:
        """``snap refresh NAME [--channel=C]``."""
        self.run(_commands.snap_refresh(name, channel))

    def snap_hold(self, name: str) -> None:
        """``snap refresh --hold NAME``."""
        self.run(_commands.snap_hold(name))

    def apt_install(self, *packages: str) -> None:
        """``apt-get install -y --no-install-recommends ...``: non-interactive, lock-waiting."""
        if packages:
            self._run(_commands.apt_install(packages), env=_commands.APT_ENV)

    def service(self, action: ServiceAction, name: str) -> None:
        """``systemctl ACTION NAME``."""
        if action not in get_args(ServiceAction):
            raise ValueError(f'unknown service action {action!r}')
        self.run(_commands.service(action, name))

    def service_active(self, name: str) -> bool:
        """``systemctl is-active --quiet NAME`` exits 0."""
        return self.run(_commands.service_active(name), check=False).ok

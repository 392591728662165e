"""The region's HTTP API: requests signed with the API key, retried as gomaasapi retries them.

The httpx transport is the seam tests use (``httpx.MockTransport``); every failure status MAAS
uses becomes one of :mod:`orchestrator.cloud.errors`, with the API key scrubbed from the text.
"""

# pyright: strict

from __future__ import annotations

import dataclasses
import json
import logging
import secrets
import time
import urllib.parse
from collections.abc import Callable, Generator, Mapping
from http import HTTPStatus
from typing import cast

import httpx
import tenacity

from ..errors import (
    MaasApiError,
    MaasAuthError,
    MaasUnreachableError,
    RequestError,
)

# Named for the package, as users and tests know it.
logger = logging.getLogger('orchestrator.cloud.maas')

API = 'api/2.0/'
BODY_LIMIT = 2000


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How :class:`MaasCloud` retries a region that is busy or out of reach.

    Retried: HTTP 503 (MAAS's answer while its database is locked or a rack is away, with a
    ``Retry-After`` that is honoured up to ``max_wait``), HTTP 409 *with* ``Retry-After``
    (MAAS's "try your request again" after a transaction conflict, any method: nothing was
    done), connections that fail or time out
    before the request is sent, and, for GETs only, connections lost during the exchange.
    Never retried: any other 4xx (a 409 without ``Retry-After`` is MAAS's final answer), and a
    POST whose answer was lost.

    The n-th retry waits ``initial_wait * 2 ** (n - 1)`` seconds, at most ``max_wait``: the
    default gives up after 5 attempts and about 15 s. ``RetryPolicy(attempts=1)`` never retries;
    tests pass ``sleep`` to record the waits instead of sleeping.

    Attributes:
        attempts: how many times a request is sent at most (1 means no retry).
        initial_wait: seconds before the first retry.
        max_wait: the cap on any one wait.
        sleep: how to wait.
    """

    attempts: int = 5
    initial_wait: float = 1.0
    max_wait: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError(f'attempts must be at least 1, got {self.attempts}')
        if self.initial_wait < 0 or self.max_wait < 0:
            raise ValueError('waits must not be negative')


class _Credentials:
    """The three parts of a MAAS API key; kept out of every repr and message."""

    __slots__ = ('_consumer', '_secret', '_token')

    def __init__(self, api_key: str) -> None:
        parts = api_key.strip().split(':')
        if len(parts) != 3 or not all(parts):
            # Say what is wrong with the shape, never what the key was.
            raise MaasAuthError(
                'MAAS API key must be three non-empty parts, consumer_key:token_key:'
                f'token_secret (as `maas apikey --username <user>` prints it); got '
                f'{len(parts)} part{"" if len(parts) == 1 else "s"}'
                f'{"" if all(parts) else ", some empty"}'
            )
        self._consumer, self._token, self._secret = parts

    def __repr__(self) -> str:
        return '<MAAS API key>'

    def header(self) -> str:
        """The ``Authorization`` header value, fresh nonce and timestamp, as gomaasapi signs.

        PLAINTEXT's signature is ``<consumer secret>&<token secret>``; MAAS keys have an empty
        consumer secret, hence ``&<secret>``. Every value is URL-quoted (``%26<secret>``).
        """
        fields = (
            ('realm', ''),
            ('oauth_consumer_key', self._consumer),
            ('oauth_token', self._token),
            ('oauth_signature_method', 'PLAINTEXT'),
            ('oauth_signature', f'&{self._secret}'),
            ('oauth_timestamp', str(int(time.time()))),
            ('oauth_nonce', secrets.token_hex(16)),
            ('oauth_version', '1.0'),
        )
        return 'OAuth ' + ', '.join(
            f'{key}="{urllib.parse.quote(value, safe="")}"' for key, value in fields
        )

    def scrub(self, text: str) -> str:
        """``text`` with every part of the key blanked (MAAS names the token on a 401)."""
        for part in (self._secret, self._token, self._consumer):
            text = text.replace(part, '***')
        return text


class _OAuth(httpx.Auth):
    """Signs each request, each retry included, with its own nonce."""

    def __init__(self, credentials: _Credentials) -> None:
        self._credentials = credentials

    def __repr__(self) -> str:
        return '<MAAS OAuth>'

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers['Authorization'] = self._credentials.header()
        yield request


class _UnavailableError(Exception):
    """A 503, or a 409 that asks to be retried, raised inside the retry loop for tenacity."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(f'HTTP {response.status_code}')
        self.status = response.status_code
        self.text = response.text
        self.retry_after = _retry_after(response) or 0.0


def _retry_after(response: httpx.Response) -> float | None:
    """The ``Retry-After`` seconds, None without one (or with one that is not a number).

    gomaasapi reads it with ``strconv.Atoi`` and retries only when that succeeds (juju/gomaasapi
    ``client.go`` ``dispatchRequest`` @ 39eac57); MAAS sends whole seconds.
    """
    value = response.headers.get('Retry-After', '').strip()
    return float(value) if value.isdigit() else None


def _is_retryable(response: httpx.Response) -> bool:
    """A 503 (always retried by olm), or a 409 that carries ``Retry-After``.

    MAAS 3.6 answers a request whose transaction kept failing to serialise (contention on the
    database) with ``HttpResponseConflict``: 409, ``Retry-After: 5`` and the HTML page
    ``409.html`` ("Conflict error. Try your request again, as it will most likely succeed.");
    its transaction was rolled back, so nothing was done and resending is safe, POSTs included
    (canonical/maas tag 3.6.5 ``src/maasserver/utils/views.py``: ``RETRY_AFTER_CONFLICT = 5``
    line 41, ``HttpResponseConflict`` lines 148-157, used at lines 259, 265 and 365; the
    comment there points at LP #2034014). Juju's client retries exactly these: a 503 or 409
    whose ``Retry-After`` is a number, sleeping that long (juju/gomaasapi ``client.go``
    ``dispatchRequest`` @ 39eac57, lines 80-101, from PR #101
    "lp-2034014-add-retry-policy-for-409-responses"). A 409 without the header is MAAS's own
    answer (``NodesNotAvailable``, an illegal transition): final.
    """
    status = response.status_code
    if status == HTTPStatus.SERVICE_UNAVAILABLE:
        return True
    return status == HTTPStatus.CONFLICT and _retry_after(response) is not None


# Failures before the request left: safe to resend for any method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures during the exchange: MAAS may have acted; only a GET is safe to resend.
_LOST = (httpx.ReadTimeout, httpx.WriteTimeout, httpx.NetworkError, httpx.RemoteProtocolError)


class RegionClient:
    """One region's API over httpx: signing, retries, and MAAS's failure statuses as errors.

    Raises:
        MaasAuthError: for an API key that is not of that form.
        MaasApiError: for a URL that is not ``http(s)://host[:port]/path``.
    """

    def __init__(
        self,
        url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None,
        retry: RetryPolicy | None,
        timeout: float,
    ) -> None:
        self.url = root_url(url)
        self.retry = retry or RetryPolicy()
        self._credentials = _Credentials(api_key)
        self._client = httpx.Client(
            base_url=f'{self.url}/{API}',
            auth=_OAuth(self._credentials),
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            headers={'Accept': 'application/json'},
        )

    def close(self) -> None:
        """Close the connections to the region."""
        self._client.close()

    def call(
        self,
        method: str,
        path: str,
        *,
        op: str = '',
        data: Mapping[str, list[str]] | None = None,
        missing: str = '',
    ) -> httpx.Response | None:
        """A request on one machine: None for a 404 when ``missing`` names the ref asked for."""
        params = {'op': op} if op else None
        response = self.request(method, path, params=params, data=data, allow_404=bool(missing))
        if response.status_code == HTTPStatus.NOT_FOUND:
            return None
        return response

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | list[str]] | None = None,
        data: Mapping[str, list[str]] | None = None,
        allow_404: bool = False,
    ) -> httpx.Response:
        """Send with retries; map every status MAAS uses for failures onto the error tree.

        Returned: 2xx, 409 (the caller knows what it means), and 404 if ``allow_404``.
        """
        idempotent = method == 'GET'
        policy = self.retry
        exponential = tenacity.wait_exponential(
            multiplier=policy.initial_wait, max=policy.max_wait
        )

        def wait(state: tenacity.RetryCallState) -> float:
            error = state.outcome.exception() if state.outcome is not None else None
            hinted = error.retry_after if isinstance(error, _UnavailableError) else 0.0
            return min(max(exponential(state), hinted), policy.max_wait)

        def retryable(error: BaseException) -> bool:
            if isinstance(error, (_UnavailableError, *_NOT_SENT)):
                return True
            return idempotent and isinstance(error, _LOST)

        def log_retry(state: tenacity.RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            delay = state.next_action.sleep if state.next_action is not None else 0.0
            logger.warning(
                'MAAS %s %s: %s; retrying in %.1fs (attempt %d of %d)',
                method,
                path,
                _describe(error),
                delay,
                state.attempt_number + 1,
                policy.attempts,
            )

        def once() -> httpx.Response:
            response = self._client.request(method, path, params=params, data=data)
            if _is_retryable(response):
                raise _UnavailableError(response)
            return response

        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(policy.attempts),
            wait=wait,
            retry=tenacity.retry_if_exception(retryable),
            before_sleep=log_retry,
            sleep=policy.sleep,
            reraise=True,
        )
        where = f'{method} {self.url}/{API}{path}'
        try:
            response = retrying(once)
        except _UnavailableError as error:
            # A 409 page is HTML: its first line says nothing, MAAS's advice is the point.
            said = (
                'Conflict error. Try your request again (MAAS rolled it back each time)'
                if error.status == HTTPStatus.CONFLICT
                else _first_line(self._credentials.scrub(error.text))
            )
            state = 'busy' if error.status == HTTPStatus.CONFLICT else 'unavailable'
            raise MaasUnreachableError(
                f'MAAS stayed {state} (HTTP {error.status}) for {where} after {policy.attempts} '
                f'attempt{"" if policy.attempts == 1 else "s"}: {said}',
                status=error.status,
                body=self._scrubbed(error.text),
            ) from None
        except httpx.TransportError as error:
            unknown = (
                ''
                if idempotent or isinstance(error, _NOT_SENT)
                else ('; the request may have reached MAAS, check the machine there')
            )
            raise MaasUnreachableError(
                f'no answer from MAAS for {where}: {_describe(error)}{unknown}'
            ) from None
        return self._check(response, where, allow_404=allow_404)

    def _check(self, response: httpx.Response, where: str, *, allow_404: bool) -> httpx.Response:
        status = response.status_code
        if response.is_success or status == HTTPStatus.CONFLICT:
            return response
        if status == HTTPStatus.NOT_FOUND and allow_404:
            return response
        text = self.text(response)
        if status == HTTPStatus.BAD_REQUEST:
            raise _request_error(response, text)
        if status in (HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN):
            hint = (
                ': check the API key (maas apikey --username <user>)'
                if status == HTTPStatus.UNAUTHORIZED
                else ''
            )
            raise MaasAuthError(
                f'MAAS refused {where} (HTTP {status}): {_first_line(text)}{hint}',
                status=status,
                body=text,
            )
        raise MaasApiError(
            f'MAAS answered HTTP {status} to {where}: {_first_line(text)}',
            status=status,
            body=text,
        )

    def text(self, response: httpx.Response) -> str:
        """The answer's text as a message may quote it: the key blanked, cut short."""
        return self._scrubbed(response.text)

    def _scrubbed(self, text: str) -> str:
        return self._credentials.scrub(text.strip())[:BODY_LIMIT]


def json_body(response: httpx.Response) -> object:
    try:
        return cast(object, response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise MaasApiError(
            f'MAAS answered {response.request.method} {response.request.url.path} with '
            f'something that is not JSON (HTTP {response.status_code}): '
            f'{_first_line(response.text)!r}; is the URL the region, e.g. http://host:5240/MAAS?',
            status=response.status_code,
            body=response.text[:BODY_LIMIT],
        ) from None


def root_url(url: str) -> str:
    """The region URL without a trailing ``/`` or ``/api/2.0``; refused if not http(s)."""
    parsed = urllib.parse.urlsplit(url.strip())
    if parsed.scheme not in ('http', 'https') or not parsed.hostname:
        raise MaasApiError(
            f'MAAS URL must look like http://<host>:5240/MAAS, got {parsed.scheme or "no"} '
            f'scheme{"" if parsed.hostname else " and no host"}'
        )
    if parsed.username or parsed.password:
        # Do not echo it: whatever is before the @ is a credential.
        raise MaasAuthError('MAAS URL must not hold credentials; pass the API key instead')
    path = parsed.path.rstrip('/').removesuffix('/api/2.0').rstrip('/')
    return urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, path, '', ''))


def segment(ref: str) -> str:
    return urllib.parse.quote(ref, safe='')


def _request_error(response: httpx.Response, text: str) -> RequestError:
    """MAAS's 400: ``{field: [messages]}`` from a form, or plain text from the API layer."""
    try:
        body = cast(object, response.json())
    except (json.JSONDecodeError, UnicodeDecodeError):
        return RequestError('request', _first_line(text))
    if not isinstance(body, dict) or not body:
        return RequestError('request', _first_line(text))
    errors = cast('dict[str, object]', body)
    rendered: list[str] = []
    for index, (field, messages) in enumerate(errors.items()):
        items = cast('list[object]', messages) if isinstance(messages, list) else [messages]
        joined = ' '.join(str(m) for m in items)
        rendered.append(joined if index == 0 else f'{field}: {joined}')
    return RequestError(next(iter(errors)), '; '.join(rendered))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else '(empty answer)'


def _describe(error: BaseException | None) -> str:
    if error is None:
        return 'no error'
    text = str(error)
    return f'{type(error).__name__}: {text}' if text else type(error).__name__

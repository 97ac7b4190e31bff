"""HTTP plumbing for the API sources, built from libraries: a urllib3 ``Retry`` policy
(exponential backoff from the first retry, ``Retry-After`` capped, one quick retry of a
connection that cannot be made), a transport adapter that keeps a politeness delay between
the requests it sends and bounds the time each attempt takes in all (connection, headers and
body), a ``requests-cache`` session on one SQLite file, and one-line descriptions of network
failures.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Collection
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
import requests_cache
from requests.adapters import HTTPAdapter
from urllib3 import exceptions as u3
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 60  # seconds: a longer Retry-After is cut to this
QUICK_RETRY_SECONDS = 1.0  # wait before the one retry of a failed connection


class BackoffRetry(Retry):
    """urllib3 ``Retry`` that waits ``backoff_factor * 2**(n-1)`` before retry ``n`` (urllib3
    retries the first time at once), at most ``QUICK_RETRY_SECONDS`` after a failed
    connection, and falls back to that backoff when ``Retry-After`` is unreadable."""

    def get_backoff_time(self) -> float:
        if not self.history:
            return 0.0
        wait = min(self.backoff_factor * 2 ** (len(self.history) - 1), self.backoff_max)
        if self._is_connection_error(self.history[-1].error):
            return min(wait, QUICK_RETRY_SECONDS)
        return wait

    def parse_retry_after(self, retry_after: str) -> float:
        try:
            return super().parse_retry_after(retry_after)
        except u3.InvalidHeader:
            return 0.0


def make_retry(
    num_retries: int,
    backoff_seconds: float,
    max_backoff_seconds: float,
    statuses: Collection[int] = RETRY_STATUSES,
) -> Retry:
    """The retry policy to mount on a session (see ``BackoffRetry``): ``num_retries`` retries
    of HTTP ``statuses``, timeouts and dropped connections, one of a failed connection."""
    return BackoffRetry(
        total=num_retries,
        connect=min(1, num_retries),
        status_forcelist=statuses,
        allowed_methods=frozenset({"GET"}),
        backoff_factor=backoff_seconds,
        backoff_max=max_backoff_seconds,
        retry_after_max=MAX_RETRY_AFTER,
        raise_on_status=False,
    )


class DeadlineExceeded(Exception):
    """An attempt (connection, headers and body) took longer than its deadline. Not an
    ``OSError``, so urllib3 does not retry it."""


class Watchdog:
    """Shuts down the socket of the connection an attempt uses once ``seconds`` have passed
    since the attempt began, so no server can keep a request alive by trickling bytes
    (socket timeouts bound each read, not the whole answer). ``fired`` tells that it did.
    Each attempt has its own generation: a timer left over from an earlier one does nothing."""

    def __init__(self, seconds: float) -> None:
        self.seconds, self.fired = seconds, False
        self._lock = threading.Lock()
        self._generation = 0
        self._timer: threading.Timer | None = None
        self._sock: Any = None

    def arm(self, conn: Any) -> None:
        """Start the clock for an attempt on ``conn`` (connected or not yet)."""
        with self._lock:
            self._stop()
            self.fired, self._sock = False, getattr(conn, "sock", None)
            self._start(self.seconds, conn, self._generation)

    def watch(self, sock: Any) -> None:
        """The attempt's socket, once connected (http.client drops its own reference when
        the response takes the connection over)."""
        with self._lock:
            self._sock = sock

    def disarm(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        self._generation += 1
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _start(self, seconds: float, conn: Any, generation: int) -> None:
        self._timer = threading.Timer(seconds, self._fire, args=(conn, generation))
        self._timer.daemon = True
        self._timer.start()

    def _fire(self, conn: Any, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            self.fired = True
            sock = self._sock or getattr(conn, "sock", None)
            if sock is None:  # still connecting (bounded by the connect timeout): again soon
                self._start(0.1, conn, generation)
                return
            with contextlib.suppress(OSError):  # does not block; under the lock, so never
                sock.shutdown(socket.SHUT_RDWR)  # the socket of a later attempt


def watched_pool(pool_cls: type, watchdog: Watchdog) -> type:
    """``pool_cls`` arming ``watchdog`` on the connection of each attempt; an attempt it cut
    ends in ``DeadlineExceeded``, which urllib3 does not retry."""

    class WatchedConnection(pool_cls.ConnectionCls):  # type: ignore[misc, name-defined]
        def connect(self) -> None:
            super().connect()
            watchdog.watch(self.sock)

    class WatchedPool(pool_cls):  # type: ignore[misc, valid-type]
        ConnectionCls = WatchedConnection

        def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
            watchdog.arm(conn)
            try:
                return super()._make_request(conn, *args, **kwargs)
            except Exception:
                if watchdog.fired:
                    raise DeadlineExceeded from None
                watchdog.disarm()
                raise

    return WatchedPool


class PoliteAdapter(HTTPAdapter):
    """Transport adapter that keeps ``delay_seconds`` between the requests it sends (pages
    served from the cache never reach it), counts them and their retries, and gives each
    attempt ``body_seconds`` in all, from connecting to the body's last byte (a read timeout
    bounds one read, not a trickle): ``ReadTimeout``, not retried, when it takes longer."""

    def __init__(self, retry: Retry, delay_seconds: float, body_seconds: float = 60.0) -> None:
        self.watchdog = Watchdog(body_seconds)  # before HTTPAdapter makes the pool manager
        super().__init__(max_retries=retry)
        self.delay_seconds, self.body_seconds = delay_seconds, body_seconds
        self.requests_made = 0
        self.retries_made = 0
        self._last: float | None = None

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            scheme: watched_pool(cls, self.watchdog)
            for scheme, cls in self.poolmanager.pool_classes_by_scheme.items()
        }

    def send(
        self, request: requests.PreparedRequest, stream: bool = False, **kwargs: Any
    ) -> requests.Response:
        if self._last is not None:
            wait = self.delay_seconds - (time.monotonic() - self._last)
            if wait > 0:
                time.sleep(wait)
        self.requests_made += 1
        try:
            response = super().send(request, stream=True, **kwargs)
            retries = getattr(response.raw, "retries", None)
            self.retries_made += len(retries.history) if retries is not None else 0
            if not stream:  # what requests would read next; Response.content returns it
                response._content = read_body(response)
        except (DeadlineExceeded, requests.RequestException) as err:
            if isinstance(err, DeadlineExceeded) or self.watchdog.fired:
                raise self._too_slow(request) from None
            raise
        finally:
            self.watchdog.disarm()
            self._last = time.monotonic()
        if self.watchdog.fired and not stream:  # cut short without an error (no length given)
            raise self._too_slow(request)
        return response

    def _too_slow(self, request: requests.PreparedRequest) -> requests.exceptions.ReadTimeout:
        return requests.exceptions.ReadTimeout(
            f"the answer took over {self.body_seconds:g} s to arrive", request=request
        )


def read_body(response: requests.Response) -> bytes:
    """The decoded body of a streamed ``response``. urllib3 errors become the ``requests``
    ones ``Response.content`` raises."""
    try:
        return response.raw.read(decode_content=True)
    except u3.ProtocolError as err:
        raise requests.exceptions.ChunkedEncodingError(err) from err
    except u3.DecodeError as err:
        raise requests.exceptions.ContentDecodingError(err) from err
    except u3.ReadTimeoutError as err:
        raise requests.exceptions.ConnectionError(err) from err


def make_session(
    adapter: HTTPAdapter,
    cache_file: Path | None = None,
    expire_after: timedelta = timedelta(days=30),
    filter_fn: Callable[[requests.Response], bool] | None = None,
) -> requests.Session:
    """A requests session sending through ``adapter``; with ``cache_file``, a
    ``requests_cache.CachedSession`` on that SQLite file keeping the 200 answers that pass
    ``filter_fn`` for ``expire_after``, and serving an expired one when the network fails."""
    if cache_file is None:
        session = requests.Session()
    else:
        Path(cache_file).parent.mkdir(parents=True, exist_ok=True)
        logger = logging.getLogger("requests_cache")
        if not logger.handlers:  # its warnings (with tracebacks) go to the app's logging only
            logger.addHandler(logging.NullHandler())
        session = requests_cache.CachedSession(
            str(cache_file),
            backend="sqlite",
            expire_after=expire_after,
            allowable_codes=(200,),
            allowable_methods=("GET",),
            stale_if_error=True,
            filter_fn=filter_fn or (lambda response: True),
        )
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def unreachable_reason(err: requests.exceptions.ConnectionError) -> str | None:
    """Why no connection to the server could be made (DNS, refused, ...), or None when the
    connection was made and failed later."""
    reason = getattr(err.args[0] if err.args else None, "reason", None)
    if isinstance(reason, u3.NameResolutionError):
        return "DNS lookup failed"
    if isinstance(reason, u3.NewConnectionError):
        return str(getattr(reason.__cause__, "strerror", None) or "no connection").lower()
    if isinstance(reason, u3.ConnectTimeoutError):
        return "connection timed out"
    return None


def describe_error(err: Exception) -> str:
    """One line for a failed page request: the urllib3 cause rather than the whole chain."""
    reason = getattr(err.args[0] if err.args else None, "reason", None)
    text = f"{type(err).__name__}: {reason if reason is not None else err}"
    return " ".join(text.split())

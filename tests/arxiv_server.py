"""A loopback fake of the arXiv query API for tests (no network).

Usage::

    entries = [make_entry("2401.00001v2", "A title", "An abstract.")]
    with FakeArxivServer(entries) as server:
        client = make_client(tmp_path, base_url=server.url, delay_seconds=0)
        ...
        assert server.queries() == ["all:video"]

or, in a test module, ``from arxiv_server import arxiv_server_fixture  # noqa: F401`` and take
the ``arxiv_server`` fixture (a started server with no entries; set ``.entries`` in the test).

The server answers ``GET <path>?search_query=...&start=...&max_results=...`` with Atom XML
in the 2025 API format, honouring ``start``, ``max_results`` and ``opensearch:totalResults``.
Every request's path + query string is recorded in ``server.requests``. Failure injection
(each applies to the next requests, in this order of precedence):

- ``fail_next(n, status=503, retry_after=0)``: HTTP error with an optional Retry-After;
- ``malformed_next(n)``: a 200 response with truncated, non-well-formed XML;
- ``empty_next(n, start=s)``: an empty feed (no entries) for pages with ``start >= s``;
- ``slow_next(n, seconds)``: sleep before answering.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

import pytest

ATOM_HEAD = (
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"'
    ' xmlns:arxiv="http://arxiv.org/schemas/atom">\n'
)


@contextmanager
def serve(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A loopback HTTP server answering with ``handler`` in a thread; yields its API URL
    (``http://127.0.0.1:PORT/api/query``), shut down on exit."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/api/query"
    finally:
        httpd.shutdown()
        httpd.server_close()


def make_entry(
    arxiv_id: str,
    title: str,
    summary: str,
    authors: list[str] | None = None,
    categories: list[str] | None = None,
    published: str = "2024-01-15T12:00:00Z",
) -> dict[str, Any]:
    """An entry dict as ``FakeArxivServer`` expects it (id with version, e.g. ``2401.00001v2``)."""
    return {
        "id": arxiv_id,
        "title": title,
        "summary": summary,
        "authors": authors or ["Ada Lovelace"],
        "categories": categories or ["cs.IR"],
        "published": published,
    }


def entry_xml(entry: dict[str, Any]) -> str:
    """One ``<entry>`` element in the arXiv API format."""
    abs_url = f"http://arxiv.org/abs/{entry['id']}"
    cats = entry.get("categories") or ["cs.IR"]
    authors = "".join(
        f"    <author>\n      <name>{escape(a)}</name>\n    </author>\n"
        for a in entry.get("authors", [])
    )
    categories = "".join(
        f'    <category term={quoteattr(c)} scheme="http://arxiv.org/schemas/atom"/>\n'
        for c in cats
    )
    published = entry.get("published", "2024-01-15T12:00:00Z")
    return (
        "  <entry>\n"
        f"    <id>{abs_url}</id>\n"
        f"    <title>{escape(entry['title'])}</title>\n"
        f"    <updated>{entry.get('updated', published)}</updated>\n"
        f'    <link href={quoteattr(abs_url)} rel="alternate" type="text/html"/>\n'
        f'    <link href={quoteattr(abs_url.replace("/abs/", "/pdf/"))} rel="related"'
        ' type="application/pdf" title="pdf"/>\n'
        f"    <summary>{escape(entry['summary'])}</summary>\n"
        f"{categories}"
        f"    <published>{published}</published>\n"
        f"    <arxiv:primary_category term={quoteattr(cats[0])}/>\n"
        f"{authors}"
        "  </entry>\n"
    )


def feed_xml(entries: list[dict[str, Any]], total: int, start: int, query: str) -> str:
    """A whole Atom feed page holding ``entries`` of a result set of ``total``."""
    return (
        ATOM_HEAD
        + f"  <id>https://arxiv.org/api/fake{zlib.crc32(query.encode())}</id>\n"
        + f"  <title>arXiv Query: search_query={escape(query)}</title>\n"
        + "  <updated>2025-12-16T00:00:00Z</updated>\n"
        + f"  <opensearch:itemsPerPage>{len(entries)}</opensearch:itemsPerPage>\n"
        + f"  <opensearch:totalResults>{total}</opensearch:totalResults>\n"
        + f"  <opensearch:startIndex>{start}</opensearch:startIndex>\n"
        + "".join(entry_xml(e) for e in entries)
        + "</feed>\n"
    )


@dataclass
class _Faults:
    fail: int = 0
    status: int = 503
    retry_after: int | None = 0
    malformed: int = 0
    empty: int = 0
    empty_from_start: int = 1
    slow: int = 0
    slow_seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeArxivServer:
    """Threaded loopback HTTP server imitating ``export.arxiv.org/api/query``.

    ``entries``: the result list for every query, or ``entries_by_query`` (exact
    ``search_query`` → list) for per-query results. ``url`` is the base API URL to give
    ``make_client(base_url=...)``; ``requests`` lists every request path received.
    """

    def __init__(
        self,
        entries: list[dict[str, Any]] | None = None,
        entries_by_query: dict[str, list[dict[str, Any]]] | None = None,
    ) -> None:
        self.entries = list(entries or [])
        self.entries_by_query = dict(entries_by_query or {})
        self.requests: list[str] = []
        self.faults = _Faults()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --------------------------------------------------------------- failure injection
    def fail_next(self, n: int, status: int = 503, retry_after: int | None = 0) -> None:
        self.faults.fail, self.faults.status, self.faults.retry_after = n, status, retry_after

    def malformed_next(self, n: int) -> None:
        self.faults.malformed = n

    def empty_next(self, n: int, start: int = 1) -> None:
        self.faults.empty, self.faults.empty_from_start = n, start

    def slow_next(self, n: int, seconds: float) -> None:
        self.faults.slow, self.faults.slow_seconds = n, seconds

    # --------------------------------------------------------------- inspection
    @property
    def url(self) -> str:
        assert self._httpd is not None, "server not started"
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/api/query"

    def params(self) -> list[dict[str, str]]:
        """Query parameters of every request, in order."""
        return [{k: v[0] for k, v in parse_qs(urlsplit(r).query).items()} for r in self.requests]

    def queries(self) -> list[str]:
        """The ``search_query`` of every request, in order."""
        return [p.get("search_query", "") for p in self.params()]

    # --------------------------------------------------------------- lifecycle
    def start(self) -> FakeArxivServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --------------------------------------------------------------- responses
    def respond(self, path: str) -> tuple[int, dict[str, str], bytes, float]:
        """(status, headers, body, delay) for one request path; applies pending faults."""
        params = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
        query = params.get("search_query", "")
        start = int(params.get("start", "0") or 0)
        size = int(params.get("max_results", "10") or 10)
        f = self.faults
        with f.lock:
            self.requests.append(path)
            delay = f.slow_seconds if f.slow > 0 else 0.0
            f.slow = max(0, f.slow - 1)
            if f.fail > 0:
                f.fail -= 1
                headers = {} if f.retry_after is None else {"Retry-After": str(f.retry_after)}
                return f.status, headers, b"<html>Service unavailable</html>", delay
            if f.malformed > 0:
                f.malformed -= 1
                body = feed_xml(self._results(query)[start : start + size], 1, start, query)
                return 200, {}, body[: len(body) // 2].encode(), delay
            empty = f.empty > 0 and start >= f.empty_from_start
            if empty:
                f.empty -= 1
        results = self._results(query)
        page = [] if empty else results[start : start + size]
        return 200, {}, feed_xml(page, len(results), start, query).encode(), delay

    def _results(self, query: str) -> list[dict[str, Any]]:
        return self.entries_by_query.get(query, self.entries)


def _make_handler(server: FakeArxivServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, headers, body, delay = server.respond(self.path)
            if delay:
                time.sleep(delay)
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@pytest.fixture(name="arxiv_server")
def arxiv_server_fixture() -> Iterator[FakeArxivServer]:
    """A started ``FakeArxivServer`` with no entries; stopped after the test."""
    with FakeArxivServer() as server:
        yield server

"""Search live arXiv through the ``arxiv`` client, with an on-disk page cache.

``make_client`` builds a ``CachingClient``: the real ``arxiv.Client`` (its paging and
politeness delay) pointed at a configurable API URL, which stores the raw bytes of every
successful page under ``cache_dir``. A cached page is parsed from disk with no request and
no delay, so a rerun is offline and returns identical results.

Retries (``CachingClient.fetch_page``): transient failures (HTTP 408/425/429/5xx, connection
errors and resets, timeouts, a body that is not a well-formed Atom feed, an unexpectedly
empty page) are retried up to ``num_retries`` times, waiting ``backoff_seconds * 2**(n-1)``
before retry ``n`` (capped at ``max_backoff_seconds``) or the server's ``Retry-After`` when
that is longer (capped at 60 s). Other HTTP errors (400, 404, ...) are not retried. When the
last try fails the error propagates and ``search_arxiv`` raises ``SearchError`` naming the
query: a query is either fetched completely or the search fails, never silently truncated.
"""

from __future__ import annotations

import email.utils
import hashlib
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import arxiv
import pandas as pd
import requests
from arxiv import _feed
from lxml import etree

from synth.errors import InputError, SearchError
from synth.sources import PAPER_COLUMNS, dedupe_papers, make_papers
from synth.sources.local import parse_arxiv_id

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
ENV_API_URL = "SYNTH_ARXIV_API_URL"
QUERY_LOG_COLUMNS = ["query", "returned", "complete", "from_cache", "error"]
_ATOM_FEED = "{http://www.w3.org/2005/Atom}feed"
_MAX_RETRY_AFTER = 60.0
RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_TRANSIENT = (
    arxiv.UnexpectedEmptyPageError,
    requests.exceptions.ConnectionError,  # includes resets, refused, connect/read timeouts
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,  # connection dropped mid-body
    requests.exceptions.ContentDecodingError,
)


class MalformedFeedError(arxiv.ArxivError):
    """A page that is not a well-formed Atom feed (truncated, HTML error page, ...)."""


def _retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds (delta-seconds or an HTTP date), capped at 60; else None."""
    value = value.strip()
    if value.isdigit():
        return min(float(value), _MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    delta = when.timestamp() - (time.time() if now is None else now)
    return min(max(delta, 0.0), _MAX_RETRY_AFTER)


class _TimeoutSession(requests.Session):
    """A session with a default timeout; a read timeout counts as a connection error,
    so the client's retry loop handles it."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            return super().request(*args, **kwargs)
        except requests.exceptions.ReadTimeout as err:
            raise requests.exceptions.ConnectionError(f"read timed out: {err}") from err


class CachingClient(arxiv.Client):
    """``arxiv.Client`` with a configurable API URL and a disk cache of raw pages.

    Counters ``requests_made``, ``retries_made`` and ``pages_from_cache`` say how each page
    was obtained; ``slept`` lists the retry waits in seconds; ``last_total_results`` is the
    ``opensearch:totalResults`` of the last first page. ``backoff_seconds=None`` uses
    ``delay_seconds`` (3 s for the real arXiv: waits of 3, 6, 12 s).
    """

    def __init__(
        self,
        cache_dir: Path | None,
        base_url: str = DEFAULT_API_URL,
        page_size: int = 100,
        delay_seconds: float = 3.0,
        num_retries: int = 3,
        timeout_seconds: float = 30.0,
        backoff_seconds: float | None = None,
        max_backoff_seconds: float = 30.0,
    ) -> None:
        super().__init__(page_size=page_size, delay_seconds=delay_seconds, num_retries=num_retries)
        self.backoff_seconds = delay_seconds if backoff_seconds is None else backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self.query_url_format = base_url + "?{}"
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._session.close()
        self._session = _TimeoutSession(timeout_seconds)
        self._session.hooks["response"].append(self._remember_response)
        self._last_body: bytes | None = None
        self._retry_after = 0.0
        self.requests_made = 0
        self.retries_made = 0
        self.pages_from_cache = 0
        self.last_total_results = 0
        self.slept: list[float] = []

    def _remember_response(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Response hook: count requests, keep the last good body, note Retry-After.

        A 200 response that is not a well-formed Atom feed raises ``MalformedFeedError``
        here, before the arxiv parser (which recovers silently or fails obscurely) sees it.
        """
        self.requests_made += 1
        self._last_body = None
        if resp.status_code == 200:
            if not _is_atom_feed(resp.content):
                raise MalformedFeedError(resp.url, 0, "Page is not a well-formed Atom feed")
            self._last_body = resp.content
        retry_after = _retry_after_seconds(resp.headers.get("Retry-After", ""))
        if resp.status_code in RETRY_STATUSES and retry_after is not None:
            self._retry_after = retry_after

    def cache_path(self, url: str) -> Path | None:
        """Where the page for ``url`` is cached (sha256 of the full page URL)."""
        if self.cache_dir is None:
            return None
        return self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()}.xml"

    def retry_delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2, ...): exponential backoff,
        or the last ``Retry-After`` when that is longer."""
        backoff = min(self.backoff_seconds * 2 ** (retry - 1), self.max_backoff_seconds)
        return max(backoff, self._retry_after)

    def _parse_feed(
        self, url: str, first_page: bool = True, _try_index: int = 0
    ) -> _feed.ParsedFeed:
        feed = self._read_cache(url)
        if feed is None:
            feed = self.fetch_page(url, first_page)
            if self._last_body is not None:
                self._write_cache(url, self._last_body)
        else:
            self.pages_from_cache += 1
        if first_page:
            self.last_total_results = feed.header.total_results
        return feed

    def fetch_page(self, url: str, first_page: bool = True) -> _feed.ParsedFeed:
        """One page from the API, retrying transient failures (see the module docstring);
        the last failure propagates (``arxiv.ArxivError`` or ``requests`` exception)."""
        for attempt in range(self.num_retries + 1):
            if attempt:
                wait = self.retry_delay(attempt)
                self._retry_after = 0.0
                self.retries_made += 1
                self.slept.append(wait)
                time.sleep(wait)
            self._last_body = None
            try:
                # _try_index=num_retries: the base class makes exactly one try, no retries
                feed = super()._parse_feed(url, first_page=first_page, _try_index=self.num_retries)
                if first_page and not feed.results and feed.header.total_results > 0:
                    raise arxiv.UnexpectedEmptyPageError(url, attempt, feed)
                return feed
            except arxiv.HTTPError as err:
                if err.status not in RETRY_STATUSES or attempt == self.num_retries:
                    raise
            except (MalformedFeedError, *_TRANSIENT):
                if attempt == self.num_retries:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _read_cache(self, url: str) -> _feed.ParsedFeed | None:
        path = self.cache_path(url)
        if path is None or not path.is_file():
            return None
        body = path.read_bytes()
        return _feed.parse(body) if _is_atom_feed(body) else None

    def _write_cache(self, url: str, body: bytes) -> None:
        path = self.cache_path(url)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".page-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(body)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _is_atom_feed(body: bytes) -> bool:
    """True when ``body`` parses strictly as XML with an Atom ``<feed>`` root."""
    if not body:
        return False
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        return etree.fromstring(body, parser=parser).tag == _ATOM_FEED
    except etree.XMLSyntaxError:
        return False


def api_url_from_env(environ: Mapping[str, str] | None = None) -> str:
    """The arXiv API URL: ``$SYNTH_ARXIV_API_URL`` when set and non-empty, else the default."""
    env = os.environ if environ is None else environ
    return (env.get(ENV_API_URL) or "").strip() or DEFAULT_API_URL


def make_client(
    cache_dir: Path | None,
    base_url: str | None = None,
    page_size: int = 100,
    delay_seconds: float = 3.0,
    num_retries: int = 3,
    timeout_seconds: float = 30.0,
    backoff_seconds: float | None = None,
    max_backoff_seconds: float = 30.0,
) -> CachingClient:
    """A ``CachingClient`` on ``base_url`` (default: ``api_url_from_env()``).

    ``cache_dir=None`` disables the cache. Keep ``delay_seconds`` at 3 for the real arXiv
    (its terms of use); tests against a loopback server use 0. ``backoff_seconds`` is the
    wait before the first retry (doubling after each; ``None``: ``delay_seconds``).
    """
    backoff = delay_seconds if backoff_seconds is None else backoff_seconds
    if (page_size < 1 or num_retries < 0 or delay_seconds < 0 or timeout_seconds <= 0
            or backoff < 0 or max_backoff_seconds < 0):
        raise InputError(
            f"arXiv client: bad settings page_size={page_size}, "
            f"num_retries={num_retries}, delay_seconds={delay_seconds}, "
            f"timeout_seconds={timeout_seconds}, backoff_seconds={backoff_seconds}, "
            f"max_backoff_seconds={max_backoff_seconds}"
        )
    return CachingClient(
        cache_dir,
        base_url or api_url_from_env(),
        page_size,
        delay_seconds,
        num_retries,
        timeout_seconds,
        backoff_seconds,
        max_backoff_seconds,
    )


def result_to_row(result: arxiv.Result, query: str) -> dict[str, Any]:
    """One ``arxiv.Result`` as a papers row (PAPER_COLUMNS plus ``query``)."""
    short_id = result.get_short_id()
    parsed = parse_arxiv_id(short_id)
    paper_id, version = parsed if parsed else (short_id, None)
    categories = (
        [result.primary_category, *result.categories]
        if result.primary_category
        else list(result.categories)
    )
    published = result.published
    return {
        "paper_id": paper_id,
        "version": version,
        "title": " ".join(result.title.split()),
        "abstract": " ".join(result.summary.split()),
        "authors": "; ".join(" ".join(a.name.split()) for a in result.authors),
        "year": published.year if published.year > 1 else None,
        "published": published.date().isoformat() if published.year > 1 else "",
        "url": f"https://arxiv.org/abs/{paper_id}",
        "categories": " ".join(dict.fromkeys(categories)),
        "source": "arxiv",
        "source_file": query,
        "full_text": "",
        "sentences": None,
        "query": query,
    }


def _run_query(
    query: str,
    max_results: int,
    client: arxiv.Client,
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows and the query-log entry for one query; raises SearchError when it fails."""
    before = (getattr(client, "requests_made", 0), getattr(client, "pages_from_cache", 0))
    search = arxiv.Search(
        query=query, max_results=max_results, sort_by=arxiv.SortCriterion.Relevance
    )
    try:
        rows = [result_to_row(r, query) for r in client.results(search)]
    except (
        arxiv.ArxivError,
        requests.exceptions.RequestException,
        etree.LxmlError,
        ValueError,
    ) as err:
        cause = " ".join(f"{type(err).__name__}: {err}".split())
        raise SearchError(f"arXiv query {query!r} failed: {cause}") from err
    requests_made = getattr(client, "requests_made", 0) - before[0]
    cached = getattr(client, "pages_from_cache", 0) - before[1]
    total = getattr(client, "last_total_results", None)  # None: a plain arxiv.Client
    expected = len(rows) if total is None else min(max_results, total)
    log = {
        "query": query,
        "returned": len(rows),
        "complete": len(rows) >= expected,
        "from_cache": bool(cached) and requests_made == 0,
        "error": "",
    }
    return rows, log


def search_arxiv(
    queries: Sequence[str], max_results: int, client: arxiv.Client, progress: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run each query (relevance order, up to ``max_results`` each) and merge the results.

    Returns (papers, query_log). papers: PAPER_COLUMNS plus ``query`` (the first query that
    returned the paper; ``source_file`` is the same), deduplicated with ``dedupe_papers``.
    query_log: query, returned, complete, from_cache, error. Raises ``SearchError`` naming
    the query when a query still fails after the client's retries.
    """
    if (
        isinstance(queries, str)
        or not queries
        or not all(isinstance(q, str) and q.strip() for q in queries)
    ):
        raise InputError(f"arXiv queries: expected a list of non-empty strings, got {queries!r}")
    if max_results < 1:
        raise InputError(f"arXiv max_results: expected a positive integer, got {max_results}")
    iterator: Sequence[str] = queries
    if progress:
        from tqdm import tqdm

        iterator = tqdm(queries, desc="arXiv queries", unit="query")
    rows: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    for query in iterator:
        query_rows, log = _run_query(query, max_results, client)
        rows.extend(query_rows)
        logs.append(log)
    papers = make_papers(rows).assign(query=[r["query"] for r in rows])
    first_query = papers.drop_duplicates("paper_id").set_index("paper_id")["query"]
    papers, _ = dedupe_papers(papers)
    papers["query"] = papers["paper_id"].map(first_query).astype(str)
    papers["source_file"] = papers["query"]
    query_log = pd.DataFrame(logs, columns=QUERY_LOG_COLUMNS).astype(
        {"returned": "int64", "complete": bool, "from_cache": bool}
    )
    return papers[[*PAPER_COLUMNS, "query"]], query_log

"""Search live arXiv through the ``arxiv`` client, with retries and a response cache.

``make_client`` builds a ``CachingClient`` on a session from ``sources.fetch`` (urllib3
retries, a politeness delay, good pages kept in a ``requests-cache`` SQLite file), so a rerun,
or one with the network down, is served from disk. A page that arrives broken is requested
again and never cached; an API that cannot be reached fails at once with one line saying so.
A query is either fetched completely or ``search_arxiv`` raises ``SearchError`` naming it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import arxiv
import pandas as pd
import requests
from arxiv import _feed
from lxml import etree

from synth.errors import InputError, SearchError
from synth.sources import PAPER_COLUMNS, dedupe_papers, make_papers
from synth.sources.fetch import (
    PoliteAdapter,
    describe_error,
    make_retry,
    make_session,
    unreachable_reason,
)
from synth.sources.records import MAX_VERSION, parse_arxiv_id

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
ENV_API_URL = "SYNTH_ARXIV_API_URL"
QUERY_LOG_COLUMNS = ["query", "returned", "complete", "from_cache", "error"]
CACHE_FILE = "pages.sqlite"
CACHE_EXPIRY = timedelta(days=30)
CONNECT_TIMEOUT = 5.0  # seconds: arXiv answers a connection within a second
OFFLINE_HINT = "run offline with --corpus PATH (or --corpus sample)"
_ATOM = "{http://www.w3.org/2005/Atom}"
_OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"
_BROKEN_BODY = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError)


class MalformedFeedError(arxiv.ArxivError):
    """A page that is not a usable Atom feed (truncated, HTML error page, empty, ...)."""


def page_problem(body: bytes) -> str | None:
    """Why ``body`` is not a usable page of results, or None: it must parse strictly as an
    Atom ``<feed>`` and hold entries unless the result set ends before its start index."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(body, parser=parser) if body else None
    except etree.XMLSyntaxError:
        root = None
    if root is None or root.tag != f"{_ATOM}feed":
        return "page is not a well-formed Atom feed"
    numbers = [root.findtext(f"{_OPENSEARCH}{n}") or "0" for n in ("totalResults", "startIndex")]
    total, start = (int(n) if n.strip().isdigit() else 0 for n in numbers)
    if root.find(f"{_ATOM}entry") is None and total > start:
        return "page of results is unexpectedly empty"
    return None


def is_cacheable(response: requests.Response) -> bool:
    """Only a 200 answer holding a usable page of results is cached."""
    return response.status_code == 200 and page_problem(response.content) is None


class CachingClient(arxiv.Client):
    """``arxiv.Client`` paging over a session with retries and a response cache.

    ``requests_made`` counts page requests sent to the network (a retry is not a new
    request) and ``retries_made`` their retries (of requests that got an answer) and the
    re-requests of broken pages; ``pages_from_cache`` the pages served from the cache;
    ``last_total_results`` is the ``opensearch:totalResults`` of the last first page.
    """

    def __init__(
        self,
        session: requests.Session,
        adapter: PoliteAdapter,
        base_url: str = DEFAULT_API_URL,
        page_size: int = 100,
        num_retries: int = 3,
        timeout_seconds: float = 30.0,
    ) -> None:
        super().__init__(page_size, adapter.delay_seconds, num_retries)
        self._session.close()
        self._session, self.adapter = session, adapter
        self.api_url = base_url
        # the arxiv client fills this in with str.format: braces of the URL stand for themselves
        self.query_url_format = base_url.replace("{", "{{").replace("}", "}}") + "?{}"
        self.timeout = (min(CONNECT_TIMEOUT, timeout_seconds), timeout_seconds)
        self.broken_pages = 0
        self.pages_from_cache = 0
        self.last_total_results = 0
        self.created_folders: list[Path] = []  # make_client's, deepest first

    def drop_cache_if_empty(self) -> None:
        """Close the session and delete its cache file (and the folders ``make_client``
        created for it, if empty) when not one page was cached: a search that never reached
        arXiv leaves nothing behind."""
        cache = getattr(self._session, "cache", None)
        db_path = getattr(getattr(cache, "responses", None), "db_path", None)
        if db_path is None or len(cache.responses):
            return
        self._session.close()
        Path(db_path).unlink(missing_ok=True)
        for folder in self.created_folders:  # deepest first
            try:
                folder.rmdir()  # only if empty: a folder holding anything else stays
            except OSError:
                break

    @property
    def requests_made(self) -> int:
        return self.adapter.requests_made

    @property
    def retries_made(self) -> int:
        return self.adapter.retries_made + self.broken_pages

    def _parse_feed(
        self, url: str, first_page: bool = True, _try_index: int = 0
    ) -> _feed.ParsedFeed:
        """One page from the cache or the network. HTTP errors were retried by the session;
        a page that arrives broken is requested again, up to ``num_retries`` times."""
        for attempt in range(self.num_retries + 1):
            try:
                response = self._get(url)
            except _BROKEN_BODY:
                if attempt == self.num_retries:
                    raise
                self.broken_pages += 1
                continue
            if response.status_code != 200:
                raise arxiv.HTTPError(url, attempt, response.status_code)
            problem = page_problem(response.content)
            if problem is None:
                break
            if attempt == self.num_retries:
                raise MalformedFeedError(url, attempt, problem)
            self.broken_pages += 1
        self.pages_from_cache += bool(getattr(response, "from_cache", False))
        feed = _feed.parse(response.content)
        if first_page:
            self.last_total_results = feed.header.total_results
        return feed

    def _get(self, url: str) -> requests.Response:
        """GET ``url``; a connection that cannot be made at all raises ``SearchError``."""
        try:
            return self._session.get(url, timeout=self.timeout)
        except requests.exceptions.ConnectionError as err:
            reason = unreachable_reason(err)
            if reason is None:
                raise
            raise SearchError(
                f"cannot reach the arXiv API at {self.api_url} ({reason}); {OFFLINE_HINT}"
            ) from err


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
    wait before the first retry (doubling after each, at most ``max_backoff_seconds``;
    ``None``: ``delay_seconds``). ``timeout_seconds`` bounds each read; a whole answer body
    must arrive within twice that. Good pages are cached for ``CACHE_EXPIRY``.
    """
    backoff = delay_seconds if backoff_seconds is None else backoff_seconds
    if (
        page_size < 1
        or num_retries < 0
        or delay_seconds < 0
        or timeout_seconds <= 0
        or backoff < 0
        or max_backoff_seconds < 0
    ):
        raise InputError(
            f"arXiv client: bad settings page_size={page_size}, num_retries="
            f"{num_retries}, delay_seconds={delay_seconds}, timeout_seconds="
            f"{timeout_seconds}, backoff_seconds={backoff_seconds}, "
            f"max_backoff_seconds={max_backoff_seconds}"
        )
    retry = make_retry(num_retries, backoff, max_backoff_seconds)
    adapter = PoliteAdapter(retry, delay_seconds, body_seconds=2 * timeout_seconds)
    cache_file = None if cache_dir is None else Path(cache_dir).absolute() / CACHE_FILE
    created = [] if cache_file is None else [d for d in cache_file.parents if not d.exists()]
    session = make_session(adapter, cache_file, CACHE_EXPIRY, is_cacheable)
    url = base_url or api_url_from_env()
    client = CachingClient(session, adapter, url, page_size, num_retries, timeout_seconds)
    client.created_folders = created
    return client


def result_to_row(result: arxiv.Result, query: str) -> dict[str, Any]:
    """One ``arxiv.Result`` as a papers row (PAPER_COLUMNS plus ``query``)."""
    short_id = result.get_short_id()
    parsed = parse_arxiv_id(short_id)
    paper_id, version = parsed if parsed else (short_id, None)
    version = version if version is not None and version <= MAX_VERSION else None
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
        cause = describe_error(err)
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
        try:
            query_rows, log = _run_query(query, max_results, client)
        except SearchError:
            if isinstance(client, CachingClient):
                client.drop_cache_if_empty()
            raise
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

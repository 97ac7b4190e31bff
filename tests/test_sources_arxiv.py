"""Tests for synth.sources.arxiv against the loopback fake arXiv server (offline)."""

from __future__ import annotations

import contextlib
import gzip
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pandas as pd
import pytest

from synth.errors import InputError, SearchError
from synth.sources import PAPER_COLUMNS
from synth.sources.arxiv import (
    CACHE_FILE,
    DEFAULT_API_URL,
    QUERY_LOG_COLUMNS,
    CachingClient,
    api_url_from_env,
    make_client,
    search_arxiv,
)
from synth.sources.fetch import QUICK_RETRY_SECONDS

from arxiv_server import (
    FakeArxivServer,
    arxiv_server_fixture,  # noqa: F401 - registers the arxiv_server fixture
    feed_xml,
    make_entry,
    serve,
)

UNRESOLVABLE = "http://arxiv.invalid/api/query"  # .invalid never resolves (RFC 2606)


def _entries(n: int, prefix: str = "2401") -> list[dict]:
    return [
        make_entry(
            f"{prefix}.{i:05d}v{1 + i % 3}",
            f"Paper  number\n {i}",
            f"Abstract of\n  paper {i}.",
            authors=[f"Author {i}", "Grace Hopper"],
            categories=["cs.IR", "cs.CL"],
        )
        for i in range(n)
    ]


def _client(server: FakeArxivServer, cache: Path | None, **kw) -> CachingClient:
    kw.setdefault("delay_seconds", 0)
    kw.setdefault("num_retries", 2)
    return make_client(cache, base_url=server.url, **kw)


def cached_pages(cache: Path) -> int:
    """How many responses the cache folder's SQLite file holds (0 when there is none)."""
    import requests_cache

    path = cache / CACHE_FILE
    return len(requests_cache.SQLiteCache(path).responses) if path.exists() else 0


def _closed_port_url() -> str:
    with FakeArxivServer() as server:
        return server.url  # nothing listens there once the server is stopped


def test_parses_results_into_papers_table(arxiv_server, tmp_path):
    arxiv_server.entries = [
        make_entry(
            "2503.19009v2",
            "Video-ColBERT:\n  Late Interaction",
            " Text-to-video\n retrieval. ",
            authors=["Arun Reddy", "Alexander Martin"],
            categories=["cs.CV", "cs.IR", "cs.CV"],
            published="2025-03-24T17:59:59Z",
        ),
        make_entry("hep-th/9901001v1", "Old style", "Legacy id.", published="1999-01-04T00:00:00Z"),
    ]
    papers, log = search_arxiv(["all:video"], 10, _client(arxiv_server, tmp_path))
    assert list(papers.columns) == [*PAPER_COLUMNS, "query"]
    first = papers.iloc[0]
    assert first["paper_id"] == "2503.19009" and first["version"] == 2
    assert first["title"] == "Video-ColBERT: Late Interaction"
    assert first["abstract"] == "Text-to-video retrieval."
    assert first["authors"] == "Arun Reddy; Alexander Martin"
    assert first["categories"] == "cs.CV cs.IR"
    assert first["year"] == 2025 and first["published"] == "2025-03-24"
    assert first["url"] == "https://arxiv.org/abs/2503.19009"
    assert first["source"] == "arxiv" and first["source_file"] == "all:video"
    assert first["query"] == "all:video" and first["sentences"] is None
    assert papers.iloc[1]["paper_id"] == "hep-th/9901001" and papers.iloc[1]["year"] == 1999
    assert list(log.columns) == QUERY_LOG_COLUMNS
    assert log.to_dict("records") == [
        {"query": "all:video", "returned": 2, "complete": True, "from_cache": False, "error": ""}
    ]


def test_query_reaches_server(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(3)
    search_arxiv(['ti:"text video" AND cat:cs.CV'], 5, _client(arxiv_server, tmp_path))
    params = arxiv_server.params()
    assert arxiv_server.queries() == ['ti:"text video" AND cat:cs.CV']
    assert params[0]["sortBy"] == "relevance" and params[0]["start"] == "0"
    assert arxiv_server.requests[0].startswith("/api/query?")


def test_paging_across_three_pages(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(25)
    papers, log = search_arxiv(["q"], 25, _client(arxiv_server, tmp_path, page_size=10))
    assert [p["start"] for p in arxiv_server.params()] == ["0", "10", "20"]
    assert all(p["max_results"] == "10" for p in arxiv_server.params())
    assert len(papers) == 25 and papers["paper_id"].is_unique
    assert log.loc[0, "returned"] == 25 and log.loc[0, "complete"]


def test_max_results_and_total_results_limit_paging(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(7)
    papers, log = search_arxiv(["q"], 100, _client(arxiv_server, tmp_path, page_size=5))
    assert len(papers) == 7 and len(arxiv_server.requests) == 2
    assert bool(log.loc[0, "complete"])
    arxiv_server.requests.clear()
    papers, _ = search_arxiv(["other"], 3, _client(arxiv_server, None, page_size=5))
    assert len(papers) == 3 and len(arxiv_server.requests) == 1


def test_cached_rerun_makes_no_requests_and_is_identical(arxiv_server, tmp_path, monkeypatch):
    arxiv_server.entries = _entries(12)
    first, log1 = search_arxiv(["q1", "q2"], 12, _client(arxiv_server, tmp_path, page_size=5))
    assert len(arxiv_server.requests) == 6
    arxiv_server.requests.clear()
    arxiv_server.fail_next(100, status=500)  # any request would now fail
    client = _client(arxiv_server, tmp_path, page_size=5, delay_seconds=30)
    waits: list[float] = []  # what the client would sleep, recorded instead of slept
    monkeypatch.setattr(time, "sleep", waits.append)
    second, log2 = search_arxiv(["q1", "q2"], 12, client)
    assert waits == []  # no 30 s politeness delay for cached pages
    assert arxiv_server.requests == []
    assert client.requests_made == 0 and client.pages_from_cache == 6
    pd.testing.assert_frame_equal(first, second)
    assert not log1["from_cache"].any() and log2["from_cache"].all()
    assert [p.name for p in tmp_path.iterdir()] == [CACHE_FILE] and cached_pages(tmp_path) == 6


def test_cached_pages_are_replayed_with_the_server_stopped(tmp_path, monkeypatch):
    with FakeArxivServer(_entries(7)) as server:
        first, _ = search_arxiv(["q"], 7, _client(server, tmp_path, page_size=5))
        url = server.url
    client = make_client(tmp_path, base_url=url, page_size=5, delay_seconds=30)
    waits: list[float] = []
    monkeypatch.setattr(time, "sleep", waits.append)
    second, log = search_arxiv(["q"], 7, client)
    assert waits == []
    assert client.requests_made == 0 and client.pages_from_cache == 2
    pd.testing.assert_frame_equal(first, second)
    assert bool(log.loc[0, "from_cache"]) and bool(log.loc[0, "complete"])


def test_expired_pages_are_served_when_the_network_fails(tmp_path):
    from datetime import timedelta

    from synth.sources.arxiv import is_cacheable
    from synth.sources.fetch import PoliteAdapter, make_retry, make_session

    def client(url: str) -> CachingClient:
        adapter = PoliteAdapter(make_retry(1, 0.0, 0.0), delay_seconds=0)
        session = make_session(adapter, tmp_path / CACHE_FILE, timedelta(seconds=0.3), is_cacheable)
        return CachingClient(session, adapter, url, page_size=5, num_retries=1)

    with FakeArxivServer(_entries(3)) as server:
        first, _ = search_arxiv(["q"], 3, client(server.url))
        url = server.url
    time.sleep(0.4)  # the page has expired; the server is gone
    stale = client(url)
    second, _ = search_arxiv(["q"], 3, stale)
    pd.testing.assert_frame_equal(first, second)
    assert stale.pages_from_cache == 1 and stale.requests_made == 1  # tried, then the cache


def test_dedupe_across_queries_keeps_first_query_and_latest_version(tmp_path):
    by_query = {
        "a": [make_entry("2401.00001v1", "T1", "A1"), make_entry("2401.00002v1", "T2", "A2")],
        "b": [
            make_entry("2401.00001v3", "T1 revised", "A1"),
            make_entry("2401.00003v1", "T3", "A3"),
        ],
    }
    with FakeArxivServer(entries_by_query=by_query) as server:
        papers, log = search_arxiv(["a", "b"], 10, _client(server, tmp_path))
    assert papers["paper_id"].tolist() == ["2401.00001", "2401.00002", "2401.00003"]
    row = papers.iloc[0]
    assert row["version"] == 3 and row["title"] == "T1 revised"
    assert row["query"] == "a" and row["source_file"] == "a"
    assert log["returned"].tolist() == [2, 2]


def test_env_var_selects_api_url(arxiv_server, tmp_path, monkeypatch):
    assert api_url_from_env({}) == DEFAULT_API_URL
    assert api_url_from_env({"SYNTH_ARXIV_API_URL": " "}) == DEFAULT_API_URL
    assert api_url_from_env({"SYNTH_ARXIV_API_URL": "http://x/api"}) == "http://x/api"
    monkeypatch.setenv("SYNTH_ARXIV_API_URL", arxiv_server.url)
    arxiv_server.entries = _entries(2)
    client = make_client(tmp_path, delay_seconds=0)
    assert client.query_url_format == arxiv_server.url + "?{}"
    papers, _ = search_arxiv(["env"], 2, client)
    assert len(papers) == 2 and arxiv_server.queries() == ["env"]


def test_http_failure_after_retries_raises_search_error(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(2)
    arxiv_server.fail_next(10, status=500)
    with pytest.raises(SearchError) as info:
        search_arxiv(["cat:cs.IR"], 5, _client(arxiv_server, tmp_path, num_retries=2))
    message = str(info.value)
    assert "'cat:cs.IR'" in message and "HTTP 500" in message and "\n" not in message
    assert len(arxiv_server.requests) == 3
    assert cached_pages(tmp_path) == 0


def test_503_then_success_recovers(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(3)
    arxiv_server.fail_next(2, status=503, retry_after=0)
    papers, log = search_arxiv(["q"], 3, _client(arxiv_server, tmp_path, num_retries=3))
    assert len(papers) == 3 and len(arxiv_server.requests) == 3
    assert log.loc[0, "error"] == ""


def test_malformed_xml_raises_search_error_and_is_not_cached(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(3)
    arxiv_server.malformed_next(3)
    with pytest.raises(SearchError, match="'broken'.*Atom"):
        search_arxiv(["broken"], 3, _client(arxiv_server, tmp_path))
    assert len(arxiv_server.requests) == 3 and cached_pages(tmp_path) == 0
    papers, _ = search_arxiv(["broken"], 3, _client(arxiv_server, tmp_path))
    assert len(papers) == 3


def test_a_failed_search_leaves_no_empty_cache_but_keeps_a_used_one(arxiv_server, tmp_path):
    (tmp_path / "mine").mkdir()
    cache = tmp_path / "mine" / "cache" / "arxiv"
    arxiv_server.malformed_next(2)  # both tries of the one retry
    with pytest.raises(SearchError):
        search_arxiv(["broken"], 3, _client(arxiv_server, cache, num_retries=1))
    assert [p.name for p in tmp_path.iterdir()] == ["mine"]  # the folder it found stays
    assert list((tmp_path / "mine").iterdir()) == []  # those it made are gone
    arxiv_server.entries = _entries(3)
    search_arxiv(["good"], 3, _client(arxiv_server, cache))
    arxiv_server.malformed_next(2)  # both tries of the one retry
    with pytest.raises(SearchError):
        search_arxiv(["broken"], 3, _client(arxiv_server, cache, num_retries=1))
    assert cached_pages(cache) == 1  # a cache holding a page is kept


def test_empty_page_in_the_middle(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(6)
    arxiv_server.empty_next(1, start=2)  # transient: the retry succeeds
    papers, _ = search_arxiv(["q"], 6, _client(arxiv_server, tmp_path, page_size=2))
    assert len(papers) == 6
    arxiv_server.empty_next(10, start=2)  # persistent: fails after retries
    with pytest.raises(SearchError, match="'q2'.*empty"):
        search_arxiv(["q2"], 6, _client(arxiv_server, None, page_size=2, num_retries=1))


def test_slow_response_times_out_then_raises(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(2)
    arxiv_server.slow_next(5, 1.0)
    with pytest.raises(SearchError, match="'slow'"):
        search_arxiv(
            ["slow"], 2, _client(arxiv_server, tmp_path, num_retries=1, timeout_seconds=0.2)
        )


@pytest.mark.parametrize(
    ("url", "cause"), [(UNRESOLVABLE, "DNS lookup failed"), (None, "connection refused")]
)
def test_unreachable_api_fails_fast_with_one_line(tmp_path, url, cause, monkeypatch):
    url = url or _closed_port_url()
    client = make_client(tmp_path, base_url=url, delay_seconds=3.0, num_retries=3)
    waits: list[float] = []  # what the client would sleep, recorded instead of slept
    monkeypatch.setattr(time, "sleep", waits.append)
    with pytest.raises(SearchError) as info:
        search_arxiv(["q1", "q2"], 5, client)
    assert str(info.value) == (
        f"cannot reach the arXiv API at {url} ({cause}); "
        "run offline with --corpus PATH (or --corpus sample)"
    )
    # one retry after 1 s, not three after 3, 6 and 12 s (the 503 backoff), and no second query
    assert waits == [QUICK_RETRY_SECONDS]
    assert client.requests_made == 1


def test_no_results_and_bad_input(arxiv_server, tmp_path):
    papers, log = search_arxiv(["nothing"], 5, _client(arxiv_server, tmp_path))
    assert papers.empty and list(papers.columns) == [*PAPER_COLUMNS, "query"]
    assert log.loc[0, "returned"] == 0 and bool(log.loc[0, "complete"])
    client = _client(arxiv_server, tmp_path)
    for queries, n in (([], 5), ("q", 5), ([""], 5), (["q"], 0)):
        with pytest.raises(InputError):
            search_arxiv(queries, n, client)
    with pytest.raises(InputError):
        make_client(tmp_path, page_size=0)


def test_progress_bar_runs(arxiv_server, tmp_path):
    arxiv_server.entries = _entries(2)
    papers, log = search_arxiv(["a", "b"], 2, _client(arxiv_server, tmp_path), progress=True)
    assert len(papers) == 2 and log["query"].tolist() == ["a", "b"]
    assert log["returned"].tolist() == [2, 2]


def test_plain_arxiv_client_also_works(arxiv_server):
    import arxiv

    arxiv_server.entries = _entries(4)
    client = arxiv.Client(page_size=3, delay_seconds=0, num_retries=0)
    client.query_url_format = arxiv_server.url + "?{}"
    papers, log = search_arxiv(["plain"], 4, client)
    assert len(papers) == 4 and len(arxiv_server.requests) == 2
    assert log.to_dict("records")[0] == {
        "query": "plain",
        "returned": 4,
        "complete": True,
        "from_cache": False,
        "error": "",
    }


def test_retry_after_is_honoured(arxiv_server, tmp_path, monkeypatch):
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)  # urllib3's wait, not done for real
    arxiv_server.entries = _entries(1)
    arxiv_server.fail_next(1, status=503, retry_after=7)
    papers, _ = search_arxiv(["q"], 1, _client(arxiv_server, tmp_path))
    assert len(papers) == 1 and 7.0 in slept


@contextlib.contextmanager
def _fixed_answer(body: bytes, gap: float = 0.0, **headers: str) -> Iterator[str]:
    """A loopback API answering every GET with ``body`` (headers at once), one byte every
    ``gap`` seconds when ``gap`` is set; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key.replace("_", "-"), value)
            self.end_headers()
            step = 1 if gap else max(1, len(body))
            try:
                for i in range(0, len(body), step):
                    self.wfile.write(body[i : i + step])
                    time.sleep(gap)
            except OSError:
                pass

        def log_message(self, format: str, *args: object) -> None:
            return

    with serve(Handler) as url:
        yield url


def test_an_answer_trickling_in_is_cut_at_its_deadline(tmp_path):
    body = feed_xml(_entries(3), 3, 0, "q").encode()  # ~3 kB: 150 s at one byte per 50 ms
    with _fixed_answer(body, gap=0.05) as url:
        client = make_client(tmp_path, base_url=url, delay_seconds=0, timeout_seconds=0.5)
        started = time.monotonic()
        with pytest.raises(SearchError, match=r"'q'.*ReadTimeout: .*over 1 s"):
            search_arxiv(["q"], 3, client)
        elapsed = time.monotonic() - started
    # twice the read timeout, and not retried; unbounded, the trickle would take 150 s
    assert 1.0 <= elapsed < 60, elapsed
    assert client.requests_made == 1 and cached_pages(tmp_path) == 0


def test_a_gzip_answer_is_decoded_and_cached(tmp_path):
    body = gzip.compress(feed_xml(_entries(3), 3, 0, "q").encode())
    with _fixed_answer(body, Content_Encoding="gzip") as url:
        papers, _ = search_arxiv(["q"], 3, make_client(tmp_path, base_url=url, delay_seconds=0))
    assert len(papers) == 3 and cached_pages(tmp_path) == 1

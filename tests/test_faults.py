"""Faults of the arXiv API against the loopback server: HTTP errors with and without
Retry-After, rate limiting, timeouts, connection resets, truncated bodies, malformed XML and
empty pages, first for the client (``search_arxiv``) and then for a whole ``synth run``.

Semantics under test (docs/robustness.md has the table): transient faults are retried with
exponential backoff (or the server's Retry-After when it gives one); after the last retry the query
fails with a ``SearchError`` naming it; nothing of a failed page is cached; a query is either
fetched completely or the search fails, so a truncated search is never recorded as complete;
``synth run`` then exits 1 with one line naming the query and writes no report.
"""

from __future__ import annotations

import email.utils
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_sources_arxiv import cached_pages
from urllib3.exceptions import NewConnectionError, ReadTimeoutError

from synth.cli import main
from synth.errors import SearchError
from synth.queries import search_queries
from synth.search import extract_key_terms
from synth.sources.arxiv import CACHE_FILE, make_client, search_arxiv
from synth.sources.fetch import make_retry

from arxiv_server import FakeArxivServer, make_entry
from conftest import ROOT

SMOKE = str(ROOT / "params" / "smoke.yaml")
QUESTION = "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?"


class FaultyArxivServer(FakeArxivServer):
    """``FakeArxivServer`` plus faults it lacks: connection resets, bodies cut short of their
    Content-Length, and persistent HTTP errors for the queries containing a given text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resets = 0
        self.truncations = 0
        self.failing_queries: dict[str, int] = {}  # substring -> HTTP status

    def reset_next(self, n: int) -> None:
        self.resets = n

    def truncate_next(self, n: int) -> None:
        self.truncations = n

    def fail_query(self, text: str, status: int = 503) -> None:
        self.failing_queries[text] = status

    def respond(self, path: str) -> tuple[int, dict[str, str], bytes, float]:
        status, headers, body, delay = super().respond(path)
        query = self.params()[-1].get("search_query", "")
        for text, code in self.failing_queries.items():
            if text in query:
                return code, {"Retry-After": "0"}, b"<html>down</html>", delay
        return status, headers, body, delay

    def start(self) -> FaultyArxivServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _faulty_handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self


def _faulty_handler(server: FaultyArxivServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, headers, body, delay = server.respond(self.path)
            if delay:
                time.sleep(delay)
            with server.faults.lock:
                reset, server.resets = server.resets > 0, max(0, server.resets - 1)
                cut = not reset and server.truncations > 0
                server.truncations -= int(cut)
            if reset:  # RST instead of a response
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(status)
            self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for key, value in headers.items():
                self.send_header(key, value)
            if cut:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 3] if cut else body)
            if cut:
                self.close_connection = True

        def finish(self) -> None:
            try:
                super().finish()
            except OSError:
                pass

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def _entries(n: int) -> list[dict]:
    return [make_entry(f"2401.{i:05d}v1", f"Paper {i}", f"Abstract {i}.") for i in range(n)]


def _client(server: FakeArxivServer, cache: Path | None, **kw):
    kw.setdefault("delay_seconds", 0)
    kw.setdefault("num_retries", 2)
    kw.setdefault("backoff_seconds", 0.01)
    return make_client(cache, base_url=server.url, **kw)


@pytest.fixture
def server():
    with FaultyArxivServer(_entries(6)) as s:
        yield s


@pytest.fixture
def slept(monkeypatch) -> list[float]:
    """The waits (``time.sleep``) of the test's own thread: urllib3's backoff and
    Retry-After waits and the client's politeness delay; the server threads are left out."""
    waits: list[float] = []
    real_sleep, me = time.sleep, threading.get_ident()

    def sleep(seconds: float) -> None:
        if threading.get_ident() == me:
            waits.append(round(seconds, 3))
        real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", sleep)
    return waits


def _clean_result(server: FakeArxivServer, queries: list[str], tmp_path: Path) -> pd.DataFrame:
    """What the same search returns from a fresh cache with no faults."""
    with FakeArxivServer(server.entries) as clean:
        papers, _ = search_arxiv(queries, 6, _client(clean, tmp_path / "clean", page_size=2))
    return papers


# ------------------------------------------------------------------ retries and backoff


@pytest.mark.parametrize("status", [500, 502, 503, 504, 429])
def test_transient_http_errors_are_retried_then_recover(server, tmp_path, status, slept):
    server.fail_next(2, status=status, retry_after=None)
    client = _client(server, tmp_path)
    papers, log = search_arxiv(["q"], 6, client)
    assert len(papers) == 6 and bool(log.loc[0, "complete"])
    assert len(server.requests) == 3 and client.retries_made == 2
    assert slept == [0.01, 0.02]  # exponential backoff from backoff_seconds


def test_persistent_500_names_the_query_caches_nothing(server, tmp_path, slept):
    server.fail_next(100, status=500)
    client = _client(
        server, tmp_path, num_retries=3, backoff_seconds=0.01, max_backoff_seconds=0.03
    )
    with pytest.raises(SearchError) as info:
        search_arxiv(['ti:"text video"'], 6, client)
    message = str(info.value)
    assert message.startswith("arXiv query 'ti:\"text video\"' failed")
    assert "HTTP 500" in message and "\n" not in message
    assert len(server.requests) == 4 and slept == [0.01, 0.02, 0.03]  # capped
    assert cached_pages(tmp_path) == 0


@pytest.mark.parametrize("status", [400, 404])
def test_client_errors_are_not_retried(server, tmp_path, status):
    server.fail_next(1, status=status)
    with pytest.raises(SearchError, match=f"'q'.*HTTP {status}"):
        search_arxiv(["q"], 6, _client(server, tmp_path))
    assert len(server.requests) == 1


def test_rate_limit_retry_after_is_waited_for_real(server, tmp_path, slept):
    server.fail_next(1, status=429, retry_after=1)
    client = _client(server, tmp_path)
    started = time.monotonic()
    papers, _ = search_arxiv(["q"], 6, client)
    assert time.monotonic() - started >= 0.95
    assert len(papers) == 6 and slept == [1.0]


def test_retry_after_is_capped_and_unreadable_values_fall_back_to_backoff(server, slept):
    retry = make_retry(3, backoff_seconds=3.0, max_backoff_seconds=30.0)
    assert retry.parse_retry_after("7") == 7.0
    assert retry.parse_retry_after("3600") == 60.0  # capped
    in_ten = email.utils.formatdate(time.time() + 10, usegmt=True)
    assert 8.0 <= retry.parse_retry_after(in_ten) <= 10.0
    assert retry.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert retry.parse_retry_after("soon") == 0.0  # then the backoff applies
    server.fail_next(1, status=503, retry_after=None)
    client = _client(server, None, backoff_seconds=0.05)
    with pytest.MonkeyPatch.context() as mp:  # a 503 whose Retry-After cannot be read
        mp.setattr(server, "respond", _with_header(server.respond, "Retry-After", "soon"))
        papers, _ = search_arxiv(["q"], 6, client)
    assert len(papers) == 6 and slept == [0.05]


def _with_header(respond, name: str, value: str):
    def wrapped(path: str):
        status, headers, body, delay = respond(path)
        return status, ({**headers, name: value} if status != 200 else headers), body, delay

    return wrapped


def test_backoff_doubles_from_the_first_retry_and_a_failed_connection_waits_briefly():
    retry = make_retry(3, backoff_seconds=3.0, max_backoff_seconds=10.0)
    waits = []
    for _ in range(3):
        retry = retry.increment("GET", "/api/query", error=ReadTimeoutError(None, "/", "slow"))
        waits.append(retry.get_backoff_time())
    assert waits == [3.0, 6.0, 10.0]
    refused = NewConnectionError(None, "Failed to establish a new connection: refused")
    retry = make_retry(3, 3.0, 10.0).increment("GET", "/api/query", error=refused)
    assert retry.get_backoff_time() == 1.0
    with pytest.raises(Exception, match="Max retries"):  # only one retry of a connection
        retry.increment("GET", "/api/query", error=refused)


def test_timeouts_are_retried_then_fail_naming_the_query(server, tmp_path):
    server.slow_next(1, 1.0)
    client = _client(server, tmp_path, timeout_seconds=0.3)
    papers, _ = search_arxiv(["slow once"], 6, client)
    assert len(papers) == 6 and client.retries_made == 1
    server.slow_next(10, 1.0)
    with pytest.raises(SearchError, match="'always slow'.*timed out"):
        search_arxiv(["always slow"], 6, _client(server, None, num_retries=1, timeout_seconds=0.3))


def test_connection_resets_are_retried_then_fail(server, tmp_path):
    server.reset_next(2)
    client = _client(server, tmp_path)
    papers, _ = search_arxiv(["reset"], 6, client)
    assert len(papers) == 6 and client.retries_made == 2
    server.reset_next(10)
    with pytest.raises(SearchError, match="'reset again'.*ConnectionError"):
        search_arxiv(["reset again"], 6, _client(server, tmp_path))
    assert len(server.requests) == 3 + 3


def test_body_cut_short_is_retried_and_never_cached(server, tmp_path):
    server.truncate_next(1)
    client = _client(server, tmp_path)
    papers, _ = search_arxiv(["cut"], 6, client)
    assert len(papers) == 6 and client.retries_made == 1
    server.truncate_next(10)
    with pytest.raises(SearchError, match="'cut again'"):
        search_arxiv(["cut again"], 6, _client(server, tmp_path / "other"))
    assert cached_pages(tmp_path / "other") == 0


def test_malformed_xml_is_retried_then_fails_and_is_never_cached(server, tmp_path):
    server.malformed_next(1)
    client = _client(server, tmp_path)
    papers, _ = search_arxiv(["broken once"], 6, client)
    assert len(papers) == 6 and client.retries_made == 1
    server.malformed_next(3)
    cache = tmp_path / "c2"
    with pytest.raises(SearchError, match="'broken'.*Atom"):
        search_arxiv(["broken"], 6, _client(server, cache))
    assert cached_pages(cache) == 0
    papers, _ = search_arxiv(["broken"], 6, _client(server, cache))  # fault over: recovers
    assert len(papers) == 6


# ------------------------------------------------------------------ pagination


def test_empty_page_mid_pagination_is_retried_and_result_is_whole(server, tmp_path):
    server.empty_next(2, start=2)
    client = _client(server, tmp_path, page_size=2)
    papers, log = search_arxiv(["q"], 6, client)
    pd.testing.assert_frame_equal(papers, _clean_result(server, ["q"], tmp_path))
    assert bool(log.loc[0, "complete"]) and int(log.loc[0, "returned"]) == 6


def test_persistent_empty_page_fails_query_and_resumes_from_cached_pages(server, tmp_path):
    server.empty_next(100, start=4)  # pages at start 0 and 2 are fine, start 4 stays empty
    with pytest.raises(SearchError, match="'q'.*empty"):
        search_arxiv(["q"], 6, _client(server, tmp_path, page_size=2))
    assert cached_pages(tmp_path) == 2  # the two good pages, not the empty one
    server.empty_next(0)
    server.requests.clear()
    client = _client(server, tmp_path, page_size=2)
    papers, log = search_arxiv(["q"], 6, client)
    assert client.pages_from_cache == 2 and len(server.requests) == 1
    assert bool(log.loc[0, "complete"]) and not bool(log.loc[0, "from_cache"])
    pd.testing.assert_frame_equal(papers, _clean_result(server, ["q"], tmp_path))


def test_empty_first_page_with_results_announced_is_retried(server, tmp_path):
    server.empty_next(1, start=0)
    client = _client(server, tmp_path)
    papers, log = search_arxiv(["q"], 6, client)
    assert len(papers) == 6 and client.retries_made == 1 and bool(log.loc[0, "complete"])
    server.empty_next(100, start=0)
    with pytest.raises(SearchError, match="'q2'.*empty"):
        search_arxiv(["q2"], 6, _client(server, tmp_path))


def test_second_query_failing_fails_the_search_naming_it(server, tmp_path):
    server.fail_query("second", status=503)
    with pytest.raises(SearchError) as info:
        search_arxiv(["first", "second"], 6, _client(server, tmp_path))
    assert "'second'" in str(info.value) and "'first'" not in str(info.value)


# ------------------------------------------------------------------ the whole run


@pytest.fixture(scope="module")
def failed_run(tmp_path_factory):
    """``synth run`` on arXiv (no --corpus) where the second query always answers 503; then,
    the fault gone, the same command again (it resumes the failed run folder)."""
    import contextlib
    import io

    tmp = tmp_path_factory.mktemp("faults")
    queries = search_queries(QUESTION, extract_key_terms(QUESTION), 3)
    assert len(queries) >= 2
    entries = [
        make_entry(f"250{i}.0000{i}v1", t, a)
        for i, (t, a) in enumerate(
            [
                (
                    "Temporal modelling for text-video retrieval on MSR-VTT",
                    "Temporal modelling improves text-video retrieval on MSR-VTT by 2.1 R@1.",
                ),
                (
                    "Frame averaging for text-video retrieval on DiDeMo",
                    "Temporal modelling does not improve text-video retrieval on DiDeMo.",
                ),
                (
                    "Moment localization for DiDeMo",
                    "MomentRet improves retrieval on DiDeMo by 4.0 R@1.",
                ),
            ],
            start=1,
        )
    ]
    out = tmp / "elsewhere" / "run"  # not below --out-root: the cache goes inside it
    argv = ["run", "--params", SMOKE, "--out-root", str(tmp / "root"), "--out", str(out), "--quiet"]
    result = {"out": out, "queries": queries, "tmp": tmp}
    with FaultyArxivServer(entries) as server, pytest.MonkeyPatch.context() as mp:
        server.fail_query(queries[1], status=503)
        mp.setenv("SYNTH_ARXIV_API_URL", server.url)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            result["code"] = main(argv)
        result["err"] = err.getvalue()
        result["requests"] = list(server.queries())
        result["files_after_failure"] = sorted(
            p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file()
        )
        result["manifest_after_failure"] = json.loads((out / "run.json").read_text())
        result["pages_after_failure"] = cached_pages(out / "cache" / "arxiv")
        result["notebook_after_failure"] = json.loads(
            (out / "notebooks" / "10_search.ipynb").read_text()
        )
        server.failing_queries.clear()
        server.requests.clear()
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            result["resumed_code"] = main(argv)
        result["resumed_err"] = err.getvalue()
        result["resumed_requests"] = list(server.queries())
    return result


def test_run_with_failing_query_exits_1_one_line_naming_it(failed_run):
    lines = [ln for ln in failed_run["err"].strip().splitlines() if ln.startswith("synth:")]
    assert failed_run["code"] == 1
    assert len(lines) == 1, failed_run["err"]
    line = lines[0]
    assert line.startswith("synth: search failed: arXiv query ")
    assert repr(failed_run["queries"][1]) in line and "HTTP 503" in line
    assert "Traceback" not in failed_run["err"]
    assert str(failed_run["out"] / "notebooks" / "10_search.ipynb") in line


def test_failed_search_writes_no_report_and_keeps_the_notebook(failed_run):
    files = failed_run["files_after_failure"]
    written = {f.removeprefix("elsewhere/run/") for f in files}
    assert not written & {
        "report.html",
        "report.md",
        "candidates.parquet",
        "search.json",
        "queries.csv",
    }, files
    manifest = failed_run["manifest_after_failure"]
    assert manifest["stages"]["search"]["status"] == "failed"
    assert "arXiv query" in manifest["stages"]["search"]["error"]
    assert set(manifest["stages"]) == {"search"}
    out = failed_run["out"]
    assert manifest["stages"]["search"]["notebook"] == str(out / "notebooks" / "10_search.ipynb")
    executed = failed_run["notebook_after_failure"]
    errors = [
        o
        for c in executed["cells"]
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert errors and errors[0]["ename"] == "SearchError"
    # every query before the failing one completed; the failing one was retried (3 retries)
    assert failed_run["requests"].count(failed_run["queries"][1]) == 4


def test_failed_search_kept_completed_pages_in_the_run_folder_only(failed_run):
    files = failed_run["files_after_failure"]
    assert all(f.startswith("elsewhere/run/") for f in files), files  # nothing outside
    cache = [f for f in files if f.startswith("elsewhere/run/cache/arxiv/")]
    assert cache == [f"elsewhere/run/cache/arxiv/{CACHE_FILE}"]
    assert failed_run["pages_after_failure"] == 1  # query 1's page, nothing of query 2
    assert not [f for f in files if f.endswith(".tmp")]


def test_same_command_after_the_fault_resumes_and_report_says_complete(failed_run):
    out = failed_run["out"]
    assert failed_run["resumed_code"] == 0, failed_run["resumed_err"][-3000:]
    assert failed_run["queries"][0] not in failed_run["resumed_requests"]  # from the cache
    log = pd.read_csv(out / "queries.csv")
    assert log["query"].tolist() == failed_run["queries"]
    assert log["complete"].all() and log["from_cache"].tolist() == [True, False, False]
    assert json.loads((out / "search.json").read_text())["complete"] is True
    md = (out / "report.md").read_text()
    n = len(failed_run["queries"])
    assert f"{n} queries built from the question's entities and key phrases ({n} completed)" in md
    assert "did not complete" not in md
    assert (out / "report.html").is_file()


def test_report_says_when_queries_did_not_complete():
    from synth import report

    queries = pd.DataFrame(
        {
            "query": ["a", "b"],
            "returned": [3, 1],
            "complete": [True, False],
            "from_cache": [False, False],
            "error": ["", ""],
        }
    )
    table = report.queries_table(queries)
    assert table["complete"].tolist() == ["yes", "no"]
    facts = {
        "full_text": 0,
        "included": 5,
        "unverified": 0,
        "claims": 0,
        "skipped": 2,
        "queries_complete": 1,
        "source": "arXiv API",
        "searched_on": "2026-01-01",
    }
    text = report.limitations_text(facts, queries)
    assert "1 search queries did not complete; the search is not exhaustive." in text
    assert "2 records of the corpus could not be read and were skipped." in text


@pytest.mark.slow
def test_offline_run_fails_fast_with_a_hint_and_leaves_no_run_folder(tmp_path):
    """``synth run`` on arXiv with nothing reachable (a closed loopback port): one line that
    names the cause and --corpus, exit 1, and no run folder (no stage finished, no page
    cached); the shared cache may stay."""
    import os
    import subprocess
    import sys

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends
    env = {**os.environ, "SYNTH_ARXIV_API_URL": f"http://127.0.0.1:{port}/api/query"}
    root = tmp_path / "output"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "synth.cli",
            "run",
            "--params",
            str(ROOT / "params" / "smoke.yaml"),
            "--out-root",
            str(root),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # a hang fails here; the client's waits are counted in test_sources_arxiv
        check=False,
    )
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("synth:")]
    assert done.returncode == 1 and len(lines) == 1, done.stderr[-2000:]
    assert "cannot reach the arXiv API" in lines[0] and "--corpus sample" in lines[0]
    assert "executed notebook" not in lines[0]  # it went with the folder
    assert list(root.iterdir()) == []  # not even an empty arXiv cache

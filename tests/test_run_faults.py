"""Faults of runs, processes and the run folder (issue 20, problems 2, 4, 7, 8, 10, 14, 15,
17 and 19): a kernel killed under a run, a server trickling bytes, SIGTERM during a request,
a full disk (a file-size limit on a real ``synth run``, or an injected ENOSPC), two runs of
one folder, undecodable or brace-holding paths, a mistyped ``run.json`` and a comparison
whose second run fails. docs/robustness.md lists each with its test.

Runs are real ``synth run`` / ``synth compare`` processes in their own session, so a run and
its kernel can always be cleaned up; every wait is bounded.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote

import psutil
import pytest
from test_resume import SMOKE, _alive, _command, _descendants, _env, _status
from test_sources_local import _text_pdf

from synth.cli import main
from synth.errors import InputError, SearchError
from synth.run.folder import invalidate, lock_run, open_run
from synth.run.request import make_request
from synth.sources.arxiv import make_client, search_arxiv

from arxiv_server import FakeArxivServer, make_entry, serve
from corpus import write_corpus

PYTHON = sys.executable


def _synth(*args: str | bytes) -> list[str | bytes]:
    return [PYTHON, "-m", "synth.cli", *args]


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]


def _wait_for(condition, seconds: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the process ended first (exit {proc.returncode})")
        time.sleep(0.1)
    raise AssertionError(f"not reached within {seconds} s")


def _kernels(pid: int) -> list[psutil.Process]:
    found = []
    for pid_ in _descendants(pid):
        try:
            proc = psutil.Process(pid_)
            if "ipykernel" in " ".join(proc.cmdline()):
                found.append(proc)
        except psutil.NoSuchProcess:
            pass
    return found


def _as_from_a_terminal(then: Callable[[], None] | None = None) -> Callable[[], None]:
    """A child's set-up: SIGHUP, SIGINT and SIGTERM at their defaults, as for a command typed
    in a terminal, whatever the test runner inherited (under ``nohup`` or ``cmd &`` they are
    ignored, and an ignored signal stays ignored in ``synth run`` by design); then ``then``."""

    def prepare() -> None:
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        if then is not None:
            then()

    return prepare


@contextmanager
def _started(command: list, log: Path, **kw) -> Iterator[subprocess.Popen]:
    """A process in its own session, started as from a terminal (``_as_from_a_terminal``),
    killed with its whole group (kernels included) when the test is done with it, whatever
    happened."""
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
            env=kw.pop("env", _env()),
            preexec_fn=_as_from_a_terminal(kw.pop("preexec_fn", None)),
            **kw,
        )
    kids: set[int] = set()
    try:
        yield proc
    finally:
        kids |= _descendants(proc.pid)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
        for pid in _alive(kids):
            os.kill(pid, signal.SIGKILL)


def _no_kernel_left(kernels: list[psutil.Process], seconds: float = 15) -> bool:
    pids = {k.pid for k in kernels}
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.2)
    return not _alive(pids)


def _manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text())


# ------------------------------------------------- 2. a killed kernel no longer hangs the run


@pytest.mark.slow
def test_killed_kernel_fails_the_stage_at_once_with_one_line(tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    out = tmp_path / "run"
    with _started([*_command(corpus, out), "--quiet"], tmp_path / "err.log") as proc:
        _wait_for(lambda: _status(out, "claims") == "running" and _kernels(proc.pid), 300, proc)
        kernels = _kernels(proc.pid)
        for kernel in kernels:
            kernel.kill()  # what the out-of-memory killer does
        killed = time.monotonic()
        code = proc.wait(timeout=60)  # was: still alive after 400 s
        seconds = time.monotonic() - killed
    line = _one_line((tmp_path / "err.log").read_text())
    assert code == 1 and seconds < 20, (code, seconds, line)
    stage = line.split()[2]
    assert line.startswith("synth: stage ") and " failed (" in line
    assert "DeadKernelError: Kernel died" in line or "RuntimeError: the kernel " in line
    record = _manifest(out)["stages"][stage]
    assert record["status"] == "failed" and "died" in record["error"]
    assert stage in ("claims", "verify", "answer", "review", "report")


# ------------------------------------- 4. a trickling server: a deadline, and a prompt SIGTERM


@contextmanager
def _trickling_server(gap: float) -> Iterator[str]:
    """A loopback API sending its whole answer, status line and headers included, one byte
    every ``gap`` seconds; yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            answer = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
            try:
                for i in range(len(answer)):
                    self.wfile.write(answer[i : i + 1])
                    self.wfile.flush()
                    time.sleep(gap)
            except OSError:
                pass

        def log_message(self, format: str, *args: object) -> None:
            return

    with serve(Handler) as url:
        yield url


def test_headers_trickling_in_are_cut_at_the_request_deadline(tmp_path):
    """Each read arrives within the read timeout (0.5 s), so only a deadline on the whole
    attempt ends it: twice the read timeout, from connecting to the last byte."""
    with _trickling_server(gap=0.1) as url:
        client = make_client(tmp_path, base_url=url, delay_seconds=0, timeout_seconds=0.5)
        started = time.monotonic()
        with pytest.raises(SearchError, match=r"'q'.*ReadTimeout: the answer took over 1 s"):
            search_arxiv(["q"], 3, client)
        elapsed = time.monotonic() - started
    # the headers never completed: unbounded, the 5,000 bytes would take 500 s
    assert 1.0 <= elapsed < 60, elapsed
    assert client.requests_made == 1


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_sigterm_during_a_trickling_search_ends_the_run_within_seconds(tmp_path, sig):
    """SIGHUP (the terminal closed) is handled as SIGTERM: was the default, death with the
    stage left ``running``."""
    out = tmp_path / "run"
    with _trickling_server(gap=1.0) as url:
        env = {**_env(), "SYNTH_ARXIV_API_URL": url}
        command = _synth("run", "--params", SMOKE, "--out", str(out), "--quiet")
        with _started(command, tmp_path / "err.log", env=env) as proc:
            _wait_for(lambda: _status(out, "search") == "running" and _kernels(proc.pid), 300, proc)
            time.sleep(3)  # the kernel is waiting on the server by now
            kernels = _kernels(proc.pid)
            assert proc.poll() is None
            proc.send_signal(sig)
            sent = time.monotonic()
            code = proc.wait(timeout=120)  # was: 60-90 s, stuck in the kernel's shutdown
            seconds = time.monotonic() - sent
    assert code == 130 and seconds < 10, (code, seconds)
    assert _one_line((tmp_path / "err.log").read_text()).startswith("synth: interrupted")
    record = _manifest(out)["stages"]["search"]
    assert record["status"] == "interrupted" and sig.name in record["error"]
    assert _no_kernel_left(kernels)


@pytest.mark.slow
def test_kernel_that_exits_at_startup_fails_the_first_stage_with_one_line(tmp_path):
    """A python3 kernel spec whose kernel exits at once (a broken environment)."""
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = [PYTHON, "-c", "raise SystemExit(3)", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "language": "python"}))
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    out = tmp_path / "run"
    done = subprocess.run(
        [*_command(corpus, out), "--quiet"],
        env={**_env(), "JUPYTER_PATH": str(tmp_path / "jupyter")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    line = _one_line(done.stderr)  # was: a RuntimeError traceback
    assert done.returncode == 1 and line == (
        "synth: stage search failed (RuntimeError: the kernel is not running "
        "(it died or did not start))"
    )
    assert _manifest(out)["stages"]["search"]["status"] == "failed"


# ------------------------------------------------ 10 and 15: a lock; braces in --out


@pytest.fixture(scope="module")
def locked(tmp_path_factory) -> dict:
    """A run whose --out holds braces (papermill formats paths as templates), and the same
    command started again while it runs."""
    tmp = tmp_path_factory.mktemp("locked")
    corpus = write_corpus(tmp / "corpus.jsonl")
    out = tmp / "run {0} {x} }{"
    with _started([*_command(corpus, out), "--quiet"], tmp / "first.log") as first:
        _wait_for(lambda: _status(out, "search") is not None, 300, first)
        second = subprocess.run(
            [*_command(corpus, out), "--quiet"],
            env=_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        running = first.poll() is None
        first_code = first.wait(timeout=600)
    return {
        "tmp": tmp,
        "corpus": corpus,
        "out": out,
        "first_code": first_code,
        "first_log": (tmp / "first.log").read_text(),
        "second": second,
        "second_ended_while_first_ran": running,
    }


def test_second_run_of_a_busy_folder_exits_2_naming_the_holder(locked):
    second = locked["second"]
    assert locked["second_ended_while_first_ran"]
    assert second.returncode == 2, second.stderr[-2000:]
    line = _one_line(second.stderr)
    assert "in use by another synth run (pid " in line and str(locked["out"]) in line
    assert locked["first_code"] == 0, locked["first_log"][-2000:]  # was: both ran every stage
    stages = _manifest(locked["out"])["stages"]
    assert all(s["status"] == "done" for s in stages.values()) and len(stages) == 7


def test_braces_in_out_are_a_plain_path(locked):
    out = locked["out"]
    assert locked["first_code"] == 0, locked["first_log"][-2000:]  # was: "expected '}'"
    assert (out / "report.html").is_file() and (out / "report.md").is_file()
    assert (out / "notebooks" / "60_report.ipynb").is_file()
    assert sorted(p.name for p in out.parent.iterdir()) == ["corpus.jsonl", "first.log", out.name]


def test_lock_is_exclusive_and_released(tmp_path):
    with lock_run(tmp_path):
        with pytest.raises(InputError, match=rf"in use by another synth run \(pid {os.getpid()} "):
            with lock_run(tmp_path):
                pass
    with lock_run(tmp_path):  # released on exit
        pass


def test_lock_that_cannot_be_opened_is_one_line_and_nothing_is_written_through_it(tmp_path):
    (tmp_path / "run.lock").mkdir()
    with pytest.raises(
        InputError, match=r"run.lock: cannot open the run's lock \(Is a directory\)"
    ):
        with lock_run(tmp_path):
            pass  # was: exit 1 with an IsADirectoryError
    (tmp_path / "run.lock").rmdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    (tmp_path / "run.lock").symlink_to(precious)
    with pytest.raises(InputError, match="cannot open the run's lock"), lock_run(tmp_path):
        pass
    assert precious.read_text() == "keep me"  # not truncated to hold a pid
    (tmp_path / "run.lock").unlink()
    os.mkfifo(tmp_path / "run.lock")
    with pytest.raises(InputError, match="the run's lock is not a regular file"):
        with lock_run(tmp_path):
            pass


def test_braces_in_the_api_url_are_part_of_the_url(tmp_path):
    with FakeArxivServer([make_entry("2401.00001v1", "Paper", "Abstract.")]) as server:
        url = server.url + "/{0}{}"
        papers, _ = search_arxiv(["q"], 5, make_client(tmp_path, base_url=url, delay_seconds=0))
        assert len(papers) == 1  # was: IndexError from str.format
        assert unquote(server.requests[0]).startswith("/api/query/{0}{}?")


# ------------------------------------------------ 7 and 8: a rerun fails, the disk is full


def _file_size_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill

    return apply


def _limited_env(tmp: Path) -> dict[str, str]:
    """The run's environment with its own IPython folder: a kernel keeping input history
    on a full disk moved the user's history.sqlite aside as "corrupt" (seen with 9.9 MB)."""
    return {**_env(), "IPYTHONDIR": str(tmp / "ipython")}


def _no_history_written(tmp: Path) -> bool:
    return not list((tmp / "ipython").rglob("history*.sqlite"))


def _copy_run(locked: dict, name: str) -> Path:
    target = locked["tmp"] / name
    shutil.copytree(locked["out"], target)
    (target / "run.lock").unlink()
    return target


@pytest.mark.slow
def test_failed_rerun_invalidates_every_later_stage_and_the_report(locked):
    """A finished run loses papers.csv; the rerun of screen fails (no file may grow past
    20 kB, as on a nearly full disk): run.json must not look finished any more."""
    run = _copy_run(locked, "rerun")
    (run / "papers.csv").unlink()
    done = subprocess.run(
        [*_command(locked["corpus"], run), "--quiet"],
        env=_limited_env(locked["tmp"]),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_file_size_limit(20_000),
    )
    assert done.returncode == 1, done.stderr[-3000:]
    line = _one_line(done.stderr)
    assert "File too large" in line
    manifest = _manifest(run)
    assert manifest["stages"]["search"]["status"] == "done"
    assert manifest["stages"]["screen"]["status"] == "failed"
    assert "File too large" in manifest["stages"]["screen"]["error"]
    later = ("claims", "verify", "answer", "review", "report")
    assert not set(later) & set(manifest["stages"])  # was: still "done"
    assert "finished" not in manifest and "counts" not in manifest
    assert not (run / "report.html").exists() and not (run / "report.md").exists()
    assert not [p for p in run.rglob("*") if p.name.endswith(".tmp")]
    assert _no_history_written(locked["tmp"])


def test_invalidate_drops_later_records_and_the_report_without_following_links(tmp_path):
    keep = tmp_path / "elsewhere"
    keep.mkdir()
    (keep / "figure.png").write_bytes(b"png")
    run = tmp_path / "run"
    run.mkdir()
    (run / "report.html").write_text("old")
    (run / "report_files").symlink_to(keep)
    manifest = {
        "stages": {s: {"status": "done"} for s in ("search", "screen", "claims", "report")},
        "finished": "2026-01-01T00:00:00+00:00",
        "counts": {"included": 3},
    }
    invalidate(run, manifest, ["screen", "claims", "report"])
    on_disk = json.loads((run / "run.json").read_text())
    assert on_disk == manifest == {"stages": {"search": {"status": "done"}}}
    assert sorted(p.name for p in run.iterdir()) == ["run.json"]
    assert (keep / "figure.png").read_bytes() == b"png"


@pytest.mark.slow
def test_disk_full_during_a_run_is_one_line_and_a_failed_stage(tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    out = tmp_path / "run"
    done = subprocess.run(
        [*_command(corpus, out), "--quiet"],
        env=_limited_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_file_size_limit(20_000),
    )
    assert done.returncode == 1, done.stderr[-3000:]
    assert "File too large" in _one_line(done.stderr)  # was: chained tracebacks
    stages = _manifest(out)["stages"]
    failed = [name for name, s in stages.items() if s["status"] != "done"]
    assert len(failed) == 1 and stages[failed[0]]["status"] == "failed", stages
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert _no_history_written(tmp_path)  # kernels keep no input history


@pytest.mark.slow
def test_disk_full_while_rendering_writes_no_half_report(locked, monkeypatch, capsys):
    """ENOSPC injected when report.md is written, after report.html was: neither stays."""
    run = _copy_run(locked, "render")
    (run / "report.html").unlink()  # only the report stage runs again
    import synth.run.render as render

    real = render.atomic_path

    @contextmanager
    def full_disk(path):
        if Path(path).name == "report.md":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        with real(path) as tmp:
            yield tmp

    monkeypatch.setattr(render, "atomic_path", full_disk)
    code = main(
        ["run", "--params", SMOKE, "--corpus", str(locked["corpus"]), "--out", str(run)]
        + ["--quiet"]
    )
    line = _one_line(capsys.readouterr().err)
    assert code == 1 and line.startswith("synth: [Errno 28] No space left on device")
    assert not (run / "report.html").exists() and not (run / "report.md").exists()
    report = _manifest(run)["stages"]["report"]
    assert report["status"] == "failed" and "No space left" in report["error"]


# ------------------------------------------------------------- 17. a mistyped run.json


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (lambda m: {**m, "stages": []}, '"stages" should be an object, got list'),
        (lambda m: {**m, "stages": {"search": "done"}}, '"stages"."search" should be an object'),
        (lambda m: {**m, "stages": {"search": {"outputs": []}}}, '"outputs" should be an object'),
        (lambda m: [m], "expected a JSON object, got list"),
    ],
)
def test_mistyped_manifest_is_refused_with_one_line(tmp_path, edit, problem):
    request = make_request(None, SMOKE, write_corpus(tmp_path / "corpus.jsonl"))
    run_dir, manifest = open_run(request, tmp_path / "run", tmp_path)
    (run_dir / "run.json").write_text(json.dumps(edit(manifest)))
    with pytest.raises(InputError, match="not a run manifest") as info:
        open_run(request, run_dir, tmp_path)
    assert problem in str(info.value) and "\n" not in str(info.value)


def test_mistyped_manifest_exits_2_from_the_command(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    run_dir, manifest = open_run(make_request(None, SMOKE, corpus), tmp_path / "run", tmp_path)
    (run_dir / "run.json").write_text(json.dumps({**manifest, "stages": []}))
    code = main(["run", "--params", SMOKE, "--corpus", str(corpus), "--out", str(run_dir)])
    line = _one_line(capsys.readouterr().err)  # was: an AttributeError traceback
    assert code == 2 and line.startswith("synth: error: ") and "not a run manifest" in line


def test_out_that_loops_or_is_too_long_is_refused_with_one_line(tmp_path):
    request = make_request(None, SMOKE, write_corpus(tmp_path / "corpus.jsonl"))
    (tmp_path / "loop").symlink_to("loop")
    with pytest.raises(InputError, match="loop: not a usable --out path .*loop"):
        open_run(request, tmp_path / "loop", tmp_path)  # was: a RuntimeError traceback
    with pytest.raises(InputError, match=r"not a usable --out path \(File name too long\)"):
        open_run(request, tmp_path / ("x" * 300), tmp_path)  # was: exit 1, an OSError
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl", "loop"]


def test_manifest_that_cannot_be_written_leaves_no_folder(tmp_path, monkeypatch):
    """A folder with notebooks/ but no run.json would block its --out for good (issue 20: 14)."""
    import synth.run.folder as folder

    request = make_request(None, SMOKE, write_corpus(tmp_path / "corpus.jsonl"))

    def full_disk(path, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(folder, "write_json", full_disk)
    (tmp_path / "given").mkdir()
    for out in (tmp_path / "new", tmp_path / "given"):
        with contextlib.ExitStack() as stack, pytest.raises(OSError, match="No space left"):
            open_run(request, out, tmp_path, stack)
    assert not (tmp_path / "new").exists()
    assert list((tmp_path / "given").iterdir()) == []  # the empty folder given stays, empty


def test_folder_left_by_a_run_that_died_before_its_manifest_is_used(tmp_path):
    """Older versions left ``notebooks/`` without ``run.json``, refused for good after."""
    request = make_request(None, SMOKE, write_corpus(tmp_path / "corpus.jsonl"))
    left = tmp_path / "left"
    (left / "notebooks").mkdir(parents=True)
    (left / "run.lock").write_text("pid 1 on gone since 2026-01-01\n")
    with contextlib.ExitStack() as stack:
        run_dir, manifest = open_run(request, left, tmp_path, stack)
    assert run_dir == left and (left / "run.json").is_file() and manifest["stages"] == {}
    (tmp_path / "used" / "notebooks").mkdir(parents=True)
    (tmp_path / "used" / "notebooks" / "10_search.ipynb").write_text("{}")
    with pytest.raises(InputError, match="not a synth run folder"):
        open_run(request, tmp_path / "used", tmp_path)


# ------------------------------------------------------- 14. undecodable --question / --out


@pytest.mark.slow
@pytest.mark.parametrize("flag", ["--question", "--out"])
def test_invalid_utf8_argument_exits_2_and_leaves_nothing(tmp_path, flag):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    bad = {"--question": b"Does \xff\xfe help retrieval?", "--out": bytes(tmp_path) + b"/r\xff"}
    args = [b"run", b"--params", SMOKE.encode(), b"--corpus", bytes(corpus)]
    args += [b"--out-root", bytes(tmp_path / "root"), flag.encode(), bad[flag]]
    done = subprocess.run(_synth(*args), env=_env(), capture_output=True, timeout=120)
    assert done.returncode == 2, done.stderr[-2000:]
    line = _one_line(done.stderr.decode("utf-8", "replace"))
    assert line.startswith(f"synth: error: {flag}: not valid UTF-8 (byte b'\\xff' at position ")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.jsonl"]  # no folder left


# ---------------------------------------------- 19. a comparison resumes; quiet in-process run


@pytest.mark.slow
def test_compare_whose_second_run_fails_resumes_into_the_same_folder(tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    narrow = tmp_path / "narrow.yaml"
    narrow.write_text(Path(SMOKE).read_text().replace("max_included: 8", "max_included: 2"))
    folder = tmp_path / "cmp"
    command = _synth("compare", SMOKE, str(narrow), "--corpus", str(corpus), "--quiet")
    command += ["--out-root", str(tmp_path / "root"), "--out", str(folder)]
    with _started(command, tmp_path / "err.log") as proc:
        second = folder / "narrow"
        _wait_for(lambda: _status(second, "claims") == "running" and _kernels(proc.pid), 600, proc)
        for kernel in _kernels(proc.pid):
            kernel.kill()
        code = proc.wait(timeout=60)
    line = _one_line((tmp_path / "err.log").read_text())
    assert (
        code == 1 and f"to resume the comparison, run the same command with --out {folder}" in line
    )
    assert not (folder / "compare.html").exists()
    first = _manifest(folder / "smoke")
    mtimes = {
        n: (folder / "smoke" / n).stat().st_mtime_ns for n in first["stages"]["screen"]["outputs"]
    }
    again = subprocess.run(command, env=_env(), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr[-3000:]
    assert again.stdout.strip() == str(folder / "compare.html")  # was: a new folder
    assert (folder / "compare.html").is_file()
    assert not list((tmp_path / "root").glob("compare_*"))  # no second comparison folder
    for name, mtime in mtimes.items():  # the first run was reused, not redone
        assert (folder / "smoke" / name).stat().st_mtime_ns == mtime
    assert _manifest(second)["stages"]["claims"]["status"] == "done"


def test_compare_out_that_is_another_folder_is_refused(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    other = tmp_path / "other.yaml"
    other.write_text(Path(SMOKE).read_text())
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("precious")
    code = main(["compare", SMOKE, str(other), "--corpus", str(corpus), "--out", str(mine)])
    line = _one_line(capsys.readouterr().err)
    assert code == 2 and "is not a comparison of these params files" in line
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]


@pytest.mark.slow
def test_no_notebooks_run_prints_only_its_one_error_line(tmp_path):
    """PDFs with a wrong ``startxref`` make pypdf log warnings while the corpus is loaded in
    this process; they belong in the executed notebook, not beside the error line."""
    empty = _text_pdf([])
    damaged = empty[: empty.rindex(b"startxref")] + b"startxref\n7\n%%EOF\n"
    corpus = tmp_path / "pdfs"
    corpus.mkdir()
    for i in range(3):
        (corpus / f"scan{i}.pdf").write_bytes(damaged)
    out = tmp_path / "run"
    command = _synth("run", "--params", SMOKE, "--corpus", str(corpus), "--out", str(out))
    done = subprocess.run(
        [*command, "--quiet", "--no-notebooks"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2, done.stderr[-3000:]
    line = _one_line(done.stderr)
    assert line.startswith("synth: error: ") and "no records could be loaded" in line
    assert "empty PDF" in line  # was: also "incorrect startxref pointer(1)" etc. per file

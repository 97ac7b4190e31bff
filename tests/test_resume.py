"""Resume: a run killed in the middle of a stage (SIGTERM, then SIGKILL) is resumed by the
same command, reuses the finished stages (checked by hash in run.json) and ends with the same
tables as an uninterrupted run. Plus the run-folder rules of ``open_run`` and
``stage_is_done`` (cheap, no kernel).

The kills run ``synth run`` as a real subprocess in its own session, so a killed run's
process group (and its Jupyter kernel) can be cleaned up without touching the test runner.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

from synth.errors import InputError
from synth.io import file_sha256, write_json
from synth.run.folder import open_run, stage_is_done
from synth.run.request import make_request
from synth.stages import STAGE

from conftest import ROOT
from corpus import write_corpus

SMOKE = str(ROOT / "params" / "smoke.yaml")
TABLES = ("papers", "claims", "tuples", "verdicts")


def _command(corpus: Path, out: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "synth.cli",
        "run",
        "--params",
        SMOKE,
        "--corpus",
        str(corpus),
        "--out",
        str(out),
    ]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("SYNTH_ARXIV_API_URL", None)
    return env


def _status(out: Path, stage: str) -> str | None:
    try:
        return json.loads((out / "run.json").read_text())["stages"].get(stage, {}).get("status")
    except (OSError, ValueError):
        return None


def _descendants(pid: int) -> set[int]:
    try:
        return {c.pid for c in psutil.Process(pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        return set()


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                alive.add(pid)
        except psutil.NoSuchProcess:
            pass
    return alive


def _kill_during(
    corpus: Path, out: Path, cwd: Path, stage: str, sig: signal.Signals, log: Path
) -> dict:
    """Start ``synth run``, wait until ``stage`` is running (its notebook started, a kernel
    up), send ``sig`` (SIGTERM to the CLI process; SIGKILL to its whole process group) and
    wait for it and every kernel it started to end. Returns exit code, seconds to exit."""
    with open(log, "w") as err:
        proc = subprocess.Popen(
            _command(corpus, out),
            cwd=cwd,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=err,
            start_new_session=True,
        )
    kids: set[int] = set()
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and proc.poll() is None:
            kids |= _descendants(proc.pid)
            if (
                _status(out, stage) == "running"
                and kids
                and (out / "notebooks" / f"{_notebook(stage)}.ipynb").is_file()
            ):
                break
            time.sleep(0.2)
        assert proc.poll() is None, f"run ended before {stage} started:\n{log.read_text()[-2000:]}"
        # the tiny corpus's stages take about a second each: signal at once (a 1 s pause here
        # let a fast machine finish the stage first and made the test flaky)
        time.sleep(0.1)
        kids |= _descendants(proc.pid)
        assert _status(out, stage) == "running", f"{stage} finished before the signal was sent"
        sent = time.monotonic()
        if sig == signal.SIGKILL:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
        code = proc.wait(timeout=60)
        seconds = time.monotonic() - sent
        deadline = time.monotonic() + 15  # a kernel notices its parent died within ~1 s
        while _alive(kids) and time.monotonic() < deadline:
            time.sleep(0.2)
        orphans = _alive(kids)
        return {"code": code, "seconds": seconds, "orphans": orphans}
    finally:
        for pid in _alive(kids | _descendants(proc.pid)):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def _notebook(stage: str) -> str:
    return STAGE[stage].notebook


def _hashes(out: Path, stages: tuple[str, ...]) -> dict[str, str]:
    manifest = json.loads((out / "run.json").read_text())
    return {
        name: digest for s in stages for name, digest in manifest["stages"][s]["outputs"].items()
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """An uninterrupted run, and one killed twice (SIGTERM in claims, SIGKILL in verify) and
    resumed by the same command each time."""
    tmp = tmp_path_factory.mktemp("resume")
    corpus = write_corpus(tmp / "corpus.jsonl")
    work = tmp / "cwd"
    work.mkdir()
    baseline = tmp / "baseline"
    done = subprocess.run(
        [*_command(corpus, baseline), "--quiet"],
        cwd=work,
        env=_env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]

    out = tmp / "resumed"
    term = _kill_during(corpus, out, work, "claims", signal.SIGTERM, tmp / "term.log")
    after_term = json.loads((out / "run.json").read_text())
    hashes_term = _hashes(out, ("search", "screen"))
    mtimes_term = {n: (out / n).stat().st_mtime_ns for n in hashes_term}

    kill = _kill_during(corpus, out, work, "verify", signal.SIGKILL, tmp / "kill.log")
    after_kill = json.loads((out / "run.json").read_text())
    hashes_kill = _hashes(out, ("search", "screen", "claims"))
    mtimes_kill = {n: (out / n).stat().st_mtime_ns for n in hashes_kill}

    final = subprocess.run(
        _command(corpus, out),
        cwd=work,
        env=_env(),
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return {
        "tmp": tmp,
        "work": work,
        "baseline": baseline,
        "out": out,
        "term": term,
        "term_log": (tmp / "term.log").read_text(),
        "after_term": after_term,
        "hashes_term": hashes_term,
        "mtimes_term": mtimes_term,
        "kill": kill,
        "kill_log": (tmp / "kill.log").read_text(),
        "after_kill": after_kill,
        "hashes_kill": hashes_kill,
        "mtimes_kill": mtimes_kill,
        "final": final,
    }


def test_sigterm_exits_promptly_non_zero_and_records_interrupted(runs):
    term = runs["term"]
    assert term["code"] not in (0, None) and term["seconds"] < 30, term
    stages = runs["after_term"]["stages"]
    assert stages["search"]["status"] == stages["screen"]["status"] == "done"
    assert stages["claims"]["status"] == "interrupted" and "SIGTERM" in stages["claims"]["error"]
    assert "synth: interrupted" in runs["term_log"]
    assert "interrupted; run the same command again to resume" in runs["term_log"]
    assert (runs["out"] / "run.json").is_file()  # run folder kept for resuming


def test_killed_runs_leave_no_kernel_behind(runs):
    assert runs["term"]["orphans"] == set()
    assert runs["kill"]["orphans"] == set() and runs["kill"]["code"] == -signal.SIGKILL


def test_rerun_after_sigterm_reused_finished_stages_unchanged(runs):
    log = runs["kill_log"]  # the second command resumed the SIGTERM-ed run
    assert "[search] reused" in log and "[screen] reused" in log
    assert "[claims] running" in log
    stages = runs["after_kill"]["stages"]
    assert stages["claims"]["status"] == "done"
    assert stages["verify"]["status"] == "running"  # SIGKILL: no chance to record more
    assert {n: runs["hashes_kill"][n] for n in runs["hashes_term"]} == runs["hashes_term"]
    for name, mtime in runs["mtimes_term"].items():
        assert (runs["out"] / name).stat().st_mtime_ns == mtime, f"{name} was rewritten"


def test_final_rerun_completes_reusing_and_matches_uninterrupted_run(runs):
    final = runs["final"]
    assert final.returncode == 0, final.stderr[-3000:]
    for stage in ("search", "screen", "claims"):
        assert f"[{stage}] reused" in final.stderr
    for stage in ("verify", "review", "report"):
        assert f"[{stage}] running" in final.stderr
    out, baseline = runs["out"], runs["baseline"]
    assert final.stdout.strip() == str(out / "report.html")
    for name, digest in runs["hashes_kill"].items():
        assert file_sha256(out / name) == digest
        assert (out / name).stat().st_mtime_ns == runs["mtimes_kill"][name], f"{name} rewritten"
    for table in TABLES:
        pd.testing.assert_frame_equal(
            pd.read_parquet(out / f"{table}.parquet"),
            pd.read_parquet(baseline / f"{table}.parquet"),
        )
    manifest = json.loads((out / "run.json").read_text())
    assert all(s["status"] == "done" for s in manifest["stages"].values())
    assert manifest["counts"] == json.loads((baseline / "run.json").read_text())["counts"]
    assert (out / "report.html").is_file() and (out / "report.md").is_file()


def test_no_temporary_files_and_nothing_outside_the_run_folders(runs):
    for folder in (runs["out"], runs["baseline"]):
        assert not [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    assert sorted(p.name for p in runs["tmp"].iterdir()) == [
        "baseline",
        "corpus.jsonl",
        "cwd",
        "kill.log",
        "resumed",
        "term.log",
    ]
    assert list(runs["work"].iterdir()) == []  # nothing written to the working directory


# ------------------------------------------------------------------ run folder rules (cheap)


@pytest.fixture
def request_(tmp_path):
    return make_request(None, SMOKE, write_corpus(tmp_path / "corpus.jsonl"))


def test_out_that_is_not_a_run_folder_is_never_overwritten(request_, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "thesis.tex").write_text("precious")
    with pytest.raises(InputError, match="not a synth run folder; will not overwrite"):
        open_run(request_, folder, tmp_path)
    a_file = tmp_path / "notes.txt"
    a_file.write_text("precious")
    with pytest.raises(InputError, match="not a synth run folder"):
        open_run(request_, a_file, tmp_path)
    assert (folder / "thesis.tex").read_text() == "precious" and a_file.read_text() == "precious"
    assert sorted(p.name for p in folder.iterdir()) == ["thesis.tex"]


def test_empty_out_folder_is_used_and_paths_are_resolved(request_, tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    run_dir, manifest = open_run(request_, "empty/../empty", Path("elsewhere"))
    assert run_dir == (tmp_path / "empty").resolve() and run_dir.is_absolute()
    assert (run_dir / "run.json").is_file() and (run_dir / "notebooks").is_dir()
    assert not (tmp_path / "elsewhere").exists()
    again, manifest2 = open_run(request_, run_dir, Path("elsewhere"))  # same request: resume
    assert again == run_dir and manifest2["fingerprint"] == manifest["fingerprint"]


def test_other_request_or_broken_manifest_is_refused(request_, tmp_path):
    run_dir, _ = open_run(request_, tmp_path / "run", tmp_path)
    other = make_request("What about audio retrieval on AudioCaps?", SMOKE, request_.corpus)
    with pytest.raises(InputError, match="another question, parameters or corpus"):
        open_run(other, run_dir, tmp_path)
    (run_dir / "run.json").write_text('{"fingerprint": ')
    with pytest.raises(InputError, match="unreadable run manifest") as info:
        open_run(request_, run_dir, tmp_path)
    assert "\n" not in str(info.value)


def test_new_run_folders_never_collide(request_, tmp_path):
    first, _ = open_run(request_, None, tmp_path / "root")
    second, _ = open_run(request_, None, tmp_path / "root")
    assert first != second and first.parent == second.parent == (tmp_path / "root").resolve()


def test_stage_is_done_checks_status_expected_outputs_and_hashes(tmp_path):
    for name in STAGE["screen"].outputs:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    record = {
        "status": "done",
        "outputs": {n: file_sha256(tmp_path / n) for n in STAGE["screen"].outputs},
    }
    write_json(tmp_path / "run.json", record)
    assert stage_is_done(tmp_path, record, STAGE["screen"].outputs)
    assert not stage_is_done(tmp_path, {**record, "status": "running"}, STAGE["screen"].outputs)
    assert not stage_is_done(tmp_path, {**record, "status": "interrupted"})
    assert not stage_is_done(tmp_path, None)
    partial = {"status": "done", "outputs": {"papers.csv": record["outputs"]["papers.csv"]}}
    assert stage_is_done(tmp_path, partial) and not stage_is_done(
        tmp_path, partial, STAGE["screen"].outputs
    )
    (tmp_path / "papers.csv").write_text("edited by hand")
    assert not stage_is_done(tmp_path, record, STAGE["screen"].outputs)
    (tmp_path / "papers.csv").unlink()
    assert not stage_is_done(tmp_path, record)

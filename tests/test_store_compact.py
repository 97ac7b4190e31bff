"""Compaction of a persistent index (synth index compact): the same rankings bit for bit,
deleted papers dropped, old folders removed only after the manifest swap, a stopped
compaction leaves the old index, and folders left by killed runs are cleared."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synth import search
from synth.cli import main
from synth.sources.local import SAMPLE_FILE, load_corpus
from synth.store import compact as compact_module
from synth.store.build import build_index, next_segment_number, read_manifest, update_index
from synth.store.compact import compact_index, plan_groups
from synth.store.filters import Filters
from synth.store.query import open_index
from synth.store.segment import ROW_GROUP, write_segment

from synth_proc import sigterm_when_logged

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?",
    "graph neural networks for molecules",
    "language models",
]


def _index_with_updates(tmp_path: Path) -> Path:
    """The 2,000-paper sample in segments of 700, then 500 of its papers as newer versions
    (abstracts changed) in segments of 300: 5 segments, 500 rows deleted."""
    root = tmp_path / "idx"
    build_index(SAMPLE_FILE, root, segment_docs=700, progress=False)
    papers = load_corpus(SAMPLE_FILE).papers.iloc[100:1600:3].copy()
    papers["version"] = papers["version"].fillna(1) + 1
    papers["abstract"] = papers["abstract"] + " Graph neural retrieval of molecules."
    papers.to_json(tmp_path / "newer.jsonl", orient="records", lines=True)
    update_index(root, tmp_path / "newer.jsonl", segment_docs=300, progress=False)
    return root


def _results(root: Path) -> list:
    """Ids, float32 score bytes and papers of several searches, and the statistics."""
    reader = open_index(root)
    out = []
    for question in QUESTIONS:
        query = search.weighted_query(search.extract_key_terms(question))
        for top in (5, 50, 5000):
            hits = reader.search(query, top)
            out.append((hits.ids, hits.scores.tobytes()))
        out.append(reader.collection(query))
        hits = reader.search(query, 40, Filters.parse("cs.CV cs.CL", "2025-"))
        out.append((hits.ids, hits.scores.tobytes()))
        out.append(reader.papers(reader.search(query, 30)).to_json())
    return out


def test_compaction_keeps_every_ranking_bit_for_bit(tmp_path):
    root = _index_with_updates(tmp_path)
    before = read_manifest(root)
    assert len(before["segments"]) == 5 and before["history"][-1]["replaced"] == 500
    results = _results(root)
    manifest = compact_index(root, segment_docs=1200)
    assert _results(root) == results
    names = [s["name"] for s in manifest["segments"]]
    assert names == ["seg-00005", "seg-00006"]
    assert sorted(p.name for p in root.iterdir()) == ["manifest.json", *names]
    assert [s["docs"] for s in manifest["segments"]] == [s["live"] for s in manifest["segments"]]
    assert sum(s["docs"] for s in manifest["segments"]) == manifest["papers"] == 2000
    assert manifest["generation"] == before["generation"] + 1
    assert manifest["history"][-1] | {"at": ""} == {
        "action": "compact",
        "at": "",
        "segments_before": 5,
        "segments_after": 2,
        "removed": 500,
    }
    for name in names:  # row r is in row group r // ROW_GROUP
        sizes = pq.ParquetFile(root / name / "docs.parquet").metadata
        groups = [sizes.row_group(i).num_rows for i in range(sizes.num_row_groups)]
        assert all(n == ROW_GROUP for n in groups[:-1]) and 0 < groups[-1] <= ROW_GROUP
    # compacting again changes nothing; updating after a compaction still works
    assert compact_index(root, segment_docs=1200) == manifest
    update_index(root, SAMPLE_FILE, progress=False)  # nothing newer: all dropped
    assert _results(root) == results


def test_a_compacted_segment_is_the_segment_its_papers_would_make(tmp_path):
    root = _index_with_updates(tmp_path)
    reader = open_index(root)
    pairs = zip(reader.segments, reader.live, strict=True)
    live = [seg.papers(np.flatnonzero(m)) for seg, m in pairs]
    write_segment(pd.concat(live, ignore_index=True), tmp_path / "fresh")
    manifest = compact_index(root)  # the default size: one segment
    merged = root / manifest["segments"][0]["name"]
    assert len(manifest["segments"]) == 1
    for path in sorted((tmp_path / "fresh").iterdir()):
        if path.suffix == ".npy":
            want, got = np.load(path), np.load(merged / path.name)
            assert want.dtype == got.dtype and np.array_equal(want, got), path.name
        elif path.suffix != ".parquet":
            assert path.read_bytes() == (merged / path.name).read_bytes(), path.name
    fresh = pq.read_table(tmp_path / "fresh" / "docs.parquet").to_pandas()
    assert fresh.equals(pq.read_table(merged / "docs.parquet").to_pandas())


def test_embeddings_follow_the_live_rows(tmp_path):
    root = _index_with_updates(tmp_path)
    reader = open_index(root)
    vectors = []
    for seg in reader.segments:
        rng = np.random.default_rng(seg.size)
        vectors.append(rng.random((seg.size, 4), dtype=np.float32))
        np.save(seg.folder / "embeddings.npy", vectors[-1])
    manifest = compact_index(root)
    got = np.load(root / manifest["segments"][0]["name"] / "embeddings.npy")
    assert np.array_equal(
        got, np.concatenate([v[m] for v, m in zip(vectors, reader.live, strict=True)])
    )


def test_a_segment_alone_is_rewritten_only_with_deleted_papers(tmp_path):
    root = _index_with_updates(tmp_path)
    before = read_manifest(root)["segments"]
    results = _results(root)
    manifest = compact_index(root, segment_docs=1)  # every segment stays alone
    rewritten = [s["name"] for s in before if s["live"] < s["docs"]]
    kept = [s["name"] for s in manifest["segments"] if s["name"] in {e["name"] for e in before}]
    assert len(manifest["segments"]) == 5 and rewritten and kept
    assert sorted(kept) == sorted(s["name"] for s in before if s["live"] == s["docs"])
    assert _results(root) == results


def test_groups_are_consecutive_and_fit_the_size():
    entries = [{"live": n, "docs": n} for n in (5, 3, 9, 2, 2, 20, 1)]
    assert plan_groups(entries, 10) == [[0, 1], [2], [3, 4], [5], [6]]
    assert plan_groups(entries, 100) == [list(range(7))]
    assert plan_groups([], 10) == []


def test_a_stopped_compaction_leaves_the_old_index(tmp_path, monkeypatch):
    root = _index_with_updates(tmp_path)
    results, listing = _results(root), sorted(p.name for p in root.rglob("*"))
    manifest = (root / "manifest.json").read_bytes()
    calls = []
    real = compact_module.merge_segments

    def stopping(segments, lives, folder):
        calls.append(folder)
        if len(calls) == 2:  # the first merged segment is complete and renamed by now
            raise KeyboardInterrupt
        return real(segments, lives, folder)

    monkeypatch.setattr(compact_module, "merge_segments", stopping)
    with pytest.raises(KeyboardInterrupt):
        compact_index(root, segment_docs=1200)
    assert len(calls) == 2
    assert (root / "manifest.json").read_bytes() == manifest
    assert sorted(p.name for p in root.rglob("*")) == listing
    assert _results(root) == results


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_folders_left_by_killed_runs_are_removed_by_the_next_run(tmp_path, capsys):
    build_index(SAMPLE_FILE, tmp_path / "idx", segment_docs=700, progress=False)
    root, dead = tmp_path / "idx", _dead_pid()
    stale = [root / f".seg-00003.partial-{dead}", root / f".seg-00004.partial-{dead}"]
    running = root / f".seg-00005.partial-{os.getpid()}"  # a live process's: kept
    for folder in [*stale, running]:
        folder.mkdir()
        (folder / "ids.npy").write_bytes(b"")
    (root / "seg-00007").mkdir()  # a segment written, its manifest never swapped
    assert next_segment_number(root, read_manifest(root)["segments"]) == 8
    manifest = compact_index(root, segment_docs=1400)
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "removed 2 folder(s) left by stopped runs" in err, err
    assert all(name in err for name in (stale[0].name, stale[1].name))
    assert not any(f.exists() for f in stale) and running.is_dir()
    assert [s["name"] for s in manifest["segments"]] == ["seg-00008", "seg-00002"]
    other = tmp_path / f".other.partial-{dead}"
    for folder in (tmp_path / f".new.partial-{dead}", other):
        folder.mkdir()
    build_index(SAMPLE_FILE, tmp_path / "new", segment_docs=2000, progress=False)
    assert f".new.partial-{dead}" in capsys.readouterr().err
    assert other.is_dir()  # another index's: not this build's business


def test_bad_compact_input_is_one_line_and_exit_2(tmp_path, capsys):
    build_index(SAMPLE_FILE, tmp_path / "idx", segment_docs=700, progress=False)
    cases = [
        (("index", "compact", str(tmp_path / "missing")), "index folder not found"),
        (("index", "compact", str(tmp_path)), "not a synth index"),
        (("index", "compact", str(tmp_path / "idx"), "--segment-size", "0"), "segment size 0"),
        (("index", "compact", str(tmp_path / "idx"), str(SAMPLE_FILE)), "index folder only"),
    ]
    for args, message in cases:
        assert main(list(args)) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("synth: error: ") and message in err, err
    assert len(read_manifest(tmp_path / "idx")["segments"]) == 3
    assert main(["index", "compact", str(tmp_path / "idx"), "--quiet"]) == 0
    out = capsys.readouterr()
    assert out.out.strip() == str(tmp_path / "idx") and out.err == ""
    assert len(read_manifest(tmp_path / "idx")["segments"]) == 1


@pytest.mark.slow
def test_sigterm_during_a_compaction_exits_130_and_leaves_the_old_index(tmp_path):
    root = tmp_path / "idx"
    build_index(SAMPLE_FILE, root, segment_docs=20, progress=False)  # 100 segments
    manifest, listing = (root / "manifest.json").read_bytes(), sorted(root.rglob("*"))
    args = ["index", "compact", str(root), "--segment-size", "40"]
    code, rest = sigterm_when_logged(args, "seg-00102", ROOT)  # merged segments are logged
    assert code == 130, rest
    assert (root / "manifest.json").read_bytes() == manifest
    assert sorted(root.rglob("*")) == listing


@pytest.mark.slow
def test_a_killed_build_leaves_a_partial_folder_the_next_build_removes(tmp_path):
    out = tmp_path / "idx"
    cmd = [sys.executable, "-m", "synth.cli", "index", "build", str(SAMPLE_FILE)]
    args = [*cmd, "--out", str(out), "--segment-docs", "20"]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        for line in proc.stderr:
            if "seg-00002" in line:
                proc.send_signal(signal.SIGKILL)
                break
        proc.communicate(timeout=60)
    finally:
        proc.kill()
    left = [p.name for p in tmp_path.iterdir()]
    assert left == [f".idx.partial-{proc.pid}"]
    done = subprocess.run([*args, "--quiet"], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and f".idx.partial-{proc.pid}" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]
    assert json.loads((out / "manifest.json").read_text())["papers"] == 2000

"""Issue 19: the persistent index at arXiv scale and against `--corpus` on the listings.

Measures, each step a child process whose process tree is sampled for RSS every 0.2 s
(``pipeline.peak_rss``): the build of the 2.7M-record snapshot-format file
(``make_snapshot.py``; or its figures read from a ``/usr/bin/time -v`` log of a build run
beforehand with ``--build-log``), the index size on disk, ``synth run --index`` on the seed
question end to end (notebooks included), ``synth rank --index`` per-query latency after the
first (in process, the 20 questions of ``screen_dev.jsonl``; ``--repeat`` times, each with
the load average), an update of 5k records (on a hard-linked copy, so the measured index is
left as it was), ``synth index compact`` of a copy (``--work``/index-compact: wall time,
peak RSS, size after, then the rank latency on it), and on the 15.9k-paper listings an index
run against today's ``--corpus`` run (same papers, same order, same answer).

The machine has 2 cores shared with other sessions: every time is an upper bound.

    python benchmarks/make_snapshot.py --records 2700000 --out /tmp/snapshot/snapshot.json
    python benchmarks/make_snapshot.py --records 5000 --first 2700000 \\
        --out /tmp/snapshot/update5k.json
    nohup nice /usr/bin/time -v synth index build /tmp/snapshot/snapshot.json \\
        --out /tmp/snapshot/index > /tmp/index_build.log 2>&1 &
    python benchmarks/index.py --index /tmp/snapshot/index --build-log /tmp/index_build.log \\
        --update /tmp/snapshot/update5k.json --work /tmp/index-bench
    nice -n 5 python benchmarks/index.py --index /tmp/snapshot/index --steps rank compact \\
        --repeat 3 --work /tmp/index-bench
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
from pipeline import LISTINGS, ROOT, peak_rss

DEV = ROOT / "benchmarks" / "screen_dev.jsonl"


def timed(cmd: list[str], timeout: float = 3600) -> dict:
    """Run ``cmd``; wall seconds and the peak summed RSS of its process tree (MB)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    stop, box = threading.Event(), [0]
    watcher = threading.Thread(target=peak_rss, args=(proc, stop, box), daemon=True)
    watcher.start()
    out, err = proc.communicate(timeout=timeout)
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err[-2000:]}")
    return {"wall_s": round(wall, 2), "peak_rss_mb": round(box[0] / 2**20), "stdout": out}


def synth(*args: str) -> list[str]:
    return [sys.executable, "-m", "synth.cli", *args]


def build_from_log(log: Path) -> dict:
    """Wall time and peak RSS of a build from ``/usr/bin/time -v``'s report."""
    text = log.read_text(errors="replace")
    wall = re.search(r"Elapsed \(wall clock\) time.*?: (?:(\d+):)?(\d+):([\d.]+)", text)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if not wall or not rss:
        raise SystemExit(f"{log}: no /usr/bin/time -v report (has the build finished?)")
    hours, minutes, seconds = (float(g) if g else 0.0 for g in wall.groups())
    return {
        "wall_s": round(hours * 3600 + minutes * 60 + seconds, 1),
        "peak_rss_mb": round(int(rss.group(1)) / 1024),
        "from": str(log),
    }


def disk_size(index: Path) -> dict:
    """Bytes on disk by kind: parquet papers, postings arrays, the rest."""
    sizes = {"parquet_gb": 0, "postings_gb": 0, "other_gb": 0}
    for f in index.rglob("*"):
        if f.is_file():
            n = f.stat().st_size
            kind = "parquet_gb" if f.suffix == ".parquet" else None
            kind = kind or (
                "postings_gb" if f.name.split(".")[0] in ("text", "title") else "other_gb"
            )
            sizes[kind] += n
    total = sum(sizes.values())
    return {k: round(v / 1e9, 3) for k, v in sizes.items()} | {"total_gb": round(total / 1e9, 3)}


def run_seed(index: Path, out: Path) -> dict:
    """``synth run --index`` on the seed question (default params), end to end."""
    result = timed(synth("run", "--index", str(index), "--out", str(out), "--quiet"))
    manifest = json.loads((out / "run.json").read_text())
    stages = {k: v["seconds"] for k, v in manifest["stages"].items()}
    searched = json.loads((out / "search.json").read_text())
    return {
        "wall_s": result["wall_s"],
        "peak_rss_mb": result["peak_rss_mb"],
        "stages_s": stages,
        "candidates": searched["candidates"],
        "index_scored": searched["index_scored"],
        "included": manifest["counts"]["included"],
    }


def load() -> float:
    """The 1-minute load average (2 cores shared with other sessions)."""
    return round(os.getloadavg()[0], 2)


def rank_repeated(index: Path, repeat: int) -> dict:
    """``rank_latency`` ``repeat`` times, each in a new process (a cold start each), with the
    load average before each; and the median of the medians."""
    runs = []
    for _ in range(repeat):
        before = load()
        code = (
            "import json, sys; from pathlib import Path; sys.path.insert(0, 'benchmarks'); "
            f"from index import rank_latency; print(json.dumps(rank_latency(Path({str(index)!r}))))"
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
        )
        runs.append({"load_before": before, **json.loads(done.stdout)})
    medians = sorted(r["after_first_median_ms"] for r in runs)
    return {"runs": runs, "median_of_medians_ms": medians[len(medians) // 2]}


def compact_copy(index: Path, work: Path, size: int | None) -> dict:
    """``synth index compact`` of a full copy of the index (``work``/index-compact, kept for
    the rank latency after): wall time, peak RSS, size on disk after, load averages."""
    copy = work / "index-compact"
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-r", str(index), str(copy)], check=True, timeout=1800)
    before = load()
    extra = ["--segment-size", str(size)] if size else []
    result = timed(synth("index", "compact", str(copy), "--quiet", *extra))
    manifest = json.loads((copy / "manifest.json").read_text())
    return {
        "load_before": before,
        "load_after": load(),
        "wall_s": result["wall_s"],
        "peak_rss_mb": result["peak_rss_mb"],
        "segments": [manifest["history"][-1]["segments_before"], len(manifest["segments"])],
        "size": disk_size(copy),
        "index": str(copy),
    }


def rank_latency(index: Path) -> dict:
    """Per-query seconds of ``synth rank --index``'s ranking (top 100), in one process."""
    sys.path.insert(0, str(ROOT))
    from synth.store.batch import rank_index
    from synth.store.query import open_index

    questions = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    start = time.perf_counter()
    reader = open_index(index)
    opened = time.perf_counter() - start
    times, cpu = [], []
    for q in questions:
        start, start_cpu = time.perf_counter(), time.process_time()
        lines = list(rank_index(reader, [(q["id"], q["question"])], 100))
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert lines, q["id"]
    rest, rest_cpu = sorted(times[1:]), sorted(cpu[1:])
    return {
        "after_first_median_cpu_ms": round(statistics.median(rest_cpu) * 1000, 1),
        "after_first_p90_cpu_ms": round(rest_cpu[int(0.9 * (len(rest_cpu) - 1))] * 1000, 1),
        "queries": len(times),
        "open_s": round(opened, 3),
        "first_ms": round(times[0] * 1000, 1),
        "after_first_median_ms": round(statistics.median(rest) * 1000, 1),
        "after_first_p90_ms": round(rest[int(0.9 * (len(rest) - 1))] * 1000, 1),
        "after_first_max_ms": round(rest[-1] * 1000, 1),
    }


def update_copy(index: Path, source: Path, work: Path) -> dict:
    """``synth index update`` of ``source`` into a hard-linked copy of the index (updates
    write new files and replace the manifest, so the original is untouched)."""
    copy = work / "index-update"
    shutil.rmtree(copy, ignore_errors=True)
    subprocess.run(["cp", "-al", str(index), str(copy)], check=True, timeout=600)
    result = timed(synth("index", "update", str(copy), str(source), "--quiet"))
    history = json.loads((copy / "manifest.json").read_text())["history"][-1]
    shutil.rmtree(copy, ignore_errors=True)
    return {k: result[k] for k in ("wall_s", "peak_rss_mb")} | {
        k: history[k] for k in ("added", "replaced", "dropped")
    }


def listings_comparison(work: Path) -> dict:
    """The 15.9k listings: index build, then the seed run by ``--corpus`` and by ``--index``
    (same papers in the same order, same answer) and the 20 dev questions ranked both ways."""
    index, runs = work / "listings-index", {}
    shutil.rmtree(index, ignore_errors=True)
    build = timed(synth("index", "build", str(LISTINGS), "--out", str(index), "--quiet"))
    for flag, where in (("--corpus", LISTINGS), ("--index", index)):
        out = work / f"listings-run{flag}"
        shutil.rmtree(out, ignore_errors=True)
        runs[flag] = timed(synth("run", flag, str(where), "--out", str(out), "--quiet"))
        runs[flag]["papers"] = pd.read_parquet(out / "papers.parquet")
        runs[flag]["answer"] = json.loads((out / "answer.json").read_text())
    by_index, by_corpus = runs["--index"]["papers"], runs["--corpus"]["papers"]
    cols = ["paper_id", "score", "rank", "included", "exclusion_reason"]
    same = by_index[cols].equals(by_corpus[cols].head(len(by_index)))
    queries = work / "dev_queries.jsonl"
    queries.write_text(
        "".join(
            json.dumps({"_id": q["id"], "text": q["question"]}) + "\n"
            for q in map(json.loads, DEV.read_text().splitlines())
        )
    )
    ranked = {}
    for flag, where in (("--corpus", LISTINGS), ("--index", index)):
        out = work / f"rank{flag}.tsv"
        args = ("rank", flag, str(where), "--queries", str(queries), "--out", str(out))
        ranked[flag] = timed(synth(*args)) | {"lines": out.read_text().splitlines()}
    nonzero = [ln for ln in ranked["--corpus"]["lines"] if " 0.0000 " not in ln]
    return {
        "build": {k: build[k] for k in ("wall_s", "peak_rss_mb")},
        "size": disk_size(index),
        "run": {flag: {k: runs[flag][k] for k in ("wall_s", "peak_rss_mb")} for flag in runs},
        "same_papers_same_order": bool(same),
        "papers_compared": len(by_index),
        "same_answer": runs["--index"]["answer"] == runs["--corpus"]["answer"],
        "rank_20_questions_s": {flag: ranked[flag]["wall_s"] for flag in ranked},
        "rank_same_lines": ranked["--index"]["lines"] == nonzero,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, help="the 2.7M-record index (built already)")
    parser.add_argument("--build-log", type=Path, help="/usr/bin/time -v log of its build")
    parser.add_argument("--update", type=Path, help="snapshot-format file of 5k new records")
    parser.add_argument("--work", type=Path, default=Path("/tmp/index-bench"), help="temp folder")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "index.json")
    parser.add_argument("--repeat", type=int, default=1, help="rank: runs (each a process)")
    parser.add_argument("--segment-size", type=int, help="compact: papers per merged segment")
    parser.add_argument(
        "--steps",
        nargs="+",
        default=["build", "size", "run", "rank", "update", "compact", "listings"],
        help="which measurements (default: all; compact also ranks on the compacted copy)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results = json.loads(args.out.read_text()) if args.out.is_file() else {}
    steps = {
        "build": lambda: build_from_log(args.build_log),
        "size": lambda: disk_size(args.index),
        "run": lambda: run_seed(args.index, args.work / f"seed-run-{int(time.time())}"),
        "rank": lambda: rank_repeated(args.index, args.repeat),
        "compact": lambda: compact_copy(args.index, args.work, args.segment_size),
        "update": lambda: update_copy(args.index, args.update, args.work),
        "listings": lambda: listings_comparison(args.work),
    }
    for step in args.steps:
        results[step] = steps[step]()
        print(step, json.dumps(results[step]), file=sys.stderr, flush=True)
        if step == "compact":
            compacted = Path(results[step]["index"])
            results["rank_compacted"] = rank_repeated(compacted, args.repeat)
            print("rank_compacted", json.dumps(results["rank_compacted"]), file=sys.stderr)
    if args.index:
        results["papers"] = json.loads((args.index / "manifest.json").read_text())["papers"]
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()

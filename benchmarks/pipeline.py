"""End-to-end `synth run` at several corpus sizes: wall time per stage, kernel start-up and
notebook overhead, peak memory; a plot of time against size.

Corpora are built from ../shared/data/arxiv_daily_listings (deduplicated by id) into a temp
folder: 1k and 5k are deterministic samples that always contain the video-text retrieval
papers, 16k is the whole sample, 100k repeats the records under new ids with lightly perturbed
text. Nothing from ../shared is copied into the project.

    python benchmarks/pipeline.py [--sizes 1000 5000 16000 100000] [--out benchmarks/results]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
LISTINGS = ROOT.parent / "shared" / "data" / "arxiv_daily_listings"
TOPIC = ("msr-vtt", "didemo", "text-video retrieval", "video-text retrieval")


def load_unique(folder: Path) -> list[dict]:
    """Every unique record of the listings (last occurrence of an id wins), in file order."""
    records: dict[str, dict] = {}
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            rec = json.loads(line)
            records[rec["id"]] = rec
    return list(records.values())


def sample(records: list[dict], size: int, seed: int = 0) -> list[dict]:
    """``size`` records: all on-topic ones first, the rest a seeded sample; or, beyond the
    pool, copies under new ids ("<id>-r<k>") with every tenth word dropped."""
    if size <= len(records):
        on = [r for r in records if any(t in (r["title"] + r["summary"]).lower() for t in TOPIC)]
        rest = [r for r in records if r not in on]
        random.Random(seed).shuffle(rest)
        return on + rest[: size - len(on)]
    out = list(records)
    k = 0
    while len(out) < size:
        k += 1
        for rec in records:
            if len(out) >= size:
                break
            words = rec["summary"].split()
            text = " ".join(w for i, w in enumerate(words) if (i + k) % 10)
            out.append({**rec, "id": f"{rec['id']}-r{k}", "summary": text})
    return out


def peak_rss(proc: subprocess.Popen, stop: threading.Event, box: list[int]) -> None:
    """Sample the summed RSS of ``proc`` and its children (the kernels) every 0.2 s."""
    try:
        parent = psutil.Process(proc.pid)
        while not stop.is_set():
            total = 0
            for p in [parent, *parent.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            box[0] = max(box[0], total)
            time.sleep(0.2)
    except psutil.Error:
        pass


def run_once(corpus: Path, out: Path, extra: list[str]) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "synth.cli",
        "run",
        "--corpus",
        str(corpus),
        "--out",
        str(out),
        "--quiet",
        *extra,
    ]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    stop, box = threading.Event(), [0]
    watcher = threading.Thread(target=peak_rss, args=(proc, stop, box), daemon=True)
    watcher.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - start
    stop.set()
    watcher.join()
    if proc.returncode:
        raise RuntimeError(f"synth run failed ({proc.returncode}): {err[-2000:]}")
    manifest = json.loads((out / "run.json").read_text())
    stages = {k: v["seconds"] for k, v in manifest["stages"].items()}
    cells = {}
    for nb in (out / "notebooks").glob("*.ipynb"):
        data = json.loads(nb.read_text())
        cells[nb.stem] = sum(
            (c.get("metadata", {}).get("papermill", {}).get("duration") or 0) for c in data["cells"]
        )
    return {
        "wall_s": round(wall, 2),
        "peak_rss_mb": round(box[0] / 2**20),
        "stages_s": stages,
        "cells_s": {k: round(v, 2) for k, v in sorted(cells.items())},
        "overhead_s": round(sum(stages.values()) - sum(cells.values()), 2),
        "included": manifest["counts"]["included"],
        "claims": manifest["counts"]["claims"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 16000, 100000])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--listings", default=str(LISTINGS), help="arXiv listings folder")
    parser.add_argument(
        "--extra", nargs=argparse.REMAINDER, default=[], help="more arguments for synth run"
    )
    args = parser.parse_args()
    listings = Path(args.listings)
    if not listings.is_dir():
        sys.exit(f"{listings}: not found (the benchmark needs ../shared/data)")
    records = load_unique(listings)
    results = {
        "machine": {
            "cpus": psutil.cpu_count(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "runs": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            corpus = Path(tmp) / f"corpus_{size}.jsonl"
            rows = sample(records, size)
            corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
            result = run_once(corpus, Path(tmp) / f"run_{size}", args.extra)
            result["papers"] = len(rows)
            results["runs"][str(size)] = result
            print(size, json.dumps(result), flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "pipeline.json").write_text(json.dumps(results, indent=2))
    plot(results, out / "pipeline.png")


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(int(s) for s in results["runs"])
    fig, ax = plt.subplots(figsize=(6, 3.5))
    stages = list(results["runs"][str(sizes[0])]["stages_s"])
    bottom = [0.0] * len(sizes)
    for stage in stages:
        vals = [results["runs"][str(s)]["stages_s"][stage] for s in sizes]
        ax.bar([str(s) for s in sizes], vals, bottom=bottom, label=stage)
        bottom = [b + v for b, v in zip(bottom, vals, strict=True)]
    ax.set_xlabel("papers in corpus")
    ax.set_ylabel("seconds (stacked by stage)")
    ax.legend(fontsize=8)
    fig.savefig(path, dpi=110, bbox_inches="tight")


if __name__ == "__main__":
    main()

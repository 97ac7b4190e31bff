"""Head-to-head comparison of runs of the same question under different parameter sets.

Every function takes the run folders (``synth.run.run_compare`` makes them) and returns a
table, or draws one: papers included and their overlap, claims, verdicts by label, reviewer
scores, stage timings.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from synth.io import read_json


def _name(run_dir: Path) -> str:
    manifest = read_json(run_dir / "run.json")
    return Path(manifest.get("params_file") or "default").stem


def compute_summary(run_dirs: list[Path]) -> pd.DataFrame:
    """One row per run: params, included papers, claims, verdicts by label, overall review."""
    rows = []
    for run in map(Path, run_dirs):
        papers = pd.read_parquet(run / "papers.parquet")
        verdicts = pd.read_parquet(run / "verdicts.parquet")
        review = read_json(run / "review.json")
        manifest = read_json(run / "run.json")
        labels = verdicts["label"].value_counts()
        rows.append(
            {
                "run": _name(run),
                "included": int(papers["included"].sum()),
                "claims": len(verdicts),
                "supported": int(labels.get("SUPPORTED", 0)),
                "contradicted": int(labels.get("CONTRADICTED", 0)),
                "unverified": int(labels.get("UNVERIFIED", 0)),
                "review_overall": review["overall"],
                "review_spread": review["spread"],
                "seconds": round(sum(s.get("seconds", 0) for s in manifest["stages"].values()), 1),
            }
        )
    return pd.DataFrame(rows)


def compute_overlap(run_dirs: list[Path]) -> pd.DataFrame:
    """Jaccard overlap of the included paper ids between every pair of runs."""
    names = [_name(Path(r)) for r in run_dirs]
    sets = []
    for run in map(Path, run_dirs):
        papers = pd.read_parquet(run / "papers.parquet", columns=["paper_id", "included"])
        sets.append(set(papers.loc[papers["included"], "paper_id"]))
    jac = [[len(a & b) / len(a | b) if a | b else 1.0 for b in sets] for a in sets]
    return pd.DataFrame(np.round(jac, 3), index=names, columns=names)


def compute_reviews(run_dirs: list[Path]) -> pd.DataFrame:
    """Reviewer scores: one row per reviewer, one column per run."""
    cols = {}
    for run in map(Path, run_dirs):
        review = read_json(run / "review.json")
        cols[_name(run)] = {r["name"]: r["score"] for r in review["reviewers"]}
    return pd.DataFrame(cols)


def compute_timings(run_dirs: list[Path]) -> pd.DataFrame:
    """Stage wall times in seconds: one row per run, one column per stage."""
    rows = {}
    for run in map(Path, run_dirs):
        stages = read_json(run / "run.json")["stages"]
        rows[_name(run)] = {k: v.get("seconds", np.nan) for k, v in stages.items()}
    return pd.DataFrame(rows).T


def plot_overlap(overlap: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    ax = ax or plt.subplots(figsize=(4, 3.5))[1]
    im = ax.imshow(overlap.to_numpy(), vmin=0, vmax=1, cmap="Blues")
    ax.set_xticks(range(len(overlap)), overlap.columns, rotation=30, ha="right")
    ax.set_yticks(range(len(overlap)), overlap.index)
    for i in range(len(overlap)):
        for j in range(len(overlap)):
            ax.text(j, i, f"{overlap.iat[i, j]:.2f}", ha="center", va="center", fontsize=8)
    ax.figure.colorbar(im, ax=ax, label="Jaccard overlap of included papers")
    return ax


def plot_grouped(table: pd.DataFrame, ylabel: str, ax: plt.Axes | None = None) -> plt.Axes:
    """Grouped bars: rows on the x axis, one bar per column."""
    ax = ax or plt.subplots(figsize=(7, 3))[1]
    table.plot.bar(ax=ax, rot=0)
    ax.set_ylabel(ylabel)
    return ax

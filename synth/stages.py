"""The stage table: each stage's notebook, the run-folder artifacts it reads and writes, and
the parameters it takes from the params file's ``shared`` block; plus the run's paths.

This is the only place that says what a stage reads or writes. The runner (what to hash
and reuse on resume), ``io.Artifacts`` (reads and writes checked against the table), the
notebooks and the tests all use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Stage:
    """One pipeline stage: ``notebooks/<notebook>.ipynb`` reads ``reads`` from the run folder
    and writes ``writes`` there (paths relative to the run folder). ``shared`` names the keys
    of the params file's ``shared:`` block that its parameters cell takes; ``fixed``, the
    notebook parameters the runner always sets (not in params files)."""

    name: str
    notebook: str
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    shared: tuple[str, ...] = ()
    fixed: tuple[tuple[str, object], ...] = ()

    @property
    def outputs(self) -> tuple[str, ...]:
        """Everything the stage leaves in the run folder: its artifacts and its parameters."""
        return (*self.writes, f"params/{self.name}.json")


QUESTION = "question.json"

STAGES: tuple[Stage, ...] = (
    Stage(
        "search",
        "10_search",
        reads=(),
        writes=(
            QUESTION,
            "candidates.parquet",
            "terms.parquet",
            "terms.csv",
            "queries.csv",
            "load_report.csv",
            "skipped.csv",
            "search.json",
            "figures/search_terms.png",
        ),
        shared=("question", "cache_dir"),
    ),
    Stage(
        "screen",
        "20_screen",
        reads=(QUESTION, "candidates.parquet", "terms.parquet", "search.json"),
        writes=(
            "papers.parquet",
            "papers.csv",
            "prisma.json",
            "coverage.json",
            "figures/relevance.png",
            "figures/prisma.png",
        ),
        shared=("cache_dir",),
    ),
    Stage(
        "claims",
        "30_claims",
        reads=("papers.parquet",),
        writes=(
            "sentences.parquet",
            "claims.parquet",
            "claims.csv",
            "tuples.parquet",
            "tuples.csv",
            "figures/claim_scores.png",
        ),
    ),
    Stage(
        "verify",
        "40_verify",
        reads=("claims.parquet", "sentences.parquet"),
        writes=(
            "verdicts.parquet",
            "verdicts.csv",
            "calibration.json",
            "figures/verdicts.png",
            "figures/reliability.png",
        ),
        shared=("cache_dir",),
    ),
    Stage(
        "answer",
        "45_answer",
        reads=(
            QUESTION,
            "papers.parquet",
            "coverage.json",
            "sentences.parquet",
            "claims.parquet",
            "tuples.parquet",
        ),
        writes=(
            "answer.json",
            "evidence.parquet",
            "evidence.csv",
            "themes.parquet",
            "themes.csv",
            "results.parquet",
            "results.csv",
            "figures/evidence.png",
            "figures/themes.png",
        ),
    ),
    Stage(
        "review",
        "50_review",
        reads=(
            "papers.parquet",
            "claims.parquet",
            "verdicts.parquet",
            "queries.csv",
            "search.json",
            "params/screen.json",
            "answer.json",
            "evidence.parquet",
            "results.parquet",
        ),
        writes=("review.json", "figures/reviews.png"),
    ),
    Stage(
        "report",
        "60_report",
        reads=(
            QUESTION,
            "papers.parquet",
            "claims.parquet",
            "verdicts.parquet",
            "terms.parquet",
            "queries.csv",
            "search.json",
            "prisma.json",
            "review.json",
            "calibration.json",
            "answer.json",
            "evidence.parquet",
            "themes.parquet",
            "results.parquet",
            "params/search.json",
            "params/screen.json",
            "params/claims.json",
            "params/verify.json",
            "params/review.json",
        ),
        writes=("references.bib",),
        fixed=(("render_files", False),),  # synth run renders report.html/.md itself
    ),
)

STAGE: dict[str, Stage] = {s.name: s for s in STAGES}
STAGE_NAMES: tuple[str, ...] = tuple(STAGE)

REPORT_FILES: tuple[str, ...] = ("report.html", "report.md")
"""Rendered from the executed report notebook by ``synth.run.render``, with ``report_files/``
(the Markdown's figures)."""

COMPARE_NOTEBOOK = "70_compare"


def writer_of(artifact: str) -> str | None:
    """The stage that writes ``artifact``, or None."""
    for stage in STAGES:
        if artifact in stage.outputs:
            return stage.name
    return None


def project_notebooks() -> Path:
    """The stage notebooks shipped beside the package (``<repo>/notebooks``)."""
    return Path(__file__).resolve().parent.parent / "notebooks"


@dataclass(frozen=True)
class RunPaths:
    """Where a run keeps things: its folder and the caches it may share with other runs."""

    run_dir: Path
    cache: Path

    @property
    def arxiv_cache(self) -> Path:
        return self.cache / "arxiv"

    @property
    def embeddings_cache(self) -> Path:
        return self.cache / "embeddings"


def run_paths(
    run_dir: str | Path, cache_dir: str | Path = "", out_root: str | Path | None = None
) -> RunPaths:
    """The run folder (absolute) and its cache root.

    The cache root is ``cache_dir`` when given. Otherwise it is ``<out_root>/cache`` for a run
    folder inside ``out_root`` (runs share it), ``<run folder>/cache`` for one outside it
    (nothing lands outside the output), and ``<run folder's parent>/cache`` when no
    ``out_root`` is known (a notebook run by hand: ``output/notebook-run`` -> ``output/cache``).
    """
    run = Path(run_dir).expanduser().resolve()
    if cache_dir:
        return RunPaths(run, Path(cache_dir).expanduser().resolve())
    if out_root is None:
        return RunPaths(run, run.parent / "cache")
    root = Path(out_root).expanduser().resolve()
    inside = run.is_relative_to(root) and run != root
    return RunPaths(run, (root if inside else run) / "cache")


def describe(stage: str):  # -> pandas.DataFrame
    """The stage's row of the table as a small DataFrame (artifact, reads/writes, written by),
    for the top of each notebook."""
    import pandas as pd

    s = STAGE[stage]
    rows = [(a, "reads", writer_of(a)) for a in s.reads] + [(a, "writes", stage) for a in s.outputs]
    return pd.DataFrame(rows, columns=["artifact", "stage", "written by"])

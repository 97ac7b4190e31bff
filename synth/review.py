"""Review stage: independent reviewers score the synthesis 0-10, each with its own rubric
over the run's tables, and a one-sentence reason that cites the figure it used.

Each reviewer is a pure function ``RunTables -> (score, reason)``; ``review_run`` runs them
all and reports the mean (``overall``) and the spread (max - min) as a measure of agreement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

VERIFIED = ("SUPPORTED", "CONTRADICTED")


@dataclass(frozen=True)
class RunTables:
    """What the reviewers read: the run's tables and its search record.

    papers: screened candidates (``included``, ``coverage``, ``entity_matches``, ``year``,
    ``authors``); claims: ``claim_id, paper_id, text``; verdicts: ``claim_id, label,
    confidence``; queries: the search log (``query, returned, complete, from_cache``);
    search: the search stage's record (``source``, ``n_entities``, ...); params: the run's
    parameters.
    """

    papers: pd.DataFrame
    claims: pd.DataFrame
    verdicts: pd.DataFrame
    queries: pd.DataFrame
    search: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Review:
    name: str
    score: float
    rationale: str


def _clip(x: float) -> float:
    return float(np.clip(round(x, 1), 0.0, 10.0))


def review_relevance(run: RunTables) -> tuple[float, str]:
    """Do the included papers address the question and its named entities?"""
    inc = run.papers[run.papers["included"]]
    n_ent = int(run.search.get("n_entities", 0))
    if inc.empty:
        return 0.0, "No paper passed screening, so nothing addresses the question."
    on_topic = (inc["entity_matches"] > 0) if n_ent else (inc["coverage"] >= 0.3)
    share = float(on_topic.mean())
    cov = float(inc["coverage"].mean())
    score = 10 * (0.6 * share + 0.4 * min(1.0, cov / 0.4))
    what = "mention a named entity of the question" if n_ent else "cover 30% of its terms"
    return score, (
        f"{int(on_topic.sum())} of {len(inc)} included papers ({share:.0%}) {what}; "
        f"mean term coverage {cov:.2f}."
    )


def review_evidence(run: RunTables) -> tuple[float, str]:
    """How much of the synthesis is checked against independent evidence, and how surely?"""
    v = run.verdicts
    if v.empty:
        return 0.0, "No claim was extracted, so nothing could be verified."
    verified = v["label"].isin(VERIFIED)
    share = float(verified.mean())
    conf = float(v["confidence"].mean())
    n_con = int((v["label"] == "CONTRADICTED").sum())
    score = 10 * (0.55 * min(1.0, share / 0.5) + 0.35 * conf + 0.1 * (n_con > 0 or share > 0))
    return score, (
        f"{int(verified.sum())} of {len(v)} claims ({share:.0%}) have independent evidence "
        f"({n_con} contradicted), mean verdict confidence {conf:.2f}."
    )


def review_coverage(run: RunTables) -> tuple[float, str]:
    """Number of papers, spread of authors and years, and sources searched."""
    inc = run.papers[run.papers["included"]]
    target = int(run.params.get("target_papers", 15))
    if inc.empty:
        return 0.0, f"0 papers included against a target of {target}."
    first = inc["authors"].fillna("").str.split(";").str[0].str.strip()
    distinct = first.replace("", np.nan).nunique() / len(inc)
    years = inc["year"].dropna()
    span = int(years.max() - years.min()) + 1 if len(years) else 0
    score = 10 * (0.55 * min(1.0, len(inc) / target) + 0.25 * distinct + 0.2 * min(1.0, span / 3))
    return score, (
        f"{len(inc)} papers included (target {target}), {distinct:.0%} distinct first authors, "
        f"publication years spanning {span} year(s)."
    )


def review_claims(run: RunTables) -> tuple[float, str]:
    """Claims are whole sentences, atomic, quantitative where possible, not duplicated."""
    c = run.claims
    if c.empty:
        return 0.0, "No claim was extracted from the included papers."
    text = c["text"].astype(str).str.strip()
    whole = text.str.match(r"^[\"'(\[]?[A-Z0-9$\\]") & text.str.contains(r"[.!?][\"')\]]?$")
    words = text.str.split().str.len()
    sized = words.between(6, 70)
    quant = text.str.contains(r"\d")
    unique = 1 - text.str.lower().duplicated().mean()
    score = 10 * (
        0.4 * whole.mean()
        + 0.25 * sized.mean()
        + 0.15 * min(1.0, quant.mean() / 0.4)
        + 0.2 * unique
    )
    return score, (
        f"{whole.mean():.0%} of {len(c)} claims are whole sentences, {quant.mean():.0%} are "
        f"quantitative, {unique:.0%} are unique."
    )


def review_transparency(run: RunTables) -> tuple[float, str]:
    """Queries logged and complete, thresholds recorded, inputs reproducible from cache."""
    q = run.queries
    checks = {
        "queries logged": len(q) > 0,
        "all queries complete": bool(len(q)) and bool(q["complete"].all()),
        "thresholds recorded": bool(run.params),
        "inputs reproducible": bool(run.search.get("input_hash")),
        "exclusion reasons given": bool(
            (run.papers["included"] | (run.papers["exclusion_reason"] != "")).all()
        ),
    }
    passed = [k for k, ok in checks.items() if ok]
    failed = [k for k, ok in checks.items() if not ok]
    detail = f"failed: {', '.join(failed)}" if failed else "all checks passed"
    return 10 * len(passed) / len(checks), (
        f"{len(passed)} of {len(checks)} reproducibility checks passed ({detail})."
    )


Reviewer = Callable[[RunTables], tuple[float, str]]
REVIEWERS: dict[str, Reviewer] = {
    "relevance": review_relevance,
    "evidence": review_evidence,
    "coverage": review_coverage,
    "claim quality": review_claims,
    "transparency": review_transparency,
}


def review_run(run: RunTables, reviewers: dict[str, Reviewer] = REVIEWERS) -> dict:
    """Run every reviewer: ``{"reviewers": [{name, score, rationale}], "overall", "spread"}``
    (scores rounded to 0.1 and clipped to 0-10)."""
    reviews = [
        asdict(Review(name, _clip(score), reason))
        for name, (score, reason) in ((n, r(run)) for n, r in reviewers.items())
    ]
    scores = np.array([r["score"] for r in reviews], dtype=float)
    return {
        "reviewers": reviews,
        "overall": round(float(scores.mean()), 2),
        "spread": round(float(scores.max() - scores.min()), 2),
    }


def plot_reviews(review: dict, ax: plt.Axes | None = None) -> plt.Axes:
    """Horizontal bars of each reviewer's score with the overall mean as a line."""
    table = pd.DataFrame(review["reviewers"])
    ax = ax or plt.subplots(figsize=(7, 2.8))[1]
    ax.barh(table["name"], table["score"], color="tab:purple")
    ax.axvline(
        review["overall"],
        color="black",
        linestyle="--",
        label=f"overall {review['overall']:.1f} (spread {review['spread']:.1f})",
    )
    ax.set_xlim(0, 10)
    ax.invert_yaxis()
    ax.set_xlabel("score (0-10)")
    ax.legend(loc="lower right", fontsize=8)
    return ax

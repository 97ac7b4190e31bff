"""Review stage: reviewers score the synthesis 0-10, each from one measured quantity of the
run's tables, with a one-sentence reason that cites it; the overall score is their weighted
mean, weighted toward whether the question was answered and from papers on its topic.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

VERIFIED = ("SUPPORTED", "CONTRADICTED")
STRENGTH_SCORE = {"strong": 10.0, "moderate": 8.0, "weak": 6.0, "none": 2.0}
CORE_FACETS = ("subject", "outcome")


@dataclass(frozen=True)
class RunTables:
    """What the reviewers read: the run's tables and records.

    papers: screened candidates (``included``, ``coverage``, ``entity_matches``, ``year``,
    ``authors``, ``exclusion_reason``); claims: ``claim_id, paper_id, text``; verdicts:
    ``claim_id, label, confidence``; queries: the search log (``query, returned, complete``);
    search: the search stage's record; params: the run's parameters (``target_papers``);
    answer: ``answer.json``; evidence: the answer stage's evidence per paper (``stance,
    direct, facets``); results: its results table (``metric, dataset, paper_id``).
    """

    papers: pd.DataFrame
    claims: pd.DataFrame
    verdicts: pd.DataFrame
    queries: pd.DataFrame
    search: dict = field(default_factory=dict)
    params: dict = field(default_factory=dict)
    answer: dict = field(default_factory=dict)
    evidence: pd.DataFrame = field(default_factory=pd.DataFrame)
    results: pd.DataFrame = field(default_factory=pd.DataFrame)


@dataclass(frozen=True)
class Review:
    name: str
    score: float
    rationale: str


def _clip(x: float) -> float:
    return float(np.clip(round(x, 1), 0.0, 10.0))


def review_answer(run: RunTables) -> tuple[float, str]:
    """Is the question answered, and on how much direct evidence? A verdict scores by its
    strength (strong 10, moderate 8, weak 6) times its confidence; a mixed verdict resting
    on direct tests 6; "insufficient" or no answer 2 at most, however honest."""
    a = run.answer
    if not a:
        return 0.0, "The run has no answer to the question."
    if a.get("kind") != "yes_no":
        n = int(len(run.evidence))
        return min(8.0, 2.0 + n), f"An open question: {n} papers map it, with no verdict."
    verdict, strength = a.get("verdict"), a.get("strength", "none")
    conf = float(a.get("confidence") or 0.0)
    if verdict in ("supported", "contradicted"):
        score = STRENGTH_SCORE[strength] * (0.6 + 0.4 * conf)
    else:
        score = 6.0 if verdict == "mixed" else STRENGTH_SCORE["none"]
    grade = "no direct" if strength == "none" else strength
    return score, f"Verdict {verdict} with {grade} evidence (confidence {conf:.2f})."


# The most the relevance reviewer gives when the screen stage found the corpus covers the
# question only thinly, only through neighbouring work, or not at all (``inclusion.coverage_of``).
COVERAGE_CAP = {"covered": 10.0, "thin": 6.0, "indirect": 4.0, "none": 0.0}


# Share of the idf-weighted units of the question's subject or outcome a paper must name
# (the screen stage's ``subject_match`` / ``outcome_match``) to count as on topic here.
ON_TOPIC_MATCH = 0.5


def screened_facet_match(included: pd.DataFrame) -> np.ndarray:
    """Per included paper, the larger of the screen stage's subject and outcome matches
    (``relevance.facet_coverage``; 0 where the table has no such columns)."""
    cols = [c for c in ("subject_match", "outcome_match") if c in included]
    if not cols:
        return np.zeros(len(included))
    return included[cols].fillna(0.0).max(axis=1).to_numpy(float)


def review_relevance(run: RunTables) -> tuple[float, str]:
    """Share of the included papers on the question's topic: matching its subject or outcome
    (the answer stage's facets, or at least ``ON_TOPIC_MATCH`` of them by the screen stage's
    idf-weighted match; without an answer stage, mentioning its named entities or 30% of its
    terms); capped by how well the corpus covers the question (``COVERAGE_CAP``)."""
    inc = run.papers[run.papers["included"]]
    coverage = (run.answer or {}).get("coverage") or {}
    if inc.empty:
        return 0.0, coverage.get(
            "statement", "No paper passed screening, so nothing addresses the question."
        )
    if len(run.evidence) and "facets" in run.evidence:
        facets = run.evidence["facets"].fillna("")
        named = facets.map(lambda f: any(c in f.split("; ") for c in CORE_FACETS)).to_numpy()
        match = pd.Series(screened_facet_match(inc), index=inc["paper_id"].to_numpy())
        matched = match.reindex(run.evidence["paper_id"].to_numpy()).fillna(0.0).to_numpy()
        on_topic = pd.Series(named | (matched >= ON_TOPIC_MATCH))
        what = "match the question's subject or outcome"
    elif int(run.search.get("n_entities", 0)):
        on_topic, what = inc["entity_matches"] > 0, "mention a named entity of the question"
    else:
        on_topic, what = inc["coverage"] >= 0.3, "cover 30% of its terms"
    share = float(on_topic.mean())
    reason = f"{int(on_topic.sum())} of {len(on_topic)} included papers ({share:.0%}) {what}."
    cap = COVERAGE_CAP.get(coverage.get("level", "covered"), 10.0)
    if cap < 10 * share:
        reason += f" Capped at {cap:.0f}: {coverage['statement']}"
    return min(10 * share, cap), reason


def review_results(run: RunTables) -> tuple[float, str]:
    """Are results lined up across papers? Groups of a metric and a dataset that two or more
    papers report: two or more groups 10, one 7; results but none shared 4; none 0."""
    r = run.results
    if r is None or r.empty:
        return 0.0, "No quantitative result was extracted, so no results are compared."
    key = r["metric"].str.lower() + "|" + r["dataset"].str.lower()
    groups = int((r.groupby(key)["paper_id"].nunique() >= 2).sum())
    score = 10.0 if groups >= 2 else 7.0 if groups == 1 else 4.0
    return score, f"{len(r)} results; {groups} metric-dataset groups are shared by 2+ papers."


def review_evidence(run: RunTables) -> tuple[float, str]:
    """How many claims have independent evidence from another paper, and how surely."""
    v = run.verdicts
    if v.empty:
        return 0.0, "No claim was extracted, so nothing could be verified."
    verified = v["label"].isin(VERIFIED)
    share = float(verified.mean())
    conf = float(v.loc[verified, "confidence"].mean()) if verified.any() else 0.0
    return 10 * min(1.0, share / 0.5) * (0.5 + 0.5 * conf), (
        f"{int(verified.sum())} of {len(v)} claims ({share:.0%}) have independent evidence "
        f"(mean confidence of those {conf:.2f})."
    )


def review_coverage(run: RunTables) -> tuple[float, str]:
    """Number of papers against the target, spread of first authors and of years."""
    inc = run.papers[run.papers["included"]]
    target = int(run.params.get("target_papers", 15))
    if inc.empty:
        return 0.0, f"0 papers included against a target of {target}."
    first = inc["authors"].fillna("").str.split(";").str[0].str.strip()
    distinct = first.replace("", np.nan).nunique() / len(inc)
    years = inc["year"].dropna()
    span = int(years.max() - years.min()) + 1 if len(years) else 0
    parts = (0.55 * min(1.0, len(inc) / target), 0.25 * distinct, 0.2 * min(1.0, span / 3))
    return 10 * sum(parts), (
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
# name -> (reviewer, weight in the overall score)
REVIEWERS: dict[str, tuple[Reviewer, float]] = {
    "answer": (review_answer, 0.25),
    "relevance": (review_relevance, 0.25),
    "results": (review_results, 0.1),
    "evidence": (review_evidence, 0.1),
    "coverage": (review_coverage, 0.1),
    "claim quality": (review_claims, 0.1),
    "transparency": (review_transparency, 0.1),
}


def review_run(run: RunTables, reviewers: dict[str, tuple[Reviewer, float]] = REVIEWERS) -> dict:
    """Run every reviewer: ``{"reviewers": [{name, score, rationale, weight}], "overall",
    "spread"}``; scores rounded to 0.1 and clipped to 0-10, ``overall`` their weighted mean."""
    reviews = []
    for name, (reviewer, weight) in reviewers.items():
        score, reason = reviewer(run)
        reviews.append({**asdict(Review(name, _clip(score), reason)), "weight": weight})
    scores = np.array([r["score"] for r in reviews], dtype=float)
    weights = np.array([r["weight"] for r in reviews], dtype=float)
    return {
        "reviewers": reviews,
        "overall": round(float(scores @ weights / weights.sum()), 2),
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

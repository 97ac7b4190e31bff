"""Report stage: the report's text, tables and references, written from the run's tables.

Every number in the text comes from ``compute_facts`` (a dict computed from the tables), so
text and tables cannot disagree.  Untrusted strings (titles, abstracts, author names, the
question) go through ``md_escape`` before they reach Markdown, so markup in them renders as
text, never as HTML, links or math.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from synth.claim_types import CLAIM_TYPES
from synth.markdown import (  # noqa: F401 - re-exported for the report notebook
    join_blocks,
    md_escape,
    md_text,
    plain_text,
    safe_url,
    sections_in,
    to_markdown_table,
)

LABEL_ORDER = ("SUPPORTED", "CONTRADICTED", "UNVERIFIED")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


def _mean(values: pd.Series) -> float | None:
    """Mean rounded to 2 places, None (shown "n/a") over an empty set, never 0."""
    return round(float(values.mean()), 2) if len(values) else None


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def compute_facts(
    papers: pd.DataFrame,
    claims: pd.DataFrame,
    verdicts: pd.DataFrame,
    review: dict,
    search: dict,
    queries: pd.DataFrame,
) -> dict:
    """The numbers the report states, all computed here from the run's tables."""
    inc = papers[papers["included"]]
    labels = verdicts["label"].value_counts()
    years = inc["year"].dropna().astype(int)
    verified = verdicts[verdicts["label"] != "UNVERIFIED"]
    return {
        "identified": int(search.get("identified", len(papers))),
        "duplicates": int(search.get("duplicates_removed", 0)),
        "skipped": int(search.get("records_skipped", 0)),
        "skipped_by_reason": dict(search.get("skipped_by_reason", {})),
        "screened": len(papers),
        "included": len(inc),
        "excluded": int((~papers["included"]).sum()),
        "n_queries": len(queries),
        "queries_complete": int(queries["complete"].sum()) if len(queries) else 0,
        "claims": len(claims),
        "claim_papers": int(claims["paper_id"].nunique()) if len(claims) else 0,
        "supported": int(labels.get("SUPPORTED", 0)),
        "contradicted": int(labels.get("CONTRADICTED", 0)),
        "unverified": int(labels.get("UNVERIFIED", 0)),
        "mean_confidence": _mean(verdicts["confidence"]),
        "mean_confidence_verified": _mean(verified["confidence"]),
        "year_min": int(years.min()) if len(years) else None,
        "year_max": int(years.max()) if len(years) else None,
        "full_text": int((inc["full_text"].fillna("").str.len() > 0).sum())
        if "full_text" in inc
        else 0,
        "overall": float(review.get("overall", 0.0)),
        "spread": float(review.get("spread", 0.0)),
        "n_reviewers": len(review.get("reviewers", [])),
        "source": str(search.get("source", "")),
        "searched_on": str(search.get("searched_on", "")),
    }


def abstract_text(question: str, f: dict) -> str:
    """The report's abstract: question, search, screening, claims, verification, review."""
    years = ""
    if f["year_min"]:
        years = (
            f" published in {f['year_min']}"
            if f["year_min"] == f["year_max"]
            else f" published {f['year_min']}–{f['year_max']}"
        )
    return (
        f"This report asks: *{md_escape(question)}* We searched the {md_escape(f['source'])} "
        f"with {_plural(f['n_queries'], 'query', 'queries')} and identified "
        f"{_plural(f['identified'], 'record')}; "
        f"after removing {_plural(f['duplicates'], 'duplicate')} "
        f"and screening {_plural(f['screened'], 'candidate')}, "
        f"{_plural(f['included'], 'paper')}{years} "
        f"were included. From them we extracted {_plural(f['claims'], 'check-worthy claim')}: "
        f"{f['supported']} supported and {f['contradicted']} contradicted by evidence from other "
        f"included papers, and {f['unverified']} left unverified (mean confidence "
        f"{_fmt(f['mean_confidence'])}). "
        f"{_plural(f['n_reviewers'], 'independent reviewer')} scored "
        f"the synthesis {f['overall']:.1f}/10 (spread {f['spread']:.1f})."
    )


def introduction_text(question: str, terms: pd.DataFrame) -> str:
    """What is asked and which entities and phrases the search looked for."""
    ents = [md_escape(t) for t in terms.loc[terms["kind"] == "entity", "term"]]
    phrases = [md_escape(t) for t in terms.loc[terms["kind"] == "phrase", "term"]]
    parts = [f"The research question is: *{md_escape(question)}*"]
    if ents:
        parts.append(f"It names {_plural(len(ents), 'entity', 'entities')}: {', '.join(ents)}.")
    if phrases:
        parts.append(f"Its key phrases are: {'; '.join(phrases)}.")
    parts.append(
        "This report collects the literature that addresses it, extracts the claims "
        "those papers make, and checks each claim against the other papers."
    )
    return " ".join(parts)


def methodology_text(f: dict, params: dict) -> str:
    """Search, screening, claims, verification and review as run, with their thresholds."""
    s, c = params.get("screen", {}), params.get("claims", {})
    return "\n\n".join(
        [
            (
                f"**Search.** {_plural(f['n_queries'], 'query', 'queries')} "
                "built from the question's "
                f"entities and key phrases ({f['queries_complete']} completed) on the "
                f"{md_escape(f['source'])}, searched on {md_escape(f['searched_on'])}."
            ),
            (
                "**Screening.** Candidates were ranked with BM25 over title and abstract "
                "plus a title "
                f"boost (title weight {s.get('title_weight', '')}), "
                "scaled by the share of the question's "
                "terms each paper mentions. The top of the ranking was checked against the "
                "question's facets (subject, outcome, comparator; named entities matched "
                "case-sensitively; a dataset or metric name alone never counts) and "
                + (
                    "each title was compared with the question (MiniLM cosine). "
                    if s.get("title_similarity", True)
                    else "scored by how much of the subject and outcome it names. "
                )
                + f"A paper was included when its score reached {s.get('min_relative_score', '')}"
                f" of the best, it named enough of the question's subject or outcome, it was on "
                f"topic, and its topic score reached {s.get('topic_cutoff', '')} of the best "
                f"(at most {s.get('max_included', '')} papers)."
            ),
            (
                f"**Claims.** Abstracts were split into sentences; each sentence was scored for "
                f"check-worthiness and kept whole when its score passed the threshold (at most "
                f"{c.get('max_claims_per_paper', '')} claims per paper)."
            ),
            (
                "**Verification.** Each claim was compared with the sentences "
                "of the other included "
                "papers; a stance model trained on SciFact (Wadden et al., 2020) "
                "labels the best evidence "
                "SUPPORTED, CONTRADICTED or UNVERIFIED, "
                "and its confidence is calibrated on held-out folds."
            ),
            (
                f"**Review.** {_plural(f['n_reviewers'], 'reviewer')} "
                "scored the run 0–10, each with its "
                "own rubric over the run's tables."
            ),
        ]
    )


def limitations_text(f: dict, queries: pd.DataFrame) -> str:
    """Limitations computed from the run."""
    items = []
    if f["full_text"] < f["included"]:
        items.append(
            f"{f['included'] - f['full_text']} of {f['included']} included papers were "
            "read from title and abstract only, not full text."
        )
    if f["unverified"]:
        items.append(
            f"{f['unverified']} of {f['claims']} claims found no independent evidence "
            "among the included papers and stay unverified."
        )
    incomplete = len(queries) - f["queries_complete"]
    if incomplete:
        items.append(f"{incomplete} search queries did not complete; the search is not exhaustive.")
    items.append(
        f"Only one source was searched ({md_escape(f['source'])}), on "
        f"{md_escape(f['searched_on'])}; later work is not covered."
    )
    if f["skipped"]:
        reasons = "; ".join(
            f"{md_escape(k)}: {v}" for k, v in f.get("skipped_by_reason", {}).items()
        )
        items.append(
            f"{f['skipped']} records of the corpus could not be read and were skipped"
            + (f" ({reasons})." if reasons else ".")
        )
    if f["included"] < 5:
        items.append(
            f"Only {_plural(f['included'], 'paper')} passed screening; conclusions rest "
            "on very few sources."
        )
    return "\n".join(f"- {item}" for item in items)


def claims_table(
    claims: pd.DataFrame, verdicts: pd.DataFrame, papers: pd.DataFrame, max_rows: int = 60
) -> pd.DataFrame:
    """claim, type, paper, verdict, confidence, evidence, evidence paper: claims in full,
    escaped; findings first, then results and contributions (``claim_types.CLAIM_TYPES``),
    each by verdict and confidence."""
    titles = papers.set_index("paper_id")["title"]
    merged = claims.merge(verdicts, on="claim_id", how="left")
    if "type" not in merged:
        merged["type"] = "finding"
    order = {"type": list(CLAIM_TYPES), "label": list(LABEL_ORDER)}
    merged = merged.sort_values(
        ["type", "label", "confidence"],
        ascending=[True, True, False],
        key=lambda s: s.map(order[s.name].index) if s.name in order else s,
        kind="stable",
    )
    rows = merged.head(max_rows)
    return pd.DataFrame(
        {
            "claim": rows["text"].map(md_text),
            "type": rows["type"],
            "paper": rows["paper_id"].map(
                lambda p: f"{md_escape(titles.get(p, p))} ({md_escape(p)})"
            ),
            "verdict": rows["label"],
            "confidence": rows["confidence"].map(lambda x: f"{x:.2f}"),
            "evidence": rows["evidence_sentence"].fillna("").map(md_text),
            "evidence paper": rows["evidence_paper_id"].fillna("").map(md_escape),
        }
    )


def plot_years(included: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Bar chart: included papers per publication year."""
    ax = ax or plt.subplots(figsize=(6, 2.8))[1]
    counts = included["year"].dropna().astype(int).value_counts().sort_index()
    ax.bar(counts.index.astype(str), counts.to_numpy(), color="tab:blue")
    ax.set_xlabel("year")
    ax.set_ylabel("papers")
    ax.set_title("Included papers per year")
    return ax


def plot_verdicts(verdicts: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Bar chart: claims per verdict label, with mean confidence above each bar."""
    ax = ax or plt.subplots(figsize=(6, 2.8))[1]
    counts = verdicts["label"].value_counts().reindex(LABEL_ORDER, fill_value=0)
    conf = verdicts.groupby("label")["confidence"].mean().reindex(LABEL_ORDER)
    bars = ax.bar(counts.index, counts.to_numpy(), color=["tab:green", "tab:red", "tab:gray"])
    for bar, c in zip(bars, conf, strict=True):
        if pd.notna(c):
            ax.annotate(
                f"conf {c:.2f}",
                (bar.get_x() + bar.get_width() / 2, bar.get_height()),
                ha="center",
                va="bottom",
                fontsize=8,
            )
    ax.set_ylabel("claims")
    ax.set_title("Verdicts")
    return ax


def queries_table(queries: pd.DataFrame) -> pd.DataFrame:
    """The search log, escaped: query, results returned, completed, served from cache."""
    return pd.DataFrame(
        {
            "query": queries["query"].map(md_escape),
            "returned": queries["returned"].astype(int),
            "complete": queries["complete"].map({True: "yes", False: "no"}),
            "from cache": queries["from_cache"].map({True: "yes", False: "no"}),
        }
    )


def screening_text(f: dict, prisma: dict) -> str:
    """The PRISMA counts in a sentence, plus the exclusion reasons."""
    reasons = "; ".join(
        f"{md_escape(k)}: {v}" for k, v in prisma.get("excluded_by_reason", {}).items()
    )
    return (
        f"Of {_plural(f['identified'], 'record')} identified, "
        f"{_plural(f['duplicates'], 'duplicate')} "
        f"and {_plural(f['skipped'], 'unreadable record')} were removed; "
        f"{f['screened']} were screened, "
        f"{f['excluded']} excluded"
        + (f" ({reasons})" if reasons else "")
        + f", and {f['included']} included."
    )


def included_table(included: pd.DataFrame) -> pd.DataFrame:
    """Included papers: rank, id, title, year, score, term coverage."""
    return pd.DataFrame(
        {
            "rank": included["rank"].astype(int),
            "paper": included["paper_id"].map(md_escape),
            "title": included["title"].map(md_escape),
            "year": included["year"].map(lambda y: "" if pd.isna(y) else str(int(y))),
            "score": included["score"].map(lambda x: f"{x:.1f}"),
            "coverage": included["coverage"].map(lambda x: f"{x:.2f}"),
        }
    )


def verification_text(f: dict, calibration: dict) -> str:
    """Claims, verdict counts and the stance model's calibration in two sentences."""
    return (
        f"{_plural(f['claims'], 'claim')} were extracted from "
        f"{_plural(f['claim_papers'], 'paper')}. "
        f"{f['supported']} are supported and {f['contradicted']} contradicted by another included "
        f"paper; {f['unverified']} found no independent evidence. Mean confidence is "
        f"{_fmt(f['mean_confidence'])} over all verdicts and "
        f"{_fmt(f['mean_confidence_verified'])} over "
        f"supported or contradicted ones; the stance model's expected calibration error on "
        f"held-out SciFact folds is {float(calibration.get('ece', float('nan'))):.3f}."
    )


def plot_calibration(calibration: dict, ax: plt.Axes | None = None) -> plt.Axes:
    """Reliability diagram from the stance model's held-out folds (``calibration.json``)."""
    ax = ax or plt.subplots(figsize=(4, 3))[1]
    table = pd.DataFrame(calibration.get("reliability", []))
    ax.plot([0, 1], [0, 1], color="gray", linestyle=":", label="perfect")
    if not table.empty:
        ax.plot(table["mean_confidence"], table["accuracy"], marker="o", label="stance model")
    ax.set_xlabel("confidence")
    ax.set_ylabel("share correct")
    ax.set_title(f"Reliability (ECE {float(calibration.get('ece', float('nan'))):.3f})")
    ax.legend(fontsize=8)
    return ax


def review_text(review: dict) -> str:
    """One line per reviewer, then the overall score and spread."""
    lines = [
        f"- **{md_escape(r['name'])}** {r['score']:.1f}/10: {md_escape(r['rationale'])}"
        for r in review.get("reviewers", [])
    ]
    lines.append(
        f"\nOverall {review.get('overall', 0):.1f}/10, spread {review.get('spread', 0):.1f} "
        "(highest minus lowest reviewer score)."
    )
    return "\n".join(lines)

"""Include or exclude each ranked paper, and say how well the corpus covers the question.

The decision reads the topic signals of ``relevance.assess``: a paper is included when it
is among the lexical top, names enough of the question's subject or task (a benchmark or
metric name alone is not enough), its title is close enough to the question, and its
combined score (topicality + BM25 relevance) is within ``topic_cutoff`` of the best: the
cut-off follows the score distribution, so a question with three relevant papers includes
three, and one with none includes none.  Last, ``synth.pairing`` checks that the included
papers work on the question's method and task together, and that the best of those left names
the question's subject at all.  Every exclusion carries its reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from synth.phrases import MIN_PHRASE
from synth.question import analyze_question

# Chosen on the tune half of the screening dev set (benchmarks/screen.py); see
# benchmarks/README.md.  The lexical values apply when no encoder is installed.
MIN_TOPIC = 0.35  # cosine(question, title) a paper needs
MIN_TOPIC_LEXICAL = 0.4  # lexical topicality a paper needs without an encoder
TOPIC_CUTOFF = 0.65  # share of the best combined score a paper needs
MIN_FACET = 0.2  # share of the question's subject or task a paper must name
MIN_SUBJECT_NAMED = 0.5  # subject coverage that counts as naming the question's subject
# Chosen on s01-s44 (benchmarks/README.md, "Round 5"): a paper that names none of the
# question's distinctive terms (relevance.distinctive_units) must name its whole subject or
# task; generic words ("graph neural networks") alone do not make it relevant.
WHOLE_FACET = 0.8  # subject or outcome coverage that counts as naming all of it
GENERIC_REASON = "shares only generic words with the question"
# Chosen on s01-s92 (benchmarks/README.md, "Round 12"): when even the best included paper names
# little of the question's subject (its method), the corpus has the question's task without its
# method, and the included papers are that task's neighbours, not evidence on the question.
MIN_SUBJECT_ANY = 0.3  # subject coverage the best included paper must reach, or none is included
SUBJECT_REASON = "no included paper names the question's subject"


def _reason_table(papers: pd.DataFrame, min_relative_score: float, min_topic: float) -> list:
    """(condition, reason) pairs, checked in order; reasons may depend on the row."""
    best = float(papers["score"].max()) if len(papers) else 0.0
    facet = papers[["subject_match", "outcome_match"]].max(axis=1)
    penalised = papers["topic_entities"].eq(0) & bool(papers.attrs.get("topic_entities"))
    names = ", ".join(papers.attrs.get("topic_entities", []))
    rare = papers.attrs.get("distinctive", [])
    generic = papers["distinctive"].eq(0) & (facet < WHOLE_FACET) & bool(rare)
    signal = "title similarity" if papers.attrs.get("encoder") else "topicality"
    return [
        (~papers["abstract"].fillna("").astype(str).str.strip().astype(bool), "no abstract"),
        (papers["score"] <= 0, "no question term in title or abstract"),
        (
            papers["score"] < min_relative_score * best,
            lambda r: (
                f"below threshold (score {r.score:.2f} < "
                f"{min_relative_score:.2f} x best {best:.2f})"
            ),
        ),
        (papers["topicality"].isna(), "beyond the lexical top compared with the question"),
        (
            (facet < MIN_FACET) & (papers["benchmark_match"] > 0),
            "matches only the question's benchmark or metric, not its subject or task",
        ),
        (facet < MIN_FACET, "names too little of the question's subject or task"),
        (
            generic,
            f"{GENERIC_REASON}: names none of its distinctive terms ({', '.join(rare[:6])}) "
            "and only part of its subject or task",
        ),
        (
            papers["topicality"] < min_topic,
            lambda r: (
                f"off topic ({signal} {r.topicality:.2f} < {min_topic:.2f}"
                + (f"; down-weighted: names none of {names})" if penalised[r.Index] else ")")
            ),
        ),
    ]


def decide(
    assessed: pd.DataFrame,
    max_included: int = 20,
    min_relative_score: float = 0.2,
    topic_cutoff: float = TOPIC_CUTOFF,
    min_topic: float | None = None,
) -> pd.DataFrame:
    """Include / exclude every paper of ``assessed`` (``relevance.assess``), re-ranked.

    Adds ``topic_score`` (topicality + relevance), ``included`` and ``exclusion_reason``
    ("" when included); rows are ordered by ``topic_score`` within the assessed top, the
    rest by BM25 after them, and ``rank`` is renumbered in that order.
    """
    if min_topic is None:
        min_topic = MIN_TOPIC if assessed.attrs.get("encoder") else MIN_TOPIC_LEXICAL
    papers = assessed.assign(topic_score=(assessed["topicality"] + assessed["relevance"]).round(4))
    papers = papers.sort_values(
        ["topic_score", "score", "paper_id"], ascending=[False, False, True], na_position="last"
    ).reset_index(drop=True)
    papers.attrs = dict(assessed.attrs)
    reasons = pd.Series("", index=papers.index, dtype=object)
    for condition, reason in _reason_table(papers, min_relative_score, min_topic):
        todo = condition.to_numpy(dtype=bool) & (reasons == "").to_numpy()
        if callable(reason):
            rows = papers[todo].itertuples()
            reasons[todo] = [reason(r) for r in rows]
        else:
            reasons[todo] = reason
    passing = reasons == ""
    best = float(papers.loc[passing, "topic_score"].max()) if passing.any() else 0.0
    below = passing & (papers["topic_score"] < topic_cutoff * best)
    reasons[below] = [
        f"below the cut-off (score {s:.2f} < {topic_cutoff:.2f} x best {best:.2f})"
        for s in papers.loc[below, "topic_score"]
    ]
    beyond = (reasons == "") & ((reasons == "").cumsum() > max_included)
    reasons[beyond] = f"beyond the best {max_included}"
    papers = papers.assign(
        rank=np.arange(1, len(papers) + 1), included=reasons.eq(""), exclusion_reason=reasons
    )
    return papers


def _names_initialism(papers: pd.DataFrame, subject: str) -> bool:
    """Does a paper write an acronym of ``subject`` ("CoT" for "chain-of-thought")?"""
    from synth.queries import initialisms
    from synth.relevance import entity_pattern

    text = papers["title"].fillna("") + " " + papers["abstract"].fillna("")
    return any(text.str.contains(entity_pattern(a)).any() for a in initialisms(subject))


def subject_check(
    screened: pd.DataFrame, question: str, min_subject: float = MIN_SUBJECT_ANY
) -> pd.DataFrame:
    """``screened`` (``decide``, ``pairing.gate``) with every included paper excluded when the
    best of them names less than ``min_subject`` of the question's subject (``subject_match``;
    NaN there, a subject none of whose words the corpus uses, names none of it) and none writes
    its acronym, with the reason; a question without a subject (an open one, or one whose
    subject has no content word) is left alone."""
    from synth.relevance import facet_units

    included = screened["included"].to_numpy(dtype=bool)
    subject = analyze_question(question).subject
    if not included.any() or not subject:
        return screened
    if not any(u.facet == "subject" for u in facet_units(question)):
        return screened
    named = np.nan_to_num(screened["subject_match"].to_numpy(dtype=float)[included])
    if named.max() >= min_subject or _names_initialism(screened[included], subject):
        return screened
    reasons = screened["exclusion_reason"].copy()
    reasons[included] = (
        f"{SUBJECT_REASON} ({subject}): the best names {named.max():.2f} of it < {min_subject:.2f}"
    )
    out = screened.assign(included=False, exclusion_reason=reasons)
    out.attrs = dict(screened.attrs)
    return out


def _why_none(screened: pd.DataFrame, question: str) -> str:
    """Why no paper passed screening: the closest name little of the question's subject
    (``subject_check``), or they name its subject or task but not the two together
    (``synth.pairing``), or they share only generic words with it (naming its distinctive
    terms)."""
    from synth.pairing import PAIRING_REASON

    reasons = screened["exclusion_reason"]
    unpaired = int(reasons.str.startswith(PAIRING_REASON).sum())
    generic = int(reasons.str.startswith(GENERIC_REASON).sum())
    subjectless = int(reasons.str.startswith(SUBJECT_REASON).sum())
    if subjectless:
        return (
            f"no paper passed screening; the {subjectless} closest to it name little of its "
            f"subject ({analyze_question(question).subject})"
        )
    if unpaired:
        return (
            f"no paper passed screening; the {unpaired} closest to it name its subject or task "
            "but not the two together"
        )
    if not generic:
        return "no paper passed screening"
    rare = ", ".join(screened.attrs.get("distinctive", [])[:6])
    return (
        f"no paper passed screening; the {generic} closest to it share only generic words "
        f"with it and name none of its distinctive terms ({rare})"
    )


def coverage_of(screened: pd.DataFrame, question: str, nearest: int = 3) -> dict:
    """How well the screened corpus covers ``question``: ``level`` ("covered", "indirect":
    no included paper names the question's subject, "thin": fewer than 3 papers, "none"),
    a one-paragraph ``statement`` for the report and ``answer.json``, and the ``nearest``
    papers by topic score (included or not)."""
    analysis = analyze_question(question)
    included = screened[screened["included"]]
    subject = analysis.subject or ""
    names_subject = int((included["subject_match"] >= MIN_SUBJECT_NAMED).sum())
    near = screened.dropna(subset=["topic_score"]).head(nearest)
    nearest_papers = [
        {"paper_id": str(p), "title": str(t), "topic_score": float(s)}
        for p, t, s in zip(near["paper_id"], near["title"], near["topic_score"], strict=True)
    ]
    titles = "; ".join(f"{p['title']} ({p['paper_id']})" for p in nearest_papers) or "none"
    if included.empty:
        level = "none"
        text = (
            f"The corpus does not cover this question: {_why_none(screened, question)}. "
            f"Nearest papers: {titles}."
        )
    elif subject and names_subject == 0:
        level = "indirect"
        text = (
            f"The corpus does not cover the question's subject ({subject}) directly: none of "
            f"the {len(included)} included papers names it; they are the nearest evidence."
        )
    elif len(included) < 3 or (subject and names_subject < 3):
        level = "thin"
        named = f"; {names_subject} of them name its subject ({subject})" if subject else ""
        text = (
            f"The corpus covers this question thinly: {len(included)} paper(s) passed "
            f"screening{named}."
        )
    else:
        level = "covered"
        text = (
            f"{len(included)} papers passed screening; {names_subject} name the question's subject."
        )
    return {
        "level": level,
        "statement": text,
        "included": int(len(included)),
        "name_subject": names_subject,
        "nearest": nearest_papers,
    }


def screen_question(
    question: str,
    papers: pd.DataFrame,
    indexes: tuple,
    max_included: int = 20,
    min_relative_score: float = 0.2,
    topic_cutoff: float = TOPIC_CUTOFF,
    title_weight: float = 1.25,
    encoder: object | None = None,
    pairing_model: object | None = None,
    min_subject: float = MIN_SUBJECT_ANY,
    min_phrase: float = MIN_PHRASE,
) -> pd.DataFrame:
    """The screen stage for one question, as ``20_screen`` runs it step by step: search
    terms, BM25 ranking (``screen.rank_papers``), topic signals (``relevance.assess``, with
    ``encoder`` comparing titles), the decision (``decide``), the method-and-task check of
    the included papers (``pairing.gate``, with ``pairing_model``; ``min_phrase``: its phrase
    rule, 0: off), the check that what remains names the question's subject
    (``subject_check``, at ``min_subject``; 0: off);
    ``attrs["coverage"]`` holds ``coverage_of``.  ``indexes``: ``screen.build_indexes(papers)``."""
    from synth.pairing import gate
    from synth.relevance import assess
    from synth.screen import rank_papers
    from synth.search import extract_key_terms

    terms = extract_key_terms(question)
    ranked = rank_papers(papers, terms, title_weight, indexes=indexes)
    positions = pd.Index(papers["paper_id"]).get_indexer(ranked["paper_id"])
    assessed = assess(ranked, question, indexes[0], positions, encoder)
    screened = decide(assessed, max_included, min_relative_score, topic_cutoff)
    screened = gate(screened, question, pairing_model, min_phrase=min_phrase)
    screened = subject_check(screened, question, min_subject)
    screened.attrs["coverage"] = coverage_of(screened, question)
    return screened

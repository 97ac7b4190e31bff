"""Answering many questions over one corpus (``synth answer``): the same search terms,
ranking, screening, sentences and answer code as the pipeline's stages, with the corpus
indexed once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pandas as pd

from synth.answer import (
    Scorer,
    answer_record,
    answer_summary,
    compute_evidence,
    decide_verdict,
    paper_docs,
)
from synth.claims import sentence_table
from synth.config import DEFAULTS
from synth.question import analyze_question
from synth.screen import build_indexes, rank_papers, screen_papers
from synth.search import extract_key_terms
from synth.stance import load_scorer


@dataclass(frozen=True)
class ScreenSettings:
    """The screen stage's parameters (defaults: ``config.DEFAULTS["screen"]``)."""

    max_included: int = DEFAULTS["screen"]["max_included"]
    min_relative_score: float = DEFAULTS["screen"]["min_relative_score"]
    min_entity_match: int = DEFAULTS["screen"]["min_entity_match"]
    title_weight: float = DEFAULTS["screen"]["title_weight"]


def screen_for(
    question: str, papers: pd.DataFrame, indexes: tuple, settings: ScreenSettings
) -> pd.DataFrame:
    """The screen stage for one question: ranked candidates with ``included`` and reasons."""
    terms = extract_key_terms(question)
    ranked = rank_papers(papers, terms, settings.title_weight, indexes=indexes)
    n_entities = int((terms["kind"] == "entity").sum())
    return screen_papers(
        ranked,
        n_entities,
        settings.max_included,
        settings.min_relative_score,
        settings.min_entity_match,
    )


def answer_question(
    question: str,
    papers: pd.DataFrame,
    indexes: tuple,
    settings: ScreenSettings,
    scorer: Scorer | None = None,
) -> dict:
    """``answer.json``'s object for ``question`` over ``papers`` (indexed by
    ``screen.build_indexes``)."""
    analysis = analyze_question(question)
    screened = screen_for(analysis.question, papers, indexes, settings)
    included = screened[screened["included"]]
    docs = paper_docs(included, sentence_table(included))
    evidence = compute_evidence(analysis, docs, scorer)
    verdict = decide_verdict(evidence, analysis.kind)
    return answer_record(analysis, evidence, verdict, answer_summary(analysis, evidence, verdict))


def answer_questions(
    papers: pd.DataFrame,
    questions: Iterable[dict],
    settings: ScreenSettings | None = None,
    scorer: Scorer | None = None,
    stance: str = "cue",
) -> Iterator[dict]:
    """One answer object per ``{"id", "question"}``, with its ``id`` first. ``scorer``: the
    stance scorer (default ``stance.load_scorer(stance)``)."""
    settings = settings or ScreenSettings()
    scorer = scorer or load_scorer(stance)
    papers = papers.reset_index(drop=True)
    indexes = build_indexes(papers)
    for item in questions:
        yield {
            "id": item["id"],
            **answer_question(str(item["question"]), papers, indexes, settings, scorer),
        }

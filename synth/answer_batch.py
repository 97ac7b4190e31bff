"""Answering many questions over one corpus (``synth answer``): the same search terms,
ranking, screening, sentences and answer code as the pipeline's stages, with the corpus
indexed once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

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
from synth.dense import encoder_for
from synth.inclusion import screen_question
from synth.pairing import pairing_model_for
from synth.question import analyze_question
from synth.screen import build_indexes
from synth.stance import load_scorer


@dataclass(frozen=True)
class ScreenSettings:
    """The screen stage's parameters (defaults: ``config.DEFAULTS["screen"]``)."""

    max_included: int = DEFAULTS["screen"]["max_included"]
    min_relative_score: float = DEFAULTS["screen"]["min_relative_score"]
    topic_cutoff: float = DEFAULTS["screen"]["topic_cutoff"]
    title_weight: float = DEFAULTS["screen"]["title_weight"]
    title_similarity: bool = DEFAULTS["screen"]["title_similarity"]
    pairing_check: bool = DEFAULTS["screen"]["pairing_check"]
    min_subject: float = DEFAULTS["screen"]["min_subject"]
    min_phrase: float = DEFAULTS["screen"]["min_phrase"]


def screen_for(
    question: str,
    papers: pd.DataFrame,
    indexes: tuple,
    settings: ScreenSettings,
    encoder: object | None = None,
    pairing_model: object | None = None,
) -> pd.DataFrame:
    """The screen stage for one question: ranked candidates with ``included`` and reasons
    (``inclusion.screen_question``; ``encoder`` compares titles with the question,
    ``pairing_model`` checks that included papers work on its method and task together)."""
    return screen_question(
        question,
        papers,
        indexes,
        settings.max_included,
        settings.min_relative_score,
        settings.topic_cutoff,
        settings.title_weight,
        encoder,
        pairing_model,
        settings.min_subject,
        settings.min_phrase,
    )


def answer_question(
    question: str,
    papers: pd.DataFrame,
    indexes: tuple,
    settings: ScreenSettings,
    scorer: Scorer | None = None,
    encoder: object | None = None,
    pairing_model: object | None = None,
) -> dict:
    """``answer.json``'s object for ``question`` over ``papers`` (indexed by
    ``screen.build_indexes``)."""
    analysis = analyze_question(question)
    screened = screen_for(analysis.question, papers, indexes, settings, encoder, pairing_model)
    included = screened[screened["included"]]
    docs = paper_docs(included, sentence_table(included))
    evidence = compute_evidence(analysis, docs, scorer)
    verdict = decide_verdict(evidence, analysis.kind)
    coverage = screened.attrs["coverage"]
    summary = answer_summary(analysis, evidence, verdict, coverage)
    return answer_record(analysis, evidence, verdict, summary, coverage)


def answer_questions(
    papers: pd.DataFrame,
    questions: Iterable[dict],
    settings: ScreenSettings | None = None,
    scorer: Scorer | None = None,
    stance: str = "cue",
    cache_dir: Path | None = None,
) -> Iterator[dict]:
    """One answer object per ``{"id", "question"}``, with its ``id`` first. ``scorer``: the
    stance scorer (default ``stance.load_scorer(stance)``); ``cache_dir``: where title
    embeddings are cached."""
    settings = settings or ScreenSettings()
    scorer = scorer or load_scorer(stance)
    encoder = encoder_for(settings.title_similarity, cache_dir, "screen.title_similarity")
    pairing = pairing_model_for(settings.pairing_check)
    papers = papers.reset_index(drop=True)
    indexes = build_indexes(papers)
    for item in questions:
        answer = answer_question(
            str(item["question"]), papers, indexes, settings, scorer, encoder, pairing
        )
        yield {"id": item["id"], **answer}

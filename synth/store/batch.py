"""``synth rank --index`` and ``synth answer --index``: the batch commands over a persistent
index, with the same scoring and screening as over a loaded corpus."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np

from synth.store.query import IndexReader


def rank_index(
    reader: IndexReader,
    queries: Sequence[tuple[str, str]],
    top: int = 100,
    tag: str = "synth",
    encoder: object | None = None,
) -> Iterator[str]:
    """TREC run lines (``qid Q0 docid rank score tag``) for ``(qid, text)`` queries, as
    ``synth.screen.rank_queries`` writes them over the same papers loaded as a corpus (only
    papers holding a query term are listed). With ``encoder``, the lexical top
    ``DENSE_TOP`` are re-scored by ``synth.screen.fuse_dense``."""
    from synth.screen import DENSE_TOP, fuse_dense
    from synth.search import extract_key_terms, weighted_query

    for qid, text in queries:
        query = weighted_query(extract_key_terms(text)) if text.strip() else {}
        hits = reader.search(query, max(top, DENSE_TOP) if encoder is not None else top)
        ids, scores = np.array(hits.ids, dtype=object), hits.scores
        if encoder is not None and len(ids):
            scores = fuse_dense(reader.papers(hits), [text], scores[None, :], encoder)[0]
        order = np.lexsort((ids, -scores))[:top]
        yield from (f"{qid} Q0 {ids[j]} {r} {scores[j]:.4f} {tag}" for r, j in enumerate(order, 1))


def answer_index(
    reader: IndexReader,
    questions: Iterable[dict],
    max_candidates: int = 1000,
    scorer: object | None = None,
    stance: str = "cue",
    cache_dir: object | None = None,
) -> Iterator[dict]:
    """``synth.answer_batch.answer_questions`` over an index: per question, its
    ``max_candidates`` best papers screened with the index's statistics (titles compared
    with the question by the same encoder, cached under ``cache_dir``)."""
    from synth.answer_batch import ScreenSettings, answer_question
    from synth.dense import encoder_for
    from synth.pairing import pairing_model_for
    from synth.question import analyze_question
    from synth.screen import build_indexes
    from synth.search import extract_key_terms, weighted_query
    from synth.stance import load_scorer

    settings = ScreenSettings()
    scorer = scorer or load_scorer(stance)
    encoder = encoder_for(settings.title_similarity, cache_dir, "screen.title_similarity")
    pairing = pairing_model_for(settings.pairing_check)
    for item in questions:
        question = analyze_question(str(item["question"])).question
        query = weighted_query(extract_key_terms(question))
        papers = reader.papers(reader.search(query, max_candidates))
        indexes = build_indexes(papers, reader.collection(query))
        answer = answer_question(
            str(item["question"]), papers, indexes, settings, scorer, encoder, pairing
        )
        yield {"id": item["id"], **answer}

"""Screen stage: rank candidates against the question and decide include / exclude.

Ranking is BM25 (``synth.index``) over title + abstract plus a title-only BM25 boost, scaled
by how much of the query a paper covers, optionally fused with a dense encoder
(``synth.dense``, the ``dense`` extra) over the lexical top 200; the same ``score_queries``
serves the pipeline (``rank_papers``) and ``synth rank`` (``rank_queries``).  Each paper also
gets its *term coverage* (share of the question's weighted terms it mentions, 0-1) and the
number of the question's named entities it mentions (case-sensitively, as whole tokens).
Which ranked papers are on topic is decided by ``synth.relevance`` (facets, title similarity)
and ``synth.inclusion`` (the decision, its reasons, and the corpus's coverage).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from synth.dense import DENSE_SENTENCE_WEIGHT, DENSE_WEIGHT
from synth.index import BM25Index, build_bm25, collection_stats, document_texts, relative_scores
from synth.text import split_sentences, tokenize

TITLE_WEIGHT = 1.25  # tuned on half of the SciFact training claims (benchmarks/retrieval.py)
COVERAGE_WEIGHT = 0.5  # share of the score scaled by the query's idf-weighted token coverage
DENSE_TOP = 200  # papers per query the dense encoder re-scores (the lexical top)


def _doc_texts(papers: pd.DataFrame) -> list[str]:
    return document_texts(papers["title"].fillna(""), papers["abstract"].fillna(""))


def _query_text(query: str | dict[str, float]) -> str:
    return query if isinstance(query, str) else " ".join(query)


def _sentences(papers: pd.DataFrame) -> list[list[str]]:
    """Each paper's abstract sentences: the given list, else split; the title if none."""
    given = papers["sentences"] if "sentences" in papers else pd.Series([None] * len(papers))
    out = []
    for pre, abstract, title in zip(
        given, papers["abstract"].fillna(""), papers["title"].fillna(""), strict=True
    ):
        given_list = isinstance(pre, list | tuple | np.ndarray)
        sents = list(pre) if given_list else split_sentences(abstract)
        out.append([s for s in sents if str(s).strip()] or [title])
    return out


def fuse_dense(
    papers: pd.DataFrame,
    queries: Sequence[str],
    lexical: np.ndarray,
    encoder: object,
    weight: float = DENSE_WEIGHT,
    top: int = DENSE_TOP,
    sentence_weight: float = DENSE_SENTENCE_WEIGHT,
) -> np.ndarray:
    """Lexical scores fused with dense similarity: (queries x papers) array.

    For each query, the ``top`` papers by lexical score (score > 0) get
    ``lexical / best lexical + weight * max(cos(query, paper), 0)
    + sentence_weight * max(best cos(query, sentence of the paper), 0)``; every other paper
    keeps ``lexical / best lexical``, so it stays below them.  Only those papers, their
    sentences and the queries (plain text: a sentence encoder wants the words in order) are
    encoded, through ``encoder.encode`` (``synth.dense.Encoder``, cached by content hash).
    """
    fused = relative_scores(lexical)
    k = min(top, lexical.shape[1])
    if not k or not len(queries):
        return fused
    cand = np.argpartition(-lexical, k - 1, axis=1)[:, :k]
    cand_ok = np.take_along_axis(lexical, cand, 1) > 0
    need = np.unique(cand[cand_ok])
    texts = _doc_texts(papers.iloc[need])
    doc_vecs = encoder.encode(texts)
    position = np.full(lexical.shape[1], -1)
    position[need] = np.arange(len(need))
    q_vecs = encoder.encode(list(queries))
    best_sentence = np.zeros((len(queries), len(need)), dtype=np.float32)
    if sentence_weight and len(need):
        sents = _sentences(papers.iloc[need])
        starts = np.concatenate([[0], np.cumsum([len(s) for s in sents])[:-1]])
        sims = q_vecs @ encoder.encode([s for group in sents for s in group]).T
        best_sentence = np.maximum.reduceat(sims, starts, axis=1)
    for i in range(len(queries)):
        docs = cand[i][cand_ok[i]]
        cos = doc_vecs[position[docs]] @ q_vecs[i]
        fused[i, docs] += weight * np.maximum(cos, 0.0)
        fused[i, docs] += sentence_weight * np.maximum(best_sentence[i, position[docs]], 0.0)
    return fused


def _coverage_factor(index: BM25Index, q, weight: float) -> np.ndarray:
    """(queries x papers) ``1 - weight + weight * coverage`` (idf-weighted term coverage)."""
    q_idf = q.multiply(index.idf[None, :]).tocsr()
    present = index.weights.copy()
    present.data = np.ones_like(present.data)
    total = np.asarray(q_idf.sum(axis=1)).reshape(-1, 1)
    coverage = np.asarray((q_idf @ present.T).todense()) / np.where(total > 0, total, 1.0)
    return (1.0 - weight + weight * coverage).astype(np.float32)


def lexical_scores(
    index: BM25Index,
    title_index: BM25Index | None,
    queries: Sequence[str] | Sequence[dict[str, float]],
    title_weight: float = TITLE_WEIGHT,
    coverage_weight: float = COVERAGE_WEIGHT,
) -> np.ndarray:
    """``score_queries``' lexical part over prebuilt indexes of the same documents (the title
    index is used when ``title_weight`` is not 1): (queries x documents) float32."""
    q = index.query_matrix(queries)
    scores = np.asarray((q @ index.weights.T).todense(), dtype=np.float32)
    if title_weight != 1.0 and index.n_docs:
        scores = scores + (title_weight - 1.0) * title_index.score(queries)
    if coverage_weight and index.n_docs:
        scores = scores * _coverage_factor(index, q, coverage_weight)
    return scores


def score_queries(
    papers: pd.DataFrame,
    queries: Sequence[str] | Sequence[dict[str, float]],
    title_weight: float = TITLE_WEIGHT,
    index: BM25Index | None = None,
    encoder: object | None = None,
    coverage_weight: float = COVERAGE_WEIGHT,
    dense_texts: Sequence[str] | None = None,
    title_index: BM25Index | None = None,
) -> np.ndarray:
    """Relevance of every paper to every query: (queries x papers) array.

    ``(BM25(title + abstract) + (title_weight - 1) * BM25(title)) * (1 - c + c * coverage)``,
    coverage being the idf-weighted share of the query's terms the paper contains and ``c``
    the ``coverage_weight`` (a paper matching every aspect of a question beats one repeating
    a single aspect).  Pass ``index`` and ``title_index`` (``build_indexes`` over the same
    papers) to reuse them across calls.  With ``encoder`` (a
    ``synth.dense.Encoder``, optional extra) the lexical top ``DENSE_TOP`` are re-scored by
    ``fuse_dense`` against ``dense_texts`` (one plain text per query; default: the query's
    terms joined) and scores become ``lexical / best lexical + DENSE_WEIGHT * cosine +
    DENSE_SENTENCE_WEIGHT * best sentence cosine``.
    """
    index = index or build_bm25(_doc_texts(papers))
    if title_weight != 1.0 and len(papers):
        title_index = title_index or build_bm25(papers["title"].fillna("").tolist())
    scores = lexical_scores(index, title_index, queries, title_weight, coverage_weight)
    if encoder is not None and len(papers):
        texts = list(dense_texts) if dense_texts is not None else [_query_text(q) for q in queries]
        scores = fuse_dense(papers, texts, scores, encoder)
    return scores


def _presence(index: BM25Index, terms: pd.DataFrame, texts: Sequence[str]) -> np.ndarray:
    """(papers x terms) boolean: the paper mentions the term.  A named entity is matched
    case-sensitively as a whole token in ``texts`` ("JIT" is not "JiT"; ``relevance.
    entity_pattern``); another term when the paper has every one of its tokens, a
    hyphenated term taken either as its parts ("msr vtt") or joined ("msrvtt")."""
    from synth.relevance import entity_pattern

    vocab = index.vocabulary
    present = (index.weights > 0).tocsc()
    out = np.zeros((index.n_docs, len(terms)), dtype=bool)
    series = pd.Series(list(texts), dtype=str)
    for j, (term, kind) in enumerate(zip(terms["term"], terms["kind"], strict=True)):
        if kind == "entity":
            out[:, j] = series.str.contains(entity_pattern(str(term)), regex=True).to_numpy()
            continue
        spellings = {
            tuple(tokenize(term.replace("-", " "))),
            tuple(tokenize(term.replace("-", ""))),
        }
        for toks in spellings:
            if toks and all(t in vocab for t in toks):
                cols = sorted({vocab[t] for t in toks})
                out[:, j] |= np.asarray(present[:, cols].sum(axis=1)).ravel() == len(cols)
    return out


def build_indexes(
    papers: pd.DataFrame, collection: dict | None = None
) -> tuple[BM25Index, BM25Index]:
    """The BM25 indexes ranking uses (title + abstract, title alone), to build once for
    many questions over the same papers. With ``collection`` (what ``synth.store`` records
    for papers drawn from a persistent index), idf and mean lengths are the index's, so the
    papers score exactly as they do over the whole index."""
    text_stats, title_stats = collection_stats(collection)
    return (
        build_bm25(_doc_texts(papers), stats=text_stats),
        build_bm25(papers["title"].fillna("").tolist(), stats=title_stats),
    )


def rank_papers(
    papers: pd.DataFrame,
    terms: pd.DataFrame,
    title_weight: float = TITLE_WEIGHT,
    encoder: object | None = None,
    question: str | None = None,
    indexes: tuple[BM25Index, BM25Index] | None = None,
    collection: dict | None = None,
) -> pd.DataFrame:
    """Rank candidates for the question's ``terms`` (from ``search.extract_key_terms``).

    With ``encoder`` (dense extra), the lexical top is re-scored by the encoder's similarity
    to ``question`` (the research question as typed; default: its terms joined).
    ``indexes``: from ``build_indexes(papers)``, to rank many questions over one corpus;
    ``collection``: the statistics of the index the papers came from (``search.json``'s
    ``collection``), so they score as over the whole index.

    Adds ``score`` (BM25), ``relevance`` (score / best score, 0-1), ``coverage`` (weighted
    share of the question's terms mentioned), ``entity_matches`` (how many of the question's
    entities are mentioned) and ``rank`` (1 = best); rows sorted by rank.
    """
    if papers.empty:
        return papers.assign(score=[], relevance=[], coverage=[], entity_matches=[], rank=[])
    from synth.search import weighted_query

    query = weighted_query(terms)
    if indexes is None and collection:
        indexes = build_indexes(papers, collection)
    index, title_index = indexes or (build_bm25(_doc_texts(papers)), None)
    dense_texts = [question] if question else None
    score = score_queries(
        papers,
        [query],
        title_weight,
        index=index,
        encoder=encoder,
        dense_texts=dense_texts,
        title_index=title_index,
    )[0]
    present = _presence(index, terms, _doc_texts(papers))
    weights = terms["weight"].to_numpy(dtype=float)
    coverage = present @ weights / weights.sum() if weights.sum() else np.zeros(len(papers))
    is_entity = (terms["kind"] == "entity").to_numpy()
    entity_matches = present[:, is_entity].sum(axis=1) if is_entity.any() else 0
    best = float(score.max()) if len(score) else 0.0
    ranked = papers.assign(
        score=score.round(4),
        relevance=(score / best if best > 0 else score * 0).round(4),
        coverage=coverage.round(4),
        entity_matches=entity_matches,
    )
    ranked = ranked.sort_values(["score", "paper_id"], ascending=[False, True], kind="stable")
    return ranked.assign(rank=np.arange(1, len(ranked) + 1)).reset_index(drop=True)


def prisma_counts(identified: int, duplicates: int, skipped: int, screened: pd.DataFrame) -> dict:
    """PRISMA flow numbers: identified, duplicates removed, unusable records, screened,
    excluded (with counts per reason kind) and included."""
    reasons = screened.loc[~screened["included"], "exclusion_reason"]
    kinds = reasons.str.replace(r"\s*\(.*\)$", "", regex=True).value_counts()
    return {
        "identified": int(identified),
        "duplicates_removed": int(duplicates),
        "records_skipped": int(skipped),
        "screened": len(screened),
        "excluded": int((~screened["included"]).sum()),
        "excluded_by_reason": {str(k): int(v) for k, v in kinds.items()},
        "included": int(screened["included"].sum()),
    }


def plot_prisma(counts: dict, ax: plt.Axes | None = None) -> plt.Axes:
    """PRISMA flow diagram: boxes from identification to inclusion, exclusions at the side."""
    ax = ax or plt.subplots(figsize=(7.5, 4.8))[1]
    ax.set_axis_off()
    ax.set_xlim(0, 10)
    ax.set_ylim(0, 10)
    main = [
        (8.8, f"Records identified\nn = {counts['identified']}"),
        (6.4, f"Records screened\nn = {counts['screened']}"),
        (4.0, f"Records assessed against thresholds\nn = {counts['screened']}"),
        (1.6, f"Papers included\nn = {counts['included']}"),
    ]
    box = {"boxstyle": "round,pad=0.4", "facecolor": "#eef3fb", "edgecolor": "#335"}
    for y, text in main:
        ax.text(3.0, y, text, ha="center", va="center", fontsize=9, bbox=box)
    for (y0, _), (y1, _) in itertools.pairwise(main):
        ax.annotate(
            "",
            xy=(3.0, y1 + 0.7),
            xytext=(3.0, y0 - 0.7),
            arrowprops={"arrowstyle": "->", "color": "#335"},
        )
    side = {"boxstyle": "round,pad=0.4", "facecolor": "#fbeeee", "edgecolor": "#733"}
    removed = counts["duplicates_removed"] + counts["records_skipped"]
    ax.text(
        7.6,
        7.6,
        f"Removed before screening\nduplicates: {counts['duplicates_removed']}\n"
        f"unusable records: {counts['records_skipped']}\n(total {removed})",
        ha="center",
        va="center",
        fontsize=8.5,
        bbox=side,
    )
    lines = [f"{k}: {v}" for k, v in list(counts["excluded_by_reason"].items())[:5]]
    ax.text(
        7.6,
        2.9,
        f"Excluded n = {counts['excluded']}\n" + "\n".join(lines),
        ha="center",
        va="center",
        fontsize=8,
        bbox=side,
        wrap=True,
    )
    ax.set_title("PRISMA flow")
    return ax


def plot_relevance(screened: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Histogram of relevance (score / best score), included vs excluded."""
    ax = ax or plt.subplots(figsize=(7, 3.2))[1]
    bins = np.linspace(0, 1, 21)
    ax.hist(
        screened.loc[~screened["included"], "relevance"],
        bins=bins,
        alpha=0.6,
        label="excluded",
        color="tab:gray",
    )
    ax.hist(
        screened.loc[screened["included"], "relevance"],
        bins=bins,
        alpha=0.8,
        label="included",
        color="tab:green",
    )
    ax.set_yscale("log")
    ax.set_xlabel("relevance (BM25 score / best score)")
    ax.set_ylabel("papers (log scale)")
    ax.legend()
    return ax


PAPERS_CSV_COLUMNS: list[str] = [
    "paper_id",
    "title",
    "authors",
    "year",
    "url",
    "source",
    "score",
    "relevance",
    "coverage",
    "entity_matches",
    "subject_match",
    "outcome_match",
    "title_similarity",
    "topic_score",
    "pairing",
    "rank",
    "included",
    "exclusion_reason",
    "version",
    "categories",
]


def rank_queries(
    papers: pd.DataFrame,
    queries: Sequence[tuple[str, str]],
    top: int = 100,
    tag: str = "synth",
    title_weight: float = TITLE_WEIGHT,
    encoder: object | None = None,
    reranker: object | None = None,
) -> list[str]:
    """TREC run lines (``qid Q0 docid rank score tag``) for ``(qid, text)`` queries, ranked with
    the pipeline's own scoring: each text becomes ``weighted_query(extract_key_terms(text))``
    and goes through ``score_queries``, exactly as ``rank_papers`` does for the question; with
    a ``reranker`` (``rerank.load_reranker()``) each query's top 20 are re-scored by it."""
    from synth.search import extract_key_terms, weighted_query

    weighted = [
        weighted_query(extract_key_terms(text)) if text.strip() else {} for _, text in queries
    ]
    scores = score_queries(
        papers, weighted, title_weight, encoder=encoder, dense_texts=[text for _, text in queries]
    )
    if reranker is not None:
        from synth import rerank

        weight = rerank.WEIGHT if encoder is None else rerank.WEIGHT_DENSE
        texts = rerank.paper_texts(papers)
        scores = rerank.rerank_scores(scores, [q for _, q in queries], texts, reranker, weight)
    ids = papers["paper_id"].to_numpy()
    lines = []
    for (qid, _), row in zip(queries, scores, strict=True):
        k = min(top, len(row))
        best = np.argpartition(-row, k - 1)[:k] if k else np.array([], dtype=int)
        best = best[np.lexsort((ids[best], -row[best]))]
        lines.extend(f"{qid} Q0 {ids[j]} {r} {row[j]:.4f} {tag}" for r, j in enumerate(best, 1))
    return lines

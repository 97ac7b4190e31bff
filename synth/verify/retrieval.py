"""Candidate evidence for the claim verifier: which papers each claim is checked against.

``corpus_docs`` turns a papers table into the verifier's documents; ``retrieve_candidates``
ranks them per claim by BM25 over title + abstract (the claim's own paper left out), and
with a dense encoder re-ranks the lexical top ``DENSE_POOL`` by similarity, as screening does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from synth.dense import DENSE_WEIGHT
from synth.index import build_bm25
from synth.text import split_sentences

DENSE_POOL = 50  # lexical candidates per claim re-ranked by the encoder


def corpus_docs(papers: pd.DataFrame) -> pd.DataFrame:
    """papers (paper_id, title, abstract, optional sentences) -> paper_id, text, sentences."""
    given = papers["sentences"] if "sentences" in papers else pd.Series([None] * len(papers))
    sentences = [
        list(s)
        if s is not None and not (isinstance(s, float)) and len(s)
        else split_sentences(str(a or ""))
        for s, a in zip(given, papers["abstract"], strict=True)
    ]
    titles = papers["title"].fillna("").astype(str) if "title" in papers else [""] * len(papers)
    text = [f"{t}. {' '.join(s)}" for t, s in zip(titles, sentences, strict=True)]
    return pd.DataFrame(
        {"paper_id": papers["paper_id"].to_numpy(), "text": text, "sentences": sentences}
    )


def rowdot(a: sp.csr_matrix, ia: np.ndarray, b: sp.csr_matrix, ib: np.ndarray) -> np.ndarray:
    """Row-wise dot products a[ia[i]] . b[ib[i]] without a Python loop."""
    if len(ia) == 0:
        return np.zeros(0)
    return np.asarray(a[ia].multiply(b[ib]).sum(axis=1)).ravel()


def _dense_order(
    claims: list[str], docs: pd.DataFrame, scores: np.ndarray, encoder: object
) -> np.ndarray:
    """Per claim, the lexical top ``DENSE_POOL`` (finite, > 0) re-ordered by
    ``BM25 / best + DENSE_WEIGHT * max(cosine, 0)``; documents outside it follow in lexical
    order.  Returns the (claims x documents) order."""
    pool = min(DENSE_POOL, scores.shape[1])
    lexical_order = np.argsort(-scores, axis=1, kind="stable")
    cand = lexical_order[:, :pool]
    cand_scores = np.take_along_axis(scores, cand, axis=1)
    ok = np.isfinite(cand_scores) & (cand_scores > 0)
    need = np.unique(cand[ok])
    vecs = encoder.encode(docs["text"].iloc[need].tolist()) if len(need) else np.zeros((0, 384))
    q = encoder.encode(list(claims))
    position = np.full(scores.shape[1], 0)
    position[need] = np.arange(len(need))
    cos = np.einsum("qd,qkd->qk", q, vecs[position[cand]]) if len(need) else np.zeros(cand.shape)
    best = np.where(ok[:, :1], cand_scores[:, :1], 1.0)
    fused = np.where(ok, cand_scores / best + DENSE_WEIGHT * np.maximum(cos, 0.0), -np.inf)
    rest = lexical_order[:, pool:]
    head = np.take_along_axis(cand, np.argsort(-fused, axis=1, kind="stable"), axis=1)
    return np.hstack([head, rest])


def retrieve_candidates(
    claims: list[str],
    docs: pd.DataFrame,
    top_k: int,
    own: np.ndarray | None = None,
    encoder: object | None = None,
) -> pd.DataFrame:
    """Top-k documents per claim by BM25 over ``docs.text``; own documents excluded.

    ``own[i]`` is the row of claim i's own document (or -1).  Returns claim_row, doc_row,
    d_score, d_rank, d_norm, d_rel, d_margin, d_cover, is_own (own pairs appended).  With
    ``encoder`` the lexical top ``DENSE_POOL`` is re-ranked by similarity (``_dense_order``)
    (the stance model has no similarity feature, see ``DENSE_STANCE_FEATURES``).
    """
    index = build_bm25(docs["text"].tolist())
    scores = index.score(claims)
    qbin = index.query_matrix(claims)
    idf_sum = np.asarray(qbin @ index.idf).ravel() + 1e-9
    own = np.full(len(claims), -1) if own is None else np.asarray(own)
    has_own = own >= 0
    own_scores = np.where(has_own, scores[np.arange(len(claims)), np.maximum(own, 0)], 0.0)
    scores[has_own, own[has_own]] = -np.inf
    k = min(top_k, scores.shape[1])
    if encoder is not None and k:
        top = _dense_order(claims, docs, scores, encoder)[:, :k]
    else:
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top_scores = np.take_along_axis(scores, top, axis=1)
    finite = np.where(np.isfinite(top_scores), top_scores, 0.0)
    best = np.maximum(finite[:, 0], 1e-9) if k else np.ones(len(claims))
    second = finite[:, 1] if k > 1 else np.zeros(len(claims))
    pairs = pd.DataFrame(
        {
            "claim_row": np.repeat(np.arange(len(claims)), k),
            "doc_row": top.ravel(),
            "d_score": top_scores.ravel(),
            "d_rank": np.tile(np.arange(k), len(claims)),
            "is_own": False,
        }
    )
    own_pairs = pd.DataFrame(
        {
            "claim_row": np.flatnonzero(has_own),
            "doc_row": own[has_own],
            "d_score": own_scores[has_own],
            "d_rank": 0,
            "is_own": True,
        }
    )
    pairs = pd.concat([pairs, own_pairs], ignore_index=True)
    pairs = pairs[pairs["d_score"] > 0].reset_index(drop=True)
    c = pairs["claim_row"].to_numpy()
    pairs["d_norm"] = pairs["d_score"] / idf_sum[c]
    pairs["d_rel"] = np.minimum(pairs["d_score"] / best[c], 1.0)
    pairs["d_margin"] = np.clip((best - second) / idf_sum, 0, None)[c]
    dbin = index.weights.copy()
    dbin.data = np.ones_like(dbin.data)
    cover = rowdot(qbin.multiply(index.idf[None, :]).tocsr(), c, dbin, pairs["doc_row"].to_numpy())
    pairs["d_cover"] = cover / idf_sum[c]
    return pairs

"""Feature tables of the claim verifier (``synth.verify``).

Candidate retrieval (``retrieve_candidates``: BM25 over title + abstract, optionally
re-ranked by a dense encoder), per-sentence rationale features (``sentence_table``), cue
features (``cue_table``: negation, direction, hedging, numbers), per-pair stance features
(``stance_table``, which adds the predicate polarity features of ``synth.polarity``) and
hashed stance words (``hashed_terms``, ``hashed_matrix``), and the feature name lists of
the two models (``SENTENCE_FEATURES``, ``STANCE_FEATURES`` and their dense additions).  The
models that consume these tables are in ``synth.verify``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from functools import lru_cache
from itertools import pairwise

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from synth.index import build_bm25
from synth.polarity import _DOWN, _HEDGE, _NEG, _NULL, _UP, POLARITY_FEATURES, polarity_table
from synth.text import raw_tokens, tokenize

HASH_DIM = 4096
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w-]|\.\d)")

SENTENCE_FEATURES = (
    "s_norm",
    "s_rel",
    "s_rank",
    "s_cover",
    "s_jacc",
    "s_bigram",
    "s_pos",
    "s_len",
    "num_agree",
    "num_conflict",
    "d_rank",
    "d_norm",
    "d_rel",
)
DENSE_SENTENCE_FEATURES = ("s_dense",)  # cosine(claim, sentence); dense model only
# No similarity feature in the stance model: SciFact's contradicted claims are minimal edits of
# supported ones, so a model trained there learns "very similar abstract -> CONTRADICT", which
# turned plain paraphrases into contradictions.  Dense features serve retrieval and rationale only.
DENSE_STANCE_FEATURES: tuple[str, ...] = ()
DENSE_POOL = 50  # lexical candidates per claim re-ranked by the encoder
STANCE_FEATURES = (
    "d_rank",
    "d_norm",
    "d_rel",
    "d_margin",
    "d_cover",
    "r_max",
    "r_second",
    "s_cover",
    "s_jacc",
    "s_bigram",
    "s_norm",
    "c_neg",
    "c_up",
    "c_down",
    "c_hedge",
    "c_num",
    "e_neg",
    "e_up",
    "e_down",
    "e_hedge",
    "neg_xor",
    "dir_conflict",
    "dir_agree",
    "num_agree",
    "num_conflict",
    "neg_xor_cov",
    "dir_conflict_cov",
    "num_conflict_cov",
    "c_len",
    "c_null",
    "e_null",
    "null_xor",
)


# ----------------------------------------------------------------------------- cue features
@lru_cache(maxsize=1)
def _lexicons() -> dict[str, frozenset[str]]:
    return {
        "neg": frozenset(_NEG.split()),
        "up": frozenset(_UP.split()),
        "down": frozenset(_DOWN.split()),
        "hedge": frozenset(_HEDGE.split()),
        "null": frozenset(_NULL.split()),
    }


def cue_table(texts: list[str]) -> pd.DataFrame:
    """Per text: neg, up, down, hedge (0/1), n_tokens, and its normalised numbers (list)."""
    lex = _lexicons()
    rows = []
    for text in texts:
        raw = set(raw_tokens(text))
        up, down = bool(raw & lex["up"]), bool(raw & lex["down"])
        null = (
            bool(raw & lex["null"])
            or "no difference" in text.lower()
            or ("not" in raw and "significant" in raw)
        )
        rows.append((bool(raw & lex["neg"]), up, down, bool(raw & lex["hedge"]), null, len(raw)))
    table = pd.DataFrame(
        rows, columns=["neg", "up", "down", "hedge", "null", "n_tokens"], dtype=float
    )
    table["numbers"] = [[f"{float(x):.3g}" for x in _NUMBER.findall(t)] for t in texts]
    return table


def _binary(texts: list[str], analyzer, vocab_texts: list[str]) -> tuple[sp.csr_matrix, ...]:
    vec = CountVectorizer(analyzer=analyzer, binary=True, dtype=np.float32)
    vec.fit([*vocab_texts, "\0"])
    return sp.csr_matrix(vec.transform(texts))


def _bigrams(text: str) -> list[str]:
    toks = tokenize(text)
    return [f"{a} {b}" for a, b in pairwise(toks)] or ["\0"]


def _rowdot(a: sp.csr_matrix, ia: np.ndarray, b: sp.csr_matrix, ib: np.ndarray) -> np.ndarray:
    """Row-wise dot products a[ia[i]] . b[ib[i]] without a Python loop."""
    if len(ia) == 0:
        return np.zeros(0)
    return np.asarray(a[ia].multiply(b[ib]).sum(axis=1)).ravel()


# ----------------------------------------------------------------------------- candidates
def _dense_order(
    claims: list[str], docs: pd.DataFrame, scores: np.ndarray, encoder: object
) -> np.ndarray:
    """Per claim, the lexical top ``DENSE_POOL`` (finite, > 0) re-ordered by
    ``BM25 / best + DENSE_WEIGHT * max(cosine, 0)``; documents outside it follow in lexical
    order.  Returns the (claims x documents) order."""
    from synth.screen import DENSE_WEIGHT

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
    cover = _rowdot(qbin.multiply(index.idf[None, :]).tocsr(), c, dbin, pairs["doc_row"].to_numpy())
    pairs["d_cover"] = cover / idf_sum[c]
    return pairs


def sentence_table(
    claims: list[str], docs: pd.DataFrame, pairs: pd.DataFrame, encoder: object | None = None
) -> pd.DataFrame:
    """One row per (candidate pair, sentence of its document) with SENTENCE_FEATURES.

    ``docs.sentences`` holds each document's sentence list.  Extra columns: pair, claim_row,
    doc_row, sentence_index, e_neg, e_up, e_down, e_hedge (cues of the sentence); with
    ``encoder``, ``s_dense`` (cosine of claim and sentence).
    """
    n_sent = docs["sentences"].map(len).to_numpy()
    start = np.concatenate([[0], np.cumsum(n_sent)[:-1]]).astype(int)
    flat = [s for sents in docs["sentences"] for s in sents]
    d = pairs["doc_row"].to_numpy()
    reps = n_sent[d]
    pair_id = np.repeat(np.arange(len(pairs)), reps)
    offset = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
    glob = np.repeat(start[d], reps) + offset
    c = pairs["claim_row"].to_numpy()[pair_id]
    used, inv = np.unique(glob, return_inverse=True)
    used_text = [flat[i] for i in used]
    index = build_bm25(used_text or [""])
    qbin = index.query_matrix(claims)
    idf_sum = np.asarray(qbin @ index.idf).ravel() + 1e-9
    sbin = index.weights.copy()
    sbin.data = np.ones_like(sbin.data)
    out = pd.DataFrame(
        {"pair": pair_id, "claim_row": c, "doc_row": d[pair_id], "sentence_index": offset}
    )
    out["s_bm25"] = _rowdot(qbin, c, index.weights, inv)
    out["s_norm"] = out["s_bm25"] / idf_sum[c]
    grp = out.groupby("pair")["s_bm25"]
    out["s_rel"] = out["s_bm25"] / np.maximum(grp.transform("max"), 1e-9)
    out["s_rank"] = np.minimum(grp.rank(ascending=False, method="first") - 1, 5)
    out["s_cover"] = _rowdot(qbin.multiply(index.idf[None, :]).tocsr(), c, sbin, inv) / idf_sum[c]
    n_claim = np.asarray(qbin.sum(axis=1)).ravel()
    n_sent_terms = np.asarray(sbin.sum(axis=1)).ravel()
    inter = _rowdot(qbin, c, sbin, inv)
    out["s_jacc"] = inter / np.maximum(n_claim[c] + n_sent_terms[inv] - inter, 1)
    cb = _binary(claims, _bigrams, claims)
    sb = _binary(used_text, _bigrams, claims)
    out["s_bigram"] = _rowdot(cb, c, sb, inv) / np.maximum(np.asarray(cb.sum(1)).ravel()[c], 1)
    total = n_sent[d[pair_id]]
    out["s_pos"] = offset / np.maximum(total - 1, 1)
    out["s_first"] = (offset == 0).astype(float)
    out["s_last"] = (offset == total - 1).astype(float)
    cues, ccues = cue_table(used_text), cue_table(claims)
    out["s_len"] = np.log1p(cues["n_tokens"].to_numpy()[inv])
    numbers = lambda t: t["numbers"].map(lambda x: x or ["\0"]).tolist()
    cn, sn = ccues["numbers"].tolist(), numbers(cues)
    ident = lambda x: x
    cnum = _binary(numbers(ccues), ident, numbers(ccues))
    snum = _binary(sn, ident, numbers(ccues))
    has_c = np.array([len(x) > 0 for x in cn])[c]
    has_s = cues["numbers"].map(len).to_numpy()[inv] > 0
    agree = (_rowdot(cnum, c, snum, inv) > 0) & has_c & has_s
    out["num_agree"] = agree.astype(float)
    out["num_conflict"] = (has_c & has_s & ~agree).astype(float)
    for col in ("neg", "up", "down", "hedge", "null"):
        out[f"e_{col}"] = cues[col].to_numpy()[inv]
    for col in ("d_rank", "d_norm", "d_rel"):
        out[col] = pairs[col].to_numpy()[pair_id]
    if encoder is not None:
        q, sv = encoder.encode(list(claims)), encoder.encode(used_text)
        out["s_dense"] = (q[c] * sv[inv]).sum(axis=1) if len(c) else np.zeros(0)
    return out


# ----------------------------------------------------------------------------- stance features
def stance_table(
    claims: list[str],
    pairs: pd.DataFrame,
    sents: pd.DataFrame,
    prob: np.ndarray,
    docs: pd.DataFrame,
    ratio: float = 0.5,
) -> pd.DataFrame:
    """STANCE_FEATURES per pair (aligned with ``pairs``) plus ``sentences``: rationale indices.

    The best sentence by rationale ``prob`` is always selected; the 2nd and 3rd when their
    probability is at least ``ratio`` times the best one.
    """
    s = sents.assign(prob=prob).sort_values(["pair", "prob"], ascending=[True, False])
    s["r"] = s.groupby("pair").cumcount()
    top, top2 = s[s["r"] == 0].set_index("pair"), s[s["r"] < 2].groupby("pair")
    out = pairs[["d_rank", "d_norm", "d_rel", "d_margin", "d_cover"]].copy()
    idx = np.arange(len(pairs))
    out["r_max"] = top["prob"].reindex(idx).fillna(0).to_numpy()
    second = s[s["r"] == 1].set_index("pair")["prob"]
    out["r_second"] = second.reindex(idx).fillna(0).to_numpy()
    for col in ("s_cover", "s_jacc", "s_bigram", "s_norm"):
        out[col] = top[col].reindex(idx).fillna(0).to_numpy()
    agg = top2[["e_neg", "e_up", "e_down", "e_hedge", "e_null", "num_agree", "num_conflict"]].max()
    agg = agg.reindex(idx).fillna(0)
    c = pairs["claim_row"].to_numpy()
    ccues = cue_table(claims)
    for col in ("neg", "up", "down", "hedge", "null"):
        out[f"c_{col}"] = ccues[col].to_numpy()[c]
        out[f"e_{col}"] = agg[f"e_{col}"].to_numpy()
    out["c_num"] = (ccues["numbers"].map(len).to_numpy() > 0)[c].astype(float)
    out["c_len"] = np.log1p(ccues["n_tokens"].to_numpy()[c])
    out["num_agree"] = agg["num_agree"].to_numpy()
    out["num_conflict"] = agg["num_conflict"].to_numpy() * (1 - out["num_agree"])
    out["neg_xor"] = (out["c_neg"] != out["e_neg"]).astype(float)
    out["null_xor"] = (out["c_null"] != out["e_null"]).astype(float)
    out["dir_conflict"] = np.maximum(
        out["c_up"] * out["e_down"] * (1 - out["e_up"]),
        out["c_down"] * out["e_up"] * (1 - out["e_down"]),
    )
    out["dir_agree"] = np.maximum(out["c_up"] * out["e_up"], out["c_down"] * out["e_down"])
    for col in ("neg_xor", "dir_conflict", "num_conflict"):
        out[f"{col}_cov"] = out[col] * out["s_cover"]
    keep = s[(s["r"] == 0) | ((s["r"] < 3) & (s["prob"] >= ratio * s["pair"].map(top["prob"])))]
    chosen = keep.groupby("pair")["sentence_index"].agg(lambda v: sorted(int(i) for i in v))
    pol = pd.concat([keep[["pair", "s_cover"]], polarity_table(claims, docs, keep)], axis=1)
    pol = pol.sort_values(["pair", "pred_aligned", "s_cover"], ascending=[True, False, False])
    pol = pol.drop_duplicates("pair").set_index("pair").reindex(idx).fillna(0.0)
    for col in POLARITY_FEATURES:
        out[col] = pol[col].to_numpy()
    # the chosen sentence states the claim itself: every stem and word pair of the claim, as
    # many negations, and no reversed predicate (``synth.verify.restatement_rule``)
    same = (top["s_cover"] >= 0.999) & (top["s_bigram"] >= 0.999)
    neg_equal = top["e_neg"].reindex(idx, fill_value=-1).to_numpy() == out["c_neg"].to_numpy()
    out["restates"] = (same.reindex(idx, fill_value=False).to_numpy() & neg_equal
                       & (out["pol_flip"].to_numpy() == 0)).astype(float)
    out["sentences"] = chosen.reindex(idx).map(lambda v: v if isinstance(v, list) else [])
    out["hashed"] = hashed_terms(claims, docs, pairs, out["sentences"].tolist())
    return out


def hashed_terms(
    claims: list[str],
    docs: pd.DataFrame,
    pairs: pd.DataFrame,
    chosen: list[list[int]],
    dim: int = HASH_DIM,
) -> list[np.ndarray]:
    """Per pair, hashed ids of word features that carry stance.

    Claim stems absent from the whole document ("cu:"), cue words (negation, direction,
    hedging) of the claim ("cl:"), cue words of the chosen evidence sentences that the claim
    lacks ("eo:"), and pairs of a claim-only and an evidence-only cue word ("pr:", e.g.
    increas|reduc).  One loop over candidate pairs (k per claim), not over sentences.
    """
    lex = _lexicons()
    cue = lex["neg"] | lex["up"] | lex["down"] | lex["hedge"] | lex["null"]
    c_terms = [set(tokenize(t)) | (set(raw_tokens(t)) & cue) for t in claims]
    doc_terms: dict[int, set[str]] = {}
    out = []
    for c, d, sel in zip(pairs["claim_row"], pairs["doc_row"], chosen):
        if d not in doc_terms:
            doc_terms[d] = set(tokenize(docs["text"].iloc[d]))
        sentences = docs["sentences"].iloc[d]
        ev_text = " ".join(sentences[i] for i in sel)
        ev = set(tokenize(ev_text)) | (set(raw_tokens(ev_text)) & cue)
        ct = c_terms[c]
        c_cue, e_only = ct & cue, (ev - ct) & cue
        feats = [f"cu:{w}" for w in ct - doc_terms[d]] + [f"cl:{w}" for w in c_cue]
        feats += [f"eo:{w}" for w in e_only]
        feats += [f"pr:{a}|{b}" for a in (c_cue - ev) for b in e_only]
        out.append(np.unique([zlib.crc32(f.encode()) % dim for f in feats]).astype(np.int64))
    return out


def hashed_matrix(hashed: Iterable[np.ndarray], dim: int = HASH_DIM) -> sp.csr_matrix:
    """Binary (pairs x dim) CSR matrix of ``hashed_terms`` ids."""
    hashed = list(hashed)
    indptr = np.concatenate([[0], np.cumsum([len(h) for h in hashed])]).astype(np.int64)
    indices = np.concatenate(hashed) if hashed else np.zeros(0, np.int64)
    data = np.ones(len(indices), dtype=np.float64)
    return sp.csr_matrix((data, indices, indptr), shape=(len(hashed), dim))

"""Feature tables of the claim verifier.

Per (claim, candidate sentence): rationale features (``sentence_table``); per text: cue
features (``cue_table``: negation, direction, hedging, null effect, numbers); per candidate
pair: stance features (``stance_table``, with the predicate polarity features) and hashed
stance words (``hashed_terms``, ``hashed_matrix``).  The feature name lists of the two models
are here too (``SENTENCE_FEATURES``, ``STANCE_FEATURES`` and their dense additions).
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
from synth.text import raw_tokens, tokenize
from synth.verify.nli_features import NLI_STANCE_FEATURES, pair_features
from synth.verify.polarity import DOWN, HEDGE, NEG, NULL, POLARITY_FEATURES, UP, polarity_table
from synth.verify.retrieval import rowdot

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
        "neg": frozenset(NEG.split()),
        "up": frozenset(UP.split()),
        "down": frozenset(DOWN.split()),
        "hedge": frozenset(HEDGE.split()),
        "null": frozenset(NULL.split()),
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


def _numbers(cues: pd.DataFrame) -> list[list[str]]:
    """The ``numbers`` column of a ``cue_table``, a placeholder where a text has none."""
    return cues["numbers"].map(lambda x: x or ["\0"]).tolist()


def _identity(x):
    return x


def _bigrams(text: str) -> list[str]:
    toks = tokenize(text)
    return [f"{a} {b}" for a, b in pairwise(toks)] or ["\0"]


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
    out = pd.DataFrame(
        {"pair": pair_id, "claim_row": c, "doc_row": d[pair_id], "sentence_index": offset}
    )
    _add_overlap(out, claims, used_text, inv)
    total = n_sent[d[pair_id]]
    out["s_pos"] = offset / np.maximum(total - 1, 1)
    out["s_first"] = (offset == 0).astype(float)
    out["s_last"] = (offset == total - 1).astype(float)
    _add_cues(out, claims, used_text, inv)
    for col in ("d_rank", "d_norm", "d_rel"):
        out[col] = pairs[col].to_numpy()[pair_id]
    if encoder is not None:
        q, sv = encoder.encode(list(claims)), encoder.encode(used_text)
        out["s_dense"] = (q[c] * sv[inv]).sum(axis=1) if len(c) else np.zeros(0)
    return out


def _add_overlap(out: pd.DataFrame, claims: list[str], used_text: list[str], inv: np.ndarray):
    """Lexical overlap columns of ``out`` (s_bm25, s_norm, s_rel, s_rank, s_cover, s_jacc,
    s_bigram); ``inv`` maps each row to its sentence in ``used_text``."""
    c = out["claim_row"].to_numpy()
    index = build_bm25(used_text or [""])
    qbin = index.query_matrix(claims)
    idf_sum = np.asarray(qbin @ index.idf).ravel() + 1e-9
    sbin = index.weights.copy()
    sbin.data = np.ones_like(sbin.data)
    out["s_bm25"] = rowdot(qbin, c, index.weights, inv)
    out["s_norm"] = out["s_bm25"] / idf_sum[c]
    grp = out.groupby("pair")["s_bm25"]
    out["s_rel"] = out["s_bm25"] / np.maximum(grp.transform("max"), 1e-9)
    out["s_rank"] = np.minimum(grp.rank(ascending=False, method="first") - 1, 5)
    out["s_cover"] = rowdot(qbin.multiply(index.idf[None, :]).tocsr(), c, sbin, inv) / idf_sum[c]
    n_claim = np.asarray(qbin.sum(axis=1)).ravel()
    n_sent_terms = np.asarray(sbin.sum(axis=1)).ravel()
    inter = rowdot(qbin, c, sbin, inv)
    out["s_jacc"] = inter / np.maximum(n_claim[c] + n_sent_terms[inv] - inter, 1)
    cb = _binary(claims, _bigrams, claims)
    sb = _binary(used_text, _bigrams, claims)
    out["s_bigram"] = rowdot(cb, c, sb, inv) / np.maximum(np.asarray(cb.sum(1)).ravel()[c], 1)


def _add_cues(out: pd.DataFrame, claims: list[str], used_text: list[str], inv: np.ndarray):
    """Sentence length, number agreement / conflict with the claim and the sentence's cue
    columns (s_len, num_agree, num_conflict, e_neg, e_up, e_down, e_hedge, e_null)."""
    c = out["claim_row"].to_numpy()
    cues, ccues = cue_table(used_text), cue_table(claims)
    out["s_len"] = np.log1p(cues["n_tokens"].to_numpy()[inv])
    cn, sn = ccues["numbers"].tolist(), _numbers(cues)
    cnum = _binary(_numbers(ccues), _identity, _numbers(ccues))
    snum = _binary(sn, _identity, _numbers(ccues))
    has_c = np.array([len(x) > 0 for x in cn])[c]
    has_s = cues["numbers"].map(len).to_numpy()[inv] > 0
    agree = (rowdot(cnum, c, snum, inv) > 0) & has_c & has_s
    out["num_agree"] = agree.astype(float)
    out["num_conflict"] = (has_c & has_s & ~agree).astype(float)
    for col in ("neg", "up", "down", "hedge", "null"):
        out[f"e_{col}"] = cues[col].to_numpy()[inv]


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
    _add_agreement(out, claims, pairs["claim_row"].to_numpy(), agg.reindex(idx).fillna(0))
    keep = s[(s["r"] == 0) | ((s["r"] < 3) & (s["prob"] >= ratio * s["pair"].map(top["prob"])))]
    if "n_ent" in s:  # NLI scores of the sentences (``synth.verify.nli_features``)
        nli = pair_features(keep, len(pairs))
        for col in NLI_STANCE_FEATURES:
            out[col] = nli[col].to_numpy()
    chosen = keep.groupby("pair")["sentence_index"].agg(lambda v: sorted(int(i) for i in v))
    pol = pd.concat([keep[["pair", "s_cover"]], polarity_table(claims, docs, keep)], axis=1)
    pol = pol.sort_values(["pair", "pred_aligned", "s_cover"], ascending=[True, False, False])
    pol = pol.drop_duplicates("pair").set_index("pair").reindex(idx).fillna(0.0)
    for col in POLARITY_FEATURES:
        out[col] = pol[col].to_numpy()
    # the chosen sentence states the claim itself: every stem and word pair of the claim, as
    # many negations, and no reversed predicate (``synth.verify.model.restatement_rule``)
    same = (top["s_cover"] >= 0.999) & (top["s_bigram"] >= 0.999)
    neg_equal = top["e_neg"].reindex(idx, fill_value=-1).to_numpy() == out["c_neg"].to_numpy()
    out["restates"] = (
        same.reindex(idx, fill_value=False).to_numpy()
        & neg_equal
        & (out["pol_flip"].to_numpy() == 0)
    ).astype(float)
    out["sentences"] = chosen.reindex(idx).map(lambda v: v if isinstance(v, list) else [])
    out["hashed"] = hashed_terms(claims, docs, pairs, out["sentences"].tolist())
    return out


def _add_agreement(out: pd.DataFrame, claims: list[str], c: np.ndarray, evidence: pd.DataFrame):
    """Cue columns of each pair's claim (c_neg ... c_len; ``c`` its claim row) and of its
    evidence (e_neg ...: ``evidence``, aligned with ``out``), and whether they agree
    (num_agree, num_conflict, neg_xor, null_xor, dir_conflict, dir_agree, *_cov)."""
    ccues = cue_table(claims)
    for col in ("neg", "up", "down", "hedge", "null"):
        out[f"c_{col}"] = ccues[col].to_numpy()[c]
        out[f"e_{col}"] = evidence[f"e_{col}"].to_numpy()
    out["c_num"] = (ccues["numbers"].map(len).to_numpy() > 0)[c].astype(float)
    out["c_len"] = np.log1p(ccues["n_tokens"].to_numpy()[c])
    out["num_agree"] = evidence["num_agree"].to_numpy()
    out["num_conflict"] = evidence["num_conflict"].to_numpy() * (1 - out["num_agree"])
    out["neg_xor"] = (out["c_neg"] != out["e_neg"]).astype(float)
    out["null_xor"] = (out["c_null"] != out["e_null"]).astype(float)
    out["dir_conflict"] = np.maximum(
        out["c_up"] * out["e_down"] * (1 - out["e_up"]),
        out["c_down"] * out["e_up"] * (1 - out["e_down"]),
    )
    out["dir_agree"] = np.maximum(out["c_up"] * out["e_up"], out["c_down"] * out["e_down"])
    for col in ("neg_xor", "dir_conflict", "num_conflict"):
        out[f"{col}_cov"] = out[col] * out["s_cover"]


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
    for c, d, sel in zip(pairs["claim_row"], pairs["doc_row"], chosen, strict=True):
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

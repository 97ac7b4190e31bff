"""Verify claims against the sentences of other papers, with a calibrated confidence.

For each claim the abstracts are ranked with BM25 (title + sentences); the top ``k`` papers
other than the claim's own are candidates.  Every sentence of a candidate is scored as
rationale by a small logistic model over overlap features (BM25, idf-weighted coverage,
Jaccard of stems, bigram overlap, position, number agreement), and each candidate paper gets
a stance SUPPORT / CONTRADICT / NEI from a second logistic model over retrieval features,
the best rationale sentences and cue features (negation, direction words such as
"increases" vs "reduces", hedging, conflicting numbers).  After the model a predicate
polarity check (``predicate_alignment``, ``polarity_rule``) aligns the claim's main predicate
("improves", "outperforms", "is associated with") with the same stem, a synonym or an antonym
in the chosen evidence sentence; where its polarity is reversed there (negated: "does not
improve", "no improvement", "fails to", "has no effect"; opposite direction: "degrades";
swapped comparison: "B outperforms A", "A is outperformed by B") P(SUPPORT) and
P(CONTRADICT) are exchanged when the model still prefers SUPPORT.  A calibration map fitted
on out-of-fold predictions (rule included) turns the stance probability into ``confidence``
= P(verdict right).

The shipped model (``synth/data/verify_model.json``) is trained by
``scripts/train_verify_model.py`` on SciFact (Wadden et al., EMNLP 2020; claims CC BY 4.0,
abstracts from S2ORC, ODC-By 1.0); the benchmark ``benchmarks/verify.py`` reuses its fitting.
The default model has no neural part: sparse BM25, lexical cues and logistic regression.
With the ``dense`` extra (``encoder``, a ``synth.dense.Encoder``) retrieval re-ranks the
lexical top ``DENSE_POOL`` by MiniLM similarity to the claim, as the screen stage does, and
the model ``verify_model_dense.json`` adds the claim-abstract and claim-sentence cosine
similarities (``DENSE_SENTENCE_FEATURES``, ``DENSE_STANCE_FEATURES``) to its features.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from synth.index import build_bm25
from synth.text import STOP_WORDS, _stemmer, raw_tokens, split_sentences, tokenize

LABELS = ("SUPPORTED", "CONTRADICTED", "UNVERIFIED")
STANCES = ("SUPPORT", "CONTRADICT", "NEI")

_NEG = (
    "not no never without lack lacks lacking fail fails failed absence absent neither nor "
    "cannot unable none non unaffected unrelated doesn didn isn aren wasn weren don nothing"
)
_UP = (
    "increase increases increased increasing higher elevate elevated elevation enhance "
    "enhances enhanced improve improves improved improvement promote promotes promoted "
    "stimulate stimulates activate activates activation induce induces induced upregulate "
    "upregulated upregulation raise raises raised greater augment augments accelerate accelerates "
    "boost boosts potentiates gain gains rise rises positively longer beneficial benefits "
    "sufficient necessary essential protect protects protective facilitate facilitates "
    "promoting enhancing improving inducing stimulated stimulating activated exacerbate "
    "exacerbates exacerbated"
)
_DOWN = (
    "decrease decreases decreased decreasing reduce reduces reduced reduction lower "
    "inhibit inhibits inhibited inhibition suppress suppresses suppressed impair impairs "
    "impaired attenuate attenuates attenuated diminish diminishes diminished decline declines "
    "downregulate downregulated downregulation block blocks blocked prevent prevents fewer "
    "reducing inhibiting suppressing impairing preventing blocking lowered lowering "
    "loss lose slow slows abolish abolished repress represses deplete depleted negative "
    "negatively down shorter worse degrade degrades degraded impede impedes hinder hinders "
    "worsen worsens aggravate harm harmful detrimental ineffective insufficient dispensable "
    "unnecessary disrupt disrupts abrogate abrogates"
)
_NULL = (
    "similar comparable unchanged unaffected equivalent independent insignificant "
    "nonsignificant neutral indistinguishable irrespective regardless"
)
_HEDGE = (
    "may might could suggest suggests suggested possibly possible potential potentially "
    "likely appear appears seem seems perhaps unclear whether hypothesis hypothesize"
)
HASH_DIM = 4096
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?![\w-]|\.\d)")

POLARITY_FEATURES = (
    "pred_aligned",
    "same_pred_same_polarity",
    "same_pred_negation_flip",
    "antonym_pred",
    "arg_swap",
    "pol_flip",
    "pol_flip_cov",
    "pol_same_cov",
)
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
DENSE_STANCE_FEATURES = ("d_dense", "s_dense")  # cosine(claim, abstract), of best sentence
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


@dataclass(frozen=True)
class VerifyModel:
    """Two logistic models (rationale, stance), a decision threshold and calibration maps.

    ``reliability`` (bin, mean_confidence, accuracy, count) and ``ece`` are the
    cross-validated calibration of emitted verdicts measured when the model was trained.
    """

    rationale: dict[str, np.ndarray]  # mean, scale, coef (F,), intercept (1,)
    stance: dict[str, np.ndarray]  # mean, scale, coef (3, F), intercept (3,)
    threshold: float = 0.5  # emit SUPPORT/CONTRADICT when its probability >= threshold
    claim_threshold: float = 0.5  # per claim: verdict only where it beats UNVERIFIED's odds
    rationale_ratio: float = 0.5  # extra sentences need prob >= ratio * best sentence prob
    top_k: int = 5
    calibration: dict[str, np.ndarray] = field(default_factory=dict)  # emit_x/y, nei_x/y
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    ece: float = float("nan")
    meta: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (lists of floats, no pickle)."""
        arrays = lambda d: {k: np.asarray(v, dtype=float).tolist() for k, v in d.items()}
        return {
            "rationale": arrays(self.rationale),
            "stance": arrays(self.stance),
            "threshold": self.threshold,
            "claim_threshold": self.claim_threshold,
            "rationale_ratio": self.rationale_ratio,
            "top_k": self.top_k,
            "calibration": arrays(self.calibration),
            "reliability": self.reliability.to_dict(orient="list"),
            "ece": self.ece,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerifyModel:
        arrays = lambda d: {k: np.asarray(v, dtype=float) for k, v in d.items()}
        return cls(
            rationale=arrays(data["rationale"]),
            stance=arrays(data["stance"]),
            threshold=float(data["threshold"]),
            rationale_ratio=float(data["rationale_ratio"]),
            claim_threshold=float(data.get("claim_threshold", data["threshold"])),
            top_k=int(data["top_k"]),
            calibration=arrays(data["calibration"]),
            reliability=pd.DataFrame(data["reliability"]),
            ece=float(data["ece"]),
            meta=dict(data.get("meta", {})),
        )


def load_model(path: Path | None = None, dense: bool = False) -> VerifyModel:
    """Load a model from JSON; default: the shipped ``synth/data/verify_model.json``
    (``verify_model_dense.json`` with ``dense``: for use with an encoder)."""
    if path is None:
        name = "data/verify_model_dense.json" if dense else "data/verify_model.json"
        text = resources.files("synth").joinpath(name).read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return VerifyModel.from_json(json.loads(text))


def save_model(model: VerifyModel, path: Path) -> None:
    """Write ``model`` as JSON (temp file + rename)."""
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(model.to_json(), indent=1), encoding="utf-8")
    tmp.replace(path)


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
) -> tuple[np.ndarray, dict[int, np.ndarray], np.ndarray]:
    """Per claim, the lexical top ``DENSE_POOL`` (finite, > 0) re-ordered by
    ``BM25 / best + DENSE_WEIGHT * max(cosine, 0)``; documents outside it follow in lexical
    order.  Returns (order, {doc_row: unit vector} of the encoded docs, claim vectors)."""
    from synth.screen import DENSE_WEIGHT

    pool = min(DENSE_POOL, scores.shape[1])
    cand = np.argsort(-scores, axis=1, kind="stable")[:, :pool]
    cand_scores = np.take_along_axis(scores, cand, axis=1)
    ok = np.isfinite(cand_scores) & (cand_scores > 0)
    need = np.unique(cand[ok])
    vecs = encoder.encode(docs["text"].iloc[need].tolist()) if len(need) else np.zeros((0, 384))
    doc_vec = dict(zip(need.tolist(), vecs, strict=True))
    q = encoder.encode(list(claims))
    position = np.full(scores.shape[1], 0)
    position[need] = np.arange(len(need))
    cos = np.einsum("qd,qkd->qk", q, vecs[position[cand]]) if len(need) else np.zeros(cand.shape)
    best = np.where(ok[:, :1], cand_scores[:, :1], 1.0)
    fused = np.where(ok, cand_scores / best + DENSE_WEIGHT * np.maximum(cos, 0.0), -np.inf)
    rest = np.argsort(-scores, axis=1, kind="stable")[:, pool:]
    head = np.take_along_axis(cand, np.argsort(-fused, axis=1, kind="stable"), axis=1)
    return np.hstack([head, rest]), doc_vec, q


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
    and ``d_dense`` (cosine of claim and abstract) is added.
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
        order, doc_vec, q = _dense_order(claims, docs, scores, encoder)
        top = order[:, :k]
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
    if encoder is not None:
        d = pairs["doc_row"].to_numpy()
        missing = sorted(set(d.tolist()) - set(doc_vec)) if k else sorted(set(d.tolist()))
        if missing:
            doc_vec.update(zip(missing, encoder.encode(docs["text"].iloc[missing].tolist())))
        if not k:
            q = encoder.encode(list(claims))
        dv = np.stack([doc_vec[i] for i in d]) if len(d) else np.zeros((0, q.shape[1]))
        pairs["d_dense"] = (q[c] * dv).sum(axis=1) if len(d) else np.zeros(0)
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


# ----------------------------------------------------------------------------- predicate polarity
# The claim's main predicate (a direction or effect word: "improves", "reduces", "outperforms",
# "is associated with") is aligned with the same stem or an antonym in an evidence sentence,
# and the polarity of both is compared: negation scope (a negator a few tokens before the
# predicate), opposite direction, and, for comparisons, swapped arguments ("A outperforms B"
# vs "B outperforms A" / "A is outperformed by B").
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PRED_UP_EXTRA = (
    "better superior outperform outperforms outperformed outperforming exceed exceeds exceeded "
    "surpass surpasses surpassed beat beats benefit"
)
_PRED_DOWN_EXTRA = (
    "worse inferior underperform underperforms underperformed hurt hurts degrades degrading "
    "decline reduction decrease"
)
_PRED_NEUTRAL = (
    "affect affects affected associated association associates correlate correlates correlated "
    "correlation cause causes caused predict predicts predicted influence influences alter "
    "alters altered change changes contribute contributes mediate mediates regulate regulates "
    "linked related require requires required effect effects impact impacts lead leads depend "
    "depends modulate modulates"
)
_PRED_SKIP = _words("down negative positively negatively loss lose gain gains longer shorter")
_COMPARATIVE = _words("outperform underperform superior inferior exceed surpass beat better wors")
_NEGATORS = _words(
    "not no never without neither nor cannot unable none lack lacks lacking absence fail fails "
    "failed failing t doesn didn isn aren wasn weren don hasn haven hadn won couldn wouldn"
)
_SCOPE_BREAK = _words(". , ; : ( ) but whereas while although though however that which than")
_AUX = _words(
    "is are was were be been being does do did not to can may might will could would should "
    "t significantly also further consistently"
)
_ARG_STOP = _words(". , ; : ( ) on in at for across under when while during with using")
_POLARITY_WINDOW = 4


@lru_cache(maxsize=1)
def _predicates() -> dict[str, int]:
    """Predicate stem -> direction (+1 up, -1 down, 0 effect without direction)."""
    stem, out = _stemmer().stemWord, {}
    for words, sign in (
        (_PRED_NEUTRAL, 0),
        (f"{_UP} {_PRED_UP_EXTRA}", 1),
        (f"{_DOWN} {_PRED_DOWN_EXTRA}", -1),
    ):
        out.update({stem(w): sign for w in words.split() if w not in _PRED_SKIP})
    return out


@lru_cache(maxsize=65536)
def _parse(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Ordered lower-case tokens (words and clause punctuation) and their stems."""
    toks = tuple(re.findall(r"[a-z0-9]+|[.,;:()]", text.lower()))
    return toks, tuple(_stemmer().stemWords(list(toks)))


def _negated(toks: tuple[str, ...], i: int) -> bool:
    """A negator within ``_POLARITY_WINDOW`` tokens before token i, inside its clause."""
    for j in range(i - 1, max(i - 1 - _POLARITY_WINDOW, -1), -1):
        t = toks[j]
        if t in _SCOPE_BREAK:
            return False
        if t in _NEGATORS and not (t == "not" and j + 1 < len(toks) and toks[j + 1] == "only"):
            return True
    return False


def _args(toks, stems, i: int) -> tuple[set[str], set[str]]:
    """Content stems left (clause start .. i) and right (i .. first preposition) of token i;
    swapped for a passive comparison ("A is outperformed by B")."""
    content = lambda j: toks[j] not in STOP_WORDS and len(toks[j]) > 1 and toks[j].isalnum()
    left: set[str] = set()
    for j in range(i - 1, -1, -1):
        if toks[j] in _SCOPE_BREAK and toks[j] != "than":
            break
        if content(j) and stems[j] not in _predicates():
            left.add(stems[j])
    passive = toks[i].endswith("ed") and i + 1 < len(toks) and toks[i + 1] == "by"
    right: set[str] = set()
    for j in range(i + 1 + passive, len(toks)):
        if toks[j] in _ARG_STOP or (toks[j] in _SCOPE_BREAK and toks[j] != "than"):
            break
        if content(j) and stems[j] not in _predicates():
            right.add(stems[j])
    return (right, left) if passive else (left, right)


def _claim_predicates(text: str) -> list[int]:
    """Positions of the claim's candidate main predicates: its verb-like predicate words
    (3rd person "-s" form, or after an auxiliary/negator), else all its predicate words."""
    toks, stems = _parse(text)
    preds = _predicates()
    found = [i for i, s in enumerate(stems) if s in preds]
    verbal = [
        i
        for i in found
        if (toks[i].endswith("s") and not toks[i].endswith("ss"))
        or (i > 0 and toks[i - 1] in _AUX | _NEGATORS)
    ]
    return verbal[:1] or found


def _context(toks, stems, i: int, width: int = 2) -> set[str]:
    """Up to ``width`` content stems on each side of token i (predicate words skipped)."""
    preds, out = _predicates(), set()
    for rng in (range(i - 1, -1, -1), range(i + 1, len(toks))):
        n = 0
        for j in rng:
            if n == width or toks[j] in _SCOPE_BREAK:
                break
            if toks[j] not in STOP_WORDS and len(toks[j]) > 1 and stems[j] not in preds:
                out.add(stems[j])
                n += 1
    return out


def _align(ctoks, cstems, i: int, stoks, sstems) -> tuple[int, list[float], int] | None:
    """Best evidence match of claim predicate i: (context score, features, position)."""
    preds = _predicates()
    pred, direction = cstems[i], preds[cstems[i]]
    c_neg = _negated(ctoks, i)
    ctx = _context(ctoks, cstems, i)
    best = None
    for j, s in enumerate(sstems):
        if s not in preds:
            continue
        neg = _negated(stoks, j)
        if s == pred or (direction and preds[s] == direction):  # same predicate / synonym
            feats, rank = [1.0, float(neg == c_neg), float(neg != c_neg), 0.0, 0.0], 2
        elif direction and preds[s] == -direction:  # antonym; "does not reduce" is no flip
            feats, rank = [1.0, 0.0, 0.0, float(neg == c_neg), 0.0], 1
        elif preds[s] == 0 and neg and not c_neg:  # "X improves Y" vs "X has no effect on Y"
            feats, rank = [1.0, 0.0, 1.0, 0.0, 0.0], 0
        else:
            continue
        key = (len(ctx & _context(stoks, sstems, j)), rank)
        if best is None or key > best[0]:
            best = (key, feats, j)
    return None if best is None else (best[0][0], best[1], best[2])


def predicate_alignment(claim: str, sentence: str) -> tuple[float, float, float, float, float]:
    """(aligned, same_pred_same_polarity, same_pred_negation_flip, antonym_pred, arg_swap).

    The claim's main predicate (``_claim_predicates``; among several, the one whose match
    shares most context words) is matched in the sentence by stem, same-direction synonym,
    antonym, or a negated effect word ("no effect", "not associated").  aligned: a match
    exists.  same_pred_*: same predicate, negation equal / flipped.  antonym_pred: an
    opposite-direction word whose polarity (after negation) opposes the claim's.  arg_swap:
    a comparison ("outperforms", "better than") whose arguments are exchanged.
    """
    ctoks, cstems = _parse(claim)
    stoks, sstems = _parse(sentence)
    found = [
        (m, i) for i in _claim_predicates(claim) if (m := _align(ctoks, cstems, i, stoks, sstems))
    ]
    if not found:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    (_, out, j), i = max(found, key=lambda f: f[0][0])
    out = list(out)
    if cstems[i] in _COMPARATIVE or "than" in ctoks[i + 1 : i + 4]:
        cl, cr = _args(ctoks, cstems, i)
        el, er = _args(stoks, sstems, j)
        cross, straight = len(cl & er) + len(cr & el), len(cl & el) + len(cr & er)
        out[4] = float(cross > straight and bool(cl & er) and bool(cr & el))
    return tuple(out)  # type: ignore[return-value]


def polarity_table(claims: list[str], docs: pd.DataFrame, sel: pd.DataFrame) -> pd.DataFrame:
    """POLARITY_FEATURES per row of ``sel`` (claim_row, doc_row, sentence_index, s_cover).

    Features of one sentence; ``pol_flip`` = the aligned predicate's polarity is reversed
    (negation flip, antonym, or swapped comparison arguments - an odd number of them).
    """
    rows = [
        predicate_alignment(claims[c], docs["sentences"].iloc[d][s])
        for c, d, s in zip(sel["claim_row"], sel["doc_row"], sel["sentence_index"])
    ]
    out = pd.DataFrame(rows, columns=list(POLARITY_FEATURES[:5]), index=sel.index, dtype=float)
    if out.empty:
        return out.assign(pol_flip=0.0, pol_flip_cov=0.0, pol_same_cov=0.0)
    odd = (out["same_pred_negation_flip"] + out["antonym_pred"] + out["arg_swap"]) % 2
    out["pol_flip"] = odd * out["pred_aligned"]
    cover = sel["s_cover"].to_numpy(float)
    out["pol_flip_cov"] = out["pol_flip"] * cover
    out["pol_same_cov"] = out["pred_aligned"] * (1 - out["pol_flip"]) * cover
    return out


# ----------------------------------------------------------------------------- models
def _logit(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    z = (x - params["mean"]) / params["scale"]
    return z @ np.atleast_2d(params["coef"]).T + params["intercept"]


def sentence_features(dense: bool) -> list[str]:
    """Features of the rationale model (the dense model adds ``DENSE_SENTENCE_FEATURES``)."""
    return [*SENTENCE_FEATURES, *(DENSE_SENTENCE_FEATURES if dense else ())]


def stance_features(dense: bool) -> list[str]:
    """Features of the stance model (the dense model adds ``DENSE_STANCE_FEATURES``)."""
    return [*STANCE_FEATURES, *(DENSE_STANCE_FEATURES if dense else ())]


def _is_dense(params: dict[str, np.ndarray]) -> bool:
    return bool(np.asarray(params.get("dense", 0.0)).item())


def rationale_probability(rationale: dict[str, np.ndarray], sents: pd.DataFrame) -> np.ndarray:
    """P(sentence is a rationale for the claim) for each row of ``sentence_table``."""
    x = sents[sentence_features(_is_dense(rationale))].to_numpy(float)
    return 1.0 / (1.0 + np.exp(-_logit(rationale, x).ravel()))


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
    dense = [c for c in ("d_dense",) if c in pairs]
    out = pairs[["d_rank", "d_norm", "d_rel", "d_margin", "d_cover", *dense]].copy()
    idx = np.arange(len(pairs))
    out["r_max"] = top["prob"].reindex(idx).fillna(0).to_numpy()
    second = s[s["r"] == 1].set_index("pair")["prob"]
    out["r_second"] = second.reindex(idx).fillna(0).to_numpy()
    for col in ("s_cover", "s_jacc", "s_bigram", "s_norm", "s_dense"):
        if col in top:
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


def stance_probability(stance: dict[str, np.ndarray], table: pd.DataFrame) -> np.ndarray:
    """(pairs x 3) probabilities of SUPPORT, CONTRADICT, NEI (softmax of the stance model)."""
    z = _logit(stance, table[stance_features(_is_dense(stance))].to_numpy(float))
    if "hash_coef" in stance:
        z = z + np.asarray(hashed_matrix(table["hashed"]) @ stance["hash_coef"].T)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    if "flip_cover" in stance:
        probs = polarity_rule(probs, table, float(stance["flip_cover"]))
    return probs


def polarity_rule(probs: np.ndarray, table: pd.DataFrame, min_cover: float) -> np.ndarray:
    """Swap P(SUPPORT) and P(CONTRADICT) where the evidence reverses the claim's predicate.

    Applied after the stance model: where the chosen evidence sentence holds the claim's
    predicate with flipped polarity (``pol_flip``: negated, antonym or swapped comparison)
    and covers at least ``min_cover`` of the claim, and the model still prefers SUPPORT, the
    two probabilities are exchanged (NEI and the emit score are unchanged).  Learned weights
    cannot do this on SciFact, which has too few such pairs (see benchmarks/README.md).
    """
    if not len(probs) or "pol_flip" not in table:
        return probs
    flip = table["pol_flip"].to_numpy(float) > 0
    on = flip & (table["s_cover"].to_numpy(float) >= min_cover) & (probs[:, 0] > probs[:, 1])
    out = probs.copy()
    out[on, 0], out[on, 1] = probs[on, 1], probs[on, 0]
    return out


def decide(model: VerifyModel, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: stance index (0 SUPPORT, 1 CONTRADICT, 2 NEI), emit score, confidence.

    The emit score is max(P(SUPPORT), P(CONTRADICT)); a verdict is emitted when it reaches
    ``model.threshold``; confidence is the isotonic map of the emit score (emitted pairs) or
    of the NEI map (pairs left NEI).
    """
    emit = probs[:, :2].max(axis=1) if len(probs) else np.zeros(0)
    stance = np.where(emit >= model.threshold, probs[:, :2].argmax(axis=1), 2)
    cal = model.calibration
    conf = np.where(
        stance < 2,
        np.interp(emit, cal["emit_x"], cal["emit_y"]),
        np.interp(emit, cal["nei_x"], cal["nei_y"]),
    )
    return stance, emit, np.clip(conf, 0.0, 1.0)


def featurize(
    claims: list[str],
    docs: pd.DataFrame,
    top_k: int,
    own: np.ndarray | None = None,
    encoder: object | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Candidate pairs (``retrieve_candidates``) and their sentence rows (``sentence_table``).

    ``docs`` has ``text`` (title + abstract, for retrieval) and ``sentences`` (list[str]).
    With ``encoder`` (dense extra) the dense features are added too.
    """
    pairs = retrieve_candidates(claims, docs, top_k, own, encoder)
    return pairs, sentence_table(claims, docs, pairs, encoder)


def predict_pairs(
    model: VerifyModel,
    claims: list[str],
    docs: pd.DataFrame,
    own: np.ndarray | None = None,
    top_k: int | None = None,
    encoder: object | None = None,
) -> pd.DataFrame:
    """Verdict per candidate pair: claim_row, doc_row, is_own, stance, p_support,
    p_contradict, p_nei, emit, confidence, sentences (selected indices), evidence_score.

    A dense model (``verify_model_dense.json``) needs ``encoder``; the default model
    ignores it."""
    dense = _is_dense(model.stance)
    if dense and encoder is None:
        raise ValueError("this verify model uses dense features: pass encoder=dense.Encoder()")
    pairs, sents = featurize(claims, docs, top_k or model.top_k, own, encoder if dense else None)
    prob = rationale_probability(model.rationale, sents)
    table = stance_table(claims, pairs, sents, prob, docs, model.rationale_ratio)
    probs = stance_probability(model.stance, table) if len(table) else np.zeros((0, 3))
    stance, emit, conf = decide(model, probs)
    return pairs[["claim_row", "doc_row", "is_own", "d_score"]].assign(
        stance=stance,
        p_support=probs[:, 0],
        p_contradict=probs[:, 1],
        p_nei=probs[:, 2],
        emit=emit,
        confidence=conf,
        sentences=table["sentences"].to_numpy(),
        evidence_score=table["r_max"].to_numpy(),
    )


# ----------------------------------------------------------------------------- calibration
def reliability_table(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Equal-width confidence bins: bin, mean_confidence, accuracy, count (empty bins dropped)."""
    conf = np.asarray(confidence, dtype=float)
    ok = np.asarray(correct, dtype=float)
    which = np.clip((conf * bins).astype(int), 0, bins - 1)
    table = pd.DataFrame({"bin": which, "confidence": conf, "correct": ok})
    out = table.groupby("bin").agg(
        mean_confidence=("confidence", "mean"),
        accuracy=("correct", "mean"),
        count=("correct", "size"),
    )
    return out.reset_index()


def expected_calibration_error(confidence, correct, bins: int = 10) -> float:
    """ECE: count-weighted mean |accuracy - mean confidence| over equal-width bins."""
    table = reliability_table(confidence, correct, bins)
    if table.empty:
        return float("nan")
    gap = (table["accuracy"] - table["mean_confidence"]).abs()
    return float((gap * table["count"]).sum() / table["count"].sum())


def plot_reliability(table: pd.DataFrame, ax=None):
    """Reliability diagram of a ``reliability_table``: accuracy vs confidence per bin."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(4, 4))
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="perfect calibration")
    ax.plot(table["mean_confidence"], table["accuracy"], marker="o", label="model")
    for _, row in table.iterrows():
        ax.annotate(
            str(int(row["count"])),
            (row["mean_confidence"], row["accuracy"]),
            fontsize=7,
            xytext=(3, -9),
            textcoords="offset points",
        )
    ax.set(
        xlim=(0, 1),
        ylim=(0, 1),
        xlabel="confidence",
        ylabel="accuracy",
        title="Reliability of verdicts",
    )
    ax.legend(loc="upper left", fontsize=8)
    return ax


# ----------------------------------------------------------------------------- public API
_CLAIM_COLUMNS = [
    "claim_id",
    "label",
    "confidence",
    "evidence_paper_id",
    "evidence_sentence_index",
    "evidence_sentence",
    "evidence_score",
    "source_label",
]


def verify_claims(
    claims: pd.DataFrame,
    sentences: pd.DataFrame,
    model: VerifyModel | None = None,
    top_k: int = 5,
    encoder: object | None = None,
) -> pd.DataFrame:
    """Verify each claim against the sentences of papers other than its own.

    With ``encoder`` (``synth.dense.Encoder``, dense extra) and no ``model``, the dense model
    is used (similarity-reranked retrieval, cosine features).

    claims: claim_id, paper_id, text.  sentences: paper_id, sentence_index, text (all
    sentences of the included papers, the claims' own papers included).
    Returns one row per claim, in order: claim_id, label (LABELS), confidence (calibrated
    P(label correct)), evidence_paper_id, evidence_sentence_index (Int64), evidence_sentence
    ("" when none), evidence_score (rationale probability), source_label (verdict of the
    claim's own paper, never counted as evidence).
    """
    model = model or load_model(dense=encoder is not None)
    if claims.empty:
        return pd.DataFrame(columns=_CLAIM_COLUMNS).astype({"evidence_sentence_index": "Int64"})
    s = sentences.sort_values(["paper_id", "sentence_index"], kind="stable")
    grouped = s.groupby("paper_id", sort=False)
    docs = pd.DataFrame(
        {
            "paper_id": list(grouped.groups),
            "sentences": grouped["text"].agg(list).to_numpy(),
            "positions": grouped["sentence_index"].agg(list).to_numpy(),
        }
    )
    docs["text"] = docs["sentences"].map(" ".join)
    row_of = {p: i for i, p in enumerate(docs["paper_id"])}
    own = np.array([row_of.get(p, -1) for p in claims["paper_id"]], dtype=int)
    texts = claims["text"].astype(str).tolist()
    pred = predict_pairs(model, texts, docs, own, top_k, encoder) if len(docs) else None
    rows = []
    for i in range(len(claims)):
        rows.append(_claim_row(model, pred, i, docs))
    out = pd.DataFrame(rows, columns=_CLAIM_COLUMNS[1:])
    out.insert(0, "claim_id", claims["claim_id"].to_numpy())
    out["evidence_sentence_index"] = out["evidence_sentence_index"].astype("Int64")
    return out


def _claim_row(model: VerifyModel, pred: pd.DataFrame | None, i: int, docs: pd.DataFrame):
    """label, confidence, evidence fields and source_label for claim row ``i``."""
    nei = float(np.interp(0.0, model.calibration["nei_x"], model.calibration["nei_y"]))
    empty = ["UNVERIFIED", nei, None, pd.NA, "", 0.0, "UNVERIFIED"]
    if pred is None:
        return empty
    mine = pred[pred["claim_row"] == i]
    own = mine[mine["is_own"]]
    source = LABELS[int(own["stance"].iloc[0])] if len(own) else "UNVERIFIED"
    other = mine[~mine["is_own"]]
    if other.empty:
        return [*empty[:-1], source]
    best = other.loc[other["emit"].idxmax()]
    cal = model.calibration
    if best["emit"] < model.claim_threshold:
        conf = float(np.interp(best["emit"], cal["nei_x"], cal["nei_y"]))
        return ["UNVERIFIED", conf, None, pd.NA, "", float(best["evidence_score"]), source]
    label = LABELS[0 if best["p_support"] >= best["p_contradict"] else 1]
    doc = docs.iloc[int(best["doc_row"])]
    first = best["sentences"][0] if best["sentences"] else None
    conf = float(np.interp(best["emit"], cal["emit_x"], cal["emit_y"]))
    return [
        label,
        conf,
        doc["paper_id"],
        doc["positions"][first] if first is not None else pd.NA,
        doc["sentences"][first] if first is not None else "",
        float(best["evidence_score"]),
        source,
    ]


def corpus_docs(papers: pd.DataFrame) -> pd.DataFrame:
    """papers (paper_id, title, abstract, optional sentences) -> paper_id, text, sentences."""
    given = papers["sentences"] if "sentences" in papers else pd.Series([None] * len(papers))
    sentences = [
        list(s)
        if s is not None and not (isinstance(s, float)) and len(s)
        else split_sentences(str(a or ""))
        for s, a in zip(given, papers["abstract"])
    ]
    titles = papers["title"].fillna("").astype(str) if "title" in papers else ""
    text = [f"{t}. {' '.join(s)}" for t, s in zip(titles, sentences)]
    return pd.DataFrame(
        {"paper_id": papers["paper_id"].to_numpy(), "text": text, "sentences": sentences}
    )


def verify_corpus(
    papers: pd.DataFrame,
    claims: Iterable[dict],
    model: VerifyModel | None = None,
    encoder: object | None = None,
) -> Iterator[dict]:
    """Open-setting batch verification (SciFact prediction format).

    papers: paper_id, title, abstract, sentences (list[str] or None; sentence indices refer
    to it when present).  claims: dicts with ``id`` and ``claim``.  Yields, per claim,
    ``{"id": id, "evidence": {paper_id: {"label": "SUPPORT"|"CONTRADICT", "sentences": [...],
    "confidence": p}}}``; papers judged not-enough-info are left out.  ``encoder`` as in
    ``verify_claims``.
    """
    model = model or load_model(dense=encoder is not None)
    claims = list(claims)
    docs = corpus_docs(papers)
    pred = predict_pairs(model, [str(c["claim"]) for c in claims], docs, encoder=encoder)
    pred = pred[pred["stance"] < 2]
    by_claim = {i: g for i, g in pred.groupby("claim_row")}
    for i, claim in enumerate(claims):
        evidence = {}
        for _, row in by_claim.get(i, pd.DataFrame()).iterrows():
            evidence[str(docs["paper_id"].iloc[int(row["doc_row"])])] = {
                "label": STANCES[int(row["stance"])],
                "sentences": list(row["sentences"])[:3],
                "confidence": round(float(row["confidence"]), 4),
            }
        yield {"id": claim["id"], "evidence": evidence}

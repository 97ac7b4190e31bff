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
P(CONTRADICT) are exchanged when the model still prefers SUPPORT; where it restates the
claim (``restatement_rule``) the evidence mass goes to SUPPORT.  A calibration map fitted
on out-of-fold predictions (rule included) turns the stance probability into ``confidence``
= P(verdict right).

The shipped model (``synth/data/verify_model.json``) is trained by
``scripts/train_verify_model.py`` on SciFact (Wadden et al., EMNLP 2020; claims CC BY 4.0,
abstracts from S2ORC, ODC-By 1.0); the benchmark ``benchmarks/verify.py`` reuses its fitting.
The stance model sees every training pair twice: as given, and for the claim's counter-claim
(``counter_claim``: "does not affect" -> "does affect", "impedes" -> "facilitates") with
SUPPORT and CONTRADICT swapped, so it learns what the claim/evidence contrast means rather
than which claims SciFact's annotators tended to negate.
The default model has no neural part: sparse BM25, lexical cues and logistic regression.
With the ``dense`` extra (``encoder``, a ``synth.dense.Encoder``) retrieval re-ranks the
lexical top ``DENSE_POOL`` by MiniLM similarity to the claim, as the screen stage does, and
the model ``verify_model_dense.json`` adds the claim-sentence cosine similarity to the
rationale features (``DENSE_SENTENCE_FEATURES``); its stance model has no similarity feature
(``DENSE_STANCE_FEATURES`` is empty, see ``synth.verify_features``).

This module holds the model (``VerifyModel``, loading, scoring, ``polarity_rule``,
decisions), calibration and the public API.  Candidate retrieval, the feature tables and
feature name lists (``retrieve_candidates``, ``sentence_table``, ``stance_table``,
``cue_table``, ``hashed_terms``, ``SENTENCE_FEATURES``, ``STANCE_FEATURES``) are in
``synth.verify_features``; the predicate polarity check (``predicate_alignment``,
``polarity_table``, ``POLARITY_FEATURES``) and the cue lexicons are in ``synth.polarity``.
All of them are re-exported here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from synth.polarity import POLARITY_FEATURES, counter_claim, polarity_table, predicate_alignment
from synth.text import split_sentences
from synth.verify_features import (
    DENSE_POOL,
    DENSE_SENTENCE_FEATURES,
    DENSE_STANCE_FEATURES,
    HASH_DIM,
    SENTENCE_FEATURES,
    STANCE_FEATURES,
    cue_table,
    hashed_matrix,
    hashed_terms,
    retrieve_candidates,
    sentence_table,
    stance_table,
)

__all__ = [
    "DENSE_POOL",
    "DENSE_SENTENCE_FEATURES",
    "DENSE_STANCE_FEATURES",
    "HASH_DIM",
    "LABELS",
    "POLARITY_FEATURES",
    "SENTENCE_FEATURES",
    "STANCES",
    "STANCE_FEATURES",
    "VerifyModel",
    "corpus_docs",
    "counter_claim",
    "cue_table",
    "decide",
    "expected_calibration_error",
    "featurize",
    "hashed_matrix",
    "hashed_terms",
    "load_model",
    "plot_reliability",
    "polarity_rule",
    "polarity_table",
    "predicate_alignment",
    "predict_pairs",
    "rationale_probability",
    "reliability_table",
    "restatement_rule",
    "retrieve_candidates",
    "save_model",
    "sentence_features",
    "sentence_table",
    "stance_features",
    "stance_probability",
    "stance_table",
    "verify_claims",
    "verify_corpus",
]

LABELS = ("SUPPORTED", "CONTRADICTED", "UNVERIFIED")
STANCES = ("SUPPORT", "CONTRADICT", "NEI")


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


def stance_probability(stance: dict[str, np.ndarray], table: pd.DataFrame) -> np.ndarray:
    """(pairs x 3) probabilities of SUPPORT, CONTRADICT, NEI (softmax of the stance model)."""
    z = _logit(stance, table[stance_features(_is_dense(stance))].to_numpy(float))
    if "hash_coef" in stance:
        z = z + np.asarray(hashed_matrix(table["hashed"]) @ stance["hash_coef"].T)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    if "flip_cover" in stance:
        probs = polarity_rule(probs, table, float(stance["flip_cover"]))
    return restatement_rule(probs, table)


def restatement_rule(probs: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """All evidence mass to SUPPORT where the chosen sentence restates the claim.

    ``restates`` (``stance_table``): the sentence holds every stem and word pair of the claim,
    as many negation cues and no reversed predicate.  Such a sentence cannot contradict the
    claim, but the stance model, trained on counter-claims that share almost every word with
    their evidence, gives it barely more than even odds; here P(SUPPORT) becomes
    P(SUPPORT) + P(CONTRADICT) and NEI is unchanged.
    """
    if not len(probs) or "restates" not in table:
        return probs
    on = table["restates"].to_numpy(float) > 0
    out = probs.copy()
    out[on, 0], out[on, 1] = probs[on, 0] + probs[on, 1], 0.0
    return out


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

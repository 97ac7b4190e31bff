"""Verdicts per claim: the verifier applied to a run's claims or to a corpus.

``verify_claims`` checks a run's claims against the sentences of the other included papers
(one verdict row per claim); ``verify_corpus`` is the batch interface behind
``synth verify`` (SciFact prediction format).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from synth.verify.model import LABELS, STANCES, Verifier, VerifyModel, load_verifier, predict_pairs
from synth.verify.retrieval import corpus_docs

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
    verifier: Verifier | None = None,
    top_k: int = 5,
) -> pd.DataFrame:
    """Verify each claim against the sentences of papers other than its own.

    claims: claim_id, paper_id, text.  sentences: paper_id, sentence_index, text (all
    sentences of the included papers, the claims' own papers included).  ``verifier``:
    ``load_verifier(...)`` (default: the lexical model).
    Returns one row per claim, in order: claim_id, label (LABELS), confidence (calibrated
    P(label correct)), evidence_paper_id, evidence_sentence_index (Int64), evidence_sentence
    ("" when none), evidence_score (rationale probability), source_label (verdict of the
    claim's own paper, never counted as evidence).
    """
    verifier = verifier or load_verifier()
    model = verifier.model
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
    pred = predict_pairs(verifier, texts, docs, own, top_k) if len(docs) else None
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


def verify_corpus(
    papers: pd.DataFrame, claims: Iterable[dict], verifier: Verifier | None = None
) -> Iterator[dict]:
    """Open-setting batch verification (SciFact prediction format).

    papers: paper_id, title, abstract, sentences (list[str] or None; sentence indices refer
    to it when present).  claims: dicts with ``id`` and ``claim``.  Yields, per claim,
    ``{"id": id, "evidence": {paper_id: {"label": "SUPPORT"|"CONTRADICT", "sentences": [...],
    "confidence": p}}}``; papers judged not-enough-info are left out.  ``verifier`` as in
    ``verify_claims``.
    """
    verifier = verifier or load_verifier()
    claims = list(claims)
    docs = corpus_docs(papers)
    pred = predict_pairs(verifier, [str(c["claim"]) for c in claims], docs)
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

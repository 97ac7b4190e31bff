"""Train the claim-sentence model that ships in ``synth/data/claim_model.json``.

Training data: SciFact only (Wadden et al., "Fact or Fiction: Verifying Scientific Claims",
EMNLP 2020; claims and rationale annotations CC BY 4.0, corpus abstracts from S2ORC ODC-By 1.0).
Labels, all derived from SciFact:

- structured abstracts (``structured: true``): sentences under a CONCLUSION(S) /
  INTERPRETATION heading are claims (1); BACKGROUND / OBJECTIVE / METHODS / DESIGN ... are not
  (0), and so are conclusion sentences about future work ("further studies are needed");
  RESULTS / FINDINGS sentences get ``--results-label`` (default 0) at half weight.
  The heading words are removed from the text before features are computed.
- unstructured abstracts cited as evidence in ``claims_train.jsonl``: rationale sentences are
  findings (1), the other sentences mostly background or method (0, lower weight).
- optionally (``--with-claims``) the SciFact claims themselves as positives; off by default
  (they lowered F1 on the tuning split: their style is not that of abstract sentences).

The threshold stored with the model is chosen on the *train* split of
``claim_extraction_biomed`` when ``--tune`` points at it (that data is never trained on).

Usage: ``.venv/bin/python scripts/train_claim_model.py --scifact /work/shared/data/scifact
--tune /work/shared/data/claim_extraction_biomed/train_labels.json``
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from synth.claims import (
    CONTEXT_FEATURES,
    CUES,
    POSITION_FEATURES,
    TEXT_DENSE_FEATURES,
    context_matrix,
    feature_matrix,
    normalize_for_ngrams,
)

FUTURE = re.compile(CUES["future"])
HEADING = re.compile(r"^((?:[A-Z][A-Z/&,\-]*:?\s+)+)(?=\S)")
CONCLUSION = ("CONCLU", "INTERPRETATION", "IMPLICATION", "SIGNIFICANCE", "DISCUSSION")
RESULTS = ("RESULT", "FINDING")
OTHER = (
    "BACKGROUND", "OBJECTIVE", "METHOD", "DESIGN", "CONTEXT", "SETTING", "PURPOSE",
    "PARTICIPANT", "PATIENT", "INTRODUCTION", "AIM", "MATERIAL", "INTERVENTION", "MAIN",
    "DATA", "STUDY", "TRIAL", "SUBJECT", "IMPORTANCE", "MEASURE", "RATIONALE", "EXPERIMENTAL",
    "MOTIVATION", "SEARCH", "SELECTION", "EXPOSURE", "OUTCOME", "FUNDING", "RESEARCH", "RECENT",
)


def _heading_kind(sentence: str) -> tuple[str | None, str]:
    m = HEADING.match(sentence)
    if not m:
        return None, sentence
    head = m.group(1).upper()
    rest = sentence[m.end():]
    if any(k in head for k in CONCLUSION) and not head.startswith("RESULTS AND"):
        return "conclusion", rest
    if any(k in head for k in RESULTS) and "METHOD" not in head:
        return "results", rest
    if any(head.startswith(k) for k in OTHER) or "METHOD" in head:
        return "other", rest
    return None, sentence


def structured_rows(doc: dict, results_label: int) -> list[dict]:
    rows, kind = [], None
    for i, sent in enumerate(doc["abstract"]):
        new_kind, text = _heading_kind(sent.strip())
        kind = new_kind or kind
        if kind is None:
            continue
        label = {"conclusion": 1, "results": results_label, "other": 0}[kind]
        if kind == "conclusion" and FUTURE.search(text.lower()):
            label = 0  # "further studies are needed": future work is not a claim
        weight = 0.5 if kind == "results" else 1.0
        rows.append({"text": text, "label": label, "weight": weight, "sentence_index": i})
    return rows


def build_training_table(
    scifact: Path, results_label: int = 0, with_claims: bool = False
) -> pd.DataFrame:
    corpus = {d["doc_id"]: d for d in map(json.loads, (scifact / "corpus.jsonl").read_text().splitlines())}
    claims = [json.loads(line) for line in (scifact / "claims_train.jsonl").read_text().splitlines()]
    rationale: dict[int, set[int]] = {}
    for c in claims:
        for doc_id, sets in c["evidence"].items():
            for ev in sets:
                rationale.setdefault(int(doc_id), set()).update(ev["sentences"])
    rows = []
    for doc_id, doc in corpus.items():
        base = {"paper_id": str(doc_id), "title": doc["title"], "section": "abstract"}
        if doc["structured"]:
            rows += [{**base, **r} for r in structured_rows(doc, results_label)]
        elif doc_id in rationale:
            for i, sent in enumerate(doc["abstract"]):
                pos = i in rationale[doc_id]
                rows.append({**base, "text": sent.strip(), "sentence_index": i,
                             "label": int(pos), "weight": 1.0 if pos else 0.5})
    for c in claims if with_claims else []:
        rows.append({"paper_id": f"claim{c['id']}", "title": "", "section": "claim",
                         "text": c["claim"], "sentence_index": 0, "label": 1, "weight": 0.5})
    table = pd.DataFrame(rows)
    return table[table["text"].str.len() > 0].reset_index(drop=True)


def fit_vocabulary(texts: pd.Series, max_features: int = 20000) -> dict:
    vec = CountVectorizer(ngram_range=(1, 2), preprocessor=normalize_for_ngrams,
                          token_pattern=r"(?u)\b\w+\b", min_df=3, max_features=max_features)
    counts = vec.fit_transform(texts)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log((1 + counts.shape[0]) / (1 + df)) + 1.0
    vocab = sorted(vec.vocabulary_, key=vec.vocabulary_.get)
    return {"vocabulary": vocab, "idf": [round(float(x), 5) for x in idf]}


def _logistic(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


def fit_head(table: pd.DataFrame, model: dict, use_position: bool, c: float) -> dict:
    """First stage on sentence features, second stage on discourse context of the first.

    The second stage is fitted on out-of-fold first-stage logits (5 folds by paper).
    """
    x = feature_matrix(table, model, table["title"], use_position)
    y, w = table["label"].to_numpy(), table["weight"].to_numpy()
    oof = np.zeros(len(table))
    for tr, te in GroupKFold(n_splits=5).split(x, y, groups=table["paper_id"]):
        oof[te] = _logistic(c).fit(x[tr], y[tr], sample_weight=w[tr]).decision_function(x[te])
    first = _logistic(c).fit(x, y, sample_weight=w)
    ctx = context_matrix(table, oof, use_position)
    second = _logistic(1.0).fit(ctx, y, sample_weight=w)
    return {"coef": [round(float(v), 6) for v in first.coef_.ravel()],
            "intercept": float(first.intercept_[0]),
            "context": {"features": list(CONTEXT_FEATURES[:ctx.shape[1]]),
                        "coef": [float(v) for v in second.coef_.ravel()],
                        "intercept": float(second.intercept_[0])}}


def load_biomed(path: Path) -> pd.DataFrame:
    rows = []
    for rec in map(json.loads, path.read_text().splitlines()):
        for i, (s, lab) in enumerate(zip(rec["sentences"], rec["labels"])):
            rows.append({"paper_id": str(rec["paper_id"]), "sentence_index": i, "section": "abstract",
                             "text": s, "title": rec["title"], "label": int(lab)})
    return pd.DataFrame(rows)


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    grid = np.round(np.arange(0.05, 0.96, 0.01), 2)
    f1s = []
    for t in grid:
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        f1s.append(2 * tp / max(pred.sum() + (y == 1).sum(), 1))
    k = int(np.argmax(f1s))
    return float(grid[k]), float(f1s[k])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scifact", type=Path, default=Path("/work/shared/data/scifact"))
    ap.add_argument("--tune", type=Path, default=None, help="biomed train_labels.json")
    ap.add_argument("--out", type=Path, default=Path("synth/data/claim_model.json"))
    ap.add_argument("--results-label", type=int, default=0)
    ap.add_argument("--with-claims", action="store_true")
    ap.add_argument("--C", type=float, default=1.0)
    args = ap.parse_args()
    table = build_training_table(args.scifact, args.results_label, args.with_claims)
    model = fit_vocabulary(table["text"])
    model["dense_features"] = {"text_only": list(TEXT_DENSE_FEATURES),
                               "with_position": [*TEXT_DENSE_FEATURES, *POSITION_FEATURES]}
    model["heads"] = {name: fit_head(table, model, name == "with_position", args.C)
                      for name in ("with_position", "text_only")}
    model["thresholds"] = {"with_position": 0.5, "text_only": 0.5}
    if args.tune:
        from synth.claims import score_claims

        dev = load_biomed(args.tune)
        for name in model["heads"]:
            p = score_claims(dev, dev["title"], use_position=name == "with_position", model=model)
            t, f1 = best_threshold(dev["label"].to_numpy(), p.to_numpy())
            model["thresholds"][name] = t
            print(f"{name}: threshold {t} F1 {f1:.3f} on tuning split")
    model["provenance"] = (
        "Trained by scripts/train_claim_model.py on SciFact (Wadden et al., EMNLP 2020): "
        "claims_train.jsonl (CC BY 4.0) and corpus.jsonl (S2ORC, ODC-By 1.0). "
        f"{len(table)} sentences, {int(table['label'].sum())} positive. Thresholds chosen on "
        "the train split of claim_extraction_biomed (not trained on)."
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, separators=(",", ":")))


if __name__ == "__main__":
    main()

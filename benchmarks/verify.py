"""How well does synth verify scientific claims, open setting?  SciFact train claims, CV.

    .venv/bin/python benchmarks/verify.py [--data ../shared/data/scifact] [--folds 5]

Outer grouped K-fold over the SciFact *train* claims (a claim is never in a train and a test
fold at once); each outer fit tunes its threshold and calibration by an inner CV on its own
training claims only.  Retrieval is open: every claim is matched against all 5,183 abstracts.
Metrics follow Wadden et al. (2020): abstract-level label-only and label+rationale F1 (at
most 3 rationale sentences), sentence-level selection+label F1, and the ECE of the emitted
verdicts' confidence.  Also times ``verify_corpus`` (shipped model) for 300 claims.
Data credit: SciFact, claims CC BY 4.0, abstracts (S2ORC) ODC-By 1.0.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GroupKFold

from synth import verify as v
from synth.verify import model as vm
from synth.verify import nli_features, train_data
from synth.verify import train as trainer
from synth.verify.features import stance_table


def subset(pairs: pd.DataFrame, sents: pd.DataFrame, rows: np.ndarray):
    """Pairs and sentence rows of the claims ``rows``, renumbered 0..len(rows)-1."""
    new_claim = pd.Series(np.arange(len(rows)), index=rows)
    keep = pairs["claim_row"].isin(rows).to_numpy()
    old_pair = np.flatnonzero(keep)
    p = pairs[keep].reset_index(drop=True)
    p["claim_row"] = new_claim.loc[p["claim_row"]].to_numpy()
    new_pair = pd.Series(np.arange(len(old_pair)), index=old_pair)
    s = sents[sents["pair"].isin(old_pair)].reset_index(drop=True)
    s["pair"] = new_pair.loc[s["pair"]].to_numpy()
    s["claim_row"] = new_claim.loc[s["claim_row"]].to_numpy()
    return p, s, keep


def scifact_metrics(pred: dict, gold: dict) -> dict[str, float]:
    """pred/gold: claim -> doc -> (label, sentences) / (label, [rationale sets])."""

    def f1(tp, n_pred, n_gold):
        p, r = tp / max(n_pred, 1), tp / max(n_gold, 1)
        return {"P": p, "R": r, "F1": 2 * p * r / (p + r) if p + r else 0.0}

    n_pred = sum(len(d) for d in pred.values())
    n_gold = sum(len(d) for d in gold.values())
    n_pred_s = sum(len(s[:3]) for d in pred.values() for _, s in d.values())
    n_gold_s = sum(len(r) for d in gold.values() for _, sets in d.values() for r in sets)
    label = rationale = sent = 0
    for c, docs in pred.items():
        for doc, (lab, sel) in docs.items():
            g = gold.get(c, {}).get(doc)
            if g is None or g[0] != lab:
                continue
            sel = set(sel[:3])
            label += 1
            rationale += any(set(r) <= sel for r in g[1])
            sent += sum(any(s in r and set(r) <= sel for r in g[1]) for s in sel)
    out = {}
    for name, (tp, npred, ngold) in {
        "label_only": (label, n_pred, n_gold),
        "label_rationale": (rationale, n_pred, n_gold),
        "sentence": (sent, n_pred_s, n_gold_s),
    }.items():
        out.update({f"{name}_{k}": val for k, val in f1(tp, npred, ngold).items()})
    return out


def cross_validate(
    data: Path,
    folds: int,
    seed: int = 0,
    encoder=None,
    augment: bool = True,
    nli_folds: Path | None = None,
    cache_dir: Path | None = None,
) -> tuple[dict, pd.DataFrame]:
    """Outer CV metrics and the reliability table of the emitted verdicts. ``nli_folds``:
    the per-fold cross-encoders (``foldK/``, trained on the other folds' claims with the same
    split); each claim's sentences are scored by the one that held it out."""
    papers, claims = train_data.load_scifact(data)
    docs, texts, pairs, sents, pair_y, sent_y, _ = train_data.build_training_set(
        papers, claims, encoder=encoder
    )
    if nli_folds is not None:
        cache = cache_dir / "scifact_nli_oof.parquet" if cache_dir else None
        ids = [str(c["id"]) for c in claims]
        sents = nli_features.out_of_fold_scores(ids, texts, docs, sents, nli_folds, cache)
    gold = {
        i: {
            str(d): (sets[0]["label"], [e["sentences"] for e in sets])
            for d, sets in c["evidence"].items()
        }
        for i, c in enumerate(claims)
    }
    pred: dict = {i: {} for i in range(len(claims))}
    emitted, diagnosis = [], []
    split = GroupKFold(folds, shuffle=True, random_state=seed)
    for train, test in split.split(np.zeros(len(claims)), groups=np.arange(len(claims))):
        p, s, keep = subset(pairs, sents, train)
        n_gold = sum(len(gold[i]) for i in train)
        sy = sent_y[sents["pair"].isin(np.flatnonzero(keep)).to_numpy()]
        model = trainer.fit_verify_model(
            [texts[i] for i in train],
            docs,
            p,
            s,
            pair_y[keep],
            sy,
            n_gold,
            seed=seed,
            dense=encoder is not None,
            augment=augment,
            nli=nli_folds is not None,
        )
        tp, ts, keep_test = subset(pairs, sents, test)
        tclaims = [texts[i] for i in test]
        table = stance_table(
            tclaims,
            tp,
            ts,
            vm.rationale_probability(model.rationale, ts),
            docs,
            model.rationale_ratio,
        )
        probs = vm.stance_probability(model.stance, table)
        stance, _, conf = vm.decide(model, probs)
        diagnosis.append(
            pd.DataFrame(
                {
                    "gold": pair_y[keep_test],
                    "pred": stance,
                    "p_contradict": probs[:, 1] / probs[:, :2].sum(axis=1),
                }
            )
        )
        for j in np.flatnonzero(stance < 2):
            c, d = (
                int(test[tp["claim_row"].iloc[j]]),
                str(docs["paper_id"].iloc[tp["doc_row"].iloc[j]]),
            )
            label = v.STANCES[stance[j]]
            pred[c][d] = (label, table["sentences"].iloc[j])
            emitted.append((conf[j], gold[c].get(d, ("NEI",))[0] == label))
    metrics = scifact_metrics(pred, gold)
    conf, ok = np.array(emitted, dtype=float).T
    metrics["ece_emitted"] = v.expected_calibration_error(conf, ok)
    metrics["n_emitted"] = len(conf)
    metrics.update(stance_diagnosis(pd.concat(diagnosis), sum(len(g) for g in gold.values())))
    return metrics, v.reliability_table(conf, ok)


def stance_diagnosis(d: pd.DataFrame, n_gold: int) -> dict[str, float]:
    """Where the label-only F1 is lost, over the retrieved (claim, abstract) pairs of the test
    folds (``gold``/``pred``: 0 SUPPORT, 1 CONTRADICT, 2 NEI): how well the stance model
    separates SUPPORT from CONTRADICT on gold evidence pairs (AUC of p_contradict), its
    accuracy on the evidence pairs it emits against always answering SUPPORT, and the
    label-only F1 the same retrieval and thresholds would reach with a perfect stance."""
    evidence = d[d["gold"] < 2]
    emitted = evidence[evidence["pred"] < 2]
    n_pred = int((d["pred"] < 2).sum())
    tp_oracle = len(emitted)
    p, r = tp_oracle / max(n_pred, 1), tp_oracle / max(n_gold, 1)
    return {
        "gold_pairs_retrieved": len(evidence),
        "stance_auc_support_vs_contradict": roc_auc_score(
            evidence["gold"], evidence["p_contradict"]
        ),
        "stance_accuracy_emitted_evidence": float((emitted["pred"] == emitted["gold"]).mean()),
        "always_support_accuracy_emitted_evidence": float((emitted["gold"] == 0).mean()),
        "label_only_F1_with_perfect_stance": 2 * p * r / (p + r) if p + r else 0.0,
    }


def time_corpus(data: Path, n_claims: int = 300, verifier: v.Verifier | None = None) -> float:
    """Wall time of ``verify_corpus`` (shipped model) for n claims against the corpus."""
    papers, claims = train_data.load_scifact(data)
    batch = [{"id": c["id"], "claim": c["claim"]} for c in claims[:n_claims]]
    start = time.perf_counter()
    lines = list(v.verify_corpus(papers, batch, verifier))
    assert len(lines) == len(batch)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(__file__).resolve().parents[2] / "shared" / "data" / "scifact"
    parser.add_argument("--data", type=Path, default=default_data)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--dense",
        action="store_true",
        help="the dense-extra verifier (MiniLM features; needs the extra)",
    )
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="embedding cache (the SciFact corpus takes ~20 min to encode once)",
    )
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--seed", type=int, default=0, help="seed of the CV folds")
    parser.add_argument(
        "--no-augment",
        action="store_true",
        help="train the stance model without the counter-claim copies",
    )
    parser.add_argument(
        "--nli-folds",
        type=Path,
        default=None,
        help="score the NLI verifier: the folder of per-fold cross-encoders (foldK/) trained "
        "with the same 5 folds (see benchmarks/README.md); timing uses the shipped one",
    )
    args = parser.parse_args()
    if not (args.data / "claims_train.jsonl").is_file():
        print(f"skipped: {args.data} has no SciFact claims_train.jsonl")
        return
    verifier = v.load_verifier(args.dense, args.cache_dir, "--dense")
    start = time.perf_counter()
    metrics, table = cross_validate(
        args.data,
        args.folds,
        args.seed,
        verifier.encoder,
        augment=not args.no_augment,
        nli_folds=args.nli_folds,
        cache_dir=args.cache_dir,
    )
    metrics["cv_wall_s"] = time.perf_counter() - start
    if not args.no_timing:
        if args.nli_folds is not None:  # the shipped NLI verifier
            verifier = v.load_verifier(nli=True)
        metrics["time_300_claims_s"] = time_corpus(args.data, verifier=verifier)
    print(json.dumps({k: round(float(x), 4) for k, x in metrics.items()}, indent=1))
    print(table.round(3).to_string(index=False))


if __name__ == "__main__":
    main()

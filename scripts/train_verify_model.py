"""Train the shipped claim verifier (synth/data/verify_model.json) on SciFact train claims.

    .venv/bin/python scripts/train_verify_model.py [--data /work/shared/data/scifact]
        [--out synth/data/verify_model.json] [--seed 0]

Data: SciFact (Wadden et al., "Fact or Fiction: Verifying Scientific Claims", EMNLP 2020):
claims and annotations CC BY 4.0, abstracts (S2ORC) ODC-By 1.0.  Only claims_train.jsonl is
used; the dev split is held out.  Deterministic: grouped folds with a fixed seed, lbfgs
logistic regressions, isotonic calibration on out-of-fold predictions.  The predicate polarity
rule (``synth.verify.polarity_rule``, ``flip_cover``) is stored in the stance parameters and
applied inside every out-of-fold prediction, so threshold and calibration are fitted with it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from synth import verify as v
from synth.polarity import counter_claim

ROOT = Path(__file__).resolve().parents[1]
CREDIT = (
    "SciFact (Wadden et al., EMNLP 2020): claims CC BY 4.0, abstracts from S2ORC "
    "ODC-By 1.0; trained on claims_train.jsonl only"
)


def load_scifact(data: Path) -> tuple[pd.DataFrame, list[dict]]:
    """SciFact corpus as docs (paper_id, text, sentences) and the train claims (dicts)."""
    corpus = [json.loads(line) for line in (data / "corpus.jsonl").open(encoding="utf-8")]
    papers = pd.DataFrame(
        {
            "paper_id": [str(d["doc_id"]) for d in corpus],
            "title": [d["title"] for d in corpus],
            "abstract": [" ".join(d["abstract"]) for d in corpus],
            "sentences": [d["abstract"] for d in corpus],
        }
    )
    claims = [json.loads(line) for line in (data / "claims_train.jsonl").open(encoding="utf-8")]
    return papers, claims


def gold_labels(
    claims: list[dict], docs: pd.DataFrame, pairs: pd.DataFrame, sents: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, int]:
    """Stance index per pair (2 = NEI), rationale 0/1 per sentence row, number of gold docs."""
    row_of = {p: i for i, p in enumerate(docs["paper_id"])}
    label, rationale = {}, set()
    for i, c in enumerate(claims):
        for doc_id, sets in c["evidence"].items():
            d = row_of[str(doc_id)]
            label[(i, d)] = v.STANCES.index(sets[0]["label"])
            rationale |= {(i, d, s) for e in sets for s in e["sentences"]}
    pair_y = np.array([label.get((c, d), 2) for c, d in zip(pairs["claim_row"], pairs["doc_row"])])
    sent_y = np.array(
        [
            (c, d, s) in rationale
            for c, d, s in zip(sents["claim_row"], sents["doc_row"], sents["sentence_index"])
        ],
        dtype=int,
    )
    return pair_y, sent_y, len(label)


def fit_logistic(
    x: np.ndarray,
    y: np.ndarray,
    c: float = 1.0,
    hashed: sp.csr_matrix | None = None,
    hash_scale: float = 1.0,
):
    """Standardised L2 logistic regression as plain arrays (binary or multinomial).

    With ``hashed`` (sparse binary word features) their weights go to ``hash_coef``;
    ``hash_scale`` < 1 regularises them more strongly than the dense features.
    """
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    z = (x - mean) / scale
    if hashed is not None:
        z = sp.hstack([sp.csr_matrix(z), hashed * hash_scale]).tocsr()
    lr = LogisticRegression(C=c, max_iter=3000).fit(z, y)
    coef = lr.coef_
    params = {
        "mean": mean,
        "scale": scale,
        "coef": coef[:, : x.shape[1]],
        "intercept": lr.intercept_,
    }
    if hashed is not None:
        params["hash_coef"] = coef[:, x.shape[1] :] * hash_scale
    return params


def label_f1(emit: np.ndarray, stance: np.ndarray, y: np.ndarray, n_gold: int, t: float) -> float:
    """Abstract-level label-only F1 of emitting argmax(S, C) where emit >= t."""
    on = emit >= t
    tp = float(((stance == y) & on).sum())
    p, r = tp / max(on.sum(), 1), tp / max(n_gold, 1)
    return 2 * p * r / (p + r) if p + r else 0.0


def _iso(x: np.ndarray, y: np.ndarray, increasing: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Calibration map as a (grid, value) table for ``np.interp``.

    Platt scaling (a logistic fit on the logit of the score), evaluated on a grid and made
    monotone (``increasing`` or not) by isotonic regression; the grid keeps the JSON simple.
    """
    grid = np.linspace(0.0, 1.0, 201)
    if len(np.unique(y)) < 2:
        return grid, np.full(len(grid), float(np.mean(y)) if len(y) else 0.5)
    logit = lambda p: np.log(np.clip(p, 1e-4, 1 - 1e-4) / (1 - np.clip(p, 1e-4, 1 - 1e-4)))
    lr = LogisticRegression(C=100.0).fit(logit(x)[:, None], y)
    values = lr.predict_proba(logit(grid)[:, None])[:, 1]
    iso = IsotonicRegression(y_min=0, y_max=1, increasing=increasing, out_of_bounds="clip")
    return grid, iso.fit(grid, values).predict(grid)


def claim_outcomes(
    claim_row: np.ndarray, emit: np.ndarray, stance: np.ndarray, y: np.ndarray, n_claims: int
) -> pd.DataFrame:
    """Per claim: its best pair's emit score and stance, verdict_ok, nei_ok (no gold doc)."""
    df = pd.DataFrame({"c": claim_row, "emit": emit, "stance": stance, "y": y})
    best = df.sort_values("emit", ascending=False).drop_duplicates("c").set_index("c")
    has_gold = df.groupby("c")["y"].min() < 2
    out = pd.DataFrame(index=np.arange(n_claims))
    out["emit"] = best["emit"].reindex(out.index).fillna(0.0)
    out["stance"] = best["stance"].reindex(out.index).fillna(2).astype(int)
    out["verdict_ok"] = (best["stance"] == best["y"]).reindex(out.index).fillna(False)
    out["nei_ok"] = ~has_gold.reindex(out.index).fillna(False).astype(bool)
    return out


def fit_verify_model(
    claims: list[str],
    docs: pd.DataFrame,
    pairs: pd.DataFrame,
    sents: pd.DataFrame,
    pair_y: np.ndarray,
    sent_y: np.ndarray,
    n_gold: int,
    seed: int = 0,
    c: float = 0.3,
    hash_scale: float = 0.3,
    ratio: float = 0.5,
    top_k: int = 5,
    flip_cover: float | None = 0.2,
    dense: bool = False,
    augment: bool = True,
):
    """Fit rationale + stance models; threshold, calibration and reliability out-of-fold.

    ``pairs``/``sents`` come from ``synth.verify.featurize`` (no own documents); ``pair_y``
    is the gold stance index per pair, ``sent_y`` the gold rationale flag per sentence row.
    """
    rationale = fit_logistic(sents[v.sentence_features(dense)].to_numpy(float), sent_y, 1.0)
    rationale["dense"] = np.asarray(float(dense))
    prob = v.rationale_probability(rationale, sents)
    table = v.stance_table(claims, pairs, sents, prob, docs, ratio)
    x = table[v.stance_features(dense)].to_numpy(float)
    h = v.hashed_matrix(table["hashed"]) if hash_scale > 0 else None
    if augment:
        # Every pair again for the claim's counter-claim (``polarity.counter_claim``: negation
        # dropped, direction word swapped, or auxiliary negated): SUPPORT and CONTRADICT swap,
        # NEI stays NEI (so the class balance, and with it the emit threshold, is unchanged).
        # The rationale sentences are the original claim's; their lexical features and the
        # cues are recomputed for the counter-claim.
        counter = [counter_claim(t) for t in claims]
        sents_cf = v.sentence_table(counter, docs, pairs)
        table_cf = v.stance_table(counter, pairs, sents_cf, prob, docs, ratio)
        x_cf = table_cf[v.stance_features(dense)].to_numpy(float)
        h_cf = v.hashed_matrix(table_cf["hashed"]) if hash_scale > 0 else None
        y_cf = np.array([1, 0, 2])[pair_y]

    def fit(rows: np.ndarray) -> dict[str, np.ndarray]:
        xs, ys, hs = x[rows], pair_y[rows], None if h is None else h[rows]
        if augment:
            xs, ys = np.vstack([xs, x_cf[rows]]), np.concatenate([ys, y_cf[rows]])
            hs = None if h is None else sp.vstack([hs, h_cf[rows]]).tocsr()
        params = fit_logistic(xs, ys, c, hs, hash_scale)
        if flip_cover is not None:  # polarity rule after the model, inside every OOF fit
            params["flip_cover"] = np.asarray(flip_cover, dtype=float)
        params["dense"] = np.asarray(float(dense))
        return params

    groups = pairs["claim_row"].to_numpy()
    folds = list(GroupKFold(5, shuffle=True, random_state=seed).split(x, pair_y, groups))
    probs = np.zeros((len(x), 3))
    for train, test in folds:
        probs[test] = v.stance_probability(fit(train), table.iloc[test])
    emit, sc = probs[:, :2].max(axis=1), probs[:, :2].argmax(axis=1)
    grid = np.round(np.arange(0.10, 0.80, 0.01), 2)
    threshold = float(grid[np.argmax([label_f1(emit, sc, pair_y, n_gold, t) for t in grid])])
    stance = np.where(emit >= threshold, sc, 2)
    ex, ey = _iso(emit, (sc == pair_y).astype(float))
    first = claim_outcomes(groups, emit, stance, pair_y, len(claims))
    nx, ny = _iso(first["emit"].to_numpy(), first["nei_ok"].to_numpy(float), False)
    beats = np.flatnonzero(np.interp(ex, nx, ny) <= ey)
    claim_threshold = float(max(threshold, ex[beats[0]] if len(beats) else 1.0))
    claims_out = claim_outcomes(
        groups, emit, np.where(emit >= claim_threshold, sc, 2), pair_y, len(claims)
    )
    conf_claim, conf_emit = _crossfit_confidence(emit, sc, pair_y, groups, claims_out, folds)
    ok_claim = np.where(claims_out["stance"] < 2, claims_out["verdict_ok"], claims_out["nei_ok"])
    on = stance < 2
    stance_model = fit(np.arange(len(x)))
    meta = {
        "credit": CREDIT,
        "seed": seed,
        "C": c,
        "n_claims": len(claims),
        "n_pairs": len(x),
        "hash_scale": hash_scale,
        "flip_cover": flip_cover,
        "stance_features": v.stance_features(dense),
        "sentence_features": v.sentence_features(dense),
        "dense": dense,
        "augment_counter_claims": augment,
        "ece_emitted": v.expected_calibration_error(conf_emit[on], (sc == pair_y)[on]),
        "reliability_emitted": v.reliability_table(conf_emit[on], (sc == pair_y)[on]).to_dict(
            orient="list"
        ),
        "cv_label_f1": label_f1(emit, sc, pair_y, n_gold, threshold),
    }
    return v.VerifyModel(
        rationale=rationale,
        stance=stance_model,
        threshold=threshold,
        rationale_ratio=ratio,
        claim_threshold=claim_threshold,
        top_k=top_k,
        calibration={"emit_x": ex, "emit_y": ey, "nei_x": nx, "nei_y": ny},
        reliability=v.reliability_table(conf_claim, ok_claim.astype(float)),
        ece=v.expected_calibration_error(conf_claim, ok_claim.astype(float)),
        meta=meta,
    )


def _crossfit_confidence(emit, sc, pair_y, groups, claims_out, folds):
    """Out-of-fold calibrated confidences (isotonic maps fitted on the other folds)."""
    conf_emit = np.zeros(len(emit))
    conf_claim = np.zeros(len(claims_out))
    ok = (sc == pair_y).astype(float)
    ce, cs = claims_out["emit"].to_numpy(), claims_out["stance"].to_numpy()
    nei_ok = claims_out["nei_ok"].to_numpy(float)
    for train, test in folds:
        ex, ey = _iso(emit[train], ok[train])
        conf_emit[test] = np.interp(emit[test], ex, ey)
        tr_c = np.isin(np.arange(len(ce)), np.unique(groups[train]))
        te_c = np.isin(np.arange(len(ce)), np.unique(groups[test]))
        nx, ny = _iso(ce[tr_c], nei_ok[tr_c], False)
        conf_claim[te_c] = np.where(
            cs[te_c] < 2, np.interp(ce[te_c], ex, ey), np.interp(ce[te_c], nx, ny)
        )
    return conf_claim, conf_emit


def build_training_set(papers: pd.DataFrame, claims: list[dict], top_k: int = 5, encoder=None):
    """docs, claim texts, pairs, sentence rows and gold labels for ``fit_verify_model``."""
    docs = v.corpus_docs(papers)
    texts = [c["claim"] for c in claims]
    pairs, sents = v.featurize(texts, docs, top_k, encoder=encoder)
    pair_y, sent_y, n_gold = gold_labels(claims, docs, pairs, sents)
    return docs, texts, pairs, sents, pair_y, sent_y, n_gold


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/scifact"))
    parser.add_argument("--out", type=Path, default=None,
                        help="default: synth/data/verify_model.json (_dense with --dense)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--dense", action="store_true",
                        help="train the dense-extra model (MiniLM similarity features)")
    parser.add_argument("--cache-dir", type=Path, default=None, help="embedding cache")
    args = parser.parse_args(argv)
    name = "verify_model_dense.json" if args.dense else "verify_model.json"
    args.out = args.out or ROOT / "synth" / "data" / name
    encoder = None
    if args.dense:
        from synth.dense import Encoder

        encoder = Encoder(cache_dir=args.cache_dir)
    papers, claims = load_scifact(args.data)
    docs, texts, pairs, sents, pair_y, sent_y, n_gold = build_training_set(
        papers, claims, args.top_k, encoder
    )
    model = fit_verify_model(
        texts, docs, pairs, sents, pair_y, sent_y, n_gold, seed=args.seed, top_k=args.top_k,
        dense=args.dense,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    v.save_model(model, args.out)
    print(
        f"wrote {args.out}: threshold={model.threshold:.2f} ece={model.ece:.3f} "
        f"ece_emitted={model.meta['ece_emitted']:.3f} cv_f1={model.meta['cv_label_f1']:.3f}"
    )


if __name__ == "__main__":
    main()

"""Training the shipped claim verifier (``synth/data/verify_model*.json``) on SciFact.

``python -m synth.verify.train [--data DIR] [--out FILE] [--seed 0] [--dense --cache-dir D]
[--nli-folds DIR]`` writes the model (its command line: ``synth.verify.train_main``).
``fit_verify_model`` (on ``synth.verify.train_data``'s training set) is what
``benchmarks/verify.py`` cross-validates.  Deterministic: grouped folds with a fixed seed,
lbfgs logistic regressions, calibration on out-of-fold predictions with the polarity rule
applied inside every fold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from synth.verify import nli_features
from synth.verify.calibration import expected_calibration_error, reliability_table
from synth.verify.features import hashed_matrix, sentence_table, stance_table
from synth.verify.model import (
    VerifyModel,
    rationale_probability,
    sentence_features,
    stance_features,
    stance_probability,
)
from synth.verify.polarity import counter_claim

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
CREDIT = (
    "SciFact (Wadden et al., EMNLP 2020): claims CC BY 4.0, abstracts from S2ORC "
    "ODC-By 1.0; trained on claims_train.jsonl only"
)


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

    def logit(p):
        return np.log(np.clip(p, 1e-4, 1 - 1e-4) / (1 - np.clip(p, 1e-4, 1 - 1e-4)))

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


@dataclass(frozen=True)
class StanceData:
    """Stance features of the training pairs: ``x`` (dense), ``hashed`` (sparse words, or
    None), gold ``y``; ``counter`` the same for each pair's counter-claim (or None)."""

    x: np.ndarray
    hashed: sp.csr_matrix | None
    y: np.ndarray
    counter: StanceData | None = None


def _stance_data(
    table: pd.DataFrame,
    y: np.ndarray,
    dense: bool,
    hash_scale: float,
    counter: pd.DataFrame | None = None,
    nli: bool = False,
) -> StanceData:
    """``table``'s stance features with gold ``y``; with ``counter`` (the pairs' counter-claim
    table) also those of the counter-claims, SUPPORT and CONTRADICT swapped (NEI stays NEI)."""
    x = table[stance_features(dense, nli)].to_numpy(float)
    hashed = hashed_matrix(table["hashed"]) if hash_scale > 0 else None
    swapped = None if counter is None else np.array([1, 0, 2])[y]
    cf = None if counter is None else _stance_data(counter, swapped, dense, hash_scale, None, nli)
    return StanceData(x, hashed, y, cf)


def _fit_rationale(
    sents: pd.DataFrame, sent_y: np.ndarray, dense: bool
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The rationale model on the sentence rows ``sents`` and its probability for each row."""
    rationale = fit_logistic(sents[sentence_features(dense)].to_numpy(float), sent_y, 1.0)
    rationale["dense"] = np.asarray(float(dense))
    return rationale, rationale_probability(rationale, sents)


def _counter_table(
    claims: list[str],
    docs: pd.DataFrame,
    pairs: pd.DataFrame,
    sents: pd.DataFrame,
    prob: np.ndarray,
    ratio: float,
) -> pd.DataFrame:
    """The stance table of every pair with its claim replaced by the counter-claim.

    Rationale sentences are the original claim's; their lexical features and the cues are
    recomputed for the counter-claim (``counter_claim``); NLI scores, when ``sents`` has
    them, are the claim's with entailment and contradiction exchanged.
    """
    counter = [counter_claim(t) for t in claims]
    counter_sents = sentence_table(counter, docs, pairs)
    if "n_ent" in sents:
        flipped = nli_features.swapped(sents)
        for col in nli_features.NLI_COLUMNS:
            counter_sents[col] = flipped[col].to_numpy()
    return stance_table(counter, pairs, counter_sents, prob, docs, ratio)


def _out_of_fold(
    fit: Callable[[np.ndarray], dict], data: StanceData, table: pd.DataFrame, groups, seed: int
) -> tuple[np.ndarray, list]:
    """Stance probabilities of every pair from ``fit`` on the other folds (5, grouped by
    claim, shuffled with ``seed``), and the folds."""
    folds = list(GroupKFold(5, shuffle=True, random_state=seed).split(data.x, data.y, groups))
    probs = np.zeros((len(data.x), 3))
    for train, test in folds:
        probs[test] = stance_probability(fit(train), table.iloc[test])
    return probs, folds


def fit_stance(
    data: StanceData,
    rows: np.ndarray,
    c: float,
    hash_scale: float,
    flip_cover: float | None,
    dense: bool,
    nli: bool = False,
) -> dict[str, np.ndarray]:
    """Stance model on the pairs ``rows`` (and their counter-claims when ``data`` has them)."""
    h = data.hashed
    xs, ys, hs = data.x[rows], data.y[rows], None if h is None else h[rows]
    if data.counter is not None:
        cf = data.counter
        xs, ys = np.vstack([xs, cf.x[rows]]), np.concatenate([ys, cf.y[rows]])
        hs = None if h is None else sp.vstack([hs, cf.hashed[rows]]).tocsr()
    params = fit_logistic(xs, ys, c, hs, hash_scale)
    if flip_cover is not None:  # polarity rule after the model, inside every OOF fit
        params["flip_cover"] = np.asarray(flip_cover, dtype=float)
    params["dense"] = np.asarray(float(dense))
    params["nli"] = np.asarray(float(nli))
    return params


@dataclass(frozen=True)
class Calibration:
    """Out-of-fold decisions and calibration of a stance model (``calibrate``)."""

    threshold: float
    claim_threshold: float
    maps: dict[str, np.ndarray]  # emit_x/y, nei_x/y
    conf_claim: np.ndarray
    ok_claim: np.ndarray
    conf_emit: np.ndarray
    emitted_ok: np.ndarray  # per pair: argmax(S, C) is the gold stance
    on: np.ndarray  # per pair: a verdict was emitted
    cv_label_f1: float


def calibrate(
    probs: np.ndarray,
    pair_y: np.ndarray,
    n_gold: int,
    groups: np.ndarray,
    folds: list,
    n_claims: int,
) -> Calibration:
    """Emit threshold (best label F1), claim threshold, calibration maps and out-of-fold
    confidences from out-of-fold stance probabilities ``probs``."""
    emit, sc = probs[:, :2].max(axis=1), probs[:, :2].argmax(axis=1)
    grid = np.round(np.arange(0.10, 0.80, 0.01), 2)
    threshold = float(grid[np.argmax([label_f1(emit, sc, pair_y, n_gold, t) for t in grid])])
    stance = np.where(emit >= threshold, sc, 2)
    ex, ey = _iso(emit, (sc == pair_y).astype(float))
    first = claim_outcomes(groups, emit, stance, pair_y, n_claims)
    nx, ny = _iso(first["emit"].to_numpy(), first["nei_ok"].to_numpy(float), False)
    beats = np.flatnonzero(np.interp(ex, nx, ny) <= ey)
    claim_threshold = float(max(threshold, ex[beats[0]] if len(beats) else 1.0))
    claims_out = claim_outcomes(
        groups, emit, np.where(emit >= claim_threshold, sc, 2), pair_y, n_claims
    )
    conf_claim, conf_emit = _crossfit_confidence(emit, sc, pair_y, groups, claims_out, folds)
    ok_claim = np.where(claims_out["stance"] < 2, claims_out["verdict_ok"], claims_out["nei_ok"])
    return Calibration(
        threshold,
        claim_threshold,
        {"emit_x": ex, "emit_y": ey, "nei_x": nx, "nei_y": ny},
        conf_claim,
        ok_claim.astype(float),
        conf_emit,
        sc == pair_y,
        stance < 2,
        label_f1(emit, sc, pair_y, n_gold, threshold),
    )


def _emitted_meta(cal: Calibration) -> dict:
    """Calibration of the emitted verdicts and the cross-validated label F1, for ``meta``."""
    conf, ok = cal.conf_emit[cal.on], cal.emitted_ok[cal.on]
    return {
        "ece_emitted": expected_calibration_error(conf, ok),
        "reliability_emitted": reliability_table(conf, ok).to_dict(orient="list"),
        "cv_label_f1": cal.cv_label_f1,
    }


def _settings_meta(settings: dict, dense: bool, nli: bool, augment: bool) -> dict:
    """The model's ``meta`` entries that record how it was fitted."""
    return {
        "credit": CREDIT,
        **settings,
        "stance_features": stance_features(dense, nli),
        "sentence_features": sentence_features(dense),
        "dense": dense,
        "nli": nli,
        "augment_counter_claims": augment,
    }


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
    nli: bool = False,
) -> VerifyModel:
    """Fit rationale + stance models; threshold, calibration and reliability out-of-fold.

    ``pairs``/``sents`` come from ``synth.verify.model.featurize`` (no own documents);
    ``pair_y`` is the gold stance index per pair, ``sent_y`` the gold rationale flag per
    sentence row.  With ``augment`` the stance model also sees every pair for the claim's
    counter-claim (``counter_claim``) with SUPPORT and CONTRADICT swapped.  With ``nli``,
    ``sents`` holds the NLI scores (``nli_features.out_of_fold_scores``) and the stance model
    reads ``NLI_STANCE_FEATURES`` too.
    """
    rationale, prob = _fit_rationale(sents, sent_y, dense)
    table = stance_table(claims, pairs, sents, prob, docs, ratio)
    counter = _counter_table(claims, docs, pairs, sents, prob, ratio) if augment else None
    data = _stance_data(table, pair_y, dense, hash_scale, counter, nli)
    fit = partial(
        fit_stance, data, c=c, hash_scale=hash_scale, flip_cover=flip_cover, dense=dense, nli=nli
    )
    groups = pairs["claim_row"].to_numpy()
    probs, folds = _out_of_fold(fit, data, table, groups, seed)
    cal = calibrate(probs, pair_y, n_gold, groups, folds, len(claims))
    settings = {"seed": seed, "C": c, "hash_scale": hash_scale, "flip_cover": flip_cover}
    meta = {
        **_settings_meta(settings, dense, nli, augment),
        "n_claims": len(claims),
        "n_pairs": len(data.x),
        **_emitted_meta(cal),
    }
    return VerifyModel(
        rationale=rationale,
        stance=fit(np.arange(len(data.x))),
        threshold=cal.threshold,
        rationale_ratio=ratio,
        claim_threshold=cal.claim_threshold,
        top_k=top_k,
        calibration=cal.maps,
        reliability=reliability_table(cal.conf_claim, cal.ok_claim),
        ece=expected_calibration_error(cal.conf_claim, cal.ok_claim),
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


if __name__ == "__main__":
    from synth.verify.train_main import main

    main()

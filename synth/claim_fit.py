"""Fitting the claim-sentence model and choosing its thresholds.

Each head is a first stage over ``synth.claim_features.feature_matrix`` and a second stage
over the discourse context of its out-of-fold logits (``fit_head``); ``fit_model`` fits the
vocabulary and both heads, ``tune_thresholds`` picks each head's threshold on tuning sets
never trained on (``best_joint_threshold``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from synth.claim_features import (
    CONTEXT_FEATURES,
    POSITION_FEATURES,
    TEXT_DENSE_FEATURES,
    context_matrix,
    feature_matrix,
    normalize_for_ngrams,
)
from synth.claims import score_claims


def fit_vocabulary(
    texts: pd.Series,
    max_features: int = 20000,
    extra: pd.Series | None = None,
    extra_features: int = 10000,
) -> dict:
    """Word 1-2-gram vocabulary and idf.  ``extra`` (the weakly labelled arXiv sentences) adds
    up to ``extra_features`` n-grams of its own, so that the SciFact vocabulary is kept whole."""

    def fit(t: pd.Series, k: int) -> set[str]:
        vec = CountVectorizer(
            ngram_range=(1, 2),
            preprocessor=normalize_for_ngrams,
            token_pattern=r"(?u)\b\w+\b",
            min_df=3,
            max_features=k,
        )
        vec.fit(t)
        return set(vec.vocabulary_)

    terms = fit(texts, max_features)
    if extra is not None and len(extra):
        terms |= fit(extra, extra_features)
    vocab = sorted(terms)
    everything = texts if extra is None else pd.concat([texts, extra])
    vec = CountVectorizer(
        vocabulary=vocab,
        ngram_range=(1, 2),
        preprocessor=normalize_for_ngrams,
        token_pattern=r"(?u)\b\w+\b",
    )
    counts = vec.transform(everything)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log((1 + counts.shape[0]) / (1 + df)) + 1.0
    return {"vocabulary": vocab, "idf": [round(float(x), 5) for x in idf]}


def _logistic(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


def fit_head(
    table: pd.DataFrame,
    model: dict,
    use_position: bool,
    c: float,
    context_rows: np.ndarray | None = None,
) -> dict:
    """First stage on sentence features, second stage on discourse context of the first.

    The second stage is fitted on out-of-fold first-stage logits (5 folds by paper), on the
    rows ``context_rows`` (boolean mask; default all).
    """
    x = feature_matrix(table, model, table["title"], use_position)
    y, w = table["label"].to_numpy(), table["weight"].to_numpy()
    oof = np.zeros(len(table))
    for tr, te in GroupKFold(n_splits=5).split(x, y, groups=table["paper_id"]):
        oof[te] = _logistic(c).fit(x[tr], y[tr], sample_weight=w[tr]).decision_function(x[te])
    first = _logistic(c).fit(x, y, sample_weight=w)
    ctx = context_matrix(table, oof, use_position)
    m = np.ones(len(table), dtype=bool) if context_rows is None else context_rows
    second = _logistic(1.0).fit(ctx[m], y[m], sample_weight=w[m])
    return {
        "coef": [round(float(v), 6) for v in first.coef_.ravel()],
        "intercept": float(first.intercept_[0]),
        "context": {
            "features": list(CONTEXT_FEATURES[: ctx.shape[1]]),
            "coef": [float(v) for v in second.coef_.ravel()],
            "intercept": float(second.intercept_[0]),
        },
    }


def f1_curve(y: np.ndarray, p: np.ndarray, grid: np.ndarray) -> np.ndarray:
    out = []
    for t in grid:
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        out.append(2 * tp / max(pred.sum() + (y == 1).sum(), 1))
    return np.asarray(out)


GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    f1s = f1_curve(y, p, GRID)
    k = int(np.argmax(f1s))
    return float(GRID[k]), float(f1s[k])


def best_joint_threshold(
    curves: list[np.ndarray], tolerance: float = 0.01
) -> tuple[float, list[float]]:
    """Threshold for biomed (``curves[0]``) and arXiv CS (``curves[1]``) at once: among the
    thresholds whose biomed F1 is within ``tolerance`` of its best, the one with the best CS
    F1 (ties: the higher threshold), so that CS is gained without losing biomed.  With one
    curve: its best threshold."""
    first = curves[0]
    ok = first >= first.max() - tolerance
    target = curves[1] if len(curves) > 1 else first
    score = np.where(ok, target, -1.0)
    k = int(np.flatnonzero(score >= score.max() - 1e-12)[-1])
    return float(GRID[k]), [float(c[k]) for c in curves]


def fit_model(table: pd.DataFrame, n_scifact: int, c: float, context_fit: str) -> dict:
    """Vocabulary, idf and both heads (with / without position); thresholds still 0.5."""
    model = fit_vocabulary(table["text"][:n_scifact], extra=table["text"][n_scifact:])
    model["dense_features"] = {
        "text_only": list(TEXT_DENSE_FEATURES),
        "with_position": [*TEXT_DENSE_FEATURES, *POSITION_FEATURES],
    }
    ctx_rows = np.arange(len(table)) < n_scifact if context_fit == "scifact" else None
    model["heads"] = {
        name: fit_head(table, model, name == "with_position", c, ctx_rows)
        for name in ("with_position", "text_only")
    }
    model["thresholds"] = {"with_position": 0.5, "text_only": 0.5}
    return model


def tune_thresholds(
    model: dict, tuning: list[tuple[str, pd.DataFrame]], tolerance: float
) -> dict[str, tuple[float, list[float]]]:
    """Per head: the joint threshold over the ``tuning`` sets and its F1 on each."""
    out = {}
    for name in model["heads"]:
        curves = []
        for _, dev in tuning:
            p = score_claims(dev, dev["title"], use_position=name == "with_position", model=model)
            curves.append(f1_curve(dev["label"].to_numpy(), p.to_numpy(), GRID))
        out[name] = best_joint_threshold(curves, tolerance)
    return out

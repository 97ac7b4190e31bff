"""Calibration of the verifier's confidence: reliability table, ECE and the diagram."""

from __future__ import annotations

import numpy as np
import pandas as pd


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

"""NLI features of the claim verifier: the cross-encoder (``synth.verify.nli``) reads each
candidate rationale sentence (premise) against the claim (hypothesis), and the stance model
gets the strongest entailment and contradiction among the sentences chosen as evidence.

At run time only the ``TOP_SENTENCES`` best sentences of each candidate pair (by the
rationale model) are read, which is where the evidence is chosen from. For training and
cross-validation every sentence row is scored once, each SciFact claim by the fold model
that never saw it (``out_of_fold_scores``), so the stance model learns from probabilities
like those it meets on unseen claims.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

NLI_COLUMNS = ("n_ent", "n_neu", "n_con")  # per sentence row
NLI_STANCE_FEATURES = ("nli_e", "nli_c", "nli_dir")  # per candidate pair
TOP_SENTENCES = 3  # sentences per pair read at run time (evidence is chosen among the top 3)
_EPS = 0.01


def sentence_pairs(
    claims: list[str], docs: pd.DataFrame, sents: pd.DataFrame
) -> tuple[list[str], list[str]]:
    """Premises (the sentence of each row of ``sents``) and hypotheses (its claim)."""
    premises = [
        docs["sentences"].iloc[d][i]
        for d, i in zip(sents["doc_row"], sents["sentence_index"], strict=True)
    ]
    return premises, [claims[c] for c in sents["claim_row"]]


def top_rows(sents: pd.DataFrame, prob: np.ndarray, k: int = TOP_SENTENCES) -> np.ndarray:
    """Boolean mask of the ``k`` rows of each pair with the highest rationale ``prob``."""
    order = pd.DataFrame({"pair": sents["pair"].to_numpy(), "prob": prob})
    rank = order.groupby("pair")["prob"].rank(ascending=False, method="first")
    return (rank <= k).to_numpy()


def with_scores(sents: pd.DataFrame, probs: np.ndarray, rows: np.ndarray | None = None):
    """``sents`` with the NLI_COLUMNS: ``probs`` (E, N, C per scored row) on ``rows`` (a mask;
    default all), and NEUTRAL (0, 1, 0) on rows that were not read."""
    out = sents.copy()
    full = np.tile(np.array([0.0, 1.0, 0.0]), (len(sents), 1))
    full[np.ones(len(sents), bool) if rows is None else rows] = probs
    for j, col in enumerate(NLI_COLUMNS):
        out[col] = full[:, j]
    return out


def score_rows(model, claims: list[str], docs: pd.DataFrame, sents: pd.DataFrame, rows):
    """``sents`` with NLI_COLUMNS from ``model`` (``nli.NLIModel``) on the ``rows`` mask."""
    premises, hypotheses = sentence_pairs(claims, docs, sents[rows])
    return with_scores(sents, model.predict(premises, hypotheses), rows)


def pair_features(keep: pd.DataFrame, n_pairs: int) -> pd.DataFrame:
    """NLI_STANCE_FEATURES per pair (0..n_pairs-1) from its chosen evidence rows ``keep``
    (``pair`` and NLI_COLUMNS): the strongest entailment and contradiction, and the log-odds
    of the two on the sentence holding the stronger of them (0 where nothing was chosen)."""
    k = keep[["pair", *NLI_COLUMNS]].copy()
    k["strength"] = k[["n_ent", "n_con"]].max(axis=1)
    best = k.sort_values(["pair", "strength"], ascending=[True, False]).drop_duplicates("pair")
    best = best.set_index("pair").reindex(range(n_pairs))
    grouped = k.groupby("pair")
    out = pd.DataFrame(index=range(n_pairs))
    out["nli_e"] = grouped["n_ent"].max().reindex(out.index).fillna(0.0)
    out["nli_c"] = grouped["n_con"].max().reindex(out.index).fillna(0.0)
    dir_ = np.log(best["n_ent"] + _EPS) - np.log(best["n_con"] + _EPS)
    out["nli_dir"] = dir_.fillna(0.0).to_numpy()
    return out


def swapped(sents: pd.DataFrame) -> pd.DataFrame:
    """The NLI columns of ``sents`` for the counter-claims of its claims: entailment and
    contradiction exchanged (the cross-encoder was trained on such counter-claim copies)."""
    out = sents.copy()
    out["n_ent"], out["n_con"] = sents["n_con"].to_numpy(), sents["n_ent"].to_numpy()
    return out


# ----------------------------------------------------------------------------- training data
def fold_models(folds_dir: Path) -> list[tuple[set[str], Path]]:
    """(held-out claim ids, model folder) per ``foldK`` folder of ``folds_dir`` (written by
    ``python -m synth.verify.train_nli`` with ``--fold K``)."""
    out = []
    for folder in sorted(Path(folds_dir).glob("fold*")):
        ids = json.loads((folder / "held_out_claim_ids.json").read_text(encoding="utf-8"))
        out.append(({str(i) for i in ids}, folder))
    if not out:
        raise FileNotFoundError(f"{folds_dir}: no fold*/ folders with held_out_claim_ids.json")
    return out


def out_of_fold_scores(
    claim_ids: list[str],
    claims: list[str],
    docs: pd.DataFrame,
    sents: pd.DataFrame,
    folds_dir: Path,
    cache: Path | None = None,
) -> pd.DataFrame:
    """``sents`` with NLI_COLUMNS on every row, each claim scored by the fold model that held
    it out (a claim in no fold's held-out list is an error). ``cache``: a parquet file of the
    scores keyed by claim id, paper id and sentence index, reused when it covers every row."""
    from synth.verify import nli

    key = pd.DataFrame(
        {
            "claim_id": [claim_ids[c] for c in sents["claim_row"]],
            "paper_id": docs["paper_id"].astype(str).to_numpy()[sents["doc_row"].to_numpy()],
            "sentence_index": sents["sentence_index"].to_numpy(),
        }
    )
    if cache is not None and Path(cache).is_file():
        table = pd.read_parquet(cache)
        usable = set(key.columns) | set(NLI_COLUMNS) <= set(table.columns)
        stored = key.merge(table, how="left", on=list(key.columns)) if usable else None
        if stored is not None and not stored[list(NLI_COLUMNS)].isna().any().any():
            return with_scores(sents, stored[list(NLI_COLUMNS)].to_numpy())
    probs = np.full((len(sents), 3), np.nan)
    for held_out, folder in fold_models(folds_dir):
        rows = key["claim_id"].isin(held_out).to_numpy()
        premises, hypotheses = sentence_pairs(claims, docs, sents[rows])
        probs[rows] = nli.load_nli(folder, threads=2).predict(premises, hypotheses)
    missing = np.isnan(probs).any(axis=1)
    if missing.any():
        raise ValueError(f"{int(missing.sum())} sentence rows belong to no fold of {folds_dir}")
    if cache is not None:
        table = key.assign(**{c: probs[:, j] for j, c in enumerate(NLI_COLUMNS)})
        table.drop_duplicates(list(key.columns)).to_parquet(cache)
    return with_scores(sents, probs)

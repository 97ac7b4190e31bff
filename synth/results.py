"""Results across papers: the quantitative results (tuples) of the included papers lined up
by metric and dataset, each value traceable to its paper and sentence."""

from __future__ import annotations

import re

import pandas as pd

RESULT_COLUMNS = [
    "metric",
    "dataset",
    "method",
    "value",
    "unit",
    "kind",
    "ref",
    "paper_id",
    "claim_id",
    "sentence",
]


def result_key(text: object) -> str:
    """A metric or dataset name for grouping: lower case, no spaces, hyphens or dots
    ("MSR-VTT" = "msrvtt", "Recall@1" = "recall@1")."""
    return re.sub(r"[\s\-_.]+", "", str(text or "")).lower()


def compute_results(tuples: pd.DataFrame, claims: pd.DataFrame, refs: pd.DataFrame) -> pd.DataFrame:
    """Every tuple with its paper and sentence (``RESULT_COLUMNS``), groups of the same metric
    and dataset reported by more papers first.

    tuples: ``claim_id, subject, metric, dataset, value, unit, kind``, with ``paper_id`` and
    ``sentence`` (``tuples.paper_tuples``) or else found through claims: ``claim_id,
    paper_id, text``; refs: ``paper_id, ref`` (reference numbers of the included papers).
    ``method`` is the tuple's subject ("(unnamed)" when the sentence names none).
    """
    if tuples.empty:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    if {"paper_id", "sentence"} <= set(tuples):  # tuples of whole papers (tuples.paper_tuples)
        merged = tuples.rename(columns={"sentence": "text"})
    else:
        merged = tuples.merge(claims[["claim_id", "paper_id", "text"]], on="claim_id", how="left")
    merged = merged.merge(refs[["paper_id", "ref"]], on="paper_id", how="left")
    out = pd.DataFrame(
        {
            "metric": merged["metric"].fillna(""),
            "dataset": merged["dataset"].fillna(""),
            "method": merged["subject"].fillna("").replace("", "(unnamed)"),
            "value": merged["value"].astype(str),
            "unit": merged["unit"].fillna(""),
            "kind": merged["kind"].fillna("value"),
            "ref": merged["ref"].astype("Int64"),
            "paper_id": merged["paper_id"],
            "claim_id": merged["claim_id"],
            "sentence": merged["text"].fillna(""),
        }
    )
    key = out["metric"].map(result_key) + "|" + out["dataset"].map(result_key)
    papers_per_key = out.groupby(key)["paper_id"].transform("nunique")
    order = pd.DataFrame({"n": -papers_per_key, "key": key, "ref": out["ref"]})
    return out.loc[order.sort_values(["n", "key", "ref"], kind="stable").index].reset_index(
        drop=True
    )


def shared_results(results: pd.DataFrame, min_papers: int = 2) -> pd.DataFrame:
    """The results whose metric and dataset at least ``min_papers`` papers report, as a
    pivot: one row per method and paper, one column per "metric on dataset"."""
    if results.empty:
        return pd.DataFrame()
    key = results["metric"].map(result_key) + "|" + results["dataset"].map(result_key)
    shared = results[results.groupby(key)["paper_id"].transform("nunique") >= min_papers]
    if shared.empty:
        return pd.DataFrame()
    shared_key = key[shared.index]
    first = shared["metric"] + " on " + shared["dataset"].replace("", "(no dataset)")
    column = shared_key.map(first.groupby(shared_key).first())  # one spelling per group
    cell = shared["value"] + shared["unit"] + shared["kind"].map({"change": " (gain)"}).fillna("")
    table = pd.DataFrame(
        {
            "method": shared["method"] + " [" + shared["ref"].astype(str) + "]",
            "column": column,
            "cell": cell,
        }
    )
    return table.pivot_table(
        index="method", columns="column", values="cell", aggfunc=lambda v: " / ".join(v)
    ).fillna("")

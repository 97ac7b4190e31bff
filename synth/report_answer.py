"""The report's first sections, from the answer stage's tables: the Answer, the evidence per
paper, the themes and the results lined up across papers (every cell escaped)."""

from __future__ import annotations

import pandas as pd

from synth.markdown import join_blocks, md_escape, md_text, to_markdown_table
from synth.results import shared_results


def answer_md(answer: dict) -> str:
    """The Answer section from ``answer.json``: hypothesis, verdict with its strength and
    confidence, and the summary (papers cited as [n], the numbers of the References)."""
    lines = []
    if answer["kind"] == "yes_no":
        lines.append(f"**Hypothesis tested:** {md_text(answer['hypothesis'])}")
        verdict = answer["verdict"]
        detail = (
            "the corpus does not cover it"
            if verdict == "insufficient"
            else f"{answer['strength']} evidence, confidence {answer['confidence']:.2f}"
        )
        lines.append(f"**Verdict:** {verdict} ({detail}).")
    else:
        lines.append("**An open question:** no verdict; the evidence and themes below map it.")
    lines.append(md_text(answer["summary"]))
    return join_blocks(lines)


def evidence_table(evidence: pd.DataFrame) -> pd.DataFrame:
    """One row per paper: [n], title, stance, confidence, direct or indirect, the facets of
    the question it matches, and its evidence sentence (as text, escaped)."""
    order = {"SUPPORT": 0, "CONTRADICT": 1, "NEUTRAL": 2}
    rows = evidence.assign(_o=evidence["stance"].map(order)).sort_values(
        ["_o", "confidence"], ascending=[True, False], kind="stable"
    )
    return pd.DataFrame(
        {
            "ref": rows["ref"].map(lambda r: f"[{int(r)}]"),
            "paper": rows["title"].map(md_escape),
            "stance": rows["stance"],
            "confidence": rows["confidence"].map(lambda x: f"{x:.2f}"),
            "evidence": rows["direct"].map({True: "direct", False: "indirect"}),
            "facets matched": rows["facets"].map(md_escape),
            "sentence": rows["sentence"].map(md_text),
        }
    )


def themes_table(themes: pd.DataFrame, evidence: pd.DataFrame) -> pd.DataFrame:
    """Theme number, its distinctive terms and its papers as [n] references."""
    ref = dict(zip(evidence["paper_id"], evidence["ref"], strict=True))
    return pd.DataFrame(
        {
            "theme": themes["theme"].map(lambda t: int(t) + 1),
            "distinctive terms": themes["label"].map(md_escape),
            "papers": themes["paper_ids"].map(
                lambda ids: ", ".join(f"[{ref[p]}]" for p in sorted(ids, key=lambda p: ref[p]))
            ),
        }
    )


def results_table(results: pd.DataFrame) -> pd.DataFrame:
    """Every result: metric, dataset, method, value, kind and where it comes from ([n] and
    the claim id), grouped by metric and dataset."""
    return pd.DataFrame(
        {
            "metric": results["metric"].map(md_escape),
            "dataset": results["dataset"].map(md_escape),
            "method": results["method"].map(md_escape),
            "value": (results["value"] + results["unit"]).map(md_escape),
            "kind": results["kind"],
            "source": [
                f"[{r}] {md_escape(c)}"
                for r, c in zip(results["ref"], results["claim_id"], strict=True)
            ],
        }
    )


def results_md(results: pd.DataFrame) -> str:
    """Results across papers: the lined-up table where papers share a metric and dataset,
    then every result found."""
    shared = shared_results(results)
    if results.empty:
        return "No quantitative result (metric, dataset, value) was found in the claims."
    head = (
        "No two included papers report the same metric on the same dataset."
        if shared.empty
        else "Results that papers share a metric and dataset for, by method [n]:\n\n"
        + to_markdown_table(shared.reset_index().map(md_escape))
    )
    return join_blocks(
        [head, f"All {len(results)} results found:", to_markdown_table(results_table(results))]
    )

"""Pairing gates and pairing models compared on the screening dev questions (rounds 11-13
of issue 17), without re-screening for each: every dev question (s01-s92; never the fresh
splits) is screened once with the pairing and subject checks off (``answer_batch.screen_for``),
its included papers are scored by the pairing model, and each gate of ``GATES`` (the shipped
ones through ``pairing.gate_on`` and ``inclusion.subject_check``) is applied to those
probabilities and scored against the hand judgements as ``benchmarks/screen.py`` scores them
(precision@10 of the included list, off-topic papers included, recall), split into the
questions the corpus covers and the near misses, with how many of each include nothing. The
answer dev set (its dev splits, yes/no questions) gives the share of key papers a gate keeps.

``--model DIR`` (repeatable): the pairing models to score with (default: the shipped one). A
model folder with ``held_out_claim_ids.json`` (``train_nli scifact --fold K`` on the pairs of
``benchmarks/screen_judged_pairs.py``) scores only the questions it held out, so two fold
models give the cross-validated figures; the answer dev set is scored by the first model.
The AUC of P(pairing) against the judgements is printed per model on the questions it scores.

Usage: python benchmarks/screen_gates.py [--data ../shared/data] [--cache DIR] [--model DIR]...
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from screen import score_question, summarise
from sklearn.metrics import roc_auc_score

from synth import pairing
from synth.answer_batch import ScreenSettings, screen_for
from synth.dense import encoder_for
from synth.inclusion import subject_check
from synth.question import analyze_question
from synth.screen import build_indexes
from synth.sources.local import load_corpus

HERE = Path(__file__).parent
DEV_SPLITS = ("tune", "test", "test2", "test3", "test4", "test5", "test6", "test7")  # s01-s92
ANSWER_DEV_SPLITS = ("tune", "test", "test2", "test3")  # benchmarks/answer.py's "all"
# (a question's included papers, their P(pairing)) -> kept
Gate = Callable[[pd.DataFrame, np.ndarray], np.ndarray]


def shipped(subject: bool = False, **bars: float) -> Gate:
    """``pairing.gate_on`` (the gate ``pairing.gate`` applies) with ``bars`` in place of its
    defaults (``min_task=0`` turns the task rule off; the phrase rule of round 13 is off unless
    ``min_phrase`` is given), then ``inclusion.subject_check`` if ``subject``."""
    bars = {"min_phrase": 0.0, **bars}

    def keep(included: pd.DataFrame, p: np.ndarray) -> np.ndarray:
        gated = pairing.gate_on(included, p, **bars)
        return (subject_check(gated, included.attrs["question"]) if subject else gated)[
            "included"
        ].to_numpy()

    return keep


def paper_bar(bar: float) -> Gate:
    """Each paper on its own: kept if it reaches ``bar``."""
    return lambda included, p: p >= bar


def hybrid(bar: float, min_pairing: float, relative: float) -> Gate:
    """``bar`` per paper when the best reaches it; else the question gate."""
    fallback = shipped(min_pairing=min_pairing, relative=relative, min_task=0.0)
    return lambda included, p: (p >= bar) if p.max() >= bar else fallback(included, p)


GATES: dict[str, Gate] = {
    "round 9 (0.01, 0.01 x best)": shipped(min_task=0.0),
    "round 11: + task rule": shipped(),
    "round 12: + subject check": shipped(subject=True),
    "round 13: + phrase rule": shipped(subject=True, min_phrase=pairing.MIN_PHRASE),
    "task rule, always": shipped(clear_pairing=np.inf),
    "question 0.05": shipped(min_pairing=0.05, min_task=0.0),
    "question 0.10": shipped(min_pairing=0.10, min_task=0.0),
    **{f"paper >= {b:.2f}": paper_bar(b) for b in (0.05, 0.1, 0.2, 0.3, 0.5)},
    **{
        f"hybrid {b:.1f} / {q:.2f} / {r:.1f}": hybrid(b, q, r)
        for b in (0.3, 0.5)
        for q in (0.01, 0.05)
        for r in (0.5, 0.8)
    },
}


def kept(included: pd.DataFrame, p: np.ndarray, gate: Gate) -> pd.DataFrame:
    """The included papers with ``included`` set to what ``gate`` keeps."""
    return included.assign(included=gate(included, p) if len(p) else False)


def screened_lists(questions: list[str], papers: pd.DataFrame, cache: str | None) -> list:
    """Each question's included papers (rank order) with the pairing and subject checks off;
    ``attrs["question"]`` is the question."""
    indexes = build_indexes(papers)
    settings = ScreenSettings(min_subject=0.0)
    encoder = encoder_for(settings.title_similarity, cache, "--lexical")
    out = []
    for question in questions:
        screened = screen_for(question, papers, indexes, settings, encoder, None)
        included = screened[screened["included"]].sort_values("rank").reset_index(drop=True)
        included.attrs = {"question": question}
        out.append(included)
    return out


def gate_figures(records: list[dict], lists: list, probs: list, gate: Gate) -> dict:
    """``screen.py``'s figures (``score_question``, ``summarise``) of the kept lists: macro
    P@10 (questions keeping something), off-topic and relevant papers kept, macro recall,
    questions left empty."""
    rows = [
        score_question(record, kept(included, p, gate))
        for record, included, p in zip(records, lists, probs, strict=True)
    ]
    summary = summarise(rows, "")
    return {
        "p10": summary["p10_macro"],
        "off_topic": summary["off_topic"],
        "relevant_kept": summary["relevant_included"],
        "recall": summary["recall_macro"],
        "empty": summary["empty"],
    }


def dev_table(records: list[dict], lists: list, probs: list) -> pd.DataFrame:
    """One row per gate: all dev questions, then covered ones and near misses."""
    rows = []
    for name, gate in GATES.items():
        row = {"gate": name, **gate_figures(records, lists, probs, gate)}
        for covered, tag in ((True, "cov"), (False, "nm")):
            idx = [i for i, r in enumerate(records) if r["covered"] == covered]
            part = gate_figures(*([x[i] for i in idx] for x in (records, lists, probs)), gate)
            row |= {f"{tag}_{k}": part[k] for k in ("p10", "off_topic", "empty")}
        rows.append(row)
    return pd.DataFrame(rows)


def auc(records: list[dict], lists: list, probs: list) -> float:
    """AUC of P(pairing) against the judged included papers."""
    y, s = [], []
    for record, included, p in zip(records, lists, probs, strict=True):
        judged = {j["paper_id"]: j["relevant"] for j in record["judged"]}
        scored = zip(included["paper_id"], p, strict=True)
        pairs = [(judged[pid], x) for pid, x in scored if pid in judged]
        y += [a for a, _ in pairs]
        s += [b for _, b in pairs]
    return round(float(roc_auc_score(y, s)), 3)


def key_kept(answer_dev: list[dict], lists: list, probs: list) -> pd.Series:
    """Per gate, the share of the answer dev key papers it keeps."""
    share = {}
    for name, gate in GATES.items():
        hits = [
            str(q["key_paper"]) in set(inc["paper_id"][kept(inc, p, gate)["included"]])
            for q, inc, p in zip(answer_dev, lists, probs, strict=True)
        ]
        share[name] = round(float(np.mean(hits)), 3)
    return pd.Series(share, name="answer dev key papers kept")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--cache", default="", help="title-embedding cache folder")
    parser.add_argument("--model", type=Path, action="append", default=[])
    args = parser.parse_args()
    models = args.model or [pairing.MODEL_DIR]
    records = [json.loads(line) for line in (HERE / "screen_dev.jsonl").open()]
    records = [r for r in records if r["split"] in DEV_SPLITS]
    answer_dev = [json.loads(line) for line in (HERE / "answer_dev.jsonl").open()]
    answer_dev = [
        q for q in answer_dev
        if q["split"] in ANSWER_DEV_SPLITS and q["kind"] == "yes_no" and q.get("key_paper")
        and q.get("expected_stance")
    ]  # fmt: skip
    papers = load_corpus(Path(args.data) / "arxiv_daily_listings").papers
    questions = [r["question"] for r in records]
    lists = screened_lists(questions, papers, args.cache or None)
    answer_qs = [analyze_question(q["question"]).question for q in answer_dev]
    answer_lists = screened_lists(answer_qs, papers, args.cache or None)
    probs: list = [None] * len(records)
    for i, folder in enumerate(models):
        model = pairing.load_pairing_model(folder)
        held = folder / "held_out_claim_ids.json"
        mine = set(json.loads(held.read_text())) if held.exists() else None
        idx = [j for j, r in enumerate(records) if mine is None or int(r["id"][1:]) in mine]
        for j in idx:
            probs[j] = pairing.pairing_scores(model, questions[j], lists[j])
        part = [[x[j] for j in idx] for x in (records, lists, probs)]
        print(f"{folder}: {len(idx)} questions, AUC {auc(*part)}")
        if i == 0:
            answer_probs = [
                pairing.pairing_scores(model, q, inc)
                for q, inc in zip(answer_qs, answer_lists, strict=True)
            ]
    if any(p is None for p in probs):
        raise SystemExit("the models' held-out questions do not cover every dev question")
    table = dev_table(records, lists, probs)
    table["key_kept"] = table["gate"].map(key_kept(answer_dev, answer_lists, answer_probs))
    covered = sum(r["covered"] for r in records)
    print(f"{len(records)} dev questions ({covered} covered, {len(records) - covered} near misses)")
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()

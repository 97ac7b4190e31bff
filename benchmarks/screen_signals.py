"""Which signal tells a near miss from a covered question? (issue 17, round 13)

Every split of ``screen_dev.jsonl`` (``screen.py``'s SPLITS, s01-s140, each measured once
with main before this analysis was written) is screened as main screened it before round 13
(``answer_batch.screen_for``, default settings but ``min_phrase=0``: the phrase rule off).

- Per paper: on the included papers that were judged, each signal's AUC against the
  judgements, over all of them, within the near misses (``covered: false``) and within the
  covered questions.
- Per question: the near misses that still include off-topic papers keep precision@10 below
  0.90 (``benchmarks/README.md``, rounds 7-12). For each question-level signal, the bar that
  would empty every one of them, and how many covered questions it would empty too.
- Rules: two per-paper rules for the questions where no paper reaches
  ``pairing.CLEAR_PAIRING``, swept and scored as ``screen.py`` scores a run: a bar on
  ``phrase_match`` (round 13 ships it at ``MIN_PHRASE``, ``pairing.unclear_pairing``) and a
  bar on the title's rank under the task phrase among all the corpus's titles.

Signals per paper: the shipped pairing probability; the share of the question's phrases the
paper writes (``phrase_match``, ``synth.phrases``); the MiniLM cosine of the title with the
question and with the task phrase (``analyze_question(...).outcome``); the title's rank among
all titles under the task phrase; the NLI cross-encoder's entailment and contradiction of the
question by the abstract's first sentence; the pairing model's contrast between the question
and its subject alone. Per question: the best pairing probability, the best share of the task
phrase's distinctive words (``relevance.distinctive_units``) a paper names, and the mean
pairwise cosine of the included abstracts.

Usage: python benchmarks/screen_signals.py --data ../shared/data [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
from screen import DEV, SPLITS, score_question, summarise
from sklearn.metrics import roc_auc_score

from synth.answer_batch import ScreenSettings, screen_for
from synth.dense import encoder_for
from synth.pairing import CLEAR_PAIRING, load_pairing_model
from synth.question import analyze_question
from synth.relevance import count_present, distinctive_units, facet_units
from synth.rerank import paper_texts, relevance
from synth.screen import build_indexes
from synth.sources.local import load_corpus
from synth.verify.nli import load_nli

MEASURED = SPLITS  # s01-s140: every split, each measured once with main before this analysis


def task_units(question: str, index) -> list:
    """The distinctive units of the question's task phrase (outcome facet)."""
    return [u for u in distinctive_units(facet_units(question), index) if u.facet == "outcome"]


def paper_signals(record, included, ctx) -> pd.DataFrame:
    """One row per included paper: the per-paper signals and the judgement."""
    question = record["question"]
    analysis = analyze_question(question)
    task, subject = analysis.outcome or question, analysis.subject or question
    rows = ctx["positions"][included["paper_id"]].to_numpy()
    by_task = ctx["titles"] @ ctx["encoder"].encode([task])[0]
    rank = np.empty(len(by_task), int)
    rank[np.argsort(-by_task)] = np.arange(1, len(by_task) + 1)
    first = included["abstract"].fillna("").str.split(r"(?<=\.)\s", regex=True).str[0]
    nli = ctx["nli"].predict(first.tolist(), [question] * len(included))
    alone = relevance(ctx["pairing"], subject, paper_texts(included))
    judged = {j["paper_id"]: j["relevant"] for j in record["judged"]}
    return pd.DataFrame(
        {
            "id": record["id"],
            "covered": record["covered"],
            "relevant": included["paper_id"].map(judged),
            "pairing": included["pairing"].to_numpy(),
            "phrase_match": included["phrase_match"].to_numpy(),
            "title_cosine": included["title_similarity"].to_numpy(),
            "task_cosine": by_task[rows],
            "task_rank": rank[rows],
            "nli_entail": nli[:, 0],
            "nli_contradict": nli[:, 2],
            "pairing_contrast": included["pairing"].to_numpy() - alone,
        }
    )


def question_signals(record, included, ctx) -> dict:
    """The question-level signals of one question's included list."""
    units = task_units(record["question"], ctx["index"])
    rows = ctx["positions"][included["paper_id"]].to_numpy()
    texts = (included["title"].fillna("") + ". " + included["abstract"].fillna("")).tolist()
    named = count_present(units, ctx["index"], rows, texts) if units else np.zeros(len(rows))
    n_units = len({u.text for u in units})
    vectors = ctx["encoder"].encode(included["abstract"].fillna("").str[:1000].tolist())
    n = len(vectors)
    cohesion = (float((vectors @ vectors.T).sum()) - n) / (n * (n - 1)) if n > 1 else np.nan
    off = int(included["paper_id"].map(ctx["judged"][record["id"]]).eq(0).sum())
    return {
        "id": record["id"],
        "covered": record["covered"],
        "leaks": (not record["covered"]) and off > 0,
        "best_pairing": float(included["pairing"].max()),
        "task_units_named": float(named.max() / n_units) if n_units else np.nan,
        "cohesion": cohesion,
    }


def aucs(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """AUC of each column (higher = relevant; a rank or a contradiction is negated)."""
    frame = frame.dropna(subset=["relevant"]).astype({"relevant": int, "covered": bool})
    out = []
    for col in columns:
        sign = -1 if col in ("task_rank", "nli_contradict") else 1
        row = {"signal": col}
        for name, part in (("all", frame), ("near misses", frame[~frame["covered"]])):
            row[name] = round(roc_auc_score(part["relevant"], sign * part[col]), 3)
        covered = frame[frame["covered"]]
        row["covered"] = round(roc_auc_score(covered["relevant"], sign * covered[col]), 3)
        out.append(row)
    return pd.DataFrame(out)


def separation(questions: pd.DataFrame) -> pd.DataFrame:
    """Per question-level signal: the lowest value among leaking near misses, and how many
    covered questions are at or below it (emptied by a bar that empties every leak)."""
    out = []
    for col in ("best_pairing", "task_units_named", "cohesion"):
        known = questions.dropna(subset=[col])
        leaks = known[known["leaks"]]
        bar = float(leaks[col].max())  # a bar above this empties every leaking near miss
        covered = known[known["covered"]]
        out.append(
            {
                "signal": col,
                "leaking near misses": len(leaks),
                "bar emptying them all": round(bar, 3),
                "covered questions emptied too": int((covered[col] <= bar).sum()),
                "covered questions": len(covered),
            }
        )
    return pd.DataFrame(out)


def sweep(records, lists, name: str, drop) -> dict:
    """``screen.py``'s summary of the lists when, in each question whose included papers all
    score below ``CLEAR_PAIRING``, the papers ``drop(record, included)`` marks are excluded."""
    rows = []
    for record, included in zip(records, lists, strict=True):
        keep = np.ones(len(included), bool)
        if len(included) and included["pairing"].max() < CLEAR_PAIRING:
            keep = ~drop(record, included)
        rows.append(score_question(record, included.assign(included=keep)))
    out = summarise(rows, name)
    out["covered_emptied"] = sum(r["covered"] and r["included"] == 0 for r in rows)
    return out


def rule_table(records, lists, per_paper, n_units) -> pd.DataFrame:
    """The two per-paper rules at several bars, after main's row."""
    signals = dict(zip((r["id"] for r in records), per_paper, strict=True))
    rows = [sweep(records, lists, "main before round 13", lambda r, i: np.zeros(len(i), bool))]
    for bar in (0.05, 0.1, 0.15, 0.2, 0.25):
        rows.append(
            sweep(records, lists, f"phrase_match < {bar}", lambda r, i, b=bar: _below(i, b))
        )
    for min_units in (1, 2):
        for bar in (100, 300, 1000):

            def by_rank(r, i, b=bar, m=min_units):
                ranks = signals[r["id"]]["task_rank"].to_numpy()
                return (ranks > b) if n_units[r["id"]] >= m else np.zeros(len(i), bool)

            rows.append(sweep(records, lists, f"task rank > {bar}, >= {min_units} words", by_rank))
    return pd.DataFrame(rows)


def _below(included: pd.DataFrame, bar: float) -> np.ndarray:
    return included["phrase_match"].to_numpy(float) < bar


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--cache", default=None, help="MiniLM embedding cache folder")
    args = parser.parse_args()
    records = [json.loads(line) for line in DEV.read_text().splitlines() if line.strip()]
    records = [r for r in records if r["split"] in MEASURED]
    papers = load_corpus(args.data / "arxiv_daily_listings").papers
    indexes = build_indexes(papers)
    settings = ScreenSettings(min_phrase=0.0)
    encoder = encoder_for(True, args.cache, "--lexical")
    ctx = {
        "index": indexes[0],
        "encoder": encoder,
        "pairing": load_pairing_model(),
        "nli": load_nli(threads=2),
        "positions": pd.Series(np.arange(len(papers)), index=papers["paper_id"]),
        "titles": encoder.encode(papers["title"].fillna("").tolist()),
        "judged": {r["id"]: {j["paper_id"]: j["relevant"] for j in r["judged"]} for r in records},
    }
    lists, per_paper, per_question = [], [], []
    for record in records:
        screened = screen_for(
            record["question"], papers, indexes, settings, encoder, ctx["pairing"]
        )
        included = screened[screened["included"]].sort_values("rank").reset_index(drop=True)
        lists.append(included)
        per_paper.append(paper_signals(record, included, ctx))
        if len(included):
            per_question.append(question_signals(record, included, ctx))
    frame = pd.concat(per_paper, ignore_index=True)
    print(f"{len(records)} questions, {frame['relevant'].notna().sum()} included judged papers")
    print("\nAUC against the judgements (included papers):")
    print(aucs(frame, [c for c in frame.columns if c not in ("id", "covered", "relevant")]))
    print("\nQuestion-level signals: can a bar empty the leaking near misses alone?")
    print(separation(pd.DataFrame(per_question)).to_string(index=False))
    n_units = {
        r["id"]: len({u.text for u in task_units(r["question"], ctx["index"])}) for r in records
    }
    table = rule_table(records, lists, per_paper, n_units)
    columns = ["set", "p10_macro", "off_topic", "relevant_included", "empty", "covered_emptied"]
    print(f"\nPer-paper rules where no paper reaches {CLEAR_PAIRING} (s01-s140):")
    print(table[columns].to_string(index=False))


if __name__ == "__main__":
    main()

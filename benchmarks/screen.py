"""Screening quality on the issue-17 dev set (``benchmarks/screen_dev.jsonl``).

For each question (s01-s20: ``tune`` / ``test``, both tuned on by now; then twelve fresh
held-out questions per round, written and judged before anything was tuned on them: s21-s32
``test2`` (round 3), s33-s44 ``test3`` (round 4), s45-s56 ``test4`` (round 5), s57-s68
``test5`` (round 6), s69-s80 ``test6`` (round 7), s81-s92 ``test7`` (round 8), s93-s104
``test8`` (round 10), s105-s116 ``test9`` (round 11), s117-s128 ``test10`` (round 12), s129-s140
``test11`` and s141-s152 ``test12`` (round 13, test12 measured once with its change); the dev set is
tune..test7, s01-s92: test8, test9, test10, test11 and test12 are kept out of it), screen the
arXiv listings corpus with the code the pipeline and ``synth answer`` use
(``answer_batch.screen_for``) and score the included list against the hand judgements:
precision@10 of the included papers (in rank order), off-topic papers included, recall of
the judged-relevant papers, per split, for every run of splits from s01 (``summary_sets``),
for the questions the corpus covers and for those it does not.  Included papers in the
first 10 that were never judged are counted and listed (``--unjudged FILE``): judge them
under the question's written rule and add them to the dev set (``"source": "pool2"``)
before trusting a figure.  ``--no-pairing`` screens without the pairing check
(``synth.pairing``, round 9), as main did before it; ``--pairing-model DIR`` with another
pairing model (an earlier one, to compare); ``--no-subject-check`` without the subject check
(``inclusion.subject_check``, round 12); ``--no-phrase-check`` without the phrase rule of the
pairing check (``pairing.unclear_pairing``, round 13).

Usage: python benchmarks/screen.py [--data ../shared/data] [--unjudged /tmp/unjudged.jsonl]
       [--cache DIR] [--no-pairing | --pairing-model DIR] [--no-subject-check]
       [--no-phrase-check]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics as st
import time
from pathlib import Path

import pandas as pd

from synth.answer_batch import ScreenSettings, screen_for
from synth.dense import encoder_for
from synth.pairing import load_pairing_model
from synth.screen import build_indexes
from synth.sources.local import load_corpus

DEV = Path(__file__).with_name("screen_dev.jsonl")
SPLITS = (
    "tune",
    "test",
    "test2",
    "test3",
    "test4",
    "test5",
    "test6",
    "test7",
    "test8",
    "test9",
    "test10",
    "test11",
    "test12",
)
# test2: s21-s32, test3: s33-s44, test4: s45-s56, test5: s57-s68, test6: s69-s80, test7: s81-s92,
# test8: s93-s104, test9: s105-s116, test10: s117-s128, test11: s129-s140, test12: s141-s152, each
# written and judged after the earlier questions were tuned on; test12 and test11 (round 13),
# test10 (round 12), test9 (round 11) and test8 (round 10) are kept out of every
# dev row (the dev row is tune..test7, s01-s92; tune..test12 is all of it)


def score_question(record: dict, screened: pd.DataFrame) -> dict:
    """Figures of one question: its included list scored against the judgements."""
    judged = {j["paper_id"]: j["relevant"] for j in record["judged"]}
    included = screened[screened["included"]].sort_values("rank")
    top = included.head(10)
    labels = [judged.get(pid) for pid in top["paper_id"]]
    known = [x for x in labels if x is not None]
    all_labels = [judged.get(pid) for pid in included["paper_id"]]
    n_rel = sum(judged.values())
    found = sum(1 for x in all_labels if x == 1)
    return {
        "id": record["id"],
        "split": record["split"],
        "covered": record["covered"],
        "included": len(included),
        "p10": sum(known) / len(known) if known else None,
        "unjudged_top10": len(labels) - len(known),
        "unjudged_included": sum(x is None for x in all_labels),
        "off_topic": sum(1 for x in all_labels if x == 0),
        "recall": found / n_rel if n_rel else None,
        "relevant_included": found,
        "level": screened.attrs.get("coverage", {}).get("level", ""),
        "coverage_note": screened.attrs.get("coverage", ""),
    }


def summarise(rows: list[dict], name: str) -> dict:
    """Macro precision@10 (over questions that include something), off-topic sum, recall."""
    p10 = [r["p10"] for r in rows if r["p10"] is not None]
    rec = [r["recall"] for r in rows if r["recall"] is not None]
    return {
        "set": name,
        "questions": len(rows),
        "p10_macro": round(st.mean(p10), 3) if p10 else None,
        "p10_over": len(p10),
        "off_topic": sum(r["off_topic"] for r in rows),
        "recall_macro": round(st.mean(rec), 3) if rec else None,
        "relevant_included": sum(r["relevant_included"] for r in rows),
        "unjudged_top10": sum(r["unjudged_top10"] for r in rows),
        "empty": sum(r["included"] == 0 for r in rows),
        "said_not_covered": sum(r["level"] != "covered" for r in rows),
    }


def summary_sets(rows: list[dict]) -> list[dict]:
    """The summary rows: each split; every run of splits from the first (s01 to the last id
    of its newest split: the dev set once the next split is written), all of it and its
    covered questions; covered and not covered questions, overall and per split."""
    sets = [summarise([r for r in rows if r["split"] == s], s) for s in SPLITS]
    for end in range(2, len(SPLITS) + 1):
        upto = [r for r in rows if r["split"] in SPLITS[:end]]
        span = f"s01-{max((r['id'] for r in upto), key=lambda i: int(i[1:]))}"  # s104 > s99
        sets.append(summarise(upto, f"{SPLITS[0]}..{SPLITS[end - 1]} ({span})"))
        sets.append(summarise([r for r in upto if r["covered"]], f"  covered ({span})"))
    for covered, label in ((True, "covered"), (False, "not covered")):
        sets.append(summarise([r for r in rows if r["covered"] == covered], label))
        sets += [
            summarise(
                [r for r in rows if r["split"] == s and r["covered"] == covered], f"{label} {s}"
            )
            for s in SPLITS[2:]
        ]
    return sets


def unjudged(record: dict, screened: pd.DataFrame) -> list[dict]:
    """Included papers that the dev set has not judged."""
    judged = {j["paper_id"] for j in record["judged"]}
    included = screened[screened["included"]].sort_values("rank")
    return [
        {"id": record["id"], "paper_id": pid, "rank": int(rank), "title": title}
        for pid, rank, title in zip(
            included["paper_id"], included["rank"], included["title"], strict=True
        )
        if pid not in judged
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default="../shared/data")
    parser.add_argument("--unjudged", default="")
    parser.add_argument("--cache", default="", help="title-embedding cache folder")
    parser.add_argument("--lexical", action="store_true", help="no encoder (lexical topicality)")
    pairing_choice = parser.add_mutually_exclusive_group()
    pairing_choice.add_argument(
        "--no-pairing", action="store_true", help="no pairing gate (main before it)"
    )
    pairing_choice.add_argument(
        "--pairing-model", type=Path, default=None, help="pairing model folder (default: shipped)"
    )
    parser.add_argument(
        "--no-subject-check", action="store_true", help="no subject check (main before round 12)"
    )
    parser.add_argument(
        "--no-phrase-check", action="store_true", help="no phrase rule (main before round 13)"
    )
    args = parser.parse_args()
    records = [json.loads(line) for line in DEV.open()]
    t0 = time.perf_counter()
    papers = load_corpus(Path(args.data) / "arxiv_daily_listings").papers
    indexes = build_indexes(papers)
    print(f"corpus {len(papers)} papers, loaded and indexed in {time.perf_counter() - t0:.1f} s")
    settings = ScreenSettings(title_similarity=not args.lexical)
    if args.no_subject_check:
        settings = dataclasses.replace(settings, min_subject=0.0)
    if args.no_phrase_check:
        settings = dataclasses.replace(settings, min_phrase=0.0)
    encoder = encoder_for(settings.title_similarity, args.cache or None, "--lexical")
    use_pairing = settings.pairing_check and not args.no_pairing
    pairing = load_pairing_model(args.pairing_model) if use_pairing else None
    rows, missing = [], []
    t1 = time.perf_counter()
    for record in records:
        screened = screen_for(record["question"], papers, indexes, settings, encoder, pairing)
        rows.append(score_question(record, screened))
        missing.extend(unjudged(record, screened))
    print(f"{len(records)} questions screened in {time.perf_counter() - t1:.1f} s")
    print(pd.DataFrame(rows).drop(columns="coverage_note").to_string(index=False))
    print(pd.DataFrame(summary_sets(rows)).to_string(index=False))
    for r in rows:
        if r["coverage_note"]:
            print(f"{r['id']}: {r['coverage_note']}")
    if args.unjudged:
        Path(args.unjudged).write_text("".join(json.dumps(m) + "\n" for m in missing))
        print(f"{len(missing)} unjudged included papers -> {args.unjudged}")


if __name__ == "__main__":
    main()

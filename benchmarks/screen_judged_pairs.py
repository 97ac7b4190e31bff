"""Training pairs for the pairing cross-encoder from the screening dev set's hand judgements
(round 11 of issue 17): each judged (question, paper) of the dev splits is a pair, premise
"title. abstract" (what ``synth.pairing`` reads), hypothesis the question, RELEVANT if the
paper was judged relevant under the question's written rule, else NOT_RELEVANT.

Only the dev splits are used (tune..test7, s01-s92); the fresh splits (test8 and later) are
held out: their questions are not used, and every paper they judge is left out as a premise
of any pair, so their figures stay held out. The answer dev set's key papers are left out
too, so that its key-paper figure is not measured on papers the model was trained on.
``fold`` is the question number's parity, ``claim_id`` the question number: ``train_nli
scifact --fold K`` trains on the other fold and writes the held-out question numbers (the
2-fold cross-validation of benchmarks/README.md, round 11; run when test8 was the only fresh
split: 2,529 pairs, 1,340 relevant).

Usage: python benchmarks/screen_judged_pairs.py --data ../shared/data --out judged.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from synth.rerank import paper_texts
from synth.sources.local import load_corpus

HERE = Path(__file__).parent
DEV_SPLITS = ("tune", "test", "test2", "test3", "test4", "test5", "test6", "test7")  # s01-s92
RELEVANT, NOT_RELEVANT = 0, 1  # train_nli's label ids (synth.verify.nli.LABELS order)


def held_out_papers(records: list[dict]) -> set[str]:
    """Papers judged by a question of a fresh split or keyed by an answer dev question."""
    ids = {j["paper_id"] for r in records if r["split"] not in DEV_SPLITS for j in r["judged"]}
    for line in (HERE / "answer_dev.jsonl").open():
        key = json.loads(line)["key_paper"]
        ids.update([str(key)] if key else [])
    return ids


def judged_pairs(records: list[dict], papers: pd.DataFrame) -> pd.DataFrame:
    """One row per judged (question, paper) of the dev splits, in train_nli's pairs.jsonl
    columns; papers missing from ``papers`` are skipped."""
    skip = held_out_papers(records)
    text = dict(zip(papers["paper_id"].astype(str), paper_texts(papers), strict=True))
    rows = []
    for r in records:
        if r["split"] not in DEV_SPLITS:
            continue
        number = int(r["id"][1:])
        for j in r["judged"]:
            pid = str(j["paper_id"])
            if pid in skip or pid not in text:
                continue
            rows.append({"claim_row": number, "claim_id": number, "doc_id": pid,
                         "premise": text[pid], "hypothesis": r["question"],
                         "label": RELEVANT if j["relevant"] else NOT_RELEVANT,
                         "counter": False, "fold": number % 2})  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    records = [json.loads(line) for line in (HERE / "screen_dev.jsonl").open()]
    papers = load_corpus(args.data / "arxiv_daily_listings").papers
    pairs = judged_pairs(records, papers)
    pairs.to_json(args.out, orient="records", lines=True, force_ascii=False)
    relevant = int((pairs["label"] == RELEVANT).sum())
    print(f"{len(pairs)} pairs ({relevant} relevant) from {pairs['claim_id'].nunique()} "
          f"questions -> {args.out}")  # fmt: skip


if __name__ == "__main__":
    main()

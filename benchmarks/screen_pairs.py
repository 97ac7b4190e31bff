"""Training pairs for a CS "method for task" relevance cross-encoder, built from the arXiv
listings' own titles (no human label), for the screening gate tried in round 9 of issue 17.

A title of the form "A for B" ("Spiking Neural Networks for Keyword Spotting") is read as a
pairing of a method A and a task B. Its paper's abstract is relevant to it; an abstract that
names A's distinctive words and none of B's (the method on another task) and one that names
B's and none of A's (the task with another method) are not: exactly the near misses the
screening dev set fails on. The query is the title or a question built from its two halves,
so the model sees questions as well as titles. The premise is the abstract without its title
(the title would give the answer away).

Every paper that any screening or answer dev question judged or keys is left out, as query
and as premise, so no evaluated paper's text is in training.

Usage: python benchmarks/screen_pairs.py --data ../shared/data --out pairs.jsonl [--n 2600]
       [--joins for,via,...] [--hard-negatives]  (round 10: did worse, benchmarks/README.md)
then ``python -m synth.verify.train_nli scifact --pairs pairs.jsonl ...`` (benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter
from pathlib import Path

import pandas as pd

from synth.sources.local import load_corpus

HERE = Path(__file__).parent
WORD = re.compile(r"[a-z][a-z0-9\-]+")
JOINS = ("for",)  # the words that join a title's method and task (--joins)
RARE = 0.03  # a word in < 3% of the abstracts is distinctive
TEMPLATES = (
    "{title}",
    "Does {a} improve {b}?",
    "Is {a} effective for {b}?",
    "Can {a} be used for {b}?",
    "How well does {a} work for {b}?",
    "What results does {a} achieve for {b}?",
)


def words(text: str) -> set[str]:
    """Lower-case word set, plurals folded ("networks" -> "network")."""
    out = set()
    for w in WORD.findall(text.lower()):
        out.add(w[:-1] if len(w) > 4 and w.endswith("s") and not w.endswith("ss") else w)
    return out


def excluded_ids() -> set[str]:
    """Paper ids judged or keyed by any screening or answer dev question."""
    ids: set[str] = set()
    for line in (HERE / "screen_dev.jsonl").open():
        ids.update(j["paper_id"] for j in json.loads(line)["judged"])
    for line in (HERE / "answer_dev.jsonl").open():
        key = json.loads(line)["key_paper"]
        ids.update([str(key)] if key else [])
    return ids


def split_title(title: str, joins: tuple[str, ...] = JOINS) -> tuple[str, str] | None:
    """(method, task) of an "A for B" title ("A via B", ... with ``joins``); a leading
    "Name:" is dropped; None unless exactly one joining word splits it."""
    title = " ".join(title.split())
    if ":" in title:
        title = title.split(":", 1)[1].strip()
    tokens = title.split()
    at = [i for i, w in enumerate(tokens) if 0 < i < len(tokens) - 1 and w.lower() in joins]
    if len(at) != 1:
        return None
    return " ".join(tokens[: at[0]]).strip(" ,"), " ".join(tokens[at[0] + 1 :]).strip(" ,.")


def build_pairs(
    papers: pd.DataFrame,
    n: int,
    seed: int = 0,
    joins: tuple[str, ...] = JOINS,
    hard: bool = False,
) -> pd.DataFrame:
    """Up to ``n`` titles, each with its abstract (label 0, relevant), a method-only and a
    task-only abstract (label 1, not relevant); rows in train_nli's pairs.jsonl columns. With
    ``hard``, each of the two is the candidate sharing the most words with the title's own
    paper (the near miss a screen lets through), not one at random."""
    rng = random.Random(seed)
    papers = papers[~papers["paper_id"].astype(str).isin(excluded_ids())].reset_index(drop=True)
    bags = [words(f"{t} {a}") for t, a in zip(papers["title"], papers["abstract"], strict=True)]
    df = Counter(w for bag in bags for w in bag)
    rare = {w for w, c in df.items() if c < RARE * len(bags)}
    postings: dict[str, list[int]] = {}
    for i, bag in enumerate(bags):
        for w in bag & rare:
            postings.setdefault(w, []).append(i)
    order = list(range(len(papers)))
    rng.shuffle(order)
    rows: list[dict] = []
    for i in order:
        halves = split_title(papers.at[i, "title"], joins)
        if halves is None:
            continue
        wa, wb = words(halves[0]) & rare, words(halves[1]) & rare
        if not wa or not wb or wa & wb:
            continue
        negs = [
            _contrast(postings, bags, wa, wb, i, rng, hard),
            _contrast(postings, bags, wb, wa, i, rng, hard),
        ]
        if None in negs:
            continue
        a, b = (_plain(h) for h in halves)
        query = rng.choice(TEMPLATES).format(title=papers.at[i, "title"], a=a, b=b)
        for j, label in ((i, 0), (negs[0], 1), (negs[1], 1)):
            rows.append({"claim_row": len(rows) // 3, "claim_id": int(i), "doc_id": int(j),
                         "premise": papers.at[j, "abstract"], "hypothesis": query,
                         "label": label, "counter": False, "fold": 0})  # fmt: skip
        if len(rows) >= 3 * n:
            break
    return pd.DataFrame(rows)


def _plain(phrase: str) -> str:
    """A title half in running text: capitalised words lower-cased, acronyms kept."""
    return " ".join(w.lower() if w[:1].isupper() and w[1:].islower() else w for w in phrase.split())


def _contrast(
    postings, bags, have: set[str], lack: set[str], own: int, rng, hard: bool = False
) -> int | None:
    """A paper naming every word of ``have`` and none of ``lack`` (not ``own``): at random, or
    with ``hard`` the one sharing the most words with ``own``'s paper."""
    lists = sorted((postings.get(w, []) for w in have), key=len)
    cands = set(lists[0]).intersection(*lists[1:]) - {own}
    cands = sorted(j for j in cands if not bags[j] & lack)
    if not cands:
        return None
    if hard:
        return max(cands, key=lambda j: len(bags[j] & bags[own]))
    return rng.choice(cands)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--n", type=int, default=2600, help="titles")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--joins", default="for", help="comma-separated joining words")
    parser.add_argument(
        "--hard-negatives", action="store_true", help="the most similar contrast, not a random one"
    )
    args = parser.parse_args()
    papers = load_corpus(args.data / "arxiv_daily_listings").papers
    pairs = build_pairs(
        papers, args.n, args.seed, tuple(args.joins.split(",")), args.hard_negatives
    )
    pairs.to_json(args.out, orient="records", lines=True, force_ascii=False)
    print(f"{len(pairs)} pairs from {pairs['claim_id'].nunique()} titles -> {args.out}")


if __name__ == "__main__":
    main()

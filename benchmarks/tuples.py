"""Are the quantitative results of CS abstracts found, and is each tied to its method?

    .venv/bin/python benchmarks/tuples.py [--data ../shared/data]
        [--split test|tune|tune2|test3|test4|test5|dev|all] [--errors]

Gold: ``benchmarks/tuples_gold.jsonl`` (see tuples_gold.md), results hand-labelled in arXiv
CS abstracts before the rules were measured on them. The tuple rules run on every sentence of
each abstract as ``synth extract --tuples`` runs them (``synth.tuples.abstract_tuples``: the
paper's method name from its title or "we propose X" as the default subject).
A system tuple matches a gold tuple of the same paper and sentence whose value is the same
number (either end of a gold range), one to one. Reported: recall and precision by value, and
among matched tuples the share whose subject names the gold subject (or one of
its alternatives), whose subject is filled at all, and whose metric agrees.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from synth.tuples import abstract_tuples

ROOT = Path(__file__).resolve().parent
HELD_OUT = "test5"  # the split whose errors are never listed


def norm(text: object) -> str:
    return re.sub(r"[\s\-_.]+", "", str(text or "")).lower()


def values_of(gold_value: str) -> set[str]:
    """A gold value and, for a range "lo-hi", each end ("-0.55--3.52": -0.55 and -3.52)."""
    parts = re.split(r"(?<=\d)\s*(?:-|–|to)\s*(?=[-+]?\.?\d)", str(gold_value))
    return {v.strip().lstrip("+") for v in [str(gold_value), *parts] if v.strip()}


def abstracts(listings: Path, ids: set[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for path in sorted(listings.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            rec = json.loads(line)
            if rec.get("id") in ids:
                found[rec["id"]] = rec
    return found


def system_tuples(record: dict) -> list[dict]:
    """The tuples ``synth extract --tuples`` writes for one listing record."""
    rec = {"id": record.get("id"), "title": record.get("title", ""), "abstract": record["summary"]}
    return abstract_tuples(rec)["tuples"]


def match(gold: list[dict], found: list[dict]) -> list[tuple[dict, dict]]:
    """One-to-one pairs (gold, system) with the same sentence and value."""
    pairs, used = [], set()
    for g in gold:
        for j, t in enumerate(found):
            same_value = str(t["value"]).lstrip("+") in values_of(g["value"])
            if j not in used and t["sentence_index"] == g["sentence_index"] and same_value:
                pairs.append((g, t))
                used.add(j)
                break
    return pairs


def subject_right(g: dict, t: dict) -> bool:
    names = [g.get("subject", ""), *(g.get("subject_alt") or [])]
    names = names if isinstance(names, list) else [names]
    got = norm(t.get("subject"))
    return bool(got) and any(norm(n) and (norm(n) in got or got in norm(n)) for n in names)


def evaluate(gold_lines: list[dict], records: dict[str, dict]) -> dict[str, float]:
    n_gold = n_found = 0
    pairs = []
    for line in gold_lines:
        found = system_tuples(records[line["id"]])
        n_gold += len(line["tuples"])
        n_found += len(found)
        pairs += match(line["tuples"], found)
    return {
        "abstracts": len(gold_lines),
        "gold tuples": n_gold,
        "system tuples": n_found,
        "recall": len(pairs) / max(n_gold, 1),
        "precision": len(pairs) / max(n_found, 1),
        "subject right (of matched)": sum(subject_right(g, t) for g, t in pairs)
        / max(len(pairs), 1),
        "subject filled (of matched)": sum(bool(t.get("subject")) for _, t in pairs)
        / max(len(pairs), 1),
        "metric agrees (of matched)": sum(norm(g["metric"]) == norm(t["metric"]) for g, t in pairs)
        / max(len(pairs), 1),
    }


def errors(gold_lines: list[dict], records: dict[str, dict]) -> list[str]:
    """One line per missed gold tuple ("miss") and per unmatched system tuple ("extra")."""
    out = []
    for line in gold_lines:
        found = system_tuples(records[line["id"]])
        pairs = match(line["tuples"], found)
        got = {id(g) for g, _ in pairs}
        used = {id(t) for _, t in pairs}
        for kind, rows in (
            ("miss", [g for g in line["tuples"] if id(g) not in got]),
            ("extra", [t for t in found if id(t) not in used]),
        ):
            for r in rows:
                out.append(
                    f"{kind} {line['id']} s{r['sentence_index']} {r['value']!r} "
                    f"[{r['subject']} | {r['metric']} | {r['dataset']}] :: {r['sentence']}"
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    parser.add_argument(
        "--split",
        default="all",
        choices=["test", "tune", "tune2", "test3", "test4", "test5", "dev", "all"],
        help="dev = tune + tune2 + test + test3 + test4 (what the rules may be tuned on); test5 ="
        " the fifth set, held out; all = every line",
    )
    parser.add_argument(
        "--errors", action="store_true", help="list misses and extras (refused on test5)"
    )
    args = parser.parse_args()
    listings = args.data / "arxiv_daily_listings"
    if not listings.is_dir():
        print(f"skipped: {listings} not found")
        return
    gold = [json.loads(line) for line in (ROOT / "tuples_gold.jsonl").open(encoding="utf-8")]
    dev = {"tune", "tune2", "test", "test3", "test4"}
    wanted = {"dev": dev, "all": dev | {HELD_OUT}}.get(args.split, {args.split})
    gold = [g for g in gold if g["split"] in wanted]
    records = abstracts(listings, {g["id"] for g in gold})
    if args.errors:
        if HELD_OUT in wanted:
            raise SystemExit(f"{HELD_OUT} is held out: its errors are not listed")
        print("\n".join(errors(gold, records)))
        return
    print(f"tuples against the hand-labelled set, split {args.split}:")
    for name, value in evaluate(gold, records).items():
        print(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")


if __name__ == "__main__":
    main()

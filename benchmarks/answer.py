"""Does synth answer yes/no questions right?  The answer dev set over the arXiv listings.

    .venv/bin/python benchmarks/answer.py [--data DIR] [--split test|tune|test2|test3|test4|all]

``--split all`` means the dev splits only (tune, test, test2, test3); the held-out split
``test4`` is never part of it and runs only when asked for by name (``--split test4``).

``benchmarks/answer_dev.jsonl`` (see answer_dev.md) holds questions written for this
benchmark, each with the paper that answers it and that paper's expected stance, questions
the corpus cannot answer (verdict "insufficient") and open questions. ``synth answer``'s
code runs every question over the whole corpus (screening included). Reported: question kind
accuracy; whether the key paper was included; stance accuracy on the key paper (all, and on
the negative-result papers, CONTRADICT, apart); verdict accuracy; beside them the model-free
baseline "always SUPPORT / supported" and the time for the questions.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synth.answer_batch import ScreenSettings, answer_questions
from synth.sources.local import load_corpus
from synth.stance import load_scorer

ROOT = Path(__file__).resolve().parent


DEV_SPLITS = ("tune", "test", "test2", "test3")  # what "all" means; never the held-out test4
HELD_OUT_SPLITS = ("test4",)


def load_dev(split: str) -> list[dict]:
    """The questions of one split; "all" is the dev splits (tune to test3), never test4."""
    rows = [json.loads(line) for line in (ROOT / "answer_dev.jsonl").open(encoding="utf-8")]
    wanted = DEV_SPLITS if split == "all" else (split,)
    return [r for r in rows if r["split"] in wanted]


def score(dev: list[dict], answers: list[dict]) -> pd.DataFrame:
    """One row per question: expected and predicted kind, key-paper stance, verdict."""
    rows = []
    for q, a in zip(dev, answers, strict=True):
        evidence = {e["paper_id"]: e for e in a["evidence"]}
        key = q["key_paper"]
        found = evidence.get(key) if key else None
        rows.append(
            {
                "id": q["id"],
                "kind": q["kind"],
                "pred_kind": a["kind"],
                "expected_stance": q["expected_stance"],
                "key_included": bool(found) if key else None,
                "stance": found["stance"] if found else None,
                "direct": found["direct"] if found else None,
                "expected_verdict": q["expected_verdict"],
                "verdict": a["verdict"],
            }
        )
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> dict[str, float]:
    """Accuracies of the system and of the always-SUPPORT baseline."""
    yes_no = table[table["kind"] == "yes_no"]
    keyed = yes_no[yes_no["expected_stance"].notna()]
    negative = keyed[keyed["expected_stance"] == "CONTRADICT"]
    uncovered = yes_no[yes_no["expected_verdict"] == "insufficient"]
    return {
        "questions": len(table),
        "kind accuracy": float((table["kind"] == table["pred_kind"]).mean()),
        "key paper included": float(keyed["key_included"].mean()),
        "stance accuracy (key paper)": float((keyed["stance"] == keyed["expected_stance"]).mean()),
        "stance accuracy, negative results": float((negative["stance"] == "CONTRADICT").mean()),
        "baseline always SUPPORT (stance)": float((keyed["expected_stance"] == "SUPPORT").mean()),
        "verdict accuracy": float((yes_no["verdict"] == yes_no["expected_verdict"]).mean()),
        "baseline always supported (verdict)": float(
            (yes_no["expected_verdict"] == "supported").mean()
        ),
        "uncoverable answered insufficient": float((uncovered["verdict"] == "insufficient").mean()),
    }


def evidence_direction(dev: list[dict], model_dir: Path | None = None) -> dict[str, float]:
    """The NLI cross-encoder alone on each keyed question's annotated evidence sentence
    (premise) against the question's hypothesis: is P(entail) > P(contradict) when the key
    paper supports it, and the reverse when it contradicts it (negative results apart)?"""
    from synth.question import analyze_question
    from synth.verify import nli

    keyed = [q for q in dev if q.get("key_paper") and q.get("evidence")]
    hyps = [analyze_question(q["question"]).hypothesis or q["question"] for q in keyed]
    probs = nli.load_nli(model_dir).predict([q["evidence"] for q in keyed], hyps)
    said = np.where(probs[:, 0] >= probs[:, 2], "SUPPORT", "CONTRADICT")
    want = np.array([q["expected_stance"] for q in keyed])
    negative = want == "CONTRADICT"
    return {
        "NLI direction on annotated evidence sentences": float((said == want).mean()),
        "  ... on the negative results": float((said[negative] == "CONTRADICT").mean()),
        "  ... on the positive results": float((said[~negative] == "SUPPORT").mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent.parent / "shared" / "data")
    parser.add_argument(
        "--split",
        default="test",
        choices=[*DEV_SPLITS, *HELD_OUT_SPLITS, "all"],
        help=(
            "which questions (default: test); 'all' is the dev splits tune, test, test2 and test3 "
            "only, never the held-out test4, which runs only with --split test4"
        ),
    )
    parser.add_argument("--details", action="store_true", help="print every question's row")
    parser.add_argument(
        "--stance",
        default="cue",
        choices=["cue", "lexical", "nli"],
        help="the stance scorer (default: cue)",
    )
    parser.add_argument(
        "--nli-model",
        type=Path,
        default=None,
        help="with --stance nli: the cross-encoder folder (default: the shipped one)",
    )
    parser.add_argument(
        "--no-pairing", action="store_true", help="screen without the pairing check (as before it)"
    )
    args = parser.parse_args()
    listings = args.data / "arxiv_daily_listings"
    if not listings.is_dir():
        print(f"skipped: {listings} not found")
        return
    started = time.perf_counter()
    papers = load_corpus(listings).papers
    loaded = time.perf_counter()
    dev = load_dev(args.split)
    scorer = load_scorer(args.stance, args.nli_model)
    settings = ScreenSettings(pairing_check=not args.no_pairing)
    answers = list(answer_questions(papers, dev, settings, scorer=scorer))
    done = time.perf_counter()
    table = score(dev, answers)
    if args.details:
        print(table.to_string())
    print(
        f"answer dev set, split {args.split}, stance scorer {args.stance}: {len(papers)} papers "
        f"loaded in "
        f"{loaded - started:.1f} s; {len(dev)} questions answered in {done - loaded:.1f} s"
    )
    for name, value in summary(table).items():
        print(f"  {name}: {value:.3f}" if isinstance(value, float) else f"  {name}: {value}")
    if args.stance == "nli":
        for name, value in evidence_direction(dev, args.nli_model).items():
            print(f"  {name}: {value:.3f}")


if __name__ == "__main__":
    main()

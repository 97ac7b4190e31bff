"""Benchmark of the claims stage (issue 4).

1. Claim-sentence precision / recall / F1 on ``claim_extraction_biomed`` (Achakulvisut et al.;
   evaluation only, never trained on): train split (thresholds were tuned there) and
   validation split (held out), with and without position features, against the
   "last two sentences" baseline.
1b. The same on the hand-labelled arXiv CS dev set ``benchmarks/arxiv_claims_dev.jsonl``
   (40 abstracts, labelled by the engineer who changed the model; see arxiv_claims_dev.md):
   the *tune* half (even paper index; thresholds were chosen there too) and the *held-out*
   half (odd index; never used for any choice).
2. Sentence-splitter speed on the arXiv daily listings (abstracts / second).
3. Quantitative tuples over the arXiv listings: counts, and a seeded sample of 30 written to
   ``--sample-out`` for hand checking (precision is counted by hand; see benchmarks/README.md).
   The same over the 503 abstracts of ``arxiv_api_responses`` (other papers than the listings,
   never read while the tuple rules were written): a second, held-out sample, written to
   ``--api-sample-out``.
4. ``--checks benchmarks/claims_tuple_checks.jsonl``: the precision of every hand-checked sample
   recorded there (one row per tuple read, with ``correct`` and a note on each error); needs no
   data.

Usage: ``.venv/bin/python benchmarks/claims.py [--data ../shared/data] [--model M.json]
[--classification-only]`` (``--model`` scores with another model file, e.g. the previous one,
to get before / after numbers).
"""

from __future__ import annotations

import argparse
import glob
import json
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from synth.claim_labels import load_biomed, load_cs_dev
from synth.claims import extract_claims, load_model, score_claims, sentence_table
from synth.text import split_sentences
from synth.tuples import extract_tuples


def prf(y: np.ndarray, pred: np.ndarray) -> dict:
    tp = float((pred & (y == 1)).sum())
    p = tp / max(pred.sum(), 1)
    r = tp / max((y == 1).sum(), 1)
    return {"P": round(p, 3), "R": round(r, 3), "F1": round(2 * p * r / max(p + r, 1e-9), 3)}


def _split_rows(dataset: str, split: str, table: pd.DataFrame, model: dict) -> list[dict]:
    y = table["label"].to_numpy()
    n = table.groupby("paper_id")["sentence_index"].transform("max").to_numpy()
    base = table["sentence_index"].to_numpy() >= n - 1
    rows = [
        {"data": dataset, "split": split, "model": "last two sentences (baseline)", **prf(y, base)}
    ]
    for head in ("with_position", "text_only"):
        s = score_claims(table, table["title"], use_position=head == "with_position", model=model)
        pred = s.to_numpy() >= model["thresholds"][head]
        rows.append(
            {
                "data": dataset,
                "split": split,
                "model": head,
                "threshold": model["thresholds"][head],
                **prf(y, pred),
            }
        )
    return rows


def classification_table(
    data: Path, model: dict | None = None, cs_dev: Path = Path("benchmarks/arxiv_claims_dev.jsonl")
) -> pd.DataFrame:
    model = model or load_model()
    rows = []
    for split in ("train", "validation"):
        table = load_biomed(data / "claim_extraction_biomed" / f"{split}_labels.json")
        rows += _split_rows("biomed", split, table, model)
    if cs_dev.is_file():
        dev = load_cs_dev(cs_dev)
        for split in ("tune", "heldout"):
            rows += _split_rows("arxiv_cs_dev", split, dev[dev["split"] == split], model)
    return pd.DataFrame(rows)


def load_arxiv(data: Path) -> pd.DataFrame:
    seen: dict[str, dict] = {}
    for f in sorted(glob.glob(str(data / "arxiv_daily_listings" / "*.jsonl"))):
        for line in Path(f).read_text().splitlines():
            r = json.loads(line)
            seen.setdefault(r["id"], r)
    return pd.DataFrame(
        {
            "paper_id": list(seen),
            "title": [r["title"] for r in seen.values()],
            "abstract": [r["summary"] for r in seen.values()],
        }
    )


def load_arxiv_api(data: Path) -> pd.DataFrame:
    """The entries of the saved arXiv API responses (Atom XML), one row per arXiv id."""
    atom = {"a": "http://www.w3.org/2005/Atom"}
    rows: dict[str, dict] = {}
    for f in sorted(glob.glob(str(data / "arxiv_api_responses" / "*" / "*.xml"))):
        for entry in ET.parse(f).getroot().findall("a:entry", atom):
            paper_id = entry.findtext("a:id", "", atom).rsplit("/", 1)[-1]
            rows.setdefault(
                paper_id,
                {
                    "paper_id": paper_id,
                    "title": " ".join(entry.findtext("a:title", "", atom).split()),
                    "abstract": " ".join(entry.findtext("a:summary", "", atom).split()),
                },
            )
    return pd.DataFrame(list(rows.values()), columns=["paper_id", "title", "abstract"])


def splitter_speed(abstracts: pd.Series) -> dict:
    start = time.perf_counter()
    n = sum(len(split_sentences(a)) for a in abstracts)
    secs = time.perf_counter() - start
    mb = abstracts.str.len().sum() / 1e6
    return {
        "abstracts": len(abstracts),
        "sentences": n,
        "seconds": round(secs, 2),
        "abstracts_per_s": round(len(abstracts) / secs),
        "MB_per_s": round(mb / secs, 2),
    }


def arxiv_tuples(papers: pd.DataFrame, sample_out: Path, n_sample: int = 30, seed: int = 9) -> dict:
    table = sentence_table(papers.assign(sentences=None, full_text=""))
    titles = papers.set_index("paper_id")["title"]
    start = time.perf_counter()
    scores = score_claims(table, titles)
    score_secs = time.perf_counter() - start
    claims = extract_claims(
        table, scores, threshold=load_model()["thresholds"]["with_position"], titles=titles
    )
    tuples = extract_tuples(claims)
    truncated = int((~claims["source_sentence"].isin(set(table["text"]))).sum())
    merged = claims.set_index("claim_id")
    sample = tuples.sample(min(n_sample, len(tuples)), random_state=seed).assign(
        sentence=lambda t: t["claim_id"].map(merged["text"])
    )
    sample_out.write_text(sample.to_json(orient="records", lines=True, force_ascii=False))
    return {
        "sentences": len(table),
        "scoring_seconds": round(score_secs, 2),
        "claims": len(claims),
        "atomic_parts": int(claims["is_atomic_part"].sum()),
        "resolved": int((claims["resolved_subject"] != "").sum()),
        "merged_duplicates": int(claims["merged_from"].str.len().sum()),
        "claims_not_a_source_sentence": truncated,
        "tuples": len(tuples),
        "claims_with_tuple": int(tuples["claim_id"].nunique()),
        "tuples_by_kind": tuples["kind"].value_counts().to_dict(),
        "sample_seed": seed,
    }


def tuple_check_table(path: Path) -> pd.DataFrame:
    """Precision of each hand-checked tuple sample in ``path``, in the order they were read."""
    checks = pd.read_json(path, lines=True, dtype=False)
    table = checks.groupby("sample", sort=False).agg(
        rules=("rules", "first"), checked=("correct", "size"), correct=("correct", "sum")
    )
    total = pd.DataFrame(
        {"rules": [""], "checked": [table["checked"].sum()], "correct": [table["correct"].sum()]},
        index=["all"],
    )
    table = pd.concat([table, total])
    return table.assign(precision=(table["correct"] / table["checked"]).round(3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    ap.add_argument("--sample-out", type=Path, default=Path("benchmarks/claims_tuple_sample.jsonl"))
    ap.add_argument(
        "--api-sample-out", type=Path, default=Path("benchmarks/claims_tuple_sample_api.jsonl")
    )
    ap.add_argument("--model", type=Path, default=None, help="model JSON (default: shipped)")
    ap.add_argument("--cs-dev", type=Path, default=Path("benchmarks/arxiv_claims_dev.jsonl"))
    ap.add_argument("--classification-only", action="store_true")
    ap.add_argument("--tuples-only", action="store_true")
    ap.add_argument(
        "--checks",
        type=Path,
        default=None,
        help="print the precision of the hand checks in this JSONL file and stop",
    )
    ap.add_argument(
        "--sample-seed",
        type=int,
        default=25,
        help="seed of the 30-tuple samples (seeds 12-24 are checked: "
        "benchmarks/claims_tuple_checks.jsonl)",
    )
    args = ap.parse_args()
    if args.checks:
        print(tuple_check_table(args.checks).to_string())
        return
    model = json.loads(args.model.read_text()) if args.model else None
    report = {}
    if not args.tuples_only:
        table = classification_table(args.data, model, args.cs_dev)
        report["classification"] = table.to_dict("records")
        if args.classification_only:
            print(table.to_string(index=False))
            return
    papers = load_arxiv(args.data)
    report["splitter"] = splitter_speed(papers["abstract"])
    report["tuples"] = arxiv_tuples(papers, args.sample_out, seed=args.sample_seed)
    report["tuples_api"] = arxiv_tuples(
        load_arxiv_api(args.data), args.api_sample_out, seed=args.sample_seed
    )
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

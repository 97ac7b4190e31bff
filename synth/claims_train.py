"""Training the claim-sentence model that ships in ``synth/data/claim_model.json``.

``python -m synth.claims_train --scifact DIR --tune BIOMED_TRAIN_LABELS --cs-dev DEV.jsonl``
(run from the repository root).  The command line: labels from ``synth.claim_labels``, fit
and thresholds from ``synth.claim_fit``, the model JSON with its provenance.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from synth.claim_fit import fit_model, tune_thresholds
from synth.claim_labels import (
    WEAK_POSITIVES,
    arxiv_weak_rows,
    build_training_table,
    load_biomed,
    load_cs_dev,
    weak_positives,
)

DATA_DIR = Path(__file__).resolve().parent / "data"


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="Train the claim-sentence model.")
    ap.add_argument("--scifact", type=Path, default=Path("/work/shared/data/scifact"))
    ap.add_argument("--tune", type=Path, default=None, help="biomed train_labels.json")
    ap.add_argument("--out", type=Path, default=DATA_DIR / "claim_model.json")
    ap.add_argument("--results-label", type=int, default=0)
    ap.add_argument("--with-claims", action="store_true")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument(
        "--arxiv",
        type=Path,
        default=Path("/work/shared/data/arxiv_daily_listings"),
        help="arXiv daily listings for weak labels ('' to skip)",
    )
    ap.add_argument("--arxiv-n", type=int, default=3000)
    ap.add_argument("--arxiv-weight", type=float, default=0.1)
    ap.add_argument(
        "--cs-dev",
        type=Path,
        default=Path("benchmarks/arxiv_claims_dev.jsonl"),
        help="hand-labelled arXiv dev set: excluded from weak labels; its tune half "
        "is used for thresholds",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--biomed-tolerance", type=float, default=0.01)
    ap.add_argument(
        "--context-fit",
        choices=("all", "scifact"),
        default="scifact",
        help="rows the second (discourse-context) stage is fitted on",
    )
    ap.add_argument(
        "--weak-positives", default=WEAK_POSITIVES, help="cues that make a weak positive"
    )
    return ap


def uses_arxiv(args: argparse.Namespace) -> bool:
    """Whether weak labels on arXiv abstracts are asked for."""
    return bool(args.arxiv) and str(args.arxiv) not in ("", ".") and args.arxiv_n > 0


def training_rows(args: argparse.Namespace) -> tuple[pd.DataFrame, int, pd.DataFrame | None]:
    """SciFact rows, then the weak arXiv rows; the number of SciFact rows; the CS dev set."""
    table = build_training_table(args.scifact, args.results_label, args.with_claims)
    n_scifact = len(table)
    cs_dev = load_cs_dev(args.cs_dev) if args.cs_dev and args.cs_dev.is_file() else None
    if uses_arxiv(args):
        exclude = set() if cs_dev is None else set(cs_dev["paper_id"])
        weak = arxiv_weak_rows(
            args.arxiv,
            args.arxiv_n,
            exclude,
            args.seed,
            args.arxiv_weight,
            weak_positives(args.weak_positives),
        )
        table = pd.concat([table, pd.DataFrame(weak)], ignore_index=True)
    return table, n_scifact, cs_dev


def provenance(table: pd.DataFrame, n_scifact: int, args: argparse.Namespace) -> str:
    n_weak = len(table) - n_scifact
    return (
        "Trained by synth.claims_train on SciFact (Wadden et al., EMNLP 2020): "
        "claims_train.jsonl (CC BY 4.0) and corpus.jsonl (S2ORC, ODC-By 1.0), "
        f"{n_scifact} sentences, {int(table['label'][:n_scifact].sum())} positive; plus "
        f"{n_weak} cue-labelled sentences (weak labels, weight {args.arxiv_weight}) of "
        f"{args.arxiv_n} seeded arXiv CS abstracts (arXiv metadata, CC0 1.0; seed {args.seed}; "
        "the hand-labelled dev set's papers excluded). Thresholds chosen on the train split of "
        "claim_extraction_biomed and the tune half of benchmarks/arxiv_claims_dev.jsonl "
        "(neither trained on)."
    )


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    table, n_scifact, cs_dev = training_rows(args)
    if uses_arxiv(args):
        weak = table["label"][n_scifact:]
        print(f"arXiv weak labels: {len(weak)} sentences, {sum(weak)} positive")
    model = fit_model(table, n_scifact, args.C, args.context_fit)
    tuning = []
    if args.tune:
        tuning.append(("biomed train", load_biomed(args.tune)))
    if cs_dev is not None:
        tuning.append(("arXiv dev tune half", cs_dev[cs_dev["split"] == "tune"]))
    if tuning:
        for name, (t, f1s) in tune_thresholds(model, tuning, args.biomed_tolerance).items():
            model["thresholds"][name] = t
            print(
                f"{name}: threshold {t}; F1 "
                + ", ".join(f"{label} {f:.3f}" for (label, _), f in zip(tuning, f1s, strict=True))
            )
    model["provenance"] = provenance(table, n_scifact, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, separators=(",", ":")))


if __name__ == "__main__":
    main()

"""The command line of ``python -m synth.verify.train``: fit the shipped claim verifier on
SciFact and write ``synth/data/verify_model*.json`` (``synth.verify.train.fit_verify_model``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from synth.verify import nli_features
from synth.verify.model import model_file, save_model
from synth.verify.train import DATA_DIR, fit_verify_model
from synth.verify.train_data import build_training_set, load_scifact


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Train the shipped claim verifier.")
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data/scifact"))
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="default: synth/data/verify_model.json (_dense with --dense)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument(
        "--dense",
        action="store_true",
        help="train the dense-extra model (MiniLM similarity features)",
    )
    parser.add_argument("--cache-dir", type=Path, default=None, help="embedding / NLI cache")
    parser.add_argument(
        "--nli-folds",
        type=Path,
        default=None,
        help="train the NLI model (verify_model_nli.json): a folder of foldK/ cross-encoders "
        "from `python -m synth.verify.train_nli scifact --fold K`, each claim's sentences "
        "scored by the one that held it out",
    )
    args = parser.parse_args(argv)
    nli = args.nli_folds is not None
    args.out = args.out or DATA_DIR / model_file(args.dense, nli)
    encoder = None
    if args.dense:
        from synth.dense import Encoder

        encoder = Encoder(cache_dir=args.cache_dir)
    papers, claims = load_scifact(args.data)
    docs, texts, pairs, sents, pair_y, sent_y, n_gold = build_training_set(
        papers, claims, args.top_k, encoder
    )
    if nli:
        cache = args.cache_dir / "scifact_nli_oof.parquet" if args.cache_dir else None
        ids = [str(c["id"]) for c in claims]
        sents = nli_features.out_of_fold_scores(ids, texts, docs, sents, args.nli_folds, cache)
    model = fit_verify_model(
        texts,
        docs,
        pairs,
        sents,
        pair_y,
        sent_y,
        n_gold,
        seed=args.seed,
        top_k=args.top_k,
        dense=args.dense,
        nli=nli,
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, args.out)
    print(
        f"wrote {args.out}: threshold={model.threshold:.2f} ece={model.ece:.3f} "
        f"ece_emitted={model.meta['ece_emitted']:.3f} cv_f1={model.meta['cv_label_f1']:.3f}"
    )

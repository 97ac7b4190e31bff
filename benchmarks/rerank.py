"""Does a claim-abstract relevance cross-encoder, trained here on SciFact, lift synth's ranking?

An experiment for issue 17's SciFact target (held-out nDCG@10 >= 0.74), not a shipped
feature. Same queries, split and metric as ``benchmarks/retrieval.py``: the 809 SciFact
training claims, claims at even positions "tune", odd positions "held-out".

1. ``pairs``: training pairs for the cross-encoder, one per (claim, abstract): the cited
   abstracts (label 0, "relevant", written twice) and six uncited ones from synth's lexical
   top 20 (the four best + two seeded others; label 1, "not relevant"). Column ``fold`` is 0
   for held-out claims and 1 for tune claims, so that
   ``python -m synth.verify.train_nli scifact --pairs FILE --fold 0`` trains on the tune half
   and ``--fold 1`` on the held-out half (cross-fitting).
2. ``eval --models A B``: each claim's lexical (or, with ``--dense``, MiniLM-fused) top ``K``
   is scored by the model that never saw the claim (``held_out_claim_ids.json``,
   ``export/model_int8.onnx``); ranking score = score / best score of the query
   + w x P(relevant). w and K are chosen on the tune half, then the held-out half is read
   at that setting.

Usage:
  python benchmarks/rerank.py pairs --data ../shared/data --out pairs.jsonl
  python benchmarks/rerank.py eval --data ../shared/data --models RUN_A RUN_B \
      [--dense --cache-dir D]
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np
import pandas as pd
from retrieval import evaluate

from synth import rerank, screen
from synth.sources.local import load_corpus

WEIGHTS = (0.25, 0.5, 1.0, 2.0, 4.0)
DEPTHS = (10, 20)
HARD, OTHERS, COPIES = 4, 2, 2  # negatives per claim from the top 20; copies of a positive


def load(data: Path) -> tuple[pd.DataFrame, list[dict]]:
    papers = load_corpus(data / "scifact" / "corpus.jsonl").papers
    lines = (data / "scifact" / "claims_train.jsonl").read_text(encoding="utf-8").splitlines()
    return papers, [json.loads(line) for line in lines if line.strip()]


def candidates(papers: pd.DataFrame, claims: list[dict], k: int, encoder=None) -> pd.DataFrame:
    """qid, doc, rank, score, norm (score / the query's best) of each claim's top ``k``."""
    queries = [(str(c["id"]), c["claim"]) for c in claims]
    lines = screen.rank_queries(papers, queries, top=k, encoder=encoder)
    cand = pd.DataFrame([line.split()[:5] for line in lines])
    cand.columns = ["qid", "q0", "doc", "rank", "score"]
    cand = cand.drop(columns="q0").astype({"rank": int, "score": float})
    cand["norm"] = cand["score"] / cand.groupby("qid")["score"].transform("max")
    return cand


def doc_texts(papers: pd.DataFrame) -> dict[str, str]:
    """paper id -> the re-ranker's premise ("title. abstract", ``rerank.paper_texts``)."""
    return dict(zip(papers["paper_id"].astype(str), rerank.paper_texts(papers), strict=True))


def relevance_pairs(papers: pd.DataFrame, claims: list[dict], seed: int = 0) -> pd.DataFrame:
    """The training pairs of step 1 (train_nli's pairs.jsonl columns)."""
    rng = random.Random(seed)
    text = doc_texts(papers)
    top = candidates(papers, claims, 20).groupby("qid")["doc"].agg(list)
    rows = []
    for i, c in enumerate(claims):
        cited = [str(d) for d in c["cited_doc_ids"]]
        negs = [d for d in top.get(str(c["id"]), []) if d not in cited]
        others = rng.sample(negs[HARD:], min(OTHERS, len(negs[HARD:])))
        labelled = [(d, 0) for d in cited for _ in range(COPIES)]
        labelled += [(d, 1) for d in negs[:HARD] + others]
        rows += [
            {"claim_row": i, "claim_id": c["id"], "doc_id": int(d), "premise": text[d],
             "hypothesis": c["claim"], "label": y, "counter": False, "fold": (i + 1) % 2}
            for d, y in labelled
        ]  # fmt: skip
    return pd.DataFrame(rows)


def scored(cand: pd.DataFrame, papers, claims, model_dirs: list[Path], k: int) -> pd.DataFrame:
    """``cand`` (rank <= k) with ``p_rel`` = 1 - P(not relevant), each claim scored by the
    model that held it out."""
    from synth.verify import nli

    text, claim = doc_texts(papers), {str(c["id"]): c["claim"] for c in claims}
    out = []
    for folder in model_dirs:
        held = {str(i) for i in json.loads((folder / "held_out_claim_ids.json").read_text())}
        part = cand[cand["qid"].isin(held) & (cand["rank"] <= k)].copy()
        model = nli.load_nli(folder / "export", threads=2)  # NLI labels: NEUTRAL = not relevant
        for q, group in part.groupby("qid", sort=False):
            texts = [text[d] for d in group["doc"]]
            out.append(group.assign(p_rel=rerank.relevance(model, claim[q], texts)))
    return pd.concat(out, ignore_index=True)


def ndcg(cand: pd.DataFrame, column: str, relevant: dict[str, set[str]]) -> pd.Series:
    """nDCG@10 per query of ``cand`` ranked by ``column`` (ties: first-stage rank)."""
    ranked = cand.sort_values(["qid", column, "rank"], ascending=[True, False, True])
    docs = ranked.groupby("qid", sort=False)["doc"].agg(list)
    scores, _ = evaluate(docs.tolist(), [relevant[q] for q in docs.index])
    return pd.Series(scores, index=docs.index)


def sweep(cand: pd.DataFrame, rel_scores: pd.DataFrame, claims: list[dict]) -> pd.DataFrame:
    """nDCG@10 on tune and held-out of the first-stage ranking and of every (K, w)."""
    relevant = {str(c["id"]): {str(d) for d in c["cited_doc_ids"]} for c in claims}
    tune_ids = {str(c["id"]) for i, c in enumerate(claims) if i % 2 == 0}
    merged = cand.merge(rel_scores[["qid", "doc", "p_rel"]], on=["qid", "doc"], how="left")
    rows = []
    settings = [("first stage", 0, 0.0)] + [
        (f"rerank top {k}, w {w}", k, w) for k in DEPTHS for w in WEIGHTS
    ]
    for name, k, w in settings:
        inside = merged["rank"] <= k
        score = merged["norm"] + np.where(inside, w * merged["p_rel"].fillna(0.0), 0.0)
        per_query = ndcg(
            merged.assign(f=np.where(inside | (k == 0), score, score - 1e6)), "f", relevant
        )
        tune = per_query.index.isin(tune_ids)
        rows.append({"setting": name, "K": k, "w": w, "tune": per_query[tune].mean(),
                     "held-out": per_query[~tune].mean()})  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("step", choices=["pairs", "eval"])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, help="pairs: the JSONL file to write")
    parser.add_argument("--models", type=Path, nargs="+", help="eval: cross-fitted run folders")
    parser.add_argument("--dense", action="store_true", help="eval: MiniLM-fused first stage")
    parser.add_argument("--cache-dir", type=Path, help="embedding cache for --dense")
    args = parser.parse_args()
    papers, claims = load(args.data)
    if args.step == "pairs":
        pairs = relevance_pairs(papers, claims)
        pairs.to_json(args.out, orient="records", lines=True, force_ascii=False)
        print(pairs.groupby(["fold", "label"]).size().to_string())
        return
    encoder = None
    if args.dense:
        from synth.dense import Encoder

        encoder = Encoder(cache_dir=args.cache_dir)
    t0 = time.perf_counter()
    cand = candidates(papers, claims, max(DEPTHS), encoder)
    rel_scores = scored(cand, papers, claims, args.models, max(DEPTHS))
    table = sweep(cand, rel_scores, claims)
    best = table.iloc[1:].sort_values("tune", ascending=False).iloc[0]
    print(table.round(4).to_string(index=False))
    first, took = table.iloc[0]["held-out"], time.perf_counter() - t0
    print(
        f"\nchosen on tune: {best['setting']} -> held-out nDCG@10 {best['held-out']:.4f} "
        f"(first stage {first:.4f}); {took:.0f} s"
    )


if __name__ == "__main__":
    main()

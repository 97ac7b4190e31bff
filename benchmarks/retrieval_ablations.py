"""What else was tried on SciFact retrieval, and what it changed (dense extra needed).

    python benchmarks/retrieval_ablations.py [--data ../shared/data] [--cache-dir DIR]

Each row re-ranks the 809 SciFact training claims against the 5,183 abstracts with one change
to the shipped ranking (``screen.score_queries`` + ``screen.fuse_dense``) and reports nDCG@10
on the tune half (even claims; the only half any setting was chosen on) and the held-out half
(odd claims), as in ``benchmarks/retrieval.py``.  The first row recomputes the shipped
ranking from the same matrices and must match that benchmark.  Embeddings come from
``synth.dense.Encoder``: point ``--cache-dir`` at the cache ``retrieval.py --dense`` filled,
or the corpus and its sentences are encoded first (~20 min on 2 cores).
Data credit: SciFact, claims CC BY 4.0, abstracts (S2ORC) ODC-By 1.0.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

from synth import dense, screen
from synth.index import build_bm25
from synth.search import extract_key_terms, weighted_query
from synth.sources.local import load_corpus
from synth.text import tokenize

sys.path.insert(0, str(Path(__file__).resolve().parent))
from retrieval import evaluate


def _bigrams(text: str) -> list[str]:
    toks = tokenize(text)
    return [f"{a}_{b}" for a, b in itertools.pairwise(toks)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    from synth.dense import Encoder

    data = args.data / "scifact"
    papers = load_corpus(data / "corpus.jsonl").papers
    lines = (data / "claims_train.jsonl").read_text(encoding="utf-8").splitlines()
    claims = [json.loads(line) for line in lines if line.strip()]
    relevant = [{str(d) for d in c["cited_doc_ids"]} for c in claims]
    ids = papers["paper_id"].to_numpy()
    tune = np.arange(len(claims)) % 2 == 0
    weighted = [weighted_query(extract_key_terms(c["claim"])) for c in claims]
    texts = screen._doc_texts(papers)

    enc = Encoder(cache_dir=args.cache_dir)
    q_vecs = enc.encode([c["claim"] for c in claims])
    doc_vecs = enc.encode(texts)
    cos = q_vecs @ doc_vecs.T
    sents = screen._sentences(papers)
    starts = np.concatenate([[0], np.cumsum([len(s) for s in sents])[:-1]])
    best_sentence = np.maximum.reduceat(
        q_vecs @ enc.encode([s for g in sents for s in g]).T, starts, axis=1
    )

    def fused(lex, dense_cos=cos, top=screen.DENSE_TOP, extra=0.0):
        """fuse_dense's ranking: lexical top ``top`` re-scored, the rest below them."""
        k = np.argpartition(-lex, top - 1, axis=1)[:, :top]
        pool = np.zeros(lex.shape, bool)
        np.put_along_axis(pool, k, True, 1)
        score = (
            lex / lex.max(axis=1, keepdims=True)
            + dense.DENSE_WEIGHT * np.maximum(dense_cos, 0)
            + dense.DENSE_SENTENCE_WEIGHT * np.maximum(best_sentence, 0)
            + extra
        )
        return np.where(pool & (lex > 0), score, -100 + lex)

    def row(name, score):
        order = np.argsort(-score, axis=1, kind="stable")[:, :100]
        ndcg, recall = evaluate([list(ids[o]) for o in order], relevant)
        print(
            f"| {name} | {ndcg[tune].mean():.4f} | {ndcg[~tune].mean():.4f} | "
            f"{recall.mean():.3f} |",
            flush=True,
        )

    print("| variant | tune nDCG@10 | held-out nDCG@10 | R@100 |\n|---|---|---|---|")
    lex = screen.score_queries(papers, weighted)
    row("shipped: BM25 k1 1.2 b 0.75 + title + coverage, MiniLM fusion of the top 200", fused(lex))
    row("lexical only (default install)", lex)
    for k1, b in ((0.9, 0.4), (1.5, 0.75), (1.2, 0.5), (1.2, 0.9)):
        other = screen.score_queries(papers, weighted, index=build_bm25(texts, k1=k1, b=b))
        row(f"BM25 k1 {k1} b {b}, fused", fused(other))
    for top in (500, 1000):
        row(f"dense re-scores the lexical top {top}", fused(lex, top=top))
    first = fused(lex)
    for k, beta in ((1, 0.5), (3, 0.5), (10, 0.5), (3, 1.0)):  # Rocchio on the query embedding
        centroid = doc_vecs[np.argsort(-first, axis=1)[:, :k]].mean(axis=1)
        q2 = q_vecs + beta * centroid
        q2 /= np.linalg.norm(q2, axis=1, keepdims=True)
        row(f"dense pseudo-relevance feedback: top {k}, beta {beta}", fused(lex, q2 @ doc_vecs.T))
    bigram = build_bm25(texts, analyzer=_bigrams).score([c["claim"] for c in claims])
    for w in (0.1, 0.3):
        row(f"+ {w} x BM25 over word bigrams (phrase field)", fused(lex + w * bigram))


if __name__ == "__main__":
    main()

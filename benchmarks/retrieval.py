"""How good is synth's ranking, on data nobody here wrote?

1. SciFact (BEIR): the 809 training claims as queries, their ``cited_doc_ids`` as relevant,
   the 5,183-abstract corpus.  nDCG@10 and Recall@100 on all claims and on a fixed split:
   claims at even positions ("tune", the only ones any setting was chosen on) and at odd
   positions ("held-out").  synth ranks through ``screen.rank_queries``, the code behind
   ``synth rank`` and the screen stage; peers in the same run: rank-bm25 (BM25Okapi) and
   TF-IDF cosine (scikit-learn).  Each system runs in a forked child: wall and CPU time for
   index + all queries, and its peak resident memory above the child's start.
2. arXiv listings sample (15,909 unique papers): the top 10 of the screen stage
   (``inclusion.screen_question``, as the stage runs it) for a few questions, for a hand check.

Usage: python benchmarks/retrieval.py [--dense] [--data ../shared/data] [--skip-arxiv]
(``--dense`` adds synth + MiniLM fusion; needs the ``dense`` extra).
"""

from __future__ import annotations

import argparse
import glob
import json
import multiprocessing as mp
import resource
import time
from pathlib import Path

import numpy as np
import pandas as pd

from synth import inclusion, screen
from synth.config import SEED_QUESTION
from synth.dense import Encoder
from synth.sources import dedupe_papers, make_papers
from synth.sources.local import load_corpus
from synth.text import tokenize

QUESTIONS = [
    SEED_QUESTION,
    (
        "How well do instruction-following retrieval models such as FollowIR and Promptriever "
        "follow instructions in the query?"
    ),
    "Does retrieval-augmented generation reduce hallucination in large language models?",
    "How do video diffusion models keep temporal consistency in text-to-video generation?",
]


def _rss_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def _run_child(system, papers, queries, conn) -> None:
    start_rss = _rss_kb("VmRSS:")
    t0, c0 = time.perf_counter(), time.process_time()
    ranked = system(papers, queries)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = max(_rss_kb("VmHWM:"), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    conn.send((ranked, wall, cpu, (peak - start_rss) / 1024))
    conn.close()


def run_system(system, papers, queries):
    """(ranked doc ids per query, wall s, cpu s, peak MB) of ``system`` run in a forked child."""
    parent, child = mp.get_context("fork").Pipe(duplex=False)
    proc = mp.get_context("fork").Process(target=_run_child, args=(system, papers, queries, child))
    proc.start()
    out = parent.recv()
    proc.join()
    return out


def _top(scores: np.ndarray, ids: np.ndarray, k: int = 100) -> list[list[str]]:
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return [list(ids[row]) for row in order]


def synth_system(encoder=None, rerank: bool = False):
    def rank(papers, queries):
        reranker = None
        if rerank:
            from synth.rerank import load_reranker

            reranker = load_reranker()
        lines = screen.rank_queries(papers, queries, top=100, encoder=encoder, reranker=reranker)
        out: dict[str, list[str]] = {qid: [] for qid, _ in queries}
        for line in lines:
            qid, _, doc, *_ = line.split()
            out[qid].append(doc)
        return [out[qid] for qid, _ in queries]

    return rank


def rank_bm25_system(papers, queries):
    from rank_bm25 import BM25Okapi

    bm25 = BM25Okapi([tokenize(t) for t in screen._doc_texts(papers)])
    scores = np.stack([bm25.get_scores(tokenize(q)) for _, q in queries])
    return _top(scores, papers["paper_id"].to_numpy())


def tfidf_system(papers, queries):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    docs = vec.fit_transform(screen._doc_texts(papers))
    scores = (vec.transform([q for _, q in queries]) @ docs.T).toarray()
    return _top(scores, papers["paper_id"].to_numpy())


def evaluate(ranked: list[list[str]], relevant: list[set[str]]) -> tuple[np.ndarray, np.ndarray]:
    """Per-query nDCG@10 (binary gains) and Recall@100."""
    ndcg, recall = [], []
    for docs, rel in zip(ranked, relevant, strict=True):
        dcg = sum(1 / np.log2(i + 2) for i, d in enumerate(docs[:10]) if d in rel)
        ideal = sum(1 / np.log2(i + 2) for i in range(min(10, len(rel))))
        ndcg.append(dcg / ideal)
        recall.append(len(rel & set(docs[:100])) / len(rel))
    return np.array(ndcg), np.array(recall)


def bench_scifact(
    data: Path, dense: bool, cache_dir: Path | None = None, rerank: bool = False
) -> pd.DataFrame:
    papers = load_corpus(data / "scifact" / "corpus.jsonl").papers
    lines = (data / "scifact" / "claims_train.jsonl").read_text(encoding="utf-8").splitlines()
    claims = [json.loads(line) for line in lines if line.strip()]
    queries = [(str(c["id"]), c["claim"]) for c in claims]
    relevant = [{str(d) for d in c["cited_doc_ids"]} for c in claims]
    systems = {
        "rank-bm25 (BM25Okapi, synth tokens)": rank_bm25_system,
        "TF-IDF cosine (sklearn)": tfidf_system,
        "synth (BM25 + title field)": synth_system(),
    }
    if dense:
        from synth.dense import Encoder

        systems["synth + MiniLM fusion (dense extra)"] = synth_system(Encoder(cache_dir=cache_dir))
    if rerank:
        systems["synth + relevance re-ranker (trained on tune)"] = synth_system(rerank=True)
    if rerank and dense:
        encoder = Encoder(cache_dir=cache_dir)
        systems["synth + MiniLM + re-ranker (trained on tune)"] = synth_system(encoder, rerank=True)
    rows = []
    tune = np.arange(len(claims)) % 2 == 0
    for name, system in systems.items():
        ranked, wall, cpu, peak = run_system(system, papers, queries)
        ndcg, recall = evaluate(ranked, relevant)
        rows.append(
            {
                "system": name,
                "nDCG@10 all": ndcg.mean(),
                "nDCG@10 tune": ndcg[tune].mean(),
                "nDCG@10 held-out": ndcg[~tune].mean(),
                "R@100 all": recall.mean(),
                "R@100 held-out": recall[~tune].mean(),
                "wall s": wall,
                "cpu s": cpu,
                "peak MB": peak,
            }
        )
        print(pd.DataFrame(rows[-1:]).round(3).to_string(index=False), flush=True)
    return pd.DataFrame(rows).round(3)


def load_arxiv(data: Path) -> pd.DataFrame:
    rows = []
    for path in sorted(glob.glob(str(data / "arxiv_daily_listings" / "*.jsonl"))):
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            r = json.loads(line)
            rows.append(
                {
                    "paper_id": r["id"],
                    "title": r["title"],
                    "abstract": r["summary"] or "",
                    "authors": "; ".join(r.get("authors") or []),
                }
            )
    return dedupe_papers(make_papers(rows))[0]


def bench_arxiv(data: Path, encoder=None) -> None:
    t0 = time.perf_counter()
    papers = load_arxiv(data)
    print(
        f"\narXiv listings sample: {len(papers)} unique papers (loaded in "
        f"{time.perf_counter() - t0:.1f}s)"
    )
    papers = papers.reset_index(drop=True)
    indexes = screen.build_indexes(papers)
    titles = encoder or Encoder()
    for question in QUESTIONS:
        t0, c0 = time.perf_counter(), time.process_time()
        screened = inclusion.screen_question(question, papers, indexes, encoder=titles)
        took, cpu = time.perf_counter() - t0, time.process_time() - c0
        print(
            f"\nQ: {question}\n   screened {len(papers)} papers in {took:.1f}s ({cpu:.1f}s CPU); "
            f"included {int(screened['included'].sum())}; {screened.attrs['coverage']['level']}"
        )
        for row in screened.head(10).itertuples():
            mark = "in " if row.included else "out"
            print(f"  {row.rank:2d} {mark} {row.relevance:.2f} {row.paper_id} {row.title[:95]}")


def dense_encoder(args):
    from synth.dense import Encoder

    return Encoder(cache_dir=args.cache_dir)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    parser.add_argument("--dense", action="store_true", help="add synth + MiniLM (dense extra)")
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="embedding cache for --dense (encode the corpus once, reuse it)",
    )
    parser.add_argument(
        "--rerank", action="store_true", help="add synth + the relevance cross-encoder (top 20)"
    )
    parser.add_argument("--skip-arxiv", action="store_true")
    parser.add_argument("--skip-scifact", action="store_true")
    args = parser.parse_args()
    if not args.skip_scifact:
        table = bench_scifact(args.data, args.dense, args.cache_dir, args.rerank)
        print("\n" + table.to_string(index=False))
    if not args.skip_arxiv:
        bench_arxiv(args.data, dense_encoder(args) if args.dense else None)


if __name__ == "__main__":
    main()

"""Issue 19: could bm25s hold the persistent index instead of synth.index's own arrays?

On the 15.9k listings, with synth's tokenisation given to both: build time, and for the 20
screening dev questions (each term once, weight 1) whether bm25s' "lucene" scores equal
synth.index's divided by (k1 + 1) and give the same top 100. Also what bm25s does with a
repeated query term (synth keeps one, at its largest weight). Needs ``pip install bm25s``.

    python benchmarks/index_bm25s.py
"""

from __future__ import annotations

import json
import time

import bm25s
import numpy as np
from pipeline import LISTINGS, ROOT

from synth.index import build_bm25, tokenize
from synth.screen import _doc_texts
from synth.sources.local import load_corpus


def main() -> None:
    papers = load_corpus(LISTINGS).papers
    texts = _doc_texts(papers)
    start = time.perf_counter()
    ours = build_bm25(texts)
    ours_s = time.perf_counter() - start
    start = time.perf_counter()
    tokens = [tokenize(t) for t in texts]
    tokenize_s = time.perf_counter() - start
    theirs = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    start = time.perf_counter()
    theirs.index(tokens, show_progress=False)
    bm25s_s = time.perf_counter() - start
    dev = ROOT / "benchmarks" / "screen_dev.jsonl"
    questions = [json.loads(line)["question"] for line in dev.read_text().splitlines()]
    ids = papers["paper_id"].to_numpy()
    same_top, worst = 0, 0.0
    for question in questions:
        terms = [t for t in dict.fromkeys(tokenize(question)) if t in ours.vocabulary]
        cols = [ours.vocabulary[t] for t in terms]
        a = np.asarray(ours.weights[:, cols].sum(axis=1)).ravel() / 2.2
        b = theirs.get_scores(terms)
        worst = max(worst, float(np.abs(a - b).max() / max(float(b.max()), 1e-9)))
        top_a = ids[np.lexsort((ids, -a))][:100]
        top_b = ids[np.lexsort((ids, -b))][:100]
        same_top += bool((top_a == top_b).all())
    repeated = float(theirs.get_scores(["video", "retriev", "video"]).max())
    once = float(theirs.get_scores(["video", "retriev"]).max())
    result = {
        "bm25s": bm25s.__version__,
        "papers": len(papers),
        "synth_build_s": round(ours_s, 2),
        "tokenize_for_bm25s_s": round(tokenize_s, 2),
        "bm25s_index_s": round(bm25s_s, 2),
        "questions": len(questions),
        "same_top100": same_top,
        "max_relative_difference": worst,
        "repeated_term_best_score": round(repeated, 3),
        "term_once_best_score": round(once, 3),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

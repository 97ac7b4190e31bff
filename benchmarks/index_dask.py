"""Issue 19, dense side: MiniLM embeddings of a slice of the listings, in process (one
encoder, 2 threads) and on a Dask LocalCluster of 2 single-threaded workers; throughput of
each and the largest difference between their embeddings. Needs the ``dense`` and
``cluster`` extras.

    python benchmarks/index_dask.py --records 10000
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
from pipeline import LISTINGS

from synth.dense import Encoder
from synth.index import document_texts
from synth.sources.local import load_corpus
from synth.store.embed import connect, encode_dask


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000, help="papers in the slice")
    parser.add_argument("--workers", type=int, default=2, help="Dask workers")
    parser.add_argument("--partition", type=int, default=250, help="papers per Dask task")
    args = parser.parse_args()
    papers = load_corpus(LISTINGS).papers.head(args.records)
    texts = document_texts(papers["title"], papers["abstract"])
    start = time.perf_counter()
    local = Encoder(threads=2)._run(texts)
    local_s = time.perf_counter() - start
    start = time.perf_counter()
    client = connect(workers=args.workers)
    startup_s = time.perf_counter() - start
    try:
        start = time.perf_counter()
        remote = encode_dask(texts, client, args.partition)
        dask_s = time.perf_counter() - start
    finally:
        client.close()
    result = {
        "records": len(texts),
        "in_process_s": round(local_s, 1),
        "in_process_per_s": round(len(texts) / local_s, 1),
        "cluster_start_s": round(startup_s, 1),
        "dask_workers": args.workers,
        "dask_s": round(dask_s, 1),
        "dask_per_s": round(len(texts) / dask_s, 1),
        "max_abs_difference": float(np.abs(local - remote).max()),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()

"""The dense side of a persistent index: MiniLM embeddings (``synth.dense``) of every paper,
one ``embeddings.npy`` (papers x 384, float32, the segment's row order) per segment.

Encoding all of arXiv is where one machine stops being enough (~150-200 texts/s on 2 cores:
days), so partitions of a segment are encoded by Dask workers (``dask.distributed``): a
``LocalCluster`` on one machine, or the scheduler address of a real cluster. Each worker
loads the encoder once and keeps it on the worker object. Needs the ``dense`` and ``cluster``
extras.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from synth.errors import InputError
from synth.index import document_texts
from synth.io import atomic_path
from synth.store.build import read_manifest
from synth.store.segment import Segment

EMBEDDINGS = "embeddings.npy"


def _worker_encoder(threads: int):
    """The calling Dask worker's encoder, created on first use."""
    from distributed import get_worker

    from synth.dense import Encoder

    worker = get_worker()
    encoder = getattr(worker, "_synth_encoder", None)
    if encoder is None:
        encoder = Encoder(threads=threads)
        worker._synth_encoder = encoder
    return encoder


def encode_partition(texts: list[str], threads: int = 1) -> np.ndarray:
    """(texts x 384) embeddings of one partition, on a Dask worker (not cached: every text
    of an index is seen once)."""
    return _worker_encoder(threads)._run(list(texts))


def encode_dask(
    texts: Sequence[str], client: object, partition: int = 1000, threads: int = 1
) -> np.ndarray:
    """Embeddings of ``texts`` in order, partitions of ``partition`` texts encoded by the
    workers of ``client`` (a ``distributed.Client``)."""
    parts = [list(texts[i : i + partition]) for i in range(0, len(texts), partition)]
    if not parts:
        return np.zeros((0, 384), dtype=np.float32)
    futures = client.map(encode_partition, parts, threads=threads, pure=False)
    return np.concatenate(client.gather(futures)).astype(np.float32, copy=False)


def connect(scheduler: str = "", workers: int = 2):
    """A ``distributed.Client``: to ``scheduler`` (``tcp://host:8786``) when given, else to a
    new ``LocalCluster`` of ``workers`` single-threaded worker processes."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "index embed: Dask is not installed (expected the 'cluster' extra: "
            "pip install -e '.[dense,cluster]')"
        ) from None
    if scheduler:
        return Client(scheduler)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)
    return Client(cluster)


def embed_index(
    root: str | Path,
    client: object,
    partition: int = 1000,
    log: Callable[[str], None] = lambda s: None,
) -> list[str]:
    """Write ``embeddings.npy`` into every segment of the index that has none (deleted
    papers included, so rows stay aligned); returns the segments encoded."""
    from synth.dense import available

    if not available():
        raise InputError(
            "index embed: the dense encoder is not installed "
            "(expected the 'dense' extra: pip install -e '.[dense]')"
        )
    root = Path(root).expanduser().resolve()
    done = []
    for entry in read_manifest(root)["segments"]:
        folder = root / entry["name"]
        if (folder / EMBEDDINGS).is_file():
            continue
        papers = Segment(folder, entry["docs"]).papers(np.arange(entry["docs"]))
        texts = document_texts(papers["title"], papers["abstract"])
        vectors = encode_dask(texts, client, partition)
        with atomic_path(folder / EMBEDDINGS) as tmp, open(tmp, "wb") as handle:
            np.save(handle, vectors)
        log(f"{entry['name']}: {len(texts)} embeddings")
        done.append(entry["name"])
    return done

"""The dense side of the index: Dask workers (a LocalCluster) encode a slice of papers into
the same embeddings as the in-process encoder."""

from __future__ import annotations

import numpy as np
import pytest

from synth import dense
from synth.index import document_texts
from synth.sources.local import SAMPLE_FILE, load_corpus
from synth.store.build import build_index
from synth.store.segment import Segment

pytestmark = pytest.mark.skipif(not dense.available(), reason="needs the 'dense' extra")
distributed = pytest.importorskip("distributed", reason="needs the 'cluster' extra")


@pytest.mark.slow
def test_local_cluster_embeddings_equal_the_in_process_encoder(tmp_path):
    from synth.store.embed import EMBEDDINGS, connect, embed_index

    papers = load_corpus(SAMPLE_FILE).papers.head(48)
    corpus = tmp_path / "slice.jsonl"
    papers[["paper_id", "title", "abstract"]].to_json(corpus, orient="records", lines=True)
    build_index(corpus, tmp_path / "idx", segment_docs=30, progress=False)
    client = connect(workers=2)
    try:
        assert len(client.scheduler_info()["workers"]) == 2
        assert embed_index(tmp_path / "idx", client, partition=8) == ["seg-00000", "seg-00001"]
        assert embed_index(tmp_path / "idx", client) == []  # done already: nothing to do
    finally:
        client.close()
    local = dense.Encoder()
    for name, size in (("seg-00000", 30), ("seg-00001", 18)):
        vectors = np.load(tmp_path / "idx" / name / EMBEDDINGS)
        rows = Segment(tmp_path / "idx" / name, size).papers(np.arange(size))
        expected = local.encode(document_texts(rows["title"], rows["abstract"]))
        assert vectors.shape == (size, 384) and vectors.dtype == np.float32
        np.testing.assert_allclose(vectors, expected, atol=1e-5)
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)

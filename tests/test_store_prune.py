"""Per-paper pruning of index searches (synth.store.prune): the bounds are upper bounds, the
helpers find the right rows, and searches return exactly the in-memory ranking for many
queries, depths, weights and filters, split in segments or compacted."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from synth import screen, search
from synth.index import query_terms
from synth.sources.local import SAMPLE_FILE, load_corpus
from synth.store import prune
from synth.store.build import build_index
from synth.store.compact import compact_index
from synth.store.filters import Filters
from synth.store.query import open_index


def test_subset_sums_and_bounds_by_bits():
    values = np.arange(1.0, 21.0)  # 20 terms: both tables used
    low, high = prune.subset_sums(values)
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 1 << 20, 500).astype(np.uint32)
    want = [sum(values[i] for i in range(20) if b >> i & 1) for b in bits.tolist()]
    assert np.allclose(low[bits & 0xFFFF] + high[bits >> 16], want)
    for n in (5, 20):  # one table, and two
        b, q = rng.random(n) * 5, rng.random(n)
        bounds = prune.Bounds(b.tolist(), q.tolist(), 0.5)
        some = bits & np.uint32((1 << n) - 1)
        held = [[i for i in range(n) if x >> i & 1] for x in some.tolist()]
        want = [b[h].sum() * (0.5 + 0.5 * q[h].sum() / q.sum()) for h in held]
        got = bounds.of(some)
        assert np.all(got >= np.array(want)) and np.allclose(got, want, rtol=2e-3)
    assert prune.Bounds([2.0, 1.0], [1.0, 1.0], 0.0).of(np.array([3], np.uint32))[0] == 3.0


def test_essential_terms_are_those_the_rest_cannot_replace():
    bounds = prune.Bounds([8.0, 4.0, 2.0, 1.0], [1.0] * 4, 0.0)
    assert prune.essential_count(bounds, 4, 3.5) == 2  # 2 + 1 < 3.5 <= 4 + 2 + 1
    assert prune.essential_count(bounds, 4, 0.5) == 4
    assert prune.essential_count(bounds, 4, 100.0) == 0


def test_rows_holding_terms_are_found_from_either_side():
    docs = np.array([1, 4, 5, 9, 12], dtype=np.int32)
    for candidates in ([0, 4, 9, 13], [4], list(range(20))):
        got = prune.holding(docs, np.array(candidates), 20)
        assert got.tolist() == [c in docs for c in candidates]
    assert prune.holding(docs[:0], np.array([1, 2]), 20).tolist() == [False, False]
    rng = np.random.default_rng(1)
    docs = np.sort(rng.choice(100_000, 30_000, replace=False)).astype(np.int32)
    for count in (100, 20_000, 90_000):  # binary search, then one pass over the postings
        candidates = np.sort(rng.choice(100_000, count, replace=False))
        got = prune.holding(docs, candidates, 100_000)
        assert np.array_equal(got, np.isin(candidates, docs))
    postings = [np.array([3, 7]), np.array([1, 3]), np.array([], dtype=np.int64)]
    for size in (10, 1000):  # a scan of every row, or a sort of the postings
        rows, bits = prune.held_bits(postings, size)
        assert rows.tolist() == [1, 3, 7] and bits.tolist() == [2, 3, 1]
    assert prune.held_bits([], 10)[0].tolist() == []


@pytest.fixture(scope="module")
def sample_indexes(tmp_path_factory):
    """The 2,000-paper sample: the papers, an index of 4 segments and a compacted copy."""
    root = tmp_path_factory.mktemp("prune")
    build_index(SAMPLE_FILE, root / "split", segment_docs=500, progress=False)
    build_index(SAMPLE_FILE, root / "whole", segment_docs=500, progress=False)
    compact_index(root / "whole")
    return load_corpus(SAMPLE_FILE).papers, open_index(root / "split"), open_index(root / "whole")


def _expected(papers, query, top, keep=None, scores=None, **weights):
    """The in-memory ranking's ids and scores (``scores``: of every paper, if known)."""
    if scores is None:
        scores = screen.score_queries(papers, [query], **weights)[0]
    ids = papers["paper_id"].to_numpy()
    order = np.lexsort((ids, -scores))
    order = order[(scores[order] > 0) & (keep[order] if keep is not None else True)][:top]
    return list(ids[order]), scores[order]


def test_pruned_searches_equal_the_whole_ranking(sample_indexes):
    papers, split, whole = sample_indexes
    titles = papers["title"].iloc[::97].tolist()  # 21 questions of every kind of length
    questions = [*titles, "a", "the neural network model method results", " ".join(titles[:4])]
    indexes = screen.build_indexes(papers)
    pruned, cases = 0, 0
    for question in questions:
        query = search.weighted_query(search.extract_key_terms(question))
        every = screen.score_queries(papers, [query], index=indexes[0], title_index=indexes[1])[0]
        for top, reader in itertools.product((1, 10, 100), (split, whole)):
            ids, scores = _expected(papers, query, top, scores=every)
            hits = reader.search(query, top)
            assert hits.ids == ids, (question, top)
            assert np.array_equal(hits.scores, scores)
            pruned += hits.matched < int((every > 0).sum())
            cases += 1
    assert pruned > cases // 2  # most searches scored only some of the matching papers


def test_pruned_searches_with_other_weights_and_filters(sample_indexes):
    papers, split, whole = sample_indexes
    question = "graph neural networks for molecules and proteins"
    query = search.weighted_query(search.extract_key_terms(question))
    settings = [
        {"title_weight": 1.0},
        {"coverage_weight": 0.0},
        {"coverage_weight": 1.0, "title_weight": 2.0},
        {"title_weight": 0.5},  # no pruning bounds: everything is scored
    ]
    for weights in settings:
        ids, scores = _expected(papers, query, 20, **weights)
        for reader in (split, whole):
            hits = reader.search(query, 20, **weights)
            assert hits.ids == ids and np.array_equal(hits.scores, scores), weights
    filters = Filters.parse("cs.LG cs.CV", "2025-")
    keep = filters.category_mask(papers["categories"]) & filters.year_mask(
        papers["year"].fillna(0).astype(int).to_numpy()
    )
    ids, scores = _expected(papers, query, 15, keep)
    for reader in (split, whole):
        hits = reader.search(query, 15, filters)
        assert hits.ids == ids and np.array_equal(hits.scores, scores)


def test_a_query_of_more_terms_than_bits_is_still_exact(sample_indexes):
    papers, split, _ = sample_indexes
    words = " ".join(papers["abstract"].iloc[3].split()[:120])  # well over 32 distinct terms
    query = search.weighted_query(search.extract_key_terms(words)) | {words: 1.0}
    assert len(query_terms(query)) > prune.MAX_TERMS
    ids, scores = _expected(papers, query, 10)
    hits = split.search(query, 10)
    assert hits.ids == ids and np.array_equal(hits.scores, scores)


def test_a_seed_from_few_postings_grows_until_it_has_enough_papers(sample_indexes, monkeypatch):
    papers, split, whole = sample_indexes
    monkeypatch.setattr(prune, "SEED_POSTINGS", 1)  # the rarest term alone, then more
    indexes = screen.build_indexes(papers)
    for question in papers["title"].iloc[5:400:40]:
        query = search.weighted_query(search.extract_key_terms(question))
        every = screen.score_queries(papers, [query], index=indexes[0], title_index=indexes[1])[0]
        ids, scores = _expected(papers, query, 50, scores=every)
        for reader in (split, whole):
            hits = reader.search(query, 50)
            assert hits.ids == ids and np.array_equal(hits.scores, scores)


def test_rows_are_found_in_postings_of_a_narrower_type():
    docs = np.array([2, 5, 9], dtype=np.int32)
    at, hit = prune.find(docs, np.array([0, 5, 9, 11], dtype=np.int64))
    assert hit.tolist() == [False, True, True, False] and at[hit].tolist() == [1, 2]


def test_searches_stay_exact_on_the_paths_taken_for_many_candidates(sample_indexes, monkeypatch):
    papers, split, whole = sample_indexes
    monkeypatch.setattr(prune, "DENSE", 1)  # full-size bit arrays, one pass per term
    monkeypatch.setattr(prune, "POOL", 1)  # a seed of few completed papers: a low threshold
    indexes = screen.build_indexes(papers)
    for question in [*papers["title"].iloc[7:400:50], "the neural network model method results"]:
        query = search.weighted_query(search.extract_key_terms(question))
        every = screen.score_queries(papers, [query], index=indexes[0], title_index=indexes[1])[0]
        for top, reader in itertools.product((1, 30), (split, whole)):
            ids, scores = _expected(papers, query, top, scores=every)
            hits = reader.search(query, top)
            assert hits.ids == ids and np.array_equal(hits.scores, scores), (question, top)

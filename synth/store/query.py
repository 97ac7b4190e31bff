"""Search a persistent index: the segments merged at query time, scored as one collection.

A query touches only the postings of its own terms. From them ``IndexReader`` builds the
query's slice of the collection (the live papers holding a query term, passing the filters)
as ``synth.index.BM25Index`` objects whose weights use the whole index's idf and mean
lengths, and scores it with ``synth.screen.lexical_scores``: the same arithmetic, in the same
order, as ranking the whole corpus in memory, so the same papers come out in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from synth.index import BM25Index, average_length, bm25_idf, bm25_weight, query_terms
from synth.store import prune
from synth.store.build import read_manifest
from synth.store.filters import Filters
from synth.store.segment import FIELDS, Segment

REFINE = 16  # with more candidates than REFINE x top, the REFINE / 2 x top of highest bound
# are scored first for a higher threshold
TITLE_WEIGHT = 1.25  # synth.screen.TITLE_WEIGHT (not imported: screen pulls in matplotlib)


@dataclass(frozen=True)
class Hits:
    """Search results, best first: each paper's segment, row, id and score."""

    segments: np.ndarray
    rows: np.ndarray
    ids: list[str]
    scores: np.ndarray
    matched: int  # papers scored: holding a query term, passing the filters, able to reach the top


class IndexReader:
    """An index folder opened for searching (``open_index``)."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.manifest = read_manifest(self.root)
        self.k1, self.b = float(self.manifest["k1"]), float(self.manifest["b"])
        entries = self.manifest["segments"]
        self.segments = [Segment(self.root / s["name"], int(s["docs"])) for s in entries]
        self.live = [
            ~np.load(self.root / s["name"] / s["deleted"])
            if s["deleted"]
            else np.ones(int(s["docs"]), dtype=bool)
            for s in entries
        ]
        self.n_docs = int(sum(int(m.sum()) for m in self.live))
        self._masks: dict[Filters, list[np.ndarray]] = {}

    @cached_property
    def avg_length(self) -> dict[str, float]:
        """Mean token count of the live papers, per field (as ``build_bm25`` computes it)."""
        out = {}
        for field in FIELDS:
            parts = [
                np.asarray(s.field(field).length)[m]
                for s, m in zip(self.segments, self.live, strict=True)
            ]
            out[field] = average_length(np.concatenate(parts) if parts else np.zeros(0))
        return out

    def postings(self, field: str, term: str) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per segment, the live rows holding ``term`` and its counts there (memory-mapped
        slices where a segment has no deleted papers)."""
        out = []
        for seg, live, whole in zip(self.segments, self.live, self._whole, strict=True):
            docs, tf = seg.field(field).postings(term)
            out.append((docs, tf) if whole else (docs[live[docs]], tf[live[docs]]))
        return out

    @cached_property
    def _whole(self) -> list[bool]:
        return [bool(m.all()) for m in self.live]

    def collection(self, query: str | dict[str, float]) -> dict:
        """The statistics ``synth.screen.build_indexes`` needs to score papers drawn from this
        index as the index does: paper count, and per field the mean length and the
        document frequency of each of the query's terms that occurs."""
        terms = sorted(query_terms(query))
        out: dict = {"n_docs": self.n_docs}
        for field in FIELDS:
            df = {t: sum(len(d) for d, _ in self.postings(field, t)) for t in terms}
            out[field] = {
                "avg_length": self.avg_length[field],
                "df": {t: n for t, n in df.items() if n},
            }
        return out

    def masks(self, filters: Filters) -> list[np.ndarray]:
        """Per segment, the live papers passing ``filters`` (cached per filters)."""
        if filters not in self._masks:
            masks = []
            for seg, live in zip(self.segments, self.live, strict=True):
                mask = live & filters.year_mask(np.asarray(seg.years))
                if filters.categories:
                    names, cat_doc, cat_id = seg.categories
                    ok = np.array([filters.category_ok(c) for c in names], dtype=bool)
                    has = np.zeros(seg.size, dtype=bool)
                    if len(names):
                        has[np.asarray(cat_doc)[ok[np.asarray(cat_id)]]] = True
                    mask &= has
                masks.append(mask)
            self._masks[filters] = masks
        return self._masks[filters]

    def _field_index(
        self,
        field: str,
        found: dict[str, list[tuple[np.ndarray, np.ndarray]]],
        picked: list[np.ndarray],
        starts: list[int],
        n_rows: int,
        marks: dict[int, np.ndarray],
    ) -> BM25Index:
        """BM25 weights of ``field`` for the query's slice: rows = the ``picked`` papers
        (per segment, sorted rows; segment ``s`` from slice row ``starts[s]``), columns = the
        query terms occurring, with their live ``found`` postings; ``marks``: per segment, a
        mask of the picked rows, made when first needed (``_restrict``)."""
        found = {t: p for t, p in found.items() if sum(len(d) for d, _ in p)}
        df = np.array([sum(len(d) for d, _ in p) for p in found.values()], np.float32)
        idf = bm25_idf(df, self.n_docs)
        avg = self.avg_length[field]
        rows, tfs, lengths, counts = [], [], [], np.zeros(len(found), dtype=np.int64)
        lengths_of = [seg.field(field).length for seg in self.segments]
        for j, per_segment in enumerate(found.values()):
            for s, (docs, tf) in enumerate(per_segment):
                if not len(picked[s]) or not len(docs):
                    continue
                at, tf = _restrict(docs, tf, picked[s], marks, s, self.segments[s].size)
                rows.append(starts[s] + at)
                tfs.append(tf)
                lengths.append(lengths_of[s][picked[s][at]])
                counts[j] += len(at)
        joined = [
            np.concatenate(x) if x else np.zeros(0, dtype)
            for x, dtype in ((rows, np.int64), (tfs, np.float32), (lengths, np.float32))
        ]
        # one call for every entry: the same elementwise float32 arithmetic as build_bm25
        data = bm25_weight(joined[1], np.repeat(idf, counts), joined[2], avg, self.k1, self.b)
        cols = np.repeat(np.arange(len(found)), counts)
        weights = sp.csr_matrix((data, (joined[0], cols)), shape=(n_rows, max(len(found), 1)))
        return BM25Index({t: j for j, t in enumerate(found)}, weights, idf)

    def _union(self, postings: dict, terms: Iterable[str], masks: list[np.ndarray]):
        """Per segment, the rows (sorted) passing ``masks`` that hold one of ``terms``."""
        chosen = [np.zeros(seg.size, dtype=bool) for seg in self.segments]
        for term in terms:
            for s, (docs, _) in enumerate(postings[term]):
                chosen[s][docs] = True
        return [np.flatnonzero(c & m) for c, m in zip(chosen, masks, strict=True)]

    def _score(self, query, text: dict, title: dict, picked: list[np.ndarray], weights):
        """Exact scores of the ``picked`` papers (per segment, sorted rows): (segments,
        rows, float32 scores)."""
        from synth.screen import lexical_scores

        sizes = [len(rows) for rows in picked]
        starts = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        segment_of = np.repeat(np.arange(len(picked), dtype=np.int64), sizes)
        row_of = np.concatenate(picked) if picked else np.zeros(0, np.int64)
        n = int(starts[-1])
        if not n:
            return segment_of, row_of.astype(np.int64), np.zeros(0, np.float32)
        marks: dict[int, np.ndarray] = {}  # shared by the two fields
        indexes = [
            self._field_index(f, p, picked, starts.tolist(), n, marks)
            for f, p in (("text", text), ("title", title))
        ]
        return segment_of, row_of, lexical_scores(*indexes, [query], **weights)[0]

    def _impact(self, field: str, term: str) -> float:
        """The largest ``tf / (tf + norm)`` of ``term`` in ``field`` over the index: each
        segment's bound, scaled by index mean / segment mean where larger (a larger mean
        length shrinks ``norm`` by at most that factor)."""
        scale = self.avg_length[field]
        return max(
            (
                seg.field(field).impact(term) * max(1.0, scale / seg.field(field).avg)
                for seg in self.segments
            ),
            default=0.0,
        )

    def _bounds(self, query, text: dict, title: dict, title_weight: float) -> dict[str, float]:
        """Per query term, an upper bound of what it adds to a paper's score: weight x (k1 + 1)
        x (idf x impact + (title_weight - 1) x title idf x title impact), a little above
        (coverage factors are at most 1)."""
        out = {}
        for term, weight in query_terms(query).items():
            df = [sum(len(d) for d, _ in p[term]) for p in (text, title)]
            if df[0]:
                idf = bm25_idf(np.array(df, dtype=np.float32), self.n_docs).astype(float)
                parts = idf[0] * self._impact("text", term)
                if df[1]:
                    parts += (title_weight - 1) * idf[1] * self._impact("title", term)
                out[term] = weight * (self.k1 + 1) * parts * 1.001 + 1e-6
        return out

    def _threshold(self, query, text, title, masks, ranked, limits, top: int, weights):
        """A score the ``top``-th best paper reaches: the ``top``-th best exact score of
        papers holding the highest-bound terms (``prune.seed_rows``); None when fewer
        papers match."""
        lengths = [seg.field("text").length for seg in self.segments]
        seed = prune.seed_rows([text[t] for t in ranked], masks, limits, top, lengths)
        scores = self._score(query, text, title, seed, weights)[2]
        if len(scores) < top:
            return None
        return float(np.partition(scores, len(scores) - top)[len(scores) - top])

    def _pruned(self, query, text, title, masks, top: int, weights) -> list[np.ndarray]:
        """The papers that can reach the ``top`` (``synth.store.prune``): a threshold from
        exactly scoring the papers of the highest-bound terms, then only papers whose
        bound, by the query terms they hold, reaches it."""
        from synth.screen import COVERAGE_WEIGHT

        title_weight = weights.get("title_weight", TITLE_WEIGHT)
        coverage = weights.get("coverage_weight", COVERAGE_WEIGHT)
        bounds = self._bounds(query, text, title, title_weight)
        if title_weight < 1 or not 0 <= coverage <= 1 or not bounds:
            return self._union(text, bounds, masks)  # bounds assume a factor of at most 1
        ranked = sorted(bounds, key=lambda t: (-bounds[t], t))
        rest = sum(bounds[t] for t in ranked[prune.MAX_TERMS :])
        if rest:  # more terms than bits: the first ones, looser bounds (no coverage)
            coverage, ranked = 0.0, ranked[: prune.MAX_TERMS]
        q = prune.coverage_terms(self, text, ranked, query_terms(query))
        limits = prune.Bounds([bounds[t] for t in ranked], q, coverage)
        threshold = self._threshold(query, text, title, masks, ranked, limits, top, weights)
        if threshold is None or rest >= threshold:
            return self._union(text, bounds, masks)
        threshold -= rest  # what the first terms must reach
        essential = prune.essential_count(limits, len(ranked), threshold)
        found = [
            prune.segment_candidates(
                [text[t][s] for t in ranked], mask, essential, limits, threshold
            )
            for s, mask in enumerate(masks)
        ]
        if sum(len(rows) for rows, _ in found) > REFINE * top:
            lengths = [seg.field("text").length for seg in self.segments]
            best = prune.best_rows(found, REFINE // 2 * top, lengths)
            scores = self._score(query, text, title, best, weights)[2]
            if len(scores) >= top:  # a higher threshold: the top-th best exact score
                kth = float(np.partition(scores, len(scores) - top)[len(scores) - top])
                threshold = max(threshold, kth)
        return [rows[limit >= threshold] for rows, limit in found]

    def search(
        self,
        query: str | dict[str, float],
        top: int,
        filters: Filters | None = None,
        **weights: float,
    ) -> Hits:
        """The ``top`` papers for ``query`` (text, or term -> weight as
        ``synth.search.weighted_query`` gives), scored by ``synth.screen.lexical_scores``
        (``weights``: its ``title_weight``, ``coverage_weight``) over the whole index; ties
        by paper id. Papers holding no query term never match. Only papers that can reach
        the top are scored (``Hits.matched`` counts them)."""
        terms = sorted(query_terms(query))
        masks = self.masks(filters or Filters())
        text = {t: self.postings("text", t) for t in terms}
        title = {t: self.postings("title", t) for t in terms}
        selected = self._pruned(query, text, title, masks, top, weights)
        segment_of, row_of, scores = self._score(query, text, title, selected, weights)
        best = _top(scores, top)
        ids = [
            self.segments[s].ids[r].decode("utf-8")
            for s, r in zip(segment_of[best], row_of[best], strict=True)
        ]
        order = np.lexsort((np.array(ids, dtype=object), -scores[best]))[:top]
        best = best[order]
        n = len(row_of)
        return Hits(segment_of[best], row_of[best], [ids[i] for i in order], scores[best], n)

    def papers(self, hits: Hits) -> pd.DataFrame:
        """The papers table (``synth.sources.PAPER_COLUMNS``) of ``hits``, in their order."""
        from synth.sources import make_papers

        if not len(hits.rows):
            return make_papers([])
        parts, positions = [], []
        for s in np.unique(hits.segments):
            at = np.flatnonzero(hits.segments == s)
            parts.append(self.segments[s].papers(hits.rows[at]))
            positions.append(at)
        table = pd.concat(parts, ignore_index=True)
        order = np.argsort(np.concatenate(positions), kind="stable")
        return table.iloc[order].reset_index(drop=True)


def _restrict(docs, tf, chosen: np.ndarray, marks: dict, s: int, size: int):
    """Where the sorted ``chosen`` rows occur in the postings (``docs``, ``tf``): their
    positions in ``chosen`` and their counts as float32. By binary search of the chosen rows
    in the postings, or, for many chosen rows, by one pass over the postings through a mask
    of the chosen rows (kept in ``marks``) and a search of the hits."""
    docs = np.asarray(docs)
    if len(chosen) * 32 <= len(docs) or len(chosen) < prune.DENSE:
        at, hit = prune.find(docs, chosen)
        return np.flatnonzero(hit), np.asarray(tf[at[hit]], dtype=np.float32)
    if s not in marks:
        marks[s] = np.zeros(size, dtype=bool)
        marks[s][chosen] = True
    hit = marks[s][docs]
    return np.searchsorted(chosen, docs[hit]), np.asarray(tf[hit], dtype=np.float32)


def _top(scores: np.ndarray, top: int) -> np.ndarray:
    """Positions of the ``top`` best scores and of every score tied with the last of them."""
    if len(scores) <= top:
        return np.arange(len(scores))
    kth = np.partition(scores, len(scores) - top)[len(scores) - top]
    return np.flatnonzero(scores >= kth)


def open_index(root: str | Path) -> IndexReader:
    """Open the index folder ``root`` for searching; ``InputError`` if it is not one."""
    return IndexReader(root)

"""Which papers a search must score exactly: MaxScore pruning with per-paper bounds.

A paper's score is ``(BM25(text) + (title_weight - 1) BM25(title)) x (1 - c + c x
coverage)`` (``synth.screen.lexical_scores``). Each query term ``t`` has an upper bound
``B_t`` of what it adds to the first factor (``IndexReader._bounds``) and adds ``q_t`` (its
weight x idf) to the coverage's numerator. So a paper holding the terms ``T`` scores at most
``sum(B_t, t in T) x (1 - c + c x sum(q_t, t in T) / sum(q))``, a bound that only needs to
know which query terms the paper holds: one bit per term.

``IndexReader._pruned`` (``synth.store.query``) first finds a threshold ``theta`` that the
``top``-th best score reaches: the ``top``-th best exact score of ``SEED x top`` papers
(``seed_rows``): of the papers holding the rarest terms, the ``POOL x top`` of highest bound
by those terms have their bits completed with every other query term (binary search), and
the ``SEED x top`` of highest full bound are scored. (Bounds by the rarest terms alone
cannot tell apart a crowd of papers holding them; the completed bits find the papers
holding most of the query.) Then, per segment (``segment_candidates``), with ``theta``
shared by all segments:

1. the essential terms: all but the longest run of lowest-bound terms that together cannot
   reach ``theta``; a paper holding no essential term is never scored. The papers holding an
   essential term get its bit (one pass over those postings);
2. the other terms, highest bound first: the candidates whose bound, with every term not
   looked at yet counted as held, falls below ``theta`` are dropped, and the survivors are
   looked up in the term's postings (binary search, from the shorter side; for many
   survivors, the term's bit set in a full-size array of bits in one pass);
3. the candidates whose bound (now of the terms they hold) reaches ``theta`` remain.

When many remain, the best-bounded of them are scored exactly first, which raises ``theta``
to their ``top``-th best score, and only the candidates whose bound reaches that are scored.
Bounds are upper bounds (``B_t`` and the coverage factor carry a margin for float32
rounding) and ``theta`` is a score that ``top`` papers reach, so no paper of the top is
dropped: the pruning is exact.
"""

from __future__ import annotations

import numpy as np

from synth.index import bm25_idf

MAX_TERMS = 32  # bits per paper; a longer query falls back to term-level pruning
MARGIN = 1.001  # on the coverage factor (float32 rounding of the exact scores)
SEED_POSTINGS = 1 << 16  # postings of the rarest terms looked at for a first threshold
SEED = 8  # x top: papers scored exactly for a first threshold
POOL = 64  # x top: papers whose bits are completed to choose those SEED x top
DENSE = 4096  # fewer candidates than this are always looked up by binary search


def subset_sums(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tables of sums over subsets of ``values`` (at most 32), bits 0-15 and 16-31: the
    sum over the terms of ``bits`` is ``low[bits & 0xFFFF] + high[bits >> 16]``."""
    padded = np.zeros(32)
    padded[: len(values)] = values
    out = []
    for part in (padded[:16], padded[16:]):
        table = np.zeros(1 << 16)
        for i, value in enumerate(part):
            table[1 << i : 2 << i] = table[: 1 << i] + value
        out.append(table)
    return out[0], out[1]


class Bounds:
    """Upper bounds of the scores of papers by the query terms they hold (bit ``i``: term
    ``bounds[i]``, ``q[i]``)."""

    def __init__(self, bounds: list[float], q: list[float], coverage_weight: float):
        self.n = len(bounds)
        self.b = subset_sums(np.asarray(bounds, dtype=np.float64))
        self.q = subset_sums(np.asarray(q, dtype=np.float64))
        self.total, self.c = float(sum(q)), coverage_weight
        if self.n <= 16:  # one table over every subset of the terms
            self.table = self._of(np.arange(1 << self.n, dtype=np.uint32))

    def _of(self, bits: np.ndarray) -> np.ndarray:
        low, high = bits & 0xFFFF, bits >> 16
        score = self.b[0][low] + self.b[1][high]
        if not self.c or self.total <= 0:
            return score
        coverage = np.minimum((self.q[0][low] + self.q[1][high]) / self.total, 1.0)
        return score * (1 - self.c + self.c * coverage) * MARGIN

    def of(self, bits: np.ndarray) -> np.ndarray:
        """The bound of each paper holding the terms of ``bits`` (uint32)."""
        return self.table[bits] if self.n <= 16 else self._of(bits)


def essential_count(bounds: Bounds, n_terms: int, theta: float) -> int:
    """How many of the terms (bits in order of decreasing bound) are essential: the others,
    all together, score below ``theta``."""
    for n in range(n_terms + 1):
        rest = np.array([((1 << n_terms) - 1) & ~((1 << n) - 1)], dtype=np.uint32)
        if bounds.of(rest)[0] < theta:
            return n
    return n_terms


def find(docs: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Binary search of the sorted ``rows`` in the sorted postings ``docs``: each row's
    position there (0 where absent) and whether it occurs. The rows are cast to the
    postings' type first (numpy would otherwise cast the whole postings to theirs)."""
    at = np.searchsorted(docs, rows.astype(docs.dtype, copy=False))
    at[at == len(docs)] = 0
    return at, docs[at] == rows


def holding(docs: np.ndarray, candidates: np.ndarray, size: int) -> np.ndarray:
    """Which of the sorted ``candidates`` (rows among ``size``) occur in the sorted postings
    ``docs`` (a boolean per candidate): by binary search of the candidates in the postings,
    or, for many candidates, by one pass over the postings and a search of the hits."""
    found = np.zeros(len(candidates), dtype=bool)
    if not len(docs) or not len(candidates):
        return found
    docs = np.asarray(docs)
    if len(candidates) * 32 <= len(docs) or len(candidates) < DENSE:
        return find(docs, candidates)[1]
    marked = np.zeros(size, dtype=bool)
    marked[candidates] = True
    found[np.searchsorted(candidates, docs[marked[docs]])] = True
    return found


def held_bits(postings: list[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows (sorted) holding one of the terms of ``postings`` (sorted rows, term ``i``
    giving bit ``i``) among ``size`` rows, and their bits."""
    return _bits(postings, size)[:2]


def _bits(postings: list[np.ndarray], size: int):
    """``held_bits``, and the full-size bits array where one was filled (else None)."""
    total = sum(len(docs) for docs in postings)
    if not total:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32), None
    if total * 16 < size:  # few postings: sort them rather than scan every row
        rows = np.concatenate([np.asarray(d, dtype=np.int64) for d in postings])
        bits = np.repeat(
            np.uint32(1) << np.arange(len(postings), dtype=np.uint32), [len(d) for d in postings]
        )
        order = np.argsort(rows, kind="stable")
        rows, bits = rows[order], bits[order]
        first = np.flatnonzero(np.diff(rows, prepend=-1))
        return rows[first], np.bitwise_or.reduceat(bits, first), None
    bits = np.zeros(size, dtype=np.uint32)
    for i, docs in enumerate(postings):
        bits[docs] |= np.uint32(1 << i)
    rows = np.flatnonzero(bits != 0)  # (numpy finds the nonzero of a bool array faster)
    return rows, bits[rows], bits


def _marked(bits: np.ndarray | None, rows: np.ndarray, held: np.ndarray, size: int):
    """A full-size bits array holding ``held`` at ``rows`` (``bits`` if there is one)."""
    if bits is None:
        bits = np.zeros(size, dtype=np.uint32)
        bits[rows] = held
    return bits


def seed_rows(postings: list[list], masks: list, bounds: Bounds, top: int, lengths: list):
    """Per segment, rows (sorted) of about ``SEED x top`` papers likely to score high: of the
    papers holding the rarest terms (``postings``: per term, per segment; at least ``top``
    papers, else all that match), those of highest bound by the rare terms they hold."""
    n, total = 0, 0
    while n < len(postings) and (not n or total + _count(postings[n]) <= SEED_POSTINGS):
        total += _count(postings[n])
        n += 1
    while True:
        found = []
        for s, mask in enumerate(masks):
            rows, held = held_bits([p[s][0] for p in postings[:n]], len(mask))
            keep = mask[rows]
            found.append((rows[keep], held[keep]))
        if sum(len(rows) for rows, _ in found) >= top or n == len(postings):
            return _completed(found, postings, n, bounds, top, lengths)
        n += 1


def _completed(found: list, postings: list[list], n: int, bounds: Bounds, top: int, lengths):
    """``seed_rows``' choice: the ``POOL x top`` papers of highest bound by the first ``n``
    terms (``found``: per segment, rows and their bits), their bits completed with the
    other terms (binary search; highest bound first, dropping the papers that can no
    longer be among the best), and of them the ``SEED x top`` of highest full bound."""
    pool = best_rows([(rows, bounds.of(held)) for rows, held in found], POOL * top, lengths)
    pool = [(rows, f[1][np.searchsorted(f[0], rows)]) for rows, f in zip(pool, found, strict=True)]
    everything = (1 << len(postings)) - 1
    for i in range(n, len(postings)):
        low = np.concatenate([bounds.of(held) for _, held in pool])
        if len(low) > SEED * top:  # the SEED x top-th best bound reached: a floor
            floor = np.partition(low, len(low) - SEED * top)[len(low) - SEED * top]
            unseen = np.uint32(everything & ~((1 << i) - 1))
            keep = [bounds.of(held | unseen) >= floor for _, held in pool]
            pool = [(rows[k], held[k]) for (rows, held), k in zip(pool, keep, strict=True)]
        for s, (rows, held) in enumerate(pool):
            docs = np.asarray(postings[i][s][0])
            if len(docs) and len(rows):
                held[find(docs, rows)[1]] |= np.uint32(1 << i)
    return best_rows([(rows, bounds.of(held)) for rows, held in pool], SEED * top, lengths)


def _count(per_segment: list) -> int:
    return sum(len(docs) for docs, _ in per_segment)


def segment_candidates(
    postings: list[tuple[np.ndarray, np.ndarray]],
    mask: np.ndarray,
    essential: int,
    bounds: Bounds,
    theta: float,
) -> tuple[np.ndarray, np.ndarray]:
    """One segment's papers that can reach ``theta`` (rows, sorted) and their bounds:
    ``postings`` per term (in bit order: live rows, sorted), ``mask`` the papers the
    filters let through."""
    rows, held, bits = _bits([docs for docs, _ in postings[:essential]], len(mask))
    keep = mask[rows]
    rows, held = rows[keep], held[keep]
    n = len(postings)
    for i in range(essential, n):
        unseen = np.uint32(((1 << n) - 1) & ~((1 << i) - 1))
        keep = bounds.of(held | unseen) >= theta
        rows, held = rows[keep], held[keep]
        docs = postings[i][0]
        if len(rows) >= DENSE and len(rows) * 32 > len(docs):
            # many candidates: set the term's bit in a full-size array, one pass
            bits = _marked(bits, rows, held, len(mask))
            bits[docs] |= np.uint32(1 << i)
            held = bits[rows]
        else:
            held[holding(docs, rows, len(mask))] |= np.uint32(1 << i)
            bits = None  # held has moved on from it
    limit = bounds.of(held)
    keep = limit >= theta
    return rows[keep], limit[keep]


def best_rows(found: list[tuple[np.ndarray, np.ndarray]], count: int, lengths: list) -> list:
    """Per segment, the rows (sorted) of the ``count`` highest bounds in ``found`` (per
    segment: rows and bounds); among equal bounds the shortest papers (``lengths``: per
    segment, per row), which BM25 favours."""
    limits = np.concatenate([limit for _, limit in found])
    if len(limits) <= count:
        return [rows for rows, _ in found]
    cut = np.partition(limits, len(limits) - count)[len(limits) - count]
    best = limits > cut
    tied = np.flatnonzero(limits == cut)
    rest = count - int(best.sum())
    if rest < len(tied):
        size = np.concatenate([np.asarray(n)[r] for (r, _), n in zip(found, lengths, strict=True)])
        tied = tied[np.argpartition(size[tied], rest - 1)[:rest]]
    best[tied] = True
    starts = np.cumsum([0] + [len(rows) for rows, _ in found])
    return [rows[best[a:b]] for (rows, _), a, b in zip(found, starts[:-1], starts[1:], strict=True)]


def coverage_terms(reader, text: dict, ranked: list[str], query_weights: dict) -> list[float]:
    """Each term's weight x text idf over the index: its share of the coverage."""
    df = np.array([sum(len(d) for d, _ in text[t]) for t in ranked], dtype=np.float32)
    idf = bm25_idf(df, reader.n_docs).astype(np.float64)
    return [float(query_weights[t]) * float(w) for t, w in zip(ranked, idf, strict=True)]

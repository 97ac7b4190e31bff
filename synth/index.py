"""A sparse BM25 index shared by screening, ranking and evidence retrieval.

One tokenisation per document set: the index keeps the vocabulary and the BM25-weighted
document-term matrix (scipy CSR), so scoring a batch of queries is one sparse product
``Q @ W.T`` and never a Python loop over query x document pairs.

Tokenisation is ``synth.text.tokenize``, applied once per distinct whitespace-separated
chunk rather than once per document (no token spans whitespace, so the counts are exactly
those of ``tokenize(document)``); chunks are mapped to terms by one sparse product.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
import scipy.sparse as sp
import Stemmer

from synth.text import STOP_WORDS, raw_tokens, tokenize

_EDGE = ".,;:()[]{}\"'!?"  # never inside a token, so stripping them changes no token


def _raw(chunk: str) -> list[str]:
    """``raw_tokens`` of one whitespace-free chunk; a plain word is its own token."""
    core = chunk.strip(_EDGE)
    return [core] if core.isascii() and core.isalnum() else raw_tokens(core)


def _keep(word: str) -> bool:
    return word not in STOP_WORDS and (len(word) > 1 or word.isdigit())


@lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1 << 16)
def _chunk_terms(chunk: str) -> tuple[str, ...]:
    return tuple(tokenize(chunk))


_STEMS: dict[str, str | None] = {}  # word -> stem (None: dropped); a cache, bounded below


def _stems(words: set[str]) -> dict[str, str]:
    """Stem of every word kept by ``tokenize`` (stop words and 1-letter words dropped)."""
    if len(_STEMS) > 1 << 21:
        _STEMS.clear()
    new = [w for w in words if w not in _STEMS]
    kept = [w for w in new if _keep(w)]
    _STEMS.update(dict.fromkeys(new))
    _STEMS.update(zip(kept, _stemmer().stemWords(kept), strict=True))
    return {w: s for w in words if (s := _STEMS[w]) is not None}


def _chunk_codes(texts: Sequence[str]) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Every text's lower-cased whitespace chunks as ids into the distinct chunks (in order of
    first appearance), and the number of chunks per text. Streams over the texts, so only the
    distinct chunks are held as strings, not every occurrence."""
    index: dict[str, int] = {}
    lengths = np.zeros(len(texts), dtype=np.int64)
    parts = []
    for i, text in enumerate(texts):
        words = str(text).lower().split()
        lengths[i] = len(words)
        parts.append(
            np.fromiter(
                (index.setdefault(w, len(index)) for w in words), dtype=np.int32, count=len(words)
            )
        )
    codes = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
    return codes, list(index), lengths


def count_terms(
    texts: Sequence[str], vocabulary: dict[str, int] | None = None
) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Term counts of ``texts`` under ``tokenize``: (texts x terms) CSR and the vocabulary.

    With ``vocabulary`` given, terms outside it are dropped and it is returned unchanged;
    otherwise the vocabulary is every term seen, numbered in sorted order.
    """
    codes, uniques, lengths = _chunk_codes(texts)
    raw = [_raw(c) for c in uniques]
    stems = _stems(set(chain.from_iterable(raw)))
    if vocabulary is None:
        vocabulary = {t: j for j, t in enumerate(sorted(set(stems.values())))}
    word_ids = {w: vocabulary[t] for w, t in stems.items() if t in vocabulary}
    flat = list(chain.from_iterable(raw))
    cols = np.fromiter((word_ids.get(w, -1) for w in flat), dtype=np.int64, count=len(flat))
    rows = np.repeat(
        np.arange(len(raw)), np.fromiter(map(len, raw), dtype=np.int64, count=len(raw))
    )
    rows, cols = rows[cols >= 0], cols[cols >= 0]
    n_terms = max(len(vocabulary), 1)
    chunk_terms = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(len(uniques), n_terms)
    )
    doc_rows = np.repeat(np.arange(len(texts)), lengths)
    doc_chunks = sp.csr_matrix(
        (np.ones(len(codes), np.float32), (doc_rows, codes)), shape=(len(texts), len(uniques))
    )
    tf = (doc_chunks @ chunk_terms).tocsr()
    tf.sum_duplicates()
    tf.eliminate_zeros()
    return tf, vocabulary


def query_terms(
    query: str | dict[str, float], analyzer: Callable[[str], list[str]] = tokenize
) -> dict[str, float]:
    """A query's terms (tokenised like the documents) and weights, in order of first
    appearance; a query string weighs each term 1, a mapping text -> weight gives each of
    its texts' terms that weight; a term met twice keeps its largest weight."""
    weighted = {query: 1.0} if isinstance(query, str) else query
    terms: dict[str, float] = {}
    for text, weight in weighted.items():
        if analyzer is tokenize:
            toks = chain.from_iterable(_chunk_terms(c) for c in text.lower().split())
        else:
            toks = analyzer(text)
        for tok in toks:
            terms[tok] = max(terms.get(tok, 0.0), float(weight))
    return terms


@dataclass(frozen=True)
class BM25Index:
    """BM25 weights of a document collection.

    ``weights`` is a CSR matrix (documents x terms) holding the per-term BM25 contribution
    ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``; a query's score for a
    document is the weighted sum over its terms, i.e. ``weights @ query_vector``.
    ``vocabulary`` maps a term (as ``tokenize`` gives it) to its column.
    """

    vocabulary: dict[str, int]
    weights: sp.csr_matrix
    idf: np.ndarray
    analyzer: Callable[[str], list[str]] = tokenize

    @property
    def n_docs(self) -> int:
        return self.weights.shape[0]

    def query_matrix(self, queries: Sequence[str] | Sequence[dict[str, float]]) -> sp.csr_matrix:
        """Queries as a sparse (queries x terms) matrix.

        A query is a string (each distinct term weight 1) or a mapping term -> weight, where
        terms are raw text that is tokenised the same way as the documents; a term met
        twice keeps its largest weight.
        """
        vocab = self.vocabulary
        rows, cols, vals = [], [], []
        for i, query in enumerate(queries):
            terms: dict[int, float] = {}
            for tok, weight in self.query_terms(query).items():
                j = vocab.get(tok)
                if j is not None:
                    terms[j] = weight
            rows.extend([i] * len(terms))
            cols.extend(terms)
            vals.extend(terms.values())
        shape = (len(queries), self.weights.shape[1])
        return sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)

    def query_terms(self, query: str | dict[str, float]) -> dict[str, float]:
        return query_terms(query, self.analyzer)

    def score(self, queries: Sequence[str] | Sequence[dict[str, float]]) -> np.ndarray:
        """Dense (queries x documents) BM25 scores."""
        q = self.query_matrix(queries)
        return np.asarray((q @ self.weights.T).todense(), dtype=np.float32)


def _analyzer_counts(texts: Sequence[str], analyzer: Callable[[str], list[str]]):
    docs = [analyzer(t) for t in texts]
    vocabulary = {t: j for j, t in enumerate(sorted(set(chain.from_iterable(docs))))}
    rows = np.repeat(np.arange(len(docs)), [len(d) for d in docs])
    cols = [vocabulary[t] for t in chain.from_iterable(docs)]
    tf = sp.csr_matrix(
        (np.ones(len(cols), np.float32), (rows, cols)), shape=(len(docs), max(len(vocabulary), 1))
    )
    tf.sum_duplicates()
    return tf, vocabulary


def document_texts(titles: Iterable[str], abstracts: Iterable[str]) -> list[str]:
    """The texts papers are ranked on: ``title. abstract`` each."""
    return [f"{t}. {a}" for t, a in zip(titles, abstracts, strict=True)]


@dataclass(frozen=True)
class CollectionStats:
    """Statistics of a whole collection for scoring a part of it as the whole would:
    ``n_docs`` documents of mean length ``avg_length`` (``average_length``); ``df``: term ->
    number of documents holding it (at least every term a query will use)."""

    n_docs: int
    avg_length: float
    df: dict[str, int]


def collection_stats(collection: dict | None) -> tuple[CollectionStats | None, ...]:
    """A collection record (``{"n_docs", "text": {"avg_length", "df"},
    "title": {...}}``, empty when the papers are the whole collection) as the statistics of
    the title + abstract and title fields."""
    if not collection:
        return None, None
    return tuple(
        CollectionStats(
            int(collection["n_docs"]),
            float(collection[field]["avg_length"]),
            {str(t): int(n) for t, n in collection[field]["df"].items()},
        )
        for field in ("text", "title")
    )


def bm25_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Robertson/Lucene idf of float32 document frequencies ``df`` among ``n_docs``."""
    return np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)


def average_length(doc_len: np.ndarray) -> float:
    """Mean of the float32 document lengths (1.0 for none or all empty)."""
    mean = float(doc_len.mean()) if len(doc_len) else 0.0
    return mean if mean > 0 else 1.0


def bm25_weight(
    tf: np.ndarray, idf: np.ndarray, doc_len: np.ndarray, avg: float, k1: float, b: float
) -> np.ndarray:
    """BM25 contribution of each (term, document) entry: float32 ``tf``, the term's ``idf``
    and the document's length, entry by entry (the one formula every index uses)."""
    norm = k1 * (1 - b + b * doc_len / avg)
    return idf * tf * (k1 + 1) / (tf + norm)


def _with_stats(tf: sp.csr_matrix, vocabulary: dict[str, int], stats: CollectionStats):
    """Counts and vocabulary widened by the terms of ``stats`` (sorted order kept), and the
    float32 document frequencies: the collection's for its terms, these texts' otherwise."""
    local_df = np.bincount(tf.indices, minlength=tf.shape[1])
    terms = sorted(set(vocabulary) | set(stats.df))
    merged = {t: j for j, t in enumerate(terms)}
    old_to_new = np.array([merged[t] for t in vocabulary], dtype=np.int64)
    widened = sp.csr_matrix(
        (tf.data, old_to_new[tf.indices] if tf.nnz else tf.indices, tf.indptr),
        shape=(tf.shape[0], max(len(terms), 1)),
    )
    df = np.array(
        [stats.df[t] if t in stats.df else local_df[vocabulary[t]] for t in terms],
        dtype=np.float32,
    )
    return widened, merged, df


def build_bm25(
    texts: Sequence[str],
    k1: float = 1.2,
    b: float = 0.75,
    analyzer: Callable[[str], list[str]] = tokenize,
    stats: CollectionStats | None = None,
) -> BM25Index:
    """Index ``texts`` (one string per document) with BM25 (Robertson/Lucene idf).

    With ``stats`` (a larger collection these texts belong to), idf and the mean length are
    the collection's, so every score equals the one the whole collection would give.
    """
    if analyzer is tokenize:
        tf, vocabulary = count_terms(texts)
    else:
        tf, vocabulary = _analyzer_counts(texts, analyzer)
    tf = sp.csr_matrix(tf, dtype=np.float32)
    doc_len = np.asarray(tf.sum(axis=1)).ravel()
    if stats is None:
        n_docs, avg = tf.shape[0], average_length(doc_len)
        df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
    else:
        n_docs, avg = stats.n_docs, stats.avg_length
        tf, vocabulary, df = _with_stats(tf, vocabulary, stats)
    idf = bm25_idf(df, n_docs)
    weights = tf.copy()
    row_len = np.repeat(doc_len, np.diff(weights.indptr))
    weights.data = bm25_weight(weights.data, idf[weights.indices], row_len, avg, k1, b)
    return BM25Index(vocabulary=vocabulary, weights=weights.tocsr(), idf=idf, analyzer=analyzer)


def relative_scores(scores: np.ndarray) -> np.ndarray:
    """(queries x papers) float32 scores divided by each row's best (rows without a positive
    score become 0): the first stage's share that dense fusion and re-ranking add to."""
    best = scores.max(axis=1, keepdims=True) if scores.size else scores
    return np.where(best > 0, scores / np.where(best > 0, best, 1.0), 0.0).astype(np.float32)

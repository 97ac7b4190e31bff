"""A sparse BM25 index shared by screening, ranking and evidence retrieval.

One tokenisation per document set: the index keeps the vocabulary and the BM25-weighted
document-term matrix (scipy CSR), so scoring a batch of queries is one sparse product
``Q @ W.T`` and never a Python loop over query x document pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from synth.text import tokenize


@dataclass(frozen=True)
class BM25Index:
    """BM25 weights of a document collection.

    ``weights`` is a CSR matrix (documents x terms) holding the per-term BM25 contribution
    ``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``; a query's score for a
    document is the weighted sum over its terms, i.e. ``weights @ query_vector``.
    """

    vectorizer: CountVectorizer
    weights: sp.csr_matrix
    idf: np.ndarray

    @property
    def n_docs(self) -> int:
        return self.weights.shape[0]

    def query_matrix(self, queries: Sequence[str] | Sequence[dict[str, float]]) -> sp.csr_matrix:
        """Queries as a sparse (queries x terms) matrix.

        A query is a string (each distinct term weight 1) or a mapping term -> weight, where
        terms are raw text that is tokenised the same way as the documents.
        """
        vocab = self.vectorizer.vocabulary_
        rows, cols, vals = [], [], []
        for i, query in enumerate(queries):
            weighted = {query: 1.0} if isinstance(query, str) else query
            terms: dict[int, float] = {}
            for text, weight in weighted.items():
                for tok in tokenize(text):
                    j = vocab.get(tok)
                    if j is not None:
                        terms[j] = max(terms.get(j, 0.0), float(weight))
            rows.extend([i] * len(terms))
            cols.extend(terms)
            vals.extend(terms.values())
        shape = (len(queries), len(vocab))
        return sp.csr_matrix((vals, (rows, cols)), shape=shape, dtype=np.float32)

    def score(self, queries: Sequence[str] | Sequence[dict[str, float]]) -> np.ndarray:
        """Dense (queries x documents) BM25 scores."""
        q = self.query_matrix(queries)
        return np.asarray((q @ self.weights.T).todense(), dtype=np.float32)


def build_bm25(
    texts: Sequence[str],
    k1: float = 1.2,
    b: float = 0.75,
    analyzer: Callable[[str], list[str]] = tokenize,
) -> BM25Index:
    """Index ``texts`` (one string per document) with BM25 (Robertson/Lucene idf)."""
    vectorizer = CountVectorizer(analyzer=analyzer, dtype=np.float32)
    tf = vectorizer.fit_transform(texts) if len(texts) else None
    if tf is None or tf.shape[1] == 0:
        vectorizer = CountVectorizer(analyzer=lambda s: ["\0"], dtype=np.float32)
        tf = sp.csr_matrix((len(texts), 1), dtype=np.float32)
        vectorizer.fit(["x"])
    tf = sp.csr_matrix(tf, dtype=np.float32)
    n_docs = tf.shape[0]
    df = np.bincount(tf.indices, minlength=tf.shape[1]).astype(np.float32)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
    doc_len = np.asarray(tf.sum(axis=1)).ravel()
    avg = float(doc_len.mean()) if n_docs and doc_len.mean() > 0 else 1.0
    norm = k1 * (1 - b + b * doc_len / avg)
    weights = tf.copy()
    row_norm = np.repeat(norm, np.diff(weights.indptr))
    weights.data = idf[weights.indices] * weights.data * (k1 + 1) / (weights.data + row_norm)
    return BM25Index(vectorizer=vectorizer, weights=weights.tocsr(), idf=idf)

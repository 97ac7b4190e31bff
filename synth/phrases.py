"""The question's phrases: which of its adjacent word pairs does a paper write?

Facet coverage (``synth.relevance``) counts a question's words one by one, so a paper on peer
review names "code review comments" as well as one on code review ("review", "comments"), and a
paper on knowledge tracing names most of "Bayesian knowledge tracing".  A phrase is two
adjacent content words of the question ("code review", "review comment", "bayesian
knowledge"), as stems; a paper writes it when the two stems are adjacent in its title or
abstract.  A run of content words breaks at a stop word or punctuation, except inside a
hyphenated compound, whose parts all count ("text-to-image" gives "text to", "to image").
Pairs with a word that states the question's relation ("improve", "outperform") are not
phrases.  A paper's ``phrase_match`` is the share of the question's phrases it writes, each
weighted by the idf of its two words in the BM25 index (a word the index lacks: the largest
idf).  The screen stage uses it where the pairing model sees no clear pairing
(``synth.pairing``): a paper that writes none of the question's phrases uses its words for
another topic.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from synth.index import BM25Index
from synth.text import STOP_WORDS, stemmer

# Chosen on s01-s140 (benchmarks/README.md, "Round 13"): where the pairing model sees no clear
# pairing, a paper that writes less than this share of the question's phrases is excluded.
MIN_PHRASE = 0.15
_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*|[^a-z0-9\s]")
Pair = tuple[str, str]


def _runs(text: str) -> list[list[tuple[str, str]]]:
    """Runs of (word, stem) of ``text``: broken at stop words (outside a hyphenated compound),
    one-letter words and punctuation."""
    runs: list[list[tuple[str, str]]] = [[]]
    for token in _WORD.findall(text.lower()):
        parts = token.split("-")
        if not token[0].isalnum() or (len(parts) == 1 and (token in STOP_WORDS or len(token) < 2)):
            runs.append([])
            continue
        runs[-1].extend(zip(parts, stemmer().stemWords(parts), strict=True))
    return [run for run in runs if len(run) > 1]


def word_pairs(text: str) -> set[Pair]:
    """Every pair of adjacent stems in a run of ``text``."""
    return {(a[1], b[1]) for run in _runs(text) for a, b in zip(run, run[1:], strict=False)}


def question_phrases(question: str, relation_stems: frozenset[str]) -> dict[Pair, str]:
    """The question's phrases (stem pair -> how the question writes it), without the pairs
    that hold one of ``relation_stems`` (the words stating its relation)."""
    out: dict[Pair, str] = {}
    for run in _runs(question):
        for (w1, s1), (w2, s2) in zip(run, run[1:], strict=False):
            if s1 not in relation_stems and s2 not in relation_stems:
                out.setdefault((s1, s2), f"{w1} {w2}")
    return out


def _idf(stem: str, index: BM25Index) -> float:
    column = index.vocabulary.get(stem)
    if column is None:
        return float(np.log1p((index.n_docs + 0.5) / 0.5))
    return float(index.idf[column])


def phrase_match(phrases: Sequence[Pair], texts: Sequence[str], index: BM25Index) -> np.ndarray:
    """Per text, the idf-weighted share of ``phrases`` it writes (NaN for every text when
    the question has no phrase)."""
    if not phrases:
        return np.full(len(texts), np.nan)
    weights = np.array([_idf(a, index) + _idf(b, index) for a, b in phrases])
    found = np.array([[p in pairs for p in phrases] for pairs in map(word_pairs, texts)], bool)
    return (found.reshape(len(texts), len(phrases)) @ weights) / weights.sum()

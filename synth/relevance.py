"""Facet-aware relevance: does a paper match what the question is about?

Ranking (``synth.screen``) orders papers by BM25; this module decides which of them are
*about* the question.  The question is split into facets (``question.analyze_question``):
its subject (the method or intervention), its outcome (the task or effect), a comparator,
and benchmark facets (dataset, metric).  Each facet becomes *units*: named entities, matched
case-sensitively as whole tokens ("JIT" is not "JiT"; "LLMs" matches "LLM"), and content
words, matched through the BM25 index's stemmed vocabulary.  An acronym the question
defines ("SAM (sharpness-aware minimization)") counts only where its long form is there
too, so "Segment Anything (SAM)" does not match it.

A paper's coverage of a facet is the idf-weighted share of the facet's units it mentions
(0-1).  Topic facets (subject, outcome, comparator) decide relevance; a benchmark name alone
never does.  Everything is a sparse product or one regex pass per entity over the
candidates, never a loop over paper x term.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.index import BM25Index
from synth.phrases import phrase_match, question_phrases
from synth.queries import find_acronyms
from synth.question import analyze_question
from synth.search import QUESTION_WORDS, RELATION_WORDS, extract_entities
from synth.text import tokenize

TOPIC_FACETS = ("subject", "outcome", "comparator")
BENCHMARK_FACETS = ("dataset", "metric")
FACETS = TOPIC_FACETS + BENCHMARK_FACETS


@dataclass(frozen=True)
class Unit:
    """One thing a paper can mention: a case-sensitive ``entity`` (with the ``long_form``
    the question gives it, if any) or a stemmed content ``token``."""

    facet: str
    text: str
    kind: str  # "entity" or "token"
    long_form: str = ""


# Words that state the relation a question asks about, not its topic (stemmed).
_PREDICATE = frozenset(
    tokenize(
        " ".join(QUESTION_WORDS | RELATION_WORDS)
        + " match matches preserve preserves produce produces recover recovers achieve"
        + " achieves yield yields outperform outperforms speed up scarce"
    )
)
_SUFFIX = re.compile(r"-(?:based|style|like|free|aware|driven|guided)$")


def _entity_tokens(entity: str) -> set[str]:
    return set(tokenize(entity.replace("-", " "))) | set(tokenize(entity.replace("-", "")))


def _content_tokens(text: str) -> list[str]:
    """Stemmed content words of ``text``, a hyphenated word as its parts (never joined)."""
    return [t for t in dict.fromkeys(tokenize(text.replace("-", " "))) if t not in _PREDICATE]


def _facet_units(facet: str, text: str, acronyms: dict[str, str]) -> list[Unit]:
    """The units of one facet's text: its entities (an acronym the question defines carries
    its long form), then its content words not already part of an entity."""
    text = re.sub(r"[’']s\b", "", text or "")
    long_forms = {a: lf for a, lf in acronyms.items() if lf.lower() in text.lower()}
    for long_form in long_forms.values():
        text = re.sub(re.escape(long_form), " ", text, flags=re.IGNORECASE)
    found = [e for e in extract_entities(text) if e.rstrip("s") not in long_forms]
    covered = set().union(*(_entity_tokens(e) for e in [*found, *long_forms]))
    units = [Unit(facet, _SUFFIX.sub("", e), "entity") for e in found]
    units += [Unit(facet, a, "entity", lf) for a, lf in long_forms.items()]
    words = " ".join([text, *long_forms.values()])
    units += [Unit(facet, t, "token") for t in _content_tokens(words) if t not in covered]
    return list(dict.fromkeys(units))


def facet_units(question: str) -> list[Unit]:
    """The units of every facet of ``question`` (a question with neither subject nor outcome,
    such as an open one: the whole question is its subject)."""
    analysis = analyze_question(question)
    acronyms = find_acronyms(question)
    facets = {f: getattr(analysis, f) for f in FACETS}
    if not facets["subject"] and not facets["outcome"]:
        facets["subject"] = question
    return [u for f, text in facets.items() for u in _facet_units(f, text, acronyms)]


def entity_pattern(entity: str) -> re.Pattern[str]:
    """Case-sensitive whole-token pattern for a named entity: its spellings with and without
    the hyphen or with a space ("MS-COCO", "MSCOCO", "MS COCO"), all upper-case as well
    ("LiDAR", "LIDAR"), and a plural "s" ("LLM", "LLMs")."""
    base = entity[:-1] if re.fullmatch(r"[A-Z]{2,}s", entity) else entity
    spellings = {base, base.replace("-", ""), base.replace("-", " ")}
    spellings |= {s.upper() for s in spellings}
    options = "|".join(re.escape(s) for s in sorted(spellings, key=len, reverse=True))
    return re.compile(rf"(?<![A-Za-z0-9])(?:{options})s?(?![A-Za-z0-9])")


def _token_presence(index: BM25Index, rows: np.ndarray, token: str) -> np.ndarray:
    column = index.vocabulary.get(token)
    if column is None:
        return np.zeros(len(rows), dtype=bool)
    return np.asarray((index.weights[rows][:, column] > 0).todense()).ravel()


def _unit_presence(unit: Unit, index: BM25Index, rows: np.ndarray, texts: pd.Series) -> np.ndarray:
    """Boolean over ``rows`` of the index (``texts``: their title + abstract): the paper
    mentions ``unit``."""
    if unit.kind == "token":
        return _token_presence(index, rows, unit.text)
    found = texts.str.contains(entity_pattern(unit.text), regex=True).to_numpy().copy()
    for token in _content_tokens(unit.long_form) if unit.long_form else ():
        found &= _token_presence(index, rows, token)
    return found


def _unit_tokens(unit: Unit) -> set[str]:
    return {unit.text} if unit.kind == "token" else _entity_tokens(unit.text)


def _unit_idf(unit: Unit, index: BM25Index) -> float:
    """A unit's weight: its idf in the index (an entity: the largest of its tokens'; a word
    the index has never seen: the largest idf there is)."""
    tokens = sorted(_unit_tokens(unit))
    columns = [index.vocabulary[t] for t in tokens if t in index.vocabulary]
    top = float(np.log1p((index.n_docs + 0.5) / 0.5))
    return float(index.idf[columns].max()) if columns else top


def facet_coverage(
    units: Sequence[Unit], index: BM25Index, rows: Sequence[int], texts: Sequence[str]
) -> pd.DataFrame:
    """(len(rows) x facets) idf-weighted share of each facet's units that the papers at
    ``rows`` of ``index`` mention (``texts``: their title + abstract), 0-1; NaN for a facet
    the question does not have.  A named entity none of these papers mentions, and a word
    no paper of the index uses, are left out: they cannot tell papers apart."""
    rows = np.asarray(rows, dtype=int)
    series = pd.Series(list(texts), dtype=str)
    out = pd.DataFrame(index=range(len(rows)))
    for facet in FACETS:
        mine = [u for u in units if u.facet == facet]
        if not mine:
            out[facet] = np.nan
            continue
        present = np.column_stack([_unit_presence(u, index, rows, series) for u in mine])
        idf = np.array([_unit_idf(u, index) for u in mine])
        unknown = np.array([u.kind == "token" and u.text not in index.vocabulary for u in mine])
        unseen = np.array([u.kind == "entity" for u in mine]) & ~present.any(axis=0) | unknown
        idf[unseen] = 0.0
        out[facet] = present @ idf / idf.sum() if idf.sum() > 0 else np.nan
    return out


# Chosen on s01-s44 of the screening dev set (benchmarks/README.md, "Round 5").
DISTINCTIVE_SHARE = 0.03  # a question's word or name in at most this share of the corpus's papers


def distinctive_units(units: Sequence[Unit], index: BM25Index) -> list[Unit]:
    """The units of ``units`` that few papers of ``index`` mention (at most
    ``DISTINCTIVE_SHARE`` of its papers, by idf; an entity by its rarest token): what sets
    the question's topic apart ("malware", "congestion", "LoRA"), unlike the generic words
    it shares with most papers ("graph", "network", "learning").  Every facet counts, a
    benchmark name too; a unit none of whose words the index has seen cannot tell papers
    apart and is left out."""
    floor = float(np.log1p((1 - DISTINCTIVE_SHARE) / DISTINCTIVE_SHARE))
    known = [u for u in units if _unit_tokens(u) & index.vocabulary.keys()]
    return [u for u in known if _unit_idf(u, index) >= floor]


def surface_form(unit: Unit, question: str) -> str:
    """How ``question`` spells ``unit`` (its first word with that stem: "malware" for the
    token "malwar"); an entity as it is."""
    if unit.kind == "entity":
        return unit.text
    words = re.findall(r"[\w'’]+", question)
    return next((w for w in words if unit.text in tokenize(w)), unit.text)


def count_present(
    units: Sequence[Unit], index: BM25Index, rows: Sequence[int], texts: Sequence[str]
) -> np.ndarray:
    """How many distinct ``units`` (by text) each paper at ``rows`` of ``index`` mentions
    (``texts``: their title + abstract)."""
    rows = np.asarray(rows, dtype=int)
    series = pd.Series(list(texts), dtype=str)
    by_text: dict[str, np.ndarray] = {}
    for unit in units:
        hits = _unit_presence(unit, index, rows, series)
        by_text[unit.text] = by_text.get(unit.text, np.zeros(len(rows), dtype=bool)) | hits
    return np.sum(list(by_text.values()), axis=0, dtype=int) if by_text else np.zeros(len(rows))


# Chosen on the tune half of the screening dev set (benchmarks/screen.py, benchmarks/README.md).
TOPIC_TOP = 100  # the BM25 top whose titles are compared with the question
ENTITY_PENALTY = 0.9  # topicality of a paper naming none of the question's topic entities
LEXICAL_WEIGHTS = {"subject": 2.0, "outcome": 1.0, "comparator": 0.5}


def lexical_topicality(coverage: pd.DataFrame) -> np.ndarray:
    """Weighted mean of the topic facets' coverage (subject 2, outcome 1, comparator 0.5),
    over the facets the question has: the topic signal without an encoder."""
    num = np.zeros(len(coverage))
    den = 0.0
    for facet, weight in LEXICAL_WEIGHTS.items():
        if coverage[facet].notna().any():
            num += weight * coverage[facet].fillna(0.0).to_numpy()
            den += weight
    return num / den if den else num


def title_similarity(encoder: object, question: str, titles: Sequence[str]) -> np.ndarray:
    """Cosine of the question and each title (MiniLM, ``synth.dense.Encoder``): how close a
    paper's own statement of its topic is to the question."""
    if not len(titles):
        return np.zeros(0, dtype=np.float32)
    vectors = encoder.encode([question, *[str(t) for t in titles]])
    return (vectors[1:] @ vectors[0]).astype(np.float32)


def _topic_entities(units: Sequence[Unit]) -> list[Unit]:
    return [u for u in units if u.kind == "entity" and u.facet in TOPIC_FACETS]


def assess(
    ranked: pd.DataFrame,
    question: str,
    index: BM25Index,
    positions: np.ndarray,
    encoder: object | None = None,
    top: int = TOPIC_TOP,
) -> pd.DataFrame:
    """``ranked`` (``screen.rank_papers``) with the topic signals of its first ``top`` rows.

    ``positions``: each ranked row's row in ``index`` (the index over title + abstract that
    ranked it).  Adds ``subject_match``, ``outcome_match``, ``benchmark_match`` (facet
    coverage, 0-1), ``topic_entities`` (how many of the question's subject / outcome /
    comparator entities the paper names, case-sensitively), ``distinctive`` (how many of the
    question's ``distinctive_units`` it names), ``phrase_match`` (the share of the question's
    phrases it writes, ``synth.phrases``), ``title_similarity`` (cosine
    with the question; NaN without an encoder) and ``topicality`` (title similarity, or the
    lexical topicality without an encoder, x ``ENTITY_PENALTY`` when the question names
    topic entities and the paper none of them).  Rows beyond ``top`` get NaN.
    """
    units = facet_units(question)
    head = ranked.head(top)
    texts = (head["title"].fillna("") + ". " + head["abstract"].fillna("")).tolist()
    coverage = facet_coverage(units, index, positions[: len(head)], texts)
    series = pd.Series(texts, dtype=str)
    found = {
        u: _unit_presence(u, index, positions[: len(head)], series) for u in _topic_entities(units)
    }
    entities = [u for u, hits in found.items() if hits.any()]  # names no candidate has: ignored
    named = np.zeros(len(head), dtype=int)
    for unit in entities:
        named += found[unit]
    if encoder is not None:
        signal = title_similarity(encoder, question, head["title"].fillna("").tolist())
    else:
        signal = lexical_topicality(coverage)
    penalty = np.where((named == 0) & bool(entities), ENTITY_PENALTY, 1.0)
    benchmark = coverage[list(BENCHMARK_FACETS)].max(axis=1, skipna=True)
    rare = distinctive_units(units, index)
    phrases = question_phrases(question, _PREDICATE)
    columns = {
        "subject_match": coverage["subject"].to_numpy(),
        "outcome_match": coverage["outcome"].to_numpy(),
        "benchmark_match": benchmark.to_numpy(),
        "topic_entities": named,
        "distinctive": count_present(rare, index, positions[: len(head)], texts),
        "phrase_match": phrase_match(list(phrases), texts, index),
        "title_similarity": signal if encoder is not None else np.full(len(head), np.nan),
        "topicality": signal * penalty,
    }
    out = ranked.copy()
    for name, values in columns.items():
        full = np.full(len(ranked), np.nan)
        full[: len(head)] = values
        out[name] = np.round(full, 4)
    out.attrs["topic_entities"] = [u.text for u in entities]
    out.attrs["distinctive"] = list(dict.fromkeys(surface_form(u, question) for u in rare))
    out.attrs["phrases"] = list(phrases.values())
    out.attrs["encoder"] = encoder is not None
    return out

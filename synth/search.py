"""Search stage: turn a research question into search terms and arXiv queries, then fetch
candidates from arXiv (``sources.arxiv``) or load a local corpus (``sources.local``).

The question is never sent as a whole sentence: ``extract_key_terms`` keeps its named
entities (model and dataset names such as InternVideo2, MSR-VTT) and its key phrases
("cross-domain generalization"); ``synth.queries`` turns them and the question's facets into
field-scoped boolean arXiv queries.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from synth.io import file_sha256
from synth.question import YES_NO_AUX
from synth.sources import arxiv as arxiv_source
from synth.sources import local
from synth.store.filters import Filters
from synth.text import STOP_WORDS

# Words that frame a research question rather than name its topic.
QUESTION_WORDS = frozenset(YES_NO_AUX) | frozenset(
    """
    how what which whether why when quantitatively quantitative shown show demonstrated
    demonstrate enhance enhances improve improves evaluated evaluate evaluating compared
    compare comparing measured measure like such effect effects impact role lead leads
    relative versus vs benchmarks benchmark models model trained traditional conventional
    existing approaches methods method performance better worse more less significantly
    """.split()
)

# Verbs that relate two topics: kept as search words, but a key phrase never spans them.
RELATION_WORDS = frozenset(
    """
    reduce reduces reducing increase increases increasing affect affects cause causes
    predict predicts outperform outperforms help helps prevent prevents mitigate mitigates
    boost boosts degrade degrades influence influences follow follows correlate correlates
    depend depends benefit benefits hurt hurts
    """.split()
)

_ENTITY = re.compile(
    r"(?<![\w-])("
    r"[A-Za-z]+[A-Z][A-Za-z]*\d*[A-Za-z\d]*"  # camel case: DiDeMo, InternVideo2
    r"|[A-Za-z]*\d+[A-Za-z][\w]*"  # letters+digits: T5, Qwen2
    r"|[A-Za-z][A-Za-z\d]*\d[A-Za-z\d]*"  # InternVideo2, GPT4
    r"|[A-Z][A-Za-z\d]*(?:-[A-Za-z\d]+)+"  # hyphenated names: MSR-VTT, FollowIR-7B
    r"|[A-Z]{2,}s?"  # acronyms: CLIP, LLMs
    r")(?![\w-])"
)
_SPLIT = re.compile(r"[^\w\s'-]+|\s+-\s+")


def extract_entities(question: str) -> list[str]:
    """Named entities of a question: model, dataset and method names, in order, unique."""
    text = re.sub(r"[’']s\b", "", question)
    seen: dict[str, None] = {}
    for match in _ENTITY.finditer(text):
        name = match.group(1)
        if name.lower() not in STOP_WORDS and name.lower() not in QUESTION_WORDS:
            seen.setdefault(name, None)
    first = text.split()[0] if text.split() else ""
    return [e for e in seen if not (e == first and e.istitle() and not any(c.isdigit() for c in e))]


def extract_key_terms(question: str) -> pd.DataFrame:
    """Search terms of a question.

    Returns a table ``term, kind, weight``: kind is ``entity`` (weight 3), ``phrase``
    (a run of two or three content words, weight 1.5) or ``word`` (weight 1).
    """
    entities = extract_entities(question)
    ent_lower = {e.lower() for e in entities}
    text = re.sub(r"[’']s\b", "", question)
    rows = [{"term": e, "kind": "entity", "weight": 3.0} for e in entities]
    seen_words: set[str] = set()
    for chunk in _SPLIT.split(text):
        run: list[str] = []
        for word in chunk.split() + [""]:
            low = word.lower().strip("'")
            content = low and low not in STOP_WORDS and low not in QUESTION_WORDS
            if content and low not in ent_lower and low not in RELATION_WORDS:
                run.append(word.strip("'"))
                continue
            if low in RELATION_WORDS and low not in seen_words:
                seen_words.add(low)
                rows.append({"term": word, "kind": "word", "weight": 1.0})
            if len(run) >= 2:
                rows.append({"term": " ".join(run[-3:]), "kind": "phrase", "weight": 1.5})
            for w in run:
                if w.lower() not in seen_words:
                    seen_words.add(w.lower())
                    rows.append({"term": w, "kind": "word", "weight": 1.0})
            run = []
    terms = pd.DataFrame(rows, columns=["term", "kind", "weight"])
    return terms.drop_duplicates("term").reset_index(drop=True)


# Ranking weight of a term by kind. Measured on the SciFact training claims (tune half): the
# display weights (entity 3, phrase 1.5) cost 0.02 nDCG@10 against plain BM25 of the text,
# equal weights tie with it; entities keep a mild boost, which names a question's topic.
QUERY_WEIGHTS = {"entity": 1.5, "phrase": 1.0, "word": 1.0}


def weighted_query(terms: pd.DataFrame) -> dict[str, float]:
    """The ranking query: term text -> weight by kind (``QUERY_WEIGHTS``), tokenised later by
    the index; a token in several terms keeps its largest weight."""
    return {
        str(t): QUERY_WEIGHTS.get(str(k), 1.0)
        for t, k in zip(terms["term"], terms["kind"], strict=True)
    }


def compute_term_hits(papers: pd.DataFrame, terms: pd.DataFrame) -> pd.DataFrame:
    """How many candidates mention each search term in title or abstract (case-insensitive;
    a hyphenated term also matches spelled with a space or joined: MSR-VTT, MSR VTT, MSRVTT)."""
    text = (
        " "
        + (papers["title"] + " " + papers["abstract"])
        .str.lower()
        .str.replace(r"[^a-z0-9]+", " ", regex=True)
        + " "
    )
    hits = []
    for term in terms["term"]:
        parts = re.sub(r"[^a-z0-9]+", " ", str(term).lower()).split()
        pattern = " (?:" + re.escape(" ".join(parts)) + "|" + re.escape("".join(parts)) + ") "
        hits.append(int(text.str.contains(pattern, regex=True).sum()) if parts else 0)
    return terms.assign(papers=hits)


def plot_term_hits(table: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Horizontal bars: candidates mentioning each search term, coloured by kind."""
    ax = ax or plt.subplots(figsize=(7, max(2.0, 0.3 * len(table))))[1]
    colours = table["kind"].map({"entity": "tab:red", "phrase": "tab:blue", "word": "tab:gray"})
    ax.barh(table["term"].astype(str), table["papers"], color=colours)
    ax.invert_yaxis()
    ax.set_xlabel("candidate papers mentioning the term")
    ax.set_title("Search terms (red: entity, blue: phrase, grey: word)")
    return ax


@dataclass(frozen=True)
class SearchResult:
    """What the search stage found.

    candidates: the papers table (``sources.PAPER_COLUMNS``), one row per unique paper;
    queries: ``query, returned, complete, from_cache, error``; files / skipped: the local
    loader's report (empty for arXiv); record: the counts and provenance for ``search.json``.
    """

    candidates: pd.DataFrame
    queries: pd.DataFrame
    files: pd.DataFrame
    skipped: pd.DataFrame
    record: dict


def search_index(
    question: str, index: str, terms: pd.DataFrame, filters: Filters, max_candidates: int
) -> SearchResult:
    """The ``max_candidates`` best papers of a persistent index (``synth.store``) for the
    question's ``terms``, ranked as ``screen.rank_papers`` ranks them, and the index's
    statistics for the query (``record["collection"]``) so that screening scores them as
    the whole index would."""
    from synth.store.query import open_index

    reader = open_index(index)
    query = weighted_query(terms)
    hits = reader.search(query, max_candidates, filters)
    candidates = reader.papers(hits)
    what = f"BM25 top {len(candidates)} of {reader.n_docs} papers in index {Path(index).name}"
    log = pd.DataFrame(
        {
            "query": [what + (f" ({describe_filters(filters)})" if filters else "")],
            "returned": [len(candidates)],
            "complete": [True],
            "from_cache": [False],
            "error": [""],
        }
    )
    files = pd.DataFrame(columns=["file", "format", "records", "loaded", "skipped"])
    skipped = pd.DataFrame(columns=["file", "record", "reason"])
    record = _record(question, f"index {Path(index).name}", "", log, skipped, candidates, 0)
    record.update(
        index=str(index),
        index_papers=reader.n_docs,
        index_scored=hits.matched,  # papers scored: the rest cannot reach the top
        index_manifest_sha256=file_sha256(Path(index) / "manifest.json"),
        input_hash=hashlib.sha256(",".join(hits.ids).encode()).hexdigest(),
        collection=reader.collection(query),
    )
    return SearchResult(candidates, log, files, skipped, record)


def describe_filters(filters: Filters) -> str:
    """``categories cs.CV, years 2024-9999`` (for logs and the report)."""
    parts = []
    if filters.categories:
        parts.append("categories " + " ".join(filters.categories))
    if filters.years:
        parts.append(f"years {filters.years[0]}-{filters.years[1]}")
    return ", ".join(parts)


def _record(question, source, corpus, log, skipped, candidates, duplicates) -> dict:
    return {
        "question": question,
        "source": source,
        "corpus": corpus,
        "searched_on": dt.datetime.now(dt.UTC).date().isoformat(),
        "identified": int(log["returned"].sum()),
        "duplicates_removed": int(duplicates),
        "records_skipped": len(skipped),
        "skipped_by_reason": {str(k): int(v) for k, v in skipped["reason"].value_counts().items()},
        "candidates": len(candidates),
        "complete": bool(log["complete"].all()) if len(log) else False,
        "collection": {},
    }


def gather_candidates(
    question: str,
    queries: list[str],
    corpus: str = "",
    max_results_per_query: int = 50,
    client: object | None = None,
    progress: bool = True,
    filters: Filters | None = None,
) -> SearchResult:
    """Load the local ``corpus`` or run ``queries`` on arXiv through ``client``
    (``sources.arxiv.make_client``), keep the papers passing ``filters``; count what was
    identified and removed."""
    if corpus:
        path = local.resolve_corpus(corpus)
        loaded = local.load_corpus(path)
        candidates = loaded.papers
        log = pd.DataFrame(
            {
                "query": [f"all records of {path.name}"],
                "returned": [len(candidates) + loaded.duplicates],
                "complete": [True],
                "from_cache": [False],
                "error": [""],
            }
        )
        files, skipped = loaded.files, loaded.skipped
        duplicates, source = loaded.duplicates, f"local corpus {path.name}"
        input_hash = local.corpus_sha256(path)
    else:
        candidates, log = arxiv_source.search_arxiv(
            queries, max_results_per_query, client, progress=progress
        )
        files = pd.DataFrame(columns=["file", "format", "records", "loaded", "skipped"])
        skipped = pd.DataFrame(columns=["file", "record", "reason"])
        duplicates, source = int(log["returned"].sum()) - len(candidates), "arXiv API"
        input_hash = hashlib.sha256(candidates["paper_id"].str.cat(sep=",").encode()).hexdigest()
    if filters:
        kept = filters.apply(candidates)
        log = pd.concat(
            [log, pd.DataFrame([_filter_row(filters, len(candidates) - len(kept))])],
            ignore_index=True,
        )
        candidates = kept
    record = _record(question, source, corpus, log, skipped, candidates, duplicates)
    record["input_hash"] = input_hash
    return SearchResult(candidates, log, files, skipped, record)


def _filter_row(filters: Filters, removed: int) -> dict:
    return {
        "query": f"filter: {describe_filters(filters)} ({removed} papers removed)",
        "returned": 0,
        "complete": True,
        "from_cache": False,
        "error": "",
    }

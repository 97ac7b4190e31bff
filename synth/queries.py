"""arXiv queries from a research question: acronyms it defines, spelling variants, and
field-scoped boolean queries built from its facets (subject with task, benchmark or
comparator) or, for a question without a subject, from its search terms.  The search stage
(``10_search``) sends them through ``sources.arxiv``."""

from __future__ import annotations

import itertools
import re

import pandas as pd

from synth.search import extract_key_terms
from synth.text import STOP_WORDS

_ACRONYM_DEF = re.compile(
    r"((?:[A-Za-z][\w-]*\s+){0,5}[A-Za-z][\w-]*)\s*\(([A-Z][A-Za-z]*[A-Z]s?)\)"
)


_ACRONYM_FIRST = re.compile(r"(?<![\w-])([A-Z][A-Za-z]*[A-Z]s?)\s*\(([A-Za-z][\w\s-]{2,80}?)\)")


def _initials(words: list[str]) -> str:
    return "".join(p[0] for w in words for p in w.split("-") if p).upper()


def initialisms(phrase: str) -> list[str]:
    """Acronyms a paper may write for ``phrase``: the initials of each run of 2-5 of its words
    (split at spaces and hyphens) that starts and ends with a content word, in capitals, with
    a function word inside as a small letter or left out ("chain-of-thought" -> "CoT"); those
    shorter than three letters ("SD", "LM": too many meanings) are left out."""
    words = [w for w in re.split(r"[\s-]+", phrase) if w[:1].isalpha()]
    content = [w.lower() not in STOP_WORDS for w in words]
    out: list[str] = []
    for start, end in itertools.combinations(range(len(words) + 1), 2):
        if not 2 <= end - start <= 5 or not content[start] or not content[end - 1]:
            continue
        run = zip(words[start:end], content[start:end], strict=True)
        small = "".join(w[0].upper() if c else w[0].lower() for w, c in run)
        for acronym in (small, "".join(c for c in small if c.isupper())):
            if len(acronym) >= 3 and sum(c.isupper() for c in acronym) >= 2 and acronym not in out:
                out.append(acronym)
    return out


def find_acronyms(text: str) -> dict[str, str]:
    """Acronyms defined in ``text`` as "long form (ACR)" or "ACR (long form)": acronym ->
    long form, the long form being the shortest run of words next to the acronym whose
    initials spell it (in "ACR (long form)", the whole parenthesis must spell it)."""
    out: dict[str, str] = {}
    for match in _ACRONYM_FIRST.finditer(text):
        acronym = match.group(1).removesuffix("s")
        words = match.group(2).split()
        if _initials(words) == acronym.upper():
            out[acronym] = " ".join(words)
    for match in _ACRONYM_DEF.finditer(text):
        acronym = match.group(2).removesuffix("s")
        words = match.group(1).split()
        for n in range(1, len(words) + 1):
            if _initials(words[-n:]) == acronym.upper():
                out[acronym] = " ".join(words[-n:])
                break
    return out


def term_variants(term: str, acronyms: dict[str, str] | None = None) -> list[str]:
    """Spellings of one search term, the term first: a hyphenated name joined ("MSR-VTT" ->
    "MSRVTT"), a plural acronym in the singular ("LLMs" -> "LLM"), an acronym's long form and
    a long form's acronym (from ``acronyms``, e.g. ``find_acronyms(question)``)."""
    out = [term]
    if re.fullmatch(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+", term) and any(c.isupper() for c in term):
        out.append(term.replace("-", ""))
    if re.fullmatch(r"[A-Z]{2,}s", term):
        out.append(term[:-1])
    for acronym, long_form in (acronyms or {}).items():
        if term.rstrip("s") == acronym:
            out.append(long_form)
        elif term.lower() == long_form.lower():
            out.append(acronym)
    return list(dict.fromkeys(out))


def _quote(term: str) -> str:
    return f'"{term}"' if re.search(r"[\s-]", term) else term


def build_arxiv_queries(
    terms: pd.DataFrame, max_queries: int = 6, acronyms: dict[str, str] | None = None
) -> list[str]:
    """Field-scoped arXiv queries, most specific first.

    1. the entities OR-ed over all fields, each with its spellings (``term_variants``:
    "MSR-VTT" OR "MSRVTT", an acronym OR its long form from ``acronyms``); 2. that group AND
    each key phrase in the abstract; 3. key phrases pairwise in the abstract; 4. each key
    phrase in title or abstract; 5. the content words AND-ed (only where fewer queries came
    out of 1-4).
    """
    entities = terms.loc[terms["kind"] == "entity", "term"].tolist()
    phrases = terms.loc[terms["kind"] == "phrase", "term"].tolist()
    words = terms.loc[terms["kind"] == "word", "term"].tolist()
    spellings = [v for e in entities for v in term_variants(e, acronyms)]
    group = " OR ".join(f"all:{_quote(e)}" for e in dict.fromkeys(spellings))
    queries: list[str] = [group] if group else []
    if len(spellings) > 1:
        group = f"({group})"
    for phrase in phrases:
        if group:
            queries.append(f"{group} AND abs:{_quote(phrase)}")
    for i, a in enumerate(phrases):
        for b in phrases[i + 1 :]:
            queries.append(f"abs:{_quote(a)} AND abs:{_quote(b)}")
    queries.extend(f"ti:{_quote(p)} OR abs:{_quote(p)}" for p in phrases)
    if words and len(queries) < max_queries:
        anded = " AND ".join(f"abs:{_quote(w)}" for w in words[:3])
        queries.append(f"{group} AND {anded}" if group else anded)
    return list(dict.fromkeys(queries))[: max(1, max_queries)]


def facet_terms(question: str) -> dict[str, list[str]]:
    """Search terms per facet of ``question`` (``question.analyze_question``): each facet's
    own entities and key phrases (``extract_key_terms`` of its text), most specific first,
    else its content words as one phrase; an acronym the question defines gives way to its
    long form ("SAM (sharpness-aware minimization)": the long form only)."""
    from synth.question import analyze_question

    analysis = analyze_question(question)
    acronyms = find_acronyms(question)
    out: dict[str, list[str]] = {}
    for facet in ("subject", "outcome", "comparator", "dataset", "metric"):
        text = getattr(analysis, facet)
        if not text:
            continue
        terms = extract_key_terms(text)
        terms = terms[~terms["term"].str.rstrip("s").isin(acronyms)]
        acronym = terms["term"].str.fullmatch(r"[A-Z\d]+s?") & (terms["kind"] == "entity")
        order = terms["kind"].map({"entity": 0, "phrase": 1, "word": 3}).where(~acronym, 2)
        ranked = terms.assign(order=order, length=-terms["term"].str.len()).sort_values(
            ["order", "length"], kind="stable"
        )
        found = ranked.loc[ranked["kind"] != "word", "term"].tolist()
        words = ranked.loc[ranked["kind"] == "word", "term"].tolist()
        found += [lf for a, lf in acronyms.items() if lf.lower() in text.lower() + " " + a]
        if not found and words:
            found = [" ".join(words[:3])]
        if found:
            out[facet] = list(dict.fromkeys(found))
    return out


def _either(names: list[str], field: str = "all") -> str:
    spellings = dict.fromkeys(v for n in names for v in term_variants(n))
    group = " OR ".join(f"{field}:{_quote(v)}" for v in spellings)
    return f"({group})" if len(spellings) > 1 else group


def build_facet_queries(facets: dict[str, list[str]], max_queries: int = 6) -> list[str]:
    """arXiv queries that ask for the question's subject together with its task: subject AND
    outcome, subject AND benchmark, outcome AND benchmark, subject AND comparator, the
    subject in a title, then the next subject and outcome terms; never a benchmark or metric
    name alone, and an acronym the question defines only through its long form (``SAM``
    alone would find Segment Anything).  Empty when the question has no subject."""
    subject, outcome = facets.get("subject", []), facets.get("outcome", [])
    if not subject:
        return []
    benchmarks = facets.get("dataset", [])
    s1 = _either(subject[:1])
    queries = [f"{s1} AND {_either(outcome[:1], 'abs')}"] if outcome else []
    if benchmarks:
        queries.append(f"{s1} AND {_either(benchmarks)}")
        if outcome:
            queries.append(f"{_either(outcome[:1])} AND {_either(benchmarks)}")
    if facets.get("comparator"):
        queries.append(f"{s1} AND {_either(facets['comparator'][:1])}")
    queries.append(_either(subject[:1], "ti"))
    queries += [
        f"{_either([s])} AND {_either([o], 'abs')}" for s in subject[1:3] for o in outcome[:2]
    ]
    return list(dict.fromkeys(queries))[: max(1, max_queries)]


def search_queries(question: str, terms: pd.DataFrame, max_queries: int = 6) -> list[str]:
    """The search stage's arXiv queries: the facet queries (``build_facet_queries``), topped
    up to ``max_queries`` with the term queries (``build_arxiv_queries``) that do not ask for
    named entities alone; the term queries only, for a question with no subject."""
    term_queries = build_arxiv_queries(terms, max_queries + 1, find_acronyms(question))
    facet_queries = build_facet_queries(facet_terms(question), max_queries)
    if not facet_queries:
        return term_queries[:max_queries]
    entities_only = term_queries[:1] if (terms["kind"] == "entity").any() else []
    extra = [q for q in term_queries if q not in entities_only and q not in facet_queries]
    return (facet_queries + extra)[: max(1, max_queries)]

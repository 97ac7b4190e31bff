from __future__ import annotations

import pandas as pd

from synth import search
from synth.config import SEED_QUESTION
from synth.queries import (
    build_arxiv_queries,
    build_facet_queries,
    facet_terms,
    find_acronyms,
    initialisms,
    search_queries,
    term_variants,
)


def test_entities_of_the_seed_question():
    assert search.extract_entities(SEED_QUESTION) == ["InternVideo2", "MSR-VTT", "DiDeMo"]


def test_key_terms_keep_phrases_and_drop_question_words():
    terms = search.extract_key_terms(SEED_QUESTION)
    phrases = set(terms.loc[terms["kind"] == "phrase", "term"])
    assert {"cross-domain generalization", "training data"} <= phrases
    words = set(terms["term"].str.lower())
    assert not words & {"can", "quantitatively", "shown", "compared", "like", "benchmarks"}


def test_queries_are_field_scoped_and_never_the_whole_question():
    terms = search.extract_key_terms(SEED_QUESTION)
    queries = build_arxiv_queries(terms, max_queries=6)
    assert queries[0] == 'all:InternVideo2 OR all:"MSR-VTT" OR all:MSRVTT OR all:DiDeMo'
    assert 1 < len(queries) <= 6
    queries = search_queries(SEED_QUESTION, terms, 6)
    assert queries[0] == 'all:InternVideo2 AND abs:"cross-domain generalization"'
    assert 1 < len(queries) <= 6
    assert all(q.startswith(("all:", "abs:", "ti:", "(")) for q in queries)
    assert all(len(q) < len(SEED_QUESTION) for q in queries)
    assert any('abs:"cross-domain generalization"' in q for q in queries)


def test_question_without_entities_still_gets_queries():
    terms = search.extract_key_terms("How does dropout affect generalization of deep networks?")
    assert "entity" not in set(terms["kind"])
    queries = build_arxiv_queries(terms)
    assert queries and all(
        "dropout" in q or "deep networks" in q or "generalization" in q for q in queries
    )


def test_relation_verbs_do_not_glue_phrases():
    terms = search.extract_key_terms(
        "Does retrieval-augmented generation reduce hallucination in LLMs?"
    )
    assert "retrieval-augmented generation" in set(terms["term"])
    assert not any("reduce" in t for t in terms.loc[terms["kind"] == "phrase", "term"])


def test_term_hits_count_papers_mentioning_each_term():
    papers = pd.DataFrame(
        {
            "title": ["MSR-VTT results", "Other"],
            "abstract": ["We test on msr-vtt and DiDeMo.", "Nothing here."],
        }
    )
    terms = pd.DataFrame(
        {"term": ["MSR-VTT", "DiDeMo", "InternVideo2"], "kind": ["entity"] * 3, "weight": [3.0] * 3}
    )
    hits = search.compute_term_hits(papers, terms)
    assert hits["papers"].tolist() == [1, 1, 0]


def test_acronyms_and_spelling_variants():
    q = (
        "Does retrieval-augmented generation (RAG) reduce hallucination "
        "in large language models (LLMs)?"
    )
    acronyms = find_acronyms(q)
    assert acronyms == {"RAG": "retrieval-augmented generation", "LLM": "large language models"}
    assert term_variants("LLMs", acronyms) == ["LLMs", "LLM", "large language models"]
    assert term_variants("MSR-VTT") == ["MSR-VTT", "MSRVTT"]
    assert term_variants("cross-domain") == ["cross-domain"]
    queries = build_arxiv_queries(search.extract_key_terms(q), acronyms=acronyms)
    assert 'all:"retrieval-augmented generation"' in queries[0] and "all:RAG" in queries[0]


def test_initialisms_a_paper_may_write_for_a_phrase():
    assert initialisms("chain-of-thought") == ["CoT"]  # "CT": shorter than three letters
    assert initialisms("retrieval-augmented generation") == ["RAG"]
    assert initialisms("Kolmogorov-Arnold network layers")[0] == "KAN"
    assert "CRF" in initialisms("a conditional random field layer")
    assert initialisms("capsule networks") == initialisms("distant") == []
    crf = initialisms("adding a conditional random field layer on top of a BERT encoder")
    assert all(a[0].isupper() and a[-1].isupper() for a in crf)  # no run starts on "of"


def test_ranking_weights_keep_entities_mildly_ahead():
    terms = search.extract_key_terms("Does DiDeMo help text-video retrieval?")
    query = search.weighted_query(terms)
    assert query["DiDeMo"] == search.QUERY_WEIGHTS["entity"] > query["retrieval"] == 1.0


def test_facet_queries_ask_for_the_subject_with_its_task_never_a_benchmark_alone():
    q = "Do diffusion models outperform GANs for text-to-image generation by FID on MS-COCO?"
    facets = facet_terms(q)
    assert facets["subject"] == ["diffusion"] and facets["dataset"] == ["MS-COCO"]
    queries = search_queries(q, search.extract_key_terms(q), 6)
    assert queries[0] == 'all:diffusion AND abs:"text-to-image generation"'
    for query in queries:
        assert " AND " in query or query.startswith(("ti:", "abs:"))
        assert query not in ('all:"MS-COCO" OR all:MSCOCO', "all:FID")


def test_an_acronym_the_question_defines_is_searched_by_its_long_form():
    q = "Does SAM (sharpness-aware minimization) improve generalization compared with SGD?"
    facets = facet_terms(q)
    assert facets["subject"] == ["sharpness-aware minimization"]
    facet_queries = build_facet_queries(facets)
    assert facet_queries[0].startswith('all:"sharpness-aware minimization" AND')
    assert not any("all:SAM" in x for x in facet_queries)


def test_a_question_without_a_subject_gets_the_term_queries():
    q = "How do video diffusion models keep temporal consistency?"
    terms = search.extract_key_terms(q)
    assert search_queries(q, terms, 6) == build_arxiv_queries(terms, 7, find_acronyms(q))[:6]

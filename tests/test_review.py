"""Reviewers read the run's tables; their scores must move with the quality of the run."""

from __future__ import annotations

import pandas as pd
import pytest

from synth import claims, review, screen, search, verify
from synth.sources import dedupe_papers, make_papers

from corpus import OFF_TOPIC, ON_TOPIC

QUESTION = "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?"


def _run_tables(records: list[dict]) -> review.RunTables:
    """The stages' functions in-process, as the notebooks call them."""
    rows = [
        {
            "paper_id": r["id"].split("v")[0] if "v" in r["id"][5:] else r["id"],
            "title": r["title"],
            "abstract": r["summary"],
            "authors": "; ".join(r["authors"]),
            "year": 2025,
            "source": "jsonl",
        }
        for r in records
    ]
    papers, _ = dedupe_papers(make_papers(rows))
    terms = search.extract_key_terms(QUESTION)
    n_entities = int((terms["kind"] == "entity").sum())
    screened = screen.screen_papers(screen.rank_papers(papers, terms), n_entities, max_included=8)
    included = screened[screened["included"]]
    sentences = claims.sentence_table(included)
    scores = claims.score_claims(sentences, included.set_index("paper_id")["title"])
    found = claims.extract_claims(sentences, scores, claims.DEFAULT_THRESHOLD, 4)
    verdicts = (
        verify.verify_claims(found, sentences)
        if len(found)
        else pd.DataFrame(columns=["claim_id", "label", "confidence"])
    )
    queries = pd.DataFrame(
        {"query": ["local"], "returned": [len(rows)], "complete": [True], "from_cache": [False]}
    )
    return review.RunTables(
        screened,
        found,
        verdicts,
        queries,
        {"n_entities": n_entities, "input_hash": "abc"},
        {"target_papers": 6, "max_included": 8},
    )


@pytest.fixture(scope="module")
def on_topic():
    return review.review_run(_run_tables(ON_TOPIC + OFF_TOPIC))


@pytest.fixture(scope="module")
def off_topic():
    return review.review_run(_run_tables(OFF_TOPIC))


def test_each_reviewer_gives_a_score_and_a_reason_with_a_figure(on_topic):
    names = [r["name"] for r in on_topic["reviewers"]]
    assert names == ["relevance", "evidence", "coverage", "claim quality", "transparency"]
    for r in on_topic["reviewers"]:
        assert 0 <= r["score"] <= 10
        assert any(ch.isdigit() for ch in r["rationale"]) and r["rationale"].endswith(".")


def test_off_topic_corpus_scores_at_least_two_points_lower(on_topic, off_topic):
    assert on_topic["overall"] - off_topic["overall"] >= 2.0
    rel_on = next(r for r in on_topic["reviewers"] if r["name"] == "relevance")
    rel_off = next(r for r in off_topic["reviewers"] if r["name"] == "relevance")
    assert rel_on["score"] >= 7 and rel_off["score"] <= 3


def test_overall_is_the_mean_and_spread_the_range(on_topic):
    scores = [r["score"] for r in on_topic["reviewers"]]
    assert on_topic["overall"] == pytest.approx(sum(scores) / len(scores), abs=0.01)
    assert on_topic["spread"] == pytest.approx(max(scores) - min(scores), abs=0.01)


def test_claim_reviewer_penalises_cut_and_duplicated_claims():
    base = review.RunTables(
        papers=pd.DataFrame({"included": [True], "exclusion_reason": [""]}),
        claims=pd.DataFrame(
            {
                "claim_id": ["a", "b"],
                "paper_id": ["p", "q"],
                "text": [
                    "TempMerge achieves 49.8 R@1 on MSR-VTT.",
                    "Frame averaging reaches 46.1 R@1 on MSR-VTT with ViT-B/32.",
                ],
            }
        ),
        verdicts=pd.DataFrame(),
        queries=pd.DataFrame(),
    )
    bad = review.RunTables(
        base.papers,
        pd.DataFrame(
            {
                "claim_id": ["a", "b"],
                "paper_id": ["p", "q"],
                "text": [
                    "FollowIR-7B has a parameter count of 50.7K and it improv",
                    "FollowIR-7B has a parameter count of 50.7K and it improv",
                ],
            }
        ),
        base.verdicts,
        base.queries,
    )
    assert review.review_claims(base)[0] - review.review_claims(bad)[0] >= 3

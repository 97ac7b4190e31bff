"""Reviewers read the run's tables; their scores must move with the quality of the run."""

from __future__ import annotations

import pandas as pd
import pytest

from synth import answer, claims, inclusion, results, review, screen, search, tuples, verify
from synth.dense import Encoder
from synth.question import analyze_question
from synth.sources import dedupe_papers, make_papers

from corpus import OFF_TOPIC, ON_TOPIC

QUESTION = "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?"


def _answer_tables(
    question: str, included: pd.DataFrame, sentences, found, tuples, coverage: dict
) -> dict:
    """The answer stage's record, evidence and results, as 45_answer computes them."""
    analysis = analyze_question(question)
    evidence = answer.compute_evidence(analysis, answer.paper_docs(included, sentences))
    verdict = answer.decide_verdict(evidence, analysis.kind)
    summary = answer.answer_summary(analysis, evidence, verdict, coverage)
    return {
        "answer": answer.answer_record(analysis, evidence, verdict, summary, coverage),
        "evidence": evidence,
        "results": results.compute_results(tuples, found, evidence[["paper_id", "ref"]]),
    }


def _run_tables(records: list[dict], question: str = QUESTION) -> review.RunTables:
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
    terms = search.extract_key_terms(question)
    n_entities = int((terms["kind"] == "entity").sum())
    papers = papers.reset_index(drop=True)
    indexes = screen.build_indexes(papers)
    screened = inclusion.screen_question(question, papers, indexes, 8, encoder=Encoder())
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
        **_answer_tables(
            question,
            included,
            sentences,
            found,
            tuples.extract_tuples(found),
            screened.attrs["coverage"],
        ),
    )


@pytest.fixture(scope="module")
def on_topic():
    return review.review_run(_run_tables(ON_TOPIC + OFF_TOPIC))


@pytest.fixture(scope="module")
def off_topic():
    return review.review_run(_run_tables(OFF_TOPIC))


@pytest.fixture(scope="module")
def uncovered():
    """A question the on-topic corpus does not test: papers on its words, no direct test."""
    question = "Does temporal modelling reduce hallucination in video captioning on MSVD?"
    return review.review_run(_run_tables(ON_TOPIC + OFF_TOPIC, question))


def test_each_reviewer_gives_a_score_and_a_reason_with_a_figure(on_topic):
    names = [r["name"] for r in on_topic["reviewers"]]
    assert names == list(review.REVIEWERS)
    for r in on_topic["reviewers"]:
        assert 0 <= r["score"] <= 10
        assert any(ch.isdigit() for ch in r["rationale"]) and r["rationale"].endswith(".")


def _score(result: dict, name: str) -> float:
    return next(r["score"] for r in result["reviewers"] if r["name"] == name)


def test_off_topic_corpus_scores_at_least_two_points_lower(on_topic, off_topic):
    assert on_topic["overall"] - off_topic["overall"] >= 2.0
    assert _score(on_topic, "relevance") >= 7 and _score(off_topic, "relevance") <= 3
    assert off_topic["overall"] < 5  # off-topic papers cannot score high


def test_no_direct_evidence_scores_lower_than_a_direct_answer(on_topic, uncovered):
    assert _score(uncovered, "answer") <= 2 < _score(on_topic, "answer")
    assert uncovered["overall"] < on_topic["overall"]


def test_overall_is_the_weighted_mean_and_spread_the_range(on_topic):
    scores = [r["score"] for r in on_topic["reviewers"]]
    weights = [r["weight"] for r in on_topic["reviewers"]]
    mean = sum(s * w for s, w in zip(scores, weights, strict=True)) / sum(weights)
    assert on_topic["overall"] == pytest.approx(mean, abs=0.01)
    assert on_topic["spread"] == pytest.approx(max(scores) - min(scores), abs=0.01)


def test_results_reviewer_rewards_results_lined_up_across_papers():
    def run(rows):
        table = pd.DataFrame(rows, columns=["metric", "dataset", "paper_id"])
        return review.RunTables(
            pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), results=table
        )

    shared = run([("R@1", "MSR-VTT", "a"), ("R@1", "MSR-VTT", "b")])
    alone = run([("R@1", "MSR-VTT", "a"), ("FID", "COCO", "b")])
    assert review.review_results(shared)[0] > review.review_results(alone)[0]
    assert review.review_results(run([]))[0] == 0


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


def test_relevance_is_capped_by_what_the_corpus_covers():
    papers = pd.DataFrame(
        {"included": [True, True], "coverage": [0.9, 0.8], "entity_matches": [1, 1]}
    )

    def run(level: str) -> review.RunTables:
        coverage = {"level": level, "statement": f"Coverage is {level}."}
        return review.RunTables(
            papers,
            pd.DataFrame(),
            pd.DataFrame(),
            pd.DataFrame(),
            {"n_entities": 1},
            answer={"coverage": coverage},
        )

    full, full_reason = review.review_relevance(run("covered"))
    thin, thin_reason = review.review_relevance(run("thin"))
    indirect, _ = review.review_relevance(run("indirect"))
    assert full == 10 and thin == review.COVERAGE_CAP["thin"] and indirect == 4
    assert "Coverage is thin." in thin_reason and "Capped" not in full_reason

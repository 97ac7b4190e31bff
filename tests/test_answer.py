"""The answer stage's parts on small tables: evidence per paper, the verdict rules, the
summary's citations, themes, results lined up across papers, and text shown as text."""

from __future__ import annotations

import pandas as pd
import pytest

from synth import answer, results, themes, tuples
from synth.claims import sentence_table
from synth.markdown import plain_text
from synth.question import analyze_question

from corpus import ON_TOPIC

QUESTION = "Does temporal modelling improve text-video retrieval on MSR-VTT?"


def _evidence(rows):
    cols = ["stance", "confidence", "direct"]
    ev = pd.DataFrame(rows, columns=cols)
    return ev.assign(
        ref=range(1, len(ev) + 1),
        paper_id=[f"p{i}" for i in range(len(ev))],
        title="t",
        sentence="s.",
        facets="",
        p_neutral=ev["confidence"].where(ev["stance"] == "NEUTRAL", 1 - ev["confidence"]),
    )


@pytest.mark.parametrize(
    ("rows", "verdict", "strength"),
    [
        (
            [("SUPPORT", 0.8, True), ("SUPPORT", 0.7, True), ("NEUTRAL", 0.9, False)],
            "supported",
            "moderate",
        ),
        ([("CONTRADICT", 0.8, True), ("SUPPORT", 0.3, False)], "contradicted", "weak"),
        ([("SUPPORT", 0.8, True), ("CONTRADICT", 0.7, True)], "mixed", "moderate"),
        ([("SUPPORT", 0.9, False), ("NEUTRAL", 0.9, True)], "insufficient", "none"),
        ([("NEUTRAL", 0.9, True)], "insufficient", "none"),
        ([("SUPPORT", 0.9, True)] * 3, "supported", "strong"),
    ],
)
def test_verdict_rules(rows, verdict, strength):
    v = answer.decide_verdict(_evidence(rows))
    assert (v.verdict, v.strength) == (verdict, strength)
    assert 0.0 <= v.confidence <= 1.0


def test_insufficient_names_nearest_evidence_and_open_questions_get_no_verdict():
    ev = _evidence([("NEUTRAL", 0.9, False), ("SUPPORT", 0.6, False)])
    v = answer.decide_verdict(ev)
    assert v.verdict == "insufficient" and v.nearest[0] == 2  # a stance beats none
    a = analyze_question(QUESTION)
    text = answer.answer_summary(a, ev, v)
    assert "does not cover" in text and "[2]" in text
    assert answer.decide_verdict(ev, kind="open").verdict is None


def test_the_coverage_statement_leads_the_summary_and_is_not_repeated():
    ev = _evidence([("NEUTRAL", 0.9, False), ("SUPPORT", 0.6, False)])
    v = answer.decide_verdict(ev)
    a = analyze_question(QUESTION)
    indirect = {"level": "indirect", "statement": "The corpus does not cover X directly."}
    text = answer.answer_summary(a, ev, v, indirect)
    assert text.startswith("The corpus does not cover X directly. No included paper tests")
    assert text.count("does not cover") == 1 and "[2]" in text
    none = {"level": "none", "statement": "The corpus does not cover this question: ..."}
    assert answer.answer_summary(a, ev.iloc[:0], v, none) == none["statement"]
    covered = {"level": "covered", "statement": "5 papers passed screening."}
    assert answer.answer_summary(a, ev, v, covered) == answer.answer_summary(a, ev, v)
    record = answer.answer_record(a, ev, v, text, indirect)
    assert record["coverage"]["level"] == "indirect"


def test_summary_cites_the_papers_and_quotes_the_sentence():
    ev = _evidence([("SUPPORT", 0.8, True), ("CONTRADICT", 0.2, False)])
    ev.loc[0, "sentence"] = "Temporal modelling improves R@1 by 2.1 on MSR-VTT."
    a = analyze_question(QUESTION)
    v = answer.decide_verdict(ev)
    text = answer.answer_summary(a, ev, v)
    assert text.startswith("The evidence supports the hypothesis that temporal modelling")
    assert "[1]" in text and "2.1 on MSR-VTT" in text and "[2] point the other way" in text
    record = answer.answer_record(a, ev, v, text)
    assert record["verdict"] == "supported" and record["kind"] == "yes_no"
    assert {e["stance"] for e in record["evidence"]} == {"SUPPORT", "CONTRADICT"}


def test_a_title_close_to_the_question_is_direct_evidence_whatever_its_words():
    docs = pd.DataFrame(
        {
            "paper_id": ["near", "far"],
            "title": ["Frame order helps clip search", "Frame order helps clip search"],
            "sentences": [["Frame order helps clip search."]] * 2,
            "positions": [[0]] * 2,
            "title_similarity": [answer.DIRECT_SIMILARITY, answer.DIRECT_SIMILARITY - 0.01],
        }
    )
    docs["text"] = docs["title"]
    facets = answer.match_facets(analyze_question(QUESTION), docs).set_index("paper_id")
    assert not facets.loc["near", "subject"]  # no word of the subject ...
    assert facets.loc["near", "direct"] and not facets.loc["far", "direct"]  # ... yet direct
    without = answer.match_facets(analyze_question(QUESTION), docs.drop(columns="title_similarity"))
    assert not without["direct"].any()


def test_evidence_on_the_tiny_corpus_finds_the_direct_papers():
    papers = pd.DataFrame(ON_TOPIC).rename(columns={"id": "paper_id", "summary": "abstract"})
    papers["paper_id"] = papers["paper_id"].str.replace(r"v\d+$", "", regex=True)
    papers = papers.drop_duplicates("paper_id", keep="last").reset_index(drop=True)
    docs = answer.paper_docs(papers, sentence_table(papers))
    ev = answer.compute_evidence(analyze_question(QUESTION), docs)
    assert list(ev.columns) == answer.EVIDENCE_COLUMNS and len(ev) == len(papers)
    assert set(ev["stance"]) <= set(answer.STANCES) and ev["confidence"].between(0, 1).all()
    with_stance = ev[ev["stance"] != "NEUTRAL"]
    assert len(with_stance) and (with_stance["sentence"].str.len() > 0).all()
    for row in ev.itertuples():  # each evidence sentence is a sentence of its own paper
        abstract = " ".join(
            papers.loc[papers["paper_id"] == row.paper_id, "abstract"].iloc[0].split()
        )
        assert row.sentence == "" or row.sentence in abstract


def test_themes_group_papers_and_name_them():
    papers = pd.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(8)],
            "title": ["video retrieval"] * 4 + ["protein folding"] * 4,
            "abstract": ["text video retrieval with temporal tokens on MSR-VTT"] * 4
            + ["protein structure prediction with folding models"] * 4,
        }
    )
    table, assigned = themes.compute_themes(papers, n_themes=2)
    assert sorted(table["papers"]) == [4, 4]
    by_theme = assigned.groupby("theme")["paper_id"].apply(set).tolist()
    assert {"p0", "p1", "p2", "p3"} in by_theme
    assert any("protein" in label or "folding" in label for label in table["label"])
    assert themes.theme_count(0) == 0 and themes.theme_count(3) == 1
    assert themes.theme_count(50) == 5


def test_results_line_up_by_metric_and_dataset():
    tuples = pd.DataFrame(
        {
            "claim_id": ["a#1", "b#1", "c#1"],
            "subject": ["TempMerge", "", "X"],
            "metric": ["R@1", "R@1", "FID"],
            "dataset": ["MSR-VTT", "MSRVTT", "COCO"],
            "value": ["49.8", "46.1", "7.1"],
            "unit": ["", "", ""],
            "kind": ["value"] * 3,
        }
    )
    claims = pd.DataFrame(
        {
            "claim_id": ["a#1", "b#1", "c#1"],
            "paper_id": ["a", "b", "c"],
            "text": ["TempMerge reaches 49.8 R@1 on MSR-VTT.", "...", "..."],
        }
    )
    refs = pd.DataFrame({"paper_id": ["a", "b", "c"], "ref": [1, 2, 3]})
    found = results.compute_results(tuples, claims, refs)
    assert list(found["ref"][:2]) == [1, 2]  # the shared metric and dataset first
    shared = results.shared_results(found)
    assert list(shared.columns) == ["R@1 on MSR-VTT"] and len(shared) == 2
    assert shared.loc["TempMerge [1]", "R@1 on MSR-VTT"] == "49.8"


def test_results_from_every_sentence_of_the_papers():
    papers = pd.DataFrame({"paper_id": ["a", "b"], "title": ["TempMerge: Merging Frames", "B"]})
    sentences = pd.DataFrame(
        {
            "paper_id": ["a", "a", "b"],
            "sentence_index": [0, 1, 0],
            "text": [
                "We merge frames.",
                "It reaches 49.8% R@1 on MSR-VTT.",
                "BaseNet obtains 46.1% R@1 on MSR-VTT.",
            ],
        }
    )
    found = results.compute_results(
        tuples.paper_tuples(papers, sentences),
        pd.DataFrame(columns=["claim_id", "paper_id", "text"]),  # no claim needed
        pd.DataFrame({"paper_id": ["a", "b"], "ref": [1, 2]}),
    )
    assert found[["method", "value", "ref", "claim_id"]].values.tolist() == [
        ["TempMerge", "49.8", 1, "a#1"],
        ["BaseNet", "46.1", 2, "b#0"],
    ]
    assert found.loc[0, "sentence"] == "It reaches 49.8% R@1 on MSR-VTT."


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (r"improves R@1 by $5.2\%$ on MSR-VTT", "improves R@1 by 5.2% on MSR-VTT"),
        (r"\textbf{MAVIS} is $2\times$ faster", "MAVIS is 2× faster"),
        ("AT&amp;T &lt;b&gt;", "AT&T <b>"),
        (r"mAP\textsubscript{50} of 45.1", "mAP50 of 45.1"),
        ("costs $5 and $10", "costs $5 and $10"),
    ],
)
def test_latex_and_entities_are_shown_as_text(raw, shown):
    assert plain_text(raw) == shown


def test_no_included_paper_gives_empty_evidence_a_verdict_and_a_plot():
    a = analyze_question(QUESTION)
    docs = answer.paper_docs(
        pd.DataFrame(columns=["paper_id", "title"]),
        pd.DataFrame(columns=["paper_id", "sentence_index", "text"]),
    )
    evidence = answer.compute_evidence(a, docs)
    assert evidence.empty
    verdict = answer.decide_verdict(evidence, a.kind)
    assert verdict.verdict == "insufficient"
    ax = answer.plot_evidence(evidence)
    assert [t.get_text() for t in ax.texts] == ["no included paper"]


def test_evidence_plot_shows_hostile_titles_as_text():
    ev = _evidence([("SUPPORT", 0.8, True), ("NEUTRAL", 0.9, False)])
    ev["title"] = [r"$\input{/etc/passwd}$ and $x^2$", "plain"]
    ax = answer.plot_evidence(ev)
    ax.figure.canvas.draw()  # mathtext would raise on \input
    assert r"\input" in ax.get_yticklabels()[0].get_text()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("We release our code at https://github.com/x/y.", "resource"),
        ("Code and data are publicly available.", "resource"),
        ("We conduct extensive experiments on MSR-VTT and DiDeMo.", "procedure"),
        ("We conduct experiments showing that X outperforms Y.", "finding"),
        ("We propose TempMerge, a token merging method for video retrieval.", "contribution"),
        ("TempMerge reaches 49.8 R@1 on MSR-VTT, 3.2% above frame averaging.", "result"),
        ("Temporal modelling does not improve retrieval on short clips.", "finding"),
    ],
)
def test_claims_are_typed_and_non_claims_dropped(text, kind):
    from synth.claim_types import claim_type, type_claims

    assert claim_type(text) == kind
    kept = type_claims(pd.DataFrame({"claim_id": ["a"], "text": [text]}))
    assert len(kept) == (kind not in ("resource", "procedure"))

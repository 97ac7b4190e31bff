from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from synth import inclusion, relevance, screen, search
from synth.answer_batch import ScreenSettings, screen_for
from synth.dense import Encoder
from synth.index import build_bm25, count_terms
from synth.sources import dedupe_papers, make_papers
from synth.text import tokenize

from corpus import OFF_TOPIC, ON_TOPIC

QUESTION = "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?"
ENCODER = Encoder()  # the real MiniLM encoder (a dependency), shared by the tests here


def _screen(papers, question=QUESTION, **kwargs):
    """The screen stage on ``papers``, as ``20_screen`` runs it, with the real encoder."""
    papers = papers.reset_index(drop=True)
    kwargs.setdefault("encoder", ENCODER)
    return inclusion.screen_question(question, papers, screen.build_indexes(papers), **kwargs)


def _papers(records):
    rows = [
        {
            "paper_id": r["id"].split("v")[0] if "v" in r["id"][5:] else r["id"],
            "version": int(r["id"].rsplit("v", 1)[1]) if "v" in r["id"][5:] else None,
            "title": r["title"],
            "abstract": r["summary"],
            "authors": "; ".join(r["authors"]),
        }
        for r in records
    ]
    return dedupe_papers(make_papers(rows))[0]


def test_bm25_matches_the_formula():
    docs = ["video retrieval video", "text retrieval", "cats"]
    index = build_bm25(docs, k1=1.2, b=0.75)
    got = index.score(["video"])[0]
    n, df, tf, dl, avgdl = 3, 1, 2, 3, (3 + 2 + 1) / 3
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    want = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl))
    assert np.isclose(got[0], want, rtol=1e-5) and got[1] == 0 and got[2] == 0


def test_weighted_query_scales_term_contribution():
    index = build_bm25(["video retrieval", "text retrieval"])
    plain = index.score([{"video": 1.0}])[0, 0]
    heavy = index.score([{"video": 3.0}])[0, 0]
    assert np.isclose(heavy, 3 * plain)


def test_dedupe_keeps_latest_version():
    papers = _papers(ON_TOPIC)
    row = papers[papers["paper_id"] == "2501.00001"]
    assert len(row) == 1 and int(row["version"].iloc[0]) == 2
    assert "TempMerge" in row["abstract"].iloc[0]


def test_on_topic_papers_rank_first_and_off_topic_are_excluded():
    papers = _papers(ON_TOPIC + OFF_TOPIC)
    terms = search.extract_key_terms(QUESTION)
    ranked = screen.rank_papers(papers, terms)
    assert ranked["rank"].tolist() == list(range(1, len(papers) + 1))
    on_ids = {r["id"].split("v")[0] if "v" in r["id"][5:] else r["id"] for r in ON_TOPIC}
    top = ranked.head(len(on_ids))["paper_id"]
    assert set(top) == on_ids
    screened = _screen(papers, max_included=10)
    assert screened["rank"].tolist() == list(range(1, len(papers) + 1))
    off = screened[~screened["paper_id"].isin(on_ids)]
    assert not off["included"].any()
    assert (off["exclusion_reason"] != "").all()
    included = screened[screened["included"]]
    assert len(included) >= 3 and included["coverage"].min() > 0
    assert included["title_similarity"].min() >= inclusion.MIN_TOPIC


def test_exclusion_reasons():
    papers = make_papers(
        [
            {
                "paper_id": "a",
                "title": "Temporal modelling for text-video retrieval on MSR-VTT",
                "abstract": "Temporal modelling improves text-video retrieval on MSR-VTT.",
            },
            {"paper_id": "b", "title": "MSR-VTT retrieval again", "abstract": ""},
            {
                "paper_id": "c",
                "title": "Temporal modelling for text-video retrieval",
                "abstract": "Temporal modelling of frames improves text-video retrieval.",
            },
            {"paper_id": "d", "title": "Cooking", "abstract": "Recipes for soup."},
            {
                "paper_id": "e",
                "title": "Statistics of DiDeMo and MSR-VTT",
                "abstract": "We count the clips of DiDeMo and MSR-VTT.",
            },
        ]
    )
    out = _screen(papers, topic_cutoff=0.0).set_index("paper_id")
    assert out.loc["a", "included"]
    # c names the task but no benchmark: it stays in, ranked below a
    assert out.loc["c", "included"] and out.loc["c", "rank"] > out.loc["a", "rank"]
    assert out.loc["b", "exclusion_reason"] == "no abstract"
    assert out.loc["d", "exclusion_reason"] == "no question term in title or abstract"
    assert out.loc["e", "exclusion_reason"].startswith("matches only the question's benchmark")
    prisma = screen.prisma_counts(10, 2, 1, out.reset_index())
    assert prisma["included"] + prisma["excluded"] == prisma["screened"] == 5
    assert sum(prisma["excluded_by_reason"].values()) == prisma["excluded"]


def test_a_paper_without_the_named_entity_is_down_weighted_and_told_so():
    question = "Does LoRA fine-tuning match full fine-tuning of large language models?"
    papers = make_papers(
        [
            {
                "paper_id": "named",
                "title": "LoRA versus full fine-tuning of large language models",
                "abstract": "LoRA fine-tuning matches full fine-tuning of large language models.",
            },
            {
                "paper_id": "unnamed",
                "title": "Parameter-efficient fine-tuning of large language models",
                "abstract": "Adapters fine-tune large language models with few parameters.",
            },
        ]
    )
    out = _screen(papers, question, topic_cutoff=0.0).set_index("paper_id")
    assert out.loc["named", "topic_entities"] == 1 and out.loc["unnamed", "topic_entities"] == 0
    assert out.loc["unnamed", "topicality"] == pytest.approx(
        inclusion_penalised(out.loc["unnamed", "title_similarity"]), abs=1e-3
    )
    strict = _screen(papers, question, topic_cutoff=0.0, encoder=None).set_index("paper_id")
    reason = strict.loc["unnamed", "exclusion_reason"]
    assert strict.loc["unnamed", "included"] or "down-weighted: names none of LoRA" in reason


def inclusion_penalised(similarity: float) -> float:
    return similarity * relevance.ENTITY_PENALTY


def test_max_included_caps_the_list():
    papers = _papers(ON_TOPIC)
    out = _screen(papers, max_included=2, min_relative_score=0.0, topic_cutoff=0.0)
    assert out["included"].sum() == 2
    assert out.loc[~out["included"], "exclusion_reason"].str.startswith("beyond the best 2").any()


def test_acronyms_match_case_sensitively_as_whole_tokens():
    papers = make_papers(
        [
            {
                "paper_id": "jit",
                "title": "Register allocation in a JIT compiler",
                "abstract": "Linear-scan register allocation for JIT compilers.",
            },
            {
                "paper_id": "jit-image",
                "title": "JiT: Just image Transformers",
                "abstract": "JiT denoises pixels; Just-in-Time (JiT) feedback helps students.",
            },
        ]
    )
    terms = search.extract_key_terms(
        "Does graph-colouring register allocation produce faster code than linear-scan "
        "allocation in JIT compilers?"
    )
    ranked = screen.rank_papers(papers, terms).set_index("paper_id")
    assert ranked.loc["jit", "entity_matches"] == 1
    assert ranked.loc["jit-image", "entity_matches"] == 0
    pattern = relevance.entity_pattern("LLMs")
    assert pattern.search("two LLM agents") and pattern.search("many LLMs")
    assert not pattern.search("LLMsmith") and not pattern.search("llms")
    assert relevance.entity_pattern("MS-COCO").search("on MSCOCO val")


def test_an_acronym_the_question_defines_needs_its_long_form():
    question = "Does SAM (sharpness-aware minimization) improve generalization compared with SGD?"
    units = relevance.facet_units(question)
    sam = next(u for u in units if u.text == "SAM")
    assert sam.facet == "subject" and sam.long_form == "sharpness-aware minimization"
    texts = [
        "Sharpness-aware minimization (SAM) finds flat minima that generalize.",
        "The Segment Anything Model (SAM) segments any object in an image.",
    ]
    index = build_bm25(texts)
    cover = relevance.facet_coverage(units, index, [0, 1], texts)
    assert cover.loc[0, "subject"] == pytest.approx(1.0)
    assert cover.loc[1, "subject"] == 0.0


def test_a_question_the_corpus_does_not_cover_includes_nothing_and_says_so():
    papers = _papers(ON_TOPIC + OFF_TOPIC)
    question = "Do generational garbage collectors reduce pause times in the JVM?"
    out = _screen(papers, question)
    assert not out["included"].any()
    coverage = out.attrs["coverage"]
    assert coverage["level"] == "none" and coverage["included"] == 0
    assert coverage["statement"].startswith("The corpus does not cover this question")
    assert len(coverage["nearest"]) <= 3


def test_coverage_levels_follow_how_many_included_papers_name_the_subject():
    question = "Does curriculum sampling of pretraining clips improve text-video retrieval?"

    def coverage(subject_match, included=None):
        frame = _facets(subject_match, included).assign(
            topic_score=np.linspace(1.5, 1.0, len(subject_match))
        )
        return inclusion.coverage_of(frame, question)

    indirect = coverage([0.45, 0.3, 0.0])  # past the subject check, none names half of it
    assert indirect["level"] == "indirect" and indirect["name_subject"] == 0
    assert (
        "(curriculum sampling of pretraining clips) directly: none of the 3"
        in (indirect["statement"])
    )
    thin = coverage([0.5, 0.0, 0.0, 0.9], included=[True, True, True, False])
    assert thin["level"] == "thin" and thin["name_subject"] == 1  # the excluded one not counted
    assert coverage([0.5, 0.6, 1.0])["level"] == "covered"
    assert coverage([0.5, 0.6], included=[False, False])["level"] == "none"


def test_a_question_whose_method_no_included_paper_names_includes_nothing_and_says_so():
    papers = _papers(ON_TOPIC + OFF_TOPIC)
    question = "Do capsule networks improve text-video retrieval on MSR-VTT?"
    settings = ScreenSettings(min_subject=0.0)  # screen.min_subject: 0, the check off
    indexes = screen.build_indexes(papers)
    unchecked = screen_for(question, papers, indexes, settings, ENCODER)  # the task's papers
    task_papers = unchecked.loc[unchecked["included"], "paper_id"]
    assert len(task_papers) == 3 and unchecked.attrs["coverage"]["level"] == "indirect"
    out = _screen(papers, question).set_index("paper_id")
    assert not out["included"].any()
    assert set(out.loc[task_papers, "exclusion_reason"]) == {
        f"{inclusion.SUBJECT_REASON} (capsule networks): the best names 0.00 of it < 0.30"
    }  # no paper of the corpus uses "capsule": its subject_match is NaN, named by none
    coverage = out.attrs["coverage"]
    assert coverage["level"] == "none"
    assert (
        "the 3 closest to it name little of its subject (capsule networks)"
        in (coverage["statement"])
    )


def _facets(subject_match, included=None, abstracts=None) -> pd.DataFrame:
    n = len(subject_match)
    included = [True] * n if included is None else included
    return pd.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(n)],
            "title": [f"Paper {i}" for i in range(n)],
            "abstract": abstracts or ["We classify brain tumours in MRI."] * n,
            "included": included,
            "exclusion_reason": ["" if x else "below the cut-off" for x in included],
            "subject_match": subject_match,
        }
    )


def test_the_subject_check_needs_one_included_paper_naming_enough_of_the_subject():
    question = "Do capsule networks classify brain tumours more accurately than CNNs?"
    check = inclusion.subject_check
    assert not check(_facets([0.29, 0.1]), question)["included"].any()
    assert check(_facets([0.3, 0.0]), question)["included"].all()  # one is enough for all
    assert check(_facets([0.29, 0.1]), question, min_subject=0.2)["included"].all()
    excluded = check(_facets([0.9, 0.1], included=[False, True]), question)
    assert excluded["exclusion_reason"].tolist() == [
        "below the cut-off",  # not included: its subject_match does not count, nor its reason
        f"{inclusion.SUBJECT_REASON} (capsule networks): the best names 0.10 of it < 0.30",
    ]
    open_question = "What limits the accuracy of brain tumour classifiers?"
    assert check(_facets([0.0, 0.0]), open_question)["included"].all()  # no subject
    assert check(_facets([np.nan]), "Does it work on brain tumours?")["included"].all()


def test_a_paper_writing_the_subject_s_acronym_names_it():
    question = "Does chain-of-thought help LLMs mainly with arithmetic?"
    cot = ["We find that CoT mostly aids arithmetic.", "Arithmetic errors of LLMs."]
    assert inclusion.subject_check(_facets([0.0, 0.0], abstracts=cot), question)["included"].all()
    plain = ["Direct answers of LLMs.", "Arithmetic errors of LLMs."]
    assert not inclusion.subject_check(_facets([0.0, 0.0], abstracts=plain), question)[
        "included"
    ].any()
    cost = ["The cost of arithmetic.", "Arithmetic errors of LLMs."]  # "cot" inside a word
    assert not inclusion.subject_check(_facets([0.0, 0.0], abstracts=cost), question)[
        "included"
    ].any()


def test_rank_queries_writes_trec_lines():
    papers = _papers(ON_TOPIC + OFF_TOPIC)
    lines = screen.rank_queries(
        papers,
        [("q1", "FollowIR-7B instruction following"), ("q2", "protein folding")],
        top=3,
        tag="t",
    )
    q1 = [line.split() for line in lines if line.startswith("q1 ")]
    assert len(q1) == 3 and q1[0][2] == "2506.00006" and q1[0][1] == "Q0"
    assert [int(x[3]) for x in q1] == [1, 2, 3]
    assert all(float(a[4]) >= float(b[4]) for a, b in itertools.pairwise(q1))
    assert pd.Series([x[5] for x in q1]).eq("t").all()


def test_count_terms_equals_tokenize():
    texts = [
        "MSR-VTT and msrvtt: text-video retrieval (InternVideo2) — naïve-Bayes, e.g. x_y.",
        "",
        "The the THE",
        "Café-au-lait 3-D CT scans; IL-6/TNF-α levels 10%",
    ]
    tf, vocab = count_terms(texts)
    inv = {j: t for t, j in vocab.items()}
    for i, text in enumerate(texts):
        row = tf.getrow(i)
        assert {inv[j]: v for j, v in zip(row.indices, row.data, strict=True)} == Counter(
            tokenize(text)
        )


def test_a_name_no_candidate_mentions_does_not_exclude():
    papers = make_papers(
        [
            {
                "paper_id": "a",
                "title": "Instruction-following retrieval",
                "abstract": "Retrievers that follow instructions.",
            },
            {"paper_id": "b", "title": "Soup", "abstract": "Recipes for soup and instructions."},
        ]
    )
    question = "Do FollowIR-style instruction-following retrieval models follow instructions?"
    out = _screen(papers, question).set_index("paper_id")
    assert out.loc["a", "included"] and not out.loc["b", "included"]


GNN_QUESTION = "Do graph neural networks on control-flow graphs detect Android malware?"


def _gnn_corpus(with_malware: bool):
    """Five graph-neural-network papers on other tasks, four fillers (three on flow
    control) and (optionally) one Android-malware paper: "graph", "neural", "network",
    "control" and "flow" are common here, "Android" and "malware" rare."""
    rows = [
        {
            "paper_id": f"gnn-{topic}",
            "title": f"Graph neural networks for {topic} graphs",
            "abstract": f"We train graph neural networks to detect patterns in {topic} graphs.",
        }
        for topic in ("molecule", "traffic", "citation", "power", "social")
    ]
    rows += [
        {"paper_id": f"filler-{w}", "title": f"Flow control of {w}", "abstract": f"On {w}."}
        for w in ("rivers", "kitchens", "queues")
    ]
    rows.append({"paper_id": "filler-tea", "title": "Notes on tea", "abstract": "On tea."})
    if with_malware:
        rows.append(
            {
                "paper_id": "malware",
                "title": "Detecting Android malware with graph neural networks",
                "abstract": "Graph neural networks on call graphs detect Android malware.",
            }
        )
    return make_papers(rows)


def test_distinctive_units_are_the_question_words_few_papers_use(monkeypatch):
    monkeypatch.setattr(relevance, "DISTINCTIVE_SHARE", 0.2)
    index = screen.build_indexes(_gnn_corpus(with_malware=True))[0]
    units = relevance.facet_units(GNN_QUESTION)
    rare = relevance.distinctive_units(units, index)
    assert {relevance.surface_form(u, GNN_QUESTION) for u in rare} == {"Android", "malware"}
    question = "Do graph neural networks detect Android malware on smartwatches?"
    # a word no paper uses cannot tell papers apart: it is never distinctive
    rare = relevance.distinctive_units(relevance.facet_units(question), index)
    assert "smartwatch" not in {u.text for u in rare} and len(rare) == 2


def test_a_paper_sharing_only_generic_words_is_excluded_and_told_so(monkeypatch):
    monkeypatch.setattr(relevance, "DISTINCTIVE_SHARE", 0.2)
    out = _screen(_gnn_corpus(with_malware=True), GNN_QUESTION, topic_cutoff=0.0)
    out = out.set_index("paper_id")
    assert out.loc["malware", "included"] and out.loc["malware", "distinctive"] == 2
    gnn = out.loc[out.index.str.startswith("gnn-")]
    assert not gnn["included"].any() and gnn["distinctive"].eq(0).all()
    reason = gnn["exclusion_reason"].iloc[0]
    assert reason.startswith(inclusion.GENERIC_REASON)
    assert "Android, malware" in reason and "only part of its subject or task" in reason


def test_a_question_only_generic_papers_answer_is_not_covered(monkeypatch):
    """The malware paper's rare words stay in the corpus (a thesis that mentions them in
    passing), but no graph-neural-network paper names them: nothing passes, and coverage
    says so with the nearest papers."""
    monkeypatch.setattr(relevance, "DISTINCTIVE_SHARE", 0.2)
    papers = _gnn_corpus(with_malware=False)
    thesis = {
        "paper_id": "thesis",
        "title": "A thesis on tea",
        "abstract": "Tea recipes; Android phones and malware are mentioned once.",
    }
    papers = pd.concat([papers, make_papers([thesis])], ignore_index=True)
    out = _screen(papers, GNN_QUESTION, topic_cutoff=0.0)
    assert not out["included"].any()
    coverage = out.attrs["coverage"]
    assert coverage["level"] == "none" and len(coverage["nearest"]) == 3
    assert "share only generic words with it" in coverage["statement"]
    assert "distinctive terms (Android, malware)" in coverage["statement"]


def test_a_paper_naming_the_whole_task_needs_no_distinctive_word(monkeypatch):
    monkeypatch.setattr(relevance, "DISTINCTIVE_SHARE", 0.2)
    question = "Does Android malware detection work with graph neural networks?"
    papers = _gnn_corpus(with_malware=True)
    out = _screen(papers, question, topic_cutoff=0.0).set_index("paper_id")
    whole = out[out[["subject_match", "outcome_match"]].max(axis=1) >= inclusion.WHOLE_FACET]
    # the graph-neural-network papers name the whole of "work with graph neural networks"
    assert whole.index.str.startswith("gnn-").sum() == 5 and whole["distinctive"].min() == 0
    assert not whole["exclusion_reason"].str.startswith(inclusion.GENERIC_REASON).any()


class _FakeEncoder:
    """Unit vectors from keyword presence: a stand-in for synth.dense.Encoder."""

    def __init__(self):
        self.seen = []

    def encode(self, texts):
        self.seen.extend(texts)
        vecs = np.array(
            [[("video" in t.lower()) + 0.01, ("soup" in t.lower()) + 0.01] for t in texts]
        )
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_dense_fusion_rescores_only_the_lexical_top():
    papers = make_papers(
        [
            {"paper_id": "a", "title": "Retrieval", "abstract": "Retrieval of clips, video."},
            {
                "paper_id": "b",
                "title": "Retrieval retrieval",
                "abstract": "Retrieval of soup retrieval.",
            },
            {"paper_id": "c", "title": "Cooking", "abstract": "Nothing in common."},
        ]
    )
    encoder = _FakeEncoder()
    lexical = screen.score_queries(papers, ["video retrieval"])
    fused = screen.score_queries(papers, ["video retrieval"], encoder=encoder)
    assert lexical[0, 1] > 0 and fused[0, 0] > fused[0, 1] and fused[0, 2] == 0
    assert not any("Cooking" in t for t in encoder.seen)  # score 0: never encoded


def test_real_dense_encoder_when_the_extra_is_installed(tmp_path):
    import pytest

    from synth import dense

    if not dense.available():
        pytest.skip("dense extra not installed")
    encoder = dense.Encoder(cache_dir=tmp_path)
    vecs = encoder.encode(["text-video retrieval on MSR-VTT", "video retrieval", "soup recipes"])
    assert vecs.shape == (3, 384) and np.allclose(np.linalg.norm(vecs, axis=1), 1, atol=1e-4)
    assert vecs[0] @ vecs[1] > vecs[0] @ vecs[2]
    assert len(list(tmp_path.glob("*.npy"))) == 3
    assert np.allclose(dense.Encoder(cache_dir=tmp_path).encode(["video retrieval"])[0], vecs[1])

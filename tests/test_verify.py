"""Tests of synth.verify on tiny in-test corpora (offline; the shipped model only)."""

from __future__ import annotations

import json

import matplotlib
import numpy as np
import pandas as pd
import pytest

from synth import verify as v
from synth.verify.features import sentence_table, stance_table
from synth.verify.model import rationale_probability, restatement_rule
from synth.verify.polarity import counter_claim, predicate_alignment
from synth.verify.retrieval import corpus_docs, retrieve_candidates

matplotlib.use("Agg")

SENTENCES = [
    ("A", 0, "We study metformin in a cohort of diabetic patients."),
    ("A", 1, "Metformin reduces the risk of colorectal cancer in diabetic patients."),
    ("B", 0, "In diabetic patients, metformin use lowered the risk of colorectal cancer."),
    ("B", 1, "Adverse events were rare."),
    ("C", 0, "Aerobic exercise reduced hippocampal volume in older adults."),
    ("C", 1, "Participants were followed for one year."),
    ("D", 0, "Graph neural networks learn molecular properties from atom features."),
    ("D", 1, "We release the code."),
    ("F", 0, "Exercise increases hippocampal volume in older adults."),
    ("F", 1, "Bananas are rich in potassium and grown in tropical climates."),
]


@pytest.fixture(scope="module")
def model() -> v.Verifier:
    """The shipped lexical verifier (``model.model`` is its ``VerifyModel``)."""
    return v.load_verifier()


@pytest.fixture(scope="module")
def sentences() -> pd.DataFrame:
    return pd.DataFrame(SENTENCES, columns=["paper_id", "sentence_index", "text"])


@pytest.fixture(scope="module")
def verdicts(model, sentences) -> pd.DataFrame:
    claims = pd.DataFrame(
        {
            "claim_id": ["support", "contradict", "unrelated"],
            "paper_id": ["A", "F", "F"],
            "text": [SENTENCES[1][2], SENTENCES[8][2], SENTENCES[9][2]],
        }
    )
    return v.verify_claims(claims, sentences, model)


def test_columns_and_order(verdicts):
    assert list(verdicts.columns) == [
        "claim_id",
        "label",
        "confidence",
        "evidence_paper_id",
        "evidence_sentence_index",
        "evidence_sentence",
        "evidence_score",
        "source_label",
    ]
    assert list(verdicts["claim_id"]) == ["support", "contradict", "unrelated"]
    assert str(verdicts["evidence_sentence_index"].dtype) == "Int64"
    assert set(verdicts["label"]) <= set(v.LABELS)


def test_paraphrase_in_other_paper_supports(verdicts):
    row = verdicts.iloc[0]
    assert row["label"] == "SUPPORTED"
    assert row["evidence_paper_id"] == "B"
    assert row["evidence_sentence_index"] == 0
    assert row["evidence_sentence"].startswith("In diabetic patients")


def test_opposite_direction_contradicts(verdicts):
    row = verdicts.iloc[1]
    assert row["label"] == "CONTRADICTED"
    assert row["evidence_paper_id"] == "C"
    assert "reduced" in row["evidence_sentence"]


def test_unrelated_corpus_is_unverified(verdicts):
    row = verdicts.iloc[2]
    assert row["label"] == "UNVERIFIED"
    assert row["evidence_sentence"] == ""
    assert row["confidence"] > 0.5  # an unrelated claim is confidently unverified


def test_evidence_never_from_own_paper_and_source_label(verdicts, model, sentences):
    assert (verdicts["evidence_paper_id"].fillna("") != pd.Series(["A", "F", "F"])).all()
    assert verdicts["source_label"].isin(v.LABELS).all()
    assert verdicts.loc[0, "source_label"] == "SUPPORTED"  # its own sentence
    # a claim whose only matching sentence is in its own paper stays unverified
    alone = pd.DataFrame({"claim_id": ["x"], "paper_id": ["B"], "text": [SENTENCES[3][2]]})
    out = v.verify_claims(alone, sentences[sentences["paper_id"].isin(["B", "D"])], model)
    assert out.loc[0, "label"] == "UNVERIFIED"
    assert out.loc[0, "evidence_paper_id"] is None


def test_confidences_are_probabilities(verdicts):
    conf = verdicts["confidence"].to_numpy(float)
    assert np.all((conf >= 0) & (conf <= 1))


def test_empty_claims(model, sentences):
    out = v.verify_claims(pd.DataFrame(columns=["claim_id", "paper_id", "text"]), sentences, model)
    assert out.empty and "label" in out


def test_verify_corpus_format(model):
    papers = pd.DataFrame(
        {
            "paper_id": [11, 12, 13],
            "title": ["Metformin and colorectal cancer", "Exercise and the brain", "Bananas"],
            "abstract": ["", "", "Bananas are yellow. They grow in the tropics."],
            "sentences": [
                [SENTENCES[0][2], SENTENCES[2][2], SENTENCES[3][2]],
                [SENTENCES[4][2], SENTENCES[5][2]],
                None,
            ],
        }
    )
    claims = [
        {"id": 1, "claim": SENTENCES[1][2]},
        {"id": 2, "claim": SENTENCES[8][2]},
        {"id": 3, "claim": "Quantum error correction needs many physical qubits."},
    ]
    lines = list(v.verify_corpus(papers, claims, model))
    assert [line["id"] for line in lines] == [1, 2, 3]
    json.dumps(lines)  # serialisable as JSON lines
    assert lines[2]["evidence"] == {}  # not-enough-info documents are left out
    assert lines[0]["evidence"]["11"]["label"] == "SUPPORT"
    assert lines[1]["evidence"]["12"]["label"] == "CONTRADICT"
    n_sent = {"11": 3, "12": 2, "13": 2}
    for line in lines:
        for doc, ev in line["evidence"].items():
            assert ev["label"] in ("SUPPORT", "CONTRADICT")
            assert 1 <= len(ev["sentences"]) <= 3
            assert all(0 <= i < n_sent[doc] for i in ev["sentences"])
            assert 0 <= ev["confidence"] <= 1


def test_ece_perfect_and_overconfident():
    rng = np.random.default_rng(0)
    conf = rng.uniform(0, 1, 200_000)
    correct = rng.uniform(0, 1, conf.size) < conf
    assert v.expected_calibration_error(conf, correct) < 0.01
    assert v.expected_calibration_error(np.full(1000, 0.95), np.arange(1000) % 2 == 0) > 0.4
    table = v.reliability_table(conf, correct)
    assert list(table.columns) == ["bin", "mean_confidence", "accuracy", "count"]
    assert table["count"].sum() == conf.size
    ax = v.plot_reliability(table)
    assert ax.get_xlabel() == "confidence"


def test_model_round_trip_and_shipped_calibration(model, tmp_path):
    model = model.model
    path = tmp_path / "m.json"
    v.save_model(model, path)
    again = v.load_model(path)
    assert again.threshold == model.threshold
    assert np.allclose(again.stance["coef"], model.stance["coef"])
    assert 0 <= model.ece <= 0.1
    assert {"bin", "mean_confidence", "accuracy", "count"} <= set(model.reliability.columns)
    assert "SciFact" in model.meta["credit"]


# ----------------------------------------------------------------------------- predicate polarity
MSR_CLAIM = (
    "Temporal modelling improves text-video retrieval on MSR-VTT by 2.1 points of R@1 "
    "over frame averaging."
)
NEGATED = (
    "Our experiments show that temporal modelling does not improve text-video retrieval on "
    "MSR-VTT compared with frame averaging."
)


def _verify_one(model, claim: str, evidence: str) -> pd.Series:
    """Claim in paper a; evidence sentence (plus a distractor) in b; an unrelated paper c."""
    sents = pd.DataFrame(
        [
            ("a", 0, claim),
            ("b", 0, evidence),
            ("b", 1, "Frame averaging reaches 46.1 R@1."),
            ("c", 0, "Cooking soup is fun."),
            ("c", 1, "We like cats."),
        ],
        columns=["paper_id", "sentence_index", "text"],
    )
    claims = pd.DataFrame({"claim_id": ["c"], "paper_id": ["a"], "text": [claim]})
    return v.verify_claims(claims, sents, model).iloc[0]


def test_negated_predicate_contradicts(model):
    row = _verify_one(model, MSR_CLAIM, NEGATED)
    assert row["label"] == "CONTRADICTED"
    assert row["evidence_paper_id"] == "b"
    assert row["evidence_sentence_index"] == 0
    assert "does not improve" in row["evidence_sentence"]
    assert row["source_label"] == "SUPPORTED"  # its own paper states the claim


@pytest.mark.parametrize(
    "evidence",
    [
        (
            "Temporal modelling yields no improvement in text-video retrieval on MSR-VTT over "
            "frame averaging."
        ),
        "Temporal modelling fails to improve text-video retrieval on MSR-VTT over frame averaging.",
        (
            "Temporal modelling has no effect on text-video retrieval on MSR-VTT compared with "
            "frame averaging."
        ),
        "Temporal modelling hurts text-video retrieval on MSR-VTT compared with frame averaging.",
        (
            "Temporal modelling degrades text-video retrieval on MSR-VTT compared with frame "
            "averaging."
        ),
    ],
)
def test_other_negations_and_antonyms_never_support(model, evidence):
    row = _verify_one(model, MSR_CLAIM, evidence)
    assert row["label"] == "CONTRADICTED"
    assert row["evidence_paper_id"] == "b"


def test_negated_claim_positive_evidence_contradicts(model):
    claim = (
        "Temporal modelling does not improve text-video retrieval on MSR-VTT over frame averaging."
    )
    evidence = (
        "Our experiments show that temporal modelling improves text-video retrieval on MSR-VTT "
        "compared with frame averaging."
    )
    assert _verify_one(model, claim, evidence)["label"] == "CONTRADICTED"


@pytest.mark.parametrize(
    ("evidence", "label"),
    [
        ("Frame averaging outperforms CLIP4Clip on MSR-VTT text-video retrieval.", "CONTRADICTED"),
        (
            "CLIP4Clip is outperformed by frame averaging on MSR-VTT text-video retrieval.",
            "CONTRADICTED",
        ),
        (
            "CLIP4Clip underperforms frame averaging on MSR-VTT text-video retrieval.",
            "CONTRADICTED",
        ),
        (
            "CLIP4Clip outperforms frame averaging on MSR-VTT text-video retrieval by 3 points.",
            "SUPPORTED",
        ),
    ],
)
def test_direction_of_comparison(model, evidence, label):
    claim = "CLIP4Clip outperforms frame averaging on MSR-VTT text-video retrieval."
    assert _verify_one(model, claim, evidence)["label"] == label


def test_same_polarity_paraphrase_stays_supported(model):
    evidence = (
        "On MSR-VTT, modelling temporal order improved text-video retrieval over frame averaging."
    )
    row = _verify_one(model, MSR_CLAIM, evidence)
    assert row["label"] == "SUPPORTED"
    assert row["evidence_paper_id"] == "b"


GAID_CLAIM = (
    "These modules complement each other -- fusion reduces modality gaps while perturbation "
    "regularizes cross-modal matching -- yielding more stable and expressive representations."
)


def test_a_sentence_that_restates_the_claim_supports_it(model):
    # the seed run's claim that its own paper came out CONTRADICTED by (0.50 vs 0.48) before
    # the restatement rule: the stance model alone gives an exact restatement even odds
    row = _verify_one(model, GAID_CLAIM, "Overall, " + GAID_CLAIM[0].lower() + GAID_CLAIM[1:])
    assert row["label"] == "SUPPORTED" and row["source_label"] == "SUPPORTED"
    assert row["evidence_paper_id"] == "b" and row["confidence"] > 0.9  # 0.68 without the rule


def test_restatement_rule_needs_the_same_negations():
    claims = [GAID_CLAIM]
    sentences = [f"It is not true that {GAID_CLAIM[0].lower()}{GAID_CLAIM[1:]}", GAID_CLAIM]
    docs = pd.DataFrame({"paper_id": ["x", "y"], "sentences": [[sentences[0]], [sentences[1]]]})
    docs["text"] = docs["sentences"].map(" ".join)
    model = v.load_model()
    pairs = retrieve_candidates(claims, docs, 5)
    sents = sentence_table(claims, docs, pairs)
    table = stance_table(
        claims,
        pairs,
        sents,
        rationale_probability(model.rationale, sents),
        docs,
        model.rationale_ratio,
    )
    restates = dict(zip(pairs["doc_row"], table["restates"], strict=True))
    assert restates == {0: 0.0, 1: 1.0}
    probs = np.array([[0.3, 0.6, 0.1], [0.3, 0.6, 0.1]])
    after = restatement_rule(probs, table.iloc[[list(pairs["doc_row"]).index(d) for d in (0, 1)]])
    assert after[0].tolist() == [0.3, 0.6, 0.1]
    assert after[1].tolist() == pytest.approx([0.9, 0.0, 0.1])


def test_predicate_alignment_features():
    align = predicate_alignment
    # (aligned, same polarity, negation flip, antonym, swapped comparison)
    assert align(MSR_CLAIM, NEGATED) == (1.0, 0.0, 1.0, 0.0, 0.0)
    same = align(MSR_CLAIM, "Temporal modelling improves retrieval.")
    assert same == (1.0, 1.0, 0.0, 0.0, 0.0)
    assert align("Exercise increases volume.", "Exercise reduced volume.")[3] == 1.0
    assert align("Exercise increases volume.", "Exercise did not reduce volume.")[3] == 0.0
    assert align("A is not only fast.", "A is fast.") == (0.0,) * 5  # no predicate
    higher = "Higher resolution gives higher accuracy."
    assert align(higher, "Higher resolution gives lower accuracy.")[3] == 1.0
    claim = "Alpha outperforms Beta on Kinetics."
    assert align(claim, "Beta outperforms Alpha on Kinetics.")[4] == 1.0
    assert align(claim, "Alpha is outperformed by Beta on Kinetics.")[4] == 1.0
    assert align(claim, claim)[4] == 0.0
    assert align("Cats like fish.", "Dogs like bones.") == (0.0,) * 5


@pytest.mark.parametrize(
    ("claim", "counter"),
    [
        ("Folic acid does not affect CKD progression.", "Folic acid does affect CKD progression."),
        ("Aspirin cannot prevent stroke.", "Aspirin can prevent stroke."),
        ("No association exists between A and B.", "Association exists between A and B."),
        ("Patients receive no treatment.", "Patients receive treatment."),
        ("Cells without p53 are viable.", "Cells with p53 are viable."),
        ("A Th2 environment impedes disease.", "A Th2 environment facilitates disease."),
        ("Metformin lowered the risk.", "Metformin raised the risk."),
        ("Higher doses increase toxicity.", "Lower doses increase toxicity."),
        ("X is required for Y.", "X is not required for Y."),
        ("Patients have abnormal PrP.", "It is not the case that patients have abnormal PrP."),
    ],
)
def test_counter_claim_reverses_the_main_assertion_with_one_edit(claim, counter):
    assert counter_claim(claim) == counter


def test_shipped_stance_models_were_trained_with_counter_claims():
    for dense in (False, True):
        meta = v.load_model(dense=dense).meta
        assert meta["augment_counter_claims"] is True
        assert meta["ece_emitted"] <= 0.05  # out-of-fold, on the SciFact training claims


def test_dense_model_needs_an_encoder():
    dense_model = v.load_model(dense=True)
    assert dense_model.dense and "s_dense" in dense_model.meta["sentence_features"]
    with pytest.raises(ValueError, match="encoder"):
        v.Verifier(dense_model)
    with pytest.raises(ValueError, match="encoder"):
        v.Verifier(v.load_model(), encoder=object())
    assert not v.load_verifier(dense=False).dense


def test_corpus_docs_without_titles():
    docs = corpus_docs(pd.DataFrame({"paper_id": ["B"], "abstract": [SENTENCES[2][2]]}))
    assert docs.loc[0, "text"] == ". " + SENTENCES[2][2]
    assert docs.loc[0, "sentences"] == [SENTENCES[2][2]]


def test_dense_verifier_gives_the_same_verdicts_on_the_clear_cases(sentences):
    from synth import dense

    if not dense.available():
        pytest.skip("dense extra not installed")
    claims = pd.DataFrame(
        {
            "claim_id": ["support", "contradict", "unrelated"],
            "paper_id": ["A", "F", "F"],
            "text": [SENTENCES[1][2], SENTENCES[8][2], SENTENCES[9][2]],
        }
    )
    out = v.verify_claims(claims, sentences, v.load_verifier(dense=True)).set_index("claim_id")
    assert out.loc["support", "label"] == "SUPPORTED"
    assert out.loc["support", "evidence_paper_id"] == "B"
    assert out.loc["contradict", "label"] == "CONTRADICTED"
    assert "reduced" in out.loc["contradict", "evidence_sentence"]
    assert out.loc["unrelated", "label"] == "UNVERIFIED"


def test_dense_verifier_does_not_call_a_close_paraphrase_contradicted():
    from synth import dense

    if not dense.available():
        pytest.skip("dense extra not installed")
    paraphrase = "In diabetic patients, metformin lowered the risk of colorectal cancer."
    sents = pd.DataFrame(
        [
            ("A", 0, "Metformin reduces the risk of colorectal cancer."),
            ("B", 0, paraphrase),
            ("C", 0, "Exercise reduced hippocampal volume."),
        ],
        columns=["paper_id", "sentence_index", "text"],
    )
    claims = pd.DataFrame({"claim_id": ["a"], "paper_id": ["A"], "text": [sents.loc[0, "text"]]})
    out = v.verify_claims(claims, sents, v.load_verifier(dense=True))
    assert out.loc[0, "label"] == "SUPPORTED" and out.loc[0, "evidence_paper_id"] == "B"

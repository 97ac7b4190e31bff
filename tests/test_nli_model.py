"""The shipped NLI cross-encoder (synth/data/nli) and the verifier that reads it: the real
model, run with onnxruntime and tokenizers only."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synth import verify as v
from synth.verify import nli, nli_features

HYPOTHESIS = (
    "Training language models on child-directed speech gives them stronger syntactic "
    "generalization."
)


@pytest.fixture(scope="module")
def cross():
    return nli.load_nli()


def test_the_model_ships_and_loads_without_torch(cross):
    assert nli.available()
    probs = cross.predict(["A man is playing a guitar on stage."], ["A man plays music."])
    assert probs.shape == (1, 3) and np.isclose(probs.sum(), 1.0, atol=1e-5)


def test_spelled_out_negative_result_contradicts(cross):
    premises = [
        "Training on child-directed speech does not give language models stronger "
        "syntactic generalization.",
        "Training on child-directed speech gives language models stronger syntactic "
        "generalization.",
    ]
    probs = cross.predict(premises, [HYPOTHESIS] * 2)
    labels = [nli.LABELS[i] for i in probs.argmax(axis=1)]
    assert labels == ["CONTRADICTION", "ENTAILMENT"]


def test_snli_style_pairs(cross):
    premises = ["A dog runs through the snow.", "A dog runs through the snow."]
    hypotheses = ["An animal is outside.", "A cat sleeps on a sofa indoors."]
    labels = [nli.LABELS[i] for i in cross.predict(premises, hypotheses).argmax(axis=1)]
    assert labels == ["ENTAILMENT", "CONTRADICTION"]


def test_pair_features_take_the_strongest_chosen_sentence():
    keep = pd.DataFrame(
        {
            "pair": [0, 0, 2],
            "n_ent": [0.1, 0.7, 0.05],
            "n_neu": [0.8, 0.2, 0.15],
            "n_con": [0.1, 0.1, 0.8],
        }
    )
    out = nli_features.pair_features(keep, 3)
    assert out["nli_e"].tolist() == [0.7, 0.0, 0.05]
    assert out["nli_c"].tolist() == [0.1, 0.0, 0.8]
    assert out.loc[0, "nli_dir"] > 0 > out.loc[2, "nli_dir"] and out.loc[1, "nli_dir"] == 0


def test_top_rows_and_unread_rows_are_neutral():
    sents = pd.DataFrame({"pair": [0, 0, 0, 1], "x": range(4)})
    rows = nli_features.top_rows(sents, np.array([0.1, 0.9, 0.5, 0.2]), k=2)
    assert rows.tolist() == [False, True, True, True]
    scored = nli_features.with_scores(sents, np.array([[0.6, 0.3, 0.1]] * 3), rows)
    assert scored.loc[0, ["n_ent", "n_neu", "n_con"]].tolist() == [0.0, 1.0, 0.0]
    assert scored.loc[3, "n_ent"] == 0.6
    flipped = nli_features.swapped(scored)
    assert flipped.loc[3, "n_con"] == 0.6 and flipped.loc[3, "n_ent"] == 0.1


def _sents_and_docs():
    docs = pd.DataFrame(
        {
            "paper_id": ["d1"],
            "sentences": [["Aspirin lowers blood pressure.", "We enrolled 40 adults."]],
        }
    )
    sents = pd.DataFrame(
        {"pair": [0, 0], "claim_row": [0, 0], "doc_row": [0, 0], "sentence_index": [0, 1]}
    )
    return docs, sents


def test_out_of_fold_scores_use_the_fold_that_held_the_claim_out(tmp_path):
    docs, sents = _sents_and_docs()
    fold = tmp_path / "folds" / "fold0"
    fold.mkdir(parents=True)
    for name in ("model_int8.onnx", "tokenizer.json", "labels.json"):
        (fold / name).symlink_to(nli.MODEL_DIR / name)
    (fold / "held_out_claim_ids.json").write_text(json.dumps([7]))
    cache = tmp_path / "oof.parquet"
    claims = ["Aspirin lowers blood pressure."]
    scored = nli_features.out_of_fold_scores(["7"], claims, docs, sents, fold.parent, cache)
    assert scored.loc[0, "n_ent"] > 0.5 and cache.is_file()
    again = nli_features.out_of_fold_scores(["7"], claims, docs, sents, tmp_path / "gone", cache)
    assert np.allclose(again[["n_ent", "n_con"]], scored[["n_ent", "n_con"]])
    with pytest.raises(ValueError, match="no fold"):
        nli_features.out_of_fold_scores(["8"], claims, docs, sents, fold.parent)


def test_the_nli_verifier_needs_the_cross_encoder():
    model = v.load_model(nli=True)
    assert model.nli and "nli_dir" in model.meta["stance_features"]
    with pytest.raises(ValueError, match="NLI cross-encoder"):
        v.Verifier(model)


@pytest.fixture(scope="module")
def nli_verifier():
    return v.load_verifier(nli=True, threads=1)


def _verdict(verifier, claim: str, evidence: str) -> pd.Series:
    claims = pd.DataFrame({"claim_id": ["c"], "paper_id": ["p1"], "text": [claim]})
    sentences = pd.DataFrame(
        {
            "paper_id": ["p2", "p2", "p3"],
            "sentence_index": [0, 1, 0],
            "text": [evidence, "We recruited 120 patients in three hospitals.", "Cats purr."],
        }
    )
    return v.verify_claims(claims, sentences, verifier).iloc[0]


CLAIM = "Vitamin D supplementation reduces the risk of fractures in elderly women."


def test_nli_verifier_reads_a_negative_result_as_contradiction(nli_verifier):
    support = _verdict(nli_verifier, CLAIM, CLAIM)
    against = _verdict(
        nli_verifier,
        CLAIM,
        "Vitamin D supplementation did not reduce the risk of fractures in elderly women.",
    )
    assert support["label"] == "SUPPORTED" and support["evidence_paper_id"] == "p2"
    assert against["label"] == "CONTRADICTED" and against["evidence_sentence_index"] == 0
    assert 0.0 <= against["confidence"] <= 1.0


def test_nli_verifier_keeps_a_synonym_paraphrase_supported(nli_verifier):
    # recipe B called this a contradiction (one word changed); recipe C's paraphrase pairs
    paraphrase = _verdict(nli_verifier, CLAIM, CLAIM.replace("reduces", "lowers"))
    assert paraphrase["label"] == "SUPPORTED"

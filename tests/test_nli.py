"""The NLI cross-encoder's training pairs and its run-time switch (the model itself is not
shipped: see benchmarks/README.md, issue 16)."""

from __future__ import annotations

import pandas as pd

from synth import stance
from synth.verify import nli, nli_data


def test_scifact_pairs_label_rationales_neutral_sentences_and_counter_claims():
    claims = [
        {
            "id": 7,
            "claim": "Aspirin reduces fever.",
            "cited_doc_ids": [1],
            "evidence": {"1": [{"sentences": [1], "label": "SUPPORT"}]},
        }
    ]
    corpus = {1: ["Background.", "Aspirin lowered fever in all patients.", "Methods.", "More."]}
    pairs = nli_data.build_scifact_pairs(claims, corpus, neutral_per_doc=2)
    own = pairs[~pairs["counter"]]
    assert own.loc[own["label"] == 0, "premise"].tolist() == [corpus[1][1]]
    assert set(own.loc[own["label"] == 1, "premise"]) <= {"Background.", "Methods.", "More."}
    flipped = pairs[pairs["counter"] & (pairs["premise"] == corpus[1][1])]
    assert flipped["label"].tolist() == [2] and flipped["hypothesis"].iloc[0] != claims[0]["claim"]
    folds = nli_data.claim_folds(10, folds=5)
    assert sorted(set(folds)) == [0, 1, 2, 3, 4]


def test_without_the_model_files_the_lexical_scorer_decides(tmp_path):
    assert not nli.available(tmp_path)
    docs = pd.DataFrame(
        {
            "paper_id": ["a"],
            "title": ["T"],
            "text": ["T. X improves Y."],
            "sentences": [["X improves Y."]],
            "positions": [[0]],
        }
    )
    table = stance.load_scorer("lexical")("X improves Y.", docs)
    assert list(table.columns) == stance.STANCE_COLUMNS and len(table) == 1


def test_candidate_sentences_keep_the_best_overlapping_per_paper():
    docs = pd.DataFrame(
        {
            "sentences": [
                [
                    "We study cats.",
                    "Dropout hurts pretraining.",
                    "Dropout during pretraining hurts accuracy.",
                ],
                [],
            ]
        }
    )
    cands = stance.candidate_sentences("Dropout during pretraining improves accuracy.", docs, 2)
    assert cands["doc_row"].tolist() == [0, 0]
    assert cands["text"].iloc[0] == "Dropout during pretraining hurts accuracy."


class _Rules:
    """A stand-in with the NLIModel interface, to test how nli_stance aggregates sentence
    probabilities into paper stances (the decision logic, not a model)."""

    def predict(self, premises, hypotheses):
        table = {"not": [0.1, 0.2, 0.7], "improves": [0.8, 0.15, 0.05]}
        return pd.DataFrame(
            [next((v for k, v in table.items() if k in p), [0.2, 0.6, 0.2]) for p in premises]
        ).to_numpy()


def test_nli_stance_takes_each_papers_strongest_sentence():
    docs = pd.DataFrame(
        {
            "sentences": [
                ["Dropout improves accuracy.", "Background."],
                ["Dropout does not help accuracy."],
                ["We study dropout accuracy."],
            ]
        }
    )
    table = stance.nli_stance("Dropout improves accuracy.", docs, _Rules())
    assert table["stance"].tolist() == ["SUPPORT", "CONTRADICT", "NEUTRAL"]
    assert table["evidence"].tolist() == [0, 0, 0]
    assert table.loc[0, "confidence"] == 0.8 and table.loc[2, "confidence"] == 0.8


def test_cue_stance_reads_the_finding_sentence_and_its_polarity():
    docs = pd.DataFrame(
        {
            "sentences": [
                ["Dropout is widely used.", "We find that dropout does not improve accuracy."],
                ["Dropout improves accuracy on ImageNet, our experiments show."],
                ["We study protein folding."],
            ]
        }
    )
    table = stance.cue_stance("Dropout improves accuracy.", docs)
    assert table["stance"].tolist() == ["CONTRADICT", "SUPPORT", "NEUTRAL"]
    assert table["evidence"].tolist()[:2] == [1, 0]
    assert (table["confidence"].between(0.5, 1.0)).all()

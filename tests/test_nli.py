"""The NLI cross-encoder's training data (recipe B: claim-rationale pairs, counter-claim
copies, negation pairs, SNLI rehearsal; docs/nli_training.md) and its run-time switch."""

from __future__ import annotations

import argparse
import json

import pandas as pd
import pytest

from synth import stance
from synth.verify import nli, nli_data
from synth.verify.polarity import counter_claim

CLAIMS = [
    {
        "id": 7,
        "claim": "Aspirin reduces fever.",
        "cited_doc_ids": [1],
        "evidence": {"1": [{"sentences": [1], "label": "SUPPORT"}]},
    },
    {
        "id": 9,
        "claim": "Statins increase muscle pain.",
        "cited_doc_ids": [2],
        "evidence": {"2": [{"sentences": [0], "label": "CONTRADICT"}]},
    },
]
CORPUS = {
    1: ["Background.", "Aspirin lowered fever in all patients.", "Methods.", "More."],
    2: ["Statins did not change muscle pain.", "Design.", "Cohort."],
}
LABEL = {"entailment": 0, "neutral": 1, "contradiction": 2}


def write_snli(folder, n: int) -> None:
    """A tiny snli_1.0_train_subset.jsonl: pair i has premise 'p{i}', labels cycling, every
    fifth pair without a gold label ('-', dropped by load_snli)."""
    folder.mkdir(parents=True, exist_ok=True)
    gold = ["entailment", "neutral", "contradiction", "neutral", "-"]
    rows = [
        {"sentence1": f"p{i}", "sentence2": f"h{i}", "gold_label": gold[i % 5]} for i in range(n)
    ]
    text = "".join(json.dumps(r) + "\n" for r in rows)
    (folder / "snli_1.0_train_subset.jsonl").write_text(text, encoding="utf-8")


def stage_args(out, **kw) -> argparse.Namespace:
    """The arguments nli_data reads, with the recipe-B defaults of train_nli's command line."""
    base = {"pairs": None, "scifact": None, "snli": None, "out": out, "seed": 0, "folds": 5}
    base |= {"neutral_per_doc": 1, "fold_seed": 0, "fold": None, "negation_pairs": False}
    base |= {"snli_mix": 0, "snli_skip": 72000, "max_pairs": None}
    return argparse.Namespace(**(base | kw))


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


def test_negation_pairs_put_the_counter_claim_on_the_premise_side():
    pairs = nli_data.negation_pairs(CLAIMS)
    assert list(pairs.columns) == [
        "claim_row", "claim_id", "doc_id", "premise", "hypothesis", "label", "counter"
    ]  # fmt: skip
    assert len(pairs) == 2 * len(CLAIMS) and (pairs["doc_id"] == -1).all()
    first = pairs[pairs["claim_id"] == 7]
    neg = counter_claim("Aspirin reduces fever.")
    assert neg != "Aspirin reduces fever."
    assert first["premise"].tolist() == [neg, neg]
    assert first["hypothesis"].tolist() == ["Aspirin reduces fever.", neg]
    assert first["label"].tolist() == [2, 0] and first["counter"].tolist() == [False, True]
    assert pairs["claim_row"].tolist() == [0, 0, 1, 1]


def test_pairs_stage_appends_negation_pairs_and_writes_folds(tmp_path):
    data = tmp_path / "scifact"
    data.mkdir()
    lines = "".join(json.dumps(c) + "\n" for c in CLAIMS)
    (data / "claims_train.jsonl").write_text(lines, encoding="utf-8")
    docs = [{"doc_id": k, "abstract": v} for k, v in CORPUS.items()]
    (data / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
    plain = nli_data.scifact_training_pairs(stage_args(tmp_path, scifact=data, folds=2))
    with_neg = nli_data.scifact_training_pairs(
        stage_args(tmp_path, scifact=data, folds=2, negation_pairs=True)
    )
    assert len(plain) == 8 and len(with_neg) == 8 + 4
    pd.testing.assert_frame_equal(with_neg.head(8), plain)  # built first, negations appended
    tail = with_neg.tail(4)
    assert (tail["doc_id"] == -1).all() and set(tail["fold"]) == set(plain["fold"])
    written = pd.read_json(tmp_path / "pairs.jsonl", lines=True)
    assert len(written) == 12 and written["premise"].tolist() == with_neg["premise"].tolist()


def test_snli_rehearsal_skips_stage_ones_pairs_and_takes_the_next_ones(tmp_path):
    write_snli(tmp_path, 50)  # 40 with a gold label
    stage1 = nli_data.load_snli(tmp_path, "train", 30, seed=3)
    mix = nli_data.rehearsal_pairs(tmp_path, skip=30, n=6, seed=3)
    assert len(mix) == 6 and not set(mix["premise"]) & set(stage1["premise"])
    everything = nli_data.load_snli(tmp_path, "train", None, seed=3)
    assert mix["premise"].tolist() == everything["premise"].iloc[30:36].tolist()
    numbers = mix["premise"].str[1:].astype(int)
    expected = [
        LABEL[["entailment", "neutral", "contradiction", "neutral"][i % 5]] for i in numbers
    ]
    assert mix["label"].tolist() == expected
    assert (mix[["claim_row", "claim_id", "doc_id", "fold"]] == -1).all().all()
    assert not mix["counter"].any()
    again = nli_data.rehearsal_pairs(tmp_path, skip=30, n=6, seed=3)
    pd.testing.assert_frame_equal(mix, again)  # deterministic
    other = nli_data.rehearsal_pairs(tmp_path, skip=30, n=6, seed=4)
    assert other["premise"].tolist() != mix["premise"].tolist()
    with pytest.raises(ValueError, match="only 10 SNLI train pairs"):
        nli_data.rehearsal_pairs(tmp_path, skip=30, n=11, seed=3)


def test_stage2_pairs_mix_snli_into_every_fold(tmp_path):
    pairs = nli_data.build_scifact_pairs(CLAIMS, CORPUS, neutral_per_doc=1)
    pairs = pd.concat([pairs, nli_data.negation_pairs(CLAIMS)], ignore_index=True)
    pairs["fold"] = pairs["claim_row"]  # claim 7 in fold 0, claim 9 in fold 1
    pairs.to_json(tmp_path / "pairs.jsonl", orient="records", lines=True)
    write_snli(tmp_path / "snli", 20)
    args = stage_args(
        tmp_path, pairs=tmp_path / "pairs.jsonl", snli=tmp_path / "snli", snli_mix=4, snli_skip=8
    )
    df = nli_data.stage2_pairs(args)
    assert len(df) == len(pairs) + 4 and (df.tail(4)["fold"] == -1).all()
    mix = nli_data.rehearsal_pairs(tmp_path / "snli", skip=8, n=4, seed=0)
    assert df.tail(4)["premise"].tolist() == mix["premise"].tolist()
    held = nli_data.stage2_pairs(stage_args(**(vars(args) | {"fold": 0})))
    assert set(held["claim_id"]) == {9, -1} and (held["fold"] == -1).sum() == 4
    assert json.loads((tmp_path / "held_out_claim_ids.json").read_text()) == [7]
    few = nli_data.stage2_pairs(stage_args(**(vars(args) | {"max_pairs": 5})))
    again = nli_data.stage2_pairs(stage_args(**(vars(args) | {"max_pairs": 5})))
    assert len(few) == 5 and few.equals(again)
    with pytest.raises(ValueError, match="--snli-mix needs --snli"):
        nli_data.stage2_pairs(stage_args(**(vars(args) | {"snli": None})))


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


def test_synonym_swap_keeps_form_and_case():
    assert nli_data.synonym_swap("Aspirin reduces pain.", 0) == "Aspirin decreases pain."
    assert nli_data.synonym_swap("Reduced sleep impairs memory.", 1) == (
        "Lowered sleep impairs memory."
    )
    assert nli_data.synonym_swap("Cats purr.") is None


def test_paraphrase_pairs_entail_and_their_counter_claims_contradict():
    claims = [{"id": 5, "claim": "Exercise increases hippocampal volume."}]
    pairs = pd.DataFrame(
        {
            "claim_row": [0, 0, 0],
            "claim_id": [5, 5, 5],
            "doc_id": [9, 9, 9],
            "premise": ["Exercise raised hippocampal volume.", "Methods.", "X boosts Y."],
            "hypothesis": [claims[0]["claim"]] * 3,
            "label": [0, 1, 2],
            "counter": [False, False, True],
        }
    )
    out = nli_data.paraphrase_pairs(pairs, claims)
    assert out["premise"].tolist() == [
        "Exercise raises hippocampal volume.",
        "Exercise raises hippocampal volume.",
        "Exercise increased hippocampal volume.",
    ]
    assert out["label"].tolist() == [0, 2, 0]
    assert out["hypothesis"].iloc[1] == "Exercise decreases hippocampal volume."
    assert out["counter"].tolist() == [False, True, False]

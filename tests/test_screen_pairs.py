"""The pairing model's training pairs (benchmarks/screen_pairs.py): built from "A for B" titles,
no human label; an abstract is relevant only when it names the method and the task."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "screen_pairs.py"

# Titles with their abstracts; 120 filler papers make these words rare (< 3% of abstracts).
PAPERS = [
    (
        "Spiking Networks for Keyword Spotting",
        "We train spiking networks with surrogate gradients to detect spoken keywords on "
        "microcontrollers; keyword spotting accuracy is 93% at a tenth of the energy.",
    ),
    (
        "Spiking Networks for Event Cameras",
        "Spiking networks read the sparse streams of event cameras and classify gestures.",
    ),
    (
        "Convolutional Models for Keyword Spotting",
        "A small convolutional model detects spoken keywords; keyword spotting runs in real "
        "time on phones.",
    ),
    (
        "Convolutional Models for Galaxy Morphology",
        "Convolutional models sort telescope images of galaxies by morphology.",
    ),
    (
        "Graph Kernels for Molecule Retrieval",
        "Graph kernels compare molecules for retrieval from chemical libraries.",
    ),
    (
        "Graph Kernels for Protein Folding",
        "We apply graph kernels to contact maps for protein folding.",
    ),
    (
        "Transformers for Molecule Retrieval",
        "Transformers embed molecules; retrieval uses nearest neighbours.",
    ),
]


@pytest.fixture(scope="module")
def screen_pairs():
    spec = importlib.util.spec_from_file_location("screen_pairs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    filler = [
        (f"Study {i} of common things", f"This paper reports results on data with a method {i}.")
        for i in range(120)
    ]
    rows = PAPERS + filler
    return pd.DataFrame(
        {
            "paper_id": [f"t{i}" for i in range(len(rows))],
            "title": [t for t, _ in rows],
            "abstract": [a for _, a in rows],
        }
    )


def test_a_title_is_split_at_its_one_joining_word(screen_pairs):
    split = screen_pairs.split_title
    assert split("SpikeKWS: Spiking Networks for Keyword Spotting") == (
        "Spiking Networks",
        "Keyword Spotting",
    )
    assert split("Learning for Planning for Robots") is None  # two joining words
    assert split("Keyword spotting on chips", ("for",)) is None


def test_each_query_has_its_own_abstract_relevant_and_contrasts_not(screen_pairs, corpus):
    pairs = screen_pairs.build_pairs(corpus, n=50, seed=0)
    assert not pairs.empty
    abstract_of = dict(zip(corpus.index, corpus["abstract"], strict=True))
    for claim, rows in pairs.groupby("claim_id"):
        relevant = rows[rows["label"] == 0]
        assert relevant["premise"].tolist() == [abstract_of[claim]]
        assert claim not in set(rows[rows["label"] == 1]["doc_id"])
        method, task = screen_pairs.split_title(corpus.at[claim, "title"])
        for premise in rows[rows["label"] == 1]["premise"]:
            named = screen_pairs.words(premise)
            lacks_method = not screen_pairs.words(method) & named
            lacks_task = not screen_pairs.words(task) & named
            assert lacks_method or lacks_task, (rows["hypothesis"].iloc[0], premise)
        assert len(rows) == 3


def test_hard_negatives_are_the_contrasts_closest_to_the_title_s_paper(screen_pairs, corpus):
    closer = (
        "Spiking Networks for Gesture Control",
        "Spiking networks with surrogate gradients on microcontrollers classify gestures at a "
        "tenth of the energy.",
    )
    extended = pd.concat(
        [corpus, pd.DataFrame([{"paper_id": "near", "title": closer[0], "abstract": closer[1]}])],
        ignore_index=True,
    )
    near = extended.index[-1]
    for seed in range(4):
        pairs = screen_pairs.build_pairs(extended, n=50, seed=seed, hard=True)
        kws = pairs[pairs["claim_id"] == 0]  # "Spiking Networks for Keyword Spotting"
        assert near in set(kws["doc_id"]), kws["premise"].tolist()
        randomly = screen_pairs.build_pairs(extended, n=50, seed=seed)
        assert set(randomly["claim_id"]) == set(pairs["claim_id"])


def test_judged_pairs_use_the_dev_judgements_and_leave_the_fresh_splits_papers_out():
    spec = importlib.util.spec_from_file_location(
        "screen_judged_pairs", SCRIPT.with_name("screen_judged_pairs.py")
    )
    judged = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(judged)
    papers = pd.DataFrame(
        {"paper_id": ["a", "b", "c", "d"], "title": ["A", "B", "C", "D"],
         "abstract": ["aa.", "bb.", "cc.", "dd."]}
    )  # fmt: skip
    records = [
        {"id": "s07", "split": "tune", "question": "Q7?",
         "judged": [{"paper_id": "a", "relevant": 1}, {"paper_id": "b", "relevant": 0},
                    {"paper_id": "c", "relevant": 1}, {"paper_id": "zz", "relevant": 1}]},
        {"id": "s10", "split": "test7", "question": "Q10?",
         "judged": [{"paper_id": "d", "relevant": 0}]},
        {"id": "s93", "split": "test8", "question": "Q93?",
         "judged": [{"paper_id": "c", "relevant": 1}]},
    ]  # fmt: skip
    pairs = judged.judged_pairs(records, papers)
    # c is judged by a fresh question (left out as a premise), zz is not in the corpus
    assert pairs[["claim_id", "doc_id", "label", "fold"]].values.tolist() == [
        [7, "a", 0, 1],  # relevant is train_nli's label 0 (RELEVANT); fold = parity
        [7, "b", 1, 1],
        [10, "d", 1, 0],
    ]
    assert pairs.loc[0, "premise"] == "A. aa." and pairs.loc[0, "hypothesis"] == "Q7?"

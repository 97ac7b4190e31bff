"""The stance of a paper toward a hypothesis: which way a finding points once negation,
"no difference" and costs are read (``synth.direction``), which sentence states the paper's
finding, and the stance that follows (``synth.stance``)."""

from __future__ import annotations

import pandas as pd
import pytest

from synth import stance
from synth.direction import agrees, direction, main_clause
from synth.text import tokenize

HYPOTHESIS = "Chain-of-thought prompting improves the accuracy of LLMs on clinical text tasks."


@pytest.mark.parametrize(
    ("text", "sign", "null"),
    [
        ("CoT prompting improves accuracy on every task.", 1, False),
        ("Thinking tokens do not help LRMs translate better.", -1, False),
        ("The method fails to generalize to unseen domains.", -1, False),
        ("Multi-turn contexts degrade performance and accuracy drops.", -1, False),
        ("Our method reduces the estimation error by 50%.", 1, False),  # less error is better
        ("It shortens reasoning by 40% without hurting accuracy.", -1, False),
        ("Discriminative losses provide no significant improvements at scale.", -1, True),
        ("The discriminative ORM performs on par with the PRM.", 0, True),
        ("The model is trained on 3,000 examples.", 0, False),
    ],
)
def test_direction_reads_negation_costs_and_no_difference(text, sign, null):
    found = direction(text)
    assert (found.sign, found.null) == (sign, null)


def test_the_main_clause_is_the_one_about_the_hypothesis():
    words = set(tokenize("Occupational personas lower the accuracy of LLMs."))
    sentence = (
        "While profession personas slightly improve accuracy, occupational personas degrade it."
    )
    assert main_clause(sentence, words, tokenize) == "occupational personas degrade it."
    two = "Visual cues make models robust to noise; however, this does not hold for music."
    assert main_clause(
        two, set(tokenize("Visual cues make models robust to noise.")), tokenize
    ) == ("Visual cues make models robust to noise")


def test_agreement_of_directions():
    up, down = direction("X improves Y."), direction("X degrades Y.")
    null = direction("X performs on par with Y.")
    assert agrees(up, up) and agrees(down, down)
    assert not agrees(up, down) and not agrees(up, null)
    assert agrees(direction("X is as good as Y."), direction("X outperforms Y."))


@pytest.mark.parametrize(
    ("sentence", "against"),
    [
        ("We find that CoT prompting improves accuracy on clinical notes.", False),
        ("We observe that 86% of models suffer performance degradation with CoT.", True),
        ("CoT prompting does not improve accuracy on clinical text.", True),
        ("CoT brings no significant gain on clinical text understanding.", True),
        ("Reasoning with CoT raises accuracy on all five clinical benchmarks.", False),
    ],
)
def test_reverses_reads_negative_results(sentence, against):
    assert stance.reverses(HYPOTHESIS, sentence) is against


def _docs(*abstracts: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(len(abstracts))],
            "title": [f"Paper {i}" for i in range(len(abstracts))],
            "sentences": list(abstracts),
            "text": [" ".join(a) for a in abstracts],
        }
    )


def test_the_finding_sentence_beats_a_restatement_of_prior_work():
    docs = _docs(
        [
            "Chain-of-thought (CoT) prompting has been shown to improve LLM accuracy.",
            "We evaluate 95 LLMs on 87 clinical text tasks.",
            "Contrary to prior findings, we observe that most models lose accuracy with CoT.",
        ]
    )
    picked = stance.finding_sentences(HYPOTHESIS, docs)
    assert picked["sentence"].tolist() == [2]
    table = stance.cue_stance(HYPOTHESIS, docs)
    assert table.loc[0, "stance"] == "CONTRADICT"
    assert table.loc[0, "evidence"] == 2


def test_acronyms_a_paper_defines_count_as_their_long_form():
    docs = _docs(
        [
            "Chain-of-thought (CoT) reasoning is popular.",
            "We find that CoT degrades clinical accuracy.",
        ]
    )
    cands = stance.candidate_sentences(HYPOTHESIS, docs)
    second = cands[cands["sentence"] == 1]["overlap"].iloc[0]
    assert second > 0.3  # "chain", "thought", "clinical", "accuracy" shared through "CoT"


def test_words_every_paper_uses_weigh_less_than_distinctive_ones():
    docs = _docs(
        ["We find that LLMs improve accuracy on clinical text tasks."],
        ["We find that LLMs improve accuracy on math word problems."],
    )
    cands = stance.candidate_sentences(HYPOTHESIS, docs)
    clinical, math = cands.sort_values("doc_row")["overlap"].tolist()
    assert clinical > math


def test_a_finding_about_the_comparator_reverses_a_comparison():
    hypothesis = "LLM-based recognisers are more robust than modular diarisation pipelines."
    assert stance.reverses(hypothesis, "Modular pipelines remain more robust.")
    assert not stance.reverses(hypothesis, "LLM-based recognisers remain more robust.")
    # words the subject and the comparator share do not decide
    shared = "Vision-language models understand sensory knowledge better than text-only models."
    assert stance.reverses(shared, "We find that vision-language models do not outperform them.")


@pytest.mark.parametrize(
    ("text", "sign", "null"),
    [
        ("Our method is competitive, with minimal degradation compared to full tuning.", 0, False),
        ("Frontier models degrade significantly, exposing gaps in robust analysis.", -1, False),
        ("The model achieved very close performance to the optical-only baseline.", 0, True),
    ],
)
def test_played_down_losses_elaborations_and_near_ties(text, sign, null):
    clause = main_clause(text, set(), tokenize)
    found = direction(clause)
    assert (found.sign, found.null) == (sign, null)

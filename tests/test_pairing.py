"""The method-and-task check of screening (synth/pairing.py, the model in synth/data/pairing)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from synth import inclusion, pairing

QUESTION = "Do spiking neural networks improve keyword spotting?"
KWS = (
    "Low-power keyword spotting with spiking neural networks",
    "Always-on keyword spotting must run on microwatt budgets. We train a spiking neural "
    "network with surrogate gradients on the Google Speech Commands dataset and deploy it on "
    "neuromorphic hardware. The network detects twelve spoken keywords with 93.1% accuracy, "
    "within one point of a CNN baseline, while using 20 times less energy per inference.",
)
VISION = (
    "Spiking neural networks for event-based image classification",
    "Event cameras produce sparse asynchronous streams that suit spiking neural networks. We "
    "propose a convolutional spiking network trained with surrogate gradients for object "
    "classification on N-MNIST and CIFAR10-DVS. It reaches 99.2% and 78.4% top-1 accuracy "
    "with four time steps, and we analyse its firing sparsity layer by layer.",
)
FLOW = (
    "Energy-efficient optical flow estimation with spiking neural networks",
    "We estimate optical flow from event streams with a recurrent spiking neural network. "
    "Trained self-supervised on MVSEC, it lowers the average endpoint error by 12% against "
    "the best spiking baseline and runs at 3 mJ per frame on a neuromorphic chip.",
)


def screened(*papers, included=None) -> pd.DataFrame:
    """A screen-stage frame of ``papers`` ((title, abstract) pairs), all included unless told."""
    n = len(papers)
    included = [True] * n if included is None else included
    return pd.DataFrame(
        {
            "paper_id": [f"p{i}" for i in range(n)],
            "title": [t for t, _ in papers],
            "abstract": [a for _, a in papers],
            "included": included,
            "exclusion_reason": ["" if x else "below the cut-off" for x in included],
            "topic_score": np.linspace(1.5, 1.0, n),
            "subject_match": [1.0] * n,
        }
    )


@pytest.fixture(scope="module")
def model():
    return pairing.load_pairing_model(threads=1)


def test_the_method_on_the_question_s_task_outscores_the_method_on_others(model):
    p = pairing.pairing_scores(model, QUESTION, screened(KWS, VISION, FLOW))
    assert p.shape == (3,) and np.all((p >= 0) & (p <= 1))
    assert p[0] > 0.9  # spiking networks for keyword spotting
    assert max(p[1], p[2]) < pairing.MIN_PAIRING  # spiking networks on images, optical flow
    assert pairing.pairing_scores(model, QUESTION, screened()).shape == (0,)


def test_the_method_only_on_other_tasks_includes_nothing_and_says_so(model):
    out = pairing.gate(screened(VISION, FLOW, KWS, included=[True, True, False]), QUESTION, model)
    assert not out["included"].any()
    assert out.loc[0, "exclusion_reason"].startswith(pairing.PAIRING_REASON)
    assert "no included paper reaches 0.01" in out.loc[1, "exclusion_reason"]
    assert out.loc[2, "exclusion_reason"] == "below the cut-off"  # not included: untouched
    assert np.isnan(out.loc[2, "pairing"]) and out["pairing"].notna().sum() == 2
    coverage = inclusion.coverage_of(out, QUESTION)
    assert coverage["level"] == "none" and coverage["included"] == 0
    assert (
        "the 2 closest to it name its subject or task but not the two together"
        in (coverage["statement"])
    )
    assert coverage["nearest"][0]["title"] == VISION[0]  # still named as the nearest evidence


def test_when_one_paper_pairs_them_the_others_need_a_share_of_its_probability(model):
    frame = screened(KWS, VISION, FLOW)
    p = pairing.pairing_scores(model, QUESTION, frame)
    out = pairing.gate(frame, QUESTION, model, relative=0.01)
    assert out["included"].tolist() == [True, *(p[1:] >= 0.01 * p[0])]
    strict = pairing.gate(frame, QUESTION, model, relative=0.5)
    assert strict["included"].tolist() == [True, False, False]
    assert f"x best {p[0]:.2f})" in strict.loc[1, "exclusion_reason"]


def test_without_a_model_or_an_included_paper_the_gate_changes_nothing(model):
    kept = pairing.gate(screened(KWS, VISION), QUESTION, None)  # pairing_check: false
    assert kept["included"].tolist() == [True, True]
    assert kept["exclusion_reason"].tolist() == ["", ""] and kept["pairing"].isna().all()
    none = pairing.gate(screened(KWS, VISION, included=[False, False]), QUESTION, model)
    assert none["exclusion_reason"].tolist() == ["below the cut-off"] * 2
    assert not none["included"].any() and none["pairing"].isna().all()


class FixedProbabilities:
    """A stand-in for the cross-encoder that gives each paper a set P(pairing), in order, so
    that the gate's rules are tested on chosen values (the model itself is tested above)."""

    def __init__(self, probabilities):
        self.p = np.asarray(probabilities, dtype=float)

    def predict(self, premises, hypotheses, max_length=256):
        assert len(premises) == len(hypotheses) == len(self.p)
        return np.column_stack([self.p, 1.0 - self.p, np.zeros(len(self.p))])


def with_task(frame: pd.DataFrame, outcome_match) -> pd.DataFrame:
    return frame.assign(outcome_match=outcome_match)


def test_without_a_clear_pairing_a_paper_naming_little_of_the_task_needs_the_model():
    frame = with_task(screened(KWS, VISION, FLOW), [0.0, 0.0, 0.6])
    out = pairing.gate(frame, QUESTION, FixedProbabilities([0.3, 0.05, 0.05]))
    assert out["included"].tolist() == [True, False, True]  # 0.3 >= 0.1; task words named
    reason = out.loc[1, "exclusion_reason"]
    assert reason.startswith(pairing.PAIRING_REASON) and "names 0.00 of its task < 0.30" in reason
    assert "pairing model 0.050 < 0.10, none reaches 0.50" in reason
    assert pairing.gate(frame, QUESTION, FixedProbabilities([0.3, 0.05, 0.05]), min_task=0.0)[
        "included"
    ].all()  # the rule off


def test_a_clear_pairing_or_a_question_without_a_task_keeps_the_task_rule_off():
    frame = with_task(screened(KWS, VISION), [0.0, 0.0])
    assert pairing.gate(frame, QUESTION, FixedProbabilities([0.6, 0.05]))["included"].all()
    no_task = with_task(screened(KWS, VISION), [np.nan, np.nan])
    assert pairing.gate(no_task, QUESTION, FixedProbabilities([0.3, 0.05]))["included"].all()
    assert pairing.gate(screened(KWS, VISION), QUESTION, FixedProbabilities([0.3, 0.05]))[
        "included"
    ].all()  # no outcome_match column at all


def test_without_a_clear_pairing_a_paper_writing_none_of_the_question_s_phrases_is_out():
    frame = with_task(screened(KWS, VISION, FLOW), [0.6, 0.6, 0.6]).assign(
        phrase_match=[0.8, 0.1, np.nan]
    )
    frame.attrs["phrases"] = ["spiking neural", "keyword spotting"]
    out = pairing.gate(frame, QUESTION, FixedProbabilities([0.3, 0.2, 0.2]))
    assert out["included"].tolist() == [True, False, True]  # NaN: no phrase, no rule
    reason = out.loc[1, "exclusion_reason"]
    assert reason.startswith(pairing.PAIRING_REASON)
    assert "writes 0.10 of its phrases (spiking neural, keyword spotting) < 0.15" in reason
    off = pairing.gate(frame, QUESTION, FixedProbabilities([0.3, 0.2, 0.2]), min_phrase=0.0)
    assert off["included"].all()
    clear = pairing.gate(frame, QUESTION, FixedProbabilities([0.6, 0.2, 0.2]))
    assert clear["included"].all()  # one paper pairs them clearly: the rule is off

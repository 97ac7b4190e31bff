"""Question analysis: yes/no or open, the hypothesis with its direction kept, the facets."""

from __future__ import annotations

import pytest

from synth.question import analyze_question, hypothesis_of, question_kind


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Does X improve Y on Z?", "yes_no"),
        ("Is A better than B for C?", "yes_no"),
        ("Can small models match large ones?", "yes_no"),
        ("In JIT compilers, does graph colouring beat linear scan?", "yes_no"),
        ("Whether pretraining helps?", "yes_no"),
        ("What methods improve video retrieval?", "open"),
        ("How do LLMs handle long context?", "open"),
        ("Which losses work best for retrieval?", "open"),
    ],
)
def test_question_kind(question, kind):
    assert question_kind(question) == kind


@pytest.mark.parametrize(
    ("question", "hypothesis"),
    [
        (
            "Does temporal modelling improve text-video retrieval on MSR-VTT?",
            "Temporal modelling improves text-video retrieval on MSR-VTT.",
        ),
        (
            "Do diffusion models outperform GANs on MS-COCO?",
            "Diffusion models outperform GANs on MS-COCO.",
        ),
        (
            "Is chain-of-thought prompting effective on GSM8K?",
            "Chain-of-thought prompting is effective on GSM8K.",
        ),
        (
            "Can small language models match large ones on code generation?",
            "Small language models can match large ones on code generation.",
        ),
        (
            "Does data augmentation not help on small datasets?",
            "Data augmentation does not help on small datasets.",
        ),
        (
            "Is RLHF worse than DPO for instruction following?",
            "RLHF is worse than DPO for instruction following.",
        ),
        (
            "In vision transformers, does patch dropout reduce training cost?",
            "In vision transformers, patch dropout reduces training cost.",
        ),
        ("Can X be quantitatively shown to enhance generalization?", "X enhances generalization."),
    ],
)
def test_hypothesis_keeps_subject_and_direction(question, hypothesis):
    assert hypothesis_of(question) == hypothesis


def test_facets_of_a_comparative_question():
    a = analyze_question(
        "Do diffusion models outperform GANs for text-to-image generation by FID on MS-COCO?"
    )
    assert a.kind == "yes_no" and a.subject == "diffusion models"
    assert a.dataset == "MS-COCO" and a.metric == "FID"
    assert "text-to-image generation" in a.outcome and "MS-COCO" not in a.outcome


def test_comparator_dataset_list_and_no_dataset_from_a_modifier():
    a = analyze_question(
        "Does graph-colouring register allocation produce faster code than "
        "linear-scan allocation in JIT compilers?"
    )
    assert a.comparator == "linear-scan allocation" and a.dataset == ""  # JIT is no dataset
    b = analyze_question(
        "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?"
    )
    assert b.dataset == "MSR-VTT, DiDeMo" and b.outcome == "improve text-video retrieval"


def test_open_question_has_no_hypothesis():
    a = analyze_question("What methods improve video retrieval?")
    assert a.kind == "open" and a.hypothesis == "" and a.subject == ""


@pytest.mark.parametrize(
    "question, comparator, outcome",
    [
        (
            "Do neural network decoders outperform minimum-weight perfect matching for "
            "surface-code quantum error correction?",
            "minimum-weight perfect matching",
            "surface-code quantum error correction",
        ),
        (
            "Do machine-learning weather models beat numerical weather prediction in "
            "medium-range forecast skill?",
            "numerical weather prediction",
            "medium-range forecast skill",
        ),
        (
            "Does retrieval augmentation surpass fine-tuning on long documents?",
            "fine-tuning",
            "long documents",
        ),
    ],
)
def test_outperform_beat_and_surpass_name_the_comparator_not_the_outcome(
    question, comparator, outcome
):
    a = analyze_question(question)
    assert a.comparator == comparator and a.outcome == outcome
    assert comparator in a.hypothesis and outcome in a.hypothesis  # the hypothesis keeps both


def test_a_conditional_lead_keeps_the_question_yes_no():
    q = analyze_question(
        "When video autoencoders are trained at scale, do GAN and LPIPS losses give a "
        "significant quality gain?"
    )
    assert q.kind == "yes_no"
    assert q.hypothesis == (
        "When video autoencoders are trained at scale, GAN and LPIPS losses give a "
        "significant quality gain."
    )
    assert analyze_question("When does pruning hurt accuracy?").kind == "open"
    parity = analyze_question("Is image-only input as good as adding text to the prompt?")
    assert parity.hypothesis == "Image-only input is as good as adding text to the prompt."


@pytest.mark.parametrize(
    "question, metric, outcome",
    [
        (  # the metric word stays in the outcome where it is part of the phrase
            "Does a concurrent garbage collector such as ZGC reduce tail latency compared "
            "with G1 for Java server applications?",
            "latency",
            "reduce tail latency for Java server applications",
        ),
        (  # "speed up" is the verb, not the metric "speed"
            "Does speculative decoding speed up large language model inference without "
            "loss of output quality?",
            "",
            "speed up large language model inference without loss of output quality",
        ),
        (  # "is" is not the Inception Score (IS)
            "Do vision transformers outperform convolutional neural networks for image "
            "classification when training data is limited?",
            "",
            "image classification when training data is limited",
        ),
        (  # "by FID" only says how the outcome is measured: it goes
            "Does classifier-free guidance improve sample quality by FID?",
            "FID",
            "improve sample quality",
        ),
    ],
)
def test_the_outcome_reads_as_a_phrase_and_the_metric_is_a_metric(question, metric, outcome):
    a = analyze_question(question)
    assert a.metric == metric and a.outcome == outcome
    assert analyze_question("Does the new sampler raise IS on CIFAR-10?").metric == "IS"

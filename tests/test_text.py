"""Sentence splitting on the hard cases of scientific text, plus a no-loss property."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from synth.text import split_sentences

CASES = [
    (
        "Prior work (Smith et al., 2020) is limited. We fix it.",
        ["Prior work (Smith et al., 2020) is limited.", "We fix it."],
    ),
    (
        "As shown by Smith et al. we fix it. It works.",
        ["As shown by Smith et al. we fix it.", "It works."],
    ),
    (
        "We use cues, e.g. cue words, i.e. lexical hints. They help.",
        ["We use cues, e.g. cue words, i.e. lexical hints.", "They help."],
    ),
    (
        "As shown in Fig. 2, accuracy rises. Eq. (3) defines the loss. See Sec. 4.",
        ["As shown in Fig. 2, accuracy rises.", "Eq. (3) defines the loss.", "See Sec. 4."],
    ),
    (
        "Accuracy improves by 0.5% over the baseline. Recall is 3.2 points higher.",
        ["Accuracy improves by 0.5% over the baseline.", "Recall is 3.2 points higher."],
    ),
    (
        "InternVideo2 achieves 55.9 R@1 on MSR-VTT. It is the best.",
        ["InternVideo2 achieves 55.9 R@1 on MSR-VTT.", "It is the best."],
    ),
    (
        "The code is at https://x.org/a.b and the paper is arXiv:2403.15377. Try it.",
        ["The code is at https://x.org/a.b and the paper is arXiv:2403.15377.", "Try it."],
    ),
    (
        "This was shown before [12]. We extend it [13, 14].",
        ["This was shown before [12].", "We extend it [13, 14]."],
    ),
    (
        "Our model is 2$\\times$ faster than $O(n^2)$ methods. It also uses less memory.",
        ["Our model is 2$\\times$ faster than $O(n^2)$ methods.", "It also uses less memory."],
    ),
    (
        "Our model beats GPT-4 vs. Llama-3 baselines. It is cheap.",
        ["Our model beats GPT-4 vs. Llama-3 baselines.", "It is cheap."],
    ),
    (
        "This is done w.r.t. the input. Results are in Tab. 3. Also cf. Appendix A.",
        ["This is done w.r.t. the input.", "Results are in Tab. 3.", "Also cf. Appendix A."],
    ),
    (
        "Results: (1) it works; (2) it is fast; and (3) it is cheap. Done.",
        ["Results: (1) it works; (2) it is fast; and (3) it is cheap.", "Done."],
    ),
    (
        "Our contributions: 1. We propose X. 2. We show Y. 3. We release Z.",
        ["Our contributions: 1. We propose X.", "2. We show Y.", "3. We release Z."],
    ),
    ("We find (1) a gain. (2) a loss.", ["We find (1) a gain.", "(2) a loss."]),
    (
        (
            "Aligning large language models (LLMs) is\nvital. However, current methods face three\n"
            "limitations: (1) costly human annotation; (2) alignment tax; (3)\nshallow alignment."
        ),
        [
            "Aligning large language models (LLMs) is vital.",
            (
                "However, current methods face three limitations: (1) costly human annotation; "
                "(2) alignment tax; (3) shallow alignment."
            ),
        ],
    ),
    (
        "Key points:\n- first we do A\n- then we do B.\n\nA new paragraph",
        ["Key points:", "- first we do A", "- then we do B.", "A new paragraph"],
    ),
    (
        "Models such as GPT-4o, Qwen2.5-VL, etc., fail. We explain why.",
        ["Models such as GPT-4o, Qwen2.5-VL, etc., fail.", "We explain why."],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_hard_cases(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_empty() -> None:
    assert split_sentences("") == []
    assert split_sentences("  \n ") == []


def test_hard_wrap_is_joined() -> None:
    text = "We propose a new\nmethod for video\nretrieval. It is fast."
    assert split_sentences(text) == ["We propose a new method for video retrieval.", "It is fast."]


_WORDS = st.sampled_from(
    [
        "We",
        "show",
        "that",
        "et al.",
        "e.g.",
        "Fig. 2",
        "0.5%",
        "55.9",
        "R@1",
        "(Smith et al., 2020)",
        "[12]",
        "arXiv:2403.15377",
        "https://x.org/a.b",
        "$\\times$",
        "(1)",
        "(2)",
        "i.e.",
        "vs.",
        "results.",
        "It",
        "works.",
        "\n",
        "\n\n",
        "- ",
        "Eq. (3)",
        "Tab.",
        "3.",
        "?",
        "!",
        ";",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=40))
def test_nothing_lost_nothing_cut(words: list[str]) -> None:
    text = " ".join(words)
    sentences = split_sentences(text)
    assert re.sub(r"\s+", "", "".join(sentences)) == re.sub(r"\s+", "", text)
    assert all(s and s == s.strip() and "  " not in s for s in sentences)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_is_preserved(text: str) -> None:
    sentences = split_sentences(text)
    assert re.sub(r"\s+", "", "".join(sentences)) == re.sub(r"\s+", "", text)

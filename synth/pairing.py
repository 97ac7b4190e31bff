"""Does a paper work on the question's method *and* its task? The screen stage's last check.

Screening's lexical facets and MiniLM cosines cannot tell "spiking networks for keyword
spotting" from spiking networks on images: the paper names the question's subject and is close
to it, on another task (the near misses of ``benchmarks/screen.py``). The cross-encoder in
``data/pairing/`` reads ``[CLS] title. abstract [SEP] question [SEP]`` and gives the
probability that the abstract is about the question's pairing. It is the relevance
re-ranker of ``synth.rerank`` (SNLI, then SciFact relevance) trained further on the arXiv
listings' own "A for B" titles: the paper's abstract relevant, an abstract that names A and
not B, and one that names B and not A, not relevant (``benchmarks/screen_pairs.py``; no human
label; every paper a dev question judges left out). ``data/pairing/MODEL_CARD.md`` has the
data, the command and the figures.

Its probabilities are sharp on a method seen only on other tasks and unsure on questions with
many facets (a comparator, a benchmark): a relevant paper often scores low when the question
asks more than it states. So the check is made first for the question and then per paper:
when no included paper reaches ``MIN_PAIRING``, no paper pairs the question's method with its
task and all are excluded (the coverage statement says so and names the nearest papers);
otherwise a paper is excluded below ``RELATIVE`` x the best paper's probability. And when no
paper reaches ``CLEAR_PAIRING`` (a question whose pairing the corpus may not have), a paper
that also names little of the question's task (screening's ``outcome_match``) is excluded
unless the model gives it ``MIN_PAIRING_WITHOUT_TASK``: the model's low score and the missing
task words agree that it is the method on another task. So is, then, a paper that writes less
than ``MIN_PHRASE`` of the question's phrases (``synth.phrases``): it has the question's words
in other combinations ("peer review comments" for a question on code review comments).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from synth.phrases import MIN_PHRASE
from synth.rerank import load_reranker, paper_texts, relevance

# The model has the re-ranker's architecture (labels RELEVANT, NOT_RELEVANT, UNUSED; 256-token
# pairs), so synth.rerank loads and runs it.
MODEL_DIR = Path(__file__).resolve().parent / "data" / "pairing"
# Chosen on the screening dev set s01-s80 and the answer dev set q01-q160 (benchmarks/README.md,
# "Round 9"): a paper-level bar drops relevant papers of covered questions faster than
# off-topic ones; the question-level bar empties the near misses and keeps the covered ones.
MIN_PAIRING = 0.01  # the best included paper must reach this, or none is included
RELATIVE = 0.01  # otherwise a paper needs this share of the best paper's probability
# Chosen on s01-s92 (benchmarks/README.md, "Round 11"): when no included paper clearly pairs
# the question's method with its task, a paper that names little of the task (``outcome_match``,
# the idf-weighted share of the task's words it names) is the method on another task unless
# the model sees the two together.
CLEAR_PAIRING = 0.5  # no included paper reaching this: the question has no clear pairing ...
MIN_TASK = 0.3  # ... and a paper naming less of the question's task than this ...
MIN_PAIRING_WITHOUT_TASK = 0.1  # ... needs this probability
PAIRING_REASON = "names the question's subject or task but not the two together"


def load_pairing_model(model_dir: Path | None = None, threads: int = 2):
    """The pairing cross-encoder, read as ``synth.rerank`` reads its model."""
    return load_reranker(model_dir or MODEL_DIR, threads)


def pairing_scores(model, question: str, papers: pd.DataFrame) -> np.ndarray:
    """P(the paper works on the question's method and task) for each row of ``papers``
    (``rerank.relevance`` of "title. abstract")."""
    if papers.empty:
        return np.zeros(0)
    return relevance(model, question, paper_texts(papers))


def pairing_model_for(enabled: bool, threads: int = 2):
    """The pairing model when ``enabled`` (``screen.pairing_check``), else None."""
    return load_pairing_model(threads=threads) if enabled else None


def gate(
    screened: pd.DataFrame,
    question: str,
    model,
    min_pairing: float = MIN_PAIRING,
    relative: float = RELATIVE,
    min_task: float = MIN_TASK,
    min_phrase: float = MIN_PHRASE,
) -> pd.DataFrame:
    """``screened`` (``inclusion.decide``) with the included papers scored by ``model`` and
    gated by ``gate_on``; without a ``model``, ``screened`` with a NaN ``pairing`` column."""
    included = screened["included"].to_numpy(dtype=bool)
    pairing = np.full(len(screened), np.nan)
    if model is not None:
        pairing[included] = pairing_scores(model, question, screened[included])
    return gate_on(screened, pairing, min_pairing, relative, min_task, min_phrase=min_phrase)


def gate_on(
    screened: pd.DataFrame,
    pairing: np.ndarray,
    min_pairing: float = MIN_PAIRING,
    relative: float = RELATIVE,
    min_task: float = MIN_TASK,
    clear_pairing: float = CLEAR_PAIRING,
    min_phrase: float = MIN_PHRASE,
) -> pd.DataFrame:
    """``screened`` with ``pairing`` (P(pairing) of the included papers, NaN for the rest) as a
    column and the included papers excluded, with their reason, when the best is below
    ``min_pairing`` (all of them), when they are below ``relative`` x the best, or, when no
    paper reaches ``clear_pairing`` (``unclear_pairing``), when they name little of the
    question's task or write little of its phrases. All NaN (no model): nothing is excluded."""
    included = screened["included"].to_numpy(dtype=bool)
    out = screened.assign(pairing=np.round(pairing, 4))
    out.attrs = dict(screened.attrs)
    if not included.any() or np.isnan(pairing[included]).all():
        return out
    best = float(np.nanmax(pairing[included]))
    if best < min_pairing:
        drop, why = included, f"no included paper reaches {min_pairing:.2f}"
    else:
        drop, why = included & (pairing < relative * best), f"< {relative:.2f} x best {best:.2f}"
    reasons = out["exclusion_reason"].copy()
    reasons[drop] = [f"{PAIRING_REASON} (pairing model {p:.3f}; {why})" for p in pairing[drop]]
    if best < clear_pairing:
        left = included & ~drop
        reasons = unclear_pairing(
            out, reasons, left, pairing, (min_task, min_phrase), clear_pairing
        )
    out["exclusion_reason"] = reasons
    out["included"] = reasons.eq("")
    return out


def unclear_pairing(
    screened: pd.DataFrame,
    reasons: pd.Series,
    left: np.ndarray,
    pairing: np.ndarray,
    bars: tuple[float, float],
    clear_pairing: float,
) -> pd.Series:
    """``reasons`` with the papers of ``left`` (still included) excluded when they name less
    than ``bars[0]`` of the question's task (``outcome_match``; no rule for a question without a
    task) and score below ``MIN_PAIRING_WITHOUT_TASK``, or write less than ``bars[1]`` of its
    phrases (``phrase_match``; none: no rule; 0: off): for a question where no paper reaches
    ``clear_pairing``."""
    min_task, min_phrase = bars
    nan = pd.Series(np.nan, index=screened.index)
    task = screened.get("outcome_match", nan).to_numpy(float)
    taskless = left & (task < min_task) & (pairing < MIN_PAIRING_WITHOUT_TASK)
    reasons = reasons.copy()
    reasons[taskless] = [
        f"{PAIRING_REASON} (names {t:.2f} of its task < {min_task:.2f}; pairing model "
        f"{p:.3f} < {MIN_PAIRING_WITHOUT_TASK:.2f}, none reaches {clear_pairing:.2f})"
        for t, p in zip(task[taskless], pairing[taskless], strict=True)
    ]
    phrase = screened.get("phrase_match", nan).to_numpy(float)
    phraseless = left & ~taskless & (phrase < min_phrase)
    named = ", ".join(screened.attrs.get("phrases", [])[:6])
    reasons[phraseless] = [
        f"{PAIRING_REASON} (writes {s:.2f} of its phrases ({named}) < {min_phrase:.2f}; "
        f"pairing model {p:.3f}, none reaches {clear_pairing:.2f})"
        for s, p in zip(phrase[phraseless], pairing[phraseless], strict=True)
    ]
    return reasons

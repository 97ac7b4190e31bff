"""Answer stage: what the included papers say about the question. Each paper gets a stance
toward the question's hypothesis (SUPPORT, CONTRADICT or NEUTRAL) with its evidence sentence,
a calibrated confidence and the facets it matches; the papers together give a verdict
(supported, contradicted, mixed or insufficient) with a grade of evidence strength."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from synth.question import QuestionAnalysis
from synth.stance import load_scorer
from synth.text import tokenize

Scorer = Callable[[str, pd.DataFrame], pd.DataFrame]  # (hypothesis, docs) -> stance table

STANCES = ("SUPPORT", "CONTRADICT", "NEUTRAL")
VERDICTS = ("supported", "contradicted", "mixed", "insufficient")
FACETS = ("subject", "outcome", "comparator", "dataset", "metric")
EVIDENCE_COLUMNS = [
    "ref",
    "paper_id",
    "title",
    "stance",
    "confidence",
    "p_support",
    "p_contradict",
    "p_neutral",
    "sentence_index",
    "sentence",
    "facets",
    "direct",
]
INDIRECT_WEIGHT = 0.5  # an indirect paper counts half as much as a direct one in the verdict
DOMINANCE = 2.0  # a verdict needs this many times the weight of the opposing side


def paper_docs(papers: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """One row per paper of ``papers`` (``paper_id, title``) with its sentences from
    ``sentences`` (``paper_id, sentence_index, text``): ``paper_id, title, text, sentences,
    positions`` (``text``: title and sentences, for matching), and the screen stage's
    ``title_similarity`` when ``papers`` has it."""
    s = sentences.sort_values(["paper_id", "sentence_index"], kind="stable")
    grouped = s.groupby("paper_id", sort=False)
    by_paper = pd.DataFrame(
        {"sentences": grouped["text"].agg(list), "positions": grouped["sentence_index"].agg(list)}
    )
    keep = [c for c in ("paper_id", "title", "title_similarity") if c in papers]
    docs = papers[keep].join(by_paper, on="paper_id")
    empty = docs["sentences"].isna()
    docs.loc[empty, "sentences"] = pd.Series([[]] * int(empty.sum()), index=docs.index[empty])
    docs.loc[empty, "positions"] = pd.Series([[]] * int(empty.sum()), index=docs.index[empty])
    docs["text"] = docs["title"].fillna("") + ". " + docs["sentences"].map(" ".join)
    return docs.reset_index(drop=True)


# words too common in CS abstracts to show that a paper is about a facet
GENERIC_WORDS = frozenset(
    tokenize(
        "model models method methods approach approaches network networks system systems data "
        "learning learn training train task tasks performance result results framework use using "
        "based new large deep neural"
    )
)


def facet_match(value: str, tokens: set[str], whole: bool) -> bool:
    """Does a paper with stemmed ``tokens`` match the facet ``value``? ``whole``: every
    token of one of its comma-separated names (datasets, metrics). Else two thirds of its
    distinctive tokens (``GENERIC_WORDS`` do not count unless the facet has nothing else)."""
    if not value:
        return False
    if whole:
        for name in value.split(","):
            for spelling in (name.replace("-", " "), name.replace("-", "")):
                parts = set(tokenize(spelling))
                if parts and parts <= tokens:
                    return True
        return False
    wanted = set(tokenize(value.replace("-", " "))) | set(tokenize(value.replace("-", "")))
    wanted = (wanted - GENERIC_WORDS) or wanted
    return bool(wanted) and len(wanted & tokens) >= max(1.0, 2 / 3 * len(wanted))


# A title this close to the question (MiniLM cosine, from the screen stage) reads as a direct
# test of it whatever words it uses: chosen on the tune half of the answer dev set
# (benchmarks/README.md, issue 15), where paraphrased questions left key papers "indirect".
DIRECT_SIMILARITY = 0.55


def match_facets(analysis: QuestionAnalysis, docs: pd.DataFrame) -> pd.DataFrame:
    """Which of the question's facets each paper matches, and whether it is direct evidence:
    it names the subject and the dataset (or, when the question names no dataset, the
    outcome), or its title's similarity to the question (``docs["title_similarity"]``, when
    given) reaches ``DIRECT_SIMILARITY``. Returns ``paper_id``, one boolean column per facet,
    ``facets`` (matched names, '; '-joined) and ``direct``."""
    facets = analysis.facets()
    rows = []
    similar = docs.get("title_similarity", pd.Series(np.nan, index=docs.index)).fillna(0.0)
    for paper_id, text, sim in zip(docs["paper_id"], docs["text"], similar, strict=True):
        tokens = set(tokenize(str(text)))
        hit = {f: facet_match(facets[f], tokens, f in ("dataset", "metric")) for f in FACETS}
        second = hit["dataset"] if facets["dataset"] else hit["outcome"]
        rows.append(
            {
                "paper_id": paper_id,
                **hit,
                "facets": "; ".join(f for f in FACETS if hit[f]),
                "direct": bool(hit["subject"] and second) or sim >= DIRECT_SIMILARITY,
            }
        )
    return pd.DataFrame(rows, columns=["paper_id", *FACETS, "facets", "direct"])


def compute_evidence(
    analysis: QuestionAnalysis, docs: pd.DataFrame, scorer: Scorer | None = None
) -> pd.DataFrame:
    """Evidence per paper (``EVIDENCE_COLUMNS``), in the order of ``docs``; ``ref`` is the
    paper's reference number (its position in ``docs``, from 1). A paper that matches
    neither the question's subject nor its outcome does not address it: NEUTRAL, its
    sentence kept as the nearest. For an open question every stance is NEUTRAL."""
    hypothesis = analysis.hypothesis or analysis.question
    scored = (scorer or load_scorer())(hypothesis, docs)
    if analysis.kind != "yes_no":
        scored = scored.assign(stance="NEUTRAL", confidence=0.0)
    facets = match_facets(analysis, docs)
    off_topic = ~(facets["subject"] | facets["outcome"]).to_numpy()  # does not address it
    strongest = scored[["p_support", "p_contradict"]].max(axis=1)
    scored.loc[off_topic, "confidence"] = (1 - strongest)[off_topic]
    scored.loc[off_topic, "stance"] = "NEUTRAL"
    picked = [
        sents[i] if 0 <= i < len(sents) else ""
        for i, sents in zip(scored["evidence"], docs["sentences"], strict=True)
    ]
    positions = [
        pos[i] if 0 <= i < len(pos) else -1
        for i, pos in zip(scored["evidence"], docs["positions"], strict=True)
    ]
    out = pd.DataFrame(
        {
            "ref": np.arange(1, len(docs) + 1),
            "paper_id": docs["paper_id"],
            "title": docs["title"],
            "sentence_index": positions,
            "sentence": picked,
        }
    )
    out = pd.concat([out, scored.drop(columns="evidence"), facets[["facets", "direct"]]], axis=1)
    return out[EVIDENCE_COLUMNS].round(
        {"confidence": 3, "p_support": 3, "p_contradict": 3, "p_neutral": 3}
    )


@dataclass(frozen=True)
class Verdict:
    """The answer to a yes/no question: ``verdict`` (``VERDICTS``, None for an open
    question), ``confidence``, ``strength`` (strong, moderate, weak or none), the reference
    numbers of the papers it rests on and of the nearest evidence when it is insufficient."""

    verdict: str | None
    confidence: float
    strength: str
    support: tuple[int, ...]
    contradict: tuple[int, ...]
    nearest: tuple[int, ...]

    def to_dict(self) -> dict:
        return asdict(self)


def _strength(n_direct: int) -> str:
    return "strong" if n_direct >= 3 else "moderate" if n_direct == 2 else "weak"


def decide_verdict(evidence: pd.DataFrame, kind: str = "yes_no") -> Verdict:
    """Weigh the papers' stances: a direct paper counts its confidence, an indirect one
    ``INDIRECT_WEIGHT`` of it. No direct paper with a stance: insufficient (the nearest
    evidence named). One side ``DOMINANCE`` times the other: supported or contradicted;
    else mixed. Confidence: the winning side's share of the weight times its mean
    confidence."""
    taking = evidence[evidence["stance"] != "NEUTRAL"]
    direct = taking[taking["direct"]]
    nearest = evidence.sort_values(["direct", "p_neutral"], ascending=[False, True])
    near = tuple(int(r) for r in nearest["ref"].head(3))
    if kind != "yes_no":
        return Verdict(None, 0.0, "none", (), (), near)
    if direct.empty:
        return Verdict("insufficient", 0.0, "none", (), (), near)
    weight = taking["confidence"] * np.where(taking["direct"], 1.0, INDIRECT_WEIGHT)
    s = float(weight[taking["stance"] == "SUPPORT"].sum())
    c = float(weight[taking["stance"] == "CONTRADICT"].sum())
    sup = tuple(int(r) for r in taking.loc[taking["stance"] == "SUPPORT", "ref"])
    con = tuple(int(r) for r in taking.loc[taking["stance"] == "CONTRADICT", "ref"])
    if s >= DOMINANCE * c or c >= DOMINANCE * s:
        side = "SUPPORT" if s > c else "CONTRADICT"
        winners = direct[direct["stance"] == side]
        if winners.empty:  # the direct papers are on the losing side: no direct test
            return Verdict("insufficient", 0.0, "none", sup, con, near)
        conf = max(s, c) / (s + c) * float(winners["confidence"].mean())
        verdict = "supported" if side == "SUPPORT" else "contradicted"
        return Verdict(verdict, round(conf, 3), _strength(len(winners)), sup, con, ())
    conf = abs(s - c) / (s + c) if s + c else 0.0
    return Verdict("mixed", round(1 - conf, 3), _strength(len(direct)), sup, con, ())


def plot_evidence(evidence: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Each paper's stance as a bar of its confidence (support right, contradict left,
    neutral grey), direct evidence in full colour and indirect evidence faded."""
    ax = ax or plt.subplots(figsize=(7, 0.6 + 0.32 * max(1, len(evidence))))[1]
    if evidence.empty:
        ax.text(0.5, 0.5, "no included paper", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return ax
    sign = evidence["stance"].map({"SUPPORT": 1.0, "CONTRADICT": -1.0, "NEUTRAL": 0.0})
    confidence = evidence["confidence"].astype(float).clip(lower=0.05)
    value = np.where(sign == 0, 0.05, sign.astype(float) * confidence)
    colour = evidence["stance"].map(
        {"SUPPORT": "tab:green", "CONTRADICT": "tab:red", "NEUTRAL": "lightgrey"}
    )
    labels = [  # "$" escaped: matplotlib would parse "$...$" in a title as math
        f"[{r}] {str(t)[:50]}".replace("$", r"\$")
        for r, t in zip(evidence["ref"], evidence["title"], strict=True)
    ]
    bars = ax.barh(labels, value, color=colour)
    for bar, direct in zip(bars, evidence["direct"], strict=True):
        bar.set_alpha(1.0 if direct else 0.45)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlim(-1, 1)
    ax.invert_yaxis()
    ax.set_xlabel("contradicts  <-  confidence  ->  supports  (faded: indirect)")
    return ax


def _lower_first(text: str) -> str:
    """Lower-case the first word unless it is a name (capitals or digits after its first
    letter: "GPT-2", "BERT", "InternVideo2")."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and (any(c.isupper() or c.isdigit() for c in first[1:])):
        return text
    return text[:1].lower() + text[1:]


def _refs(refs: tuple[int, ...] | list[int]) -> str:
    return ", ".join(f"[{r}]" for r in refs)


def _quote(evidence: pd.DataFrame, ref: int) -> str:
    row = evidence[evidence["ref"] == ref].iloc[0]
    return f'[{ref}] reports: "{" ".join(str(row["sentence"]).split())}"'


def answer_summary(
    analysis: QuestionAnalysis,
    evidence: pd.DataFrame,
    verdict: Verdict,
    coverage: dict | None = None,
) -> str:
    """The answer in two to five sentences, every figure taken from ``evidence`` and
    ``verdict``; papers cited as [n] by reference number.  ``coverage``
    (``inclusion.coverage_of``): when the corpus covers the question only thinly or
    indirectly, its statement comes first; when not at all, it is the answer."""
    level = (coverage or {}).get("level", "covered")
    if evidence.empty or level == "none":
        if coverage and level == "none":
            return coverage["statement"]
        return "No paper in the corpus passed screening for this question: nothing answers it."
    if level == "covered" or not coverage:
        return _summary(analysis, evidence, verdict)
    return f"{coverage['statement']} {_summary(analysis, evidence, verdict, said=True)}"


def _summary(
    analysis: QuestionAnalysis, evidence: pd.DataFrame, verdict: Verdict, said: bool = False
) -> str:
    """The summary proper; ``said``: the coverage statement already said the corpus falls
    short, so "insufficient" does not say it again."""
    hyp = _lower_first(analysis.hypothesis.rstrip("."))
    if verdict.verdict is None:
        return (
            f"This is an open question, so there is no verdict. {len(evidence)} papers "
            "address it; the evidence table gives each one's most relevant sentence."
        )
    if verdict.verdict == "insufficient":
        lead = "No" if said else "The corpus does not cover this: no"
        text = (
            f"{lead} included paper tests directly whether "
            f"{hyp}. The nearest evidence is {_refs(verdict.nearest)}."
        )
        side = verdict.support + verdict.contradict
        return text + (f" Indirect evidence only: {_refs(side)}." if side else "")
    direct = evidence[evidence["direct"] & (evidence["stance"] != "NEUTRAL")]
    if verdict.verdict == "mixed":
        return (
            f"The papers disagree on whether {hyp}: {_refs(verdict.support)} support it and "
            f"{_refs(verdict.contradict)} contradict it ({len(direct)} direct tests). "
            f"{_quote(evidence, verdict.support[0])} {_quote(evidence, verdict.contradict[0])}"
        )
    side = "SUPPORT" if verdict.verdict == "supported" else "CONTRADICT"
    lead = direct[direct["stance"] == side].sort_values("confidence", ascending=False)
    other = verdict.contradict if side == "SUPPORT" else verdict.support
    text = (
        f"The evidence {'supports' if side == 'SUPPORT' else 'contradicts'} the hypothesis "
        f"that {hyp} ({verdict.strength} evidence: {_refs(list(lead['ref']))}, confidence "
        f"{verdict.confidence:.2f}). {_quote(evidence, int(lead['ref'].iloc[0]))}"
    )
    return text + (f" {_refs(other)} point the other way." if other else "")


def answer_record(
    analysis: QuestionAnalysis,
    evidence: pd.DataFrame,
    verdict: Verdict,
    summary: str,
    coverage: dict | None = None,
) -> dict:
    """The machine-readable answer (``answer.json``): question, kind, hypothesis, verdict,
    confidence, strength, summary, facets, one evidence entry per paper with a stance, and
    the screen stage's ``coverage`` (``inclusion.coverage_of``)."""
    rows = evidence.sort_values(
        ["stance", "confidence"],
        ascending=[True, False],
        key=lambda s: s.map(STANCES.index) if s.name == "stance" else s,
    )
    return {
        "question": analysis.question,
        "kind": analysis.kind,
        "hypothesis": analysis.hypothesis,
        "verdict": verdict.verdict,
        "confidence": verdict.confidence,
        "strength": verdict.strength,
        "summary": summary,
        "facets": analysis.facets(),
        "evidence": [
            {
                "paper_id": str(r.paper_id),
                "ref": int(r.ref),
                "stance": r.stance,
                "sentence": r.sentence,
                "confidence": float(r.confidence),
                "direct": bool(r.direct),
            }
            for r in rows.itertuples()
        ],
        "nearest": [
            str(evidence.loc[evidence["ref"] == n, "paper_id"].iloc[0]) for n in verdict.nearest
        ],
        "coverage": coverage or {},
    }

"""The stance of each paper toward a hypothesis, from its sentences. The default scorer picks
the paper's sentence that states a finding about the hypothesis (shared words, a finding cue
such as "we show" or "outperforms", later in the abstract) and reads its polarity against the
hypothesis (a negation, failure or reversed comparison that the hypothesis lacks contradicts
it). An NLI cross-encoder (``synth.verify.nli``) or the lexical verification model can score
instead (``load_scorer``)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from synth.text import tokenize
from synth.verify.polarity import predicate_alignment

STANCE_COLUMNS = ["p_support", "p_contradict", "p_neutral", "stance", "confidence", "evidence"]
PER_PAPER = 4  # candidate sentences per paper read by the NLI model
THRESHOLD = 0.5  # entailment or contradiction probability that gives a paper a stance
# share of the hypothesis words a finding sentence needs to take a stance (answer dev, tune)
MIN_OVERLAP = 0.15
FINDING = re.compile(
    r"\b(?:we (?:find|found|show|observe|demonstrate|report)|results? (?:show|suggest|indicate|"
    r"reveal|demonstrate)|experiments? (?:show|demonstrate|reveal)|outperform|improv|fail|degrad|"
    r"does not|do not|no (?:significant )?(?:improvement|benefit|gain)|underperform|worse|"
    r"better|surpass)",
    re.IGNORECASE,
)
NEGATIVE = re.compile(
    r"\b(?:not|no|never|fail\w*|degrad\w*|underperform\w*|worse|hurt\w*|harm\w*|unable|"
    r"cannot|lack\w*|neither|nor|without (?:improv|gain|benefit))\b",
    re.IGNORECASE,
)


def neutral_table(n: int, confidence: float = 1.0) -> pd.DataFrame:
    """``n`` papers, each NEUTRAL with no evidence sentence (``STANCE_COLUMNS``)."""
    return pd.DataFrame(
        {
            "p_support": 0.0,
            "p_contradict": 0.0,
            "p_neutral": 1.0,
            "stance": "NEUTRAL",
            "confidence": confidence,
            "evidence": -1,
        },
        index=range(n),
    )


def candidate_sentences(
    hypothesis: str, docs: pd.DataFrame, per_paper: int = PER_PAPER
) -> pd.DataFrame:
    """The sentences of each paper that share the most (stemmed) words with the hypothesis.

    docs: ``sentences`` (list[str] per paper). Returns ``doc_row, sentence, text, overlap``
    (``sentence``: index into the paper's list), at most ``per_paper`` rows per paper, best
    first; sentences sharing no word are kept only when a paper has nothing better.
    """
    rows = [(d, i, s) for d, sents in enumerate(docs["sentences"]) for i, s in enumerate(sents)]
    table = pd.DataFrame(rows, columns=["doc_row", "sentence", "text"])
    if table.empty:
        return table.assign(overlap=[])
    vectorizer = CountVectorizer(analyzer=tokenize, binary=True)
    matrix = vectorizer.fit_transform([*table["text"], hypothesis])
    hyp = matrix[-1].T
    overlap = np.asarray((matrix[:-1] @ hyp).todense()).ravel() / max(hyp.sum(), 1)
    table["overlap"] = overlap
    table = table.sort_values(["doc_row", "overlap", "sentence"], ascending=[True, False, True])
    return table.groupby("doc_row", sort=False).head(per_paper).reset_index(drop=True)


def nli_stance(
    hypothesis: str,
    docs: pd.DataFrame,
    model: object,
    per_paper: int = PER_PAPER,
    threshold: float = THRESHOLD,
) -> pd.DataFrame:
    """Each paper's stance (``STANCE_COLUMNS``, one row per row of ``docs``) from the NLI
    ``model`` (``synth.verify.nli.NLIModel``): its candidate sentence that most entails or
    contradicts the hypothesis decides; below ``threshold`` the paper is NEUTRAL. Confidence:
    the winning probability (for NEUTRAL, one minus the strongest stance probability)."""
    out = neutral_table(len(docs))
    cands = candidate_sentences(hypothesis, docs, per_paper)
    if cands.empty:
        return out
    probs = model.predict(cands["text"].tolist(), [hypothesis] * len(cands))
    cands = cands.assign(
        e=probs[:, 0], n=probs[:, 1], c=probs[:, 2], strength=np.maximum(probs[:, 0], probs[:, 2])
    )
    best = cands.loc[cands.groupby("doc_row")["strength"].idxmax()].set_index("doc_row")
    rows = best.index.to_numpy()
    out.loc[rows, "p_support"] = best["e"].to_numpy()
    out.loc[rows, "p_contradict"] = best["c"].to_numpy()
    out.loc[rows, "p_neutral"] = best["n"].to_numpy()
    out.loc[rows, "evidence"] = best["sentence"].to_numpy()
    decided = best["strength"] >= threshold
    stance = np.where(
        ~decided, "NEUTRAL", np.where(best["e"] >= best["c"], "SUPPORT", "CONTRADICT")
    )
    out.loc[rows, "stance"] = stance
    out.loc[rows, "confidence"] = np.where(decided, best["strength"], 1 - best["strength"])
    return out


def finding_sentences(hypothesis: str, docs: pd.DataFrame) -> pd.DataFrame:
    """Each paper's sentence most likely to state its finding on the hypothesis: shared
    words (``candidate_sentences``' overlap) + 0.25 for a finding cue + 0.15 x its relative
    position in the abstract. Returns ``doc_row, sentence, text, overlap``, one row per paper
    with sentences."""
    cands = candidate_sentences(hypothesis, docs, per_paper=10_000)
    if cands.empty:
        return cands
    length = docs["sentences"].map(len).to_numpy()[cands["doc_row"].to_numpy()]
    position = cands["sentence"] / np.maximum(length - 1, 1)
    finding = cands["text"].map(lambda t: bool(FINDING.search(t)))
    score = cands["overlap"] + 0.25 * finding + 0.15 * position
    best = cands.assign(score=score).sort_values(["doc_row", "score"], ascending=[True, False])
    return best.groupby("doc_row", sort=False).head(1).drop(columns="score")


def reverses(hypothesis: str, sentence: str) -> bool:
    """Does the sentence state the opposite of the hypothesis: a negation or failure word
    that the hypothesis lacks (or lacks one it has), an antonym of its predicate, or its
    comparison with the arguments swapped?"""
    negated = bool(NEGATIVE.search(sentence)) != bool(NEGATIVE.search(hypothesis))
    aligned = predicate_alignment(hypothesis, sentence)
    return negated or bool(aligned[3]) or bool(aligned[4])


def cue_stance(
    hypothesis: str, docs: pd.DataFrame, min_overlap: float = MIN_OVERLAP
) -> pd.DataFrame:
    """Each paper's stance (``STANCE_COLUMNS``) from its finding sentence
    (``finding_sentences``): below ``min_overlap`` shared words NEUTRAL, else CONTRADICT where
    it ``reverses`` the hypothesis and SUPPORT where not. Confidence: 0.5 + half the overlap
    (for NEUTRAL, one minus the overlap); p_* put that confidence on the stance taken."""
    out = neutral_table(len(docs))
    best = finding_sentences(hypothesis, docs)
    for row in best.itertuples(index=False):  # one row per paper
        decided = row.overlap >= min_overlap
        against = decided and reverses(hypothesis, row.text)
        stance = "CONTRADICT" if against else "SUPPORT" if decided else "NEUTRAL"
        conf = 0.5 + 0.5 * row.overlap if decided else 1.0 - row.overlap
        column = {"SUPPORT": "p_support", "CONTRADICT": "p_contradict", "NEUTRAL": "p_neutral"}
        probs = {"p_support": 0.0, "p_contradict": 0.0, "p_neutral": 0.0}
        probs[column[stance]] = conf
        rest = [c for c in probs if c != column[stance]]
        for c in rest:
            probs[c] = (1 - conf) / len(rest)
        out.loc[row.doc_row] = [*probs.values(), stance, conf, row.sentence]
    return out


def lexical_stance(
    hypothesis: str, docs: pd.DataFrame, verifier: object | None = None
) -> pd.DataFrame:
    """The same table from the SciFact-trained lexical verification model (the fallback)."""
    from synth.verify import load_verifier
    from synth.verify.model import predict_pairs

    verifier = verifier or load_verifier()
    out = neutral_table(len(docs), confidence=0.0)
    if docs.empty or not hypothesis:
        return out
    pred = predict_pairs(verifier, [hypothesis], docs[["text", "sentences"]], top_k=len(docs))
    rows = pred["doc_row"].to_numpy(int)
    out.loc[rows, "p_support"] = pred["p_support"].to_numpy()
    out.loc[rows, "p_contradict"] = pred["p_contradict"].to_numpy()
    out.loc[rows, "p_neutral"] = pred["p_nei"].to_numpy()
    out.loc[rows, "stance"] = [("SUPPORT", "CONTRADICT", "NEUTRAL")[int(s)] for s in pred["stance"]]
    out.loc[rows, "confidence"] = pred["confidence"].to_numpy()
    out.loc[rows, "evidence"] = [int(s[0]) if len(s) else -1 for s in pred["sentences"]]
    return out


def load_scorer(kind: str = "cue", model_dir=None):
    """The stance scorer, ``(hypothesis, docs) -> STANCE_COLUMNS table``: ``cue`` (finding
    sentence and its polarity, the default: best on the answer dev set), ``nli`` (the shipped
    NLI cross-encoder, or the one in ``model_dir``) or ``lexical`` (the SciFact verify model)."""
    if kind == "nli":
        from synth.verify import nli

        model = nli.load_nli(model_dir)
        return lambda hypothesis, docs: nli_stance(hypothesis, docs, model)
    if kind == "lexical":
        from synth.verify import load_verifier

        verifier = load_verifier()
        return lambda hypothesis, docs: lexical_stance(hypothesis, docs, verifier)
    if kind != "cue":
        raise ValueError(f"unknown stance scorer {kind!r} (expected cue, nli or lexical)")
    return cue_stance

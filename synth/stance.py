"""The stance of each paper toward a hypothesis, from its sentences: the shipped NLI
cross-encoder (``synth.verify.nli``) reads the paper's candidate sentences against the
hypothesis; without the model installed, the lexical verification model decides."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer

from synth.text import tokenize

STANCE_COLUMNS = ["p_support", "p_contradict", "p_neutral", "stance", "confidence", "evidence"]
PER_PAPER = 4  # candidate sentences per paper read by the NLI model
THRESHOLD = 0.5  # entailment or contradiction probability that gives a paper a stance


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
    out = pd.DataFrame(
        {
            "p_support": 0.0,
            "p_contradict": 0.0,
            "p_neutral": 1.0,
            "stance": "NEUTRAL",
            "confidence": 1.0,
            "evidence": -1,
        },
        index=range(len(docs)),
    )
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


def lexical_stance(
    hypothesis: str, docs: pd.DataFrame, verifier: object | None = None
) -> pd.DataFrame:
    """The same table from the SciFact-trained lexical verification model (the fallback)."""
    from synth.verify import load_verifier
    from synth.verify.model import predict_pairs

    verifier = verifier or load_verifier()
    out = pd.DataFrame(
        {
            "p_support": 0.0,
            "p_contradict": 0.0,
            "p_neutral": 1.0,
            "stance": "NEUTRAL",
            "confidence": 0.0,
            "evidence": -1,
        },
        index=range(len(docs)),
    )
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


def load_scorer(neural: bool = True):
    """The stance scorer, ``(hypothesis, docs) -> STANCE_COLUMNS table``: the NLI model when
    ``neural`` and it is installed, else the lexical verification model."""
    if neural:
        from synth.verify import nli

        if nli.available():
            model = nli.load_nli()
            return lambda hypothesis, docs: nli_stance(hypothesis, docs, model)
    from synth.verify import load_verifier

    verifier = load_verifier()
    return lambda hypothesis, docs: lexical_stance(hypothesis, docs, verifier)

"""The claim verifier's model: two logistic models, the rules applied after them, decisions.

``VerifyModel`` holds a rationale model (is this sentence evidence for the claim?) and a
stance model (SUPPORT / CONTRADICT / NEI per candidate paper), a decision threshold and the
calibration maps; ``Verifier`` pairs it with the encoder a dense model needs
(``load_verifier`` is the one switch).  After the stance model, ``polarity_rule`` swaps
SUPPORT and CONTRADICT where the evidence reverses the claim's predicate and
``restatement_rule`` gives SUPPORT to a sentence that restates the claim.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from synth.dense import encoder_for
from synth.errors import InputError
from synth.verify.features import (
    DENSE_SENTENCE_FEATURES,
    DENSE_STANCE_FEATURES,
    SENTENCE_FEATURES,
    STANCE_FEATURES,
    hashed_matrix,
    sentence_table,
    stance_table,
)
from synth.verify.nli_features import NLI_STANCE_FEATURES, score_rows, top_rows
from synth.verify.retrieval import retrieve_candidates

if TYPE_CHECKING:
    from synth.dense import Encoder

LABELS = ("SUPPORTED", "CONTRADICTED", "UNVERIFIED")
STANCES = ("SUPPORT", "CONTRADICT", "NEI")


@dataclass(frozen=True)
class VerifyModel:
    """Two logistic models (rationale, stance), a decision threshold and calibration maps.

    ``reliability`` (bin, mean_confidence, accuracy, count) and ``ece`` are the
    cross-validated calibration of emitted verdicts measured when the model was trained.
    """

    rationale: dict[str, np.ndarray]  # mean, scale, coef (F,), intercept (1,)
    stance: dict[str, np.ndarray]  # mean, scale, coef (3, F), intercept (3,)
    threshold: float = 0.5  # emit SUPPORT/CONTRADICT when its probability >= threshold
    claim_threshold: float = 0.5  # per claim: verdict only where it beats UNVERIFIED's odds
    rationale_ratio: float = 0.5  # extra sentences need prob >= ratio * best sentence prob
    top_k: int = 5
    calibration: dict[str, np.ndarray] = field(default_factory=dict)  # emit_x/y, nei_x/y
    reliability: pd.DataFrame = field(default_factory=pd.DataFrame)
    ece: float = float("nan")
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def dense(self) -> bool:
        """True for a model with dense (encoder) features."""
        return is_dense(self.stance)

    @property
    def nli(self) -> bool:
        """True for a model whose stance features come from the NLI cross-encoder."""
        return is_nli(self.stance)

    def to_json(self) -> dict[str, Any]:
        """A JSON-serialisable dict (lists of floats, no pickle)."""

        def arrays(d):
            return {k: np.asarray(v, dtype=float).tolist() for k, v in d.items()}

        return {
            "rationale": arrays(self.rationale),
            "stance": arrays(self.stance),
            "threshold": self.threshold,
            "claim_threshold": self.claim_threshold,
            "rationale_ratio": self.rationale_ratio,
            "top_k": self.top_k,
            "calibration": arrays(self.calibration),
            "reliability": self.reliability.to_dict(orient="list"),
            "ece": self.ece,
            "meta": self.meta,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VerifyModel:
        def arrays(d):
            return {k: np.asarray(v, dtype=float) for k, v in d.items()}

        return cls(
            rationale=arrays(data["rationale"]),
            stance=arrays(data["stance"]),
            threshold=float(data["threshold"]),
            rationale_ratio=float(data["rationale_ratio"]),
            claim_threshold=float(data.get("claim_threshold", data["threshold"])),
            top_k=int(data["top_k"]),
            calibration=arrays(data["calibration"]),
            reliability=pd.DataFrame(data["reliability"]),
            ece=float(data["ece"]),
            meta=dict(data.get("meta", {})),
        )


def model_file(dense: bool = False, nli: bool = False) -> str:
    """The shipped model's file name under ``synth/data``."""
    if dense and nli:
        raise InputError("verify: dense and nli cannot both be on (no model has both); pick one")
    return (
        "verify_model_dense.json"
        if dense
        else "verify_model_nli.json"
        if nli
        else ("verify_model.json")
    )


def load_model(path: Path | None = None, dense: bool = False, nli: bool = False) -> VerifyModel:
    """Load a model from JSON; default: the shipped ``synth/data/verify_model.json``
    (``verify_model_dense.json`` with ``dense``, ``verify_model_nli.json`` with ``nli``).
    ``load_verifier`` pairs it with what its features need."""
    if path is None:
        name = "data/" + model_file(dense, nli)
        text = resources.files("synth").joinpath(name).read_text("utf-8")
    else:
        text = Path(path).read_text(encoding="utf-8")
    return VerifyModel.from_json(json.loads(text))


def save_model(model: VerifyModel, path: Path) -> None:
    """Write ``model`` as JSON (temp file + rename)."""
    tmp = Path(path).with_suffix(".tmp")
    tmp.write_text(json.dumps(model.to_json(), indent=1), encoding="utf-8")
    tmp.replace(path)


@dataclass(frozen=True)
class Verifier:
    """A verify model and the encoder its features need: the one place the dense switch lives.

    A dense model (``VerifyModel.dense``) needs an encoder (``synth.dense.Encoder``); the
    lexical model takes none.  Build it with ``load_verifier``.
    """

    model: VerifyModel
    encoder: Encoder | None = None
    nli: Any = None  # synth.verify.nli.NLIModel, for a model with NLI features

    def __post_init__(self) -> None:
        if self.model.nli and self.nli is None:
            raise ValueError(
                "this verify model uses NLI features: it needs the NLI cross-encoder "
                "(load_verifier(nli=True) builds both)"
            )
        if self.model.dense and self.encoder is None:
            raise ValueError(
                "this verify model uses dense features: it needs an encoder "
                "(load_verifier(dense=True) builds both)"
            )
        if not self.model.dense and self.encoder is not None:
            raise ValueError("this verify model has no dense features: give it no encoder")

    @property
    def dense(self) -> bool:
        return self.model.dense


def load_verifier(
    dense: bool = False,
    cache_dir: Path | None = None,
    setting: str = "dense",
    nli: bool = False,
    threads: int = 2,
) -> Verifier:
    """The shipped verifier: the lexical model; with ``dense`` the MiniLM model and its
    encoder (embeddings cached under ``cache_dir``); with ``nli`` the model whose stance reads
    the NLI cross-encoder (``threads`` onnxruntime threads).  ``setting`` names the parameter
    or option that asked for it, for the one-line error when the ``dense`` extra is missing."""
    encoder = encoder_for(dense, cache_dir, setting)
    cross = None
    if nli:
        from synth.verify import nli as nli_model

        cross = nli_model.load_nli(threads=threads)
    return Verifier(load_model(dense=dense, nli=nli), encoder, cross)


# ----------------------------------------------------------------------------- models
def _logit(params: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    z = (x - params["mean"]) / params["scale"]
    return z @ np.atleast_2d(params["coef"]).T + params["intercept"]


def sentence_features(dense: bool) -> list[str]:
    """Features of the rationale model (the dense model adds ``DENSE_SENTENCE_FEATURES``)."""
    return [*SENTENCE_FEATURES, *(DENSE_SENTENCE_FEATURES if dense else ())]


def stance_features(dense: bool, nli: bool = False) -> list[str]:
    """Features of the stance model (the dense model adds ``DENSE_STANCE_FEATURES``, the NLI
    model ``NLI_STANCE_FEATURES``)."""
    extra = (*(DENSE_STANCE_FEATURES if dense else ()), *(NLI_STANCE_FEATURES if nli else ()))
    return [*STANCE_FEATURES, *extra]


def is_dense(params: dict[str, np.ndarray]) -> bool:
    return bool(np.asarray(params.get("dense", 0.0)).item())


def is_nli(params: dict[str, np.ndarray]) -> bool:
    return bool(np.asarray(params.get("nli", 0.0)).item())


def rationale_probability(rationale: dict[str, np.ndarray], sents: pd.DataFrame) -> np.ndarray:
    """P(sentence is a rationale for the claim) for each row of ``sentence_table``."""
    x = sents[sentence_features(is_dense(rationale))].to_numpy(float)
    return 1.0 / (1.0 + np.exp(-_logit(rationale, x).ravel()))


def stance_probability(stance: dict[str, np.ndarray], table: pd.DataFrame) -> np.ndarray:
    """(pairs x 3) probabilities of SUPPORT, CONTRADICT, NEI (softmax of the stance model)."""
    features = stance_features(is_dense(stance), is_nli(stance))
    z = _logit(stance, table[features].to_numpy(float))
    if "hash_coef" in stance:
        z = z + np.asarray(hashed_matrix(table["hashed"]) @ stance["hash_coef"].T)
    z = np.exp(z - z.max(axis=1, keepdims=True))
    probs = z / z.sum(axis=1, keepdims=True)
    if "flip_cover" in stance:
        probs = polarity_rule(probs, table, float(stance["flip_cover"]))
    return restatement_rule(probs, table)


def restatement_rule(probs: np.ndarray, table: pd.DataFrame) -> np.ndarray:
    """All evidence mass to SUPPORT where the chosen sentence restates the claim.

    ``restates`` (``stance_table``): the sentence holds every stem and word pair of the claim,
    as many negation cues and no reversed predicate.  Such a sentence cannot contradict the
    claim, but the stance model, trained on counter-claims that share almost every word with
    their evidence, gives it barely more than even odds; here P(SUPPORT) becomes
    P(SUPPORT) + P(CONTRADICT) and NEI is unchanged.
    """
    if not len(probs) or "restates" not in table:
        return probs
    on = table["restates"].to_numpy(float) > 0
    out = probs.copy()
    out[on, 0], out[on, 1] = probs[on, 0] + probs[on, 1], 0.0
    return out


def polarity_rule(probs: np.ndarray, table: pd.DataFrame, min_cover: float) -> np.ndarray:
    """Swap P(SUPPORT) and P(CONTRADICT) where the evidence reverses the claim's predicate.

    Applied after the stance model: where the chosen evidence sentence holds the claim's
    predicate with flipped polarity (``pol_flip``: negated, antonym or swapped comparison)
    and covers at least ``min_cover`` of the claim, and the model still prefers SUPPORT, the
    two probabilities are exchanged (NEI and the emit score are unchanged).  Learned weights
    cannot do this on SciFact, which has too few such pairs (see benchmarks/README.md).
    """
    if not len(probs) or "pol_flip" not in table:
        return probs
    flip = table["pol_flip"].to_numpy(float) > 0
    on = flip & (table["s_cover"].to_numpy(float) >= min_cover) & (probs[:, 0] > probs[:, 1])
    out = probs.copy()
    out[on, 0], out[on, 1] = probs[on, 1], probs[on, 0]
    return out


def decide(model: VerifyModel, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per pair: stance index (0 SUPPORT, 1 CONTRADICT, 2 NEI), emit score, confidence.

    The emit score is max(P(SUPPORT), P(CONTRADICT)); a verdict is emitted when it reaches
    ``model.threshold``; confidence is the isotonic map of the emit score (emitted pairs) or
    of the NEI map (pairs left NEI).
    """
    emit = probs[:, :2].max(axis=1) if len(probs) else np.zeros(0)
    stance = np.where(emit >= model.threshold, probs[:, :2].argmax(axis=1), 2)
    cal = model.calibration
    conf = np.where(
        stance < 2,
        np.interp(emit, cal["emit_x"], cal["emit_y"]),
        np.interp(emit, cal["nei_x"], cal["nei_y"]),
    )
    return stance, emit, np.clip(conf, 0.0, 1.0)


def predict_pairs(
    verifier: Verifier,
    claims: list[str],
    docs: pd.DataFrame,
    own: np.ndarray | None = None,
    top_k: int | None = None,
) -> pd.DataFrame:
    """Verdict per candidate pair: claim_row, doc_row, is_own, d_score, stance, p_support,
    p_contradict, p_nei, emit, confidence, sentences (selected indices), evidence_score."""
    model = verifier.model
    pairs = retrieve_candidates(claims, docs, top_k or model.top_k, own, verifier.encoder)
    sents = sentence_table(claims, docs, pairs, verifier.encoder)
    prob = rationale_probability(model.rationale, sents)
    if model.nli and len(sents):
        sents = score_rows(verifier.nli, claims, docs, sents, top_rows(sents, prob))
    table = stance_table(claims, pairs, sents, prob, docs, model.rationale_ratio)
    probs = stance_probability(model.stance, table) if len(table) else np.zeros((0, 3))
    stance, emit, conf = decide(model, probs)
    return pairs[["claim_row", "doc_row", "is_own", "d_score"]].assign(
        stance=stance,
        p_support=probs[:, 0],
        p_contradict=probs[:, 1],
        p_nei=probs[:, 2],
        emit=emit,
        confidence=conf,
        sentences=table["sentences"].to_numpy(),
        evidence_score=table["r_max"].to_numpy(),
    )

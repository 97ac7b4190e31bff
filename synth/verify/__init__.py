"""Claim verification: does another paper support or contradict a claim, and how sure is it?

The facade the notebooks and the CLI use.  ``load_verifier(dense, cache_dir)`` is the one
switch between the lexical model and the MiniLM (``dense`` extra) model with its encoder;
``verify_claims`` / ``verify_corpus`` apply it; ``plot_reliability`` draws the calibration
measured when the model was trained (``verifier.model.reliability``, ``verifier.model.ece``).
Inside: ``retrieval`` (candidate papers), ``features`` (feature tables), ``polarity``
(predicate polarity, cue lexicons, counter-claims), ``model`` (the two logistic models and
the rules after them), ``calibration``, ``verdicts`` and ``train`` (fitting the shipped model).
"""

from synth.verify.calibration import expected_calibration_error, plot_reliability, reliability_table
from synth.verify.model import (
    LABELS,
    STANCES,
    Verifier,
    VerifyModel,
    load_model,
    load_verifier,
    save_model,
)
from synth.verify.verdicts import verify_claims, verify_corpus

__all__ = [
    "LABELS",
    "STANCES",
    "Verifier",
    "VerifyModel",
    "expected_calibration_error",
    "load_model",
    "load_verifier",
    "plot_reliability",
    "reliability_table",
    "save_model",
    "verify_claims",
    "verify_corpus",
]

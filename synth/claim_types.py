"""What kind of claim a sentence makes: a finding, a quantitative result, a contribution ("we
propose"), a resource (released code or data) or a procedure ("we conduct experiments on");
the last two are not claims a reader can check and are dropped."""

from __future__ import annotations

import re

import pandas as pd

CLAIM_TYPES = ("finding", "result", "contribution")  # kept, in the order the report shows
NOT_CLAIMS = ("resource", "procedure")

_RESOURCE = re.compile(
    r"https?://|github\.com|\b(?:code|data(?:set)?s?|models?|weights|checkpoints?|benchmark|"
    r"implementation|toolkit|demo)\b[^.]{0,80}\b(?:(?:is|are|will be|be|made)\s+)?"
    r"(?:publicly\s+)?(?:available|released|open[- ]?sourced?|accessible)\b"
    r"|\bwe (?:release|open[- ]source|make (?:our|the) \w+ (?:publicly )?available)\b",
    re.IGNORECASE,
)
_PROCEDURE = re.compile(
    r"^(?:to \w+[^,]*, )?(?:we (?:conduct|perform|run|carry out)|(?:extensive |comprehensive )?"
    r"experiments (?:are|were) (?:conducted|performed|carried out))\b",
    re.IGNORECASE,
)
_OUTCOME = re.compile(
    r"\b(?:improv|outperform|surpass|achiev|show|demonstrat|reveal|find|found|indicat|yield|"
    r"reduc|increas|boost|beat|exceed|confirm|suggest)\w*",
    re.IGNORECASE,
)
_CONTRIBUTION = re.compile(
    r"\b(?:we|this (?:paper|work|study)|our work)\s+(?:also\s+|further\s+|first\s+|then\s+)?"
    r"(?:propose|introduce|present|develop|design|build|construct|curate|formulate|describe|"
    r"offer|contribute)s?\b",
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"\d(?:[.,]\d+)?\s*(?:%|\\%|pp|points?|x\b|×|dB|ms\b)|(?:accuracy|F1|BLEU|ROUGE|mAP|AUC|"
    r"R@\d|recall|precision|FID|success rate|error|speed-?up)\D{0,40}\d"
    r"|\d\s*(?:R@\d|Recall@\d|mAP|F1|BLEU|FID|accuracy)",
    re.IGNORECASE,
)


def claim_type(text: str) -> str:
    """The type of one claim sentence (``CLAIM_TYPES`` or ``NOT_CLAIMS``)."""
    s = " ".join(str(text).split())
    if _RESOURCE.search(s):
        return "resource"
    if _PROCEDURE.search(s) and not _OUTCOME.search(s):
        return "procedure"
    if _RESULT.search(s):
        return "result"
    if _CONTRIBUTION.search(s):
        return "contribution"
    return "finding"


def type_claims(claims: pd.DataFrame) -> pd.DataFrame:
    """``claims`` with a ``type`` column, without resources and procedures (not claims)."""
    typed = claims.assign(type=claims["text"].map(claim_type))
    return typed[typed["type"].isin(CLAIM_TYPES)].reset_index(drop=True)

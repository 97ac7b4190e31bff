"""Training labels for the claim-sentence model: who says which sentence is a claim.

SciFact rows (structured abstracts' section headings, rationale sentences of cited abstracts;
``build_training_table``), cue-derived weak labels on arXiv CS abstracts (``weak_label``,
``arxiv_weak_rows``) and the hand-labelled tuning sets (``load_biomed``, ``load_cs_dev``).
Used by ``synth.claims_train`` and ``benchmarks/claims.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from synth.claim_features import CUES
from synth.text import split_sentences

WEAK_POSITIVES = "quant_result,metric_value_pair,experiments_show,beats,proposal"

FUTURE = re.compile(CUES["future"])
HEADING = re.compile(r"^((?:[A-Z][A-Z/&,\-]*:?\s+)+)(?=\S)")
CONCLUSION = ("CONCLU", "INTERPRETATION", "IMPLICATION", "SIGNIFICANCE", "DISCUSSION")
RESULTS = ("RESULT", "FINDING")
OTHER = (
    "BACKGROUND",
    "OBJECTIVE",
    "METHOD",
    "DESIGN",
    "CONTEXT",
    "SETTING",
    "PURPOSE",
    "PARTICIPANT",
    "PATIENT",
    "INTRODUCTION",
    "AIM",
    "MATERIAL",
    "INTERVENTION",
    "MAIN",
    "DATA",
    "STUDY",
    "TRIAL",
    "SUBJECT",
    "IMPORTANCE",
    "MEASURE",
    "RATIONALE",
    "EXPERIMENTAL",
    "MOTIVATION",
    "SEARCH",
    "SELECTION",
    "EXPOSURE",
    "OUTCOME",
    "FUNDING",
    "RESEARCH",
    "RECENT",
)


def _heading_kind(sentence: str) -> tuple[str | None, str]:
    m = HEADING.match(sentence)
    if not m:
        return None, sentence
    head = m.group(1).upper()
    rest = sentence[m.end() :]
    if any(k in head for k in CONCLUSION) and not head.startswith("RESULTS AND"):
        return "conclusion", rest
    if any(k in head for k in RESULTS) and "METHOD" not in head:
        return "results", rest
    if any(head.startswith(k) for k in OTHER) or "METHOD" in head:
        return "other", rest
    return None, sentence


def structured_rows(doc: dict, results_label: int) -> list[dict]:
    rows, kind = [], None
    for i, sent in enumerate(doc["abstract"]):
        new_kind, text = _heading_kind(sent.strip())
        kind = new_kind or kind
        if kind is None:
            continue
        label = {"conclusion": 1, "results": results_label, "other": 0}[kind]
        if kind == "conclusion" and FUTURE.search(text.lower()):
            label = 0  # "further studies are needed": future work is not a claim
        weight = 0.5 if kind == "results" else 1.0
        rows.append({"text": text, "label": label, "weight": weight, "sentence_index": i})
    return rows


def build_training_table(
    scifact: Path, results_label: int = 0, with_claims: bool = False
) -> pd.DataFrame:
    lines = (scifact / "corpus.jsonl").read_text().splitlines()
    corpus = {d["doc_id"]: d for d in map(json.loads, lines)}
    claims = [
        json.loads(line) for line in (scifact / "claims_train.jsonl").read_text().splitlines()
    ]
    rationale: dict[int, set[int]] = {}
    for c in claims:
        for doc_id, sets in c["evidence"].items():
            for ev in sets:
                rationale.setdefault(int(doc_id), set()).update(ev["sentences"])
    rows = []
    for doc_id, doc in corpus.items():
        base = {"paper_id": str(doc_id), "title": doc["title"], "section": "abstract"}
        if doc["structured"]:
            rows += [{**base, **r} for r in structured_rows(doc, results_label)]
        elif doc_id in rationale:
            for i, sent in enumerate(doc["abstract"]):
                pos = i in rationale[doc_id]
                rows.append(
                    {
                        **base,
                        "text": sent.strip(),
                        "sentence_index": i,
                        "label": int(pos),
                        "weight": 1.0 if pos else 0.5,
                    }
                )
    for c in claims if with_claims else []:
        rows.append(
            {
                "paper_id": f"claim{c['id']}",
                "title": "",
                "section": "claim",
                "text": c["claim"],
                "sentence_index": 0,
                "label": 1,
                "weight": 0.5,
            }
        )
    table = pd.DataFrame(rows)
    return table[table["text"].str.len() > 0].reset_index(drop=True)


def weak_positives(cues: str = WEAK_POSITIVES) -> tuple[re.Pattern[str], ...]:
    """The patterns of the comma-separated ``CUES`` names that make a weak positive."""
    return tuple(re.compile(CUES[k]) for k in cues.split(",") if k)


_WEAK_POS = weak_positives()
_WEAK_NEG = tuple(
    re.compile(CUES[k]) for k in ("code_release", "future", "future_hope", "question")
)
_WEAK_BACKGROUND = tuple(re.compile(CUES[k]) for k in ("background_generic", "background", "aim"))
_WEAK_METHOD = re.compile(CUES["method_detail"])


def weak_label(
    sentence: str, index: int, positives: tuple[re.Pattern[str], ...] = _WEAK_POS
) -> int | None:
    """Cue-based label of one arXiv abstract sentence: 1, 0 or ``None`` (no opinion).

    Negative cues win (a "we release our code at https://..." sentence is not a claim even
    though it has a proposal verb); then positive cues; then generic background / method
    detail without a positive cue are 0, and so is an abstract's first sentence.
    """
    low = sentence.lower()
    if any(p.search(low) for p in _WEAK_NEG):
        return 0
    if any(p.search(low) for p in positives):
        return 1
    if index == 0 or _WEAK_METHOD.search(low) or any(p.search(low) for p in _WEAK_BACKGROUND):
        return 0
    return None


def arxiv_weak_rows(
    listings: Path,
    n: int,
    exclude: set[str],
    seed: int,
    weight: float,
    positives: tuple[re.Pattern[str], ...] = _WEAK_POS,
) -> list[dict]:
    """Weakly labelled sentences of ``n`` seeded arXiv CS abstracts (``exclude`` left out)."""
    seen: dict[str, dict] = {}
    for f in sorted(listings.glob("*.jsonl")):
        for line in f.read_text().splitlines():
            r = json.loads(line)
            seen.setdefault(r["id"], r)
    ids = sorted(
        i
        for i, r in seen.items()
        if i not in exclude and (r.get("categories") or [""])[0].startswith("cs.")
    )
    pick = np.random.default_rng(seed).choice(len(ids), size=min(n, len(ids)), replace=False)
    rows = []
    for k in sorted(pick):
        rec = seen[ids[k]]
        for i, sent in enumerate(split_sentences(rec["summary"] or "")):
            lab = weak_label(sent, i, positives)
            if lab is not None:
                rows.append(
                    {
                        "paper_id": f"arxiv:{rec['id']}",
                        "title": rec["title"],
                        "section": "abstract",
                        "text": sent,
                        "sentence_index": i,
                        "label": lab,
                        "weight": weight,
                    }
                )
    return rows


def load_cs_dev(path: Path, split: str | None = None) -> pd.DataFrame:
    """The hand-labelled arXiv dev set (``benchmarks/arxiv_claims_dev.jsonl``), one row per
    sentence; ``split`` = "tune" | "heldout" | None (both)."""
    rows = []
    for rec in map(json.loads, path.read_text().splitlines()):
        if split is not None and rec["split"] != split:
            continue
        for i, (sent, lab) in enumerate(zip(rec["sentences"], rec["labels"], strict=False)):
            rows.append(
                {
                    "paper_id": rec["paper_id"],
                    "sentence_index": i,
                    "section": "abstract",
                    "text": sent,
                    "title": rec["title"],
                    "label": int(lab),
                    "split": rec["split"],
                }
            )
    return pd.DataFrame(rows)


def load_biomed(path: Path) -> pd.DataFrame:
    """The biomedical expert labels (``claim_extraction_biomed/*_labels.json``), one row per
    sentence."""
    rows = []
    for rec in map(json.loads, path.read_text().splitlines()):
        for i, (s, lab) in enumerate(zip(rec["sentences"], rec["labels"], strict=False)):
            rows.append(
                {
                    "paper_id": str(rec["paper_id"]),
                    "sentence_index": i,
                    "section": "abstract",
                    "text": s,
                    "title": rec["title"],
                    "label": int(lab),
                }
            )
    return pd.DataFrame(rows)

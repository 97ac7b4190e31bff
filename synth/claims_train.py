"""Training the claim-sentence model that ships in ``synth/data/claim_model.json``.

``python -m synth.claims_train --scifact DIR --tune BIOMED_TRAIN_LABELS --cs-dev DEV.jsonl``
(run from the repository root).  Labels come from SciFact (structured abstracts' section
headings, rationale sentences of cited abstracts) plus cue-derived weak labels on arXiv CS
abstracts (``weak_label``; the hand-labelled dev set's papers excluded).  Each head is a
first stage over ``synth.claim_features.feature_matrix`` and a second stage over the
discourse context of its out-of-fold logits; thresholds are chosen on tuning sets never
trained on (``best_joint_threshold``).  The loaders are shared with ``benchmarks/claims.py``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from synth.claim_features import (
    CONTEXT_FEATURES,
    CUES,
    POSITION_FEATURES,
    TEXT_DENSE_FEATURES,
    context_matrix,
    feature_matrix,
    normalize_for_ngrams,
)
from synth.claims import score_claims
from synth.text import split_sentences

DATA_DIR = Path(__file__).resolve().parent / "data"
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


def fit_vocabulary(
    texts: pd.Series,
    max_features: int = 20000,
    extra: pd.Series | None = None,
    extra_features: int = 10000,
) -> dict:
    """Word 1-2-gram vocabulary and idf.  ``extra`` (the weakly labelled arXiv sentences) adds
    up to ``extra_features`` n-grams of its own, so that the SciFact vocabulary is kept whole."""

    def fit(t: pd.Series, k: int) -> set[str]:
        vec = CountVectorizer(
            ngram_range=(1, 2),
            preprocessor=normalize_for_ngrams,
            token_pattern=r"(?u)\b\w+\b",
            min_df=3,
            max_features=k,
        )
        vec.fit(t)
        return set(vec.vocabulary_)

    terms = fit(texts, max_features)
    if extra is not None and len(extra):
        terms |= fit(extra, extra_features)
    vocab = sorted(terms)
    everything = texts if extra is None else pd.concat([texts, extra])
    vec = CountVectorizer(
        vocabulary=vocab,
        ngram_range=(1, 2),
        preprocessor=normalize_for_ngrams,
        token_pattern=r"(?u)\b\w+\b",
    )
    counts = vec.transform(everything)
    df = np.asarray((counts > 0).sum(axis=0)).ravel()
    idf = np.log((1 + counts.shape[0]) / (1 + df)) + 1.0
    return {"vocabulary": vocab, "idf": [round(float(x), 5) for x in idf]}


def _logistic(c: float) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


def fit_head(
    table: pd.DataFrame,
    model: dict,
    use_position: bool,
    c: float,
    context_rows: np.ndarray | None = None,
) -> dict:
    """First stage on sentence features, second stage on discourse context of the first.

    The second stage is fitted on out-of-fold first-stage logits (5 folds by paper), on the
    rows ``context_rows`` (boolean mask; default all).
    """
    x = feature_matrix(table, model, table["title"], use_position)
    y, w = table["label"].to_numpy(), table["weight"].to_numpy()
    oof = np.zeros(len(table))
    for tr, te in GroupKFold(n_splits=5).split(x, y, groups=table["paper_id"]):
        oof[te] = _logistic(c).fit(x[tr], y[tr], sample_weight=w[tr]).decision_function(x[te])
    first = _logistic(c).fit(x, y, sample_weight=w)
    ctx = context_matrix(table, oof, use_position)
    m = np.ones(len(table), dtype=bool) if context_rows is None else context_rows
    second = _logistic(1.0).fit(ctx[m], y[m], sample_weight=w[m])
    return {
        "coef": [round(float(v), 6) for v in first.coef_.ravel()],
        "intercept": float(first.intercept_[0]),
        "context": {
            "features": list(CONTEXT_FEATURES[: ctx.shape[1]]),
            "coef": [float(v) for v in second.coef_.ravel()],
            "intercept": float(second.intercept_[0]),
        },
    }


def load_biomed(path: Path) -> pd.DataFrame:
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


def f1_curve(y: np.ndarray, p: np.ndarray, grid: np.ndarray) -> np.ndarray:
    out = []
    for t in grid:
        pred = p >= t
        tp = float((pred & (y == 1)).sum())
        out.append(2 * tp / max(pred.sum() + (y == 1).sum(), 1))
    return np.asarray(out)


GRID = np.round(np.arange(0.05, 0.96, 0.01), 2)


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    f1s = f1_curve(y, p, GRID)
    k = int(np.argmax(f1s))
    return float(GRID[k]), float(f1s[k])


def best_joint_threshold(
    curves: list[np.ndarray], tolerance: float = 0.01
) -> tuple[float, list[float]]:
    """Threshold for biomed (``curves[0]``) and arXiv CS (``curves[1]``) at once: among the
    thresholds whose biomed F1 is within ``tolerance`` of its best, the one with the best CS
    F1 (ties: the higher threshold), so that CS is gained without losing biomed.  With one
    curve: its best threshold."""
    first = curves[0]
    ok = first >= first.max() - tolerance
    target = curves[1] if len(curves) > 1 else first
    score = np.where(ok, target, -1.0)
    k = int(np.flatnonzero(score >= score.max() - 1e-12)[-1])
    return float(GRID[k]), [float(c[k]) for c in curves]


def _parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(description="Train the claim-sentence model.")
    ap.add_argument("--scifact", type=Path, default=Path("/work/shared/data/scifact"))
    ap.add_argument("--tune", type=Path, default=None, help="biomed train_labels.json")
    ap.add_argument("--out", type=Path, default=DATA_DIR / "claim_model.json")
    ap.add_argument("--results-label", type=int, default=0)
    ap.add_argument("--with-claims", action="store_true")
    ap.add_argument("--C", type=float, default=1.0)
    ap.add_argument(
        "--arxiv",
        type=Path,
        default=Path("/work/shared/data/arxiv_daily_listings"),
        help="arXiv daily listings for weak labels ('' to skip)",
    )
    ap.add_argument("--arxiv-n", type=int, default=3000)
    ap.add_argument("--arxiv-weight", type=float, default=0.1)
    ap.add_argument(
        "--cs-dev",
        type=Path,
        default=Path("benchmarks/arxiv_claims_dev.jsonl"),
        help="hand-labelled arXiv dev set: excluded from weak labels; its tune half "
        "is used for thresholds",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--biomed-tolerance", type=float, default=0.01)
    ap.add_argument(
        "--context-fit",
        choices=("all", "scifact"),
        default="scifact",
        help="rows the second (discourse-context) stage is fitted on",
    )
    ap.add_argument(
        "--weak-positives", default=WEAK_POSITIVES, help="cues that make a weak positive"
    )
    return ap


def uses_arxiv(args: argparse.Namespace) -> bool:
    """Whether weak labels on arXiv abstracts are asked for."""
    return bool(args.arxiv) and str(args.arxiv) not in ("", ".") and args.arxiv_n > 0


def training_rows(args: argparse.Namespace) -> tuple[pd.DataFrame, int, pd.DataFrame | None]:
    """SciFact rows, then the weak arXiv rows; the number of SciFact rows; the CS dev set."""
    table = build_training_table(args.scifact, args.results_label, args.with_claims)
    n_scifact = len(table)
    cs_dev = load_cs_dev(args.cs_dev) if args.cs_dev and args.cs_dev.is_file() else None
    if uses_arxiv(args):
        exclude = set() if cs_dev is None else set(cs_dev["paper_id"])
        weak = arxiv_weak_rows(
            args.arxiv,
            args.arxiv_n,
            exclude,
            args.seed,
            args.arxiv_weight,
            weak_positives(args.weak_positives),
        )
        table = pd.concat([table, pd.DataFrame(weak)], ignore_index=True)
    return table, n_scifact, cs_dev


def fit_model(table: pd.DataFrame, n_scifact: int, c: float, context_fit: str) -> dict:
    """Vocabulary, idf and both heads (with / without position); thresholds still 0.5."""
    model = fit_vocabulary(table["text"][:n_scifact], extra=table["text"][n_scifact:])
    model["dense_features"] = {
        "text_only": list(TEXT_DENSE_FEATURES),
        "with_position": [*TEXT_DENSE_FEATURES, *POSITION_FEATURES],
    }
    ctx_rows = np.arange(len(table)) < n_scifact if context_fit == "scifact" else None
    model["heads"] = {
        name: fit_head(table, model, name == "with_position", c, ctx_rows)
        for name in ("with_position", "text_only")
    }
    model["thresholds"] = {"with_position": 0.5, "text_only": 0.5}
    return model


def tune_thresholds(
    model: dict, tuning: list[tuple[str, pd.DataFrame]], tolerance: float
) -> dict[str, tuple[float, list[float]]]:
    """Per head: the joint threshold over the ``tuning`` sets and its F1 on each."""
    out = {}
    for name in model["heads"]:
        curves = []
        for _, dev in tuning:
            p = score_claims(dev, dev["title"], use_position=name == "with_position", model=model)
            curves.append(f1_curve(dev["label"].to_numpy(), p.to_numpy(), GRID))
        out[name] = best_joint_threshold(curves, tolerance)
    return out


def provenance(table: pd.DataFrame, n_scifact: int, args: argparse.Namespace) -> str:
    n_weak = len(table) - n_scifact
    return (
        "Trained by synth.claims_train on SciFact (Wadden et al., EMNLP 2020): "
        "claims_train.jsonl (CC BY 4.0) and corpus.jsonl (S2ORC, ODC-By 1.0), "
        f"{n_scifact} sentences, {int(table['label'][:n_scifact].sum())} positive; plus "
        f"{n_weak} cue-labelled sentences (weak labels, weight {args.arxiv_weight}) of "
        f"{args.arxiv_n} seeded arXiv CS abstracts (arXiv metadata, CC0 1.0; seed {args.seed}; "
        "the hand-labelled dev set's papers excluded). Thresholds chosen on the train split of "
        "claim_extraction_biomed and the tune half of benchmarks/arxiv_claims_dev.jsonl "
        "(neither trained on)."
    )


def main(argv: list[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    table, n_scifact, cs_dev = training_rows(args)
    if uses_arxiv(args):
        weak = table["label"][n_scifact:]
        print(f"arXiv weak labels: {len(weak)} sentences, {sum(weak)} positive")
    model = fit_model(table, n_scifact, args.C, args.context_fit)
    tuning = []
    if args.tune:
        tuning.append(("biomed train", load_biomed(args.tune)))
    if cs_dev is not None:
        tuning.append(("arXiv dev tune half", cs_dev[cs_dev["split"] == "tune"]))
    if tuning:
        for name, (t, f1s) in tune_thresholds(model, tuning, args.biomed_tolerance).items():
            model["thresholds"][name] = t
            print(
                f"{name}: threshold {t}; F1 "
                + ", ".join(f"{label} {f:.3f}" for (label, _), f in zip(tuning, f1s, strict=True))
            )
    model["provenance"] = provenance(table, n_scifact, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model, separators=(",", ":")))


if __name__ == "__main__":
    main()

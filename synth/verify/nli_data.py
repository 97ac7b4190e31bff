"""Training data of the NLI cross-encoder: SNLI 1.0 pairs and SciFact claim-rationale pairs
(SUPPORT -> entailment, CONTRADICT -> contradiction, non-rationale sentences -> neutral, and
every pair again for the claim's counter-claim with the labels swapped), with the held-out
folds of ``benchmarks/verify.py``.  Recipe B (the shipped model, docs/nli_training.md) adds
the negation pairs of every claim and mixes SNLI pairs that stage 1 did not see into stage 2.

Pure data: pandas and numpy only (torch lives in ``train_nli``)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from synth.verify.polarity import counter_claim

SNLI_LABEL = {"entailment": 0, "neutral": 1, "contradiction": 2}
STANCE_LABEL = {"SUPPORT": 0, "CONTRADICT": 2}
SWAP = {0: 2, 1: 1, 2: 0}


def load_snli(folder: Path, split: str, max_pairs: int | None, seed: int) -> pd.DataFrame:
    """SNLI pairs with a gold label (premise, hypothesis, label 0..2) from
    snli_1.0_{train_subset,test}.jsonl in ``folder``; shuffled with ``seed``, first
    ``max_pairs`` kept (all if None)."""
    name = {"train": "snli_1.0_train_subset.jsonl", "test": "snli_1.0_test.jsonl"}[split]
    rows = [json.loads(line) for line in (folder / name).open(encoding="utf-8")]
    df = pd.DataFrame(
        {
            "premise": [r["sentence1"] for r in rows],
            "hypothesis": [r["sentence2"] for r in rows],
            "label": [SNLI_LABEL.get(r["gold_label"], -1) for r in rows],
        }
    )
    df = df[df["label"] >= 0].sample(frac=1.0, random_state=seed).reset_index(drop=True)
    return df if max_pairs is None else df.head(max_pairs).reset_index(drop=True)


def rehearsal_pairs(folder: Path, skip: int, n: int, seed: int) -> pd.DataFrame:
    """``n`` SNLI train pairs that stage 1 did not see: rows ``skip .. skip+n-1`` of the shuffle
    ``load_snli(folder, "train", ..., seed)`` whose first ``skip`` rows stage 1 trained on (so
    ``seed`` must be stage 1's).  Columns as ``build_scifact_pairs`` plus ``fold``; the SciFact
    ones (claim_row, claim_id, doc_id, fold) are -1, counter False, so a rehearsal pair is in
    no held-out fold and is kept whatever ``--fold`` drops."""
    df = load_snli(folder, "train", skip + n, seed).iloc[skip:].reset_index(drop=True)
    if len(df) < n:
        raise ValueError(f"{folder}: only {len(df)} SNLI train pairs after the first {skip}")
    return df.assign(claim_row=-1, claim_id=-1, doc_id=-1, counter=False, fold=-1)


def load_scifact(folder: Path) -> tuple[list[dict], dict[int, list[str]]]:
    """SciFact train claims (dicts in file order) and corpus doc_id -> abstract sentences."""
    claims = [json.loads(line) for line in (folder / "claims_train.jsonl").open(encoding="utf-8")]
    corpus = {}
    for line in (folder / "corpus.jsonl").open(encoding="utf-8"):
        doc = json.loads(line)
        corpus[int(doc["doc_id"])] = doc["abstract"]
    return claims, corpus


def claim_folds(n_claims: int, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Held-out fold (0..folds-1) of every claim row, as benchmarks/verify.py splits them:
    GroupKFold(folds, shuffle=True, random_state=seed) over rows in file order, one group each."""
    from sklearn.model_selection import GroupKFold

    fold = np.full(n_claims, -1)
    split = GroupKFold(folds, shuffle=True, random_state=seed)
    for k, (_, test) in enumerate(split.split(np.zeros(n_claims), groups=np.arange(n_claims))):
        fold[test] = k
    return fold


def build_scifact_pairs(
    claims: list[dict],
    corpus: dict[int, list[str]],
    seed: int = 0,
    neutral_per_doc: int = 2,
    counter: bool = True,
) -> pd.DataFrame:
    """Claim-rationale pairs (claim_row, claim_id, doc_id, premise, hypothesis, label, counter):
    each evidence set's sentences joined -> the claim, SUPPORT 0 / CONTRADICT 2; up to
    ``neutral_per_doc`` non-rationale sentences of every cited doc -> NEUTRAL 1 (drawn with a
    per-claim seed, so a claim's pairs never depend on which others are present); with
    ``counter``, every pair again for synth's counter-claim, SUPPORT/CONTRADICT swapped."""
    rows = []
    for i, c in enumerate(claims):
        rng = np.random.default_rng([seed, int(c["id"])])
        for doc_id in c["cited_doc_ids"]:
            sents, sets = corpus[int(doc_id)], c["evidence"].get(str(doc_id), [])
            for s in sets:
                text = " ".join(sents[j] for j in sorted(s["sentences"]))
                rows.append((i, c["id"], doc_id, text, c["claim"], STANCE_LABEL[s["label"]]))
            used = {j for s in sets for j in s["sentences"]}
            free = [j for j in range(len(sents)) if j not in used]
            for j in rng.permutation(free)[:neutral_per_doc]:
                rows.append((i, c["id"], doc_id, sents[int(j)], c["claim"], 1))
    df = pd.DataFrame(
        rows, columns=["claim_row", "claim_id", "doc_id", "premise", "hypothesis", "label"]
    )
    df["counter"] = False
    if counter:
        cf = df.assign(
            hypothesis=df["hypothesis"].map(counter_claim),
            label=df["label"].map(SWAP),
            counter=True,
        )
        df = pd.concat([df, cf], ignore_index=True)
    return df


def negation_pairs(claims: list[dict]) -> pd.DataFrame:
    """Two pairs per claim with synth's counter-claim as the premise: (counter, claim) ->
    CONTRADICTION 2 (counter False) and (counter, counter) -> ENTAILMENT 0 (counter True), so
    the model sees a negation on the premise side too.  Columns as ``build_scifact_pairs``;
    doc_id -1 (no abstract)."""
    rows = []
    for i, c in enumerate(claims):
        neg = counter_claim(c["claim"])
        rows += [(i, c["id"], -1, neg, c["claim"], 2, False), (i, c["id"], -1, neg, neg, 0, True)]
    cols = ["claim_row", "claim_id", "doc_id", "premise", "hypothesis", "label", "counter"]
    return pd.DataFrame(rows, columns=cols)


# Same-direction words in the same grammatical form: swapping one for another keeps a
# sentence's meaning for stance purposes ("reduces" ~ "lowers"). Recipe C's paraphrase pairs
# teach the model that such an edit is not a contradiction (SciFact's contradicted claims are
# minimal edits, so recipe B learned "one word changed -> CONTRADICTION").
SYNONYM_SETS = (
    "reduces decreases lowers diminishes",
    "reduced decreased lowered diminished",
    "reduce decrease diminish",
    "reducing decreasing lowering diminishing",
    "increases raises elevates boosts",
    "increased raised elevated boosted",
    "increase raise elevate boost",
    "increasing raising elevating boosting",
    "improves enhances",
    "improved enhanced",
    "improve enhance",
    "improving enhancing",
    "inhibits suppresses blocks",
    "inhibited suppressed blocked",
    "inhibit suppress block",
    "promotes stimulates facilitates",
    "promoted stimulated facilitated",
    "promote stimulate facilitate",
    "impairs hinders impedes",
    "impaired hindered impeded",
    "outperforms surpasses",
    "higher greater",
    "associated linked",
)
_SYNONYMS = {w: s.split() for s in SYNONYM_SETS for w in s.split()}


def synonym_swap(text: str, k: int = 0) -> str | None:
    """``text`` with its first word from ``SYNONYM_SETS`` replaced by another of its set (the
    ``k``-th other, cyclically; capitalisation kept), or None when it has none."""
    for m in re.finditer(r"[A-Za-z]+", text):
        group = _SYNONYMS.get(m.group(0).lower())
        if group:
            others = [w for w in group if w != m.group(0).lower()]
            swap = others[k % len(others)]
            swap = swap.capitalize() if m.group(0)[:1].isupper() else swap
            return f"{text[: m.start()]}{swap}{text[m.end() :]}"
    return None


def paraphrase_pairs(df: pd.DataFrame, claims: list[dict]) -> pd.DataFrame:
    """Recipe C's paraphrase pairs. Per claim with a synonym: (paraphrased claim, claim) ->
    ENTAILMENT and (paraphrased claim, counter-claim) -> CONTRADICTION (counter True). Per
    ENTAILMENT / CONTRADICTION pair of ``df`` (claims as written) whose premise has a synonym:
    the same pair with the premise paraphrased, same label. Columns as ``build_scifact_pairs``."""
    cols = ["claim_row", "claim_id", "doc_id", "premise", "hypothesis", "label", "counter"]
    rows = []
    for i, c in enumerate(claims):
        para = synonym_swap(c["claim"], i)
        if para:
            rows.append((i, c["id"], -1, para, c["claim"], 0, False))
            rows.append((i, c["id"], -1, para, counter_claim(c["claim"]), 2, True))
    evidence = df[(df["label"] != 1) & ~df["counter"].astype(bool)]
    for r in evidence.itertuples(index=False):
        para = synonym_swap(r.premise, r.claim_row)
        if para:
            rows.append((r.claim_row, r.claim_id, r.doc_id, para, r.hypothesis, r.label, False))
    return pd.DataFrame(rows, columns=cols)


def scifact_training_pairs(args: argparse.Namespace) -> pd.DataFrame:
    """SciFact pairs with their ``fold`` column (read from ``args.pairs`` if given, else built,
    with ``negation_pairs`` appended if ``args.negation_pairs``, and written to out/pairs.jsonl);
    with ``args.fold``, that fold's claims are dropped and their ids written to
    out/held_out_claim_ids.json."""
    if args.pairs is not None:
        df = pd.read_json(args.pairs, lines=True)
    else:
        claims, corpus = load_scifact(args.scifact)
        df = build_scifact_pairs(claims, corpus, args.seed, args.neutral_per_doc)
        if getattr(args, "paraphrase_pairs", False):
            df = pd.concat([df, paraphrase_pairs(df, claims)], ignore_index=True)
        if args.negation_pairs:
            df = pd.concat([df, negation_pairs(claims)], ignore_index=True)
        fold = claim_folds(len(claims), args.folds, args.fold_seed)
        df["fold"] = fold[df["claim_row"].to_numpy()]
        df.to_json(args.out / "pairs.jsonl", orient="records", lines=True, force_ascii=False)
    if args.fold is not None:
        held = sorted(set(df.loc[df["fold"] == args.fold, "claim_id"].astype(int)))
        (args.out / "held_out_claim_ids.json").write_text(json.dumps(held))
        df = df[df["fold"] != args.fold].reset_index(drop=True)
    return df


def stage2_pairs(args: argparse.Namespace) -> pd.DataFrame:
    """The training pairs of the scifact stage: ``scifact_training_pairs(args)``, then (with
    ``args.snli_mix`` > 0) ``rehearsal_pairs(args.snli, args.snli_skip, args.snli_mix,
    args.seed)`` appended, then (with ``args.max_pairs``) a seeded sample of that many."""
    df = scifact_training_pairs(args)
    if args.snli_mix:
        if args.snli is None:
            raise ValueError("--snli-mix needs --snli (the folder of the SNLI JSONL files)")
        mix = rehearsal_pairs(args.snli, args.snli_skip, args.snli_mix, args.seed)
        df = pd.concat([df, mix]).reset_index(drop=True)
    if args.max_pairs:
        df = df.sample(frac=1.0, random_state=args.seed).head(args.max_pairs)
        df = df.reset_index(drop=True)
    return df

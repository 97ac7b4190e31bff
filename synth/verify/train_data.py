"""SciFact as training data for the claim verifier: corpus, train claims, gold labels.

``load_scifact`` reads the corpus and the train claims (the dev split is held out);
``build_training_set`` turns them into the pairs and sentence rows of
``synth.verify.model.featurize`` with their gold stance and rationale labels, the input of
``synth.verify.train.fit_verify_model``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from synth.verify.features import sentence_table
from synth.verify.model import STANCES
from synth.verify.retrieval import corpus_docs, retrieve_candidates


def load_scifact(data: Path) -> tuple[pd.DataFrame, list[dict]]:
    """SciFact corpus as docs (paper_id, text, sentences) and the train claims (dicts)."""
    corpus = [json.loads(line) for line in (data / "corpus.jsonl").open(encoding="utf-8")]
    papers = pd.DataFrame(
        {
            "paper_id": [str(d["doc_id"]) for d in corpus],
            "title": [d["title"] for d in corpus],
            "abstract": [" ".join(d["abstract"]) for d in corpus],
            "sentences": [d["abstract"] for d in corpus],
        }
    )
    claims = [json.loads(line) for line in (data / "claims_train.jsonl").open(encoding="utf-8")]
    return papers, claims


def gold_labels(
    claims: list[dict], docs: pd.DataFrame, pairs: pd.DataFrame, sents: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, int]:
    """Stance index per pair (2 = NEI), rationale 0/1 per sentence row, number of gold docs."""
    row_of = {p: i for i, p in enumerate(docs["paper_id"])}
    label, rationale = {}, set()
    for i, c in enumerate(claims):
        for doc_id, sets in c["evidence"].items():
            d = row_of[str(doc_id)]
            label[(i, d)] = STANCES.index(sets[0]["label"])
            rationale |= {(i, d, s) for e in sets for s in e["sentences"]}
    pair_y = np.array(
        [label.get((c, d), 2) for c, d in zip(pairs["claim_row"], pairs["doc_row"], strict=True)]
    )
    sent_y = np.array(
        [
            (c, d, s) in rationale
            for c, d, s in zip(
                sents["claim_row"], sents["doc_row"], sents["sentence_index"], strict=True
            )
        ],
        dtype=int,
    )
    return pair_y, sent_y, len(label)


def build_training_set(papers: pd.DataFrame, claims: list[dict], top_k: int = 5, encoder=None):
    """docs, claim texts, pairs, sentence rows and gold labels for ``fit_verify_model``."""
    docs = corpus_docs(papers)
    texts = [c["claim"] for c in claims]
    pairs = retrieve_candidates(texts, docs, top_k, encoder=encoder)
    sents = sentence_table(texts, docs, pairs, encoder)
    pair_y, sent_y, n_gold = gold_labels(claims, docs, pairs, sents)
    return docs, texts, pairs, sents, pair_y, sent_y, n_gold

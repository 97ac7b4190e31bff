"""The shipped relevance cross-encoder (synth/data/rerank) and ``synth rank --rerank``."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from synth import rerank, screen
from synth.cli import main

CLAIM = (
    "Statin therapy reduces the incidence of major cardiovascular events in patients with "
    "type 2 diabetes."
)
PAPERS = pd.DataFrame(
    {
        "paper_id": ["statin", "insulin", "hygiene"],
        "title": [
            "Primary prevention of cardiovascular disease with atorvastatin in type 2 diabetes: "
            "a multicentre randomised placebo-controlled trial",
            "Insulin signalling in adipocytes of diabetic mice",
            "Hand hygiene compliance among nurses in intensive care units",
        ],
        "abstract": [
            "BACKGROUND Patients with type 2 diabetes are at high risk of cardiovascular events. "
            "METHODS 2,838 patients aged 40-75 years with type 2 diabetes and no history of "
            "cardiovascular disease were randomly assigned atorvastatin 10 mg daily or placebo "
            "and followed for a median of 3.9 years. The primary endpoint was the time to first "
            "acute coronary event, coronary revascularisation or stroke. FINDINGS Atorvastatin "
            "reduced the rate of major cardiovascular events by 37% (95% CI -52 to -17). "
            "INTERPRETATION Statin treatment is safe and efficacious in reducing the risk of "
            "first cardiovascular events in type 2 diabetes.",
            "BACKGROUND Insulin resistance is a hallmark of type 2 diabetes. METHODS We measured "
            "phosphorylation of the insulin receptor substrate in adipose tissue of db/db mice. "
            "RESULTS Phosphorylation was reduced by half compared with lean controls. "
            "CONCLUSION Adipocyte insulin signalling is impaired in this model.",
            "BACKGROUND Hospital-acquired infections are common in intensive care. METHODS We "
            "observed 412 hand hygiene opportunities in three units. RESULTS Compliance was 61% "
            "overall. CONCLUSION Training programmes may improve compliance.",
        ],
    }
)


@pytest.fixture(scope="module")
def model():
    return rerank.load_reranker(threads=1)


def test_the_shipped_model_finds_the_trial_that_tests_the_claim(model):
    p = rerank.relevance(model, CLAIM, rerank.paper_texts(PAPERS))
    assert p.shape == (3,) and np.all((p >= 0) & (p <= 1))
    assert p[0] > 0.2  # the randomised trial of a statin in type 2 diabetes
    assert p[0] > 5 * max(p[1], p[2])  # same disease, other question; other field


def test_rerank_lifts_the_relevant_abstract_over_a_lexically_stronger_one(model):
    scores = np.array([[8.0, 10.0, 1.0, 0.0]], dtype=np.float32)
    texts = [*rerank.paper_texts(PAPERS), "an unrelated text"]
    out = rerank.rerank_scores(scores, [CLAIM], texts, model, weight=1.0, top=2)
    assert np.argmax(scores[0]) == 1 and np.argmax(out[0]) == 0  # statin trial now first
    assert out[0, 2] == pytest.approx(0.1)  # outside the top 2: divided by the best only
    assert out[0, 3] == 0.0  # no score: never re-scored
    assert out[0, 0] > 0.8 and out[0, 1] > 1.0  # the top 2 keep their first-stage share


def test_rerank_leaves_an_empty_query_and_an_empty_row_alone(model):
    scores = np.array([[0.0, 0.0, 0.0], [2.0, 1.0, 0.0]], dtype=np.float32)
    out = rerank.rerank_scores(scores, [CLAIM, " "], rerank.paper_texts(PAPERS), model)
    assert out[0].tolist() == [0.0, 0.0, 0.0]
    assert out[1].tolist() == [1.0, 0.5, 0.0]


def test_synth_rank_rerank_writes_the_reranked_run(tmp_path):
    corpus, queries, out = tmp_path / "c.jsonl", tmp_path / "q.jsonl", tmp_path / "run.tsv"
    corpus.write_text(
        "".join(
            json.dumps({"_id": r.paper_id, "title": r.title, "text": r.abstract}) + "\n"
            for r in PAPERS.itertuples()
        )
    )
    queries.write_text(json.dumps({"_id": "c1", "text": CLAIM}) + "\n")
    argv = ["rank", "--corpus", str(corpus), "--queries", str(queries), "--rerank"]
    assert main([*argv, "--out", str(out)]) == 0
    rows = [line.split() for line in out.read_text().splitlines()]
    assert rows[0][:4] == ["c1", "Q0", "statin", "1"]
    assert float(rows[0][4]) > 1.0  # its first-stage share + P(relevant)
    plain = screen.rank_queries(PAPERS, [("c1", CLAIM)])
    assert [line.split()[2] for line in plain][0] == "statin"
    assert float(plain[0].split()[4]) != float(rows[0][4])  # first-stage score, not divided


def test_synth_rank_rerank_with_an_index_is_a_one_line_error(tmp_path, capsys):
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps({"_id": "c1", "text": CLAIM}) + "\n")
    argv = ["rank", "--index", str(tmp_path / "nothing"), "--queries", str(queries), "--rerank"]
    assert main([*argv, "--out", str(tmp_path / "run.tsv")]) == 2
    assert not (tmp_path / "run.tsv").exists()
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--rerank works with --corpus" in err[0]

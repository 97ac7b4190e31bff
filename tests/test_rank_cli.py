from __future__ import annotations

import json

from synth import screen
from synth.cli import main
from synth.sources.local import load_corpus

CORPUS = [
    {
        "_id": "d1",
        "title": "Text-video retrieval on MSR-VTT",
        "text": "We retrieve videos for text queries on MSR-VTT and DiDeMo.",
    },
    {
        "_id": "d2",
        "title": "Instruction-following retrieval",
        "text": "FollowIR evaluates retrievers that follow instructions.",
    },
    {
        "_id": "d3",
        "title": "Protein folding",
        "text": "Structure prediction of proteins with deep networks.",
    },
]
QUERIES = [
    {"_id": "q1", "text": "video retrieval on MSR-VTT"},
    {"_id": "q2", "text": "Does FollowIR test instruction following?"},
]


def _write(tmp_path):
    corpus, queries = tmp_path / "corpus.jsonl", tmp_path / "queries.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in CORPUS))
    queries.write_text("".join(json.dumps(r) + "\n" for r in QUERIES))
    return corpus, queries


def test_synth_rank_writes_a_trec_run_from_the_pipeline_ranking(tmp_path):
    corpus, queries = _write(tmp_path)
    out = tmp_path / "run.tsv"
    assert (
        main(
            [
                "rank",
                "--corpus",
                str(corpus),
                "--queries",
                str(queries),
                "--top",
                "2",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    lines = out.read_text().splitlines()
    rows = [line.split() for line in lines]
    assert all(len(r) == 6 and r[1] == "Q0" and r[5] == "synth" for r in rows)
    assert next(r[2] for r in rows if r[0] == "q1") == "d1"
    assert next(r[2] for r in rows if r[0] == "q2") == "d2"
    assert [int(r[3]) for r in rows if r[0] == "q1"] == [1, 2]
    papers = load_corpus(corpus).papers
    same = screen.rank_queries(papers, [(q["_id"], q["text"]) for q in QUERIES], top=2)
    assert lines == same


def test_synth_rank_rejects_an_empty_query_file(tmp_path):
    corpus, queries = _write(tmp_path)
    queries.write_text("\n")
    assert (
        main(
            [
                "rank",
                "--corpus",
                str(corpus),
                "--queries",
                str(queries),
                "--out",
                str(tmp_path / "run.tsv"),
            ]
        )
        == 2
    )


class _WordEncoder:
    """Stand-in for ``dense.Encoder``: 2-d vectors from two words; records what it encodes."""

    def __init__(self):
        self.seen: list[str] = []

    def encode(self, texts):
        import numpy as np

        self.seen.extend(texts)
        vecs = np.array(
            [[("video" in t.lower()) + 0.01, ("instruction" in t.lower()) + 0.01] for t in texts]
        )
        return vecs / np.linalg.norm(vecs, axis=1, keepdims=True)


def test_dense_ranking_encodes_the_query_as_typed_and_keeps_the_lexical_order_sane(tmp_path):
    corpus, _ = _write(tmp_path)
    papers = load_corpus(corpus).papers
    encoder = _WordEncoder()
    lines = screen.rank_queries(
        papers, [(q["_id"], q["text"]) for q in QUERIES], top=3, encoder=encoder
    )
    assert "Does FollowIR test instruction following?" in encoder.seen  # not its key terms
    assert not any("Protein" in t for t in encoder.seen)  # lexical score 0: never encoded
    assert next(r.split()[2] for r in lines if r.startswith("q2 ")) == "d2"


def test_synth_rank_dense_without_the_extra_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    from synth import dense

    corpus, queries = _write(tmp_path)
    monkeypatch.setattr(dense, "available", lambda: False)
    out = tmp_path / "run.tsv"
    assert (
        main(
            [
                "rank",
                "--corpus",
                str(corpus),
                "--queries",
                str(queries),
                "--dense",
                "--out",
                str(out),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--dense" in err and "pip install -e ." in err
    assert not out.exists()

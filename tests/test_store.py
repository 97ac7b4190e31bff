"""The persistent index (synth.store): built on a corpus it ranks like the corpus loaded in
memory, updates keep the newest copy, filters, the snapshot format, the CLI and its errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from synth import screen, search
from synth.cli import main
from synth.errors import InputError
from synth.sources.local import SAMPLE_FILE, load_corpus
from synth.store import query as query_module
from synth.store.build import build_index, read_manifest, update_index
from synth.store.filters import Filters, parse_categories, parse_years
from synth.store.query import open_index
from synth.store.snapshot import is_snapshot, read_snapshot

from corpus import ON_TOPIC, write_corpus
from synth_proc import sigterm_when_logged

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "tests" / "fixtures" / "arxiv_snapshot.json"
QUESTIONS = [
    "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?",
    "Do large language models follow instructions in retrieval?",
    "graph neural networks for molecules",
]


def _ranked(papers, question, top):
    """The in-memory ranking ``synth rank`` / the screen stage use: ids and scores, best
    first, ties by id."""
    query = search.weighted_query(search.extract_key_terms(question))
    scores = screen.score_queries(papers, [query])[0]
    ids = papers["paper_id"].to_numpy()
    order = np.lexsort((ids, -scores))
    order = order[scores[order] > 0][:top]
    return list(ids[order]), scores[order]


def test_index_of_a_corpus_ranks_its_papers_as_the_corpus_does(tmp_path):
    papers = load_corpus(SAMPLE_FILE).papers
    build_index(SAMPLE_FILE, tmp_path / "idx", segment_docs=700, progress=False)
    reader = open_index(tmp_path / "idx")
    assert reader.n_docs == len(papers) and len(reader.segments) == 3
    for question in QUESTIONS:
        query = search.weighted_query(search.extract_key_terms(question))
        for top in (5, 50, 5000):  # top 5: most matching papers are never scored (pruned)
            ids, scores = _ranked(papers, question, top)
            hits = reader.search(query, top)
            assert hits.ids == ids
            assert np.array_equal(hits.scores, scores)  # the same float32 arithmetic
        assert reader.search(query, 5).matched < reader.search(query, 5000).matched
    assert query_module.TITLE_WEIGHT == screen.TITLE_WEIGHT


def test_papers_drawn_from_the_index_screen_as_in_the_whole_corpus(tmp_path):
    papers = load_corpus(SAMPLE_FILE).papers
    build_index(SAMPLE_FILE, tmp_path / "idx", segment_docs=900, progress=False)
    terms = search.extract_key_terms(QUESTIONS[1])
    found = search.search_index(QUESTIONS[1], str(tmp_path / "idx"), terms, Filters(), 40)
    assert len(found.candidates) == 40 and found.record["index_papers"] == len(papers)
    ranked = screen.rank_papers(found.candidates, terms, collection=found.record["collection"])
    whole = screen.rank_papers(papers, terms).head(40)
    assert ranked["paper_id"].tolist() == whole["paper_id"].tolist()
    assert ranked["score"].tolist() == whole["score"].tolist()
    cols = ["title", "abstract", "authors", "year", "categories", "version", "url"]
    assert ranked[cols].equals(whole[cols].reset_index(drop=True))
    # without the index's statistics the same papers would score differently
    alone = screen.rank_papers(found.candidates, terms)
    assert alone["score"].tolist() != whole["score"].tolist()


def _records(tmp_path, name, rows):
    return write_corpus(tmp_path / name, rows)


def test_update_adds_new_papers_and_keeps_the_newest_version(tmp_path):
    first = [dict(ON_TOPIC[0]), dict(ON_TOPIC[2])]  # 2501.00001v1 (early draft), 2502.00002
    build_index(_records(tmp_path, "a.jsonl", first), tmp_path / "idx", progress=False)
    newer = dict(ON_TOPIC[1])  # 2501.00001v2
    older = dict(ON_TOPIC[0], title="An older copy")  # v1 again: not newer than v2
    extra = {"id": "2509.01234", "title": "Tennis ball aerodynamics", "summary": "Spin and drag."}
    manifest = update_index(
        tmp_path / "idx", _records(tmp_path, "b.jsonl", [newer, extra]), progress=False
    )
    assert manifest["papers"] == 3 and len(manifest["segments"]) == 2
    assert manifest["history"][-1] | {"at": "", "source": ""} == {
        "at": "",
        "source": "",
        "added": 2,
        "replaced": 1,
        "dropped": 0,
        "skipped": 0,
    }
    manifest = update_index(
        tmp_path / "idx", _records(tmp_path, "c.jsonl", [older]), progress=False
    )
    assert manifest["papers"] == 3 and manifest["history"][-1]["dropped"] == 1
    reader = open_index(tmp_path / "idx")
    hits = reader.search("TempMerge tennis", 10)
    assert sorted(hits.ids) == ["2501.00001", "2509.01234"]
    found = reader.papers(hits).set_index("paper_id")
    assert found.loc["2501.00001", "version"] == 2
    assert "TempMerge" in found.loc["2501.00001", "abstract"]
    assert reader.search("early draft", 10).ids == []  # only v1 said so: it is deleted
    # the live papers score as the same papers loaded as one corpus
    papers = load_corpus(_records(tmp_path, "all.jsonl", [newer, ON_TOPIC[2], extra])).papers
    ids, scores = _ranked(papers, QUESTIONS[0], 10)
    query = search.weighted_query(search.extract_key_terms(QUESTIONS[0]))
    assert reader.search(query, 10).ids == ids
    assert np.array_equal(reader.search(query, 10).scores, scores)


def test_filters_keep_categories_and_years(tmp_path):
    build_index(SNAPSHOT, tmp_path / "idx", progress=False)
    reader = open_index(tmp_path / "idx")
    query = "retrieval instructions video lattice diphoton"

    def ids(categories="", years=""):
        return sorted(reader.search(query, 10, Filters.parse(categories, years)).ids)

    assert ids() == ["0704.0001", "2403.15246", "2503.19009", "hep-th/9901001"]
    assert ids("cs") == ["2403.15246", "2503.19009"]
    assert ids("cs.CV") == ["2503.19009"]
    assert ids("hep-lat, cs.CL") == ["2403.15246", "hep-th/9901001"]
    assert ids(years="2024-") == ["2403.15246", "2503.19009"]
    assert ids(years="-2007") == ["0704.0001", "hep-th/9901001"]
    assert ids("cs", "2020-2024") == ["2403.15246"]
    assert ids(years="2026") == []
    papers = reader.papers(reader.search(query, 10))
    assert sorted(Filters.parse("cs.IR", "2025").apply(papers)["paper_id"]) == ["2503.19009"]


def test_filter_specs_are_checked():
    assert parse_years("2024-") == (2024, 9999)
    assert parse_years(" -2019 ") == (0, 2019)
    assert parse_years("2020-2022") == (2020, 2022)
    assert parse_years("2024") == (2024, 2024) and parse_years("") is None
    assert parse_categories("cs.CV,cs.CL  hep-th") == ("cs.CV", "cs.CL", "hep-th")
    for bad in ("24-", "2024-2020", "-", "since 2020"):
        with pytest.raises(InputError, match="search.years"):
            parse_years(bad)
    with pytest.raises(InputError, match="search.categories: 'cs/CV'"):
        parse_categories("cs/CV")


def test_snapshot_records_stream_into_papers_rows():
    assert is_snapshot(SNAPSHOT)
    assert not is_snapshot(ROOT / "tests" / "fixtures" / "sources_arxiv.jsonl")
    items = list(read_snapshot(SNAPSHOT))
    rows = {ref: item for ref, item in items if isinstance(item, dict)}
    skips = {ref: item for ref, item in items if not isinstance(item, dict)}
    assert skips == {
        "4": ("broken JSON", skips["4"][1]),
        "6": ("no title or abstract", "record has neither a title nor an abstract"),
    }
    first = rows["1"]
    assert first["paper_id"] == "0704.0001" and first["version"] == 2 and first["year"] == 2007
    assert first["title"] == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first["authors"] == "C. Balázs; E. L. Berger; P. M. Nadolsky; C.-P. Yuan"
    assert first["categories"] == "hep-ph" and first["url"] == "https://arxiv.org/abs/0704.0001"
    assert rows["2"]["paper_id"] == "hep-th/9901001" and rows["2"]["year"] == 1999
    assert rows["3"]["version"] == 3 and rows["3"]["categories"] == "cs.IR cs.CL"
    assert rows["5"]["abstract"].startswith("We introduce Video-ColBERT")


def test_cli_builds_updates_and_ranks_like_the_corpus(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    queries = tmp_path / "q.jsonl"
    queries.write_text(
        "".join(json.dumps({"_id": f"q{i}", "text": q}) + "\n" for i, q in enumerate(QUESTIONS))
    )
    assert main(["index", "build", str(SNAPSHOT), "--out", str(tmp_path / "idx"), "--quiet"]) == 0
    assert main(["index", "update", str(tmp_path / "idx"), str(corpus), "--quiet"]) == 0
    assert read_manifest(tmp_path / "idx")["papers"] == 4 + len(load_corpus(corpus).papers)
    both = tmp_path / "both.jsonl"
    both.write_text(
        "".join(
            json.dumps({"id": r["id"], "title": r["title"], "abstract": r["abstract"]}) + "\n"
            for r in _good_snapshot_records()
        )
        + corpus.read_text()
    )
    for flag, where in (("--index", tmp_path / "idx"), ("--corpus", both)):
        out = tmp_path / f"run{flag}.tsv"
        argv = ["rank", flag, str(where), "--queries", str(queries), "--top", "5"]
        assert main([*argv, "--out", str(out)]) == 0
    by_index = (tmp_path / "run--index.tsv").read_text().splitlines()
    by_corpus = (tmp_path / "run--corpus.tsv").read_text().splitlines()
    assert len(by_index) >= 8
    assert by_index == [line for line in by_corpus if " 0.0000 " not in line]


def _good_snapshot_records() -> list[dict]:
    out = []
    for line in SNAPSHOT.read_text().splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record["title"] or record["abstract"]:
            out.append(record)
    return out


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "synth.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_a_bad_index_folder_is_one_line_and_exit_2(tmp_path, capsys):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"_id": "q1", "text": "video"}\n')
    not_index = tmp_path / "plain"
    not_index.mkdir()
    (not_index / "manifest.json").write_text('{"format": "something else"}')
    cases = [
        (("rank", "--index", str(tmp_path / "missing"), "--queries", str(queries)), "not found"),
        (("rank", "--index", str(not_index), "--queries", str(queries)), "not a synth index"),
        (("run", "--index", str(tmp_path), "--out", str(tmp_path / "r")), "not a synth index"),
        (("index", "update", str(tmp_path / "missing"), str(SNAPSHOT)), "not found"),
        (("index", "build", str(SNAPSHOT), "--out", str(not_index)), "already exists"),
        (("rank", "--queries", str(queries)), "give --corpus or --index"),
    ]
    for args, message in cases:
        argv = [*args, "--out", str(tmp_path / "out.tsv")] if args[0] == "rank" else list(args)
        assert main(argv) == 2, args
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith("synth: error: ") and message in err, err
    assert not (tmp_path / "r").exists() and not (tmp_path / "out.tsv").exists()
    assert sorted(p.name for p in not_index.iterdir()) == ["manifest.json"]


@pytest.mark.slow
def test_a_bad_index_folder_exits_2_from_the_shell(tmp_path):
    queries = tmp_path / "q.jsonl"
    queries.write_text('{"_id": "q1", "text": "video"}\n')
    args = ("--queries", str(queries), "--out", str(tmp_path / "out.tsv"))
    done = _cli("rank", "--index", str(tmp_path / "missing"), *args)
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
    assert "index folder not found" in done.stderr and not (tmp_path / "out.tsv").exists()


def test_an_interrupted_build_leaves_nothing(tmp_path, monkeypatch):
    import synth.store.build as build

    calls = []

    def failing(papers, folder):
        calls.append(folder)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(papers, folder)

    real = build.write_segment
    monkeypatch.setattr(build, "write_segment", failing)
    with pytest.raises(KeyboardInterrupt):
        build_index(SAMPLE_FILE, tmp_path / "idx", segment_docs=800, progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_a_run_with_index_goes_through_the_notebooks_like_the_corpus_and_resumes(tmp_path, capsys):
    smoke = str(ROOT / "params" / "smoke.yaml")
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    assert main(["index", "build", str(corpus), "--out", str(tmp_path / "idx"), "--quiet"]) == 0
    runs = {}
    for flag, where in (("--corpus", corpus), ("--index", tmp_path / "idx")):
        runs[flag] = tmp_path / f"run{flag}"
        argv = ["run", "--params", smoke, flag, str(where), "--out", str(runs[flag]), "--quiet"]
        assert main(argv) == 0
    by_corpus, by_index = (pd_read(runs[f] / "papers.parquet") for f in ("--corpus", "--index"))
    cols = ["paper_id", "score", "relevance", "coverage", "rank", "included", "exclusion_reason"]
    # the index holds only papers with a question term: the corpus run's others score 0
    assert by_index[cols].equals(by_corpus[cols].head(len(by_index)))
    assert len(by_index) >= 7 and (by_corpus["score"].iloc[len(by_index) :] == 0).all()
    for artifact in ("answer.json", "review.json"):
        assert json.loads((runs["--index"] / artifact).read_text()) == json.loads(
            (runs["--corpus"] / artifact).read_text()
        )
    searched = json.loads((runs["--index"] / "search.json").read_text())
    assert searched["source"] == "index idx" and searched["index_papers"] == len(by_corpus)
    assert set(searched["collection"]["text"]["df"]) >= {"msr", "vtt", "didemo", "retriev"}
    params = json.loads((runs["--index"] / "params" / "search.json").read_text())
    assert params["index"] == str((tmp_path / "idx").resolve()) and params["corpus"] == ""
    manifest = json.loads((runs["--index"] / "run.json").read_text())
    assert manifest["source"] == "index" and set(manifest["input_hashes"]) == {"params", "index"}
    capsys.readouterr()
    again = ["run", "--params", smoke, "--index", str(tmp_path / "idx")]
    assert main([*again, "--out", str(runs["--index"])]) == 0
    assert "[search] reused" in capsys.readouterr().err
    extra = write_corpus(
        tmp_path / "new.jsonl", [{"id": "2601.00009", "title": "New", "summary": "x"}]
    )
    assert main(["index", "update", str(tmp_path / "idx"), str(extra), "--quiet"]) == 0
    capsys.readouterr()
    assert main([*again, "--out", str(runs["--index"]), "--quiet"]) == 2
    assert "changed since that run" in capsys.readouterr().err


def pd_read(path):
    import pandas as pd

    return pd.read_parquet(path)


def test_counts_above_255_keep_their_value(tmp_path):
    rows = [
        {"id": "2501.00010", "title": "Video", "summary": "video " * 300 + "retrieval"},
        {"id": "2501.00011", "title": "Retrieval", "summary": "video retrieval " * 3},
        {"id": "2501.00012", "title": "Other", "summary": "protein folding"},
    ]
    corpus = write_corpus(tmp_path / "c.jsonl", rows)
    build_index(corpus, tmp_path / "idx", progress=False)
    assert np.load(tmp_path / "idx" / "seg-00000" / "text.tf.npy").dtype == np.uint16
    ids, scores = _ranked(load_corpus(corpus).papers, "video retrieval", 3)
    hits = open_index(tmp_path / "idx").search("video retrieval", 3)
    assert hits.ids == ids == ["2501.00011", "2501.00010"]
    assert np.array_equal(hits.scores, scores)


def test_search_params_are_checked_before_anything_is_written(tmp_path, capsys):
    cases = [
        ("search:\n  years: soon\n", "search.years: 'soon' is not a year range"),
        ("search:\n  categories: cs/CV\n", "search.categories: 'cs/CV' is not an arXiv"),
        ("search:\n  max_candidates: 0\n", "'search.max_candidates' must be at least 1"),
        ("search:\n  corpus: c.jsonl\n  index: idx\n", "search.corpus or search.index, not both"),
    ]
    for n, (text, message) in enumerate(cases):
        params = tmp_path / f"p{n}.yaml"
        params.write_text(text)
        assert main(["run", "--params", str(params), "--out", str(tmp_path / "r")]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err, err
    corpus = write_corpus(tmp_path / "c.jsonl")
    argv = ["run", "--corpus", str(corpus), "--index", str(tmp_path), "--out", str(tmp_path / "r")]
    assert main(argv) == 2 and "give --corpus or --index, not both" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_answer_with_index_equals_answer_with_corpus(tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        "".join(
            json.dumps({"id": f"q{i}", "question": q}) + "\n" for i, q in enumerate(QUESTIONS[:2])
        )
    )
    build_index(corpus, tmp_path / "idx", progress=False)
    out = {}
    for flag, where in (("--corpus", corpus), ("--index", tmp_path / "idx")):
        out[flag] = tmp_path / f"answers{flag}.jsonl"
        argv = ["answer", flag, str(where), "--questions", str(questions)]
        assert main([*argv, "--out", str(out[flag])]) == 0
    by_index = [json.loads(line) for line in out["--index"].read_text().splitlines()]
    by_corpus = [json.loads(line) for line in out["--corpus"].read_text().splitlines()]
    assert [a["id"] for a in by_index] == ["q0", "q1"]
    assert by_index == by_corpus
    assert by_index[0]["evidence"]  # the on-topic question finds papers


@pytest.mark.slow
def test_sigterm_during_a_build_exits_130_and_leaves_nothing(tmp_path):
    out = tmp_path / "idx"
    args = ["index", "build", str(SAMPLE_FILE), "--out", str(out), "--segment-docs", "20"]
    code, rest = sigterm_when_logged(args, "seg-00002", ROOT)
    assert code == 130, rest
    assert "interrupted" in rest
    assert list(tmp_path.iterdir()) == []


def test_filters_apply_to_a_corpus_too(tmp_path):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    papers = load_corpus(corpus).papers
    found = search.gather_candidates(
        QUESTIONS[0], [], str(corpus), filters=Filters.parse("cs.CL", "2025")
    )
    expected = papers[papers["categories"].str.split().map(lambda c: "cs.CL" in c)]
    assert 0 < len(found.candidates) == len(expected) < len(papers)
    assert found.candidates["paper_id"].tolist() == expected["paper_id"].tolist()
    removed = len(papers) - len(expected)
    assert found.queries["query"].iloc[-1] == (
        f"filter: categories cs.CL, years 2025-2025 ({removed} papers removed)"
    )
    assert found.record["candidates"] == len(expected)
    assert found.record["identified"] == len(papers) + found.record["duplicates_removed"]

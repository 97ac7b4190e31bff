"""The whole pipeline, executed by papermill on the tiny corpus, asserted on the run folder."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import bibtexparser
import matplotlib.pyplot as plt
import nbformat
import pandas as pd
import pytest

from synth.cli import main
from synth.report import md_escape, sections_in
from synth.run.folder import LOCK
from synth.stages import REPORT_FILES, STAGES

from arxiv_server import FakeArxivServer, make_entry
from conftest import ROOT
from corpus import OFF_TOPIC, ON_TOPIC, write_corpus

SMOKE = str(ROOT / "params" / "smoke.yaml")
QUESTION = "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?"
SECTIONS = [
    "Answer",
    "Evidence",
    "Themes",
    "Results across papers",
    "Methodology",
    "Screening and verification",
    "Limitations",
    "Extracted Claims",
    "References",
]
ON_IDS = {"2501.00001", "2502.00002", "2503.00003", "2504.00004", "2505.00005"}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("pipeline")
    corpus = write_corpus(tmp / "corpus.jsonl")
    out = tmp / "run"
    assert (
        main(["run", "--params", SMOKE, "--corpus", str(corpus), "--out", str(out), "--quiet"]) == 0
    )
    return out


def test_run_folder_holds_every_artifact(run):
    for name in [
        "papers.csv",
        "papers.parquet",
        "claims.csv",
        "claims.parquet",
        "verdicts.csv",
        "verdicts.parquet",
        "review.json",
        "report.html",
        "report.md",
        "references.bib",
        "run.json",
        "tuples.csv",
        "search.json",
        "queries.csv",
        "prisma.json",
    ]:
        assert (run / name).is_file() and (run / name).stat().st_size > 0, name
    executed = sorted(p.name for p in (run / "notebooks").glob("*.ipynb"))
    assert executed == [f"{s.notebook}.ipynb" for s in STAGES]
    assert {"prisma.png", "relevance.png", "verdicts.png", "reviews.png"} <= {
        p.name for p in (run / "figures").glob("*.png")
    }


def test_run_folder_holds_exactly_what_the_stage_table_declares(run):
    declared = {a for s in STAGES for a in s.outputs} | set(REPORT_FILES) | {"run.json", LOCK}
    found = {str(p.relative_to(run)) for p in run.rglob("*") if p.is_file()}
    extra = {
        f for f in found - declared if not f.startswith(("notebooks/", "report_files/", "cache/"))
    }
    assert not extra, f"written but not in synth.stages: {sorted(extra)}"
    assert declared <= found, f"declared but not written: {sorted(declared - found)}"
    manifest = json.loads((run / "run.json").read_text())
    for stage in STAGES:  # resume hashes every declared output
        assert set(stage.outputs) <= set(manifest["stages"][stage.name]["outputs"])


@pytest.mark.slow
def test_notebooks_run_by_hand_give_the_report_with_the_edited_question(run, tmp_path, monkeypatch):
    """As in JupyterLab started by ``make lab``: each notebook run on its own (cwd
    notebooks/), the question edited in 10_search only, the corpus given relative to the
    folder JupyterLab was started in, the report rendered by the report notebook's last cell."""
    import papermill as pm

    absolute = Path(json.loads((run / "run.json").read_text())["corpus"])
    monkeypatch.setenv("SYNTH_START_DIR", str(absolute.parent.parent))
    corpus = f"{absolute.parent.name}/{absolute.name}"  # relative to where "make lab" ran
    question = "Does temporal modelling improve text-video retrieval on DiDeMo?"
    run_dir = tmp_path / "by-hand"
    for stage in STAGES:
        params = {"run_dir": str(run_dir)}
        if stage.name == "search":
            params.update(question=question, corpus=corpus, delay_seconds=0.0)
        nb = ROOT / "notebooks" / f"{stage.notebook}.ipynb"
        pm.execute_notebook(
            str(nb),
            str(tmp_path / nb.name),
            parameters=params,
            progress_bar=False,
            cwd=str(nb.parent),
            kernel_name="python3",
        )
    assert json.loads((run_dir / "question.json").read_text())["question"] == question
    html = (run_dir / "report.html").read_text()
    assert f"<title>{question}</title>" in html and sections_in((run_dir / "report.md").read_text())
    assert (run_dir / "report.md").read_text().startswith("# " + md_escape(question))


def test_papers_are_ranked_and_screened_on_topic(run):
    papers = pd.read_csv(run / "papers.csv", dtype={"paper_id": str})
    assert papers["rank"].tolist() == list(range(1, len(papers) + 1))
    assert papers["paper_id"].is_unique and len(papers) == len(ON_TOPIC) + len(OFF_TOPIC) - 1
    included = set(papers.loc[papers["included"], "paper_id"])
    assert included and included <= ON_IDS
    assert (papers.loc[~papers["included"], "exclusion_reason"].fillna("") != "").all()
    assert {
        "paper_id",
        "title",
        "authors",
        "year",
        "url",
        "source",
        "score",
        "included",
        "exclusion_reason",
    } <= set(papers.columns)


def test_claims_are_whole_sentences_of_their_papers(run):
    claims = pd.read_csv(run / "claims.csv", dtype={"paper_id": str})
    papers = pd.read_parquet(run / "papers.parquet").set_index("paper_id")
    assert len(claims) > 0 and claims["claim_id"].is_unique
    for row in claims.itertuples():
        abstract = " ".join(papers.loc[row.paper_id, "abstract"].split())
        assert row.text.strip()[-1] in ".!?", row.text
        assert row.text[:-1].strip() in abstract or row.source_sentence in abstract, row.text
    assert any("49.8 R@1 on MSR-VTT" in t for t in claims["text"])


def test_verdicts_cover_every_claim_with_evidence_from_other_papers(run):
    claims = pd.read_csv(run / "claims.csv", dtype={"paper_id": str})
    verdicts = pd.read_csv(
        run / "verdicts.csv", dtype={"evidence_paper_id": str}, keep_default_na=False
    )
    assert sorted(verdicts["claim_id"]) == sorted(claims["claim_id"])
    assert set(verdicts["label"]) <= {"SUPPORTED", "CONTRADICTED", "UNVERIFIED"}
    assert verdicts["confidence"].between(0, 1).all()
    merged = verdicts.merge(claims, on="claim_id")
    with_evidence = merged[merged["label"] != "UNVERIFIED"]
    assert (with_evidence["evidence_paper_id"] != with_evidence["paper_id"]).all()
    assert (with_evidence["evidence_sentence"].str.len() > 0).all()


def test_review_has_five_reasoned_scores(run):
    review = json.loads((run / "review.json").read_text())
    assert len(review["reviewers"]) >= 5
    for r in review["reviewers"]:
        assert (
            0 <= r["score"] <= 10
            and r["rationale"].endswith(".")
            and re.search(r"\d", r["rationale"])
        )
    scores = [r["score"] for r in review["reviewers"]]
    weighted = sum(r["score"] * r["weight"] for r in review["reviewers"])
    weights = sum(r["weight"] for r in review["reviewers"])
    assert review["overall"] == pytest.approx(weighted / weights, abs=0.01)
    assert review["spread"] == pytest.approx(max(scores) - min(scores), abs=0.01)


def test_report_sections_title_and_numbers_agree_with_tables(run):
    md = (run / "report.md").read_text()
    assert md.lstrip().startswith("# " + QUESTION.replace("-", "\\-"))
    assert sections_in(md) == SECTIONS
    papers = pd.read_csv(run / "papers.csv", dtype={"paper_id": str})
    claims = pd.read_csv(run / "claims.csv")
    verdicts = pd.read_csv(run / "verdicts.csv")
    abstract = md.split("## Methodology", 1)[1].split("The research question is", 1)[0]
    n_inc = int(papers["included"].sum())
    counts = verdicts["label"].value_counts()
    assert f"{n_inc} papers" in abstract
    assert f"screening {len(papers)} candidates" in abstract
    assert f"{len(claims)} check-worthy claims" in abstract
    assert (
        f"{counts.get('SUPPORTED', 0)} supported and {counts.get('CONTRADICTED', 0)} contradicted"
        in abstract
    )
    assert f"{counts.get('UNVERIFIED', 0)} left unverified" in abstract
    review = json.loads((run / "review.json").read_text())
    assert f"{review['overall']:.1f}/10" in abstract


def test_references_hold_each_included_paper_exactly_once(run):
    papers = pd.read_csv(run / "papers.csv", dtype={"paper_id": str})
    md = (run / "report.md").read_text()
    refs = [
        line for line in md.split("## References", 1)[1].splitlines() if re.match(r"\d+\. ", line)
    ]
    assert len(refs) == int(papers["included"].sum())
    for pid, included in zip(papers["paper_id"], papers["included"], strict=True):
        n = sum(f"arXiv:{pid}v" in line or f"arXiv:{pid}." in line for line in refs)
        assert n == (1 if included else 0), pid
    library = bibtexparser.parse_string((run / "references.bib").read_text())
    assert len(library.entries) == int(papers["included"].sum()) and not library.failed_blocks


def test_report_html_is_self_contained(run):
    html = (run / "report.html").read_text()
    assert f"<title>{QUESTION}</title>" in html
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']?https?://""", html)
    assert "data:image/png;base64" in html
    for section in SECTIONS:
        assert re.search(rf"<h2[^>]*>{section}", html), section
    assert "import " not in html.split("<body", 1)[1]  # code cells hidden


def test_manifest_records_question_params_versions_timings_hashes(run):
    manifest = json.loads((run / "run.json").read_text())
    assert manifest["question"] == QUESTION
    assert manifest["params"]["screen"]["max_included"] == 8
    assert manifest["versions"]["papermill"] and manifest["versions"]["python"]
    assert set(manifest["stages"]) == {s.name for s in STAGES}
    assert all(s["status"] == "done" and s["seconds"] > 0 for s in manifest["stages"].values())
    assert len(manifest["input_hashes"]["corpus"]) == 64
    assert manifest["counts"]["included"] > 0


def test_rerun_with_same_out_reuses_every_stage(run, capsys):
    manifest = json.loads((run / "run.json").read_text())
    corpus = manifest["corpus"]
    before = {p.name: p.stat().st_mtime_ns for p in run.glob("*.parquet")}
    assert main(["run", "--params", SMOKE, "--corpus", corpus, "--out", str(run)]) == 0
    err = capsys.readouterr().err
    assert err.count("reused") == len(STAGES)
    assert before == {p.name: p.stat().st_mtime_ns for p in run.glob("*.parquet")}


def test_same_out_with_another_question_is_refused(run, capsys):
    manifest = json.loads((run / "run.json").read_text())
    code = main(
        [
            "run",
            "--params",
            SMOKE,
            "--corpus",
            manifest["corpus"],
            "--out",
            str(run),
            "--question",
            "Something else about MSR-VTT?",
            "--quiet",
        ]
    )
    assert code == 2
    assert "choose a new --out" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--corpus", "/nonexistent/corpus.jsonl"], "corpus not found"),
        (["--question", "what is the of and?"], "only stop words"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_no_run_folder(tmp_path, capsys, args, message):
    out_root = tmp_path / "out"
    code = main(
        ["run", "--params", SMOKE, "--out-root", str(out_root), "--quiet", *args]
        + ([] if "--corpus" in args else ["--corpus", str(write_corpus(tmp_path / "c.jsonl"))])
    )
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err
    assert not out_root.exists() or not any(out_root.iterdir())


def test_unknown_params_key_exit_2(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("screen:\n  max_inclued: 3\n")
    assert main(["run", "--params", str(params), "--corpus", "x", "--quiet"]) == 2
    assert "unknown key 'screen.max_inclued'" in capsys.readouterr().err


def test_empty_corpus_leaves_nothing_behind(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    out_root = tmp_path / "out"
    code = main(
        ["run", "--params", SMOKE, "--corpus", str(empty), "--out-root", str(out_root), "--quiet"]
    )
    err = capsys.readouterr().err
    assert code == 2 and str(empty) in err and len(err.strip().splitlines()) == 1
    assert not out_root.exists() or not any(out_root.iterdir())


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
def test_report_renders_in_a_real_browser(run, tmp_path):
    url = (run / "report.html").resolve().as_uri()
    base = [CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(
        [*base, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    for section in SECTIONS:
        assert re.search(rf"<h2[^>]*>{section}", dom), section
    shot = tmp_path / "report.png"
    subprocess.run(
        [*base, f"--screenshot={shot}", "--window-size=1200,2000", url],
        capture_output=True,
        timeout=120,
        check=True,
    )
    pixels = plt.imread(shot)[..., :3]
    non_white = (pixels.mean(axis=2) < 0.9).mean()
    assert non_white > 0.01 and pixels.std() > 0.05


@pytest.mark.slow
def test_arxiv_path_end_to_end_on_the_loopback_server(tmp_path, monkeypatch):
    """No --corpus: the real arxiv.Client queries the loopback server; the rerun is offline."""
    entries = [
        make_entry(
            r["id"] if "v" in r["id"][5:] else r["id"] + "v1",
            r["title"],
            r["summary"],
            r["authors"],
            r["categories"],
            "2025-02-01T00:00:00Z",
        )
        for r in ON_TOPIC[1:] + OFF_TOPIC
    ]
    with FakeArxivServer(entries) as server:
        monkeypatch.setenv("SYNTH_ARXIV_API_URL", server.url)
        out = tmp_path / "arxiv_run"
        assert (
            main(
                [
                    "run",
                    "--params",
                    SMOKE,
                    "--out-root",
                    str(tmp_path),
                    "--out",
                    str(out),
                    "--quiet",
                ]
            )
            == 0
        )
        queries = server.queries()
        assert queries and all(q != QUESTION and len(q) < len(QUESTION) for q in queries)
        assert any("MSR-VTT" in q for q in queries)
        n_requests = len(server.requests)
        again = tmp_path / "arxiv_rerun"
        assert (
            main(
                [
                    "run",
                    "--params",
                    SMOKE,
                    "--out-root",
                    str(tmp_path),
                    "--out",
                    str(again),
                    "--quiet",
                ]
            )
            == 0
        )
        assert len(server.requests) == n_requests  # served from the cache
    papers = pd.read_csv(out / "papers.csv", dtype={"paper_id": str})
    assert set(papers["source"]) == {"arxiv"} and papers["included"].any()
    assert set(papers.loc[papers["included"], "paper_id"]) <= ON_IDS
    assert papers.equals(pd.read_csv(again / "papers.csv", dtype={"paper_id": str}))
    log = pd.read_csv(out / "queries.csv")
    assert log["complete"].all() and not log["from_cache"].any()
    assert pd.read_csv(again / "queries.csv")["from_cache"].all()
    assert "arXiv" in (out / "report.md").read_text().split("## Introduction")[0]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (.ci/run installs it)")
def test_pdf_export_prints_the_report(run, tmp_path):
    from synth.run import export_pdf

    copy = tmp_path / "report.html"
    copy.write_text((run / "report.html").read_text())
    pdf = export_pdf(copy)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page") >= 2


def test_no_notebooks_mode_gives_identical_tables(run, tmp_path):
    corpus = json.loads((run / "run.json").read_text())["corpus"]
    out = tmp_path / "inproc"
    assert (
        main(
            [
                "run",
                "--params",
                SMOKE,
                "--corpus",
                corpus,
                "--out",
                str(out),
                "--quiet",
                "--no-notebooks",
            ]
        )
        == 0
    )
    for name in ("papers", "claims", "tuples", "verdicts"):
        assert pd.read_parquet(out / f"{name}.parquet").equals(
            pd.read_parquet(run / f"{name}.parquet")
        ), name
    assert json.loads((out / "review.json").read_text()) == json.loads(
        (run / "review.json").read_text()
    )
    executed = sorted(p.name for p in (out / "notebooks").glob("*.ipynb"))
    assert executed == [f"{s.notebook}.ipynb" for s in STAGES]  # kept, without outputs
    search_nb = nbformat.read(out / "notebooks" / "10_search.ipynb", as_version=4)
    assert not any(c.get("outputs") for c in search_nb.cells)
    assert search_nb.metadata["papermill"]["parameters"]["run_dir"] == str(out)
    assert (out / "report.html").is_file()


def test_dense_params_rank_and_verify_with_the_encoder(run, tmp_path):
    from synth import dense

    if not dense.available():
        pytest.skip("dense extra not installed")
    corpus = json.loads((run / "run.json").read_text())["corpus"]
    params = tmp_path / "dense.yaml"
    smoke = Path(SMOKE).read_text(encoding="utf-8")
    assert "verify:" not in smoke
    params.write_text(
        smoke.replace("screen:", "screen:\n  dense: true", 1) + "verify:\n  dense: true\n",
        encoding="utf-8",
    )
    out = tmp_path / "root" / "dense"
    assert (
        main(
            [
                "run",
                "--params",
                str(params),
                "--corpus",
                corpus,
                "--out",
                str(out),
                "--quiet",
                "--no-notebooks",
                "--out-root",
                str(tmp_path / "root"),
            ]
        )
        == 0
    )
    recorded = json.loads((out / "params" / "screen.json").read_text())
    assert (
        recorded["dense"] is True
        and json.loads((out / "params" / "verify.json").read_text())["dense"]
    )
    cached = list((tmp_path / "root" / "cache" / "embeddings").glob("*.npy"))
    assert len(cached) > 10  # papers, sentences, question and claims were encoded and kept
    papers = pd.read_parquet(out / "papers.parquet")
    assert set(papers.loc[papers["included"], "paper_id"]) <= ON_IDS
    verdicts = pd.read_parquet(out / "verdicts.parquet")
    claims = pd.read_parquet(out / "claims.parquet")
    assert list(verdicts["claim_id"]) == list(claims["claim_id"])


def test_answer_json_and_the_answer_section_agree(run):
    answer = json.loads((run / "answer.json").read_text())
    assert {
        "question",
        "kind",
        "hypothesis",
        "verdict",
        "confidence",
        "summary",
        "facets",
        "evidence",
    } <= set(answer)
    assert answer["kind"] == "yes_no" and answer["hypothesis"].startswith("Temporal modelling")
    assert answer["verdict"] in ("supported", "contradicted", "mixed", "insufficient")
    papers = pd.read_parquet(run / "papers.parquet").set_index("paper_id")
    included = papers[papers["included"]]
    assert {e["paper_id"] for e in answer["evidence"]} == set(included.index)
    for e in answer["evidence"]:
        assert e["stance"] in ("SUPPORT", "CONTRADICT", "NEUTRAL") and 0 <= e["confidence"] <= 1
        assert e["sentence"] == "" or e["sentence"] in " ".join(
            included.loc[e["paper_id"], "abstract"].split()
        )
    section = (run / "report.md").read_text().split("## Answer", 1)[1].split("## Evidence")[0]
    assert f"**Verdict:** {answer['verdict']}" in section
    evidence = pd.read_csv(run / "evidence.csv", dtype={"paper_id": str})
    assert sorted(evidence["ref"]) == list(range(1, len(included) + 1))

"""Injection: titles, abstracts, author names, URLs and the question carrying HTML,
JavaScript, Markdown and LaTeX render inert in report.html and report.md, and parameter
strings with quotes, backslashes and newlines reach the notebooks as data (papermill writes
them as literals), never as code.

One real pipeline run on a hostile corpus (module fixture), plus a fast check of
``render_report`` on report text built from hostile rows.
"""

from __future__ import annotations

import ast
import copy
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from synth import references, report
from synth.cli import main
from synth.run.render import render_report

from conftest import ROOT
from corpus import OFF_TOPIC, ON_TOPIC, write_corpus

SMOKE = str(ROOT / "params" / "smoke.yaml")
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MD_LINK = "[x](javascript:alert(1))"
LATEX = "$\\input{/etc/passwd}$"
BAD_URL = 'https://example.org/"><script>alert(5)</script>'
BAD_URL_2 = "https://example.org/<img src=x onerror=alert(9)>"
AUTOLINK = "<https://evil.example/x>"
CONTROLS = "\x00\x07\x1b\x7f\u202e"
CONTROL_RE = "[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"


def _question(marker: Path) -> str:
    return (
        'Does "temporal" modelling\\ improve text-video retrieval on MSR-VTT and DiDeMo '
        f"{SCRIPT} {MD_LINK}{CONTROLS}?\n\"); import os; os.system('touch {marker}'); (\""
    )


def _hostile_records() -> list[dict]:
    records = copy.deepcopy(ON_TOPIC + OFF_TOPIC)
    by_id = {r["id"]: r for r in records}
    r = by_id["2501.00001v2"]
    r["title"] = f"Temporal Token Merging {SCRIPT} for Text-Video Retrieval {AUTOLINK}"
    r["authors"] = [f"Ada {IMG}", "Alan **Turing** | x", f"Grace{CONTROLS} Hopper"]
    r["summary"] = r["summary"].replace("TempMerge\nachieves", f"TempMerge {SCRIPT}\nachieves")
    r["summary"] += f" Code: {MD_LINK}."
    r = by_id["2502.00002"]
    r["title"] = f"Is Frame Averaging {LATEX} All You Need for Video Retrieval?"
    r["summary"] = f'<iframe src="javascript:alert(3)"></iframe> {r["summary"]} {LATEX}'
    r["url"] = BAD_URL
    r = by_id["2503.00003"]
    r["authors"] = ["Katherine `Johnson`", "Dorothy \\Vaughan", "Mary ]](javascript:alert(4))"]
    r["url"] = BAD_URL_2
    r = by_id["2505.00005"]
    r["title"] = "# Paragraph-to-Video Retrieval on DiDeMo ![i](x onerror=alert(7))"
    r["summary"] = r["summary"].replace(
        "MomentRet outperforms", '<a href="javascript:alert(6)">MomentRet</a> outperforms'
    )
    return records


def _assert_inert_html(html: str) -> None:
    body = html.split("<body", 1)[1]
    assert not re.search(r"<\s*script", html, re.IGNORECASE), "live <script> tag"
    assert not re.search(r"<\s*iframe", html, re.IGNORECASE)
    assert not re.search(r"<[a-zA-Z][^>]*\son\w+\s*=", html), "event handler inside a tag"
    # inside a real tag: escaped text such as &lt;a href="javascript:..."&gt; is inert
    assert not re.search(
        r"""<[a-zA-Z][^>]*\b(href|src)\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE
    )
    for tag in re.findall(r"<img\b[^>]*>", body, re.IGNORECASE):
        assert 'src="data:image/png;base64' in tag, tag
    tags = " ".join(re.findall(r"<[a-zA-Z][^>]*>", body))
    for href in re.findall(r"""href\s*=\s*["']([^"']*)""", tags):
        assert href.startswith(("https://", "http://", "#")), href


def _assert_inert_md(md: str) -> None:
    assert not re.search(r"<\s*(script|img|iframe|a)\b", md, re.IGNORECASE), "raw HTML tag"
    assert not re.search(r"<[a-zA-Z][^>\n]*\son\w+\s*=", md), "event handler in a raw tag"
    assert not re.search(r"(?<!\\)\]\(\s*javascript:", md, re.IGNORECASE), "javascript: link"
    assert "$\\input" not in md  # math is escaped: \$\\input


# ------------------------------------------------------------------ fast: render_report


def test_template_itself_has_no_script_and_no_external_resource(tmp_path):
    nb = new_notebook(
        cells=[
            new_code_cell(
                "x",
                outputs=[
                    new_output(
                        "display_data",
                        data={"text/markdown": "# Title\n\nplain text", "text/plain": "x"},
                    )
                ],
            )
        ]
    )
    nbformat.write(nb, tmp_path / "60_report.ipynb")
    render_report(tmp_path / "60_report.ipynb", "A plain question?", tmp_path)
    html = (tmp_path / "report.html").read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)


def test_report_text_from_hostile_rows_renders_inert(tmp_path):
    included = pd.DataFrame(
        [
            {
                "paper_id": "p1",
                "version": None,
                "title": f"T {SCRIPT} {LATEX}",
                "year": 2024,
                "authors": f"Ada {IMG}; B",
                "url": BAD_URL,
                "source": "jsonl",
                "rank": 1,
                "score": 1.0,
                "coverage": 1.0,
            },
            {
                "paper_id": "p2",
                "version": None,
                "title": MD_LINK,
                "year": 2023,
                "authors": "C",
                "url": BAD_URL_2,
                "source": "jsonl",
                "rank": 2,
                "score": 0.5,
                "coverage": 0.5,
            },
        ]
    )
    question = f'Q "</title>{SCRIPT} {MD_LINK} {LATEX}'
    md = "\n\n".join(
        [
            "# " + report.md_escape(question),
            report.to_markdown_table(report.included_table(included)),
            references.references_md(included),
        ]
    )
    html, md_out = render_markdown(md, question, tmp_path)
    _assert_inert_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not dropped
    _assert_inert_md(md_out)


def render_markdown(md: str, question: str, folder: Path) -> tuple[str, str]:
    """``md`` as the output of a one-cell report notebook in ``folder``, rendered by the
    runner's own ``render_report``: (report.html, report.md)."""
    output = new_output("display_data", data={"text/markdown": md, "text/plain": "x"})
    nbformat.write(
        new_notebook(cells=[new_code_cell("x", outputs=[output])]), folder / "60_report.ipynb"
    )
    render_report(folder / "60_report.ipynb", question, folder)
    return (folder / "report.html").read_text(), (folder / "report.md").read_text()


# ------------------------------------------------------------------ a whole hostile run


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict:
    tmp = tmp_path_factory.mktemp("injection")
    weird = tmp / 'we"ird \\ dir\nname'  # quotes, a backslash and a newline in paths
    weird.mkdir()
    corpus = write_corpus(weird / "hostile.jsonl", _hostile_records())
    marker = tmp / "PWNED"
    out = weird / "run \"'$(touch PWNED)"
    question = _question(marker)
    # every paper that names the question's terms is included, so all the hostile text
    # reaches the report (the hostile question's markup would otherwise cost them the cut)
    params = tmp / "open.yaml"
    params.write_text(
        Path(SMOKE)
        .read_text(encoding="utf-8")
        .replace("screen:", "screen:\n  topic_cutoff: 0.0\n  min_relative_score: 0.0", 1),
        encoding="utf-8",
    )
    code = main(
        [
            "run",
            "--params",
            str(params),
            "--corpus",
            str(corpus),
            "--question",
            question,
            "--out",
            str(out),
            "--quiet",
        ]
    )
    return {
        "code": code,
        "out": out,
        "question": question,
        "marker": marker,
        "tmp": tmp,
        "corpus": corpus,
    }


def test_hostile_run_succeeds_and_nothing_executed(hostile):
    assert hostile["code"] == 0
    assert not hostile["marker"].exists()
    assert not list(hostile["tmp"].rglob("PWNED")) and not (ROOT / "notebooks" / "PWNED").exists()


def test_parameters_reach_the_notebooks_as_data(hostile):
    out = hostile["out"]
    # the CLI collapses whitespace and drops control characters
    expected = " ".join(re.sub(CONTROL_RE, "", hostile["question"]).split())
    for name in ("10_search", "30_claims", "60_report"):
        nb = nbformat.read(out / "notebooks" / f"{name}.ipynb", as_version=4)
        cell = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
        values = {
            node.targets[0].id: ast.literal_eval(node.value)
            for node in ast.parse(cell.source).body
            if isinstance(node, ast.Assign)
        }
        assert values.get("question", expected) == expected  # only 10_search takes it
        assert values["run_dir"] == str(out)
        assert not [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert json.loads((out / "question.json").read_text())["question"] == expected
    recorded = json.loads((out / "params" / "search.json").read_text())
    assert recorded["question"] == expected and recorded["corpus"] == str(hostile["corpus"])


def test_hostile_report_html_is_inert(hostile):
    html = (hostile["out"] / "report.html").read_text()
    _assert_inert_html(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    title = re.search(r"<title>(.*?)</title>", html, re.DOTALL).group(1)
    assert "<" not in title and "&lt;script&gt;" in title


def test_hostile_report_md_shows_markup_as_escaped_text(hostile):
    md = (hostile["out"] / "report.md").read_text()
    _assert_inert_md(md)
    assert "&lt;script&gt;alert\\(1\\)&lt;/script&gt;" in md
    assert "\\$\\\\input\\{/etc/passwd\\}\\$" in md
    assert "\\[x\\]\\(javascript:alert\\(1\\)\\)" in md
    assert md.lstrip().startswith('# Does "temporal" modelling\\\\ improve')


def test_hostile_strings_survive_into_the_tables_unchanged(hostile):
    papers = pd.read_parquet(hostile["out"] / "papers.parquet").set_index("paper_id")
    assert SCRIPT in papers.loc["2501.00001", "title"]
    assert IMG in papers.loc["2501.00001", "authors"]
    assert LATEX in papers.loc["2502.00002", "title"]


def test_hostile_urls_are_no_links_and_no_control_characters_anywhere(hostile):
    """Issue 20, 18: ``<https://evil.example/x>`` in a title is shown, never linked; the
    control characters of the question and of an author reach no output."""
    out = hostile["out"]
    html, md = (out / "report.html").read_text(), (out / "report.md").read_text()
    bib = (out / "references.bib").read_text()
    assert "&lt;https://evil.example/x&gt;" in html
    assert not re.search(r"href\s*=\s*[\"']?https?://evil", html)
    assert "&lt;https\\://evil.example/x&gt;" in md
    for text in (html, md, bib):
        assert not re.search(CONTROL_RE, text)
    assert "Grace Hopper" in bib

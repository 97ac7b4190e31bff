"""`synth compare`: the same question under two params files, side by side."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from synth.cli import main

from conftest import ROOT
from corpus import write_corpus


@pytest.mark.slow
def test_compare_runs_both_param_sets_and_renders_the_comparison(tmp_path, capsys):
    corpus = write_corpus(tmp_path / "corpus.jsonl")
    narrow = tmp_path / "narrow.yaml"
    narrow.write_text(
        (ROOT / "params" / "smoke.yaml").read_text().replace("max_included: 8", "max_included: 2")
    )
    out_root = tmp_path / "out"
    code = main(
        [
            "compare",
            str(ROOT / "params" / "smoke.yaml"),
            str(narrow),
            "--corpus",
            str(corpus),
            "--out-root",
            str(out_root),
            "--quiet",
        ]
    )
    assert code == 0
    folder = next(out_root.glob("compare_*"))
    smoke = pd.read_csv(folder / "smoke" / "papers.csv")
    small = pd.read_csv(folder / "narrow" / "papers.csv")
    assert small["included"].sum() == 2 < smoke["included"].sum()
    html = (folder / "compare.html").read_text()
    assert "narrow" in html and "smoke" in html
    assert html.count("data:image/png;base64") >= 4  # overlap, verdicts, reviews, timings
    assert not re.search(r"""<script[^>]+src=["']?https?://""", html)
    assert str(folder / "compare.html") in capsys.readouterr().out

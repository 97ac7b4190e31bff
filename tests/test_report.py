from __future__ import annotations

import bibtexparser
import pandas as pd

from synth import references, report
from synth.sources import make_papers

EVIL = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    "[link](javascript:x) $\\times$ **b** # h | c"
)


def _included():
    papers = make_papers(
        [
            {
                "paper_id": "2501.00001",
                "version": 2,
                "title": "Temporal {Merging} & 50% of $x_1$",
                "authors": "Ada Lovelace; Alan Turing",
                "year": 2025,
                "source": "arxiv",
                "url": "https://arxiv.org/abs/2501.00001",
            },
            {
                "paper_id": "local-7",
                "title": EVIL,
                "authors": "O'Brien, Jr.; Zoë Ünal",
                "year": None,
                "source": "jsonl",
            },
        ]
    )
    return papers.assign(included=True, rank=[1, 2], score=[3.0, 1.0], coverage=[0.5, 0.1])


def test_md_escape_leaves_no_live_markup():
    out = report.md_escape(EVIL)
    assert "<" not in out and ">" not in out
    assert "\\[link\\]\\(javascript:x\\)" in out
    assert "\\$" in out and "\\*\\*b\\*\\*" in out and "\\|" in out and "\\#" in out
    assert "\n" not in report.md_escape("a\n# heading\n\n- item")


def test_md_escape_limit_cuts_titles_at_a_word_with_an_ellipsis():
    assert report.md_escape("alpha beta gamma delta", limit=12) == "alpha beta …"


def test_bibtex_parses_back_with_every_paper_once():
    included = _included()
    bib = references.to_bibtex(included)
    library = bibtexparser.parse_string(bib)
    assert not library.failed_blocks
    assert len(library.entries) == 2
    keys = [e.key for e in library.entries]
    assert len(set(keys)) == 2
    arxiv = next(e for e in library.entries if "eprint" in e.fields_dict)
    assert arxiv.fields_dict["eprint"].value == "2501.00001"
    assert arxiv.fields_dict["year"].value == "2025"
    assert (
        "\\&" in arxiv.fields_dict["title"].value
        and "\\{Merging\\}" in arxiv.fields_dict["title"].value
    )


def test_references_list_each_included_paper_once_with_version():
    refs = references.references_md(_included())
    lines = refs.splitlines()
    assert len(lines) == 2
    assert "arXiv:2501.00001v2" in lines[0] and "<https://arxiv.org/abs/2501.00001>" in lines[0]
    assert "<script>" not in refs and "&lt;script&gt;" in refs
    assert "n.d." in lines[1]


def test_facts_and_text_agree_with_tables():
    papers = _included().assign(included=[True, False], exclusion_reason=["", "beyond the top 1"])
    claims = pd.DataFrame(
        {
            "claim_id": ["c1", "c2", "c3"],
            "paper_id": ["2501.00001"] * 3,
            "text": ["A is 1.", "B is 2.", "C is 3."],
        }
    )
    verdicts = pd.DataFrame(
        {
            "claim_id": ["c1", "c2", "c3"],
            "label": ["SUPPORTED", "UNVERIFIED", "UNVERIFIED"],
            "confidence": [0.9, 0.6, 0.3],
            "evidence_sentence": ["e", "", ""],
            "evidence_paper_id": ["x", "", ""],
        }
    )
    queries = pd.DataFrame(
        {"query": ["q"], "returned": [2], "complete": [True], "from_cache": [False]}
    )
    review = {
        "reviewers": [{"name": "a", "score": 6.0, "rationale": "r"}],
        "overall": 6.0,
        "spread": 0.0,
    }
    facts = report.compute_facts(
        papers,
        claims,
        verdicts,
        review,
        {
            "identified": 3,
            "duplicates_removed": 1,
            "source": "arXiv API",
            "searched_on": "2026-11-25",
        },
        queries,
    )
    assert facts["included"] == 1 and facts["claims"] == 3 and facts["supported"] == 1
    assert facts["unverified"] == 2 and facts["mean_confidence"] == 0.6
    text = report.abstract_text("Why?", facts)
    assert "identified 3 records" in text and "1 duplicate " in text and "1 paper" in text
    assert "3 check-worthy claims: 1 supported and 0 contradicted" in text
    assert "2 left unverified (mean confidence 0.60)" in text
    table = report.claims_table(claims, verdicts, papers)
    assert table["verdict"].tolist()[0] == "SUPPORTED"
    assert set(table["claim"]) == {"A is 1.", "B is 2.", "C is 3."}

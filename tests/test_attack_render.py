"""Issue 20, rendering: references.bib stays valid BibTeX whatever braces a title or author
holds (11), and untrusted text never becomes a live link or carries control characters
into report.html, report.md or references.bib (18).

BibTeX counts every brace, backslash or not (``a\\}`` closes a group), so the check here is
a small parser that does the same; pybtex is used as well where it is installed.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from test_injection import render_markdown

from synth import references, report
from synth.config import check_question
from synth.markdown import md_escape, md_text

HOSTILE_TITLES = [
    r"Robust estimation: a\} case",
    "Open { brace and close } brace } twice",
    r"Sets {x | x > 0} and \{y\} with 100% of $5 for a_b ~ c^2",
    "}{ reversed",
    "Back\\slash at the end \\",
]
HOSTILE_AUTHORS = ["Ada } Lovelace; Grace { Hopper", "Kurt\\} G\u00f6del", "A; B", "C", "D"]
CONTROLS = "\x00\x07\x1b\x7f\x9b\u202e"

_UNESCAPE = [
    (r"\textbraceleft{}", "{"),
    (r"\textbraceright{}", "}"),
    (r"\textasciitilde{}", "~"),
    (r"\textasciicircum{}", "^"),
    (r"\textbackslash{}", "\\"),
    (r"\{", "{"),
    (r"\}", "}"),
] + [("\\" + c, c) for c in "%&#$_"]


def _brace_group(text: str, start: int) -> int:
    """Index just after the group opened at ``text[start] == "{"``, counting braces as
    BibTeX does: every ``{`` and ``}``, whether a backslash precedes it or not."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        if depth == 0:
            return i + 1
    raise ValueError(f"unbalanced group from {start}")


def bibtex_entries(text: str) -> list[tuple[str, dict[str, str]]]:
    """(key, fields) per ``@type{key, name = {value}, ...}`` entry, read with BibTeX's brace
    counting; a field that ends early or an entry that does not close raises ValueError."""
    entries = []
    for match in re.finditer(r"@(\w+)\{", text):
        end = _brace_group(text, match.end() - 1)
        body = text[match.end() : end - 1]
        key, _, rest = body.partition(",")
        fields, pos = {}, 0
        while rest[pos:].strip():
            m = re.compile(r"\s*(\w+) = \{").match(rest, pos)
            if m is None:
                raise ValueError(f"{key}: junk after a field: {rest[pos : pos + 40]!r}")
            close = _brace_group(rest, m.end() - 1)
            fields[m.group(1)] = rest[m.end() : close - 1]
            sep = re.compile(r"\s*(,|$)").match(rest, close)
            if sep is None or (sep.group(1) == "" and rest[sep.end() :].strip()):
                raise ValueError(f"{key}: field {m.group(1)} ends early: {rest[close:][:40]!r}")
            pos = sep.end()
        entries.append((key.strip(), fields))
    return entries


def _unescape(value: str) -> str:
    """What LaTeX would print for an escaped field value (one pass, left to right)."""
    plain = dict(_UNESCAPE)
    pattern = "|".join(re.escape(e) for e, _ in _UNESCAPE)
    return re.sub(pattern, lambda m: plain[m.group(0)], value)


def _included(titles: list[str], authors: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "paper_id": [f"2501.0000{i}" for i in range(len(titles))],
            "version": [1] * len(titles),
            "title": titles,
            "authors": authors,
            "year": [2024] * len(titles),
            "url": [f"https://arxiv.org/abs/2501.0000{i}" for i in range(len(titles))],
            "source": ["arxiv"] * len(titles),
        }
    )


# ------------------------------------------------------------- 11: references.bib


def test_the_brace_counter_rejects_what_the_old_escaping_wrote():
    old = "@misc{k,\n  title = {Robust estimation: a\\textbackslash \\} case},\n  year = {2024}\n}"
    with pytest.raises(ValueError):
        bibtex_entries(old)


def test_references_bib_is_valid_bibtex_for_stray_and_escaped_braces():
    bib = references.to_bibtex(_included(HOSTILE_TITLES, HOSTILE_AUTHORS))
    entries = bibtex_entries(bib)
    assert len(entries) == len(HOSTILE_TITLES)
    for (_, fields), title, authors in zip(entries, HOSTILE_TITLES, HOSTILE_AUTHORS, strict=True):
        assert set(fields) == {"title", "author", "year", "eprint", "archivePrefix", "note", "url"}
        assert _unescape(fields["title"]) == " ".join(title.split())
        names = [a.strip() for a in authors.split(";")]
        assert [_unescape(a) for a in fields["author"].split(" and ")] == names


def test_references_bib_parses_with_pybtex():
    pybtex = pytest.importorskip("pybtex.database")
    bib = references.to_bibtex(_included(HOSTILE_TITLES, HOSTILE_AUTHORS))
    data = pybtex.parse_string(bib, "bibtex")
    assert len(data.entries) == len(HOSTILE_TITLES)
    titles = [_unescape(e.fields["title"]) for e in data.entries.values()]
    assert titles == [" ".join(t.split()) for t in HOSTILE_TITLES]


# ------------------------------------------------------------- 18: links and controls


def test_bare_urls_in_untrusted_text_are_no_links_in_report_html_or_md(tmp_path):
    text = f"See <https://evil.example/x> or www.evil.example and HTTP://B.example/{CONTROLS}!"
    question = check_question(f"Does temporal{CONTROLS} modelling help retrieval?")
    assert question == "Does temporal modelling help retrieval?"  # stripped where it comes in
    md = "\n\n".join(
        [
            "# " + report.md_escape(question),
            md_text(text),
            report.to_markdown_table(pd.DataFrame({"title": [md_escape(text, limit=200)]})),
            references.references_md(_included([text], [f"Ada{CONTROLS} Lovelace"])),
        ]
    )
    html, md_out = render_markdown(md, question, tmp_path)
    body = html.split("<body", 1)[1]
    hrefs = [h for h in re.findall(r"""href\s*=\s*["']?([^"' >]+)""", body) if h[0] != "#"]
    assert hrefs == ["https://arxiv.org/abs/2501.00000"]  # only the reference's own link
    assert "See &lt;https://evil.example/x&gt; or www.evil.example and HTTP://B.example/!" in body
    assert "https\\://evil.example/x" in md_out and "www\\.evil.example" in md_out
    for out in (html, md_out):
        assert not re.search("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e]", out)


def test_control_characters_never_reach_references_bib():
    bib = references.to_bibtex(_included([f"Title{CONTROLS} here"], [f"Ada{CONTROLS} L"]))
    assert not re.search("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e]", bib)
    assert "title = {Title here}" in bib and "author = {Ada L}" in bib

"""References of the included papers: numbered Markdown entries for the report and BibTeX
for ``references.bib``, with every untrusted string escaped for its target."""

from __future__ import annotations

import re

import pandas as pd

from synth.markdown import md_escape, safe_url
from synth.text import strip_controls


def reference_key(row: pd.Series) -> str:
    first = str(row["authors"]).split(";")[0].strip().split(" ")[-1] or "anon"
    year = "" if pd.isna(row["year"]) else str(int(row["year"]))
    return (
        re.sub(r"[^A-Za-z0-9]", "", f"{first}{year}")
        + "_"
        + re.sub(r"[^A-Za-z0-9]", "", str(row["paper_id"]))
    )


def references_md(included: pd.DataFrame) -> str:
    """One numbered reference per included paper: authors (year). Title. id and version, link."""
    lines = []
    for i, row in enumerate(included.itertuples(index=False), 1):
        authors = [a.strip() for a in str(row.authors).split(";") if a.strip()]
        who = ", ".join(authors[:6]) + (" et al." if len(authors) > 6 else "") or "Anonymous"
        year = "n.d." if pd.isna(row.year) else str(int(row.year))
        ident = (
            f"arXiv:{row.paper_id}" + (f"v{int(row.version)}" if not pd.isna(row.version) else "")
            if row.source == "arxiv" or "arxiv.org" in str(row.url)
            else str(row.paper_id)
        )
        url = safe_url(row.url)
        link = f" <{url}>" if url else ""
        lines.append(
            f"{i}. {md_escape(who)} ({year}). {md_escape(row.title)}. {md_escape(ident)}.{link}"
        )
    return "\n".join(lines) if lines else "_No paper was included._"


_BIB_AFTER = {"~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bib_braces(text: str) -> str:
    """Braces that pair up become ``\\{`` and ``\\}``; a stray one becomes
    ``\\textbraceleft{}`` or ``\\textbraceright{}``. BibTeX counts every brace, backslash
    or not, so only this keeps a field's braces balanced whatever the text holds."""
    opens: list[int] = []
    paired: set[int] = set()
    for i, ch in enumerate(text):
        if ch == "{":
            opens.append(i)
        elif ch == "}" and opens:
            paired.update((opens.pop(), i))
    stray = {"{": r"\textbraceleft{}", "}": r"\textbraceright{}"}
    return "".join(
        ("\\" + ch if i in paired else stray[ch]) if ch in stray else ch
        for i, ch in enumerate(text)
    )


def _bib_escape(text: object) -> str:
    """Untrusted text as a BibTeX field value that LaTeX prints as the text itself:
    control characters dropped, braces balanced (``_bib_braces``), special characters
    escaped."""
    s = " ".join(strip_controls(str(text)).split())
    s = _bib_braces(s.replace("\\", "\x00")).replace("\x00", r"\textbackslash{}")
    s = re.sub(r"([%&#$_])", r"\\\1", s)
    return re.sub(r"[~^]", lambda m: _BIB_AFTER[m.group(0)], s)


def to_bibtex(included: pd.DataFrame) -> str:
    """BibTeX for the included papers (``@misc`` with eprint fields for arXiv papers)."""
    entries, seen = [], set()
    for _, row in included.iterrows():
        key = reference_key(row)
        while key in seen:
            key += "x"
        seen.add(key)
        fields = {
            "title": _bib_escape(row["title"]),
            "author": " and ".join(
                _bib_escape(a.strip()) for a in str(row["authors"]).split(";") if a.strip()
            ),
        }
        if not pd.isna(row["year"]):
            fields["year"] = str(int(row["year"]))
        if row["source"] == "arxiv" or "arxiv.org" in str(row["url"]):
            fields.update(eprint=_bib_escape(row["paper_id"]), archivePrefix="arXiv")
            if not pd.isna(row["version"]):
                fields["note"] = f"version {int(row['version'])}"
        if safe_url(row["url"]):
            fields["url"] = _bib_escape(safe_url(row["url"]))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields.items() if v)
        entries.append(f"@misc{{{key},\n{body}\n}}")
    return "\n\n".join(entries) + ("\n" if entries else "")

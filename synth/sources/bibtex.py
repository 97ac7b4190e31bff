"""Read BibTeX files (via bibtexparser 2): LaTeX markup stripped, ``Last, First`` names
turned around, arXiv ``eprint`` or DOI used as the id, else the entry key.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from synth.sources import records
from synth.sources.records import Context, Item, parse_arxiv_id


def read_bibtex(ctx: Context) -> Iterator[Item]:
    """One item per entry; record ref = entry key (or ``line N`` for failed blocks)."""
    import bibtexparser
    from bibtexparser.model import Entry, ParsingFailedBlock

    text = records.read_text(ctx.path)
    try:
        library = bibtexparser.parse_string(text)
    except Exception as err:  # noqa: BLE001 - the parser's own failure is a skip
        yield "file", ("malformed BibTeX", records.error_detail(err))
        return
    for block in library.blocks:
        if isinstance(block, Entry):
            yield records.build_row(ctx, block.key, "bibtex", lambda b=block: _bib_fields(b))
        elif isinstance(block, ParsingFailedBlock):
            reason = (
                "duplicate BibTeX key"
                if "Duplicate" in type(block).__name__
                else "malformed BibTeX entry"
            )
            error = getattr(block, "error", None)
            detail = records.clean(str(getattr(error, "abort_reason", None) or error or ""))[:200]
            yield f"line {block.start_line + 1}", (reason, detail)


def _strip_latex(text: str) -> str:
    text = re.sub(r"\\[a-zA-Z]+\s*|\\(.)", lambda m: m.group(1) or "", text)
    return records.clean(text.replace("{", "").replace("}", "").replace("~", " "))


def _bib_authors(value: str) -> str:
    """``"Last, First and Other, A."`` → ``"First Last; A. Other"``."""
    names = [records.first_last(part) for part in re.split(r"\s+and\s+", _strip_latex(value))]
    return "; ".join(n for n in names if n)


def _bib_fields(entry: Any) -> dict[str, Any]:
    fields = {k.lower(): str(f.value) for k, f in entry.fields_dict.items()}
    eprint = parse_arxiv_id(fields.get("eprint", "")) or parse_arxiv_id(fields.get("arxiv", ""))
    doi = re.sub(r"^https?://(dx\.)?doi\.org/", "", fields.get("doi", "").strip())
    paper_id = (
        (f"{eprint[0]}v{eprint[1]}" if eprint and eprint[1] else eprint[0])
        if eprint
        else (doi or entry.key)
    )
    url = fields.get("url", "") or (f"https://doi.org/{doi}" if doi and not eprint else "")
    return {
        "paper_id": paper_id,
        "title": _strip_latex(fields.get("title", "")),
        "abstract": _strip_latex(fields.get("abstract", "")),
        "url": url,
        "authors": _bib_authors(fields.get("author", "")),
        "year": fields.get("year", ""),
        "published": fields.get("date", ""),
    }

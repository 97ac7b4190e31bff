"""Read PDF files (via pypdf), one paper per file: the id is the file stem, the title comes
from the metadata or the first line, the abstract from an "Abstract" section or the leading
text, and the extracted text is kept as ``full_text``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

from synth.errors import InputError
from synth.sources import records
from synth.sources.records import Context, Item

_ABSTRACT = re.compile(
    r"\babstract\b[\s.:\u2014\u2013-]*(.{40,3000}?)(?=\n\s*(?:\d\.?\s*|I\.\s*)?"
    r"(?:introduction|keywords|index terms)\b|\Z)",
    re.IGNORECASE | re.DOTALL,
)


def read_pdf(ctx: Context) -> Iterator[Item]:
    """One item for the file; record ref = ``1``."""
    if not os.access(ctx.path, os.R_OK):
        raise InputError(f"{ctx.path}: cannot read file (permission denied)")
    fields = _pdf_fields(ctx)
    if isinstance(fields, tuple):
        yield "1", fields
    else:
        yield records.build_row(ctx, "1", "pdf", lambda: fields)


def _pdf_fields(ctx: Context) -> dict[str, Any] | tuple[str, str]:
    """Title, abstract and full text of one PDF, or a (reason, detail) skip."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(ctx.path)
        if reader.is_encrypted and not reader.decrypt(""):
            return "encrypted PDF", "a password is required"
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = records.as_text((reader.metadata or {}).get("/Title"))
    except Exception as err:  # noqa: BLE001 - pypdf raises many types on broken files
        name = type(err).__name__
        reason = "encrypted PDF" if "Decrypt" in name or "Dependency" in name else "corrupt PDF"
        reason = "empty PDF" if name == "EmptyFileError" else reason
        return reason, records.error_detail(err)
    text = "\n".join(pages).replace("\r", "\n").strip()
    if not text and not meta_title.strip():
        return "empty PDF", "no text and no title"
    first_line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    match = _ABSTRACT.search(text[:20_000])
    abstract = match.group(1) if match else text[:1500]
    return {
        "paper_id": ctx.path.stem,
        "title": meta_title.strip() or first_line,
        "abstract": abstract,
        "full_text": text,
    }

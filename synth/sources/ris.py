"""Read RIS files (via rispy), one ``TY`` … ``ER`` entry at a time, so that one broken
entry is a skip and the others still load.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from synth.sources import records
from synth.sources.records import Context, Item


def read_ris(ctx: Context) -> Iterator[Item]:
    """One item per entry; record ref = line number of the TY tag."""
    import rispy

    text = records.read_text(ctx.path).replace("\r\n", "\n").replace("\r", "\n")
    for ref, chunk, closed in _ris_chunks(text):
        if not closed:
            yield ref, ("malformed RIS entry", "no 'ER  -' end tag")
            continue
        try:
            entries = rispy.loads(chunk)
        except Exception as err:  # noqa: BLE001 - rispy raises many types on bad input
            yield ref, ("malformed RIS entry", records.error_detail(err))
            continue
        for record in entries[:1]:
            yield records.build_row(ctx, ref, "ris", lambda r=record: _ris_fields(r))


def _ris_chunks(text: str) -> Iterator[tuple[str, str, bool]]:
    """Split RIS text into (start line, entry text, has ER end tag) chunks."""
    lines, start = [], 0
    for number, line in enumerate(text.splitlines(), start=1):
        if re.match(r"^TY  -", line):
            if lines:
                yield str(start), "\n".join(lines), False
            lines, start = [line], number
        elif lines:
            lines.append(line)
            if re.match(r"^ER  -", line):
                yield str(start), "\n".join(lines), True
                lines = []
    if lines:
        yield str(start), "\n".join(lines), False


def _ris_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    urls = record.get("urls") or []
    doi = records.as_text(record.get("doi"))
    return {
        "paper_id": records.as_text(record.get("id")) or doi,
        "title": record.get("title") or record.get("primary_title"),
        "abstract": record.get("abstract") or record.get("notes_abstract"),
        "authors": [
            records.first_last(records.clean(records.as_text(a)))
            for a in record.get("authors") or record.get("first_authors") or []
        ],
        "year": records.as_text(record.get("year") or record.get("publication_year")),
        "published": records.as_text(record.get("date")),
        "url": records.as_text(urls[0] if isinstance(urls, list) and urls else urls),
    }

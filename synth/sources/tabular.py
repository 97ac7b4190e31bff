"""Read CSV and TSV files with a header row; headers are mapped through ``records.ALIASES``."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

from synth.sources import records
from synth.sources.records import Context, Item


def read_csv(ctx: Context) -> Iterator[Item]:
    """Comma-separated values; record ref = line number of the row."""
    return _read_delimited(ctx, ",")


def read_tsv(ctx: Context) -> Iterator[Item]:
    """Tab-separated values; record ref = line number of the row."""
    return _read_delimited(ctx, "\t")


def _read_delimited(ctx: Context, delimiter: str) -> Iterator[Item]:
    """Rows after the header; a file without a title or abstract column is one skip. Quotes
    are read strictly: a row with an unterminated or stray quote, or with another number of
    cells than the header, is skipped with its reason and reading resumes on the next line,
    so one bad quote never swallows the rows after it."""
    csv.field_size_limit(max(csv.field_size_limit(), ctx.max_chars + 1))
    text = records.read_text(ctx.path).replace("\0", "")
    lines = io.StringIO(text, newline="").readlines()  # \n, \r\n and a lone \r end a line
    rows = _rows(lines, delimiter)
    first = next(rows, None)
    if first is None:
        return
    if isinstance(first[1], csv.Error):
        yield "1", ("malformed CSV row", records.clean(str(first[1])))
        return
    header = [h.strip().lower() for h in first[1]]
    if not {"title", "abstract", "summary", "text"} & set(header):
        yield "1", ("no title or abstract column", f"header: {', '.join(header)[:200]}")
        return
    for number, cells in rows:
        ref = str(number)
        if isinstance(cells, csv.Error):
            yield ref, ("malformed CSV row", records.clean(str(cells)))
        elif len(cells) != len(header) and any(c.strip() for c in cells):
            detail = f"{len(cells)} cells where the header has {len(header)}"
            yield ref, ("malformed CSV row", detail)
        elif any(c.strip() for c in cells):
            record = dict(zip(header, cells, strict=True))
            yield records.build_row(ctx, ref, "csv", lambda r=record: records.pick_fields(r))


def _rows(lines: list[str], delimiter: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(line number where the row starts, its cells) per row; a row the strict reader
    rejects is (its line, the error), and reading starts again on the line after it."""
    start = 0
    while start < len(lines):
        reader = csv.reader(itertools.islice(lines, start, None), delimiter=delimiter, strict=True)
        consumed = 0
        try:
            for cells in reader:
                yield start + consumed + 1, cells
                consumed = reader.line_num
            return
        except csv.Error as err:
            yield start + consumed + 1, err
            start += consumed + 1

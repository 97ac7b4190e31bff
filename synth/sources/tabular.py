"""Read CSV and TSV files with a header row; headers are mapped through ``records.ALIASES``."""

from __future__ import annotations

import csv
import io
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
    """Rows after the header; a file without a title or abstract column is one skip."""
    csv.field_size_limit(max(csv.field_size_limit(), ctx.max_chars + 1))
    text = records.read_text(ctx.path).replace("\0", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as err:
        yield "1", ("malformed CSV row", records.clean(str(err)))
        return
    if not header:
        return
    if not {"title", "abstract", "summary", "text"} & set(header):
        yield "1", ("no title or abstract column", f"header: {', '.join(header)[:200]}")
        return
    while True:
        ref = str(reader.line_num + 1)
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            yield ref, ("malformed CSV row", records.clean(str(err)))
            continue
        if any(c.strip() for c in cells):
            record = dict(zip(header, cells, strict=False))
            yield records.build_row(ctx, ref, "csv", lambda r=record: records.pick_fields(r))

"""Read JSON records: JSON Lines (arXiv-style, BEIR, SciFact) and JSON arrays of records.

Keys are mapped to the papers columns through ``records.ALIASES``; a SciFact-style abstract
given as a list of sentences keeps that list in ``sentences``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from synth.io import open_regular
from synth.sources import records
from synth.sources.records import Context, Item


def read_jsonl(ctx: Context) -> Iterator[Item]:
    """JSON Lines, streamed line by line (``\\n``, ``\\r\\n`` or a lone ``\\r`` ends a
    line); record ref = line number. A line too long for any record is skipped unread."""
    limit = 4 * _line_limit(ctx)  # bytes: a character takes up to 4
    with open_regular(ctx.path) as handle:
        for number, raw in records.iter_lines(handle, limit):
            if raw is None:
                yield str(number), _too_long(ctx)
                continue
            line = records.decode(raw).strip()
            if line:
                yield _json_record(ctx, str(number), line)


def _line_limit(ctx: Context) -> int:
    return 20 * ctx.max_chars + 10_000


def _too_long(ctx: Context) -> tuple[str, str]:
    return "field too long", f"line longer than {20 * ctx.max_chars} characters"


def read_json_array(ctx: Context) -> Iterator[Item]:
    """A file holding one JSON array of records (record ref = index); JSON Lines if the
    whole file is not valid JSON."""
    text = records.read_text(ctx.path)
    try:
        values = json.loads(text)
    except (ValueError, RecursionError):
        yield from (
            _json_record(ctx, str(i), line.strip())
            for i, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1)
            if line.strip()
        )
        return
    values = values if isinstance(values, list) else [values]
    for index, value in enumerate(values):
        yield _json_value(ctx, str(index), value)


def _json_record(ctx: Context, ref: str, line: str) -> Item:
    if len(line) > _line_limit(ctx):
        return ref, _too_long(ctx)
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as err:
        return ref, ("broken JSON", records.clean(str(err))[:200])
    return _json_value(ctx, ref, value)


def _json_value(ctx: Context, ref: str, value: Any) -> Item:
    if not isinstance(value, dict):
        return ref, ("not a JSON object", f"got {type(value).__name__}")
    return records.build_row(ctx, ref, "jsonl", lambda: records.pick_fields(value))

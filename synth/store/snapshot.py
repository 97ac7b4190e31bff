"""arXiv's metadata snapshot (``arxiv-metadata-oai-snapshot.json``), streamed record by record.

One JSON object per line with ``id, submitter, authors, title, comments, journal-ref, doi,
categories, license, abstract, versions, update_date, authors_parsed``; each becomes a papers
row (``synth.sources``) through the loaders' own normalisation, its version the last of
``versions``. The file is never loaded whole.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from synth.errors import InputError
from synth.sources import records
from synth.sources.records import Context, Item

SNAPSHOT_KEYS = frozenset({"id", "abstract", "versions"})


def is_snapshot(path: Path) -> bool:
    """A ``.json``/``.jsonl`` file whose first record has the snapshot's ``id``, ``abstract``
    and ``versions`` keys."""
    if not path.is_file() or path.suffix.lower() not in (".json", ".jsonl"):
        return False
    with open(path, "rb") as handle:
        for raw in handle:
            if raw.strip():
                try:
                    first = json.loads(raw)
                except ValueError:
                    return False
                return isinstance(first, dict) and SNAPSHOT_KEYS <= set(first)
    return False


def snapshot_fields(record: dict[str, Any]) -> dict[str, Any]:
    """The papers fields of one snapshot record (``records.normalize_row``'s input)."""
    versions = record.get("versions") or []
    last = versions[-1].get("version") if versions and isinstance(versions[-1], dict) else None
    return {
        "paper_id": record.get("id"),
        "title": record.get("title"),
        "abstract": record.get("abstract"),
        "authors": record.get("authors"),
        "categories": record.get("categories"),
        "version": last,
    }


def read_snapshot(path: Path, max_chars: int = 200_000) -> Iterator[Item]:
    """Items (line number, papers row or (reason, detail)) of a snapshot file, streamed."""
    ctx = Context(path, path.name, max_chars)
    try:
        handle = open(path, "rb")
    except OSError as err:
        raise InputError(f"{path}: cannot read file ({err.strerror or err})") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                value = json.loads(raw)
            except (ValueError, RecursionError) as err:
                yield str(number), ("broken JSON", records.clean(str(err))[:200])
                continue
            if not isinstance(value, dict):
                yield str(number), ("not a JSON object", f"got {type(value).__name__}")
                continue
            yield records.build_row(ctx, str(number), "arxiv", lambda v=value: snapshot_fields(v))

"""Turn one raw record into a papers row, shared by every format reader.

Holds the reader context and item types, byte reading and decoding, the field aliases for
JSON keys and CSV headers, arXiv id parsing, and the normalisation of titles, authors, dates
and ids. A reader yields items: (record ref, row dict) or (record ref, (reason, detail)).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from synth.errors import InputError
from synth.io import open_regular
from synth.text import strip_controls

# Field aliases for JSON records and CSV headers (lower-cased), first match wins.
ALIASES: dict[str, tuple[str, ...]] = {
    "paper_id": ("id", "paper_id", "_id", "doc_id", "arxiv_id", "doi", "key"),
    "title": ("title",),
    "abstract": ("abstract", "summary", "text"),
    "authors": ("authors", "author"),
    "year": ("year", "publication_year"),
    "published": ("published", "date", "publication_date", "updated"),
    "url": ("abs", "url", "link"),
    "categories": ("categories", "category"),
    "version": ("version",),
}

_NEW_ID = re.compile(r"^(\d{4}\.\d{4,5})(?:v(\d+))?$")
_OLD_ID = re.compile(r"^([a-z][a-z\-]*(?:\.[A-Z]{2})?/\d{7})(?:v(\d+))?$")
_ID_PREFIX = re.compile(r"^(?:arxiv:|https?://(?:export\.)?arxiv\.org/(?:abs|pdf)/)", re.IGNORECASE)
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_EOL = re.compile(rb"\r\n|\r|\n")
MAX_VERSION = 10_000  # arXiv versions are small; anything above is a broken record
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")


@dataclass(frozen=True)
class Context:
    """One file being read: its path, its name as shown in tables, the field length cap."""

    path: Path
    name: str  # file name as shown in tables (relative to the corpus root)
    max_chars: int


# An item from a format reader: (record ref, row dict) or (record ref, (reason, detail)).
Item = tuple[str, "dict[str, Any] | tuple[str, str]"]


def read_bytes(file: Path, size: int = -1) -> bytes:
    """The file's bytes (the first ``size`` only when given); OSError → InputError."""
    try:
        with open_regular(file) as fh:
            return fh.read(size)
    except OSError as err:
        raise InputError(f"{file}: cannot read file ({err.strerror or err})") from err


def decode(data: bytes) -> str:
    """Decode as UTF-8, then UTF-8 with BOM, then Latin-1 (which never fails)."""
    for encoding in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def iter_lines(
    handle: BinaryIO, limit: int, chunk: int = 1 << 20
) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) per line of a binary file whose lines end in ``\\n``, ``\\r\\n``
    or a lone ``\\r``; a line longer than ``limit`` bytes comes as (number, None) and is never
    held in memory whole (a 2 GB line costs ``limit`` bytes)."""
    number, parts, size, cr_pending = 1, [], 0, False
    while block := handle.read(chunk):
        if cr_pending and block.startswith(b"\n"):
            block = block[1:]  # the \n of a \r\n split between two reads
        cr_pending, start = False, 0
        for match in _EOL.finditer(block):
            piece = block[start : match.start()]
            yield number, None if size + len(piece) > limit else b"".join([*parts, piece])
            number, parts, size, start = number + 1, [], 0, match.end()
            cr_pending = match.group() == b"\r" and match.end() == len(block)
        rest = block[start:]
        size += len(rest)
        parts = [] if size > limit else [*parts, rest]
    if size:
        yield number, None if size > limit else b"".join(parts)


def read_text(file: Path) -> str:
    """The whole file as text (see ``read_bytes`` and ``decode``)."""
    return decode(read_bytes(file))


def clean(text: str) -> str:
    """Collapse whitespace and hard line wraps into single spaces; drop control characters."""
    return " ".join(strip_controls(text).split())


def as_text(value: Any) -> str:
    """Any JSON-ish value as text: lists joined by spaces, None as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(as_text(v) for v in value)
    if isinstance(value, Mapping):
        return as_text(value.get("name", ""))
    return str(value)


def error_detail(err: BaseException) -> str:
    """``"TypeName: message"``, whitespace collapsed, message cut at 200 characters."""
    return f"{type(err).__name__}: {clean(str(err))[:200]}"


def parse_arxiv_id(raw: str) -> tuple[str, int | None] | None:
    """``2503.19009v2`` → (``2503.19009``, 2); old style ``hep-th/9901001v1`` too; else None."""
    text = _ID_PREFIX.sub("", raw.strip())
    match = _NEW_ID.match(text) or _OLD_ID.match(text)
    if match is None:
        return None
    return match.group(1), int(match.group(2)) if match.group(2) else None


def _year_from_arxiv_id(arxiv_id: str) -> int | None:
    digits = arxiv_id.split("/")[-1]
    yy = int(digits[:2])
    if "/" in arxiv_id:
        return 1900 + yy if yy >= 91 else 2000 + yy
    return 2000 + yy


def first_last(name: str) -> str:
    """``"Last, First"`` → ``"First Last"``; other names unchanged."""
    bits = [b.strip() for b in name.split(",")]
    return " ".join(bits[1:] + bits[:1]) if len(bits) > 1 else bits[0]


def _authors(value: Any) -> str:
    """Author list or string → ``"A; B; C"``."""
    if isinstance(value, (list, tuple)):
        names = [clean(as_text(v)) for v in value]
    else:
        text = clean(as_text(value))
        parts = text.split(";") if ";" in text else re.split(r",| and ", text)
        names = [p.strip() for p in parts]
    return "; ".join(n for n in names if n)


def _categories(value: Any) -> str:
    text = as_text(value) if isinstance(value, (list, tuple)) else str(value or "")
    return " ".join(dict.fromkeys(text.replace(",", " ").split()))


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip().lstrip("v"))
    except (TypeError, ValueError):
        return None


def normalize_row(
    fields: Mapping[str, Any],
    source: str,
    ctx: Context,
    ref: str,
) -> dict[str, Any] | tuple[str, str]:
    """Turn raw fields (PAPER_COLUMNS names) into a papers row, or a (reason, detail) skip."""
    abstract_raw = fields.get("abstract")
    sentences = None
    if isinstance(abstract_raw, list):
        sentences = [clean(as_text(s)) for s in abstract_raw]
        abstract_raw = " ".join(sentences)
    row: dict[str, Any] = {
        "title": clean(as_text(fields.get("title"))),
        "abstract": clean(as_text(abstract_raw)),
        "authors": _authors(fields.get("authors")),
        "categories": _categories(fields.get("categories")),
        "source": source,
        "source_file": ctx.name,
        "full_text": strip_controls(as_text(fields.get("full_text"))),
        "sentences": sentences,
    }
    if not row["title"] and not row["abstract"]:
        return "no title or abstract", "record has neither a title nor an abstract"
    too_long = [k for k, v in row.items() if isinstance(v, str) and len(v) > ctx.max_chars]
    if too_long:
        return "field too long", f"{too_long[0]} longer than {ctx.max_chars} characters"
    raw_id = clean(as_text(fields.get("paper_id")))
    arxiv = parse_arxiv_id(raw_id) if raw_id else None
    row["paper_id"] = arxiv[0] if arxiv else (raw_id or f"{ctx.name}:{ref}")
    version = arxiv[1] if arxiv else None
    row["version"] = version if version is not None else _int(fields.get("version"))
    if row["version"] is not None and not 0 <= row["version"] <= MAX_VERSION:
        return "bad version", f"version {str(row['version'])[:40]} is not 0 to {MAX_VERSION}"
    published = _DATE.search(as_text(fields.get("published")))
    row["published"] = published.group(0) if published else ""
    year = _YEAR.search(as_text(fields.get("year")) or row["published"])
    row["year"] = int(year.group(1)) if year else (_year_from_arxiv_id(arxiv[0]) if arxiv else None)
    url = clean(as_text(fields.get("url")))
    row["url"] = url or (f"https://arxiv.org/abs/{arxiv[0]}" if arxiv else "")
    return row


def pick_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    """Map a record's keys (case-insensitive, via ALIASES) to PAPER_COLUMNS names."""
    lowered = {str(k).strip().lower(): v for k, v in record.items()}
    out: dict[str, Any] = {}
    for column, names in ALIASES.items():
        for name in names:
            value = lowered.get(name)
            if value not in (None, "", []):
                out[column] = value
                break
    return out


def build_row(
    ctx: Context,
    ref: str,
    source: str,
    fields: Callable[[], Mapping[str, Any]],
) -> Item:
    """The item for one record: ``fields()`` normalised into a papers row tagged ``source``;
    any unexpected error on the way becomes a skip instead of a crash."""
    try:
        return ref, normalize_row(fields(), source, ctx, ref)
    except Exception as err:  # noqa: BLE001 - one bad record must never stop a load
        return ref, ("unreadable record", error_detail(err))

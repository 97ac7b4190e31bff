"""Load a local corpus (one file or a directory) into the shared papers table.

Formats by extension, sniffed where ambiguous: ``.jsonl``/``.json`` (JSON Lines, or a JSON
array in a ``.json`` file), ``.csv``/``.tsv`` (delimiter sniffed), ``.bib``, ``.ris`` and
``.pdf``. Bad records are skipped with a reason, never fatal; only problems the user must fix
(missing path, unsupported file, nothing loadable, unreadable file) raise ``InputError``.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from synth.errors import InputError
from synth.sources import PAPER_COLUMNS, dedupe_papers, make_papers

FORMATS: dict[str, str] = {
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
    ".bib": "bibtex",
    ".ris": "ris",
    ".pdf": "pdf",
}
FILE_COLUMNS = ["file", "format", "records", "loaded", "skipped"]
SKIP_COLUMNS = ["file", "record", "reason", "detail"]

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
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|2\d\d\d)(?!\d)")
_ABSTRACT = re.compile(
    r"\babstract\b[\s.:\u2014\u2013-]*(.{40,3000}?)(?=\n\s*(?:\d\.?\s*|I\.\s*)?"
    r"(?:introduction|keywords|index terms)\b|\Z)",
    re.IGNORECASE | re.DOTALL,
)


@dataclass(frozen=True)
class LoadResult:
    """What ``load_corpus`` read.

    papers: PAPER_COLUMNS, deduplicated with ``dedupe_papers``.
    files: one row per file seen: file, format, records, loaded, skipped.
    skipped: one row per skipped record: file, record (line no./key/index), reason, detail.
    duplicates: rows removed by dedupe.
    """

    papers: pd.DataFrame
    files: pd.DataFrame
    skipped: pd.DataFrame
    duplicates: int


@dataclass(frozen=True)
class _Context:
    path: Path
    name: str  # file name as shown in tables (relative to the corpus root)
    max_chars: int


# An item from a format reader: (record ref, row dict) or (record ref, (reason, detail)).
_Item = tuple[str, "dict[str, Any] | tuple[str, str]"]


def load_corpus(path: str | Path, max_field_chars: int = 200_000) -> LoadResult:
    """Load every supported file under ``path`` into a papers table (see ``LoadResult``).

    Raises ``InputError`` (one line) when the path is missing, unreadable or unsupported,
    when a directory holds no supported file, or when no record at all could be loaded.
    """
    root = Path(path)
    files = _list_files(root)
    rows: list[dict[str, Any]] = []
    file_rows: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    for file in files:
        name = file.name if file == root else file.relative_to(root).as_posix()
        fmt = _detect_format(file)
        if fmt == "unsupported":
            file_rows.append({"file": name, "format": fmt, "records": 0, "loaded": 0, "skipped": 0})
            continue
        ctx = _Context(file, name, max_field_chars)
        loaded = skipped = 0
        for ref, item in _READERS[fmt](ctx):
            if isinstance(item, dict):
                rows.append(item)
                loaded += 1
            else:
                skips.append({"file": name, "record": ref, "reason": item[0], "detail": item[1]})
                skipped += 1
        file_rows.append(
            {
                "file": name,
                "format": fmt,
                "records": loaded + skipped,
                "loaded": loaded,
                "skipped": skipped,
            }
        )
    skipped_table = pd.DataFrame(skips, columns=SKIP_COLUMNS).astype({"record": str})
    if not rows:
        counts = Counter(s["reason"] for s in skips)
        summary = ", ".join(f"{reason} \u00d7{n}" for reason, n in counts.most_common())
        detail = f" ({len(skips)} skipped: {summary})" if skips else " (no records found)"
        raise InputError(f"{root}: no records could be loaded{detail}")
    papers, duplicates = dedupe_papers(make_papers(rows))
    return LoadResult(
        papers[PAPER_COLUMNS],
        pd.DataFrame(file_rows, columns=FILE_COLUMNS),
        skipped_table,
        duplicates,
    )


def _list_files(root: Path) -> list[Path]:
    """The files to read: ``root`` itself, or every non-hidden file below it, sorted."""
    if not root.exists():
        raise InputError(f"{root}: path does not exist (expected a corpus file or directory)")
    if root.is_file():
        if root.suffix.lower() not in FORMATS:
            raise InputError(
                f"{root}: unsupported file type {root.suffix or '(none)'!r} "
                f"(expected one of {', '.join(sorted(FORMATS))})"
            )
        return [root]
    if not root.is_dir():
        raise InputError(f"{root}: not a regular file or directory (expected a corpus)")
    if not os.access(root, os.R_OK | os.X_OK):
        raise InputError(f"{root}: cannot read directory (permission denied)")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        paths = (Path(dirpath) / f for f in filenames if not f.startswith("."))
        found.extend(p for p in paths if p.is_file())  # regular files only (no FIFOs)
    found.sort(key=lambda p: p.relative_to(root).as_posix())
    if not any(p.suffix.lower() in FORMATS for p in found):
        raise InputError(
            f"{root}: directory holds no supported files (expected {', '.join(sorted(FORMATS))})"
        )
    return found


def _detect_format(file: Path) -> str:
    """Format name from the extension, refined by sniffing ``.json`` and ``.csv``/``.tsv``."""
    fmt = FORMATS.get(file.suffix.lower(), "unsupported")
    head = _read_bytes(file, 4096) if fmt in ("jsonl", "csv") else b""
    if fmt == "jsonl" and head.lstrip().lstrip(b"\xef\xbb\xbf")[:1] == b"[":
        return "json"
    if fmt == "csv":
        first = _decode(head.split(b"\n", 1)[0])
        return "tsv" if first.count("\t") > first.count(",") else "csv"
    return fmt


def _read_bytes(file: Path, size: int = -1) -> bytes:
    """The file's bytes (the first ``size`` only when given); OSError → InputError."""
    try:
        with file.open("rb") as fh:
            return fh.read(size)
    except OSError as err:
        raise InputError(f"{file}: cannot read file ({err.strerror or err})") from err


def _decode(data: bytes) -> str:
    """Decode as UTF-8, then UTF-8 with BOM, then Latin-1 (which never fails)."""
    for encoding in ("utf-8", "utf-8-sig"):
        try:
            return data.decode(encoding).lstrip("\ufeff")
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


# ---------------------------------------------------------------- field normalisation


def _clean(text: str) -> str:
    """Collapse whitespace and hard line wraps into single spaces."""
    return " ".join(text.split())


def _text(value: Any) -> str:
    """Any JSON-ish value as text: lists joined by spaces, None as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(_text(v) for v in value)
    if isinstance(value, Mapping):
        return _text(value.get("name", ""))
    return str(value)


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


def _authors(value: Any) -> str:
    """Author list or string → ``"A; B; C"``."""
    if isinstance(value, (list, tuple)):
        names = [_clean(_text(v)) for v in value]
    else:
        text = _clean(_text(value))
        parts = text.split(";") if ";" in text else re.split(r",| and ", text)
        names = [p.strip() for p in parts]
    return "; ".join(n for n in names if n)


def _categories(value: Any) -> str:
    text = _text(value) if isinstance(value, (list, tuple)) else str(value or "")
    return " ".join(dict.fromkeys(text.replace(",", " ").split()))


def _normalize_row(
    fields: Mapping[str, Any],
    source: str,
    ctx: _Context,
    ref: str,
) -> dict[str, Any] | tuple[str, str]:
    """Turn raw fields (PAPER_COLUMNS names) into a papers row, or a (reason, detail) skip."""
    abstract_raw = fields.get("abstract")
    sentences = None
    if isinstance(abstract_raw, list):
        sentences = [_clean(_text(s)) for s in abstract_raw]
        abstract_raw = " ".join(sentences)
    row: dict[str, Any] = {
        "title": _clean(_text(fields.get("title"))),
        "abstract": _clean(_text(abstract_raw)),
        "authors": _authors(fields.get("authors")),
        "categories": _categories(fields.get("categories")),
        "source": source,
        "source_file": ctx.name,
        "full_text": _text(fields.get("full_text")),
        "sentences": sentences,
    }
    if not row["title"] and not row["abstract"]:
        return "no title or abstract", "record has neither a title nor an abstract"
    too_long = [k for k, v in row.items() if isinstance(v, str) and len(v) > ctx.max_chars]
    if too_long:
        return "field too long", f"{too_long[0]} longer than {ctx.max_chars} characters"
    raw_id = _clean(_text(fields.get("paper_id")))
    arxiv = parse_arxiv_id(raw_id) if raw_id else None
    row["paper_id"] = arxiv[0] if arxiv else (raw_id or f"{ctx.name}:{ref}")
    version = arxiv[1] if arxiv else None
    row["version"] = version if version is not None else _int(fields.get("version"))
    published = _DATE.search(_text(fields.get("published")))
    row["published"] = published.group(0) if published else ""
    year = _YEAR.search(_text(fields.get("year")) or row["published"])
    row["year"] = int(year.group(1)) if year else (_year_from_arxiv_id(arxiv[0]) if arxiv else None)
    url = _clean(_text(fields.get("url")))
    row["url"] = url or (f"https://arxiv.org/abs/{arxiv[0]}" if arxiv else "")
    return row


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip().lstrip("v"))
    except (TypeError, ValueError):
        return None


def _pick(record: Mapping[str, Any]) -> dict[str, Any]:
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


def _guarded(ctx: _Context, ref: str, build: Any) -> _Item:
    """Run a row builder; any unexpected error becomes a skip instead of a crash."""
    try:
        return ref, build()
    except Exception as err:  # noqa: BLE001 - one bad record must never stop a load
        return ref, ("unreadable record", f"{type(err).__name__}: {_clean(str(err))[:200]}")


# ---------------------------------------------------------------- format readers


def _read_jsonl(ctx: _Context) -> Iterator[_Item]:
    """JSON Lines, streamed line by line; record ref = line number."""
    try:
        handle = ctx.path.open("rb")
    except OSError as err:
        raise InputError(f"{ctx.path}: cannot read file ({err.strerror or err})") from err
    with handle:
        for number, raw in enumerate(handle, start=1):
            line = _decode(raw).strip()
            if line:
                yield _json_record(ctx, str(number), line)


def _json_record(ctx: _Context, ref: str, line: str) -> _Item:
    if len(line) > 20 * ctx.max_chars + 10_000:
        return ref, ("field too long", f"line longer than {20 * ctx.max_chars} characters")
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as err:
        return ref, ("broken JSON", _clean(str(err))[:200])
    return _json_value(ctx, ref, value)


def _json_value(ctx: _Context, ref: str, value: Any) -> _Item:
    if not isinstance(value, dict):
        return ref, ("not a JSON object", f"got {type(value).__name__}")
    return _guarded(ctx, ref, lambda: _normalize_row(_pick(value), "jsonl", ctx, ref))


def _read_json_array(ctx: _Context) -> Iterator[_Item]:
    """A file holding one JSON array of records (record ref = index); JSON Lines if the
    whole file is not valid JSON."""
    text = _decode(_read_bytes(ctx.path))
    try:
        values = json.loads(text)
    except (ValueError, RecursionError):
        yield from (
            _json_record(ctx, str(i), line.strip())
            for i, line in enumerate(text.splitlines(), start=1)
            if line.strip()
        )
        return
    values = values if isinstance(values, list) else [values]
    for index, value in enumerate(values):
        yield _json_value(ctx, str(index), value)


def _read_csv(ctx: _Context, delimiter: str) -> Iterator[_Item]:
    """CSV/TSV with a header row; record ref = line number of the row."""
    csv.field_size_limit(max(csv.field_size_limit(), ctx.max_chars + 1))
    text = _decode(_read_bytes(ctx.path)).replace("\0", "")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader, [])]
    except csv.Error as err:
        yield "1", ("malformed CSV row", _clean(str(err)))
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
            yield ref, ("malformed CSV row", _clean(str(err)))
            continue
        if any(c.strip() for c in cells):
            record = dict(zip(header, cells, strict=False))
            yield _guarded(
                ctx, ref, lambda r=record, n=ref: _normalize_row(_pick(r), "csv", ctx, n)
            )


def _strip_latex(text: str) -> str:
    text = re.sub(r"\\[a-zA-Z]+\s*|\\(.)", lambda m: m.group(1) or "", text)
    return _clean(text.replace("{", "").replace("}", "").replace("~", " "))


def _first_last(name: str) -> str:
    """``"Last, First"`` → ``"First Last"``; other names unchanged."""
    bits = [b.strip() for b in name.split(",")]
    return " ".join(bits[1:] + bits[:1]) if len(bits) > 1 else bits[0]


def _bib_authors(value: str) -> str:
    """``"Last, First and Other, A."`` → ``"First Last; A. Other"``."""
    names = [_first_last(part) for part in re.split(r"\s+and\s+", _strip_latex(value))]
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


def _read_bibtex(ctx: _Context) -> Iterator[_Item]:
    """BibTeX via bibtexparser 2; record ref = entry key (or ``line N`` for failed blocks)."""
    import bibtexparser
    from bibtexparser.model import Entry, ParsingFailedBlock

    text = _decode(_read_bytes(ctx.path))
    try:
        library = bibtexparser.parse_string(text)
    except Exception as err:  # noqa: BLE001 - the parser's own failure is a skip
        yield "file", ("malformed BibTeX", f"{type(err).__name__}: {_clean(str(err))[:200]}")
        return
    for block in library.blocks:
        if isinstance(block, Entry):
            yield _guarded(
                ctx, block.key, lambda b=block: _normalize_row(_bib_fields(b), "bibtex", ctx, b.key)
            )
        elif isinstance(block, ParsingFailedBlock):
            reason = (
                "duplicate BibTeX key"
                if "Duplicate" in type(block).__name__
                else "malformed BibTeX entry"
            )
            error = getattr(block, "error", None)
            detail = _clean(str(getattr(error, "abort_reason", None) or error or ""))[:200]
            yield f"line {block.start_line + 1}", (reason, detail)


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
    doi = _text(record.get("doi"))
    return {
        "paper_id": _text(record.get("id")) or doi,
        "title": record.get("title") or record.get("primary_title"),
        "abstract": record.get("abstract") or record.get("notes_abstract"),
        "authors": [
            _first_last(_clean(_text(a)))
            for a in record.get("authors") or record.get("first_authors") or []
        ],
        "year": _text(record.get("year") or record.get("publication_year")),
        "published": _text(record.get("date")),
        "url": _text(urls[0] if isinstance(urls, list) and urls else urls),
    }


def _read_ris(ctx: _Context) -> Iterator[_Item]:
    """RIS via rispy, one entry at a time; record ref = line number of the TY tag."""
    import rispy

    text = _decode(_read_bytes(ctx.path)).replace("\r\n", "\n").replace("\r", "\n")
    for ref, chunk, closed in _ris_chunks(text):
        if not closed:
            yield ref, ("malformed RIS entry", "no 'ER  -' end tag")
            continue
        try:
            records = rispy.loads(chunk)
        except Exception as err:  # noqa: BLE001 - rispy raises many types on bad input
            yield ref, ("malformed RIS entry", f"{type(err).__name__}: {_clean(str(err))[:200]}")
            continue
        for record in records[:1]:
            yield _guarded(
                ctx, ref, lambda r=record, n=ref: _normalize_row(_ris_fields(r), "ris", ctx, n)
            )


def _pdf_fields(ctx: _Context) -> dict[str, Any] | tuple[str, str]:
    """Title, abstract and full text of one PDF, or a (reason, detail) skip."""
    from pypdf import PdfReader

    try:
        reader = PdfReader(ctx.path)
        if reader.is_encrypted and not reader.decrypt(""):
            return "encrypted PDF", "a password is required"
        pages = [page.extract_text() or "" for page in reader.pages]
        meta_title = _text((reader.metadata or {}).get("/Title"))
    except Exception as err:  # noqa: BLE001 - pypdf raises many types on broken files
        name = type(err).__name__
        reason = "encrypted PDF" if "Decrypt" in name or "Dependency" in name else "corrupt PDF"
        reason = "empty PDF" if name == "EmptyFileError" else reason
        return reason, f"{name}: {_clean(str(err))[:200]}"
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


def _read_pdf(ctx: _Context) -> Iterator[_Item]:
    if not os.access(ctx.path, os.R_OK):
        raise InputError(f"{ctx.path}: cannot read file (permission denied)")
    fields = _pdf_fields(ctx)
    if isinstance(fields, tuple):
        yield "1", fields
    else:
        yield _guarded(ctx, "1", lambda: _normalize_row(fields, "pdf", ctx, "1"))


_READERS = {
    "jsonl": _read_jsonl,
    "json": _read_json_array,
    "csv": lambda ctx: _read_csv(ctx, ","),
    "tsv": lambda ctx: _read_csv(ctx, "\t"),
    "bibtex": _read_bibtex,
    "ris": _read_ris,
    "pdf": _read_pdf,
}

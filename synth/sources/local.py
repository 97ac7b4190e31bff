"""Load a local corpus (one file or a directory) into the shared papers table.

Walks the files, picks a reader by extension (sniffed where ambiguous: a ``.json`` file that
holds an array, a ``.csv`` that is tab-separated), deduplicates the papers and reports what
each file gave. Readers: ``jsonl`` (``.jsonl``/``.json``), ``tabular`` (``.csv``/``.tsv``),
``bibtex`` (``.bib``), ``ris`` (``.ris``) and ``pdf`` (``.pdf``). Bad records are skipped with
a reason, never fatal; only problems the user must fix (missing path, unsupported file,
nothing loadable, unreadable file) raise ``InputError``.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from synth.errors import InputError
from synth.io import existing_kind, file_sha256, files_sha256
from synth.sources import PAPER_COLUMNS, dedupe_papers, make_papers
from synth.sources.bibtex import read_bibtex
from synth.sources.jsonl import read_json_array, read_jsonl
from synth.sources.pdf import read_pdf
from synth.sources.records import Context, Item, decode, parse_arxiv_id, read_bytes
from synth.sources.ris import read_ris
from synth.sources.tabular import read_csv, read_tsv

__all__ = [
    "FILE_COLUMNS",
    "FORMATS",
    "SAMPLE",
    "SKIP_COLUMNS",
    "LoadResult",
    "check_corpus",
    "corpus_sha256",
    "is_run_folder",
    "load_corpus",
    "parse_arxiv_id",
    "resolve_corpus",
]

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
# formats read whole into memory (JSON Lines streams), and the size they may have
WHOLE_FILE_FORMATS = frozenset({"json", "csv", "tsv", "bibtex", "ris", "pdf"})
MAX_FILE_BYTES = 512 * 2**20
SKIP_COLUMNS = ["file", "record", "reason", "detail"]

# Reader per detected format (``_detect_format`` refines ``FORMATS``: json, tsv).
_READERS: dict[str, Callable[[Context], Iterator[Item]]] = {
    "jsonl": read_jsonl,
    "json": read_json_array,
    "csv": read_csv,
    "tsv": read_tsv,
    "bibtex": read_bibtex,
    "ris": read_ris,
    "pdf": read_pdf,
}


SAMPLE = "sample"
SAMPLE_FILE = Path(__file__).resolve().parent.parent / "data" / "sample_arxiv_cs.jsonl"


def resolve_corpus(path: str | Path) -> Path:
    """The corpus a user named: ``sample`` is the bundled sample of 2,000 arXiv CS abstracts
    (``SAMPLE_FILE``); anything else is a path, ``~`` expanded."""
    return SAMPLE_FILE if str(path) == SAMPLE else Path(path).expanduser()


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


def load_corpus(
    path: str | Path, max_field_chars: int = 200_000, max_file_bytes: int = MAX_FILE_BYTES
) -> LoadResult:
    """Load every supported file under ``path`` into a papers table (see ``LoadResult``).

    Raises ``InputError`` (one line) when the path is missing, unreadable or unsupported,
    when a directory holds no supported file, or when no record at all could be loaded.
    ``path`` may be ``sample`` (``resolve_corpus``). A file read whole (all formats but JSON
    Lines) above ``max_file_bytes`` is one skip ("file too large").
    """
    root = resolve_corpus(path)
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
        ctx = Context(file, name, max_field_chars)
        loaded = skipped = 0
        for ref, item in _read_file(ctx, fmt, max_file_bytes):
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


def _read_file(ctx: Context, fmt: str, max_bytes: int) -> Iterator[Item]:
    size = ctx.path.stat().st_size
    if fmt in WHOLE_FILE_FORMATS and size > max_bytes:
        yield (
            "file",
            ("file too large", f"{size} bytes; {fmt} files are read whole, at most {max_bytes}"),
        )
        return
    yield from _READERS[fmt](ctx)


def is_run_folder(folder: Path) -> bool:
    """A synth run folder (it holds ``run.json``, or the ``notebooks/`` folder a run makes
    first): its tables and BibTeX are results, never corpus records."""
    return (folder / "run.json").is_file() or (
        (folder / "notebooks").is_dir() and (folder / "params").is_dir()
    )


def _list_files(root: Path) -> list[Path]:
    """The files to read: ``root`` itself, or every non-hidden regular file below it, sorted;
    symlinked folders are not followed and run folders (``is_run_folder``) are left out.
    Anything but a regular file or folder, and an unreadable file, is an ``InputError``."""
    kind = existing_kind(root)
    if kind == "missing":
        raise InputError(f"{root}: path does not exist (expected a corpus file or directory)")
    if kind == "file":
        if root.suffix.lower() not in FORMATS:
            raise InputError(
                f"{root}: unsupported file type {root.suffix or '(none)'!r} "
                f"(expected one of {', '.join(sorted(FORMATS))})"
            )
        return [_readable(root)]
    if kind != "directory":
        raise InputError(
            f"{root}: is a {kind}, not a regular file or directory (expected a corpus)"
        )
    if not os.access(root, os.R_OK | os.X_OK):
        raise InputError(f"{root}: cannot read directory (permission denied)")
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [
            d for d in dirnames if not d.startswith(".") and not is_run_folder(Path(dirpath) / d)
        ]
        paths = (Path(dirpath) / f for f in filenames if not f.startswith("."))
        found.extend(_readable(p) for p in paths if p.is_file())  # regular files only
    found.sort(key=lambda p: p.relative_to(root).as_posix())
    if not any(p.suffix.lower() in FORMATS for p in found):
        raise InputError(
            f"{root}: directory holds no supported files (expected {', '.join(sorted(FORMATS))})"
        )
    return found


def _readable(file: Path) -> Path:
    if not os.access(file, os.R_OK):
        raise InputError(f"{file}: cannot read file (permission denied)")
    return file


def check_corpus(path: str | Path) -> Path:
    """The corpus path resolved (``resolve_corpus``), once its files are known to be regular
    and readable (``InputError`` otherwise); nothing is read yet."""
    root = resolve_corpus(path)
    _list_files(root)
    return root


def corpus_sha256(path: str | Path) -> str:
    """SHA-256 of exactly the files ``load_corpus`` reads (each one's path, then bytes)."""
    root = resolve_corpus(path)
    files = _list_files(root)
    return file_sha256(root) if files == [root] else files_sha256(root, files)


def _detect_format(file: Path) -> str:
    """Format name from the extension, refined by sniffing ``.json`` and ``.csv``/``.tsv``."""
    fmt = FORMATS.get(file.suffix.lower(), "unsupported")
    head = read_bytes(file, 4096) if fmt in ("jsonl", "csv") else b""
    if fmt == "jsonl" and head.lstrip().lstrip(b"\xef\xbb\xbf")[:1] == b"[":
        return "json"
    if fmt == "csv":
        first = decode(head.split(b"\n", 1)[0])
        return "tsv" if first.count("\t") > first.count(",") else "csv"
    return fmt

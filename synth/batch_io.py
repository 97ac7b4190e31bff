"""Inputs and outputs of the batch subcommands (``synth rank``, ``extract``, ``verify``,
``answer``): JSON Lines read and checked record by record, and result lines written.

Every check raises ``InputError`` with one line naming the file, the record and what was
expected, before anything is written.
"""

from __future__ import annotations

import json
import math
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from synth.errors import InputError
from synth.io import atomic_path, existing_kind, open_regular
from synth.sources.records import iter_lines

_BLANK = re.compile(r"\s")
MAX_LINE_BYTES = 64 * 2**20  # one query, claim or abstract per line


def read_jsonl(path: str | Path, what: str) -> Iterator[dict]:
    """The JSON objects of a UTF-8 JSON Lines file (a leading BOM allowed, blank lines
    skipped); a missing or special file, bytes that are not UTF-8, a line that is not JSON
    or not an object, or longer than ``MAX_LINE_BYTES``, is an ``InputError`` naming the
    file and line."""
    p = Path(path)
    if existing_kind(p) == "missing":
        raise InputError(f"{p}: {what} file not found (expected JSON Lines)")
    with open_regular(p) as handle:
        for n, raw in iter_lines(handle, MAX_LINE_BYTES):
            if raw is None:
                raise InputError(f"{p}:{n}: line longer than {MAX_LINE_BYTES} bytes")
            try:
                line = raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError as err:
                raise InputError(
                    f"{p}:{n}: not UTF-8 text (bad byte at column {err.start + 1}; "
                    "expected JSON Lines in UTF-8)"
                ) from None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{p}:{n}: not valid JSON ({err.msg})") from None
            except RecursionError:
                raise InputError(f"{p}:{n}: JSON nested too deeply") from None
            if not isinstance(record, dict):
                raise InputError(f"{p}:{n}: expected a JSON object per line")
            yield record


def write_lines(path: str | Path, lines: Iterable[str]) -> None:
    """Write ``lines`` (built in full first, so bad input stops before anything is written):
    ``-`` is standard output, a character device or pipe the user named (``/dev/null``,
    ``/dev/stdout``) is written straight to, anything else atomically as a regular file."""
    text = "".join(line + "\n" for line in lines)
    if str(path) == "-":
        sys.stdout.write(text)
        return
    if existing_kind(path) in ("device", "pipe"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
        return
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def check_out(path: str | Path) -> str | Path:
    """Refuse an output path that ``write_lines`` could not write, before any work: a
    directory, a socket or another special file (a device or pipe is written straight to)."""
    kind = "pipe" if str(path) == "-" else existing_kind(path)
    if kind not in ("missing", "file", "device", "pipe"):
        raise InputError(f"{path}: is a {kind}, not a file (expected a file to write)")
    return path


def _ident(value: Any) -> str | None:
    """An id as text when it is a non-empty string or an integer, else None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value)
    return text if text.strip() else None


def _nonempty_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _require(records: list[dict], path: str | Path, what: str, example: str) -> list[dict]:
    if not records:
        raise InputError(f"{path}: no {what} (expected lines of {example})")
    return records


def check_queries(records: Iterable[dict], path: str | Path) -> list[tuple[str, str]]:
    """``(qid, text)`` per BEIR query: ``_id`` (or ``id``) without white space, ``text`` (or
    ``query``) not empty; at least one query."""
    out = []
    for n, q in enumerate(_require(list(records), path, "queries", '{"_id", "text"}'), 1):
        qid = _ident(q.get("_id", q.get("id")))
        text = q.get("text", q.get("query"))
        if qid is None or _BLANK.search(qid):
            raise InputError(f'{path}: query {n} needs an "_id" without spaces (TREC format)')
        if not _nonempty_text(text):
            raise InputError(f'{path}: query {qid!r} needs a non-empty "text"')
        out.append((qid, text))
    return out


def check_claims(records: Iterable[dict], path: str | Path) -> list[dict]:
    """Claims with an ``id`` (string or integer) and a non-empty ``claim``; at least one."""
    claims = _require(list(records), path, "claims", '{"id", "claim"}')
    for n, c in enumerate(claims, 1):
        if _ident(c.get("id")) is None or not _nonempty_text(c.get("claim")):
            raise InputError(f'{path}: claim {n} needs an "id" and a non-empty "claim" text')
    return claims


def check_questions(records: Iterable[dict], path: str | Path) -> list[dict]:
    """Questions with an ``id`` and a non-empty ``question``; at least one."""
    questions = _require(list(records), path, "questions", '{"id", "question"}')
    for n, q in enumerate(questions, 1):
        if _ident(q.get("id")) is None or not _nonempty_text(q.get("question")):
            raise InputError(f'{path}: question {n} needs an "id" and a "question"')
    return questions


def check_abstracts(records: Iterable[dict], path: str | Path) -> list[dict]:
    """Abstracts for ``extract``: ``sentences`` (a list of strings) or ``abstract`` (a
    string), ``title`` a string when given; at least one."""
    abstracts = _require(list(records), path, "abstracts", '{"id", "title", "abstract"}')
    for n, r in enumerate(abstracts, 1):
        sentences, abstract = r.get("sentences"), r.get("abstract")
        if sentences is not None and not (
            isinstance(sentences, list) and all(isinstance(s, str) for s in sentences)
        ):
            raise InputError(f'{path}: abstract {n}: "sentences" must be a list of strings')
        for key in ("abstract", "title"):
            if r.get(key) is not None and not isinstance(r[key], str):
                raise InputError(f'{path}: abstract {n}: "{key}" must be a string')
        if sentences is None and abstract is None:
            raise InputError(f'{path}: abstract {n} needs "sentences" or "abstract"')
    return abstracts


def check_top(top: int) -> int:
    if top < 1:
        raise InputError(f"--top: must be at least 1 result per query, got {top}")
    return top


def check_tag(tag: str) -> str:
    if not tag or _BLANK.search(tag) or not tag.isprintable():
        raise InputError("--tag: must be one word of printable characters (TREC run tag)")
    return tag


def check_threshold(threshold: float | None) -> float | None:
    if threshold is not None and not (math.isfinite(threshold) and 0 <= threshold <= 1):
        raise InputError(f"--threshold: must be a number from 0 to 1, got {threshold}")
    return threshold

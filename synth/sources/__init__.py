"""Where papers come from: arXiv (``sources.arxiv``) or a local corpus (``sources.local``,
which reads each format with ``jsonl``, ``tabular``, ``bibtex``, ``ris`` or ``pdf``).

Every source returns the same *papers* table, one row per record, with ``PAPER_COLUMNS``
(dtypes in ``PAPER_DTYPES``):

==============  ==========  =======================================================
column          dtype       meaning
==============  ==========  =======================================================
paper_id        str         arXiv id without version (``2503.19009``) or corpus id
version         Int64       arXiv version number, <NA> where unknown
title           str         title, whitespace collapsed
abstract        str         abstract as one string ("" when the record has none)
authors         str         author names joined by ``"; "``
year            Int64       publication year, <NA> where unknown
published       str         ISO date ``YYYY-MM-DD`` or ""
url             str         landing page (``https://arxiv.org/abs/<id>``) or ""
categories      str         subject categories joined by a space, primary first
source          str         ``arxiv``, ``jsonl``, ``csv``, ``bibtex``, ``ris`` or ``pdf``
source_file     str         file the record came from, or the arXiv query
full_text       str         body text where the source has it (PDFs), else ""
sentences       object      pre-split abstract sentences (list[str]) or None
==============  ==========  =======================================================
"""

from __future__ import annotations

import math

import pandas as pd

PAPER_DTYPES: dict[str, str] = {
    "paper_id": "str",
    "version": "Int64",
    "title": "str",
    "abstract": "str",
    "authors": "str",
    "year": "Int64",
    "published": "str",
    "url": "str",
    "categories": "str",
    "source": "str",
    "source_file": "str",
    "full_text": "str",
    "sentences": "object",
}
PAPER_COLUMNS: list[str] = list(PAPER_DTYPES)
_STR_COLUMNS = [col for col, dtype in PAPER_DTYPES.items() if dtype == "str"]
_INT_COLUMNS = [col for col, dtype in PAPER_DTYPES.items() if dtype == "Int64"]


def _bounded_int(value: object) -> int | None:
    """A whole number that fits the table (|n| < 2**53), else None: never an overflow."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(number) or abs(number) >= 2**53 or number != int(number):
        return None
    return int(number)


def make_papers(rows: list[dict]) -> pd.DataFrame:
    """Build a papers table from dicts; missing keys get empty values, dtypes are fixed."""
    frame = pd.DataFrame(rows, columns=PAPER_COLUMNS)
    for col in _STR_COLUMNS:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), "").astype(str)
    for col in _INT_COLUMNS:
        frame[col] = pd.array([_bounded_int(v) for v in frame[col]], dtype="Int64")
    frame["sentences"] = frame["sentences"].astype(object).where(frame["sentences"].notna(), None)
    return frame


def dedupe_papers(papers: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Keep one row per ``paper_id``: the highest version, else the last one seen.

    Returns the deduplicated table (original order of first appearance kept) and the
    number of rows removed.
    """
    if papers.empty:
        return papers.copy(), 0
    order = pd.RangeIndex(len(papers))
    ranked = papers.assign(_order=order, _version=papers["version"].fillna(-1).astype(int))
    keep = ranked.sort_values(["_version", "_order"]).drop_duplicates("paper_id", keep="last")
    first_seen = ranked.drop_duplicates("paper_id", keep="first").set_index("paper_id")["_order"]
    keep = keep.assign(_first=keep["paper_id"].map(first_seen)).sort_values("_first")
    out = keep.drop(columns=["_order", "_version", "_first"]).reset_index(drop=True)
    return out, len(papers) - len(out)

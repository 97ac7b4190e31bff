"""One segment of a persistent index: a folder written once, read memory-mapped.

Layout of ``seg-NNNNN/``:

================================  ===========================================================
``docs.parquet``                  the papers (``synth.sources.PAPER_COLUMNS``), row groups of
                                  ``ROW_GROUP`` rows so a few papers are read without the rest
``ids.npy``, ``versions.npy``     paper ids (UTF-8 bytes) and versions (-1: unknown)
``years.npy``                     publication years (0: unknown), for the year filter
``categories.json``,              the segment's distinct categories, and per (paper, category)
``cat_doc.npy``, ``cat_id.npy``   pair the paper's row and the category's number
``<field>.terms.bin``,            per field (``text``: title + abstract, ``title``): the sorted
``<field>.terms.offsets.npy``     terms as one UTF-8 blob and their offsets
``<field>.indptr.npy``,           term-major (CSC) term counts: the postings of term ``j`` are
``<field>.docs.npy``,             ``docs[indptr[j]:indptr[j+1]]`` (rows, int32) with counts
``<field>.tf.npy``                ``tf[...]`` (uint8, or uint16 where a count passes 255)
``<field>.length.npy``            each paper's token count in the field (float32)
``<field>.bound.npy``             per term, the largest BM25 saturation over its postings
                                  (``impact_bounds``: what a term can add, for pruning)
================================  ===========================================================

Counts come from ``synth.index.count_terms``, the tokenisation every ranking uses.
"""

from __future__ import annotations

import bisect
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from synth.index import average_length, count_terms, document_texts
from synth.sources import PAPER_COLUMNS, make_papers

FIELDS = ("text", "title")
ROW_GROUP = 256
READ_GROUPS = 64  # row groups decoded at a time when reading papers (bounds the memory)
# zstd level 6: 14% smaller than the default level, 2 s more per 200k papers; no column
# statistics (never used: rows are read by row group), a footer 4x smaller (5% less on disk)
PARQUET = {"compression": "zstd", "compression_level": 6, "write_statistics": False}
K1, B = 1.2, 0.75  # synth.index.build_bm25's defaults, which ranking uses


def field_texts(papers: pd.DataFrame) -> dict[str, list[str]]:
    """Each field's texts, exactly as ``synth.screen`` indexes them."""
    titles = papers["title"].fillna("").tolist()
    return {"text": document_texts(titles, papers["abstract"].fillna("")), "title": titles}


def save_terms(folder: Path, field: str, encoded: list[bytes]) -> None:
    """Write a field's sorted terms (UTF-8) as one blob and its offsets."""
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(e) for e in encoded])
    (folder / f"{field}.terms.bin").write_bytes(b"".join(encoded))
    np.save(folder / f"{field}.terms.offsets.npy", offsets)


def impact_bounds(csc, length: np.ndarray) -> np.ndarray:
    """Per term, the largest ``tf / (tf + k1 * (1 - b + b * dl / avg))`` over its postings,
    ``avg`` being this segment's mean length (``query`` rescales it to the index's)."""
    return impact_bounds_of(csc.indices, csc.data, csc.indptr, length)


def impact_bounds_of(
    docs: np.ndarray, tf: np.ndarray, indptr: np.ndarray, length: np.ndarray
) -> np.ndarray:
    """``impact_bounds`` of the terms whose postings are ``docs``, ``tf`` (``indptr``:
    their bounds, from ``indptr[0]``; no term without postings) among papers of ``length``."""
    indptr = np.asarray(indptr, dtype=np.int64)
    if len(indptr) < 2 or indptr[-1] == indptr[0]:
        return np.zeros(max(len(indptr) - 1, 0), dtype=np.float32)
    avg = average_length(length)
    norm = K1 * (1 - B + B * length.astype(np.float64) / avg)
    tf = np.asarray(tf).astype(np.float64)
    ratio = tf / (tf + norm[np.asarray(docs)])
    return np.maximum.reduceat(ratio, indptr[:-1] - indptr[0]).astype(np.float32)


def _save_field(folder: Path, field: str, texts: list[str]) -> None:
    tf, vocabulary = count_terms(texts)
    length = np.asarray(tf.sum(axis=1), dtype=np.float32).ravel()
    csc = tf.tocsc()
    csc.sort_indices()
    np.save(folder / f"{field}.bound.npy", impact_bounds(csc, length))
    most = int(csc.data.max()) if csc.nnz else 0
    if most > np.iinfo(np.uint16).max:
        raise ValueError(f"{folder}: a term occurs more than 65535 times in one paper")
    terms = sorted(vocabulary, key=vocabulary.__getitem__)
    save_terms(folder, field, [t.encode("utf-8") for t in terms])
    indptr = csc.indptr.astype(np.int64) if terms else np.zeros(1, dtype=np.int64)
    np.save(folder / f"{field}.indptr.npy", indptr)
    np.save(folder / f"{field}.docs.npy", csc.indices.astype(np.int32))
    np.save(folder / f"{field}.tf.npy", csc.data.astype(np.uint8 if most < 256 else np.uint16))
    np.save(folder / f"{field}.length.npy", length)


def _save_categories(folder: Path, categories: pd.Series) -> None:
    per_doc = [c.split() for c in categories.fillna("")]
    names = sorted({c for cats in per_doc for c in cats})
    number = {c: i for i, c in enumerate(names)}
    (folder / "categories.json").write_text(json.dumps(names), encoding="utf-8")
    counts = np.fromiter(map(len, per_doc), dtype=np.int64, count=len(per_doc))
    np.save(folder / "cat_doc.npy", np.repeat(np.arange(len(per_doc), dtype=np.int32), counts))
    ids = [number[c] for cats in per_doc for c in cats]
    np.save(folder / "cat_id.npy", np.array(ids, dtype=np.int32))


def write_segment(papers: pd.DataFrame, folder: Path) -> int:
    """Write ``papers`` (a papers table) as the segment ``folder``; returns the row count."""
    folder.mkdir(parents=True)
    papers = papers[PAPER_COLUMNS].reset_index(drop=True)
    for field, texts in field_texts(papers).items():
        _save_field(folder, field, texts)
    ids = [i.encode("utf-8") for i in papers["paper_id"]]
    np.save(folder / "ids.npy", np.array(ids, dtype=bytes) if ids else np.zeros(0, "S1"))
    np.save(folder / "versions.npy", papers["version"].fillna(-1).to_numpy(dtype=np.int32))
    np.save(folder / "years.npy", papers["year"].fillna(0).to_numpy(dtype=np.int16))
    _save_categories(folder, papers["categories"])
    table = pa.Table.from_pandas(papers, preserve_index=False)
    pq.write_table(table, folder / "docs.parquet", row_group_size=ROW_GROUP, **PARQUET)
    return len(papers)


class Terms:
    """A segment field's sorted terms, memory-mapped; ``find`` is a binary search."""

    def __init__(self, blob: np.ndarray, offsets: np.ndarray):
        self.blob, self.offsets = np.asarray(blob), np.asarray(offsets)
        self._found: dict[str, int | None] = {}

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, i: int) -> bytes:
        return self.blob[self.offsets[i] : self.offsets[i + 1]].tobytes()

    def find(self, term: str) -> int | None:
        """The term's column, or None when the segment never has it (remembered)."""
        if term not in self._found:
            key = term.encode("utf-8")
            i = bisect.bisect_left(self, key)
            self._found[term] = i if i < len(self) and self[i] == key else None
        return self._found[term]


def _load(path: Path) -> np.ndarray:
    """The array memory-mapped, as a plain ndarray view (slicing a ``np.memmap`` costs a
    Python object per slice)."""
    return np.asarray(np.load(path, mmap_mode="r"))


@dataclass
class Field:
    """One field of a segment: its terms, postings and paper lengths (memory-mapped)."""

    terms: Terms
    indptr: np.ndarray
    docs: np.ndarray
    tf: np.ndarray
    length: np.ndarray
    bound: np.ndarray

    @cached_property
    def avg(self) -> float:
        """Mean length over all the segment's papers (as ``impact_bounds`` used it)."""
        return average_length(np.asarray(self.length))

    def impact(self, term: str) -> float:
        """``impact_bounds``' value for ``term`` (0 when absent)."""
        j = self.terms.find(term)
        return 0.0 if j is None else float(self.bound[j])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows holding ``term`` and its counts there (empty when absent)."""
        j = self.terms.find(term)
        if j is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint16)
        lo, hi = int(self.indptr[j]), int(self.indptr[j + 1])
        return self.docs[lo:hi], self.tf[lo:hi]


class Segment:
    """A written segment, opened read-only; arrays are memory-mapped when first used."""

    def __init__(self, folder: Path, size: int):
        self.folder, self.size = folder, size

    def field(self, name: str) -> Field:
        return self.fields[name]

    @cached_property
    def fields(self) -> dict[str, Field]:
        out = {}
        for name in FIELDS:
            path = self.folder / f"{name}.terms.bin"
            blob = (
                np.memmap(path, dtype=np.uint8, mode="r")
                if path.stat().st_size
                else np.zeros(0, dtype=np.uint8)
            )
            terms = Terms(blob, _load(self.folder / f"{name}.terms.offsets.npy"))
            arrays = [
                _load(self.folder / f"{name}.{a}.npy")
                for a in ("indptr", "docs", "tf", "length", "bound")
            ]
            out[name] = Field(terms, *arrays)
        return out

    @cached_property
    def ids(self) -> np.ndarray:
        return _load(self.folder / "ids.npy")

    @cached_property
    def versions(self) -> np.ndarray:
        return _load(self.folder / "versions.npy")

    @cached_property
    def years(self) -> np.ndarray:
        return _load(self.folder / "years.npy")

    @cached_property
    def categories(self) -> tuple[list[str], np.ndarray, np.ndarray]:
        names = json.loads((self.folder / "categories.json").read_text(encoding="utf-8"))
        return names, _load(self.folder / "cat_doc.npy"), _load(self.folder / "cat_id.npy")

    @cached_property
    def parquet(self) -> pq.ParquetFile:
        """``docs.parquet`` opened once (its footer parsed once per reader)."""
        return pq.ParquetFile(self.folder / "docs.parquet")

    def papers(self, rows: np.ndarray) -> pd.DataFrame:
        """The papers at ``rows`` (in that order), read from the row groups holding them,
        ``READ_GROUPS`` row groups at a time."""
        rows = np.asarray(rows, dtype=np.int64)
        group_of = rows // ROW_GROUP
        groups = np.unique(group_of)
        parts, positions = [], []
        for lo in range(0, len(groups), READ_GROUPS):
            batch = groups[lo : lo + READ_GROUPS]
            at = np.flatnonzero(np.isin(group_of, batch))
            table = self.parquet.read_row_groups(batch.tolist())
            starts = np.searchsorted(batch, group_of[at]) * ROW_GROUP
            parts.append(table.take(pa.array(starts + rows[at] % ROW_GROUP)))
            positions.append(at)
        if not parts:
            return make_papers([])
        order = np.argsort(np.concatenate(positions), kind="stable")
        frame = pa.concat_tables(parts).take(pa.array(order)).to_pandas()
        frame["sentences"] = [
            None if s is None else [str(x) for x in s] for s in frame["sentences"]
        ]
        return make_papers(frame.to_dict("records"))

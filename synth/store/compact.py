"""Compaction: merge an index's segments into fewer, larger ones and drop deleted papers.

``compact_index`` packs consecutive segments into groups of at most ``segment_docs`` live
papers and merges each group into one new segment (``merge_segments``), written beside the
old ones under a hidden ``.seg-NNNNN.partial-PID`` name and renamed when complete; then the
manifest is swapped in one atomic write, and only then are the old segment folders removed.
A stopped compaction (SIGTERM, an error) removes what it wrote and leaves the old index as it
was; one killed outright leaves hidden partial folders that the next build, update or
compaction removes (``build.clear_partials``).

The live papers keep their order (segment by segment, row by row), so the index's statistics
(paper count, mean lengths: the same float32 values summed in the same order), each paper's
BM25 weights, and hence every ranking, are bit for bit what they were. Postings are merged
segment by segment into memory-mapped output arrays, a bounded number of postings at a time.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.lib.format import open_memmap

from synth.errors import InputError
from synth.io import write_json
from synth.store.build import MANIFEST, clear_partials, next_segment_number, read_manifest
from synth.store.segment import FIELDS, PARQUET, ROW_GROUP, Segment, impact_bounds_of, save_terms

COMPACT_DOCS = 4_000_000  # all of arXiv (2.7M papers) in one segment
CHUNK = 1 << 24  # postings (or rows) handled at a time: bounds the memory of a merge
EMBEDDINGS = "embeddings.npy"  # synth.store.embed.EMBEDDINGS (not imported: pulls in dense)


def plan_groups(entries: list[dict], segment_docs: int) -> list[list[int]]:
    """Consecutive runs of manifest entries whose live papers fit in ``segment_docs`` (a
    segment larger than that stays alone); order is kept."""
    groups: list[list[int]] = []
    total = 0
    for i, entry in enumerate(entries):
        live = int(entry["live"])
        if groups and total + live <= segment_docs:
            groups[-1].append(i)
            total += live
        else:
            groups.append([i])
            total = live
    return groups


def _needs_merge(group: list[int], entries: list[dict]) -> bool:
    """A group is rewritten unless it is one segment without deleted papers."""
    return len(group) > 1 or int(entries[group[0]]["live"]) != int(entries[group[0]]["docs"])


def _live_mask(root: Path, entry: dict) -> np.ndarray:
    docs = int(entry["docs"])
    if not entry.get("deleted"):
        return np.ones(docs, dtype=bool)
    return ~np.load(root / entry["name"] / entry["deleted"])


def _new_rows(lives: list[np.ndarray]) -> list[np.ndarray]:
    """Per source segment, each row's row in the merged segment (-1: dropped)."""
    out, start = [], 0
    for live in lives:
        rows = np.full(len(live), -1, dtype=np.int64)
        rows[live] = np.arange(start, start + int(live.sum()))
        out.append(rows)
        start += int(live.sum())
    return out


def _term_counts(field, live: np.ndarray) -> np.ndarray:
    """Live postings per term of a source field."""
    indptr = np.asarray(field.indptr, dtype=np.int64)
    if live.all():
        return np.diff(indptr)
    counts = np.zeros(len(indptr) - 1, dtype=np.int64)
    for lo, hi in _term_chunks(indptr):
        kept = np.concatenate([[0], np.cumsum(live[field.docs[indptr[lo] : indptr[hi]]])])
        counts[lo:hi] = (
            kept[indptr[lo + 1 : hi + 1] - indptr[lo]] - kept[indptr[lo:hi] - indptr[lo]]
        )
    return counts


def _term_chunks(indptr: np.ndarray) -> list[tuple[int, int]]:
    """Ranges of terms holding about ``CHUNK`` postings each (at least one term)."""
    out, lo, n = [], 0, len(indptr) - 1
    while lo < n:
        hi = int(np.searchsorted(indptr, indptr[lo] + CHUNK, side="right")) - 1
        hi = min(max(hi, lo + 1), n)
        out.append((lo, hi))
        lo = hi
    return out


def _merged_vocabulary(sources: list, counts: list[np.ndarray]):
    """The sorted terms with live postings, their totals, and per source the map from its
    term numbers to the merged ones."""
    terms = [[f.terms[j] for j in range(len(f.terms))] for f in sources]
    union = sorted(set().union(*terms))
    number = {t: j for j, t in enumerate(union)}
    maps = [np.fromiter((number[t] for t in ts), np.int64, len(ts)) for ts in terms]
    total = np.zeros(len(union), dtype=np.int64)
    for m, c in zip(maps, counts, strict=True):
        total[m] += c
    keep = total > 0
    renumber = np.cumsum(keep) - 1
    kept = [t for t, k in zip(union, keep.tolist(), strict=True) if k]
    return kept, total[keep], [np.where(keep[m], renumber[m], -1) for m in maps]


def _copy_postings(field, live, new_rows, term_map, filled, out_docs, out_tf) -> None:
    """Write one source field's live postings into the merged arrays, after those of the
    earlier sources (``filled``: each merged term's next free position, advanced)."""
    indptr = np.asarray(field.indptr, dtype=np.int64)
    for lo, hi in _term_chunks(indptr):
        docs = np.asarray(field.docs[indptr[lo] : indptr[hi]])
        tf = np.asarray(field.tf[indptr[lo] : indptr[hi]])
        term = np.repeat(np.arange(lo, hi), np.diff(indptr[lo : hi + 1]))
        keep = live[docs]
        if not keep.all():
            docs, tf, term = docs[keep], tf[keep], term[keep]
        counts = np.bincount(term - lo, minlength=hi - lo)
        starts = np.cumsum(counts) - counts
        dest = filled[term_map[term]] + np.arange(len(term)) - starts[term - lo]
        out_docs[dest] = new_rows[docs]
        out_tf[dest] = tf
        held = counts > 0  # (a term without live postings here may share its number)
        filled[term_map[lo:hi][held]] += counts[held]


def _merge_field(segments: list[Segment], lives, new_rows, folder: Path, name: str) -> None:
    """Merge field ``name`` of ``segments`` into ``folder`` (``segment``'s file layout)."""
    sources = [s.field(name) for s in segments]
    counts = [_term_counts(f, live) for f, live in zip(sources, lives, strict=True)]
    terms, total, maps = _merged_vocabulary(sources, counts)
    save_terms(folder, name, terms)
    indptr = np.zeros(len(terms) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(total)
    np.save(folder / f"{name}.indptr.npy", indptr)
    wide = any(f.tf.dtype == np.uint16 and len(f.tf) and f.tf.max() > 255 for f in sources)
    nnz = int(indptr[-1])
    out_docs = open_memmap(folder / f"{name}.docs.npy", "w+", np.int32, (nnz,))
    out_tf = open_memmap(folder / f"{name}.tf.npy", "w+", np.uint16 if wide else np.uint8, (nnz,))
    filled = indptr[:-1].copy()
    for args in zip(sources, lives, new_rows, maps, strict=True):
        _copy_postings(*args, filled, out_docs, out_tf)
    out_docs.flush()
    out_tf.flush()
    length = np.concatenate(
        [np.asarray(f.length)[live] for f, live in zip(sources, lives, strict=True)]
    ).astype(np.float32)
    np.save(folder / f"{name}.length.npy", length)
    bound = np.zeros(len(terms), dtype=np.float32)
    for lo, hi in _term_chunks(indptr):
        part = slice(indptr[lo], indptr[hi])
        bound[lo:hi] = impact_bounds_of(out_docs[part], out_tf[part], indptr[lo : hi + 1], length)
    np.save(folder / f"{name}.bound.npy", bound)
    del out_docs, out_tf


def _merge_categories(segments: list[Segment], lives, new_rows, folder: Path) -> None:
    """The categories of the live papers, numbered in the merged sorted list."""
    parts = []
    for seg, live, rows in zip(segments, lives, new_rows, strict=True):
        names, cat_doc, cat_id = seg.categories
        keep = live[np.asarray(cat_doc)]
        parts.append(
            (np.asarray(names, dtype=object), rows[cat_doc][keep], np.asarray(cat_id)[keep])
        )
    used = sorted({n for names, _, ids in parts for n in names[np.unique(ids)].tolist()})
    number = {n: i for i, n in enumerate(used)}
    docs = [d.astype(np.int32) for _, d, _ in parts]
    ids = [np.array([number.get(n, -1) for n in names], np.int32)[i] for names, _, i in parts]
    (folder / "categories.json").write_text(json.dumps(used), encoding="utf-8")
    np.save(folder / "cat_doc.npy", np.concatenate(docs) if docs else np.zeros(0, np.int32))
    np.save(folder / "cat_id.npy", np.concatenate(ids) if ids else np.zeros(0, np.int32))


def _merge_columns(segments: list[Segment], lives, folder: Path) -> None:
    for name in ("ids", "versions", "years"):
        arrays = [
            np.asarray(getattr(s, name))[live] for s, live in zip(segments, lives, strict=True)
        ]
        np.save(folder / f"{name}.npy", np.concatenate(arrays))


def _merge_parquet(segments: list[Segment], lives, folder: Path) -> None:
    """The live papers' rows, streamed, in row groups of ``ROW_GROUP`` (so a merged row ``r``
    is in group ``r // ROW_GROUP``, as ``Segment.papers`` expects)."""
    files = [pq.ParquetFile(s.folder / "docs.parquet") for s in segments]
    schema = pa.unify_schemas([f.schema_arrow for f in files], promote_options="permissive")
    schema = schema.with_metadata(files[0].schema_arrow.metadata)
    pending: list[pa.Table] = []
    with pq.ParquetWriter(folder / "docs.parquet", schema, **PARQUET) as writer:
        for file, live in zip(files, lives, strict=True):
            start = 0
            for batch in file.iter_batches(batch_size=ROW_GROUP * 64):
                keep = live[start : start + batch.num_rows]
                start += batch.num_rows
                table = pa.Table.from_batches([batch]).filter(pa.array(keep))
                pending.append(table.cast(schema))
                rows = sum(t.num_rows for t in pending)
                if rows >= ROW_GROUP * 64:
                    whole = pa.concat_tables(pending)
                    cut = rows - rows % ROW_GROUP
                    writer.write_table(whole.slice(0, cut), row_group_size=ROW_GROUP)
                    pending = [whole.slice(cut)]
        if pending and sum(t.num_rows for t in pending):
            writer.write_table(pa.concat_tables(pending), row_group_size=ROW_GROUP)


def _merge_embeddings(segments: list[Segment], lives, folder: Path) -> None:
    """``embeddings.npy`` of the live papers when every source has one (else none: ``synth
    index embed`` writes it later)."""
    paths = [s.folder / EMBEDDINGS for s in segments]
    if not all(p.is_file() for p in paths):
        return
    sources = [np.load(p, mmap_mode="r") for p in paths]
    rows = sum(int(live.sum()) for live in lives)
    out = open_memmap(folder / EMBEDDINGS, "w+", np.float32, (rows, sources[0].shape[1]))
    at = 0
    for vectors, live in zip(sources, lives, strict=True):
        for lo in range(0, len(live), CHUNK // 512):
            part = np.asarray(vectors[lo : lo + CHUNK // 512])[live[lo : lo + CHUNK // 512]]
            out[at : at + len(part)] = part
            at += len(part)
    out.flush()
    del out


def merge_segments(segments: list[Segment], lives: list[np.ndarray], folder: Path) -> int:
    """Write the live papers (``lives``: a boolean array per segment) of ``segments``, in
    order, as the new segment ``folder``; returns its paper count."""
    folder.mkdir(parents=True)
    new_rows = _new_rows(lives)
    for name in FIELDS:
        _merge_field(segments, lives, new_rows, folder, name)
    _merge_categories(segments, lives, new_rows, folder)
    _merge_columns(segments, lives, folder)
    _merge_parquet(segments, lives, folder)
    _merge_embeddings(segments, lives, folder)
    return int(sum(int(live.sum()) for live in lives))


def _write_groups(root: Path, entries: list[dict], groups, log, written: list[Path]) -> list[dict]:
    """Merge each group needing it into a new segment (renamed from its partial folder when
    complete, appended to ``written``); returns the new manifest's segment entries."""
    number = next_segment_number(root, entries)
    out = []
    for group in groups:
        if not _needs_merge(group, entries):
            out.append(entries[group[0]])
            continue
        if not sum(int(entries[i]["live"]) for i in group):
            continue  # every paper deleted: the group's segments just go
        name = f"seg-{number:05d}"
        number += 1
        partial = root / f".{name}.partial-{os.getpid()}"
        written.append(partial)
        segments = [Segment(root / entries[i]["name"], int(entries[i]["docs"])) for i in group]
        lives = [_live_mask(root, entries[i]) for i in group]
        docs = merge_segments(segments, lives, partial)
        partial.rename(root / name)
        written[-1] = root / name
        merged = ", ".join(entries[i]["name"] for i in group)
        log(f"{name}: {docs} papers (from {merged})")
        out.append({"name": name, "docs": docs, "deleted": None, "live": docs})
    return out


def compact_index(
    root: str | Path,
    segment_docs: int = COMPACT_DOCS,
    log: Callable[[str], None] = lambda s: None,
) -> dict:
    """Merge the segments of the index at ``root`` into segments of at most
    ``segment_docs`` live papers, dropping deleted ones; returns the new manifest."""
    if segment_docs < 1:
        raise InputError(f"segment size {segment_docs}: expected at least 1 paper per segment")
    root = Path(root).expanduser().resolve()
    manifest = read_manifest(root)
    clear_partials(root)
    entries = [dict(s) for s in manifest["segments"]]
    groups = plan_groups(entries, segment_docs)
    if not any(_needs_merge(g, entries) for g in groups):
        log(f"{root}: nothing to compact")
        return manifest
    written: list[Path] = []
    try:
        segments = _write_groups(root, entries, groups, log, written)
        removed = sum(int(s["docs"]) - int(s["live"]) for s in entries)
        record = {
            "action": "compact",
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "segments_before": len(entries),
            "segments_after": len(segments),
            "removed": removed,
        }
        new = {
            **manifest,
            "generation": int(manifest["generation"]) + 1,
            "segments": segments,
            "history": [*manifest["history"], record],
        }
        write_json(root / MANIFEST, new)
    except BaseException:
        for folder in written:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    kept = {s["name"] for s in segments}
    for entry in entries:
        if entry["name"] not in kept:
            shutil.rmtree(root / entry["name"], ignore_errors=True)
    return new

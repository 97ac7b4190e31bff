"""Build a persistent index from a corpus or arXiv's snapshot, and add records to it later.

``build_index`` writes ``manifest.json`` plus one segment (``synth.store.segment``) per
``segment_docs`` papers into a temporary folder renamed to the index folder at the end, so an
interrupted build leaves nothing behind. ``update_index`` writes one new segment and new
deletion masks beside the old ones, then swaps the manifest: readers see the old index or the
new one, never a mix. One copy of a paper stays live: the highest version, else the last seen
(``synth.sources.dedupe_papers``' rule, applied across segments).
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from synth.errors import InputError
from synth.io import read_json, write_json
from synth.sources import dedupe_papers, make_papers
from synth.store.segment import K1, B, Segment, write_segment
from synth.store.snapshot import is_snapshot, read_snapshot

FORMAT = "synth-index"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SEGMENT_DOCS = 200_000


def read_manifest(root: str | Path) -> dict:
    """The index's manifest; ``InputError`` (one line) when ``root`` is not an index."""
    root = Path(root).expanduser()
    path = root / MANIFEST
    if not root.is_dir():
        raise InputError(f"{root}: index folder not found (build one with `synth index build`)")
    if not path.is_file():
        raise InputError(f"{root}: not a synth index (no {MANIFEST}; see `synth index build`)")
    try:
        manifest = read_json(path)
    except (ValueError, OSError) as err:
        raise InputError(f"{path}: unreadable index manifest ({err})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise InputError(f"{path}: not a synth index manifest (expected format {FORMAT!r})")
    if manifest.get("version") != FORMAT_VERSION:
        raise InputError(f"{path}: index format version {manifest.get('version')} unsupported")
    return manifest


_PARTIAL = re.compile(r"^\.(.+)\.partial-(\d+)$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clear_partials(folder: Path, name: str | None = None) -> list[Path]:
    """Remove the hidden ``.NAME.partial-PID`` folders in ``folder`` (only those of ``name``
    when given) left by a build, update or compaction killed outright (PID no longer
    running), saying so on stderr in one line; returns them."""
    stale = []
    for path in sorted(folder.glob(".*.partial-*")) if folder.is_dir() else []:
        match = _PARTIAL.match(path.name)
        if not match or (name is not None and match.group(1) != name) or not path.is_dir():
            continue
        if not _alive(int(match.group(2))):
            shutil.rmtree(path, ignore_errors=True)
            stale.append(path)
    if stale:
        names = ", ".join(p.name for p in stale)
        print(
            f"synth: removed {len(stale)} folder(s) left by stopped runs in {folder}: {names}",
            file=sys.stderr,
        )
    return stale


def next_segment_number(root: Path, entries: list[dict]) -> int:
    """The number of the next new segment: above the manifest's and any folder's (one left
    by a run killed between writing a segment and swapping the manifest)."""
    names = [e["name"] for e in entries] + [p.name for p in root.glob("seg-*")]
    numbers = [int(n.split("-")[1]) for n in names if re.fullmatch(r"seg-\d+", n)]
    return 1 + max(numbers, default=-1)


def _progress(progress: bool, what: str):
    from tqdm import tqdm

    return tqdm(desc=what, unit=" records", file=sys.stderr, disable=not progress, mininterval=1.0)


def source_batches(
    source: str | Path, size: int, progress: bool = True
) -> Iterator[tuple[pd.DataFrame, int]]:
    """Papers of ``source`` in tables of at most ``size`` rows, each with the number of
    unreadable records skipped on the way: a snapshot file is streamed, anything else is read
    with ``synth.sources.local.load_corpus``."""
    path = Path(source).expanduser()
    if size < 1:
        raise InputError(f"segment size {size}: expected at least 1 paper per segment")
    if not path.exists():
        raise InputError(f"{path}: source not found (expected a corpus or an arXiv snapshot)")
    bar = _progress(progress, f"indexing {path.name}")
    with bar:
        if is_snapshot(path):
            rows, skipped = [], 0
            for _, item in read_snapshot(path):
                bar.update()
                if isinstance(item, dict):
                    rows.append(item)
                else:
                    skipped += 1
                if len(rows) == size:
                    yield make_papers(rows), skipped
                    rows, skipped = [], 0
            if rows or skipped:
                yield make_papers(rows), skipped
            return
        from synth.sources.local import load_corpus

        loaded = load_corpus(path)
        for start in range(0, len(loaded.papers), size):
            batch = loaded.papers.iloc[start : start + size].reset_index(drop=True)
            bar.update(len(batch))
            yield batch, len(loaded.skipped) if start == 0 else 0


class Registry:
    """Which copy of each paper is live: id -> (segment, row, version), and each segment's
    deletion mask."""

    def __init__(self) -> None:
        self.where: dict[str, tuple[int, int, int]] = {}
        self.deleted: list[np.ndarray] = []

    def load(self, segments: list[Segment], masks: list[np.ndarray]) -> None:
        for number, (seg, mask) in enumerate(zip(segments, masks, strict=True)):
            self.deleted.append(mask.copy())
            live = np.flatnonzero(~mask)
            ids = np.char.decode(np.asarray(seg.ids[live]), "utf-8").tolist()
            versions = np.asarray(seg.versions[live]).tolist()
            places = zip([number] * len(live), live.tolist(), versions, strict=True)
            self.where.update(zip(ids, places, strict=True))

    def admit(self, batch: pd.DataFrame, segment: int) -> tuple[pd.DataFrame, int, int]:
        """The batch's rows to index as ``segment``: one per id, only where newer than the
        indexed copy (a higher version; with versions unknown, the later record); the older
        copies get deleted. Returns (rows, replaced, dropped)."""
        batch, dropped = dedupe_papers(batch)
        versions = batch["version"].fillna(-1).astype(int).tolist()
        keep, replaced = [], 0
        for pid, version in zip(batch["paper_id"], versions, strict=True):
            old = self.where.get(pid)
            if old is not None and (version < old[2] or version == old[2] >= 0):
                keep.append(False)
                continue
            if old is not None:
                self.deleted[old[0]][old[1]] = True
                replaced += 1
            keep.append(True)
        kept = batch[keep].reset_index(drop=True)
        kept_versions = [v for v, k in zip(versions, keep, strict=True) if k]
        for row, (pid, version) in enumerate(zip(kept["paper_id"], kept_versions, strict=True)):
            self.where[pid] = (segment, row, version)
        self.deleted.append(np.zeros(len(kept), dtype=bool))
        return kept, replaced, dropped + len(batch) - len(kept)


def _new_counts() -> dict:
    return {"added": 0, "replaced": 0, "dropped": 0, "skipped": 0, "segments": []}


def _add_segments(
    root: Path,
    registry: Registry,
    batches: Iterator[tuple[pd.DataFrame, int]],
    first: int,
    counts: dict,
    log: Callable[[str], None],
) -> None:
    """Write each batch's admitted papers as the next segment, counting into ``counts``."""
    number = first
    for batch, skipped in batches:
        counts["skipped"] += skipped
        kept, replaced, dropped = registry.admit(batch, number)
        counts["replaced"] += replaced
        counts["dropped"] += dropped
        if kept.empty:
            registry.deleted.pop()
            continue
        name = f"seg-{number:05d}"
        counts["segments"].append({"name": name, "docs": len(kept)})
        partial = root / f".{name}.partial-{os.getpid()}"
        write_segment(kept, partial)
        partial.rename(root / name)
        counts["added"] += len(kept)
        log(f"{name}: {len(kept)} papers")
        number += 1


def _save_masks(root: Path, segments: list[dict], registry: Registry, generation: int) -> None:
    for entry, mask in zip(segments, registry.deleted, strict=True):
        old = entry.get("deleted")
        if mask.any() and (old is None or int(mask.sum()) != entry["docs"] - entry["live"]):
            name = f"deleted-{generation}.npy"
            np.save(root / entry["name"] / name, mask)
            entry["deleted"] = name
        entry["live"] = int(entry["docs"] - mask.sum())


def _record(source: Path, counts: dict) -> dict:
    at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    keys = ("added", "replaced", "dropped", "skipped")
    return {"source": str(source), "at": at, **{k: counts[k] for k in keys}}


def build_index(
    source: str | Path,
    out: str | Path,
    segment_docs: int = SEGMENT_DOCS,
    progress: bool = True,
    log: Callable[[str], None] = lambda s: None,
) -> dict:
    """Index ``source`` (a corpus or an arXiv snapshot file) into the new folder ``out``;
    returns the manifest."""
    out = Path(out).expanduser().resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            f"{out}: already exists (choose a new --out, or add records with "
            f"`synth index update {out} SOURCE`)"
        )
    source = Path(source).expanduser().resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    clear_partials(out.parent, out.name)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        registry, counts = Registry(), _new_counts()
        batches = source_batches(source, segment_docs, progress)
        _add_segments(tmp, registry, batches, 0, counts, log)
        segments = [{**s, "deleted": None, "live": s["docs"]} for s in counts["segments"]]
        _save_masks(tmp, segments, registry, 0)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "k1": K1,
            "b": B,
            "generation": 0,
            "papers": sum(s["live"] for s in segments),
            "segments": segments,
            "history": [_record(source, counts)],
        }
        write_json(tmp / MANIFEST, manifest)
        if out.exists():
            out.rmdir()
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return manifest


def update_index(
    root: str | Path,
    source: str | Path,
    segment_docs: int = SEGMENT_DOCS,
    progress: bool = True,
    log: Callable[[str], None] = lambda s: None,
) -> dict:
    """Add ``source``'s new papers and newer versions to the index at ``root`` as new
    segments (older copies marked deleted); returns the new manifest."""
    root = Path(root).expanduser().resolve()
    manifest = read_manifest(root)
    source = Path(source).expanduser().resolve()
    clear_partials(root)
    segments = [dict(s) for s in manifest["segments"]]
    opened = [Segment(root / s["name"], s["docs"]) for s in segments]
    masks = [
        np.load(root / s["name"] / s["deleted"]) if s["deleted"] else np.zeros(s["docs"], bool)
        for s in segments
    ]
    registry = Registry()
    registry.load(opened, masks)
    generation = int(manifest["generation"]) + 1
    first = next_segment_number(root, segments)
    counts = _new_counts()
    try:
        batches = source_batches(source, segment_docs, progress)
        _add_segments(root, registry, batches, first, counts, log)
        segments += [{**s, "deleted": None, "live": s["docs"]} for s in counts["segments"]]
        old_masks = {s["name"]: s["deleted"] for s in segments}
        _save_masks(root, segments, registry, generation)
        manifest = {
            **manifest,
            "generation": generation,
            "papers": sum(s["live"] for s in segments),
            "segments": segments,
            "history": [*manifest["history"], _record(source, counts)],
        }
        write_json(root / MANIFEST, manifest)
    except BaseException:
        for s in counts["segments"]:
            shutil.rmtree(root / s["name"], ignore_errors=True)
            shutil.rmtree(root / f".{s['name']}.partial-{os.getpid()}", ignore_errors=True)
        for s in segments:
            leftover = root / s["name"] / f"deleted-{generation}.npy"
            leftover.unlink(missing_ok=True)
        raise
    for s in segments:
        stale = old_masks.get(s["name"])
        if stale and stale != s["deleted"]:
            (root / s["name"] / stale).unlink(missing_ok=True)
    return manifest

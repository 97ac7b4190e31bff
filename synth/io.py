"""Reading and writing run artifacts atomically (temporary file in the same folder, then
``os.replace``), so a killed run never leaves a half-written table behind."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from synth.errors import InputError


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: str | Path, text: str) -> Path:
    """Write UTF-8 text atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON (indented, UTF-8, keys in insertion order) atomically."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


def read_json(path: str | Path) -> Any:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _csv_ready(table: pd.DataFrame) -> pd.DataFrame:
    """Lists become '; '-joined strings so the CSV stays one row per record."""
    out = table.copy()
    for col in out.columns:
        if out[col].dtype == object and out[col].map(lambda v: isinstance(v, list)).any():
            out[col] = out[col].map(lambda v: "; ".join(map(str, v)) if isinstance(v, list) else v)
    return out


def write_table(run_dir: str | Path, name: str, table: pd.DataFrame, csv: bool = True) -> Path:
    """Write ``<name>.parquet`` (and ``<name>.csv`` when ``csv``) into ``run_dir`` atomically."""
    run_dir = Path(run_dir)
    with atomic_path(run_dir / f"{name}.parquet") as tmp:
        table.to_parquet(tmp, index=False)
    if csv:
        with atomic_path(run_dir / f"{name}.csv") as tmp:
            _csv_ready(table).to_csv(tmp, index=False)
    return run_dir / f"{name}.parquet"


def read_table(run_dir: str | Path, name: str, stage: str | None = None) -> pd.DataFrame:
    """Read ``<name>.parquet`` from ``run_dir``; a missing file is an ``InputError`` that
    says which stage writes it."""
    path = Path(run_dir) / f"{name}.parquet"
    if not path.is_file():
        hint = f" (run the {stage} stage first)" if stage else ""
        raise InputError(f"{path}: missing artifact{hint}")
    return pd.read_parquet(path)


def save_figure(fig: Any, run_dir: str | Path, name: str) -> Path:
    """Save a matplotlib figure as ``figures/<name>.png`` in the run folder."""
    path = Path(run_dir) / "figures" / f"{name}.png"
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    return path


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, or of every file below a folder (sorted by path)."""
    digest = hashlib.sha256()
    p = Path(path)
    files = sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            digest.update(str(f.relative_to(p)).encode())
        with open(f, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def check_table(table: pd.DataFrame, name: str, columns: list[str], unique: str | None = None,
                nonempty: list[str] | None = None) -> pd.DataFrame:
    """Check an artifact before a stage ends: required columns present, ``unique`` column
    without duplicates, ``nonempty`` columns without blank text. Returns the table."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise AssertionError(f"{name}: missing columns {missing}")
    if unique and table[unique].duplicated().any():
        raise AssertionError(f"{name}: duplicate {unique} values")
    for col in nonempty or []:
        if (table[col].astype(str).str.strip() == "").any():
            raise AssertionError(f"{name}: empty {col}")
    return table

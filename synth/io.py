"""Reading and writing run artifacts atomically (temporary file in the same folder, then
``os.replace``), so a killed run never leaves a half-written table behind; ``Artifacts``
reads and writes a stage's artifacts as the stage table (``synth.stages``) declares them."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import pandas as pd

from synth.errors import InputError
from synth.stages import QUESTION, STAGE, writer_of


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# errors that mean the path itself is wrong (bad input), not that the disk failed
_PATH_ERRORS = (errno.EACCES, errno.EPERM, errno.ENOENT, errno.ENOTDIR, errno.EISDIR, errno.EROFS)


def _path_error(target: Path, err: OSError) -> InputError | OSError:
    if isinstance(err, FileExistsError):
        return InputError(f"{target}: cannot write there (a parent path is not a folder)")
    if err.errno in _PATH_ERRORS:
        return InputError(f"{target}: cannot write there ({err.strerror or err})")
    return err


def existing_kind(path: str | Path) -> str:
    """What is at ``path`` (symlinks followed): ``missing``, ``file``, ``directory``,
    ``device`` (character or block), ``pipe``, ``socket`` or ``other``; a path that cannot
    be looked at (a symlink loop, a name too long) is an ``InputError``."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    except OSError as err:  # a symlink loop, a name too long, a folder we may not enter
        raise InputError(f"{path}: cannot be used ({err.strerror or err})") from None
    kinds = (
        (stat.S_ISREG, "file"),
        (stat.S_ISDIR, "directory"),
        (stat.S_ISCHR, "device"),
        (stat.S_ISBLK, "device"),
        (stat.S_ISFIFO, "pipe"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), "other")


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is renamed onto ``path``.

    Only a new path or a regular file is ever replaced (a symlink's target, not the link,
    keeping its mode): a directory, device, pipe or socket is refused with ``InputError``,
    as is a folder that cannot be written to, before anything is written.
    """
    target = Path(os.path.realpath(path))
    kind = existing_kind(target)
    if kind not in ("missing", "file"):
        raise InputError(f"{path}: is a {kind}, not a regular file; will not replace it")
    mode = stat.S_IMODE(target.stat().st_mode) if kind == "file" else 0o666 & ~_umask()
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise _path_error(target, err) from None
    os.close(fd)
    os.chmod(tmp, mode)  # the replaced file's mode, or what open() would give (not 0600)
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


def read_table(path: str | Path) -> pd.DataFrame:
    """A parquet or CSV table; a missing file is an ``InputError`` naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: missing table")
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


@dataclass(frozen=True)
class Artifacts:
    """The run folder as one stage sees it: reads and writes only what ``synth.stages``
    declares for ``stage`` (anything else is an ``AssertionError``: the table is wrong or the
    notebook is), atomically. A missing input names the stage that writes it."""

    run_dir: Path
    stage: str

    def _declared(self, name: str, kind: str) -> Path:
        listed = STAGE[self.stage].reads if kind == "read" else STAGE[self.stage].outputs
        if name not in listed:
            raise AssertionError(
                f"stage {self.stage} {kind}s {name}, which synth.stages "
                f"does not list among its {kind}s"
            )
        path = Path(self.run_dir) / name
        if kind == "read" and not path.is_file():
            raise InputError(f"{path}: missing artifact (run the {writer_of(name)} stage first)")
        return path

    def table(self, name: str) -> pd.DataFrame:
        """``<name>.parquet`` (or ``name`` itself when it ends in ``.csv``)."""
        file = name if name.endswith(".csv") else f"{name}.parquet"
        return read_table(self._declared(file, "read"))

    def record(self, name: str) -> Any:
        """A JSON artifact, e.g. ``search.json`` or ``params/screen.json``."""
        return read_json(self._declared(name, "read"))

    def question(self) -> str:
        """The research question the search stage recorded for this run."""
        return str(self.record(QUESTION)["question"])

    def write_table(
        self, name: str, table: pd.DataFrame, formats: tuple[str, ...] = ("parquet", "csv")
    ) -> pd.DataFrame:
        """Write ``<name>.parquet`` and/or ``<name>.csv``; return the table."""
        for fmt in formats:
            with atomic_path(self._declared(f"{name}.{fmt}", "write")) as tmp:
                if fmt == "parquet":
                    table.to_parquet(tmp, index=False)
                else:
                    _csv_ready(table).to_csv(tmp, index=False)
        return table

    def write_record(self, name: str, data: Any) -> Any:
        """Write a JSON artifact; return ``data``."""
        write_json(self._declared(name, "write"), data)
        return data

    def write_text(self, name: str, text: str) -> Path:
        return write_text(self._declared(name, "write"), text)

    def save_figure(self, fig: Any, name: str) -> Path:
        """Save a matplotlib figure as ``figures/<name>.png``."""
        path = self._declared(f"figures/{name}.png", "write")
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
        return path

    def missing_outputs(self) -> list[str]:
        """Declared outputs of the stage that are not in the run folder."""
        return [n for n in STAGE[self.stage].outputs if not (Path(self.run_dir) / n).is_file()]


def open_regular(path: str | Path) -> BinaryIO:
    """Open ``path`` for reading in binary, only if it is a regular file: a FIFO, device or
    socket (which could block or never end), a directory or an unreadable file is an
    ``InputError`` naming it. The check is made on the opened file, so it cannot race."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as err:
        raise InputError(f"{path}: cannot read file ({err.strerror or err})") from None
    kind = "file" if stat.S_ISREG(os.fstat(fd).st_mode) else existing_kind(path)
    if kind != "file":
        os.close(fd)
        raise InputError(f"{path}: is a {kind}, not a regular file (expected a file to read)")
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def files_sha256(root: str | Path, files: list[Path]) -> str:
    """SHA-256 over ``files`` below ``root``: each one's path relative to ``root``, then its
    bytes, in the order given."""
    digest = hashlib.sha256()
    for f in files:
        digest.update(str(Path(f).relative_to(root)).encode())
        with open_regular(f) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a regular file's bytes, or of every regular file below a folder (sorted
    by path, symlinked folders not followed); anything else is an ``InputError``."""
    p = Path(path)
    if not p.is_dir():
        digest = hashlib.sha256()
        with open_regular(p) as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()
    found = (Path(d) / f for d, _, names in os.walk(p) for f in names)
    return files_sha256(p, sorted(f for f in found if f.is_file()))


def check_table(
    table: pd.DataFrame,
    name: str,
    columns: list[str],
    unique: str | None = None,
    nonempty: list[str] | None = None,
) -> pd.DataFrame:
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

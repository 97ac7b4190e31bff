"""The run folder and its manifest (``run.json``): creating or reopening a folder, recording
each stage's status, and deciding which finished stages a resumed run may reuse."""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from synth.errors import InputError
from synth.io import file_sha256, read_json, write_json
from synth.run.request import RunRequest, check_utf8, input_hashes, package_versions
from synth.stages import REPORT_FILES

LOCK = "run.lock"
RENDERED = (*REPORT_FILES, "report.pdf", "report_files")


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def new_run_dir(
    out_root: Path, params_file: str | Path | None, when: dt.datetime | None = None
) -> Path:
    """``<out_root>/<params stem>_<UTC timestamp>``, made unique if that name exists."""
    when = when or dt.datetime.now(dt.UTC)
    stem = Path(params_file).stem if params_file else "default"
    base = out_root / f"{stem}_{when.strftime('%Y%m%dT%H%M%SZ')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def _reopen(run_dir: Path, request: RunRequest, stack: contextlib.ExitStack | None) -> dict:
    manifest_path = run_dir / "run.json"
    if not run_dir.is_dir() or not manifest_path.is_file():
        raise InputError(f"{run_dir}: exists and is not a synth run folder; will not overwrite")
    if stack is not None:
        stack.enter_context(lock_run(run_dir))
    try:
        manifest = read_json(manifest_path)
    except (OSError, ValueError) as err:
        raise InputError(
            f"{manifest_path}: unreadable run manifest ({type(err).__name__}); choose a new --out"
        ) from None
    if isinstance(manifest, dict):
        manifest.setdefault("stages", {})
    problem = manifest_problem(manifest)
    if problem:
        raise InputError(f"{manifest_path}: not a run manifest ({problem}); choose a new --out")
    if manifest.get("fingerprint") != request.fingerprint():
        raise InputError(
            f"{run_dir}: holds a run with another question, parameters or corpus; "
            "choose a new --out"
        )
    if manifest.get("input_hashes") != input_hashes(request):
        raise InputError(
            f"{run_dir}: the corpus, index or params file changed since that run; "
            "choose a new --out"
        )
    return manifest


def manifest_problem(manifest: Any) -> str | None:
    """What makes a parsed ``run.json`` unusable (wrong types where the runner reads it), or
    None. A manifest edited by hand or cut short must not crash the resume."""
    if not isinstance(manifest, dict):
        return f"expected a JSON object, got {type(manifest).__name__}"
    stages = manifest.get("stages")
    if not isinstance(stages, dict):
        return f'"stages" should be an object, got {type(stages).__name__}'
    for name, record in stages.items():
        if not isinstance(record, dict):
            return f'"stages"."{name}" should be an object, got {type(record).__name__}'
        if not isinstance(record.get("outputs", {}), dict):
            return f'"stages"."{name}"."outputs" should be an object'
    return None


def _create(
    run_dir: Path, request: RunRequest, exist_ok: bool, stack: contextlib.ExitStack | None
) -> dict:
    manifest = {
        "question": request.question,
        "fingerprint": request.fingerprint(),
        "params_file": request.params_file,
        "params": request.params,
        "corpus": request.corpus,
        "index": request.index,
        "source": ("local corpus" if request.corpus else "index" if request.index else "arXiv API"),
        "created": now(),
        "versions": package_versions(),
        "input_hashes": input_hashes(request),
        "stages": {},
    }
    made = not run_dir.exists()
    try:
        run_dir.mkdir(parents=True, exist_ok=exist_ok)  # exists only when empty
        if stack is not None:
            stack.enter_context(lock_run(run_dir))
        (run_dir / "notebooks").mkdir(exist_ok=not made)  # left by a run that died early
    except FileExistsError:  # another run took the name meanwhile
        raise InputError(
            f"{run_dir}: created by another run meanwhile; will not overwrite"
        ) from None
    except OSError as err:
        raise InputError(
            f"{run_dir}: cannot create the run folder ({err.strerror or err})"
        ) from None
    try:
        write_json(run_dir / "run.json", manifest)
    except BaseException:  # nothing half-made stays behind to block this --out
        _unmake(run_dir, made)
        raise
    return manifest


def _unmake(run_dir: Path, made: bool) -> None:
    """Remove a run folder whose manifest could not be written (all of it when this run made
    it, else only what it added to the empty folder it was given)."""
    if made:
        shutil.rmtree(run_dir, ignore_errors=True)
        return
    shutil.rmtree(run_dir / "notebooks", ignore_errors=True)
    (run_dir / LOCK).unlink(missing_ok=True)


@contextlib.contextmanager
def lock_run(run_dir: Path) -> Iterator[None]:
    """Hold ``run.lock`` in ``run_dir`` (an exclusive ``flock``, released when the process
    ends, however it ends) while a run works in the folder; a second run of the same folder
    gets an ``InputError`` naming the holder (pid, host, since when)."""
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK  # never through a link
    try:
        fd = os.open(run_dir / LOCK, flags, 0o644)
    except OSError as err:
        raise InputError(f"{run_dir / LOCK}: cannot open the run's lock ({err.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise InputError(f"{run_dir / LOCK}: the run's lock is not a regular file")
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
            raise InputError(
                f"{run_dir}: in use by another synth run ({holder}); wait for it to end "
                "or choose another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()} since {now()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def open_run(
    request: RunRequest,
    out: str | Path | None,
    out_root: Path,
    stack: contextlib.ExitStack | None = None,
) -> tuple[Path, dict]:
    """Create a new run folder or reopen ``out`` for resuming; return it and its manifest.

    ``out`` may name a missing folder or an ``unused`` one (a new run), or a run folder of the
    same request (resumed); anything else is refused with ``InputError``, so an existing run
    or any other file is never overwritten. With ``stack``, the folder's lock (``lock_run``)
    is taken before its manifest is read or written and held until ``stack`` closes.
    """
    check_utf8(str(out_root), "--out-root")
    target = out_path(out)
    if target is not None and target.exists() and not unused(target):
        return target, _reopen(target, request, stack)
    run_dir = target if target is not None else new_run_dir(out_root.resolve(), request.params_file)
    return run_dir, _create(run_dir, request, target is not None, stack)


def unused(folder: Path) -> bool:
    """An empty folder, or one holding only what a run that died before writing its
    manifest leaves (an empty ``notebooks/``, ``run.lock``): a new run may use it."""
    if not folder.is_dir() or folder.is_symlink():
        return False
    for entry in folder.iterdir():
        if entry.name == LOCK and entry.is_file() and not entry.is_symlink():
            continue
        if entry.name == "notebooks" and entry.is_dir() and not any(entry.iterdir()):
            continue
        return False
    return True


def out_path(out: str | Path | None, what: str = "--out") -> Path | None:
    """``out`` as an absolute path, ``~`` expanded, symbolic links resolved; ``InputError``
    for one that is not UTF-8, loops or is too long to look up."""
    if out is None:
        return None
    check_utf8(str(out), what)
    try:
        path = Path(out).expanduser().resolve()
        path.exists()
    except (OSError, RuntimeError) as err:  # RuntimeError: a symbolic link loop
        reason = getattr(err, "strerror", None) or str(err)
        raise InputError(f"{out}: not a usable {what} path ({reason})") from None
    return path


def stage_is_done(run_dir: Path, record: dict | None, expected: tuple[str, ...] = ()) -> bool:
    """A stage is reused when it finished, recorded a hash for each ``expected`` output, and
    every recorded output still has its recorded hash."""
    if not record or record.get("status") != "done":
        return False
    outputs = record.get("outputs", {})
    if not isinstance(outputs, dict) or any(name not in outputs for name in expected):
        return False
    return all(
        (run_dir / name).is_file() and file_sha256(run_dir / name) == digest
        for name, digest in outputs.items()
    )


def record_stage(run_dir: Path, manifest: dict, stage: str, **fields: Any) -> None:
    """Update the stage's entry in ``run.json`` (status, times, outputs, error)."""
    manifest["stages"].setdefault(stage, {}).update(fields)
    write_json(run_dir / "run.json", manifest)


def output_hashes(run_dir: Path, names: tuple[str, ...]) -> dict[str, str]:
    return {n: file_sha256(run_dir / n) for n in names}


def invalidate(run_dir: Path, manifest: dict, stages: list[str]) -> None:
    """Before ``stages`` run again: forget their records, the run's counts and end time, and
    remove the rendered report, all in one manifest write, so a run that then fails does not
    look finished."""
    if not stages:
        return
    for name in stages:
        manifest["stages"].pop(name, None)
    manifest.pop("finished", None)
    manifest.pop("counts", None)
    write_json(run_dir / "run.json", manifest)
    for path in (run_dir / name for name in RENDERED):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:  # a file, or a link (removed, never followed)
            path.unlink(missing_ok=True)


def finish(run_dir: Path, manifest: dict) -> None:
    """Record the run's counts and end time in ``run.json``."""
    papers = pd.read_parquet(run_dir / "papers.parquet")
    claims = pd.read_parquet(run_dir / "claims.parquet")
    verdicts = pd.read_parquet(run_dir / "verdicts.parquet")
    review = read_json(run_dir / "review.json")
    manifest["counts"] = {
        "candidates": len(papers),
        "included": int(papers["included"].sum()),
        "claims": len(claims),
        "verdicts": {str(k): int(v) for k, v in verdicts["label"].value_counts().items()},
        "review_overall": review["overall"],
    }
    manifest["finished"] = now()
    write_json(run_dir / "run.json", manifest)

"""The run folder and its manifest (``run.json``): creating or reopening a folder, recording
each stage's status, and deciding which finished stages a resumed run may reuse."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from synth.errors import InputError
from synth.io import file_sha256, read_json, write_json
from synth.run.request import RunRequest, input_hashes, package_versions


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


def _reopen(run_dir: Path, request: RunRequest) -> dict:
    manifest_path = run_dir / "run.json"
    if not run_dir.is_dir() or not manifest_path.is_file():
        raise InputError(f"{run_dir}: exists and is not a synth run folder; will not overwrite")
    try:
        manifest = read_json(manifest_path)
    except (OSError, ValueError) as err:
        raise InputError(
            f"{manifest_path}: unreadable run manifest ({type(err).__name__}); choose a new --out"
        ) from None
    if not isinstance(manifest, dict) or manifest.get("fingerprint") != request.fingerprint():
        raise InputError(
            f"{run_dir}: holds a run with another question, parameters or corpus; "
            "choose a new --out"
        )
    if manifest.get("input_hashes") != input_hashes(request):
        raise InputError(
            f"{run_dir}: the corpus, index or params file changed since that run; "
            "choose a new --out"
        )
    manifest.setdefault("stages", {})
    return manifest


def _create(run_dir: Path, request: RunRequest, exist_ok: bool) -> dict:
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
    try:
        run_dir.mkdir(parents=True, exist_ok=exist_ok)  # exists only when empty
        (run_dir / "notebooks").mkdir()
    except FileExistsError:  # another run took the name meanwhile
        raise InputError(
            f"{run_dir}: created by another run meanwhile; will not overwrite"
        ) from None
    except OSError as err:
        raise InputError(
            f"{run_dir}: cannot create the run folder ({err.strerror or err})"
        ) from None
    write_json(run_dir / "run.json", manifest)
    return manifest


def open_run(request: RunRequest, out: str | Path | None, out_root: Path) -> tuple[Path, dict]:
    """Create a new run folder or reopen ``out`` for resuming; return it and its manifest.

    ``out`` may name a missing folder or an empty one (a new run), or a run folder of the
    same request (resumed); anything else is refused with ``InputError``, so an existing run
    or any other file is never overwritten.
    """
    target = Path(out).expanduser().resolve() if out is not None else None
    if (
        target is not None
        and target.exists()
        and not (target.is_dir() and not any(target.iterdir()))
    ):
        return target, _reopen(target, request)
    run_dir = target if target is not None else new_run_dir(out_root.resolve(), request.params_file)
    return run_dir, _create(run_dir, request, exist_ok=target is not None)


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

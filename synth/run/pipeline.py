"""Running the stages in order (or resuming a run), and the same question under several
parameter sets side by side. Reads like papermill's ``execute_notebook``: open the run
folder, then for each stage of ``synth.stages`` reuse or execute it and record it."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nbformat

from synth.config import notebook_parameters
from synth.errors import InputError, SearchError, sigterm_as_interrupt
from synth.io import read_json, write_json, write_text
from synth.run.engines import INPROCESS, StageError, execute_stage, shared_kernel
from synth.run.folder import (
    finish,
    invalidate,
    new_run_dir,
    now,
    open_run,
    out_path,
    output_hashes,
    record_stage,
    stage_is_done,
)
from synth.run.render import render_report, report_only, to_html
from synth.run.request import RunRequest
from synth.stages import (
    COMPARE_NOTEBOOK,
    QUESTION,
    REPORT_FILES,
    STAGES,
    Stage,
    project_notebooks,
    run_paths,
)

Log = Callable[[str], None]


def stage_outputs(stage: Stage) -> tuple[str, ...]:
    """What a finished stage leaves: its declared outputs, and the rendered report files."""
    return stage.outputs + (REPORT_FILES if stage.name == "report" else ())


def render_run_report(
    run_dir: str | Path, notebooks: Path | None = None, progress: bool = False
) -> dict[str, Path]:
    """Execute the report notebook on ``run_dir`` and render ``report.html`` / ``report.md``:
    the report stage of ``synth run``, for a run made notebook by notebook in JupyterLab."""
    run_dir = Path(run_dir).expanduser().resolve()
    stage = STAGES[-1]
    notebook = (notebooks or project_notebooks()) / f"{stage.notebook}.ipynb"
    executed = run_dir / "notebooks" / notebook.name
    executed.parent.mkdir(parents=True, exist_ok=True)
    params = {"run_dir": str(run_dir), **dict(stage.fixed)}
    execute_stage(stage.name, notebook, executed, params, progress=progress)
    return render_report(executed, read_json(run_dir / QUESTION)["question"], run_dir)


def _run_stage(
    stage: Stage,
    run_dir: Path,
    manifest: dict,
    params: dict,
    notebooks: Path,
    engine: str | None,
    km: Any,
    progress: bool,
) -> None:
    started = time.perf_counter()
    record_stage(run_dir, manifest, stage.name, status="running", started=now())
    executed = run_dir / "notebooks" / f"{stage.notebook}.ipynb"
    execute_stage(
        stage.name,
        notebooks / f"{stage.notebook}.ipynb",
        executed,
        notebook_parameters(params, stage.name, run_dir),
        engine=engine,
        km=km,
        progress=progress,
    )
    if stage.name == "report":
        render_report(executed, read_json(run_dir / QUESTION)["question"], run_dir)
    missing = [n for n in stage_outputs(stage) if not (run_dir / n).is_file()]
    if missing:
        raise StageError(
            f"stage {stage.name} finished without writing {', '.join(missing)}; "
            f"the executed notebook is {executed}"
        )
    record_stage(
        run_dir,
        manifest,
        stage.name,
        status="done",
        outputs=output_hashes(run_dir, stage_outputs(stage)),
        seconds=round(time.perf_counter() - started, 2),
    )


def _record_failure(
    err: BaseException, stage: Stage, run_dir: Path, manifest: dict, log: Log
) -> None:
    interrupted = isinstance(err, KeyboardInterrupt)
    if not run_dir.is_dir():  # removed under the run: writing run.json would recreate it
        return
    try:
        record_stage(
            run_dir,
            manifest,
            stage.name,
            status="interrupted" if interrupted else "failed",
            error=" ".join(f"{type(err).__name__}: {err}".split()),
            notebook=str(run_dir / "notebooks" / f"{stage.notebook}.ipynb"),
        )
    except OSError as why:  # the disk is full, say: the original error is what to report
        log(f"[{stage.name}] could not record the failure in run.json ({why.strerror or why})")
    if interrupted:
        log(f"[{stage.name}] interrupted; run the same command again to resume ({run_dir})")


def run_pipeline(
    request: RunRequest,
    out: str | Path | None = None,
    out_root: str | Path = "output",
    notebooks: Path | None = None,
    progress: bool = True,
    log: Log = lambda s: None,
    shared: bool = True,
    in_process: bool = False,
) -> Path:
    """Run (or resume) every stage and render the report; return the run folder.

    Stages run one after another on one kernel (``shared``; namespace reset between them),
    or each on its own kernel, or (``in_process``) in this process through the
    ``synth-inprocess`` papermill engine, the report excepted (it needs a kernel's displays).
    Resuming reuses each finished stage whose outputs still hash as recorded in ``run.json``;
    from the first stage that has to run, every later stage runs again. A stage's status is
    ``running``, then ``done`` (output hashes, seconds), ``failed`` (error, notebook) or
    ``interrupted`` (SIGTERM or Ctrl-C; the folder is kept for resuming). A run that fails on
    bad input before any stage finished leaves no folder behind.
    """
    notebooks = notebooks or project_notebooks()
    target = out_path(out)
    fresh = target is None or not target.exists()
    stage = None
    with contextlib.ExitStack() as stack:
        run_dir, manifest = open_run(request, out, Path(out_root), stack)  # locked till the end
        log(f"run folder: {run_dir}")
        cache = run_paths(run_dir, request.params["shared"]["cache_dir"], out_root).cache
        params = {**request.params, "shared": {**request.params["shared"], "cache_dir": str(cache)}}
        stack.enter_context(sigterm_as_interrupt())
        kernel = _lazy_kernel(stack, notebooks)
        try:
            todo = stages_to_run(run_dir, manifest, log)
            invalidate(run_dir, manifest, [s.name for s in todo])
            for stage in todo:
                inline = in_process and stage.name != "report"
                log(f"[{stage.name}] running {stage.notebook}.ipynb")
                km = kernel() if shared and not inline else None
                engine = INPROCESS if inline else None
                _run_stage(stage, run_dir, manifest, params, notebooks, engine, km, progress)
        except BaseException as err:
            _on_failure(err, stage, run_dir, manifest, fresh, log)
            raise
        finish(run_dir, manifest)
    return run_dir


def stages_to_run(run_dir: Path, manifest: dict, log: Log = lambda s: None) -> list[Stage]:
    """The stages a run still has to run: from the first one that is not done with its
    outputs unchanged (``stage_is_done``), every stage to the end."""
    for i, stage in enumerate(STAGES):
        if not stage_is_done(run_dir, manifest["stages"].get(stage.name), stage_outputs(stage)):
            return list(STAGES[i:])
        log(f"[{stage.name}] reused (outputs unchanged)")
    return []


def _lazy_kernel(stack: contextlib.ExitStack, notebooks: Path) -> Callable[[], Any]:
    """A function returning the run's shared kernel, started on first use (a run whose
    stages are all reused starts none) and shut down with ``stack``."""
    started: list[Any] = []

    def kernel() -> Any:
        if not started:
            started.append(stack.enter_context(shared_kernel(notebooks)))
        return started[0]

    return kernel


def holds_cached_pages(run_dir: Path) -> bool:
    """Does the run folder's own cache hold any response (requests-cache SQLite files)?"""
    for db in (run_dir / "cache").rglob("*.sqlite"):
        try:
            with contextlib.closing(sqlite3.connect(db)) as con:
                if con.execute("SELECT count(*) FROM responses").fetchone()[0]:
                    return True
        except sqlite3.Error:
            return True  # unreadable: keep it, a person may want to look
    return False


def _on_failure(
    err: BaseException, stage: Stage | None, run_dir: Path, manifest: dict, fresh: bool, log: Log
) -> None:
    """Bad input, or a search that reached nothing (offline), before any stage finished in a
    new folder: remove the folder, unless it holds cached pages a rerun resumes from.
    Otherwise record the stage as failed or interrupted."""
    done = any(r.get("status") == "done" for r in manifest["stages"].values())
    nothing_kept = isinstance(err, InputError) or (
        isinstance(err, SearchError) and not holds_cached_pages(run_dir)
    )
    if nothing_kept and fresh and not done:
        shutil.rmtree(run_dir, ignore_errors=True)
    elif stage is not None:
        _record_failure(err, stage, run_dir, manifest, log)


def run_compare(
    requests: list[RunRequest],
    out_root: str | Path = "output",
    notebooks: Path | None = None,
    progress: bool = True,
    log: Log = lambda s: None,
    out: str | Path | None = None,
) -> Path:
    """Run the pipeline once per request (sharing one cache), then execute the comparison
    notebook and render ``compare.html``. Returns the comparison folder: ``out``, or a new
    ``<out_root>/compare_<UTC time>``. Given the folder of an earlier comparison of the
    same requests (``compare.json``), resumes it: finished runs are reused. A run that fails
    names the folder to resume in its error."""
    notebooks = notebooks or project_notebooks()
    out_root = Path(out_root).resolve()
    stems = [Path(r.params_file).stem if r.params_file else "default" for r in requests]
    if len(set(stems)) != len(stems):
        raise InputError("compare: give parameter files with different names")
    for request in requests:
        if not request.params["shared"]["cache_dir"]:
            request.params["shared"]["cache_dir"] = str(out_root / "cache")
    folder = open_compare(requests, stems, out, out_root)
    run_dirs = []
    for request, stem in zip(requests, stems, strict=True):
        log(f"== {stem}")
        with _resume_hint(folder):
            run_dirs.append(
                run_pipeline(
                    request,
                    out=folder / stem,
                    out_root=folder,
                    notebooks=notebooks,
                    progress=progress,
                    log=log,
                )
            )
    executed = folder / "compare.ipynb"
    with _resume_hint(folder):
        execute_stage(
            "compare",
            notebooks / f"{COMPARE_NOTEBOOK}.ipynb",
            executed,
            {"run_dirs": [str(r) for r in run_dirs], "question": requests[0].question},
            progress=progress,
        )
    nb = report_only(nbformat.read(executed, as_version=4))
    write_text(folder / "compare.html", to_html(nb, f"Comparison: {requests[0].question}"))
    return folder


def open_compare(
    requests: list[RunRequest], stems: list[str], out: str | Path | None, out_root: Path
) -> Path:
    """The comparison folder with its ``compare.json`` (the runs' names and fingerprints):
    a new one, or ``out`` when it is missing, empty or a comparison of the same requests."""
    record = {"runs": dict(zip(stems, (r.fingerprint() for r in requests), strict=True))}
    folder = out_path(out) or new_run_dir(out_root, "compare")
    manifest = folder / "compare.json"
    if folder.exists() and not (folder.is_dir() and not any(folder.iterdir())):
        try:
            same = read_json(manifest) == record
        except (OSError, ValueError):
            same = False
        if not same:
            raise InputError(
                f"{folder}: exists and is not a comparison of these params files and question; "
                "will not overwrite"
            )
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(
            f"{folder}: cannot create the comparison folder ({err.strerror})"
        ) from None
    write_json(manifest, record)
    return folder


@contextlib.contextmanager
def _resume_hint(folder: Path) -> Iterator[None]:
    """A failed run of a comparison says how to resume the comparison."""
    hint = f"; to resume the comparison, run the same command with --out {folder}"
    try:
        yield
    except StageError as err:
        raise StageError(f"{err}{hint}") from None
    except SearchError as err:
        raise SearchError(f"{err.args[0]}{hint}", notebook=err.notebook) from None

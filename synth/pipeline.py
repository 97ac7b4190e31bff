"""Run the stage notebooks in order with papermill, render the report with nbconvert, and keep
the run folder's manifest (``run.json``).  The only module that runs papermill or nbconvert.

A run folder is never overwritten: a new run gets ``<out root>/<params stem>_<UTC time>``;
naming an existing run folder with ``--out`` resumes it when its question, parameters and
inputs are the same (finished stages whose outputs still hash the same are reused), and is
refused otherwise.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import importlib.metadata
import json
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from synth.config import STAGES, check_question, load_params
from synth.errors import InputError
from synth.io import atomic_path, file_sha256, read_json, write_json, write_text

NOTEBOOKS: dict[str, str] = {
    "search": "10_search",
    "screen": "20_screen",
    "claims": "30_claims",
    "verify": "40_verify",
    "review": "50_review",
    "report": "60_report",
}
OUTPUTS: dict[str, tuple[str, ...]] = {
    "search": ("candidates.parquet", "queries.csv", "load_report.csv", "search.json"),
    "screen": ("papers.parquet", "papers.csv", "prisma.json"),
    "claims": ("sentences.parquet", "claims.parquet", "claims.csv", "tuples.parquet", "tuples.csv"),
    "verify": ("verdicts.parquet", "verdicts.csv", "calibration.json"),
    "review": ("review.json",),
    "report": ("references.bib",),
}
PACKAGES = ("synth", "papermill", "nbconvert", "pandas", "numpy", "scikit-learn", "arxiv",
            "matplotlib", "nupunkt", "PyStemmer", "pypdf")


class StageError(RuntimeError):
    """A stage notebook failed; the message names the stage and the executed notebook."""


@dataclass(frozen=True)
class RunRequest:
    """Everything that defines a run: same request, same results."""

    question: str
    params: dict[str, dict[str, Any]]
    params_file: str | None
    corpus: str

    def fingerprint(self) -> str:
        blob = json.dumps([self.question, self.params, self.corpus], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def project_notebooks() -> Path:
    """The stage notebooks shipped beside the package (``<repo>/notebooks``)."""
    return Path(__file__).resolve().parent.parent / "notebooks"


def make_request(question: str | None, params_file: str | Path | None,
                 corpus: str | Path | None) -> RunRequest:
    """Load and validate params, apply the command-line question and corpus, check inputs.

    Raises ``InputError`` before anything is written.
    """
    params = load_params(params_file)
    if question is not None:
        params["shared"]["question"] = check_question(question, "--question")
    if corpus is not None:
        params["search"]["corpus"] = str(corpus)
    elif params["search"]["corpus"] and params_file:  # relative to the params file
        params["search"]["corpus"] = str(Path(params_file).parent / params["search"]["corpus"])
    corpus_path = params["search"]["corpus"]
    if corpus_path:
        p = Path(corpus_path).expanduser()
        if not p.exists():
            raise InputError(f"{corpus_path}: corpus not found (expected a file or folder of "
                             "JSONL, CSV, BibTeX, RIS or PDF records)")
        params["search"]["corpus"] = str(p.resolve())
    return RunRequest(params["shared"]["question"], params,
                      str(params_file) if params_file else None, params["search"]["corpus"])


def new_run_dir(out_root: Path, params_file: str | Path | None, now: dt.datetime | None = None) -> Path:
    """``<out_root>/<params stem>_<UTC timestamp>``, made unique if that name exists."""
    now = now or dt.datetime.now(dt.UTC)
    stem = Path(params_file).stem if params_file else "default"
    base = out_root / f"{stem}_{now.strftime('%Y%m%dT%H%M%SZ')}"
    path, n = base, 1
    while path.exists():
        n += 1
        path = base.with_name(f"{base.name}-{n}")
    return path


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _input_hashes(request: RunRequest) -> dict[str, str]:
    hashes = {}
    if request.params_file:
        hashes["params"] = file_sha256(request.params_file)
    if request.corpus:
        hashes["corpus"] = file_sha256(request.corpus)
    return hashes


def open_run(request: RunRequest, out: str | Path | None, out_root: Path) -> tuple[Path, dict]:
    """Create a new run folder or reopen ``out`` for resuming; return it and its manifest.

    ``out`` (resolved) may name a missing folder or an empty one (a new run), or a run folder
    of the same request (resumed); anything else is refused with ``InputError``, so an
    existing run or any other file is never overwritten.
    """
    target = Path(out).expanduser().resolve() if out is not None else None
    if target is not None and target.exists() and not (target.is_dir() and not any(target.iterdir())):
        run_dir = target
        manifest_path = run_dir / "run.json"
        if not run_dir.is_dir() or not manifest_path.is_file():
            raise InputError(f"{run_dir}: exists and is not a synth run folder; will not overwrite")
        try:
            manifest = read_json(manifest_path)
        except (OSError, ValueError) as err:
            raise InputError(f"{manifest_path}: unreadable run manifest ({type(err).__name__}); "
                             "choose a new --out") from None
        if not isinstance(manifest, dict) or manifest.get("fingerprint") != request.fingerprint():
            raise InputError(f"{run_dir}: holds a run with another question, parameters or corpus; "
                             "choose a new --out")
        if manifest.get("input_hashes") != _input_hashes(request):
            raise InputError(f"{run_dir}: the corpus or params file changed since that run; "
                             "choose a new --out")
        manifest.setdefault("stages", {})
        return run_dir, manifest
    run_dir = target if target is not None else new_run_dir(out_root.resolve(), request.params_file)
    manifest = {
        "question": request.question,
        "fingerprint": request.fingerprint(),
        "params_file": request.params_file,
        "params": request.params,
        "corpus": request.corpus,
        "source": "local corpus" if request.corpus else "arXiv API",
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "input_hashes": _input_hashes(request),
        "stages": {},
    }
    try:
        run_dir.mkdir(parents=True, exist_ok=target is not None)  # exists only when empty
        (run_dir / "notebooks").mkdir()
    except FileExistsError:  # another run took the name meanwhile
        raise InputError(f"{run_dir}: created by another run meanwhile; will not overwrite") from None
    except OSError as err:
        raise InputError(f"{run_dir}: cannot create the run folder ({err.strerror or err})") from None
    write_json(run_dir / "run.json", manifest)
    return run_dir, manifest


def stage_is_done(run_dir: Path, record: dict | None, expected: tuple[str, ...] = ()) -> bool:
    """A stage is reused when it finished, recorded a hash for each ``expected`` output, and
    every recorded output still has its recorded hash."""
    if not record or record.get("status") != "done":
        return False
    outputs = record.get("outputs", {})
    if not isinstance(outputs, dict) or any(name not in outputs for name in expected):
        return False
    return all((run_dir / name).is_file() and file_sha256(run_dir / name) == digest
               for name, digest in outputs.items())


def execute_stage(stage: str, run_dir: Path, params: dict, notebooks: Path,
                  progress: bool = True, log_output: bool = False, km: Any = None) -> Path:
    """Execute one stage notebook with papermill into ``run_dir/notebooks``.

    Parameters reach the notebook as data: papermill writes each value as a Python literal
    into an injected cell, so quotes, backslashes and newlines in a question or path are
    never code. A failed notebook is kept (with its error) for inspection. A user-input error
    raised in the notebook comes back as ``InputError``, a failed search as ``SearchError``
    (its one line naming the query and the executed notebook), any other failure (also a
    dead kernel) as ``StageError`` naming the executed notebook. With ``km`` (a started
    kernel from ``shared_kernel``) the notebook runs on that kernel after a namespace reset.
    """
    import papermill as pm

    from synth.errors import SearchError

    name = NOTEBOOKS[stage]
    target = run_dir / "notebooks" / f"{name}.ipynb"
    parameters = {"run_dir": str(run_dir), **params["shared"], **params[stage]}
    kernel = {"km": km, "language": "python"} if km is not None else {
        "extra_arguments": ["--IPKernelApp.log_level=ERROR"]}
    try:
        if km is not None:
            reset_kernel(km)
        pm.execute_notebook(
            str(notebooks / f"{name}.ipynb"), str(target), parameters=parameters,
            kernel_name="python3", progress_bar=progress, log_output=log_output,
            cwd=str(notebooks), stdout_file=sys.stderr if log_output else None, **kernel,
        )
    except pm.PapermillExecutionError as err:
        if err.ename == "InputError":
            raise InputError(err.evalue) from None
        if err.ename == "SearchError":
            raise SearchError(f"{err.evalue}; the executed notebook is {target}") from None
        raise StageError(f"stage {stage} failed ({err.ename}: {' '.join(str(err.evalue).split())}); "
                         f"the executed notebook is {target}") from None
    except Exception as err:  # noqa: BLE001 - a dead kernel etc.: still say where to look
        raise StageError(f"stage {stage} failed ({type(err).__name__}: {' '.join(str(err).split())}); "
                         f"the executed notebook is {target}") from None
    return target


def render_report(run_dir: Path, question: str) -> dict[str, Path]:
    """nbconvert the executed report notebook, code hidden, into ``report.html`` (self-contained,
    figures embedded) and ``report.md`` (figures in ``report_files/``)."""
    from nbconvert import MarkdownExporter

    nb = _report_only(nbformat.read(run_dir / "notebooks" / f"{NOTEBOOKS['report']}.ipynb",
                                    as_version=4))
    write_text(run_dir / "report.html", _to_html(nb, question))
    md_exporter = MarkdownExporter(exclude_input=True, exclude_input_prompt=True,
                                   exclude_output_prompt=True)
    md_exporter.display_data_priority = ["text/markdown", "image/png", "text/plain"]
    md, resources = md_exporter.from_notebook_node(
        nb, resources={"metadata": {"name": "report"}, "output_files_dir": "report_files"})
    for rel, data in resources.get("outputs", {}).items():
        with atomic_path(run_dir / rel) as tmp:
            tmp.write_bytes(data)
    write_text(run_dir / "report.md", md)
    return {"html": run_dir / "report.html", "md": run_dir / "report.md"}


def _to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """Self-contained HTML of a report-only notebook (code hidden, no external resources)."""
    from nbconvert import HTMLExporter

    nb.metadata["title"] = title
    exporter = HTMLExporter(template_name="synth_report",
                            extra_template_basedirs=[str(Path(__file__).parent / "templates")],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return html


def _report_only(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only what a reader should see: displayed Markdown, HTML and figures.

    Drops streams (logs, progress bars), errors, plain-text reprs and markdown cells that
    narrate the notebook itself (tagged ``notebook-only``).
    """
    nb = copy.deepcopy(nb)
    keep = ("text/markdown", "text/html", "image/png")
    cells = []
    for cell in nb.cells:
        if "notebook-only" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs
                            if o.get("output_type") in ("display_data", "execute_result")
                            and any(k in o.get("data", {}) for k in keep)]
        cells.append(cell)
    nb.cells = cells
    return nb


def run_pipeline(request: RunRequest, out: str | Path | None = None,
                 out_root: str | Path = "output", notebooks: Path | None = None,
                 progress: bool = True, log: Callable[[str], None] = lambda s: None,
                 shared: bool = True, in_process: bool = False) -> Path:
    """Run (or resume) every stage and render the report; return the run folder.

    With ``shared`` (the default) the stages run one after another on one kernel
    (``shared_kernel``), namespace reset between them; otherwise each gets its own kernel.
    With ``in_process`` every stage but the report runs in this process (``execute_inprocess``)
    and keeps no executed notebook; the tables are the same.

    Resuming reuses each finished stage whose outputs still hash as recorded in ``run.json``
    (see ``stage_is_done``); from the first stage that has to run, every later stage runs
    again. Each stage's status in ``run.json`` is ``running``, then ``done`` (with output
    hashes and seconds), ``failed`` (with the error and the executed notebook) or
    ``interrupted`` (SIGTERM or Ctrl-C; the run folder is kept for resuming). With no
    ``cache_dir`` set, the arXiv cache goes to ``<out_root>/cache/arxiv`` when the run folder
    is inside ``out_root``, else to ``<run folder>/cache/arxiv``: nothing is written outside
    the output folder.
    """
    import signal
    import threading

    notebooks = notebooks or project_notebooks()
    target = Path(out).expanduser().resolve() if out is not None else None
    fresh = target is None or not target.exists()
    run_dir, manifest = open_run(request, out, Path(out_root))
    log(f"run folder: {run_dir}")
    params = request.params
    if not params["search"]["corpus"] and not params["search"]["cache_dir"]:
        root = Path(out_root).expanduser().resolve()
        cache = root if run_dir.is_relative_to(root) and run_dir != root else run_dir
        params = {**params, "search": {**params["search"], "cache_dir": str(cache / "cache" / "arxiv")}}

    def on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_sigterm) if in_main else None
    stage, rerun, km = None, False, None
    kernels = ExitStack()
    try:
        for stage in STAGES:
            expected = OUTPUTS[stage] + (("report.html", "report.md") if stage == "report" else ())
            if not rerun and stage_is_done(run_dir, manifest["stages"].get(stage), expected):
                log(f"[{stage}] reused (outputs unchanged)")
                continue
            inline = in_process and stage != "report"
            if km is None and shared and not inline:
                km = kernels.enter_context(shared_kernel(notebooks))
            rerun = True
            started = time.perf_counter()
            manifest["stages"][stage] = {"status": "running",
                                         "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
            write_json(run_dir / "run.json", manifest)
            log(f"[{stage}] running {NOTEBOOKS[stage]}.ipynb")
            if inline:
                execute_inprocess(stage, run_dir, params, notebooks)
                notebook = "(run in-process, no notebook kept)"
            else:
                notebook = execute_stage(stage, run_dir, params, notebooks, progress=progress,
                                         km=km if shared else None)
            if stage == "report":
                render_report(run_dir, request.question)
            missing = [n for n in expected if not (run_dir / n).is_file()]
            if missing:
                raise StageError(f"stage {stage} finished without writing {', '.join(missing)}; "
                                 f"the executed notebook is {notebook}")
            manifest["stages"][stage].update(status="done",
                                             outputs={n: file_sha256(run_dir / n) for n in expected},
                                             seconds=round(time.perf_counter() - started, 2))
            write_json(run_dir / "run.json", manifest)
        stage = None
    except BaseException as err:
        if isinstance(err, InputError) and fresh and not any(
                r.get("status") == "done" for r in manifest["stages"].values()):
            shutil.rmtree(run_dir, ignore_errors=True)
            raise
        if stage is not None:
            interrupted = isinstance(err, KeyboardInterrupt)
            manifest["stages"].setdefault(stage, {}).update(
                status="interrupted" if interrupted else "failed",
                error=" ".join(f"{type(err).__name__}: {err}".split()),
                notebook=str(run_dir / "notebooks" / f"{NOTEBOOKS[stage]}.ipynb"))
            write_json(run_dir / "run.json", manifest)
            if interrupted:
                log(f"[{stage}] interrupted; run the same command again to resume ({run_dir})")
        raise
    finally:
        kernels.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    manifest["counts"] = _counts(run_dir)
    manifest["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_json(run_dir / "run.json", manifest)
    return run_dir


def _counts(run_dir: Path) -> dict[str, Any]:
    import pandas as pd

    papers = pd.read_parquet(run_dir / "papers.parquet")
    claims = pd.read_parquet(run_dir / "claims.parquet")
    verdicts = pd.read_parquet(run_dir / "verdicts.parquet")
    review = read_json(run_dir / "review.json")
    return {
        "candidates": len(papers),
        "included": int(papers["included"].sum()),
        "claims": len(claims),
        "verdicts": {str(k): int(v) for k, v in verdicts["label"].value_counts().items()},
        "review_overall": review["overall"],
    }


def run_compare(requests: list[RunRequest], out_root: str | Path = "output",
                notebooks: Path | None = None, progress: bool = True,
                log: Callable[[str], None] = lambda s: None) -> Path:
    """Run the pipeline once per request (sharing the arXiv cache), then execute the comparison
    notebook and render ``compare.html``. Returns the comparison folder."""
    import papermill as pm

    notebooks = notebooks or project_notebooks()
    out_root = Path(out_root).resolve()
    folder = new_run_dir(out_root, "compare")
    stems = [Path(r.params_file).stem if r.params_file else "default" for r in requests]
    if len(set(stems)) != len(stems):
        raise InputError("compare: give parameter files with different names")
    cache = str(out_root / "cache" / "arxiv")
    run_dirs = []
    for request, stem in zip(requests, stems, strict=True):
        if not request.params["search"]["cache_dir"]:
            request.params["search"]["cache_dir"] = cache
        log(f"== {stem}")
        run_dirs.append(run_pipeline(request, out=folder / stem, out_root=folder,
                                     notebooks=notebooks, progress=progress, log=log))
    target = folder / "compare.ipynb"
    pm.execute_notebook(str(notebooks / "70_compare.ipynb"), str(target),
                        parameters={"run_dirs": [str(r) for r in run_dirs],
                                    "question": requests[0].question},
                        kernel_name="python3", progress_bar=progress, cwd=str(notebooks),
                        extra_arguments=["--IPKernelApp.log_level=ERROR"])
    nb = _report_only(nbformat.read(target, as_version=4))
    html = _to_html(nb, f"Comparison: {requests[0].question}")
    write_text(folder / "compare.html", html)
    return folder


@contextmanager
def shared_kernel(cwd: Path, kernel_name: str = "python3") -> Iterator[Any]:
    """One Jupyter kernel for a whole run: papermill executes each stage notebook on it
    (``execute_notebook(..., km=...)``), so the libraries are imported once, not six times.

    Before each notebook ``reset_kernel`` clears the namespace, so a stage still sees only
    what it reads from the run folder. The kernel is shut down on exit, also on errors.
    """
    from jupyter_client import KernelManager

    km = KernelManager(kernel_name=kernel_name)
    km.start_kernel(extra_arguments=["--IPKernelApp.log_level=ERROR"], cwd=str(cwd))
    try:
        yield km
    finally:
        km.shutdown_kernel(now=True)


def reset_kernel(km: Any) -> None:
    """Clear the user namespace and close every figure of a shared kernel."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        kc.execute_interactive("%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt",
                               timeout=60, output_hook=lambda msg: None)
    finally:
        kc.stop_channels()


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


def export_pdf(html: Path, browser: str | None = None) -> Path:
    """Print ``report.html`` to ``report.pdf`` with headless Chromium (no LaTeX needed).

    Raises ``InputError`` when no Chromium is installed (``apt-get install chromium``).
    """
    import subprocess
    import tempfile

    browser = browser or shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise InputError("--pdf: no chromium found (install Debian's chromium package)")
    target = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as profile, atomic_path(target) as tmp:
        subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        "--no-pdf-header-footer", f"--print-to-pdf={tmp}", html.resolve().as_uri()],
                       check=True, capture_output=True, timeout=180)
    return target


def execute_inprocess(stage: str, run_dir: Path, params: dict, notebooks: Path) -> None:
    """Run a stage notebook's code cells in this process, in a fresh namespace, with the
    parameters injected after the ``parameters`` cell: the very code papermill would run,
    without a kernel or an executed notebook (``synth run --no-notebooks``). Displays and
    figures go nowhere; the artifacts written are the same."""
    import contextlib
    import io
    import os

    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    source = notebooks / f"{NOTEBOOKS[stage]}.ipynb"
    nb = nbformat.read(source, as_version=4)
    parameters = {"run_dir": str(run_dir), **params["shared"], **params[stage]}
    namespace: dict[str, Any] = {"__name__": f"synth_stage_{stage}", "display": lambda *a, **k: None}
    previous = Path.cwd()
    os.chdir(notebooks)
    try:
        for n, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(cell.source, f"<{source.name} cell {n}>", "exec"), namespace)  # noqa: S102
            if "parameters" in cell.metadata.get("tags", []):
                namespace.update(parameters)
            plt.close("all")
    except InputError:
        raise
    except Exception as err:
        from synth.errors import SearchError

        if isinstance(err, SearchError):
            raise
        raise StageError(f"stage {stage} failed ({type(err).__name__}: {' '.join(str(err).split())}); "
                         f"rerun without --no-notebooks to keep the executed notebook") from None
    finally:
        os.chdir(previous)

"""Turning an executed notebook into what a reader gets: the report (self-contained HTML and
Markdown, code hidden) with nbconvert, and a PDF printed by headless Chromium."""

from __future__ import annotations

import copy
import shutil
import subprocess
import tempfile
from pathlib import Path

import nbformat

from synth.errors import InputError
from synth.io import atomic_path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


def report_only(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Keep only what a reader should see: displayed Markdown, HTML and figures.

    Drops streams (logs, progress bars), errors, plain-text reprs and cells tagged
    ``notebook-only`` (narration of the notebook itself).
    """
    nb = copy.deepcopy(nb)
    keep = ("text/markdown", "text/html", "image/png")
    cells = []
    for cell in nb.cells:
        if "notebook-only" in cell.get("metadata", {}).get("tags", []):
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.outputs
                if o.get("output_type") in ("display_data", "execute_result")
                and any(k in o.get("data", {}) for k in keep)
            ]
        cells.append(cell)
    nb.cells = cells
    return nb


def to_html(nb: nbformat.NotebookNode, title: str) -> str:
    """Self-contained HTML of a report-only notebook (code hidden, no external resources)."""
    from nbconvert import HTMLExporter

    nb.metadata["title"] = title
    exporter = HTMLExporter(
        template_name="synth_report",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    html, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    return html


def to_markdown(
    nb: nbformat.NotebookNode, files_dir: str = "report_files"
) -> tuple[str, dict[str, bytes]]:
    """Markdown of a report-only notebook, and its figures (paths under ``files_dir``)."""
    from nbconvert import MarkdownExporter

    exporter = MarkdownExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    exporter.display_data_priority = ["text/markdown", "image/png", "text/plain"]
    md, resources = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": "report"}, "output_files_dir": files_dir}
    )
    return md, dict(resources.get("outputs", {}))


def render_report(executed: Path, question: str, folder: Path) -> dict[str, Path]:
    """``report.html`` and ``report.md`` (and the Markdown's figures) in ``folder`` from the
    executed report notebook: all of them or, when a write fails (a full disk), none."""
    nb = report_only(nbformat.read(executed, as_version=4))
    html = to_html(nb, question)
    md, figures = to_markdown(nb)
    files = {
        **{folder / rel: data for rel, data in figures.items()},
        folder / "report.html": html.encode("utf-8"),
        folder / "report.md": md.encode("utf-8"),
    }
    write_all(files)
    return {"html": folder / "report.html", "md": folder / "report.md"}


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file atomically, or, when one write fails, remove those already written
    and raise its error."""
    written: list[Path] = []
    try:
        for path, data in files.items():
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
            written.append(path)
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def export_pdf(html: Path, browser: str | None = None) -> Path:
    """Print ``report.html`` to ``report.pdf`` with headless Chromium (no LaTeX needed).

    Raises ``InputError`` when no Chromium is installed (``apt-get install chromium``).
    """
    browser = browser or shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        raise InputError("--pdf: no chromium found (install Debian's chromium package)")
    target = html.with_suffix(".pdf")
    with tempfile.TemporaryDirectory() as profile, atomic_path(target) as tmp:
        subprocess.run(
            [
                browser,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={profile}",
                "--no-pdf-header-footer",
                f"--print-to-pdf={tmp}",
                html.resolve().as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    return target

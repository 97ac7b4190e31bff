"""Running the pipeline: the only package that runs papermill or nbconvert.

``request`` (what defines a run), ``folder`` (run folder and manifest, resume), ``engines``
(executing one notebook), ``render`` (report HTML/Markdown/PDF), ``pipeline`` (the stages in
order, and side-by-side comparisons).
"""

# papermill first: loading its engines registers ours (entry point "papermill.engine"), which
# imports synth.run.engines while papermill.engines is still initialising; in this order
# that works whichever module is imported first.
import papermill.engines  # noqa: F401

from synth.run.engines import StageError
from synth.run.pipeline import render_run_report, run_compare, run_pipeline
from synth.run.render import export_pdf
from synth.run.request import RunRequest, make_request

__all__ = [
    "RunRequest",
    "StageError",
    "export_pdf",
    "make_request",
    "render_run_report",
    "run_compare",
    "run_pipeline",
]

"""Executing one stage notebook with papermill: on a fresh kernel, on the run's shared kernel,
or in this process (``synth-inprocess``, a papermill engine registered through the
``papermill.engine`` entry point). Errors come back as one line naming the executed notebook."""

from __future__ import annotations

import contextlib
import io
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from papermill.engines import Engine

from synth.errors import InputError, SearchError

INPROCESS = "synth-inprocess"


class StageError(RuntimeError):
    """A stage notebook failed; the message names the stage and the executed notebook."""


class InProcessEngine(Engine):
    """Runs a notebook's code cells in this process, in a fresh namespace: the very code a
    kernel would run (parameters injected by papermill), without a kernel. Displays and
    figures go nowhere; the artifacts written and the executed notebook are kept."""

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, **kwargs: Any) -> None:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt

        namespace: dict[str, Any] = {"__name__": "__main__", "display": lambda *a, **k: None}
        for index, cell in enumerate(nb_man.nb.cells):
            if cell.cell_type != "code":
                continue
            nb_man.cell_start(cell, index)
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)  # noqa: S102
            except Exception as err:  # noqa: BLE001 - recorded as the cell's error output, as a kernel would
                cell.outputs = [
                    nbformat.v4.new_output(
                        "error",
                        ename=type(err).__name__,
                        evalue=str(err),
                        traceback=traceback.format_exception_only(err),
                    )
                ]
                nb_man.cell_exception(cell, cell_index=index, exception=err)
                break
            finally:
                plt.close("all")
            nb_man.cell_complete(cell, cell_index=index)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def execute_stage(
    stage: str,
    notebook: Path,
    target: Path,
    parameters: dict[str, Any],
    engine: str | None = None,
    km: Any = None,
    progress: bool = True,
) -> Path:
    """Execute ``notebook`` with papermill into ``target`` with ``parameters``.

    Parameters reach the notebook as data (papermill writes each as a Python literal into an
    injected cell), so quotes or newlines in a question or path are never code. A failed
    notebook is kept with its error. A user-input error raised in the notebook comes back as
    ``InputError``, a failed search as ``SearchError``, anything else (a dead kernel too) as
    ``StageError``. ``km``: a started kernel (``shared_kernel``) to run on.
    """
    import papermill as pm

    options: dict[str, Any] = (
        {"km": km} if km is not None else {"extra_arguments": ["--IPKernelApp.log_level=ERROR"]}
    )
    if km is not None:
        reset_kernel(km)
    try:
        pm.execute_notebook(
            str(notebook),
            str(target),
            parameters=parameters,
            engine_name=engine,
            kernel_name="python3",
            language="python",
            progress_bar=progress,
            cwd=str(notebook.parent),
            **options,
        )
    except pm.PapermillExecutionError as err:
        if err.ename == "InputError":
            raise InputError(err.evalue) from None
        if err.ename == "SearchError":
            raise SearchError(err.evalue, notebook=target) from None
        raise StageError(
            f"stage {stage} failed ({err.ename}: {_one_line(err.evalue)}); "
            f"the executed notebook is {target}"
        ) from None
    except Exception as err:  # noqa: BLE001 - a dead kernel etc.: still say where to look
        raise StageError(
            f"stage {stage} failed ({type(err).__name__}: {_one_line(err)}); "
            f"the executed notebook is {target}"
        ) from None
    return target


@contextlib.contextmanager
def shared_kernel(cwd: Path, kernel_name: str = "python3") -> Iterator[Any]:
    """One Jupyter kernel for a whole run, so the libraries are imported once, not per stage.

    ``execute_stage`` clears its namespace before each notebook (``reset_kernel``), so a stage
    still sees only what it reads from the run folder. Shut down on exit, also on errors.
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
        kc.execute_interactive(
            "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt",
            timeout=60,
            output_hook=lambda msg: None,
        )
    finally:
        kc.stop_channels()

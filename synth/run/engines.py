"""Executing one stage notebook with papermill: on a fresh kernel, on the run's shared kernel,
or in this process (``synth-inprocess``, a papermill engine registered through the
``papermill.engine`` entry point). Errors come back as one line naming the executed notebook."""

from __future__ import annotations

import contextlib
import io
import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
from papermill.engines import Engine

from synth.errors import InputError, SearchError

INPROCESS = "synth-inprocess"
# a kernel's own log only at ERROR; no input history (~/.ipython's SQLite file: shared by
# every kernel, and on a full disk a traceback on stderr beside the command's one line)
KERNEL_ARGUMENTS = ("--IPKernelApp.log_level=ERROR", "--HistoryManager.enabled=False")


class StageError(RuntimeError):
    """A stage notebook failed; the message names the stage and the executed notebook."""


class InProcessEngine(Engine):
    """Runs a notebook's code cells in this process, in a fresh namespace: the very code a
    kernel would run (parameters injected by papermill), without a kernel. Displays and
    figures go nowhere; what a cell writes to stderr (warnings, log records) is kept in its
    outputs, as a kernel would; the artifacts written and the executed notebook are kept."""

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
            stderr = io.StringIO()
            try:
                with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
                    exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)  # noqa: S102
            except Exception as err:  # noqa: BLE001 - recorded as the cell's error output, as a kernel would
                cell.outputs = [*_stream(stderr), _error(err)]
                nb_man.cell_exception(cell, cell_index=index, exception=err)
                break
            finally:
                plt.close("all")
            cell.outputs = _stream(stderr)
            nb_man.cell_complete(cell, cell_index=index)


def _stream(stderr: io.StringIO) -> list[Any]:
    """What a cell wrote to stderr (warnings, log records), kept in the notebook as a kernel
    keeps it, not printed beside the command's own lines."""
    text = stderr.getvalue()
    return [nbformat.v4.new_output("stream", name="stderr", text=text)] if text else []


def _error(err: Exception) -> Any:
    return nbformat.v4.new_output(
        "error",
        ename=type(err).__name__,
        evalue=str(err),
        traceback=traceback.format_exception_only(err),
    )


def literal_path(path: Path) -> str:
    """``path`` as papermill must be given it: it formats paths as templates with the
    parameters (``str.format``), so braces are doubled to stand for themselves."""
    return str(path).replace("{", "{{").replace("}", "}}")


def quiet_logger(name: str) -> None:
    """Send a library's log records nowhere unless the application configured its logger
    (without a handler, logging's last resort prints warnings to stderr)."""
    logger = logging.getLogger(name)
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())


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

    quiet_logger("papermill")  # its warnings (a dead kernel, ...) are in the one-line error
    quiet_logger("asyncio")  # an interrupted cell's task, collected later: "never retrieved"
    options: dict[str, Any] = (
        {"km": km} if km is not None else {"extra_arguments": list(KERNEL_ARGUMENTS)}
    )
    try:
        if km is not None:
            reset_kernel(km)
        pm.execute_notebook(
            literal_path(notebook),
            literal_path(target),
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
        where = f"; the executed notebook is {target}" if target.is_file() else ""
        raise StageError(
            f"stage {stage} failed ({type(err).__name__}: {_one_line(err)}){where}"
        ) from None
    return target


@contextlib.contextmanager
def shared_kernel(cwd: Path, kernel_name: str = "python3") -> Iterator[Any]:
    """One Jupyter kernel for a whole run, so the libraries are imported once, not per stage.

    ``execute_stage`` clears its namespace before each notebook (``reset_kernel``), so a stage
    still sees only what it reads from the run folder. Shut down on exit, also on errors.
    An asynchronous manager, as nbclient expects: with a blocking one, nbclient waits for
    output in a blocking call and never notices that the kernel died (the run hung).
    """
    from jupyter_client import AsyncKernelManager
    from jupyter_core.utils import run_sync

    km = AsyncKernelManager(kernel_name=kernel_name)
    run_sync(km.start_kernel)(extra_arguments=list(KERNEL_ARGUMENTS), cwd=str(cwd))
    try:
        yield km
    finally:
        run_sync(km.shutdown_kernel)(now=True)


DEAD = "the kernel is not running (it died or did not start)"
RESET = "%reset -f\nimport matplotlib.pyplot as _plt\n_plt.close('all')\ndel _plt"


def reset_kernel(km: Any, timeout: float = 60) -> None:
    """Clear the user namespace and close every figure of a shared kernel; ``RuntimeError``
    at once when the kernel is dead or dies meanwhile."""
    from jupyter_core.utils import run_sync

    run_sync(_reset)(km, timeout)


async def _reset(km: Any, timeout: float) -> None:
    if not await km.is_alive():
        raise RuntimeError(DEAD)
    kc = km.client()
    kc.start_channels()
    try:
        await while_alive(km, kc.wait_for_ready(timeout=timeout))
        await while_alive(
            km, kc.execute_interactive(RESET, timeout=timeout, output_hook=lambda msg: None)
        )
    finally:
        kc.stop_channels()


async def while_alive(km: Any, awaitable: Any, every: float = 0.5) -> Any:
    """Await ``awaitable``, checking every ``every`` seconds that the kernel of ``km`` is
    alive; ``RuntimeError`` (and the awaitable cancelled) as soon as it is not."""
    import asyncio

    task = asyncio.ensure_future(awaitable)
    while not task.done():
        await asyncio.wait({task}, timeout=every)
        if not task.done() and not await km.is_alive():
            task.cancel()
            raise RuntimeError(DEAD)
    return task.result()

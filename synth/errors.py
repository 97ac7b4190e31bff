"""Exceptions that the command line turns into one clear line and exit code 2, and SIGTERM
turned into the ``KeyboardInterrupt`` it turns into exit code 130."""

import contextlib
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class InputError(ValueError):
    """Bad user input: a missing or unreadable path, bad params, an empty corpus.

    The message is one line that names the input and says what was expected.
    """


class SearchError(RuntimeError):
    """A remote search failed after its retries; the message names the query. ``notebook``:
    the executed notebook that raised it, named in the message while it exists (a run
    folder removed after the failure takes it along)."""

    def __init__(self, message: str, notebook: Path | None = None) -> None:
        super().__init__(message)
        self.notebook = notebook

    def __str__(self) -> str:
        text = super().__str__()
        if self.notebook is not None and Path(self.notebook).is_file():
            text += f"; the executed notebook is {self.notebook}"
        return text


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises ``KeyboardInterrupt`` (in the main thread), so a stopped run is recorded
    as interrupted and can be resumed, and a stopped index build cleans up."""

    def on_sigterm(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt("SIGTERM")

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, on_sigterm) if in_main else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

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


STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (a closed terminal) raise ``KeyboardInterrupt`` (in the main
    thread), so a stopped run is recorded as interrupted, its kernel is shut down and the
    same command resumes it. Once: a repeated signal does not break off that cleanup (a
    second or so). A signal ignored when the run started (``nohup``) stays so."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    watched = [sig for sig in STOP_SIGNALS if signal.getsignal(sig) is not signal.SIG_IGN]

    def on_signal(signum: int, frame: Any) -> None:
        for sig in watched:
            signal.signal(sig, signal.SIG_IGN)
        raise KeyboardInterrupt(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, on_signal) for sig in watched}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

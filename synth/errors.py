"""Exceptions that the command line turns into one clear line and exit code 2."""

from pathlib import Path


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

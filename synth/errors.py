"""Exceptions that the command line turns into one clear line and exit code 2."""


class InputError(ValueError):
    """Bad user input: a missing or unreadable path, bad params, an empty corpus.

    The message is one line that names the input and says what was expected.
    """


class SearchError(RuntimeError):
    """A remote search failed after its retries; the message names the query."""

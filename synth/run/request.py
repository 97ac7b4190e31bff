"""What defines a run: the question, the validated parameters and the corpus, checked before
anything is written (``make_request``), and the versions and input hashes recorded with it."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from synth.config import check_question, load_params
from synth.errors import InputError
from synth.io import file_sha256
from synth.sources.local import SAMPLE, check_corpus, corpus_sha256, resolve_corpus

PACKAGES = (
    "synth",
    "papermill",
    "nbconvert",
    "pandas",
    "numpy",
    "scikit-learn",
    "arxiv",
    "matplotlib",
    "nupunkt",
    "PyStemmer",
    "pypdf",
)


@dataclass(frozen=True)
class RunRequest:
    """Everything that defines a run: same request, same results."""

    question: str
    params: dict[str, dict[str, Any]]
    params_file: str | None
    corpus: str
    index: str = ""

    def fingerprint(self) -> str:
        blob = json.dumps([self.question, self.params, self.corpus], sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _index_path(params: dict, params_file: str | Path | None, index: str | Path | None) -> None:
    """Apply ``--index`` (which replaces a params file's corpus) and check the index."""
    search = params["search"]
    if index is not None:
        search["index"], search["corpus"] = str(index), ""
    elif search["index"] and params_file:
        search["index"] = str(Path(params_file).parent / Path(search["index"]).expanduser())
    if search["index"]:
        from synth.store.build import read_manifest

        read_manifest(search["index"])
        search["index"] = str(Path(search["index"]).expanduser().resolve())


def make_request(
    question: str | None,
    params_file: str | Path | None,
    corpus: str | Path | None,
    index: str | Path | None = None,
) -> RunRequest:
    """Load and validate params, apply the command-line question, corpus and index, check
    inputs.

    A corpus or index named in a params file is relative to that file; ``sample`` is the
    bundled sample corpus; ``--corpus`` replaces a params file's index and ``--index`` its
    corpus. Raises ``InputError`` before anything is written.
    """
    check_utf8(question or "", "--question")
    check_utf8(str(params_file or ""), "--params")
    check_utf8(str(corpus or ""), "--corpus")
    params = load_params(params_file)
    if question is not None:
        params["shared"]["question"] = check_question(question, "--question")
    if corpus is not None and index is not None:
        raise InputError("give --corpus or --index, not both")
    if corpus is not None:
        params["search"]["corpus"], params["search"]["index"] = str(corpus), ""
    elif params["search"]["corpus"] not in ("", SAMPLE) and params_file:
        params["search"]["corpus"] = str(Path(params_file).parent / params["search"]["corpus"])
    _index_path(params, params_file, index)
    corpus_path = params["search"]["corpus"]
    if corpus_path:
        p = resolve_corpus(corpus_path)
        if not p.exists():
            raise InputError(
                f"{corpus_path}: corpus not found (expected a file or folder of "
                "JSONL, CSV, BibTeX, RIS or PDF records)"
            )
        params["search"]["corpus"] = str(check_corpus(p).resolve())
    return RunRequest(
        params["shared"]["question"],
        params,
        str(params_file) if params_file else None,
        params["search"]["corpus"],
        params["search"]["index"],
    )


def check_utf8(text: str, what: str) -> str:
    """``text`` unless it holds bytes that are not UTF-8 (Python keeps them in command-line
    arguments as lone surrogates, which no file, JSON manifest or notebook can hold):
    ``InputError`` naming the input and the first bad byte."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InputError(
            f"{what}: not valid UTF-8 ({_shown(text[err.start])} at position {err.start}); "
            "give UTF-8 text"
        ) from None
    return text


def _shown(char: str) -> str:
    try:
        return f"byte {char.encode('utf-8', 'surrogateescape')!r}"
    except UnicodeEncodeError:  # a lone surrogate that is no escaped byte
        return f"character {ascii(char)}"


def package_versions() -> dict[str, str]:
    """Python's and the main packages' versions, for the manifest."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def input_hashes(request: RunRequest) -> dict[str, str]:
    """SHA-256 of the params file, of the corpus (file, or every file of a folder) and of
    the index's manifest."""
    hashes = {}
    if request.params_file:
        hashes["params"] = file_sha256(request.params_file)
    if request.corpus:
        hashes["corpus"] = corpus_sha256(request.corpus)
    if request.index:  # the manifest changes with every build or update
        hashes["index"] = file_sha256(Path(request.index) / "manifest.json")
    return hashes

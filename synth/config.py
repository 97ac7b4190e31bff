"""Parameters: the defaults of every stage, loading ``params/*.yaml`` and validating values.

A params file has a ``shared:`` block (the question and the cache folder; which stage takes
which is in ``synth.stages``) and one block per stage (``search:``, ``screen:``, ...). The
keys and defaults below are the contract with the notebooks' ``parameters`` cells (a test
checks that they agree), so an unknown key is a typo and is rejected, never ignored.
"""

from __future__ import annotations

import math
import os
import reprlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from synth.errors import InputError
from synth.io import existing_kind, open_regular, write_json
from synth.stages import STAGE, STAGE_NAMES, run_paths
from synth.text import strip_controls, tokenize

SEED_QUESTION = (
    "Can the spatiotemporal consistency prioritization in InternVideo2's training data be "
    "quantitatively shown to enhance its cross-domain generalization, as evaluated by retrieval "
    "performance on benchmarks like MSR-VTT or DiDeMo when compared to models trained with "
    "traditional sampling methods?"
)

DEFAULTS: dict[str, dict[str, Any]] = {
    "shared": {
        "question": SEED_QUESTION,
        "cache_dir": "",  # arXiv responses and embeddings; "" = <output root>/cache
    },
    "search": {
        "corpus": "",  # local corpus path; "" searches arXiv (or the index)
        "index": "",  # persistent index folder (synth index build); "" = none
        "categories": "",  # arXiv categories kept, e.g. "cs.CV cs.CL" or "cs"; "" = all
        "years": "",  # publication years kept: 2024, 2024-, -2019 or 2020-2022; "" = all
        "max_candidates": 1000,  # papers taken from the index, best first
        "max_queries": 6,
        "max_results_per_query": 50,
        "delay_seconds": 3.0,
    },
    "screen": {
        "max_included": 20,  # at most this many; fewer when fewer are on topic
        "min_relative_score": 0.2,  # BM25 score a paper needs, as a share of the best
        "topic_cutoff": 0.65,  # topic score a paper needs, as a share of the best
        "title_weight": 1.25,
        "title_similarity": True,  # compare titles with the question (MiniLM); else lexical
        "pairing_check": True,  # exclude papers naming its subject or task, not both
        "min_subject": 0.3,  # share of its subject the best included paper must name (0: off)
        "min_phrase": 0.15,  # with no clear pairing, share of its phrases a paper must write
        "dense": False,  # re-rank the lexical top 200 with MiniLM (needs the 'dense' extra)
    },
    "claims": {
        "threshold": -1.0,  # < 0: the detector's tuned default
        "max_claims_per_paper": 6,
    },
    "verify": {
        "top_k": 5,
        "dense": False,  # MiniLM-reranked retrieval + similarity features (the 'dense' extra)
        "nli": False,  # stance read by the NLI cross-encoder too (slower; benchmarks/README.md)
    },
    "answer": {
        "n_themes": 0,  # 0: as many as the included papers support (2-6)
        "stance": "cue",  # stance scorer: cue (default), nli (cross-encoder) or lexical
    },
    "review": {
        "target_papers": 15,
    },
    "report": {
        "max_claims_in_table": 60,
    },
}


# (lowest, highest) allowed per numeric key; None: unbounded. Floats must also be finite.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "search.max_queries": (1, 100),
    "search.max_results_per_query": (1, 2000),
    "search.delay_seconds": (0, 600),
    "search.max_candidates": (1, None),
    "screen.max_included": (1, None),
    "screen.min_relative_score": (0, 1),
    "screen.topic_cutoff": (0, 1),
    "screen.title_weight": (0, 100),
    "screen.min_subject": (0, 1),
    "screen.min_phrase": (0, 1),
    "claims.threshold": (None, 1),  # below 0: the detector's tuned default
    "claims.max_claims_per_paper": (1, None),
    "verify.top_k": (1, None),
    "answer.n_themes": (0, 50),
    "review.target_papers": (1, None),
    "report.max_claims_in_table": (1, None),
}
MAX_PARAMS_BYTES = 256 * 1024  # a params file is a few hundred bytes
MAX_YAML_DEPTH = 10
MAX_QUESTION_CHARS = 2000
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother, _SHORT.maxlist = 2, 60, 60, 4


def short_repr(value: Any) -> str:
    """``repr`` cut to a few dozen characters (nested and shared values included), for
    error messages about values nobody has bounded yet."""
    return _SHORT.repr(value)


def _check_range(block: str, key: str, value: Any, origin: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise InputError(f"{origin}: '{block}.{key}' must be a finite number, got {value}")
    low, high = RANGES.get(f"{block}.{key}", (None, None))
    if (low is not None and value < low) or (high is not None and value > high):
        span = f"at least {low}" if high is None else f"from {low} to {high}"
        span = f"at most {high}" if low is None else span
        raise InputError(f"{origin}: '{block}.{key}' must be {span}, got {value}")


def _check_cache_dir(value: str, origin: str) -> None:
    kind = existing_kind(Path(value).expanduser()) if value else "missing"
    if kind not in ("missing", "directory"):
        raise InputError(f"{origin}: 'shared.cache_dir' {value!r} is a {kind}, not a folder")


def _type_ok(default: Any, value: Any) -> bool:
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, type(default))


def validate_block(block: str, values: Mapping[str, Any], origin: str = "params") -> dict:
    """Check ``values`` against the defaults of ``block``; return defaults updated by them.

    Raises ``InputError`` (one line) for an unknown block or key or a value of the wrong type.
    """
    if block not in DEFAULTS:
        known = ", ".join(DEFAULTS)
        raise InputError(f"{origin}: unknown block '{block}' (expected one of: {known})")
    merged = dict(DEFAULTS[block])
    for key, value in values.items():
        if key not in merged:
            known = ", ".join(sorted(merged))
            raise InputError(f"{origin}: unknown key '{block}.{str(key)[:60]}' (known: {known})")
        default = merged[key]
        if not _type_ok(default, value):
            expected = type(default).__name__
            raise InputError(
                f"{origin}: '{block}.{key}' must be {expected}, "
                f"got {type(value).__name__} {short_repr(value)}"
            )
        if isinstance(default, (int, float)) and not isinstance(default, bool):
            _check_range(block, key, value, origin)
        merged[key] = float(value) if isinstance(default, float) else value
    if block == "shared":
        _check_cache_dir(merged["cache_dir"], origin)
    if block == "search":
        _check_search(merged, origin)
    for key, allowed in CHOICES.get(block, {}).items():
        if merged[key] not in allowed:
            raise InputError(
                f"{origin}: '{block}.{key}' must be one of {', '.join(allowed)}, "
                f"got {short_repr(merged[key])}"
            )
    if block == "verify" and merged["dense"] and merged["nli"]:
        raise InputError(f"{origin}: 'verify.dense' and 'verify.nli' cannot both be true")
    return merged


# The allowed values of the string keys that name a choice.
CHOICES = {"answer": {"stance": ("cue", "nli", "lexical")}}


def _check_search(values: Mapping[str, Any], origin: str) -> None:
    """The search block's values that have a format: filters, a positive candidate count,
    at most one of corpus and index."""
    from synth.store.filters import parse_categories, parse_years

    parse_categories(values["categories"], f"{origin}: search.categories")
    parse_years(values["years"], f"{origin}: search.years")
    if values["max_candidates"] < 1:
        raise InputError(f"{origin}: 'search.max_candidates' must be at least 1")
    if values["corpus"] and values["index"]:
        raise InputError(f"{origin}: give search.corpus or search.index, not both")


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML loading where a key given twice in one mapping is an error."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                again = key in seen
            except TypeError:  # an unhashable key: the base class says so
                continue
            if again:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {short_repr(key)}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _check_yaml_shape(text: str) -> None:
    """Refuse aliases (``*name``: an alias bomb grows without bound when printed) and nesting
    deeper than ``MAX_YAML_DEPTH``, from the event stream, before anything is built."""
    depth = 0
    for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
        if isinstance(event, yaml.AliasEvent):
            raise yaml.YAMLError("aliases (*name) are not allowed in a params file")
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise yaml.YAMLError(f"nested deeper than {MAX_YAML_DEPTH} levels")
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def read_params_yaml(p: Path) -> Any:
    """The YAML of a params file: a regular file of at most ``MAX_PARAMS_BYTES``, UTF-8,
    without aliases, deep nesting or duplicate keys (``InputError`` naming it otherwise)."""
    if existing_kind(p) == "missing":
        raise InputError(f"{p}: params file not found (expected a YAML file)")
    with open_regular(p) as handle:
        data = handle.read(MAX_PARAMS_BYTES + 1)
    if len(data) > MAX_PARAMS_BYTES:
        raise InputError(f"{p}: params file larger than {MAX_PARAMS_BYTES} bytes")
    try:
        text = data.decode("utf-8")
        _check_yaml_shape(text)
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except (yaml.YAMLError, UnicodeDecodeError, RecursionError) as err:
        first = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{p}: not valid YAML ({first[:200]})") from None


def load_params(path: str | Path | None) -> dict[str, dict[str, Any]]:
    """Read a params YAML file (or only the defaults when ``path`` is None), validated."""
    raw: Any = {}
    origin = "defaults"
    if path is not None:
        p = Path(path)
        origin = str(p)
        raw = read_params_yaml(p) or {}
        if not isinstance(raw, dict):
            raise InputError(f"{p}: expected a mapping of blocks (shared:, search:, ...)")
    params = {}
    for block in ("shared", *STAGE_NAMES):
        values = raw.get(block) or {}
        if not isinstance(values, dict):
            raise InputError(f"{origin}: block '{block}' must be a mapping")
        params[block] = validate_block(block, values, origin)
    for block in raw:
        if block not in DEFAULTS:
            validate_block(str(block)[:60], {}, origin)
    check_question(params["shared"]["question"], origin)
    return params


def check_question(question: str, origin: str = "question") -> str:
    """A question must carry at least one content word and be at most
    ``MAX_QUESTION_CHARS`` long; return it stripped, control characters dropped."""
    q = " ".join(strip_controls(str(question)).split())
    if not q:
        raise InputError(f"{origin}: the research question is empty")
    if len(q) > MAX_QUESTION_CHARS:
        raise InputError(
            f"{origin}: the research question has {len(q)} characters "
            f"(at most {MAX_QUESTION_CHARS})"
        )
    if not tokenize(q):
        raise InputError(f"{origin}: the research question {short_repr(q)} has only stop words")
    return q


def notebook_parameters(
    params: Mapping[str, Mapping[str, Any]], stage: str, run_dir: str | Path
) -> dict[str, Any]:
    """What the runner injects into a stage notebook: ``run_dir``, the ``shared`` keys the
    stage takes (``synth.stages``), the stage's own block and its fixed runner settings."""
    shared = {k: params["shared"][k] for k in STAGE[stage].shared}
    return {"run_dir": str(run_dir), **shared, **params[stage], **dict(STAGE[stage].fixed)}


def user_path(path: str) -> str:
    """A corpus path as the user meant it: ``sample`` and absolute paths as they are; a
    relative path from the folder JupyterLab was started in (``SYNTH_START_DIR``, which
    ``make lab`` sets), else from the working directory (a notebook's own folder)."""
    if path == "sample" or Path(path).expanduser().is_absolute():
        return str(Path(path).expanduser()) if path != "sample" else path
    base = Path(os.environ.get("SYNTH_START_DIR") or Path.cwd())
    return str((base / path).resolve())


def resolve(stage: str, run_dir: str, **values: Any) -> dict[str, Any]:
    """Validate a notebook's parameters: the ``shared`` keys it takes plus its own block.

    Returns a plain dict with ``run_dir`` as an absolute ``Path`` (created if missing), every
    value type-checked and, for stages that take ``cache_dir``, ``paths`` (``RunPaths``). It
    records the values as ``params/<stage>.json`` in the run folder so later stages and
    readers see the settings used. Notebooks call this right after their parameters cell.
    """
    origin = f"notebook {stage}"
    shared = {k: values.pop(k) for k in list(values) if k in DEFAULTS["shared"]}
    extra = set(shared) - set(STAGE[stage].shared)
    if extra:
        raise InputError(f"{origin}: unknown key {sorted(extra)[0]!r} (not a {stage} parameter)")
    out: dict[str, Any] = {
        k: v
        for k, v in validate_block("shared", shared, origin).items()
        if k in STAGE[stage].shared
    }
    out.update(validate_block(stage, values, origin))
    if "question" in out:
        out["question"] = check_question(out["question"])
    for key in ("corpus", "index"):
        if out.get(key):
            out[key] = user_path(out[key])
    if not run_dir:
        raise InputError(f"{origin}: run_dir is empty (expected an output folder)")
    write_json(Path(run_dir).expanduser().resolve() / "params" / f"{stage}.json", out)
    out["run_dir"] = Path(run_dir).expanduser().resolve()
    if "cache_dir" in out:
        out["paths"] = run_paths(out["run_dir"], out["cache_dir"])
    return out

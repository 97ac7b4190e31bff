"""Parameters: the defaults of every stage, loading ``params/*.yaml`` and validating values.

A params file has a ``shared:`` block (keys every stage notebook receives) and one block per
stage (``search:``, ``screen:``, ...).  The keys and defaults below are the contract with the
notebooks' ``parameters`` cells (a test checks that they agree), so a key that is unknown
here is a typo and is rejected, never silently ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from synth.errors import InputError
from synth.io import read_json, write_json
from synth.text import tokenize

SEED_QUESTION = (
    "Can the spatiotemporal consistency prioritization in InternVideo2's training data be "
    "quantitatively shown to enhance its cross-domain generalization, as evaluated by retrieval "
    "performance on benchmarks like MSR-VTT or DiDeMo when compared to models trained with "
    "traditional sampling methods?"
)

STAGES: tuple[str, ...] = ("search", "screen", "claims", "verify", "review", "report")

DEFAULTS: dict[str, dict[str, Any]] = {
    "shared": {"question": SEED_QUESTION},
    "search": {
        "corpus": "",  # local corpus path; "" searches arXiv
        "max_queries": 6,
        "max_results_per_query": 50,
        "delay_seconds": 3.0,
        "cache_dir": "",  # "" = <output root>/cache
    },
    "screen": {
        "max_included": 20,
        "min_relative_score": 0.3,
        "min_entity_match": 1,
        "title_weight": 1.25,
        "dense": False,  # re-rank the lexical top 200 with MiniLM (needs the 'dense' extra)
    },
    "claims": {
        "threshold": -1.0,  # < 0: the detector's tuned default
        "max_claims_per_paper": 6,
    },
    "verify": {
        "top_k": 5,
        "dense": False,  # MiniLM-reranked retrieval + similarity features (the 'dense' extra)
    },
    "review": {
        "target_papers": 15,
    },
    "report": {
        "max_claims_in_table": 60,
    },
}


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
            raise InputError(f"{origin}: unknown key '{block}.{key}' (known: {known})")
        default = merged[key]
        if not _type_ok(default, value):
            expected = type(default).__name__
            raise InputError(
                f"{origin}: '{block}.{key}' must be {expected}, got {type(value).__name__} {value!r}"
            )
        merged[key] = float(value) if isinstance(default, float) else value
    return merged


def load_params(path: str | Path | None) -> dict[str, dict[str, Any]]:
    """Read a params YAML file (or only the defaults when ``path`` is None), validated."""
    raw: Any = {}
    origin = "defaults"
    if path is not None:
        p = Path(path)
        origin = str(p)
        if not p.is_file():
            raise InputError(f"{p}: params file not found (expected a YAML file)")
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as err:
            first = str(err).splitlines()[0] if str(err) else type(err).__name__
            raise InputError(f"{p}: not valid YAML ({first})") from None
        if not isinstance(raw, dict):
            raise InputError(f"{p}: expected a mapping of blocks (shared:, search:, ...)")
    params = {}
    for block in DEFAULTS:
        values = raw.get(block) or {}
        if not isinstance(values, dict):
            raise InputError(f"{origin}: block '{block}' must be a mapping")
        params[block] = validate_block(block, values, origin)
    for block in raw:
        if block not in DEFAULTS:
            validate_block(str(block), {}, origin)
    check_question(params["shared"]["question"], origin)
    return params


def check_question(question: str, origin: str = "question") -> str:
    """A question must carry at least one content word; return it stripped."""
    q = " ".join(str(question).split())
    if not q:
        raise InputError(f"{origin}: the research question is empty")
    if not tokenize(q):
        raise InputError(f"{origin}: the research question {q!r} has only stop words")
    return q


def resolve(stage: str, run_dir: str, **values: Any) -> dict[str, Any]:
    """Validate a notebook's parameters: the ``shared`` keys plus the stage's own keys.

    Returns a plain dict with ``run_dir`` as an absolute ``Path`` (created if missing) and
    every value type-checked, and records it as ``params/<stage>.json`` in the run folder so
    later stages and readers see the thresholds used. Notebooks call this right after their
    ``parameters`` cell.
    """
    shared = {k: values.pop(k) for k in list(values) if k in DEFAULTS["shared"]}
    out: dict[str, Any] = validate_block("shared", shared, f"notebook {stage}")
    out.update(validate_block(stage, values, f"notebook {stage}"))
    out["question"] = check_question(out["question"])
    if not run_dir:
        raise InputError(f"notebook {stage}: run_dir is empty (expected an output folder)")
    out["run_dir"] = Path(run_dir).expanduser().resolve()
    out["run_dir"].mkdir(parents=True, exist_ok=True)
    write_json(out["run_dir"] / "params" / f"{stage}.json", {k: v for k, v in out.items() if k != "run_dir"})
    return out


def stage_params(run_dir: str | Path) -> dict[str, dict[str, Any]]:
    """The parameters each finished stage recorded in ``run_dir/params``."""
    folder = Path(run_dir) / "params"
    return {p.stem: read_json(p) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}

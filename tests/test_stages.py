"""The stage table is the one statement of what each stage reads and writes: it is
consistent with itself, ``io.Artifacts`` enforces it, and the run paths follow one rule."""

from __future__ import annotations

import pandas as pd
import pytest

from synth import io, stages
from synth.errors import InputError
from synth.stages import STAGES, run_paths, writer_of


def test_every_read_is_written_by_an_earlier_stage():
    seen: set[str] = set()
    for stage in STAGES:
        missing = [a for a in stage.reads if a not in seen]
        assert not missing, (stage.name, missing)
        seen.update(stage.outputs)


def test_each_artifact_has_exactly_one_writer():
    outputs = [a for s in STAGES for a in s.outputs]
    assert len(outputs) == len(set(outputs))
    assert writer_of("papers.parquet") == "screen" and writer_of("nope.csv") is None


def test_artifacts_refuses_what_the_table_does_not_list(tmp_path):
    art = io.Artifacts(tmp_path, "screen")
    with pytest.raises(AssertionError, match="stage screen writes claims.csv"):
        art.write_table("claims", pd.DataFrame({"a": [1]}), formats=("csv",))
    with pytest.raises(AssertionError, match="stage screen reads papers.parquet"):
        art.table("papers")
    assert not (tmp_path / "claims.csv").exists()


def test_missing_input_names_the_stage_that_writes_it(tmp_path):
    with pytest.raises(InputError, match=r"candidates.parquet: missing artifact \(run the search"):
        io.Artifacts(tmp_path, "screen").table("candidates")


def test_artifacts_round_trip_and_report_missing_outputs(tmp_path):
    search = io.Artifacts(tmp_path, "search")
    search.write_record(stages.QUESTION, {"question": "Does X beat Y?"})
    search.write_table("terms", pd.DataFrame({"term": ["x"], "kind": ["word"]}))
    assert (tmp_path / "terms.csv").is_file() and (tmp_path / "terms.parquet").is_file()
    screen = io.Artifacts(tmp_path, "screen")
    assert screen.question() == "Does X beat Y?"
    assert screen.table("terms")["term"].tolist() == ["x"]
    assert "candidates.parquet" in search.missing_outputs()
    assert stages.describe("screen").query("stage == 'reads'")["written by"].eq("search").all()


def test_written_files_are_readable_by_others(tmp_path):
    path = io.write_text(tmp_path / "x.txt", "x")
    assert path.stat().st_mode & 0o044 == 0o044  # not mkstemp's 0600 (umask 022)


def test_run_paths_one_rule(tmp_path):
    root = tmp_path / "output"
    inside = run_paths(root / "run1", "", root)
    assert inside.arxiv_cache == root.resolve() / "cache" / "arxiv"
    outside = run_paths(tmp_path / "elsewhere" / "run", "", root)
    assert outside.embeddings_cache == (tmp_path / "elsewhere" / "run" / "cache" / "embeddings")
    assert run_paths(root / "run1", tmp_path / "c", root).cache == tmp_path / "c"
    by_hand = run_paths(root / "notebook-run")  # a notebook run: no out_root known
    assert by_hand.cache == root.resolve() / "cache"

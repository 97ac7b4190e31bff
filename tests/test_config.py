from __future__ import annotations

import json

import pytest

from synth import config
from synth.errors import InputError
from synth.stages import STAGE_NAMES, STAGES


def test_defaults_carry_the_seed_question():
    params = config.load_params(None)
    assert params["shared"]["question"] == config.SEED_QUESTION
    assert set(params) == {"shared", *STAGE_NAMES}


def test_repo_params_files_are_valid():
    from conftest import ROOT

    for path in (ROOT / "params").glob("*.yaml"):
        params = config.load_params(path)
        assert params["shared"]["question"], path


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("screen:\n  max_includd: 3\n", "unknown key 'screen.max_includd'"),
        ("screen:\n  max_included: many\n", "'screen.max_included' must be int, got str"),
        ("screen:\n  max_included: true\n", "'screen.max_included' must be int"),
        ("screne:\n  max_included: 3\n", "unknown block 'screne'"),
        ("shared:\n  question: 'what is the of and'\n", "has only stop words"),
        ("- a\n- b\n", "expected a mapping of blocks"),
        ("screen: [\n", "not valid YAML"),
        ("answer:\n  stance: nly\n", "'answer.stance' must be one of cue, nli, lexical"),
        ("verify:\n  dense: true\n  nli: true\n", "cannot both be true"),
        ("screen:\n  min_subject: 1.5\n", "'screen.min_subject' must be from 0 to 1, got 1.5"),
    ],
)
def test_bad_params_are_one_clear_line(tmp_path, yaml_text, message):
    path = tmp_path / "p.yaml"
    path.write_text(yaml_text)
    with pytest.raises(InputError) as err:
        config.load_params(path)
    assert message in str(err.value)
    assert str(path) in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_params_file(tmp_path):
    with pytest.raises(InputError, match="params file not found"):
        config.load_params(tmp_path / "nope.yaml")


def test_int_is_accepted_for_float_and_converted(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text("screen:\n  min_relative_score: 1\n")
    assert config.load_params(path)["screen"]["min_relative_score"] == 1.0


def test_resolve_checks_and_records_stage_params(tmp_path):
    p = config.resolve(
        "screen",
        run_dir=str(tmp_path / "run"),
        cache_dir="",
        max_included=5,
        min_relative_score=0.2,
        topic_cutoff=0.5,
        title_weight=2.0,
    )
    assert p["run_dir"].is_dir() and p["max_included"] == 5
    assert p["paths"].embeddings_cache == tmp_path / "cache" / "embeddings"
    recorded = json.loads((tmp_path / "run" / "params" / "screen.json").read_text())
    assert recorded["max_included"] == 5 and recorded["min_relative_score"] == 0.2
    with pytest.raises(InputError, match="unknown key 'screen.top_k'"):
        config.resolve("screen", run_dir=str(tmp_path), cache_dir="", top_k=3)
    with pytest.raises(InputError, match="unknown key 'question'"):  # only search takes it
        config.resolve("screen", run_dir=str(tmp_path), question="Does X-1 beat Y?")


def test_only_the_search_notebook_takes_the_question():
    assert [s.name for s in STAGES if "question" in s.shared] == ["search"]
    params = config.load_params(None)
    for stage in STAGES:
        injected = config.notebook_parameters(params, stage.name, "/tmp/run")
        assert ("question" in injected) == (stage.name == "search")


def test_corpus_paths_resolve_from_where_jupyterlab_started(tmp_path, monkeypatch):
    monkeypatch.setenv("SYNTH_START_DIR", str(tmp_path))
    assert config.user_path("papers.bib") == str(tmp_path / "papers.bib")
    assert config.user_path("sample") == "sample"
    monkeypatch.delenv("SYNTH_START_DIR")
    monkeypatch.chdir(tmp_path)
    assert config.user_path("x/papers.bib") == str(tmp_path / "x" / "papers.bib")
    p = config.resolve(
        "search",
        run_dir=str(tmp_path / "run"),
        question="Does X beat Y?",
        cache_dir="",
        corpus="c.jsonl",
    )
    assert p["corpus"] == str(tmp_path / "c.jsonl")


def test_screen_defaults_are_the_library_defaults():
    """A notebook or `synth run` with default params screens as `screen_question` does when
    called with no settings: the two sets of defaults cannot drift apart."""
    import inspect

    from synth.inclusion import screen_question

    library = {
        name: p.default
        for name, p in inspect.signature(screen_question).parameters.items()
        if p.default is not inspect.Parameter.empty
    }
    shared = sorted(set(library) & set(config.DEFAULTS["screen"]))
    assert {"max_included", "min_relative_score", "topic_cutoff", "min_subject"} <= set(shared)
    assert {k: config.DEFAULTS["screen"][k] for k in shared} == {k: library[k] for k in shared}

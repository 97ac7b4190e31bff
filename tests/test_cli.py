"""The command line explains itself: every option of every subcommand has help text, every
subcommand an example, and ``synth --version`` answers."""

from __future__ import annotations

import argparse

import pytest

from synth.cli import build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_option_of_every_subcommand_has_help_and_each_an_example():
    subs = _subparsers(build_parser())
    assert {"run", "compare", "rank", "extract", "verify", "answer"} <= set(subs)
    for name, sub in subs.items():
        assert sub.epilog and sub.epilog.startswith("example: synth " + name), name
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help and action.help.strip(), (name, action.dest)


def test_version_and_exit_codes_in_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith("synth ")
    assert "exit codes" in build_parser().format_help()


def test_the_bundled_sample_corpus_is_reachable_as_sample():
    from synth.run import make_request
    from synth.sources.local import SAMPLE_FILE, load_corpus

    loaded = load_corpus("sample")
    assert len(loaded.papers) == 2000 and loaded.skipped.empty
    assert loaded.papers["abstract"].str.len().gt(100).all()
    assert loaded.papers["title"].str.contains("MSR-VTT|Text-Video|Video-Text", case=False).any()
    request = make_request(None, None, "sample")
    assert request.corpus == str(SAMPLE_FILE)

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

from corpus import OFF_TOPIC, write_corpus

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent

# fixtures that run a whole pipeline (or several): a test that takes one is slow
PIPELINE_FIXTURES = frozenset({"run", "runs", "hostile", "failed_run"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs a whole pipeline run as ``slow`` (``make test-fast``
    deselects them); tests that run one themselves carry the mark explicitly."""
    for item in items:
        if PIPELINE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    """The tiny on- and off-topic corpus as a JSONL file."""
    return write_corpus(tmp_path / "corpus.jsonl")


@pytest.fixture
def off_topic_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "off_topic.jsonl", OFF_TOPIC)

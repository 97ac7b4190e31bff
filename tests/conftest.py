from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest
from corpus import OFF_TOPIC, write_corpus

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def corpus_file(tmp_path: Path) -> Path:
    """The tiny on- and off-topic corpus as a JSONL file."""
    return write_corpus(tmp_path / "corpus.jsonl")


@pytest.fixture
def off_topic_corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "off_topic.jsonl", OFF_TOPIC)

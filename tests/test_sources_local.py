"""Tests for synth.sources.local: every format, skip reasons, errors, and robustness."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from synth.errors import InputError
from synth.sources import PAPER_COLUMNS
from synth.sources.local import load_corpus, parse_arxiv_id

FIXTURES = Path(__file__).parent / "fixtures"


def _copy(tmp_path: Path, *names: str) -> Path:
    for name in names:
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def _by_id(result, paper_id: str) -> dict:
    rows = result.papers[result.papers["paper_id"] == paper_id]
    assert len(rows) == 1, f"{paper_id} not loaded exactly once"
    return rows.iloc[0].to_dict()


# ------------------------------------------------------------------ JSONL shapes


def test_jsonl_arxiv_shape():
    result = load_corpus(FIXTURES / "sources_arxiv.jsonl")
    assert list(result.papers.columns) == PAPER_COLUMNS
    first = _by_id(result, "2503.19009")
    assert first["title"] == (
        "Video-ColBERT: Contextualized Late Interaction for Text-to-Video Retrieval"
    )
    assert first["abstract"] == (
        "In this work we study text-to-video retrieval with late interaction."
    )
    assert first["authors"] == "Arun Reddy; Alexander Martin"
    assert first["categories"] == "cs.CV cs.IR"
    assert first["year"] == 2025 and first["url"] == "https://arxiv.org/abs/2503.19009"
    assert first["source"] == "jsonl" and first["source_file"] == "sources_arxiv.jsonl"
    old = _by_id(result, "hep-th/9901001")
    assert old["version"] == 1 and old["year"] == 1999 and old["abstract"] == ""
    title_only = _by_id(result, "2504.00004")
    assert title_only["abstract"] == "" and title_only["title"] == "Title only"


def test_jsonl_dedupe_keeps_latest_version():
    result = load_corpus(FIXTURES / "sources_arxiv.jsonl")
    second = _by_id(result, "2504.00001")
    assert second["version"] == 3 and second["title"] == "Second paper, revised"
    assert result.duplicates == 1
    assert result.papers["paper_id"].is_unique


def test_jsonl_author_string_and_published_date(tmp_path):
    record = {
        "id": "2504.00001v2",
        "title": "T",
        "authors": "Jane Doe, John Roe and Max M",
        "categories": "cs.CL, cs.AI",
        "published": "2024-12-31T10:00:00Z",
    }
    (tmp_path / "a.jsonl").write_text(json.dumps(record) + "\n")
    row = load_corpus(tmp_path / "a.jsonl").papers.iloc[0]
    assert row["authors"] == "Jane Doe; John Roe; Max M"
    assert row["categories"] == "cs.CL cs.AI"
    assert row["published"] == "2024-12-31" and row["year"] == 2024 and row["version"] == 2


def test_jsonl_skip_reasons_are_counted():
    result = load_corpus(FIXTURES / "sources_arxiv.jsonl")
    skipped = result.skipped
    assert list(skipped.columns[:3]) == ["file", "record", "reason"]
    assert skipped["reason"].tolist() == [
        "broken JSON",
        "not a JSON object",
        "no title or abstract",
    ]
    assert skipped["record"].tolist() == ["6", "7", "8"]
    files = result.files.iloc[0].to_dict()
    assert files == {
        "file": "sources_arxiv.jsonl",
        "format": "jsonl",
        "records": 8,
        "loaded": 5,
        "skipped": 3,
    }


def test_beir_shape():
    result = load_corpus(FIXTURES / "sources_beir.jsonl")
    assert result.papers["paper_id"].tolist() == ["doc-1", "doc-2"]
    assert result.papers.loc[0, "abstract"] == "Dense retrieval works."
    assert result.papers.loc[1, "title"] == "" and result.papers.loc[0, "url"] == ""


def test_scifact_shape_keeps_sentence_list():
    result = load_corpus(FIXTURES / "sources_scifact.jsonl")
    row = _by_id(result, "4983")
    assert row["sentences"] == ["First sentence.", "Second sentence wrapped.", "Third."]
    assert row["abstract"] == "First sentence. Second sentence wrapped. Third."
    assert pd.isna(row["year"])


def test_json_array_file(tmp_path):
    records = [{"id": "x1", "title": "One"}, {"id": "x2", "abstract": "Two"}, 3]
    (tmp_path / "arr.json").write_text(json.dumps(records, indent=2))
    result = load_corpus(tmp_path / "arr.json")
    assert result.papers["paper_id"].tolist() == ["x1", "x2"]
    assert result.files.loc[0, "format"] == "json"
    assert result.skipped.to_dict("records")[0]["record"] == "2"


def test_json_lines_in_a_json_file(tmp_path):
    (tmp_path / "lines.json").write_text('{"id": "a", "title": "A"}\n{"id": "b", "title": "B"}\n')
    assert load_corpus(tmp_path / "lines.json").papers["paper_id"].tolist() == ["a", "b"]


def test_encodings_utf8_bom_and_latin1(tmp_path):
    (tmp_path / "bom.jsonl").write_bytes(
        b"\xef\xbb\xbf" + b'{"id": "b1", "title": "Caf\xc3\xa9"}\n'
    )
    (tmp_path / "latin.jsonl").write_bytes(b'{"id": "l1", "title": "Caf\xe9 na\xefve"}\n')
    result = load_corpus(tmp_path)
    assert _by_id(result, "b1")["title"] == "Café"
    assert _by_id(result, "l1")["title"] == "Café naïve"


def test_field_too_long_is_skipped(tmp_path):
    lines = [
        json.dumps({"id": "ok", "title": "fine"}),
        json.dumps({"id": "long", "title": "t", "abstract": "x" * 500}),
    ]
    (tmp_path / "c.jsonl").write_text("\n".join(lines))
    result = load_corpus(tmp_path / "c.jsonl", max_field_chars=100)
    assert result.papers["paper_id"].tolist() == ["ok"]
    assert result.skipped["reason"].tolist() == ["field too long"]


def test_records_without_id_get_stable_ids(tmp_path):
    (tmp_path / "n.jsonl").write_text('{"title": "No id"}\n{"title": "Also none"}\n')
    ids = load_corpus(tmp_path / "n.jsonl").papers["paper_id"].tolist()
    assert ids == ["n.jsonl:1", "n.jsonl:2"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2503.19009v2", ("2503.19009", 2)),
        ("2503.19009", ("2503.19009", None)),
        ("arXiv:1706.03762v7", ("1706.03762", 7)),
        ("hep-th/9901001v1", ("hep-th/9901001", 1)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
        ("https://arxiv.org/abs/2101.00001v3", ("2101.00001", 3)),
        ("doc-1", None),
        ("", None),
    ],
)
def test_parse_arxiv_id(raw, expected):
    assert parse_arxiv_id(raw) == expected


# ------------------------------------------------------------------ CSV, BibTeX, RIS


def test_csv_aliases_and_multiline_cells():
    result = load_corpus(FIXTURES / "sources_papers.csv")
    doi = _by_id(result, "10.1000/xyz1")
    assert doi["title"] == "A CSV paper, with comma" and doi["abstract"] == "Line one line two"
    assert doi["authors"] == "Ada Lovelace; Charles Babbage" and doi["year"] == 2021
    assert doi["url"] == "https://example.org/1" and doi["source"] == "csv"
    arx = _by_id(result, "2101.00001")
    assert arx["version"] == 4 and arx["year"] == 2021 and arx["authors"] == "Grace Hopper"
    assert _by_id(result, "sources_papers.csv:5")["year"] == 1999
    assert result.skipped[["record", "reason"]].values.tolist() == [["6", "no title or abstract"]]


def test_tsv_is_sniffed():
    result = load_corpus(FIXTURES / "sources_papers.tsv")
    assert _by_id(result, "T1")["abstract"] == "Tab separated."
    assert result.files.loc[0, "format"] == "tsv"


def test_csv_without_title_column_is_skipped_with_reason(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="no title or abstract column"):
        load_corpus(tmp_path / "bad.csv")


def test_bibtex():
    result = load_corpus(FIXTURES / "sources_refs.bib")
    study = _by_id(result, "10.1234/abc.5")
    assert study["title"] == "A BibTeX Study of Things"
    assert study["authors"] == "John Smith; Jane A. Doe; Plato"
    assert study["abstract"] == "We study things." and study["year"] == 2020
    assert study["url"] == "https://doi.org/10.1234/abc.5" and study["source"] == "bibtex"
    preprint = _by_id(result, "2305.12345")
    assert preprint["version"] == 2 and preprint["url"] == "https://arxiv.org/abs/2305.12345"
    assert _by_id(result, "keyonly")["title"] == "Only a key"
    reasons = result.skipped["reason"].tolist()
    assert reasons == ["malformed BibTeX entry", "no title or abstract"]


def test_ris():
    result = load_corpus(FIXTURES / "sources_refs.ris")
    first = _by_id(result, "10.5555/ris.1")
    assert first["title"] == "A RIS paper" and first["abstract"] == "Abstract of the RIS paper."
    assert first["authors"] == "Ada Lovelace; Charles Babbage" and first["year"] == 2019
    assert first["url"] == "https://example.org/ris1" and first["source"] == "ris"
    second = _by_id(result, "ris-two")
    assert second["title"] == "Second RIS paper" and second["year"] == 2018
    assert result.skipped["reason"].tolist() == ["malformed RIS entry"]


# ------------------------------------------------------------------ PDF


def _text_pdf(text_lines: list[str]) -> bytes:
    """A minimal one-page PDF drawing ``text_lines`` in Helvetica (built by hand)."""
    ops = ["BT", "/F1 11 Tf", "14 TL", "72 720 Td"]
    for line in text_lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        ops.append(f"({escaped}) Tj T*")
    ops.append("ET")
    stream = "\n".join(ops).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"
        ),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def test_pdf_text_title_and_abstract_section(tmp_path):
    lines = [
        "Sparse Retrieval Revisited",
        "A. Author",
        "Abstract",
        "We revisit sparse retrieval and show it is strong on long documents.",
        "1 Introduction",
        "Body text here.",
    ]
    (tmp_path / "paper1.pdf").write_bytes(_text_pdf(lines))
    row = load_corpus(tmp_path / "paper1.pdf").papers.iloc[0]
    assert row["paper_id"] == "paper1" and row["source"] == "pdf"
    assert row["title"] == "Sparse Retrieval Revisited"
    assert row["abstract"] == "We revisit sparse retrieval and show it is strong on long documents."
    assert "Body text here." in row["full_text"]


def test_pdf_without_abstract_heading_uses_leading_text(tmp_path):
    (tmp_path / "p.pdf").write_bytes(_text_pdf(["Some Title", "Plain opening text."]))
    row = load_corpus(tmp_path / "p.pdf").papers.iloc[0]
    assert row["abstract"].startswith("Some Title Plain opening text.")


def test_pdf_blank_page_with_metadata_title(tmp_path):
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Metadata Title"})
    with open(tmp_path / "blank.pdf", "wb") as fh:
        writer.write(fh)
    row = load_corpus(tmp_path / "blank.pdf").papers.iloc[0]
    assert row["title"] == "Metadata Title" and row["abstract"] == ""


def test_bad_pdfs_are_skipped_with_reasons(tmp_path):
    (tmp_path / "a_empty.pdf").write_bytes(b"")
    (tmp_path / "b_corrupt.pdf").write_bytes(b"%PDF-1.4\nthis is not really a pdf\n")
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.encrypt("secret")
    with open(tmp_path / "c_encrypted.pdf", "wb") as fh:
        writer.write(fh)
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(tmp_path / "d_blank.pdf", "wb") as fh:
        writer.write(fh)
    (tmp_path / "ok.jsonl").write_text('{"id": "k", "title": "Keeps the load alive"}\n')
    result = load_corpus(tmp_path)
    reasons = dict(zip(result.skipped["file"], result.skipped["reason"], strict=True))
    assert reasons == {
        "a_empty.pdf": "empty PDF",
        "b_corrupt.pdf": "corrupt PDF",
        "c_encrypted.pdf": "encrypted PDF",
        "d_blank.pdf": "empty PDF",
    }
    assert result.papers["paper_id"].tolist() == ["k"]


# ------------------------------------------------------------------ directories and errors


def test_directory_loads_all_formats_sorted(tmp_path):
    names = [
        "sources_arxiv.jsonl",
        "sources_beir.jsonl",
        "sources_papers.csv",
        "sources_refs.bib",
        "sources_refs.ris",
        "sources_scifact.jsonl",
    ]
    _copy(tmp_path, *names)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.jsonl").write_text('{"id": "m1", "title": "Nested"}\n')
    (tmp_path / "README.md").write_text("not a corpus")
    (tmp_path / ".hidden.jsonl").write_text('{"id": "h", "title": "hidden"}\n')
    result = load_corpus(tmp_path)
    assert result.files["file"].tolist() == ["README.md", *names[:5], names[5], "sub/more.jsonl"]
    readme = result.files.iloc[0].to_dict()
    assert readme["format"] == "unsupported" and readme["loaded"] == 0
    assert "h" not in set(result.papers["paper_id"])
    assert _by_id(result, "m1")["source_file"] == "sub/more.jsonl"
    assert set(result.papers["source"]) == {"jsonl", "csv", "bibtex", "ris"}
    assert result.files["loaded"].sum() - result.duplicates == len(result.papers)
    assert result.skipped["reason"].value_counts().to_dict()["no title or abstract"] == 3


def test_missing_path(tmp_path):
    with pytest.raises(InputError, match="does not exist") as info:
        load_corpus(tmp_path / "nope")
    assert "\n" not in str(info.value) and str(tmp_path / "nope") in str(info.value)


def test_unsupported_file(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match=r"unsupported file type '\.txt'"):
        load_corpus(tmp_path / "notes.txt")


def test_directory_without_supported_files(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(InputError, match="no supported files"):
        load_corpus(tmp_path)
    with pytest.raises(InputError, match="no supported files"):
        load_corpus(tmp_path / ".." / tmp_path.name)


def test_nothing_loadable_message_counts_reasons(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"id": 1\n{broken\n[1]\n')
    with pytest.raises(InputError) as info:
        load_corpus(tmp_path / "bad.jsonl")
    message = str(info.value)
    assert message == (
        f"{tmp_path / 'bad.jsonl'}: no records could be loaded "
        "(3 skipped: broken JSON \u00d72, not a JSON object \u00d71)"
    )


def test_empty_file_has_nothing_to_load(tmp_path):
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(InputError, match="no records could be loaded"):
        load_corpus(tmp_path / "empty.jsonl")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any file")
def test_unreadable_file(tmp_path):
    target = tmp_path / "secret.jsonl"
    target.write_text('{"id": "s", "title": "S"}\n')
    target.chmod(0)
    try:
        with pytest.raises(InputError, match="cannot read file"):
            load_corpus(target)
    finally:
        target.chmod(0o644)


def test_permission_error_becomes_input_error(tmp_path, monkeypatch):
    target = tmp_path / "locked.jsonl"
    target.write_text('{"id": "s", "title": "S"}\n')
    real_open = os.open

    def fake_open(path, *args, **kwargs):  # what open(2) says to a user without the right
        if Path(path) == target:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(os, "open", fake_open)
    with pytest.raises(InputError, match=r"locked\.jsonl: cannot read file \(Permission denied\)"):
        load_corpus(target)


# ------------------------------------------------------------------ property tests

_PROPERTY = settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _only_input_errors(path: Path) -> None:
    try:
        result = load_corpus(path)
    except InputError as err:
        assert "\n" not in str(err)
        return
    assert list(result.papers.columns) == PAPER_COLUMNS
    assert result.papers["paper_id"].is_unique
    assert (result.papers["title"].str.len() + result.papers["abstract"].str.len() > 0).all()


@_PROPERTY
@given(
    data=st.binary(max_size=400),
    suffix=st.sampled_from([".jsonl", ".json", ".csv", ".tsv", ".bib", ".ris", ".pdf"]),
)
def test_arbitrary_bytes_never_crash(tmp_path, data, suffix):
    path = tmp_path / f"corpus{suffix}"
    path.write_bytes(data)
    _only_input_errors(path)


_LINE_ALPHABET = st.characters(codec="utf-8", exclude_categories=["Cs"])
_TOKENS = st.sampled_from(
    [
        '{"id": "x", "title": "T"}',
        '{"title":',
        "@article{k,",
        "title = {",
        "}",
        "TY  - JOUR",
        "TI  - Title",
        "ER  - ",
        "AB  - text",
        "id,title,abstract",
        '"quoted, cell"',
        ",,",
        "\t",
        "[",
        "]",
        '{"abstract": ["s1", "s2"], "doc_id": 3}',
        "\\",
        "\x00",
    ]
)


@_PROPERTY
@given(
    lines=st.lists(st.one_of(_TOKENS, st.text(_LINE_ALPHABET, max_size=40)), max_size=12),
    suffix=st.sampled_from([".jsonl", ".json", ".csv", ".bib", ".ris"]),
)
def test_arbitrary_text_lines_never_crash(tmp_path, lines, suffix):
    path = tmp_path / f"corpus{suffix}"
    path.write_text("\n".join(lines), encoding="utf-8")
    _only_input_errors(path)


@_PROPERTY
@given(
    records=st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "_id",
                    "doc_id",
                    "title",
                    "abstract",
                    "summary",
                    "text",
                    "authors",
                    "categories",
                    "published",
                    "year",
                    "version",
                ]
            ),
            st.recursive(
                st.none()
                | st.booleans()
                | st.integers()
                | st.floats(allow_nan=False)
                | st.text(max_size=20),
                lambda c: (
                    st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3)
                ),
                max_leaves=8,
            ),
        ),
        max_size=6,
    )
)
def test_arbitrary_json_records_never_crash(tmp_path, records):
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records), encoding="utf-8")
    _only_input_errors(path)


def test_fifo_is_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.jsonl")
    (tmp_path / "ok.jsonl").write_text('{"id": "o", "title": "O"}\n')
    result = load_corpus(tmp_path)
    assert result.files["file"].tolist() == ["ok.jsonl"]
    with pytest.raises(InputError, match="not a regular file or directory"):
        load_corpus(tmp_path / "pipe.jsonl")

"""Property tests of the corpus loaders beyond tests/test_sources_local.py: every record of
every format is either loaded or skipped with a counted reason (nothing lost, nothing
double-counted), for broken JSON lines, wrong encodings, enormous fields, BibTeX and RIS edge
cases and empty, encrypted and corrupt PDFs; no crash, no hang.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter
from test_sources_local import _text_pdf

from synth.errors import InputError
from synth.sources.local import load_corpus

PROPERTY = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
MAX_CHARS = 200  # small max_field_chars so "enormous" stays cheap
REASONS = {
    "broken JSON",
    "not a JSON object",
    "no title or abstract",
    "field too long",
    "unreadable record",
    "malformed CSV row",
    "no title or abstract column",
    "malformed BibTeX",
    "malformed BibTeX entry",
    "duplicate BibTeX key",
    "malformed RIS entry",
    "empty PDF",
    "corrupt PDF",
    "encrypted PDF",
}


def _load(path: Path, **kw):
    """load_corpus under a hang guard (not a speed test: benchmarks measure speed); returns
    the result or the InputError (one line)."""
    started = time.monotonic()
    try:
        result = load_corpus(path, **kw)
    except InputError as err:
        assert "\n" not in str(err)
        result = err
    assert time.monotonic() - started < 120, "the loader hung"
    return result


def _check_accounting(result) -> None:
    """files.records == loaded + skipped per file; skipped rows match; reasons are known."""
    files, skipped = result.files, result.skipped
    assert (files["records"] == files["loaded"] + files["skipped"]).all()
    assert len(skipped) == int(files["skipped"].sum())
    assert set(skipped["reason"]) <= REASONS, set(skipped["reason"])
    assert int(files["loaded"].sum()) - result.duplicates == len(result.papers)
    assert result.papers["paper_id"].is_unique


# ------------------------------------------------------------------ JSON lines: exact accounting

_KINDS = ("good", "broken", "array", "no_title", "huge", "latin1", "nul", "deep")
_EXPECTED = {
    "broken": "broken JSON",
    "array": "not a JSON object",
    "no_title": "no title or abstract",
    "huge": "field too long",
    "deep": "broken JSON",
}


def _line(kind: str, n: int, text: str) -> bytes:
    if kind == "good":
        return json.dumps({"id": f"g{n}", "title": text or "t", "abstract": "a"}).encode()
    if kind == "broken":
        return json.dumps({"id": f"b{n}", "title": text})[:-1].encode() + b',"x":'
    if kind == "array":
        return json.dumps([text, n]).encode()
    if kind == "no_title":
        return json.dumps({"id": f"n{n}", "authors": [text]}).encode()
    if kind == "huge":
        return json.dumps({"id": f"h{n}", "title": "x" * (MAX_CHARS + 1 + len(text))}).encode()
    if kind == "latin1":
        return f'{{"id": "l{n}", "title": "caf\u00e9 {n}"}}'.encode("latin-1")
    if kind == "nul":
        return json.dumps({"id": f"z{n}", "title": f"nul\u0000{text}"}).encode()
    return b"[" * 3000 + b"]" * 3000  # deep: RecursionError inside json


@PROPERTY
@given(st.lists(st.tuples(st.sampled_from(_KINDS), st.text(max_size=15)), min_size=1, max_size=12))
def test_every_jsonl_line_is_loaded_or_skipped_with_its_reason(tmp_path, lines):
    # a file that is one JSON array as a whole is read as an array of records (by design)
    assume(not (len(lines) == 1 and lines[0][0] == "array"))
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b"\n".join(_line(kind, i, text) for i, (kind, text) in enumerate(lines)) + b"\n"
    )
    result = _load(path, max_field_chars=MAX_CHARS)
    loadable = [k for k, _ in lines if k in ("good", "latin1", "nul")]
    if not loadable:
        assert isinstance(result, InputError) and "no records could be loaded" in str(result)
        assert f"{len(lines)} skipped" in str(result)
        return
    _check_accounting(result)
    assert int(result.files["records"].sum()) == len(lines)
    expected_reasons = sorted(_EXPECTED[k] for k, _ in lines if k in _EXPECTED)
    assert sorted(result.skipped["reason"]) == expected_reasons
    assert result.skipped["record"].tolist() == [
        str(i + 1) for i, (k, _) in enumerate(lines) if k in _EXPECTED
    ]
    ids = set(result.papers["paper_id"])
    for i, (kind, _) in enumerate(lines):
        if kind == "latin1":
            row = result.papers[result.papers["paper_id"] == f"l{i}"].iloc[0]
            assert row["title"] == f"caf\u00e9 {i}"
        elif kind in ("good", "nul"):
            assert f"{'g' if kind == 'good' else 'z'}{i}" in ids


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "cp1252", "utf-8-sig"])
def test_wrong_encodings_never_crash(tmp_path, encoding):
    records = [{"id": f"e{i}", "title": f"Gr\u00fc\u00dfe {i} \u2013 na\u00efve"} for i in range(3)]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"
    path = tmp_path / "enc.jsonl"
    path.write_bytes(text.encode(encoding))
    result = _load(path)
    if encoding in ("cp1252", "utf-8-sig"):
        _check_accounting(result)
        assert len(result.papers) == 3
    elif not isinstance(result, InputError):  # UTF-16/32: not detected, never a crash
        _check_accounting(result)


# ------------------------------------------------------------------ enormous input, every format


@pytest.mark.parametrize("suffix", [".jsonl", ".json", ".csv", ".tsv", ".bib", ".ris"])
def test_enormous_fields_are_skipped_quickly(tmp_path, suffix):
    huge = "word " * 400_000  # 2 MB in one field
    body = {
        ".jsonl": json.dumps({"id": "h", "title": "T", "abstract": huge})
        + "\n"
        + json.dumps({"id": "ok", "title": "Fine"})
        + "\n",
        ".json": json.dumps(
            [{"id": "h", "title": "T", "abstract": huge}, {"id": "ok", "title": "Fine"}]
        ),
        ".csv": f'id,title,abstract\nh,T,"{huge}"\nok,Fine,a\n',
        ".tsv": f"id\ttitle\tabstract\nh\tT\t{huge}\nok\tFine\ta\n",
        ".bib": (
            f"@article{{h, title={{T}}, abstract={{{huge}}}}}\n@article{{ok, title={{Fine}}}}\n"
        ),
        ".ris": f"TY  - JOUR\nTI  - T\nAB  - {huge}\nER  - \nTY  - JOUR\nTI  - Fine\nER  - \n",
    }[suffix]
    path = tmp_path / f"huge{suffix}"
    path.write_text(body, encoding="utf-8")
    result = _load(path, max_field_chars=100_000)
    _check_accounting(result)
    # CSV: the csv module's field limit trips first ("malformed CSV row"); see robustness.md
    allowed = (
        {"field too long", "malformed CSV row"}
        if suffix in (".csv", ".tsv")
        else {"field too long"}
    )
    assert len(result.skipped) == 1 and set(result.skipped["reason"]) <= allowed
    assert result.papers["title"].tolist() == ["Fine"]


# ------------------------------------------------------------------ BibTeX edge cases

_BIB_VALUE = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
    st.sampled_from(
        [
            '{\\"o}',
            "{{nested {braces}}}",
            "unbalanced {",
            "}",
            "a # b",
            "\\emph{x}",
            "%comment",
            "@",
            '"quoted"',
            "$x^2$",
            "",
        ]
    ),
)


def _bib_entry(key: str, fields: dict[str, str], quote: bool) -> str:
    body = ",\n".join(f'  {k} = "{v}"' if quote else f"  {k} = {{{v}}}" for k, v in fields.items())
    return f"@article{{{key},\n{body}\n}}"


@PROPERTY
@given(
    entries=st.lists(
        st.tuples(
            st.sampled_from(["k1", "k2", "k3", "", "k 4", "k,5"]),
            st.dictionaries(
                st.sampled_from(["title", "abstract", "author", "year", "eprint", "doi", "url"]),
                _BIB_VALUE,
                max_size=4,
            ),
            st.booleans(),
        ),
        max_size=6,
    ),
    extras=st.lists(
        st.sampled_from(
            ["@comment{ignored}", "@string{s = {x}}", '@preamble{"p"}', "stray text", "@misc{", "}"]
        ),
        max_size=3,
    ),
)
def test_bibtex_edge_cases_never_crash_and_add_up(tmp_path, entries, extras):
    text = "\n\n".join([*(_bib_entry(k, f, q) for k, f, q in entries), *extras])
    path = tmp_path / "refs.bib"
    path.write_text(text, encoding="utf-8")
    result = _load(path)
    if not isinstance(result, InputError):
        _check_accounting(result)
        assert (result.papers["title"].str.len() + result.papers["abstract"].str.len() > 0).all()


def test_well_formed_bibtex_entries_all_load(tmp_path):
    entries = [
        _bib_entry(
            f"key{i}", {"title": f"Title {{{i}}}", "author": "Doe, J. and Roe, R."}, quote=False
        )
        for i in range(5)
    ]
    (tmp_path / "ok.bib").write_text("\n\n".join(entries), encoding="utf-8")
    result = _load(tmp_path / "ok.bib")
    _check_accounting(result)
    assert sorted(result.papers["title"]) == [f"Title {i}" for i in range(5)]
    assert set(result.papers["authors"]) == {"J. Doe; R. Roe"}


# ------------------------------------------------------------------ RIS edge cases

_RIS_LINE = st.one_of(
    st.sampled_from(
        [
            "TI  - A title",
            "T1  - Other title",
            "AB  - An abstract",
            "AU  - Doe, J.",
            "PY  - 2020",
            "DO  - 10.1/x",
            "UR  - https://x.org",
            "XX  - unknown tag",
            "",
            "continued abstract line",
            "TI  -",
            "ER  - ",
        ]
    ),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20).map(
        lambda s: "TI  - " + " ".join(s.split())
    ),
)


@PROPERTY
@given(
    blocks=st.lists(
        st.tuples(st.lists(_RIS_LINE, max_size=5), st.booleans()), min_size=1, max_size=6
    ),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
)
def test_ris_blocks_are_each_loaded_or_skipped(tmp_path, blocks, newline):
    lines: list[str] = []
    for body, closed in blocks:
        body = [b for b in body if not b.startswith(("TY  -", "ER  -"))]
        lines += ["TY  - JOUR", *body, *(["ER  - "] if closed else [])]
    path = tmp_path / "refs.ris"
    path.write_text(newline.join(lines) + newline, encoding="utf-8", newline="")
    result = _load(path)
    if isinstance(result, InputError):
        assert "no records could be loaded" in str(result)
        assert f"({len(blocks)} skipped" in str(result)
        return
    _check_accounting(result)
    assert int(result.files["records"].sum()) == len(blocks)
    unclosed = sum(1 for _, closed in blocks if not closed)
    assert (result.skipped["reason"] == "malformed RIS entry").sum() >= unclosed


# ------------------------------------------------------------------ PDFs

_GOOD_PDF = _text_pdf(
    [
        "A Title",
        "Abstract",
        "We show a thing works well in practice today.",
        "1 Introduction",
        "Body.",
    ]
)


@PROPERTY
@given(
    cut=st.integers(min_value=0, max_value=len(_GOOD_PDF)),
    junk=st.binary(max_size=64),
    where=st.integers(min_value=0, max_value=len(_GOOD_PDF)),
)
def test_truncated_or_damaged_pdfs_load_or_skip_one_record(tmp_path, cut, junk, where):
    data = _GOOD_PDF[:cut]
    data = data[:where] + junk + data[where + len(junk) :]
    assume(data != _GOOD_PDF)
    (tmp_path / "paper.pdf").write_bytes(data)
    (tmp_path / "keep.jsonl").write_text('{"id": "k", "title": "Keeps the load alive"}\n')
    result = _load(tmp_path)
    _check_accounting(result)
    row = result.files.set_index("file").loc["paper.pdf"]
    assert row["records"] == 1 and row["loaded"] + row["skipped"] == 1


def _encrypted(user_password: str) -> bytes:
    import io

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": "Secret Title"})
    writer.encrypt(user_password=user_password, owner_password="owner")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_empty_encrypted_and_corrupt_pdfs_have_counted_reasons(tmp_path):
    (tmp_path / "a_empty.pdf").write_bytes(b"")
    (tmp_path / "b_header_only.pdf").write_bytes(b"%PDF-1.7\n")
    (tmp_path / "c_locked.pdf").write_bytes(_encrypted("secret"))
    (tmp_path / "d_open.pdf").write_bytes(_encrypted(""))  # no user password: readable
    (tmp_path / "e_garbage.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    (tmp_path / "f_html.pdf").write_bytes(b"<html><body>not a pdf</body></html>")
    result = _load(tmp_path)
    _check_accounting(result)
    reasons = dict(zip(result.skipped["file"], result.skipped["reason"], strict=True))
    assert reasons["a_empty.pdf"] == "empty PDF"
    assert reasons["c_locked.pdf"] == "encrypted PDF"
    assert reasons["b_header_only.pdf"] in ("corrupt PDF", "empty PDF")
    assert reasons["e_garbage.pdf"] in ("corrupt PDF", "empty PDF")
    assert reasons["f_html.pdf"] in ("corrupt PDF", "empty PDF")
    assert result.papers["title"].tolist() == ["Secret Title"]

"""Issue 20, files: output targets that are not regular files (1), special and unreadable
corpus files (3), records that used to abort a load (5), rows lost silently (6), run folders
inside the corpus (9), and further hostile files (a BOM-prefixed CSV, an unclosed BibTeX
entry, RIS without ER, a symlink loop, duplicate ids, NaN, a line too long to hold).

Real files, FIFOs (``os.mkfifo``), a character device node of our own (``os.mknod``; the
machine's /dev/null is never at stake), and ``synth`` run as a subprocess where the command
line is the point; every subprocess is bounded in time.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from synth.errors import InputError
from synth.io import atomic_path
from synth.sources.local import corpus_sha256, load_corpus

from arxiv_server import FakeArxivServer, make_entry
from conftest import ROOT
from corpus import write_corpus
from synth_proc import one_error_line, run_synth

SMOKE = ROOT / "params" / "smoke.yaml"


def _queries(path: Path) -> Path:
    path.write_text('{"_id": "q1", "text": "temporal modelling text-video retrieval"}\n')
    return path


def _char_device(path: Path) -> Path:
    """A node for the null device (major 1, minor 3) of our own; skip where mknod is denied."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("cannot create a device node here")
    return path


def _records(n: int, start: int = 0) -> list[dict]:
    return [
        {"id": f"2401.{i:05d}v1", "title": f"Paper number {i}", "abstract": f"Abstract {i}."}
        for i in range(start, start + n)
    ]


def _jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


# ------------------------------------------------------------- 1: special files as output


@pytest.mark.slow
def test_rank_out_to_a_device_writes_through_and_leaves_the_device(corpus_file, tmp_path):
    device = _char_device(tmp_path / "null")
    before = os.stat(device)
    done = run_synth(
        "rank", "--corpus", corpus_file, "--queries", _queries(tmp_path / "q.jsonl"),
        "--out", device,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".null")] == []


@pytest.mark.slow
def test_rank_out_to_a_fifo_streams_the_run_and_keeps_the_fifo(corpus_file, tmp_path):
    fifo = tmp_path / "run.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    done = run_synth(
        "rank", "--corpus", corpus_file, "--queries", _queries(tmp_path / "q.jsonl"),
        "--out", fifo, "--top", "3",
    )  # fmt: skip
    reader.join(timeout=30)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    lines = got[0].decode().splitlines()
    assert len(lines) == 3 and all(ln.split()[:2] == ["q1", "Q0"] for ln in lines)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["rank", "extract", "verify"])
def test_a_directory_as_out_is_refused_in_one_line(command, corpus_file, tmp_path):
    out = tmp_path / "out_dir"
    out.mkdir()
    q = _queries(tmp_path / "q.jsonl")
    claims = _jsonl(tmp_path / "claims.jsonl", [{"id": 1, "claim": "Temporal modelling helps."}])
    abstracts = _jsonl(tmp_path / "abs.jsonl", [{"id": "a", "abstract": "We show X."}])
    args = {
        "rank": ["--corpus", corpus_file, "--queries", q],
        "extract": ["--in", abstracts],
        "verify": ["--corpus", corpus_file, "--claims", claims],
    }[command]
    line = one_error_line(run_synth(command, *args, "--out", out))
    assert f"{out}: is a directory" in line
    assert out.is_dir() and not any(out.iterdir())


def test_atomic_path_refuses_a_socket_a_fifo_and_a_folder_and_writes_nothing(tmp_path):
    sock_path, fifo, folder = tmp_path / "s.sock", tmp_path / "f.fifo", tmp_path / "d"
    os.mkfifo(fifo)
    folder.mkdir()
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        for target, kind in ((sock_path, "socket"), (fifo, "pipe"), (folder, "directory")):
            with pytest.raises(InputError, match=f"is a {kind}, not a regular file"):
                with atomic_path(target) as tmp:
                    tmp.write_text("x")
        assert stat.S_ISSOCK(os.stat(sock_path).st_mode)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and not any(folder.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "f.fifo", "s.sock"]


def test_atomic_write_through_a_symlink_replaces_the_target_and_keeps_link_and_mode(tmp_path):
    real = tmp_path / "real.tsv"
    real.write_text("old\n")
    real.chmod(0o640)
    link = tmp_path / "link.tsv"
    link.symlink_to(real)
    with atomic_path(link) as tmp:
        tmp.write_text("new\n")
    assert link.is_symlink() and real.read_text() == "new\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


# ------------------------------------------------------------- 3: special files as corpus


@pytest.mark.slow
def test_a_fifo_named_jsonl_as_corpus_is_refused_fast(tmp_path):
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    done = run_synth(
        "run", "--params", SMOKE, "--corpus", fifo, "--out", tmp_path / "r", timeout=60
    )
    assert "is a pipe, not a regular file or directory" in one_error_line(done)
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_dev_zero_as_corpus_is_refused_fast(tmp_path):
    done = run_synth(
        "run", "--params", SMOKE, "--corpus", "/dev/zero", "--out", tmp_path / "r", timeout=60
    )
    assert "/dev/zero: is a device" in one_error_line(done)
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_fifo_and_device_inside_a_corpus_folder_are_passed_over_by_loading_and_hashing(
    tmp_path,
):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_corpus(folder / "good.jsonl")
    os.mkfifo(folder / "blocked.jsonl")
    (folder / "zero.jsonl").symlink_to("/dev/zero")
    code = (
        "import sys; from synth.run.request import make_request, input_hashes; "
        "from synth.sources.local import load_corpus; "
        f"r = make_request(None, {str(SMOKE)!r}, {str(folder)!r}); "
        "print(input_hashes(r)['corpus'], len(load_corpus(r.corpus).papers))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    digest, n = done.stdout.split()
    assert len(digest) == 64 and int(n) == len(load_corpus(folder / "good.jsonl").papers)


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_an_unreadable_file_in_a_corpus_folder_is_one_line(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_corpus(folder / "good.jsonl")
    locked = write_corpus(folder / "locked.jsonl")
    locked.chmod(0)
    try:
        done = run_synth("run", "--params", SMOKE, "--corpus", folder, "--out", tmp_path / "r")
    finally:
        locked.chmod(0o644)
    assert "locked.jsonl: cannot read file (permission denied)" in one_error_line(done)


# ------------------------------------------------------------- 5: one bad record, not fatal

BAD_VERSIONS = [
    {"id": "2501.00009v99999999999999999999", "title": "Huge version in the id", "abstract": "A."},
    {"id": "2501.00010", "version": "v99999999999999999999", "title": "Huge version field"},
    {"id": "2501.00011", "version": -3, "title": "Negative version"},
]


def test_an_absurd_version_is_one_counted_skip_and_the_folder_still_loads(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    _jsonl(folder / "a_good.jsonl", _records(80))
    _jsonl(folder / "b_mixed.jsonl", [*BAD_VERSIONS, *_records(2, start=100)])
    result = load_corpus(folder)
    assert len(result.papers) == 82
    assert result.skipped["reason"].tolist() == ["bad version"] * 3
    assert result.skipped["record"].tolist() == ["1", "2", "3"]
    assert result.files.set_index("file").loc["b_mixed.jsonl", "skipped"] == 3


def test_an_absurd_version_from_the_arxiv_api_keeps_the_paper_without_version(tmp_path):
    from synth.sources.arxiv import make_client, search_arxiv

    entries = [
        make_entry("2501.00009v99999999999999999999", "Huge version", "An abstract."),
        make_entry("2501.00001v2", "Normal", "Another abstract."),
    ]
    with FakeArxivServer(entries) as server:
        client = make_client(None, base_url=server.url, delay_seconds=0, num_retries=0)
        papers, log = search_arxiv(["video"], 10, client)
    by_id = papers.set_index("paper_id")
    assert sorted(by_id.index) == ["2501.00001", "2501.00009"]
    assert by_id.loc["2501.00001", "version"] == 2 and by_id["version"].isna().sum() == 1
    assert bool(log["complete"].all())


# ------------------------------------------------------------- 6: rows lost silently


def test_an_unterminated_csv_quote_skips_its_row_and_keeps_the_rows_after_it(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text(
        "id,title,abstract\n"
        "a,First paper,Fine.\n"
        'b,"Broken title,Quote never closed.\n'
        "c,Third paper,Fine too.\n"
        "d,Fourth paper,Also fine.\n"
        "e,Fifth paper,Last.\n"
    )
    result = load_corpus(path)
    assert result.papers["paper_id"].tolist() == ["a", "c", "d", "e"]
    assert result.papers.set_index("paper_id").loc["c", "title"] == "Third paper"
    assert result.skipped[["record", "reason"]].values.tolist() == [["3", "malformed CSV row"]]
    assert result.files.loc[0, ["records", "loaded", "skipped"]].tolist() == [5, 4, 1]


def test_a_stray_quote_mid_file_and_a_row_with_too_many_cells_are_counted(tmp_path):
    path = tmp_path / "papers.csv"
    path.write_text(
        "id,title,abstract\n"
        'a,"Quoted" then text,Abstract.\n'
        "b,Fine,Abstract,extra cell\n"
        'c,"Multi-line\nabstract title",Kept whole.\n'
        "d,Last,Abstract.\n"
    )
    result = load_corpus(path)
    assert result.papers["paper_id"].tolist() == ["c", "d"]
    assert result.papers.loc[0, "title"] == "Multi-line abstract title"
    assert result.skipped["record"].tolist() == ["2", "3"]
    assert (result.skipped["reason"] == "malformed CSV row").all()


@pytest.mark.parametrize("eol", ["\r", "\r\n", "\n"])
def test_jsonl_with_any_line_ending_loads_every_record(tmp_path, eol):
    path = tmp_path / "cr.jsonl"
    path.write_bytes(eol.join(json.dumps(r) for r in _records(226)).encode() + eol.encode())
    result = load_corpus(path)
    assert len(result.papers) == 226 and result.skipped.empty


def test_crlf_split_across_read_blocks_is_one_line_end(tmp_path):
    from synth.sources.records import iter_lines

    data = b"ab\r\ncd\rde\n\nlast"
    path = tmp_path / "x"
    path.write_bytes(data)
    with path.open("rb") as fh:  # blocks of 3 bytes: "ab\r" | "\ncd" | ...
        lines = list(iter_lines(fh, limit=100, chunk=3))
    assert lines == [(1, b"ab"), (2, b"cd"), (3, b"de"), (4, b""), (5, b"last")]


# ------------------------------------------------------------- 9: --out inside the corpus


@pytest.mark.slow
def test_out_inside_the_corpus_folder_is_left_out_of_loading_and_hashing(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write_corpus(folder / "papers.jsonl")
    _jsonl(folder / "bad.jsonl", BAD_VERSIONS[:1])
    digest = corpus_sha256(folder)
    common = ("run", "--params", SMOKE, "--corpus", folder, "--quiet", "--no-notebooks")
    first = run_synth(*common, "--out", folder / "run1", timeout=400)
    assert first.returncode == 0, first.stderr[-2000:]
    search = json.loads((folder / "run1" / "search.json").read_text())
    assert search["skipped_by_reason"] == {"bad version": 1}  # nothing from run1 itself
    assert corpus_sha256(folder) == digest
    again = run_synth(*common, "--out", folder / "run1", timeout=400)
    assert again.returncode == 0, again.stderr[-2000:]  # resumed, not "corpus changed"
    second = run_synth(*common, "--out", folder / "run2", timeout=400)
    assert second.returncode == 0, second.stderr[-2000:]
    search2 = json.loads((folder / "run2" / "search.json").read_text())
    assert search2["candidates"] == search["candidates"]  # run1's CSVs and BibTeX not read
    assert search2["skipped_by_reason"] == {"bad version": 1}


# ------------------------------------------------------------- attacks beyond the list


def test_a_line_too_long_for_any_record_is_skipped_without_holding_it(tmp_path):
    path = tmp_path / "long.jsonl"
    with path.open("wb") as fh:
        fh.write(json.dumps(_records(1)[0]).encode() + b"\n")
        fh.write(b'{"title": "' + b"x" * 3_000_000 + b'"}\n')  # one 3 MB line
        fh.write(json.dumps(_records(1, start=1)[0]).encode() + b"\n")
    result = load_corpus(path, max_field_chars=1000)
    assert len(result.papers) == 2
    assert result.skipped[["record", "reason"]].values.tolist() == [["2", "field too long"]]


def test_a_file_read_whole_above_the_size_cap_is_one_skip(tmp_path):
    write_corpus(tmp_path / "ok.jsonl")
    (tmp_path / "big.csv").write_text("title,abstract\n" + "T,A\n" * 1000)
    result = load_corpus(tmp_path, max_file_bytes=2000)
    assert result.skipped[["file", "reason"]].values.tolist() == [["big.csv", "file too large"]]
    assert len(result.papers) == len(load_corpus(tmp_path / "ok.jsonl").papers)


def test_bom_csv_unclosed_bibtex_ris_without_er_nan_and_duplicates(tmp_path):
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbfid,title,abstract\nc1,BOM title,Text.\n")
    (tmp_path / "open.bib").write_text(
        "@article{ok1, title={Closed entry}, year={2020}}\n@article{bad1, title={Never closed\n"
    )
    (tmp_path / "noer.ris").write_text(
        "TY  - JOUR\nTI  - Has an end\nER  - \nTY  - JOUR\nTI  - Has no end\n"
    )
    (tmp_path / "nan.jsonl").write_text(
        '{"id": "n1", "title": "NaN year", "year": NaN, "version": Infinity}\n'
        '{"id": "c1", "title": "Duplicate of the CSV id"}\n'
    )
    result = load_corpus(tmp_path)
    papers = result.papers.set_index("paper_id")
    assert result.duplicates == 1  # the BOM did not hide the CSV's "id" column
    assert papers.loc["c1", "title"] == "Duplicate of the CSV id"  # the last one seen
    assert pd.isna(papers.loc["n1", "year"]) and pd.isna(papers.loc["n1", "version"])
    assert "ok1" in papers.index and "bad1" not in papers.index
    reasons = dict(zip(result.skipped["file"], result.skipped["reason"], strict=True))
    assert reasons["noer.ris"] == "malformed RIS entry"
    assert reasons["open.bib"] == "malformed BibTeX entry"


@pytest.mark.slow
def test_a_symlink_loop_and_a_symlinked_folder_do_not_trap_the_walk(tmp_path):
    folder = tmp_path / "corpus"
    (folder / "sub").mkdir(parents=True)
    write_corpus(folder / "sub" / "p.jsonl")
    (folder / "sub" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "self.jsonl").symlink_to(folder / "self.jsonl")
    code = (
        "from synth.sources.local import load_corpus, corpus_sha256; "
        f"print(len(load_corpus({str(folder)!r}).papers), corpus_sha256({str(folder)!r}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.split()[0]) == len(load_corpus(folder / "sub" / "p.jsonl").papers)
    with pytest.raises(InputError, match="self.jsonl: cannot be used .*symbolic links"):
        load_corpus(folder / "self.jsonl")  # the loop itself named as the corpus

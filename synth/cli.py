"""The ``synth`` command.

``synth run``      question in, report out (papermill runs the stage notebooks)
``synth compare``  the same question under several params files, side by side
``synth rank``     batch ranking of BEIR queries over a corpus, TREC run file out
``synth extract``  batch claim-sentence labelling of abstracts, or with ``--tuples`` their
                   quantitative results (JSONL in, JSONL out)
``synth verify``   batch claim verification against a corpus (SciFact-style JSONL out)
``synth answer``   batch answers to yes/no questions over a corpus (answer.json lines out)

User errors (bad params, a missing corpus, ...) print one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from synth.errors import InputError, SearchError


def _read_jsonl(path: str | Path, what: str) -> Iterator[dict]:
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: {what} file not found (expected JSON Lines)")
    with open(p, encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(f"{p}:{n}: not valid JSON ({err.msg})") from None
            if not isinstance(record, dict):
                raise InputError(f"{p}:{n}: expected a JSON object per line")
            yield record


def _write_lines(path: str | Path, lines: Iterable[str]) -> None:
    from synth.io import atomic_path

    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        handle.writelines(line + "\n" for line in lines)


def _logger(quiet: bool):
    return (lambda s: None) if quiet else (lambda s: print(s, file=sys.stderr))


def cmd_run(args: argparse.Namespace) -> int:
    from synth.run import make_request, run_pipeline

    request = make_request(args.question, args.params, args.corpus)
    run_dir = run_pipeline(
        request,
        out=args.out,
        out_root=args.out_root,
        progress=not args.quiet,
        in_process=args.no_notebooks,
        log=_logger(args.quiet),
    )
    if args.pdf:
        from synth.run import export_pdf

        print(export_pdf(run_dir / "report.html"))
    print(run_dir / "report.html")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from synth.run import make_request, run_compare

    if len(args.params) < 2:
        raise InputError("compare: give at least two params files")
    requests = [make_request(args.question, p, args.corpus) for p in args.params]
    folder = run_compare(
        requests, out_root=args.out_root, progress=not args.quiet, log=_logger(args.quiet)
    )
    print(folder / "compare.html")
    return 0


def cmd_rank(args: argparse.Namespace) -> int:
    from synth.dense import encoder_for
    from synth.screen import rank_queries
    from synth.sources.local import load_corpus

    papers = load_corpus(args.corpus).papers
    queries = [
        (str(q.get("_id", q.get("id", ""))), str(q.get("text", q.get("query", ""))))
        for q in _read_jsonl(args.queries, "queries")
    ]
    if not queries:
        raise InputError(f'{args.queries}: no queries (expected lines of {{"_id", "text"}})')
    encoder = encoder_for(args.dense, args.cache_dir, "--dense")
    _write_lines(args.out, rank_queries(papers, queries, args.top, args.tag, encoder=encoder))
    return 0


def cmd_extract(args: argparse.Namespace) -> int:
    records = list(_read_jsonl(args.input, "abstracts"))
    if args.tuples:
        from synth.tuples import abstract_tuples

        lines = (json.dumps(abstract_tuples(r), ensure_ascii=False) for r in records)
    else:
        from synth.claims import label_abstracts

        lines = (json.dumps(r) for r in label_abstracts(records, args.threshold))
    _write_lines(args.out, lines)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from synth.sources.local import load_corpus
    from synth.verify import load_verifier, verify_corpus

    papers = load_corpus(args.corpus).papers
    claims = list(_read_jsonl(args.claims, "claims"))
    verifier = load_verifier(args.dense, args.cache_dir, "--dense")
    _write_lines(args.out, (json.dumps(r) for r in verify_corpus(papers, claims, verifier)))
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    from synth.answer_batch import answer_questions
    from synth.sources.local import load_corpus

    questions = list(_read_jsonl(args.questions, "questions"))
    for n, q in enumerate(questions, 1):
        if "id" not in q or not str(q.get("question", "")).strip():
            raise InputError(f'{args.questions}: question {n} needs an "id" and a "question"')
    papers = load_corpus(args.corpus).papers
    _write_lines(
        args.out, (json.dumps(a, ensure_ascii=False) for a in answer_questions(papers, questions))
    )
    return 0


def _add_extract(sub: argparse._SubParsersAction) -> None:
    extract = sub.add_parser(
        "extract", help="label claim sentences of abstracts, or (--tuples) their results"
    )
    extract.add_argument(
        "--in",
        dest="input",
        required=True,
        help="JSONL of {id | paper_id, title, abstract | sentences}",
    )
    extract.add_argument("--out", required=True)
    extract.add_argument("--threshold", type=float, default=None)
    extract.add_argument(
        "--tuples",
        action="store_true",
        help='write {"id", "tuples": [{sentence_index, sentence, subject, metric, dataset, '
        "value, unit, kind}]} per abstract instead of claim labels",
    )
    extract.set_defaults(func=cmd_extract)


def _add_answer(sub: argparse._SubParsersAction) -> None:
    answer = sub.add_parser(
        "answer",
        help="answer yes/no questions over a corpus: verdict and evidence per paper",
        epilog="example: synth answer --corpus papers.jsonl --questions q.jsonl --out a.jsonl",
    )
    answer.add_argument("--corpus", required=True, help="local corpus file or folder")
    answer.add_argument(
        "--questions", required=True, help='JSONL of {"id", "question"}, one question per line'
    )
    answer.add_argument(
        "--out", required=True, help="JSONL out: per question the answer.json object plus its id"
    )
    answer.set_defaults(func=cmd_answer)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synth", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the pipeline: question in, report out")
    run.add_argument("--question", help="research question (default: the params file's)")
    run.add_argument("--params", help="params YAML (default: built-in defaults)")
    run.add_argument("--corpus", help="local corpus file or folder (default: search arXiv)")
    run.add_argument(
        "--out",
        help="run folder (default: <out-root>/<params stem>_<UTC time>); "
        "an existing run folder of the same request is resumed",
    )
    run.add_argument("--out-root", default="output", help="where new run folders go")
    run.add_argument("--quiet", action="store_true", help="no progress bars")
    run.add_argument(
        "--no-notebooks",
        action="store_true",
        help="run stages 10-50 in this process through papermill's synth-inprocess "
        "engine (same code and tables; executed notebooks kept without "
        "outputs; the report notebook still runs on a kernel)",
    )
    run.add_argument(
        "--pdf",
        action="store_true",
        help="also print report.html to report.pdf with headless Chromium",
    )
    run.set_defaults(func=cmd_run)

    compare = sub.add_parser("compare", help="run under several params files, side by side")
    compare.add_argument("params", nargs="+", help="two or more params YAML files")
    compare.add_argument("--question", help="research question (default: the first file's)")
    compare.add_argument("--corpus", help="local corpus (default: search arXiv)")
    compare.add_argument("--out-root", default="output")
    compare.add_argument("--quiet", action="store_true")
    compare.set_defaults(func=cmd_compare)

    rank = sub.add_parser("rank", help="rank a corpus for BEIR queries, TREC run out")
    rank.add_argument("--corpus", required=True)
    rank.add_argument("--queries", required=True, help='JSONL of {"_id", "text"}')
    rank.add_argument("--top", type=int, default=100)
    rank.add_argument("--tag", default="synth")
    rank.add_argument(
        "--dense",
        action="store_true",
        help="fuse MiniLM similarity over the lexical top 200 (needs the 'dense' extra)",
    )
    rank.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="keep embeddings here (one .npy per text) for later runs",
    )
    rank.add_argument("--out", required=True)
    rank.set_defaults(func=cmd_rank)

    _add_extract(sub)

    verify = sub.add_parser("verify", help="verify claims against a corpus")
    verify.add_argument("--corpus", required=True)
    verify.add_argument("--claims", required=True, help="JSONL of {id, claim}")
    verify.add_argument("--out", required=True)
    verify.add_argument(
        "--dense", action="store_true", help="the MiniLM verifier (needs the 'dense' extra)"
    )
    verify.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="keep embeddings here (one .npy per text) for later runs",
    )
    verify.set_defaults(func=cmd_verify)
    _add_answer(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InputError as err:
        print(f"synth: error: {err}", file=sys.stderr)
        return 2
    except SearchError as err:
        print(f"synth: search failed: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("synth: interrupted; run the same command to resume", file=sys.stderr)
        return 130
    except Exception as err:  # a stage failure: say where to look
        from synth.run import StageError

        if isinstance(err, StageError):
            print(f"synth: {err}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    raise SystemExit(main())

"""The ``synth`` command.

``synth run``      question in, report out (papermill runs the stage notebooks)
``synth compare``  the same question under several params files, side by side
``synth rank``     batch ranking of BEIR queries over a corpus, TREC run file out
``synth extract``  batch claim-sentence labelling of abstracts, or with ``--tuples`` their
                   quantitative results (JSONL in, JSONL out)
``synth verify``   batch claim verification against a corpus (SciFact-style JSONL out)
``synth answer``   batch answers to yes/no questions over a corpus (answer.json lines out)
``synth index``    build a persistent index (``build SOURCE --out DIR``) or add to one
                   (``update DIR SOURCE``); ``run``, ``rank`` and ``answer`` take ``--index``

User errors (bad params, a missing corpus, ...) print one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from synth import batch_io
from synth.errors import InputError, SearchError
from synth.store.commands import index_parser


def _logger(quiet: bool):
    return (lambda s: None) if quiet else (lambda s: print(s, file=sys.stderr))


def cmd_run(args: argparse.Namespace) -> int:
    from synth.run import make_request, run_pipeline

    request = make_request(args.question, args.params, args.corpus, args.index)
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
        requests,
        out_root=args.out_root,
        progress=not args.quiet,
        log=_logger(args.quiet),
        out=args.out,
    )
    print(folder / "compare.html")
    return 0


def _paper_ids_without_spaces(papers, corpus: str) -> None:
    bad = papers["paper_id"][papers["paper_id"].str.contains(r"\s", regex=True)]
    if len(bad):
        raise InputError(f"{corpus}: paper id {bad.iloc[0]!r} has a space (TREC format)")


def cmd_rank(args: argparse.Namespace) -> int:
    batch_io.check_out(args.out)
    from synth.dense import encoder_for

    top, tag = batch_io.check_top(args.top), batch_io.check_tag(args.tag)
    queries = batch_io.check_queries(batch_io.read_jsonl(args.queries, "queries"), args.queries)
    if args.rerank and args.index:
        raise InputError("--rerank works with --corpus, not with --index")
    reader = _corpus_or_index(args)
    encoder = encoder_for(args.dense, args.cache_dir, "--dense")
    if reader is not None:
        from synth.store.batch import rank_index

        lines = list(rank_index(reader, queries, top, tag, encoder=encoder))
    else:
        from synth.screen import rank_queries
        from synth.sources.local import load_corpus

        papers = load_corpus(args.corpus).papers
        _paper_ids_without_spaces(papers, args.corpus)
        reranker = None
        if args.rerank:
            from synth.rerank import load_reranker

            reranker = load_reranker()
        lines = rank_queries(papers, queries, top, tag, encoder=encoder, reranker=reranker)
    batch_io.write_lines(args.out, lines)
    return 0


def _corpus_or_index(args: argparse.Namespace):
    """The opened ``--index`` (``synth.store.query.IndexReader``), or None for ``--corpus``;
    exactly one of them must be given."""
    if (args.corpus is None) == (args.index is None):
        raise InputError(f"{args.command}: give --corpus or --index (one of them)")
    if args.index is None:
        return None
    from synth.store.query import open_index

    return open_index(args.index)


def cmd_extract(args: argparse.Namespace) -> int:
    batch_io.check_out(args.out)
    threshold = batch_io.check_threshold(args.threshold)
    records = batch_io.check_abstracts(batch_io.read_jsonl(args.input, "abstracts"), args.input)
    if args.tuples:
        from synth.tuples import abstract_tuples

        lines = (json.dumps(abstract_tuples(r), ensure_ascii=False) for r in records)
    else:
        from synth.claims import label_abstracts

        lines = (json.dumps(r) for r in label_abstracts(records, threshold))
    batch_io.write_lines(args.out, lines)
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    batch_io.check_out(args.out)
    from synth.sources.local import load_corpus
    from synth.verify import load_verifier, verify_corpus

    claims = batch_io.check_claims(batch_io.read_jsonl(args.claims, "claims"), args.claims)
    papers = load_corpus(args.corpus).papers
    verifier = load_verifier(args.dense, args.cache_dir, "--dense", nli=args.nli)
    batch_io.write_lines(args.out, (json.dumps(r) for r in verify_corpus(papers, claims, verifier)))
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    batch_io.check_out(args.out)
    from synth.answer_batch import answer_questions
    from synth.sources.local import load_corpus

    questions = batch_io.read_jsonl(args.questions, "questions")
    questions = batch_io.check_questions(questions, args.questions)
    reader = _corpus_or_index(args)
    if reader is not None:
        from synth.store.batch import answer_index

        answers = answer_index(reader, questions, stance=args.stance)
    else:
        answers = answer_questions(load_corpus(args.corpus).papers, questions, stance=args.stance)
    batch_io.write_lines(args.out, (json.dumps(a, ensure_ascii=False) for a in answers))
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from synth.store.commands import index_command

    folder = index_command(args, _logger(args.quiet))
    print(Path(folder).expanduser().resolve())
    return 0


def _opt(*flags: str, **options: object) -> tuple[tuple[str, ...], dict]:
    return flags, options


EMBEDDINGS = "keep embeddings here (one .npy per text) for later runs (default: none kept)"
CORPUS = "local corpus: JSONL, CSV, BibTeX, RIS or a folder of them or of PDFs"
INDEX = "persistent index folder (synth index build) searched instead of a corpus"

# subcommand -> (help, example, options); the handler is COMMANDS' entry of the same name
PARSERS: dict[str, tuple[str, str, list]] = {
    "run": (
        "run the pipeline: question in, report out",
        'synth run --question "Does X improve Y on Z?" --corpus papers.jsonl',
        [
            _opt("--question", help="research question (default: the params file's)"),
            _opt("--params", help="params YAML (default: the built-in defaults)"),
            _opt("--corpus", help=CORPUS + " (default: search arXiv)"),
            _opt(
                "--index",
                help=INDEX + "; its search.categories and search.years params filter it "
                "(e.g. synth run --index arxiv-index --params params/default.yaml)",
            ),
            _opt(
                "--out",
                help="run folder (default: <out-root>/<params stem>_<UTC time>); "
                "an existing run folder of the same request is resumed",
            ),
            _opt("--out-root", default="output", help="where new run folders go (default: output)"),
            _opt("--quiet", action="store_true", help="no progress bars"),
            _opt(
                "--no-notebooks",
                action="store_true",
                help="run stages 10-50 in this process through papermill's synth-inprocess "
                "engine (same code and tables; executed notebooks kept without outputs; the "
                "report notebook still runs on a kernel)",
            ),
            _opt(
                "--pdf", action="store_true", help="also print report.html to report.pdf (Chromium)"
            ),
        ],
    ),
    "compare": (
        "run under several params files, side by side",
        "synth compare params/strict.yaml params/broad.yaml --corpus papers.jsonl",
        [
            _opt("params", nargs="+", help="two or more params YAML files"),
            _opt("--question", help="research question (default: the first file's)"),
            _opt("--corpus", help=CORPUS + " (default: search arXiv)"),
            _opt("--out-root", default="output", help="where the comparison folder goes"),
            _opt(
                "--out",
                help="comparison folder (default: <out-root>/compare_<UTC time>); an existing "
                "comparison of the same params files is resumed",
            ),
            _opt("--quiet", action="store_true", help="no progress bars"),
        ],
    ),
    "rank": (
        "rank a corpus for BEIR queries, TREC run out",
        "synth rank --corpus corpus.jsonl --queries queries.jsonl --out run.tsv "
        "(or --index arxiv-index instead of --corpus)",
        [
            _opt("--corpus", help=CORPUS + " (this or --index)"),
            _opt("--index", help=INDEX + " (this or --corpus)"),
            _opt("--queries", required=True, help='JSONL of {"_id", "text"}'),
            _opt("--top", type=int, default=100, help="results per query (default: 100)"),
            _opt("--tag", default="synth", help="run tag in the TREC file (default: synth)"),
            _opt(
                "--dense",
                action="store_true",
                help="fuse MiniLM similarity over the lexical top 200 (needs the 'dense' extra)",
            ),
            _opt(
                "--rerank",
                action="store_true",
                help="re-score each query's top 20 with the relevance cross-encoder",
            ),
            _opt("--cache-dir", type=Path, default=None, help=EMBEDDINGS),
            _opt("--out", required=True, help="TREC run file to write ('-': standard output)"),
        ],
    ),
    "extract": (
        "label claim sentences of abstracts, or (--tuples) their quantitative results",
        "synth extract --in abstracts.jsonl --out labels.jsonl",
        [
            _opt(
                "--in",
                dest="input",
                required=True,
                help="JSONL of {id | paper_id, title, sentences | abstract}",
            ),
            _opt("--out", required=True, help="JSONL of claim labels (or tuples) to write"),
            _opt(
                "--threshold",
                type=float,
                default=None,
                help="claim score threshold (default: the detector's tuned threshold)",
            ),
            _opt(
                "--tuples",
                action="store_true",
                help='write {"id", "tuples": [{sentence_index, sentence, subject, metric, '
                "dataset, value, unit, kind}]} per abstract instead of claim labels",
            ),
        ],
    ),
    "verify": (
        "verify claims against a corpus",
        "synth verify --corpus corpus.jsonl --claims claims.jsonl --out pred.jsonl",
        [
            _opt("--corpus", required=True, help=CORPUS),
            _opt("--claims", required=True, help="JSONL of {id, claim}"),
            _opt("--out", required=True, help="SciFact-style predictions JSONL to write"),
            _opt(
                "--dense", action="store_true", help="the MiniLM verifier (needs the 'dense' extra)"
            ),
            _opt(
                "--nli",
                action="store_true",
                help="the verifier whose stance also reads the NLI cross-encoder (slower)",
            ),
            _opt("--cache-dir", type=Path, default=None, help=EMBEDDINGS),
        ],
    ),
    "answer": (
        "answer yes/no questions over a corpus: verdict and evidence per paper",
        "synth answer --corpus papers.jsonl --questions q.jsonl --out answers.jsonl "
        "(or --index arxiv-index instead of --corpus)",
        [
            _opt("--corpus", help=CORPUS + " (this or --index)"),
            _opt(
                "--index",
                help=INDEX + ": each question's 1000 best papers are screened (this or --corpus)",
            ),
            _opt("--questions", required=True, help='JSONL of {"id", "question"}, one per line'),
            _opt(
                "--out", required=True, help="JSONL out: per question the answer.json object + id"
            ),
            _opt(
                "--stance",
                choices=["cue", "nli", "lexical"],
                default="cue",
                help="stance scorer: finding sentence + polarity (default), the NLI "
                "cross-encoder, or the lexical verify model",
            ),
        ],
    ),
}
PARSERS["index"] = index_parser(CORPUS)
COMMANDS = {
    "run": cmd_run,
    "compare": cmd_compare,
    "rank": cmd_rank,
    "extract": cmd_extract,
    "verify": cmd_verify,
    "answer": cmd_answer,
    "index": cmd_index,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synth",
        description="Evidence-grounded literature synthesis: question in, report out.",
        epilog="exit codes: 0 done, 1 a stage or the search failed, 2 bad input, "
        "130 interrupted (run the same command again to resume)",
    )
    parser.add_argument("--version", action="version", version=f"synth {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (about, example, options) in PARSERS.items():
        command = sub.add_parser(name, help=about, description=about, epilog=f"example: {example}")
        for flags, kwargs in options:
            command.add_argument(*flags, **kwargs)
        command.set_defaults(func=COMMANDS[name])
    return parser


def _version() -> str:
    import importlib.metadata

    try:
        return importlib.metadata.version("synth")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


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
    except OSError as err:  # a full disk, a read-only folder: one line, not a traceback
        print(f"synth: {' '.join(str(err).split())}", file=sys.stderr)
        return 1
    except Exception as err:  # a stage failure: say where to look
        from synth.run import StageError

        if isinstance(err, StageError):
            print(f"synth: {err}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    raise SystemExit(main())

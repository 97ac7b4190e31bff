"""``synth index build | update | compact | embed``: the command-line side of ``synth.store``,
its options (``index_parser``, ``synth.cli.PARSERS["index"]``) and its handler."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from synth.errors import InputError, sigterm_as_interrupt


def _opt(*flags: str, **options: object) -> tuple[tuple[str, ...], dict]:
    return flags, options


def index_parser(corpus_help: str) -> tuple[str, str, list]:
    """``synth index``'s (help, example, options), as ``synth.cli.PARSERS`` holds them."""
    return (
        "build a persistent index of a corpus or arXiv's snapshot, add records to one, compact it",
        "synth index build arxiv-metadata-oai-snapshot.json --out arxiv-index; "
        "synth index update arxiv-index 2026-07-01.jsonl; synth index compact arxiv-index; "
        "synth index embed arxiv-index --workers 2",
        [
            _opt(
                "action",
                choices=("build", "update", "compact", "embed"),
                help="build a new index, update one, merge its segments (compact: fewer, larger "
                "segments without deleted papers, the same rankings), or embed its papers "
                "(MiniLM, with Dask)",
            ),
            _opt(
                "target",
                help=f"build: the SOURCE to index ({corpus_help}, or arXiv's metadata "
                "snapshot arxiv-metadata-oai-snapshot.json, streamed); update, compact, embed: "
                "the index folder",
            ),
            _opt(
                "source",
                nargs="?",
                help="update only: the SOURCE whose new or newer records to add",
            ),
            _opt("--out", help="build only: the new index folder (must not exist or be empty)"),
            _opt(
                "--segment-docs",
                type=int,
                default=200_000,
                help="build, update: papers per segment (memory of a build grows with it; "
                "default: 200000)",
            ),
            _opt(
                "--segment-size",
                type=int,
                default=4_000_000,
                help="compact only: the most papers per merged segment (default: 4000000, all "
                "of arXiv in one segment)",
            ),
            _opt(
                "--scheduler",
                help="embed only: a Dask scheduler address (e.g. tcp://10.0.0.5:8786); "
                "default: a local cluster of --workers processes",
            ),
            _opt("--workers", type=int, default=2, help="embed only: local workers (default: 2)"),
            _opt(
                "--partition",
                type=int,
                default=1000,
                help="embed only: papers per Dask task (default: 1000)",
            ),
            _opt("--quiet", action="store_true", help="no progress bar"),
        ],
    )


def index_command(args: argparse.Namespace, log: Callable[[str], None]) -> str:
    """Run ``args.action`` on ``args.target``; returns the index folder."""
    from synth.store.build import build_index, update_index

    if args.action == "embed":
        return _embed(args, log)
    if args.action == "compact":
        return _compact(args, log)
    if args.action == "build" and not args.out:
        raise InputError("index build: give --out DIR (the new index folder)")
    if args.action == "update" and args.source is None:
        raise InputError("index update: give the index folder and a SOURCE to add")
    with sigterm_as_interrupt():  # a stopped build or update removes what it wrote
        if args.action == "build":
            manifest = build_index(args.target, args.out, args.segment_docs, not args.quiet, log)
            folder = args.out
        else:
            manifest = update_index(
                args.target, args.source, args.segment_docs, not args.quiet, log
            )
            folder = args.target
    last = manifest["history"][-1]
    log(
        f"{folder}: {manifest['papers']} papers in {len(manifest['segments'])} segments "
        f"(+{last['added']} added, {last['replaced']} replaced, {last['dropped']} not newer, "
        f"{last['skipped']} unreadable)"
    )
    return folder


def _embed(args: argparse.Namespace, log: Callable[[str], None]) -> str:
    from synth.store.build import read_manifest
    from synth.store.embed import connect, embed_index

    read_manifest(args.target)
    client = connect(args.scheduler or "", args.workers)
    try:
        done = embed_index(args.target, client, args.partition, log)
    finally:
        client.close()
    log(f"{args.target}: {len(done)} segments encoded")
    return args.target


def _compact(args: argparse.Namespace, log: Callable[[str], None]) -> str:
    from synth.store.compact import compact_index

    if args.source is not None:
        raise InputError(f"index compact: takes the index folder only (got also {args.source!r})")
    with sigterm_as_interrupt():  # a stopped compaction removes what it wrote
        manifest = compact_index(args.target, args.segment_size, log)
    log(f"{args.target}: {manifest['papers']} papers in {len(manifest['segments'])} segments")
    return args.target

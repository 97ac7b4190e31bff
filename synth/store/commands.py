"""``synth index build | update | compact | embed``: the command-line side of ``synth.store`` (the
parser's options are in ``synth.cli.PARSERS["index"]``)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from synth.errors import InputError, sigterm_as_interrupt


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

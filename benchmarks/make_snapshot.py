"""Write a snapshot-format file (``arxiv-metadata-oai-snapshot.json``: one JSON object per
line with ``id, submitter, authors, title, comments, journal-ref, doi, categories, license,
abstract, versions, update_date, authors_parsed``) of N records for the issue-19 index
benchmark, from the 15.9k-paper arXiv listings (never committed: write it to /tmp).

Each copy of a listing paper gets a new id (``YYMM.NNNNN``, months spread over 2007-2025) and
a perturbed text (about 15% of the abstract's words and one title word dropped, seeded by the
copy), so no two records are duplicates; one record in seven has two versions.

    python benchmarks/make_snapshot.py --records 2700000 --out /tmp/snapshot/snapshot.json
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

LISTINGS = Path("/work/shared/data/arxiv_daily_listings")


def load_listings(folder: Path) -> list[dict]:
    """Unique listing papers (first occurrence of each id), in file order."""
    seen: dict[str, dict] = {}
    for file in sorted(folder.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                seen.setdefault(rec["id"], rec)
    return list(seen.values())


def _drop(words: list[str], share: float, rng: random.Random) -> list[str]:
    kept = [w for w in words if rng.random() >= share]
    return kept or words


def snapshot_record(rec: dict, n: int, rng: random.Random) -> dict:
    """The ``n``-th synthetic record built from listing paper ``rec``."""
    year = 2007 + n % 19
    month = 1 + (n // 19) % 12
    arxiv_id = f"{year % 100:02d}{month:02d}.{n // 228:05d}"
    title = " ".join(_drop(rec["title"].split(), 0.1, rng))
    abstract = " ".join(_drop(rec["summary"].split(), 0.15, rng))
    created = f"Mon, 1 {['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][month - 1]} {year} 10:00:00 GMT"  # noqa: E501
    versions = [{"version": "v1", "created": created}]
    if n % 7 == 0:
        versions.append({"version": "v2", "created": created})
    authors = rec.get("authors") or []
    return {
        "id": arxiv_id,
        "submitter": authors[0] if authors else None,
        "authors": ", ".join(authors),
        "title": title,
        "comments": rec.get("comment"),
        "journal-ref": None,
        "doi": None,
        "report-no": None,
        "categories": " ".join(rec.get("categories") or []),
        "license": None,
        "abstract": abstract,
        "versions": versions,
        "update_date": f"{year}-{month:02d}-01",
        "authors_parsed": [[a.split()[-1], " ".join(a.split()[:-1]), ""] for a in authors if a],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=2_700_000, help="records to write")
    parser.add_argument("--out", type=Path, required=True, help="snapshot file to write")
    parser.add_argument("--listings", type=Path, default=LISTINGS, help="listings folder")
    parser.add_argument("--first", type=int, default=0, help="number of the first record")
    args = parser.parse_args(argv)
    papers = load_listings(args.listings)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with open(args.out, "w", encoding="utf-8") as out:
        for n in range(args.first, args.first + args.records):
            rng = random.Random(n)
            rec = snapshot_record(papers[n % len(papers)], n, rng)
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elapsed = time.perf_counter() - start
    size = args.out.stat().st_size / 1e9
    print(f"{args.records} records, {size:.2f} GB, {elapsed:.0f} s -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

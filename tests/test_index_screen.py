from __future__ import annotations

import math

import numpy as np
import pandas as pd
from corpus import OFF_TOPIC, ON_TOPIC

from synth import screen, search
from synth.index import build_bm25
from synth.sources import dedupe_papers, make_papers

QUESTION = "Does temporal modelling improve text-video retrieval on MSR-VTT and DiDeMo?"


def _papers(records):
    rows = [{"paper_id": r["id"].split("v")[0] if "v" in r["id"][5:] else r["id"],
             "version": int(r["id"].rsplit("v", 1)[1]) if "v" in r["id"][5:] else None,
             "title": r["title"], "abstract": r["summary"], "authors": "; ".join(r["authors"])}
            for r in records]
    return dedupe_papers(make_papers(rows))[0]


def test_bm25_matches_the_formula():
    docs = ["video retrieval video", "text retrieval", "cats"]
    index = build_bm25(docs, k1=1.2, b=0.75)
    got = index.score(["video"])[0]
    n, df, tf, dl, avgdl = 3, 1, 2, 3, (3 + 2 + 1) / 3
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    want = idf * tf * 2.2 / (tf + 1.2 * (1 - 0.75 + 0.75 * dl / avgdl))
    assert np.isclose(got[0], want, rtol=1e-5) and got[1] == 0 and got[2] == 0


def test_weighted_query_scales_term_contribution():
    index = build_bm25(["video retrieval", "text retrieval"])
    plain = index.score([{"video": 1.0}])[0, 0]
    heavy = index.score([{"video": 3.0}])[0, 0]
    assert np.isclose(heavy, 3 * plain)


def test_dedupe_keeps_latest_version():
    papers = _papers(ON_TOPIC)
    row = papers[papers["paper_id"] == "2501.00001"]
    assert len(row) == 1 and int(row["version"].iloc[0]) == 2
    assert "TempMerge" in row["abstract"].iloc[0]


def test_on_topic_papers_rank_first_and_off_topic_are_excluded():
    papers = _papers(ON_TOPIC + OFF_TOPIC)
    terms = search.extract_key_terms(QUESTION)
    ranked = screen.rank_papers(papers, terms)
    assert ranked["rank"].tolist() == list(range(1, len(papers) + 1))
    on_ids = {r["id"].split("v")[0] if "v" in r["id"][5:] else r["id"] for r in ON_TOPIC}
    top = ranked.head(len(on_ids))["paper_id"]
    assert set(top) == on_ids
    screened = screen.screen_papers(ranked, n_entities=2, max_included=10)
    off = screened[~screened["paper_id"].isin(on_ids)]
    assert not off["included"].any()
    assert (off["exclusion_reason"] != "").all()
    assert screened.loc[screened["included"], "coverage"].min() > 0


def test_exclusion_reasons():
    papers = make_papers([
        {"paper_id": "a", "title": "MSR-VTT retrieval", "abstract": "Text-video retrieval on MSR-VTT."},
        {"paper_id": "b", "title": "MSR-VTT retrieval again", "abstract": ""},
        {"paper_id": "c", "title": "Video retrieval", "abstract": "Text-video retrieval without names."},
        {"paper_id": "d", "title": "Cooking", "abstract": "Recipes for soup."},
    ])
    terms = search.extract_key_terms(QUESTION)
    out = screen.screen_papers(screen.rank_papers(papers, terms), n_entities=2).set_index("paper_id")
    assert out.loc["a", "included"]
    assert out.loc["b", "exclusion_reason"] == "no abstract"
    assert "named entities" in out.loc["c", "exclusion_reason"]
    assert out.loc["d", "exclusion_reason"] == "no question term in title or abstract"
    prisma = screen.prisma_counts(10, 2, 1, out.reset_index())
    assert prisma["included"] + prisma["excluded"] == prisma["screened"] == 4
    assert sum(prisma["excluded_by_reason"].values()) == prisma["excluded"]


def test_max_included_caps_the_list():
    papers = _papers(ON_TOPIC)
    ranked = screen.rank_papers(papers, search.extract_key_terms(QUESTION))
    out = screen.screen_papers(ranked, n_entities=2, max_included=2, min_relative_score=0.0)
    assert out["included"].sum() == 2
    assert out.loc[~out["included"], "exclusion_reason"].str.startswith("beyond the top 2").any()


def test_rank_queries_writes_trec_lines():
    papers = _papers(ON_TOPIC + OFF_TOPIC)
    lines = screen.rank_queries(papers, [("q1", "FollowIR-7B instruction following"),
                                         ("q2", "protein folding")], top=3, tag="t")
    q1 = [line.split() for line in lines if line.startswith("q1 ")]
    assert len(q1) == 3 and q1[0][2] == "2506.00006" and q1[0][1] == "Q0"
    assert [int(x[3]) for x in q1] == [1, 2, 3]
    assert all(float(a[4]) >= float(b[4]) for a, b in zip(q1, q1[1:], strict=False))
    assert pd.Series([x[5] for x in q1]).eq("t").all()

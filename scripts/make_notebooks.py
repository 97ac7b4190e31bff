"""Write the stage notebooks in notebooks/ (outputs cleared).

The notebooks are the source users open in JupyterLab; this script is how their cells are
kept consistent (parameters cell = ``synth.config.DEFAULTS``). Edit it, run
``python scripts/make_notebooks.py``, and commit both.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import nbformat as nbf

from synth.config import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
COMMENTS = {
    "question": "str: the research question",
    "corpus": "str: local corpus (file or folder); empty searches arXiv",
    "max_queries": "int: arXiv queries built from the question",
    "max_results_per_query": "int: results fetched per query",
    "delay_seconds": "float: pause between arXiv requests (API politeness)",
    "cache_dir": "str: arXiv response cache; empty means <output>/cache/arxiv",
    "max_included": "int: include at most this many papers",
    "min_relative_score": "float: include only papers scoring this share of the best score",
    "min_entity_match": "int: named entities of the question a paper must mention",
    "title_weight": "float: weight of title matches relative to abstract matches",
    "threshold": "float: claim score threshold; < 0 uses the detector's tuned default",
    "max_claims_per_paper": "int: keep at most this many claims per paper",
    "top_k": "int: evidence sentences considered per claim",
    "dense": "bool: MiniLM re-ranking (screen) / similarity features (verify); 'dense' extra",
    "target_papers": "int: papers the coverage reviewer expects",
    "max_claims_in_table": "int: rows of the claims table in the report",
}


def md(text: str, tags: list[str] | None = None):
    cell = nbf.v4.new_markdown_cell(text.strip())
    if tags:
        cell.metadata["tags"] = tags
    return cell


def code(text: str, tags: list[str] | None = None):
    cell = nbf.v4.new_code_cell(text.strip())
    if tags:
        cell.metadata["tags"] = tags
    return cell


def params_cell(stage: str):
    lines = ['run_dir = "../output/notebook-run"  # str: run folder, shared by the stage notebooks']
    for block in ("shared", stage):
        for key, value in DEFAULTS[block].items():
            literal = json.dumps(value) if isinstance(value, str) else repr(value)
            lines.append(f"{key} = {literal}  # {COMMENTS[key]}")
    return code("\n".join(lines), tags=["parameters"])


def resolve_cell(stage: str):
    keys = ", ".join(f"{k}={k}" for b in ("shared", stage) for k in DEFAULTS[b])
    return code(f'p = config.resolve("{stage}", run_dir=run_dir, {keys})\nrun_dir = p["run_dir"]\np')


IMPORTS = """
import matplotlib.pyplot as plt
import pandas as pd

from synth import config, io
"""

NOTEBOOKS = {
    "10_search": [
        md("""
# 10 · Search
Turns the research question into search terms and queries, then fetches candidate papers from
arXiv (or loads the local corpus given as `corpus`).

**Reads:** the question. **Writes:** `candidates.parquet`, `queries.csv`, `terms.csv`,
`load_report.csv`, `skipped.csv`, `search.json`, `figures/search_terms.png`.
"""),
        code(IMPORTS + "from synth import search\nfrom synth.sources import arxiv as arxiv_source"),
        params_cell("search"),
        resolve_cell("search"),
        md("## Search terms\nThe question is never sent whole: its named entities (model and dataset names) and key phrases are."),
        code('terms = search.extract_key_terms(p["question"])\nterms'),
        md("## Queries\nField-scoped boolean arXiv queries, most specific first (used only when no local corpus is given)."),
        code('queries = search.build_arxiv_queries(terms, p["max_queries"], acronyms=search.find_acronyms(p["question"]))\npd.DataFrame({"query": queries})'),
        md("## Fetch candidates\nAn arXiv search caches every raw response page on disk, so a rerun is offline and identical."),
        code("""
client = None if p["corpus"] else arxiv_source.make_client(
    search.resolve_cache_dir(p["cache_dir"], run_dir), arxiv_source.api_url_from_env(),
    delay_seconds=p["delay_seconds"])
found = search.gather_candidates(p["question"], queries, p["corpus"], p["max_results_per_query"], client)
found.queries
"""),
        md("## What was loaded\nRecords per file and the reasons records were skipped (local corpora)."),
        code("display(found.files)\nfound.skipped.groupby(\"reason\").size().rename(\"records\").to_frame()"),
        md("## Term hits\nHow many candidates mention each search term: a term that no candidate mentions was not found by the search."),
        code("""
hits = search.compute_term_hits(found.candidates, terms)
ax = search.plot_term_hits(hits)
io.save_figure(ax.figure, run_dir, "search_terms")
"""),
        md("## Write artifacts"),
        code("""
io.check_table(found.candidates, "candidates", ["paper_id", "title", "abstract"], unique="paper_id")
io.write_table(run_dir, "candidates", found.candidates, csv=False)
io.write_table(run_dir, "terms", hits)
found.queries.to_csv(run_dir / "queries.csv", index=False)
found.files.to_csv(run_dir / "load_report.csv", index=False)
found.skipped.to_csv(run_dir / "skipped.csv", index=False)
io.write_json(run_dir / "search.json", {**found.record, "n_entities": int((terms["kind"] == "entity").sum())})
found.record
"""),
    ],
    "20_screen": [
        md("""
# 20 · Screen
Ranks every candidate against the question (BM25 over title and abstract, with a title boost)
and decides include / exclude with a reason for each paper.

**Reads:** `candidates.parquet`, `terms.parquet`, `search.json`. **Writes:** `papers.parquet`,
`papers.csv`, `prisma.json`, `figures/relevance.png`, `figures/prisma.png`.
"""),
        code(IMPORTS + "from synth import screen\nfrom synth.dense import encoder_for"),
        params_cell("screen"),
        resolve_cell("screen"),
        md("## Rank"),
        code("""
candidates = io.read_table(run_dir, "candidates", stage="search")
terms = io.read_table(run_dir, "terms", stage="search")
searched = io.read_json(run_dir / "search.json")
encoder = encoder_for(p["dense"], run_dir.parent / "cache" / "embeddings", "screen.dense")
ranked = screen.rank_papers(candidates, terms, p["title_weight"], encoder=encoder,
                            question=p["question"])
ranked[["rank", "paper_id", "title", "score", "coverage", "entity_matches"]].head(20)
"""),
        md("## Include or exclude\nEvery exclusion carries its reason."),
        code("""
papers = screen.screen_papers(ranked, searched["n_entities"], p["max_included"],
                              p["min_relative_score"], p["min_entity_match"])
papers.groupby("exclusion_reason", dropna=False).size().rename("papers").to_frame()
"""),
        md("## Relevance distribution"),
        code("""
ax = screen.plot_relevance(papers)
io.save_figure(ax.figure, run_dir, "relevance")
"""),
        md("## PRISMA flow"),
        code("""
prisma = screen.prisma_counts(searched["identified"], searched["duplicates_removed"],
                              searched["records_skipped"], papers)
ax = screen.plot_prisma(prisma)
io.save_figure(ax.figure, run_dir, "prisma")
"""),
        md("## Included papers"),
        code('papers.loc[papers["included"], ["rank", "paper_id", "title", "year", "score", "coverage"]]'),
        md("## Write artifacts"),
        code("""
io.check_table(papers, "papers", screen.PAPERS_CSV_COLUMNS, unique="paper_id")
io.write_table(run_dir, "papers", papers, csv=False)
papers[screen.PAPERS_CSV_COLUMNS].to_csv(run_dir / "papers.csv", index=False)
io.write_json(run_dir / "prisma.json", prisma)
prisma
"""),
    ],
    "30_claims": [
        md("""
# 30 · Claims
Splits the included papers' abstracts (and full text where present) into sentences, scores
every sentence for check-worthiness and keeps the claims whole; pulls quantitative results
(model, metric, dataset, value) out of them.

**Reads:** `papers.parquet`. **Writes:** `sentences.parquet`, `claims.parquet`, `claims.csv`,
`tuples.parquet`, `tuples.csv`, `figures/claim_scores.png`.
"""),
        code(IMPORTS + "from synth import claims"),
        params_cell("claims"),
        resolve_cell("claims"),
        md("## Sentences"),
        code("""
papers = io.read_table(run_dir, "papers", stage="screen")
included = papers[papers["included"]]
sentences = claims.sentence_table(included)
sentences.head(10)
"""),
        md("## Check-worthiness\nEvery sentence gets a score; those above the threshold are claims."),
        code("""
scores = claims.score_claims(sentences, included.set_index("paper_id")["title"])
threshold = p["threshold"] if p["threshold"] >= 0 else claims.DEFAULT_THRESHOLD
ax = scores.plot.hist(bins=20, range=(0, 1), figsize=(6, 2.8), color="tab:orange")
ax.axvline(threshold, color="black", linestyle="--")
ax.set_xlabel("claim score")
io.save_figure(ax.figure, run_dir, "claim_scores")
"""),
        md("## Claims"),
        code("""
found = claims.extract_claims(sentences, scores, threshold, p["max_claims_per_paper"])
found[["claim_id", "paper_id", "sentence_index", "score", "text"]].head(20)
"""),
        md("## Quantitative results\nEvery value is a number written in the claim's sentence."),
        code("tuples = claims.extract_tuples(found)\ntuples.head(20)"),
        md("## Write artifacts"),
        code("""
io.check_table(found, "claims", ["claim_id", "paper_id", "sentence_index", "text", "score"],
               unique="claim_id", nonempty=["text"])
io.write_table(run_dir, "sentences", sentences, csv=False)
io.write_table(run_dir, "claims", found)
io.write_table(run_dir, "tuples", tuples)
pd.Series({"sentences": len(sentences), "claims": len(found), "tuples": len(tuples)})
"""),
    ],
    "40_verify": [
        md("""
# 40 · Verify
Checks every claim against the sentences of the *other* included papers: the best evidence
sentence, a verdict (SUPPORTED / CONTRADICTED / UNVERIFIED) and a calibrated confidence
(the probability that the verdict is right).

**Reads:** `claims.parquet`, `sentences.parquet`. **Writes:** `verdicts.parquet`,
`verdicts.csv`, `calibration.json`, `figures/verdicts.png`, `figures/reliability.png`.
"""),
        code(IMPORTS + "from synth import report, verify\nfrom synth.dense import encoder_for"),
        params_cell("verify"),
        resolve_cell("verify"),
        md("## Verdicts"),
        code("""
found = io.read_table(run_dir, "claims", stage="claims")
sentences = io.read_table(run_dir, "sentences", stage="claims")
encoder = encoder_for(p["dense"], run_dir.parent / "cache" / "embeddings", "verify.dense")
model = verify.load_model(dense=p["dense"])
verdicts = verify.verify_claims(found, sentences, model, top_k=p["top_k"], encoder=encoder)
verdicts.head(20)
"""),
        md("## Verdicts by label"),
        code("""
ax = report.plot_verdicts(verdicts)
io.save_figure(ax.figure, run_dir, "verdicts")
"""),
        md("## Is the confidence calibrated?\nThe stance model's reliability on held-out SciFact folds: confidence against the share of verdicts that were right."),
        code("""
ax = verify.plot_reliability(model.reliability)
io.save_figure(ax.figure, run_dir, "reliability")
pd.Series({"expected calibration error (held-out folds)": model.ece})
"""),
        md("## Write artifacts"),
        code("""
io.check_table(verdicts, "verdicts", ["claim_id", "label", "confidence", "evidence_paper_id",
               "evidence_sentence"], unique="claim_id")
io.write_table(run_dir, "verdicts", verdicts)
io.write_json(run_dir / "calibration.json", {"ece": model.ece, "reliability": model.reliability.to_dict("records")})
verdicts["label"].value_counts()
"""),
    ],
    "50_review": [
        md("""
# 50 · Review
Independent reviewers each score one aspect of the synthesis 0–10 from the run's tables, with
a one-sentence reason that cites the figure used.

**Reads:** `papers.parquet`, `claims.parquet`, `verdicts.parquet`, `queries.csv`,
`search.json`, `params/`. **Writes:** `review.json`, `figures/reviews.png`.
"""),
        code(IMPORTS + "from synth import review"),
        params_cell("review"),
        resolve_cell("review"),
        md("## Reviews"),
        code("""
tables = review.RunTables(
    papers=io.read_table(run_dir, "papers", stage="screen"),
    claims=io.read_table(run_dir, "claims", stage="claims"),
    verdicts=io.read_table(run_dir, "verdicts", stage="verify"),
    queries=pd.read_csv(run_dir / "queries.csv"),
    search=io.read_json(run_dir / "search.json"),
    params={**config.stage_params(run_dir).get("screen", {}), "target_papers": p["target_papers"]},
)
result = review.review_run(tables)
pd.DataFrame(result["reviewers"])
"""),
        md("## Scores"),
        code("""
ax = review.plot_reviews(result)
io.save_figure(ax.figure, run_dir, "reviews")
"""),
        md("## Write artifacts"),
        code('io.write_json(run_dir / "review.json", result)\n{k: result[k] for k in ("overall", "spread")}'),
    ],
    "60_report": [
        md("""
# 60 · Report
Writes the report from the run's tables; `synth run` renders this notebook, code hidden, to
`report.html` and `report.md`. Every number in the text comes from `report.compute_facts`.

**Reads:** every earlier artifact. **Writes:** `references.bib` (and, through the pipeline,
`report.html`, `report.md`).
""", tags=["notebook-only"]),
        code(IMPORTS + "from IPython.display import Markdown, display\n\nfrom synth import report, review, screen"),
        params_cell("report"),
        resolve_cell("report"),
        code("""
papers = io.read_table(run_dir, "papers", stage="screen")
included = papers[papers["included"]]
found = io.read_table(run_dir, "claims", stage="claims")
tuples = io.read_table(run_dir, "tuples", stage="claims")
verdicts = io.read_table(run_dir, "verdicts", stage="verify")
terms = io.read_table(run_dir, "terms", stage="search")
queries = pd.read_csv(run_dir / "queries.csv")
searched = io.read_json(run_dir / "search.json")
prisma = io.read_json(run_dir / "prisma.json")
reviewed = io.read_json(run_dir / "review.json")
calibration = io.read_json(run_dir / "calibration.json")
facts = report.compute_facts(papers, found, verdicts, reviewed, searched, queries)
""", tags=["notebook-only"]),
        code('display(Markdown("# " + report.md_escape(p["question"])))'),
        code('display(Markdown("## Abstract\\n\\n" + report.abstract_text(p["question"], facts)))'),
        code('display(Markdown("## Introduction\\n\\n" + report.introduction_text(p["question"], terms)))'),
        code("""
display(Markdown("## Methodology\\n\\n" + report.methodology_text(facts, config.stage_params(run_dir))))
display(Markdown("Queries:\\n\\n" + report.to_markdown_table(report.queries_table(queries))))
"""),
        code("""
display(Markdown("## Results\\n\\n### Screening\\n\\n" + report.screening_text(facts, prisma)))
ax = screen.plot_prisma(prisma)
plt.show()
"""),
        code("""
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3))
report.plot_years(included, a1)
screen.plot_relevance(papers, a2)
plt.show()
display(Markdown("Included papers:\\n\\n" + report.to_markdown_table(report.included_table(included))))
"""),
        code("""
display(Markdown("### Claims and verification\\n\\n" + report.verification_text(facts, calibration)))
fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 3))
report.plot_verdicts(verdicts, a1)
report.plot_calibration(calibration, a2)
plt.show()
"""),
        code("""
display(Markdown("### Quantitative results\\n\\n" + report.to_markdown_table(report.tuples_table(tuples))))
"""),
        code("""
display(Markdown("### Review\\n\\n" + report.review_text(reviewed)))
ax = review.plot_reviews(reviewed)
plt.show()
"""),
        code('display(Markdown("## Limitations\\n\\n" + report.limitations_text(facts, queries)))'),
        code("""
table = report.claims_table(found, verdicts, papers, p["max_claims_in_table"])
display(Markdown("## Extracted Claims\\n\\n" + report.to_markdown_table(table)))
"""),
        code('display(Markdown("## References\\n\\n" + report.references_md(included)))'),
        code("""
bib = report.to_bibtex(included)
io.write_text(run_dir / "references.bib", bib)
""", tags=["notebook-only"]),
    ],
    "70_compare": [
        md("""
# 70 · Compare
The same question run under several parameter sets, side by side: papers included and their
overlap, claims, verdicts, reviewer scores and stage timings. `synth compare` renders it to
`compare.html`.
""", tags=["notebook-only"]),
        code(IMPORTS + "from IPython.display import Markdown, display\n\nfrom synth import compare, report"),
        code('run_dirs = []  # list[str]: run folders to compare\nquestion = ""  # str: the question they share', tags=["parameters"]),
        code('display(Markdown("# Comparison: " + report.md_escape(question)))\nsummary = compare.compute_summary(run_dirs)\nsummary'),
        code('overlap = compare.compute_overlap(run_dirs)\nax = compare.plot_overlap(overlap)\nplt.show()'),
        code('labels = summary.set_index("run")[["supported", "contradicted", "unverified"]]\nax = compare.plot_grouped(labels, "claims")\nplt.show()'),
        code('reviews = compare.compute_reviews(run_dirs)\nax = compare.plot_grouped(reviews, "score (0-10)")\nplt.show()\nreviews'),
        code('timings = compare.compute_timings(run_dirs)\nax = compare.plot_grouped(timings, "seconds")\nplt.show()\ntimings'),
    ],
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = nbf.v4.new_notebook(cells=cells)
        for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes only edited cells
            cell["id"] = hashlib.sha1(f"{name}:{i}".encode()).hexdigest()[:8]
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.metadata["language_info"] = {"name": "python"}
        nbf.validate(nb)
        nbf.write(nb, ROOT / "notebooks" / f"{name}.ipynb")


if __name__ == "__main__":
    main()

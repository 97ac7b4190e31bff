"""Claims: which sentences of a paper state something worth checking, and what they state.

Pure functions, DataFrames in and out: ``sentence_table(papers)`` (one row per sentence),
``score_claims(sentences)`` (check-worthiness in [0, 1] from the shipped logistic model over
``synth.claim_features``), ``extract_claims(sentences, scores)`` (whole claim sentences,
split into atomic parts where both stand alone, "our method" resolved to the method's name,
near-duplicates across papers merged) and ``label_abstracts(records)``, the batch interface
behind ``synth extract``.  Quantitative tuples of the claims are in ``synth.tuples``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from synth.claim_features import context_matrix, feature_matrix
from synth.text import split_sentences, tokenize

DEFAULT_THRESHOLD: float = 0.86  # = the shipped model's thresholds["with_position"]
MODEL_RESOURCE = "claim_model.json"


@lru_cache(maxsize=1)
def load_model() -> dict:
    """The shipped model: vocabulary, idf, two logistic heads and their tuned thresholds."""
    text = resources.files("synth").joinpath("data", MODEL_RESOURCE).read_text()
    return json.loads(text)


def _align_titles(sentences: pd.DataFrame, titles: pd.Series | None) -> pd.Series | None:
    if titles is None:
        return None
    if titles.index.equals(sentences.index):
        return titles
    return sentences["paper_id"].map(titles).fillna("")


def score_claims(
    sentences: pd.DataFrame,
    titles: pd.Series | None = None,
    use_position: bool = True,
    model: dict | None = None,
) -> pd.Series:
    """Check-worthiness in [0, 1] for each row of ``sentence_table`` output (same index).

    ``sentences`` needs ``paper_id``, ``sentence_index``, ``text`` (``section`` optional).
    ``titles`` is either aligned with ``sentences`` or indexed by ``paper_id``.
    ``use_position=False`` uses the head trained without position features.
    """
    if sentences.empty:
        return pd.Series(dtype=float, index=sentences.index, name="score")
    model = model or load_model()
    head = model["heads"]["with_position" if use_position else "text_only"]
    x = feature_matrix(sentences, model, _align_titles(sentences, titles), use_position)
    z = x @ np.asarray(head["coef"], dtype=float) + head["intercept"]
    if "context" in head:
        ctx = context_matrix(sentences, z, use_position)
        z = ctx @ np.asarray(head["context"]["coef"], dtype=float) + head["context"]["intercept"]
    return pd.Series(1.0 / (1.0 + np.exp(-z)), index=sentences.index, name="score")


def sentence_table(papers: pd.DataFrame) -> pd.DataFrame:
    """One row per sentence of each paper: abstract sentences, then full-text sentences.

    ``papers`` has ``paper_id``, ``abstract`` and optionally ``title``, ``sentences`` (a
    pre-split abstract used as is when it is a list) and ``full_text``.  Returns
    ``paper_id``, ``sentence_index`` (running over abstract then body), ``section``
    (``"abstract"`` | ``"body"``) and ``text``.
    """
    rows: list[tuple[str, int, str, str]] = []
    for rec in papers.to_dict("records"):
        pre = rec.get("sentences")
        abstract = (
            list(pre)
            if isinstance(pre, list | tuple | np.ndarray)
            else split_sentences(str(rec.get("abstract") or ""))
        )
        body = split_sentences(str(rec.get("full_text") or ""))
        parts = [("abstract", s) for s in abstract] + [("body", s) for s in body]
        rows += [(rec["paper_id"], i, sec, str(s)) for i, (sec, s) in enumerate(parts)]
    return pd.DataFrame(rows, columns=["paper_id", "sentence_index", "section", "text"])


def label_abstracts(records: Iterable[dict], threshold: float | None = None) -> Iterator[dict]:
    """Batch interface of ``synth extract``: ``{paper_id, sentences | abstract}`` in,
    ``{paper_id, labels, scores}`` out (one 0/1 label and score per input sentence, in order).

    Records are scored in chunks of 2,000 so that the model runs vectorised.
    """
    model = load_model()
    cut = model["thresholds"]["with_position"] if threshold is None else threshold
    chunk: list[dict] = []
    for rec in records:
        chunk.append(rec)
        if len(chunk) >= 2000:
            yield from _label_chunk(chunk, cut)
            chunk = []
    if chunk:
        yield from _label_chunk(chunk, cut)


def _label_chunk(chunk: list[dict], cut: float) -> Iterator[dict]:
    papers = pd.DataFrame(
        {
            "paper_id": [str(i) for i in range(len(chunk))],
            "abstract": [r.get("abstract") or "" for r in chunk],
            "sentences": [r.get("sentences") for r in chunk],
            "title": [r.get("title") or "" for r in chunk],
        }
    )
    table = sentence_table(papers)
    scores = score_claims(table, papers.set_index("paper_id")["title"])
    by_paper = scores.groupby(table["paper_id"]).apply(list)
    for i, rec in enumerate(chunk):
        s = [round(float(v), 4) for v in by_paper.get(str(i), [])]
        yield {"paper_id": rec.get("paper_id"), "labels": [int(v >= cut) for v in s], "scores": s}


# --- claims: resolution, atomic parts, merging --------------------------------------------------
# a method or model name, whole: "FollowIR-7B", "GPT-4o", "iSRL-Qwen2-VL", "xLSTM"
NAME = (
    r"(?<![\w-])[a-z]?[A-Z][A-Za-z0-9]*(?:[A-Z0-9][A-Za-z0-9]*|[-+][A-Za-z0-9]+)"
    r"(?:[-+.][A-Za-z0-9]+)*"
)
# families, modalities and words that are never the name of a paper's own method
GENERIC_NAMES = frozenset(
    """
    LLM LLMs VLM VLMs MLLM MLLMs AI ML NLP GPU GPUs CNN CNNs GNN GNNs RL API APIs DNN
    DNNs SOTA fMRI MRI EEG CT ECG LiDAR RGB KG KGs NMT ASR QA VQA RAG OCR TTS
    """.split()
)
_TITLE_NAME = re.compile(rf"^\s*({NAME})\s*:")
# a title opening with one to three capitalised words and a colon: "Polyphony: ...", "Stingy
# Context: ..."; not "Towards ...:", "Benchmarking ...:"
_TITLE_WORDS = re.compile(r"^\s*([A-Z][A-Za-z0-9-]*(?:\s[A-Z][A-Za-z0-9-]*){0,2})\s*:")
_NOT_TITLE_NAMES = frozenset(
    "Towards Toward Understanding Benchmarking Rethinking Revisiting Learning Beyond When What "
    "How Why Can Do Does Is Are The A An On From Position Survey Review Evaluating Measuring "
    "Improving Scaling Exploring Assessing Analyzing Investigating Leveraging Enhancing".split()
)
# "we propose X", "called X", "we term it X"; not the adjective in "the proposed approach: for
# COVID-19 ...", nor the noun in "in terms of the main metric CIDEr"
_PROPOSED_NAME = re.compile(
    rf"(?<!the\s)(?<!The\s)(?<!our\s)(?<!Our\s)(?<!this\s)(?<!This\s)"
    rf"\b(?:(?:propose|introduce|present|develop|call|name|dub)(?:s|d|ed|ing)?|term(?:ed)?)\b"
    rf"[^.;]{{0,80}}?\b({NAME})\b"
)
_PREPOSITIONS = frozenset(
    (
        "for",
        "on",
        "in",
        "of",
        "from",
        "to",
        "with",
        "at",
        "by",
        "over",
        "across",
        "among",
        "against",
        "than",
        "into",
        "via",
        "using",
        "under",
    )
)
_OUR_METHOD = re.compile(
    r"\b(?:[Oo]ur|[Tt]he proposed|[Oo]ur proposed)\s+(?:method|model|approach|framework|system"
    r"|architecture|algorithm|technique|pipeline|network|retriever)\b"
)
_WE_VERB = re.compile(r"^We (achieve|outperform|obtain|attain|surpass|reach|set|improve)\b")
_ATOMIC_VERBS = (
    r"(?:improv|reduc|increas|decreas|outperform|achiev|surpass|boost|enhanc|lower|rais|"
    r"attain|obtain|yield|cut|accelerat|exceed|deliver|maintain|preserv|match|set)"
    r"(?:es|s|ed|d)?"
)
_COORDINATED = re.compile(
    rf"^(?P<subj>[A-Z][^,;]{{1,80}}?)\s(?P<a>{_ATOMIC_VERBS}\b[^;]{{3,}}?),?\s+(?:and|while)\s+"
    rf"(?P<b>{_ATOMIC_VERBS}\b[^;]{{3,}})$"
)


def find_method_name(title: str, abstract_sentences: list[str]) -> str:
    """The name the paper gives its method ("SRMIR: ..." title, "we propose X"), or ``""``."""
    m = _TITLE_NAME.match(title or "")
    if m and m.group(1) not in GENERIC_NAMES:
        return m.group(1)
    m = _TITLE_WORDS.match(title or "")
    if m and not set(m.group(1).split()) & _NOT_TITLE_NAMES and m.group(1) not in GENERIC_NAMES:
        return m.group(1)
    return _proposed_name(abstract_sentences)


def _hyphenated_word(name: str) -> bool:
    """An adjective or noun joined by a hyphen ("Question-guided", "Axis-Aligned",
    "Non-uniform") or a plural family ("ViTs", "DSLs"), not a name ("Mask-RCNN", "GPT-4")."""
    return bool(re.fullmatch(r"[A-Z][a-z]+-[A-Za-z][a-z]+|[A-Z][A-Za-z]*[A-Z]s", name))


def _proposed_name(abstract_sentences: list[str]) -> str:
    """The first "we propose X" name of the abstract, or ``""``."""
    for sent in abstract_sentences:
        for m in _PROPOSED_NAME.finditer(sent):
            before = sent[: m.start(1)].split()[-1:]
            # "we develop ... for black-box LLMs", "the method that won ... for Ego4D"
            after_preposition = bool(before) and before[0].lower() in _PREPOSITIONS
            if (
                m.group(1) not in GENERIC_NAMES
                and not after_preposition
                and not _hyphenated_word(m.group(1))
            ):
                return m.group(1)
    return ""


def resolve_subject(text: str, name: str) -> str:
    """Replace "our method" / "the proposed model" / leading "We achieve" by ``name``."""
    if not name:
        return text
    out = _OUR_METHOD.sub(name, text)
    return _WE_VERB.sub(
        lambda m: f"{name} {m.group(1)}{'es' if m.group(1) == 'reach' else 's'}", out
    )


def atomic_parts(sentence: str) -> list[str]:
    """Split "X improves A and reduces B." into "X improves A." and "X reduces B."; only
    when both halves are finding clauses with a verb; otherwise ``[sentence]``."""
    body = sentence.rstrip()
    end = body[-1] if body[-1:] in ".!" else "."
    m = _COORDINATED.match(body.rstrip(".!"))
    if not m or _unbalanced_text(m.group("a")) or len(m.group("b").split()) < 2:
        return [sentence]
    subj = m.group("subj")
    return [f"{subj} {m.group('a').rstrip(',')}{end}", f"{subj} {m.group('b')}{end}"]


def _unbalanced_text(text: str) -> bool:
    return text.count("(") != text.count(")") or text.count("[") != text.count("]")


def _claim_rows(row: dict, name: str) -> list[dict]:
    parts = atomic_parts(row["text"])
    base = f"{row['paper_id']}#{row['sentence_index']}"
    out = []
    for k, part in enumerate(parts):
        resolved = resolve_subject(part, name)
        out.append(
            {
                "claim_id": base if len(parts) == 1 else f"{base}.{k + 1}",
                "paper_id": row["paper_id"],
                "sentence_index": int(row["sentence_index"]),
                "text": resolved,
                "source_sentence": row["text"],
                "score": float(row["score"]),
                "is_atomic_part": len(parts) > 1,
                "resolved_subject": name if resolved != part else "",
            }
        )
    return out


CLAIM_COLUMNS = [
    "claim_id",
    "paper_id",
    "sentence_index",
    "text",
    "source_sentence",
    "score",
    "is_atomic_part",
    "resolved_subject",
    "merged_from",
]


def extract_claims(
    sentences: pd.DataFrame,
    scores: pd.Series,
    threshold: float = DEFAULT_THRESHOLD,
    max_per_paper: int | None = None,
    titles: pd.Series | None = None,
    merge_similarity: float = 0.85,
) -> pd.DataFrame:
    """Claims table from ``sentence_table`` rows whose score is at least ``threshold``.

    Columns: ``CLAIM_COLUMNS``.  ``text`` is the whole claim (a whole sentence, or an atomic
    part of one ending at a clause boundary, with "our method" resolved to the method name
    when ``titles`` (by ``paper_id``) or the abstract names it); ``source_sentence`` is the
    untouched sentence.  Near-duplicates across papers (tf-idf cosine >= ``merge_similarity``)
    are merged into the highest-scoring one, whose ``merged_from`` lists the others' ids.
    """
    table = sentences.assign(score=scores.reindex(sentences.index).fillna(0.0))
    abstracts = table[table.get("section", "abstract") == "abstract"]
    names = {
        pid: find_method_name("" if titles is None else str(titles.get(pid, "")), list(grp["text"]))
        for pid, grp in abstracts.groupby("paper_id")
    }
    chosen = table[table["score"] >= threshold].sort_values("score", ascending=False)
    if max_per_paper is not None:
        chosen = chosen.groupby("paper_id", sort=False).head(max_per_paper)
    chosen = chosen.sort_values(["paper_id", "sentence_index"])
    rows = [
        r
        for rec in chosen.to_dict("records")
        for r in _claim_rows(rec, names.get(rec["paper_id"], ""))
    ]
    claims = pd.DataFrame(rows, columns=CLAIM_COLUMNS[:-1])
    return merge_duplicates(claims, merge_similarity)


def similar_pairs(x, threshold: float, max_entries: int = 20_000_000):
    """(row, col) index arrays of the pairs of rows of ``x`` (L2-normalised, sparse) whose
    cosine is at least ``threshold``.  ``x @ x.T`` is computed a block of rows at a time:
    claims share common words, so the full product is nearly dense (42k arXiv claims: ~22 GB),
    while a block holds at most about ``max_entries`` values."""
    n = x.shape[0]
    block = max(1, max_entries // max(n, 1))
    xt = x.T.tocsc()
    rows, cols = [], []
    for start in range(0, n, block):
        part = (x[start : start + block] @ xt).tocoo()
        hit = part.data >= threshold
        rows.append(part.row[hit] + start)
        cols.append(part.col[hit])
    return np.concatenate(rows), np.concatenate(cols)


def merge_duplicates(claims: pd.DataFrame, similarity: float = 0.85) -> pd.DataFrame:
    """Merge near-duplicate claims of *different* papers (tf-idf cosine >= ``similarity``).

    Keeps the highest-scoring claim of each group; its ``merged_from`` lists the claim ids
    (``paper_id#sentence_index``: the provenance) of the claims merged into it.
    """
    claims = claims.reset_index(drop=True)
    merged: list[list[str]] = [[] for _ in range(len(claims))]
    if len(claims) > 1:
        from sklearn.feature_extraction.text import TfidfVectorizer

        x = TfidfVectorizer(analyzer=tokenize).fit_transform(claims["text"]).tocsr()
        row, col = similar_pairs(x, similarity)
        order = claims["score"].rank(ascending=False, method="first").to_numpy()
        papers = claims["paper_id"].to_numpy()
        keep = np.ones(len(claims), dtype=bool)
        hit = papers[row] != papers[col]
        pairs = sorted(zip(row[hit], col[hit], strict=True), key=lambda t: order[t[0]])
        for i, j in pairs:
            if order[i] < order[j] and keep[i] and keep[j]:
                keep[j] = False
                merged[i].append(claims.at[j, "claim_id"])
        claims = claims.assign(merged_from=merged)[keep].reset_index(drop=True)
        return claims
    return claims.assign(merged_from=merged)

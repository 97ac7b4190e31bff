"""Claims: which sentences of a paper state something worth checking, and what they state.

Pipeline of pure functions, DataFrames in and out:

- ``sentence_table(papers)``: one row per sentence (abstract, then body).
- ``score_claims(sentences)``: check-worthiness in [0, 1] from a logistic regression over word
  n-grams, transparent cue features (finding / comparison / cause-effect / background /
  method / future-work cues, and for CS abstracts: a quantitative result = a result verb or
  a metric next to a stand-alone number, "experiments show", "outperforms / state of the
  art", code / data availability and URLs, generic background, method detail, hopes), title
  overlap and, by default, position in the abstract.  Weights ship in
  ``synth/data/claim_model.json``; they were trained by ``scripts/train_claim_model.py`` on
  SciFact (Wadden et al., EMNLP 2020; claims CC BY 4.0, abstracts ODC-By 1.0) plus
  cue-derived weak labels on CC0 arXiv CS abstracts (self-training on the cues above; the
  hand-labelled dev set ``benchmarks/arxiv_claims_dev.jsonl`` is excluded).  The threshold
  is chosen on the biomed train split and the dev set's tune half (neither trained on).
- ``extract_claims(sentences, scores)``: whole claim sentences, split into atomic parts where
  both parts stand alone, "our method" resolved to the method's name, near-duplicates across
  papers merged.
- ``extract_tuples(claims)``: (subject, metric, dataset, value, unit, comparison); in
  ``synth.claim_tuples``-style rules kept here, a value is always a number written in the
  sentence.
- ``label_abstracts(records)``: the batch interface behind ``synth extract``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from synth.text import split_sentences, tokenize

DEFAULT_THRESHOLD: float = 0.86  # = model thresholds["with_position"] (biomed train + arXiv dev tune)
MODEL_RESOURCE = "claim_model.json"

_RESULT_VERB = (
    r"(?:achiev\w*|reach\w*|obtain\w*|attain\w*|outperform\w*|surpass\w*|exceed\w*|beat\w*|"
    r"improv\w*|reduc\w*|boost\w*|rais\w*|increas\w*|decreas\w*|lower\w*|cut\w*|yield\w*|"
    r"deliver\w*|gains?|gained|scor\w*|record\w*|sets? (?:a )?new|speed\w* up|accelerat\w*|"
    r"shrink\w*|halv\w*|doubl\w*|narrow\w*|clos\w*)"
)
# a number written on its own, never part of a name ("InternVideo2", "R@1", "ViT-B/32", "7B")
_STANDALONE_NUMBER = r"(?<![\w.@/\-^])[+\-−~]?\d+(?:[.,]\d+)*(?![\w@])"
_METRIC_WORDS = (
    r"r@\d+|recall@\d+|ndcg@\d+|mrr@\d+|hit@\d+|pass@\d+|p-mrr|top-[15](?: accuracy)?|"
    r"map(?:50|75)?|ap(?:50|75)?|auroc|auc|f1(?:[- ]score)?|bleu(?:-4)?|rouge(?:-[l12])?|cider|"
    r"meteor|ndcg|mrr|miou|iou|psnr|ssim|lpips|fid|fvd|wer|cer|accuracy|precision|recall|"
    r"success rate|win rate|error rate|perplexity|rsum|r\^?2|db|ms|fps|mae|rmse|asr|em"
)

CUES: dict[str, str] = {
    "finding_verb": r"\b(?:we|our|these|this|the|data|results?|findings?|analys[ie]s)\b[^.;]{0,60}?"
    r"\b(?:show(?:s|ed|n)?|demonstrat\w*|reveal\w*|indicat\w*|suggest\w*|find|found|"
    r"observ\w*|confirm\w*|establish\w*|conclud\w*|uncover\w*|identif\w*|highlight\w*)\b",
    "conclusion_marker": r"^(?:in conclusion|in summary|to conclude|taken together|together|"
    r"collectively|overall|thus|therefore|hence|consequently|these (?:results|findings|data|"
    r"observations|studies)|our (?:results|findings|data|study|work|analys[ie]s|experiments))\b",
    "comparison": r"\b(?:outperform\w*|surpass\w*|better|superior|inferior|worse|than|"
    r"compared (?:with|to)|relative to|versus|vs\.?|state[- ]of[- ]the[- ]art|sota|beats?)\b",
    "change": r"\b(?:improv\w*|increas\w*|decreas\w*|reduc\w*|enhanc\w*|boost\w*|gains?|"
    r"drops?|degrad\w*|accelerat\w*|speedup|faster|slower|higher|lower|fewer)\b",
    "effect": r"\b(?:associated with|correlat\w*|predict\w*|leads? to|led to|result(?:s|ed)? in|"
    r"caus\w*|due to|induc\w*|contribut\w*|mediat\w*|regulat\w*|essential|critical|"
    r"key role|important role|depends? on|effective\w*|efficacy|robust\w*)\b",
    "significance": r"\b(?:significant(?:ly)?|odds ratio|hazard ratio|confidence interval)\b|"
    r"\bp\s*[<=>]",
    "hedge": r"\b(?:may|might|could|potential(?:ly)?|likely|possibl\w*|promising)\b",
    "proposal": r"\b(?:we|this (?:paper|work|study|article))\b[^.;]{0,30}?"
    r"\b(?:propos\w*|introduc\w*|present\w*|develop\w*|design\w*|releas\w*|offer\w*)\b",
    "achieve": r"\b(?:achiev\w*|attain\w*|obtain\w*|reach\w*|yield\w*|sets? (?:a )?new)\b",
    "background": r"\b(?:however|remains? (?:unclear|unknown|poorly|elusive|challenging|an open)|"
    r"little is known|poorly understood|ha(?:s|ve) been|is known|are known|widely|commonly|"
    r"recent(?:ly)?|existing|previous(?:ly)?|prior|traditional(?:ly)?|conventional|"
    r"challeng\w*|problem|limitations?|suffer\w*|struggle\w*)\b",
    "method": r"\b(?:we (?:used?|collected|perform\w*|conduct\w*|analy[sz]\w*|recruit\w*|"
    r"measur\w*|train\w*|employ\w*|adopt\w*|appl(?:y|ied)|evaluat\w*|assess\w*|compar\w*|"
    r"examin\w*|investigat\w*|stud(?:y|ied)|explor\w*|test\w*|first|then|also)|"
    r"(?:were|was) (?:randomi[sz]ed|measured|assessed|recruited|collected|enrolled|included|"
    r"analy[sz]ed|obtained|treated|divided|followed|performed|used|calculated|determined)|"
    r"using|consist\w* of|comprising)\b",
    "aim": r"\b(?:aim\w*|objectives?|purpose|goal|to (?:evaluate|investigate|assess|examine|"
    r"determine|explore|address|study|understand|tackle|bridge|fill))\b|"
    r"\bin this (?:study|paper|work)\b",
    "future": r"\b(?:future (?:work|research|studies|directions?)|further (?:studies|research|"
    r"investigation|work)|remains? to be|(?:is|are|will be) needed|warrant\w*|we will|"
    r"will (?:be|further|explore|extend|investigate|address)|open (?:questions?|problems?))\b",
    "number": r"\d",
    "percent": r"\d\s*%|\bpercent\b",
    "metric_value": r"\d(?:\.\d+)?\s*(?:%|points?\b|pp\b|x\b|×|\$\\times\$)",
    "first_person": r"\b(?:we|our)\b",
    "question": r"\?\s*$",
    "code_release": r"\b(?:code|codes|data|datasets?|models?|weights|checkpoints?|benchmark|"
    r"implementation|project page|demo|resources?|toolkit|library|corpus)\b[^.;]{0,60}?"
    r"\b(?:(?:is|are|will be|be|been) (?:publicly |made |freely |openly )?(?:available|released|"
    r"accessible|open[- ]sourced)|available (?:at|from|online|on|here))\b|"
    r"\bwe (?:will |also |publicly |further )*(?:release|open[- ]source|make)\b[^.;]{0,60}?"
    r"(?:available|public|code|github|https?)|https?://|github|www\.|project page",
    # --- cues for the results sections of CS abstracts (added with the arXiv dev set) ---
    "quant_result": rf"\b{_RESULT_VERB}\b[^.;]{{0,60}}?{_STANDALONE_NUMBER}|"
    rf"{_STANDALONE_NUMBER}\s*(?:%|pp\b|points?\b|percentage points?\b|x\b|×|times\b|"
    r"\$\\times\$)[^.;]{0,50}?\b(?:improv\w*|gains?|reduc\w*|speedups?|higher|lower|better|"
    r"fewer|increases?|decreases?|faster|smaller|over|than|relative)\b|"
    rf"\bfrom {_STANDALONE_NUMBER}\s*%?\s*to {_STANDALONE_NUMBER}",
    "metric_value_pair": rf"{_STANDALONE_NUMBER}\s*%?\s*(?:{_METRIC_WORDS})\b|"
    rf"\b(?:{_METRIC_WORDS})\s*(?:score\s*)?(?:of|=|:|to|reaching|at)\s*\$?{_STANDALONE_NUMBER}",
    "experiments_show": r"\b(?:experiments?|experimental (?:results?|evaluations?|studies)|"
    r"evaluations?|empirical(?:ly)?|ablations?(?: studies)?|results|extensive|benchmarks?|"
    r"analys[ie]s|human (?:evaluation|study))\b[^.;]{0,80}?\b(?:show\w*|demonstrat\w*|reveal\w*|"
    r"indicat\w*|confirm\w*|verif\w*|validat\w*|highlight\w*|suggest\w*|prove\w*)\b",
    "beats": r"\b(?:outperform\w*|surpass\w*|exceed\w*|beat(?:s|ing)?|"
    r"(?:new |achiev\w* |establish\w* |set\w* (?:a )?(?:new )?)state[- ]of[- ]the[- ]art|"
    r"state[- ]of[- ]the[- ]art (?:performance|results?|accuracy)|\bsota\b|"
    r"(?:best|highest|strongest|lowest) (?:performance|results?|accuracy|scores?))\b",
    "background_generic": r"\b(?:ha(?:s|ve) (?:recently )?(?:emerged|attracted|gained|become|"
    r"been widely|achieved (?:remarkable|impressive|significant|great|notable)|"
    r"shown (?:remarkable|impressive|great|promising|strong))|(?:is|are|remains?) (?:a |an )?"
    r"(?:core|fundamental|key|central|critical|crucial|important|long-standing|challenging|"
    r"open) (?:task|problem|challenge|component|issue|question|step)|"
    r"plays? an? (?:key|crucial|important|central|vital|pivotal) role|"
    r"(?:is|are) (?:increasingly|widely) (?:used|adopted|deployed))\b",
    "method_detail": r"^(?:specifically|first|then|next|finally|concretely|formally|to this end|"
    r"to (?:achieve|address|tackle|solve|mitigate|overcome) (?:this|these|that))\b|"
    r"\b(?:consists? of|comprises?|is composed of|(?:is|are) (?:built|based) (?:on|upon)|"
    r"we (?:then |first |further )?(?:design|formulate|leverage|utili[sz]e|incorporate|encode|"
    r"decompose|construct|build|adopt|employ|model|represent|fine-tune|finetune|pretrain))\b",
    "future_hope": r"\b(?:we hope|hope (?:that|to|our|this)|inspire (?:future|further|more)|"
    r"(?:facilitate|foster|support|enable|benefit) (?:future|further) (?:research|work|studies)|"
    r"will be (?:publicly |made |freely )?(?:available|released|open[- ]sourced))\b",
}
POSITION_FEATURES = ("rel_pos", "rel_pos_sq", "is_first", "is_last", "is_second_last", "short")
TEXT_DENSE_FEATURES = (*CUES, "title_overlap", "log_len")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def normalize_for_ngrams(text: str) -> str:
    """Lower-case and replace every number by ``0`` so n-grams generalise over values."""
    return _NUMBER.sub("0", text.lower())


@lru_cache(maxsize=1)
def _cue_patterns() -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p) for p in CUES.values())


def cue_matrix(texts: pd.Series) -> np.ndarray:
    """Binary matrix (rows = texts, columns = ``CUES`` in order): which cue fires where.

    Cues are matched on the lower-cased text (all patterns are lower case).
    """
    s = texts.astype(str).str.lower()
    cols = [s.str.contains(p, regex=True).to_numpy(dtype=float) for p in _cue_patterns()]
    return np.column_stack(cols) if cols else np.zeros((len(s), 0))


def title_overlap(texts: pd.Series, titles: pd.Series) -> np.ndarray:
    """Share of a title's index terms that the sentence repeats (0 when no title)."""
    out = np.zeros(len(texts))
    for i, (text, title) in enumerate(zip(texts.astype(str), titles.fillna("").astype(str))):
        t = set(tokenize(title))
        if t:
            out[i] = len(t & set(tokenize(text))) / len(t)
    return out


def position_matrix(sentences: pd.DataFrame) -> np.ndarray:
    """Position features (``POSITION_FEATURES``) of each row among its paper's abstract rows.

    Reads ``paper_id``, ``sentence_index`` and ``section`` (rows outside the abstract get a
    neutral middle position).  Also ``text`` for the ``short`` flag.
    """
    section = sentences.get("section", pd.Series("abstract", index=sentences.index))
    is_abs = (section == "abstract").to_numpy()
    idx = sentences["sentence_index"].to_numpy(dtype=float)
    in_abs = sentences.loc[is_abs]
    n_by_paper = in_abs.groupby("paper_id")["sentence_index"].max() + 1
    n = sentences["paper_id"].map(n_by_paper).fillna(1).to_numpy(dtype=float)
    rel = np.where(n > 1, idx / np.maximum(n - 1, 1), 0.0)
    rel = np.where(is_abs, rel, 0.5)
    last = (idx == n - 1) & is_abs
    second = (idx == n - 2) & is_abs
    first = (idx == 0) & is_abs
    short = (n <= 3) & is_abs
    return np.column_stack([rel, rel**2, first, last, second, short]).astype(float)


def feature_matrix(
    sentences: pd.DataFrame, model: dict, titles: pd.Series | None, use_position: bool
) -> sparse.csr_matrix:
    """Sparse features: tf-idf word 1-2-grams | cues | title overlap | length | position."""
    texts = sentences["text"].astype(str)
    vec = CountVectorizer(
        vocabulary=model["vocabulary"], ngram_range=(1, 2), preprocessor=normalize_for_ngrams,
        token_pattern=r"(?u)\b\w+\b",
    )
    counts = vec.transform(texts).astype(float)
    counts.data = 1.0 + np.log(counts.data)
    words = normalize(counts @ sparse.diags(np.asarray(model["idf"], dtype=float)))
    if titles is None:
        titles = pd.Series("", index=sentences.index)
    n_words = texts.str.split().str.len().fillna(0).to_numpy(dtype=float)
    dense = [cue_matrix(texts), title_overlap(texts, titles)[:, None], np.log1p(n_words)[:, None]]
    if use_position:
        dense.append(position_matrix(sentences))
    return sparse.hstack([words, sparse.csr_matrix(np.hstack(dense))], format="csr")


CONTEXT_FEATURES = (
    "z", "z_gap_to_max", "rank_0", "rank_1", "rank_2", "z_prev", "z_next", "has_prev", "has_next",
)


def context_matrix(sentences: pd.DataFrame, z: np.ndarray, use_position: bool) -> np.ndarray:
    """Discourse context of each sentence's first-stage logit ``z`` (``CONTEXT_FEATURES``).

    The rank is the sentence's rank by ``z`` within its paper and section (0 = most
    claim-like), the gap is ``z`` minus the best ``z`` there, and the neighbours' ``z`` (the
    abstract's mean ``z`` where there is no neighbour, so that first / last is not given
    away): they compare a sentence with the rest of its abstract, not its place.  With
    ``use_position`` the flags "has a previous / next sentence" are added.
    """
    section = sentences.get("section", pd.Series("abstract", index=sentences.index))
    frame = pd.DataFrame({"p": sentences["paper_id"].astype(str), "s": section.astype(str),
                          "i": sentences["sentence_index"].to_numpy(), "z": np.asarray(z)})
    frame = frame.reset_index(drop=True).sort_values(["p", "s", "i"])
    grp = frame.groupby(["p", "s"], sort=False)["z"]
    rank = grp.rank(ascending=False, method="first") - 1
    prev, nxt, mean = grp.shift(1), grp.shift(-1), grp.transform("mean")
    cols = [frame["z"], frame["z"] - grp.transform("max"), rank == 0, rank == 1, rank == 2,
            prev.fillna(mean), nxt.fillna(mean)]
    if use_position:
        cols += [prev.notna(), nxt.notna()]
    out = np.column_stack(cols).astype(float)
    return out[np.argsort(frame.index.to_numpy())]


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
        abstract = list(pre) if isinstance(pre, list | tuple | np.ndarray) else split_sentences(
            str(rec.get("abstract") or ""))
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
    papers = pd.DataFrame({
        "paper_id": [str(i) for i in range(len(chunk))],
        "abstract": [r.get("abstract") or "" for r in chunk],
        "sentences": [r.get("sentences") for r in chunk],
        "title": [r.get("title") or "" for r in chunk],
    })
    table = sentence_table(papers)
    scores = score_claims(table, papers.set_index("paper_id")["title"])
    by_paper = scores.groupby(table["paper_id"]).apply(list)
    for i, rec in enumerate(chunk):
        s = [round(float(v), 4) for v in by_paper.get(str(i), [])]
        yield {"paper_id": rec.get("paper_id"), "labels": [int(v >= cut) for v in s], "scores": s}


# --- claims: resolution, atomic parts, merging --------------------------------------------------
# a method or model name, whole: "FollowIR-7B", "GPT-4o", "iSRL-Qwen2-VL", "xLSTM"
_NAME = r"(?<![\w-])[a-z]?[A-Z][A-Za-z0-9]*(?:[A-Z0-9][A-Za-z0-9]*|[-+][A-Za-z0-9]+)(?:[-+.][A-Za-z0-9]+)*"
_TITLE_NAME = re.compile(rf"^\s*({_NAME})\s*:")
# "we propose X", "called X", "we term it X"; not the adjective in "the proposed approach: for
# COVID-19 ...", nor the noun in "in terms of the main metric CIDEr"
_PROPOSED_NAME = re.compile(
    rf"(?<!the\s)(?<!The\s)(?<!our\s)(?<!Our\s)(?<!this\s)(?<!This\s)"
    rf"\b(?:(?:propose|introduce|present|develop|call|name|dub)(?:s|d|ed|ing)?|term(?:ed)?)\b"
    rf"[^.;]{{0,80}}?\b({_NAME})\b")
_PREPOSITIONS = frozenset((
    "for", "on", "in", "of", "from", "to", "with", "at", "by", "over", "across", "among",
    "against", "than", "into", "via", "using", "under"))
_OUR_METHOD = re.compile(
    r"\b(?:[Oo]ur|[Tt]he proposed|[Oo]ur proposed)\s+(?:method|model|approach|framework|system"
    r"|architecture|algorithm|technique|pipeline|network|retriever)\b")
_WE_VERB = re.compile(r"^We (achieve|outperform|obtain|attain|surpass|reach|set|improve)\b")
_ATOMIC_VERBS = (
    r"(?:improv|reduc|increas|decreas|outperform|achiev|surpass|boost|enhanc|lower|rais|"
    r"attain|obtain|yield|cut|accelerat|exceed|deliver|maintain|preserv|match|set)"
    r"(?:es|s|ed|d)?"
)
_COORDINATED = re.compile(
    rf"^(?P<subj>[A-Z][^,;]{{1,80}}?)\s(?P<a>{_ATOMIC_VERBS}\b[^;]{{3,}}?),?\s+(?:and|while)\s+"
    rf"(?P<b>{_ATOMIC_VERBS}\b[^;]{{3,}})$")


def find_method_name(title: str, abstract_sentences: list[str]) -> str:
    """The name the paper gives its method ("SRMIR: ..." title, "we propose X"), or ``""``."""
    m = _TITLE_NAME.match(title or "")
    if m and m.group(1) not in _GENERIC_NAMES:
        return m.group(1)
    for sent in abstract_sentences:
        for m in _PROPOSED_NAME.finditer(sent):
            before = sent[:m.start(1)].split()[-1:]
            # "we develop ... for black-box LLMs", "the method that won ... for Ego4D"
            if m.group(1) not in _GENERIC_NAMES and not (before and before[0].lower() in _PREPOSITIONS):
                return m.group(1)
    return ""


def resolve_subject(text: str, name: str) -> str:
    """Replace "our method" / "the proposed model" / leading "We achieve" by ``name``."""
    if not name:
        return text
    out = _OUR_METHOD.sub(name, text)
    return _WE_VERB.sub(lambda m: f"{name} {m.group(1)}{'es' if m.group(1) == 'reach' else 's'}",
                        out)


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
        out.append({
            "claim_id": base if len(parts) == 1 else f"{base}.{k + 1}",
            "paper_id": row["paper_id"], "sentence_index": int(row["sentence_index"]),
            "text": resolved, "source_sentence": row["text"], "score": float(row["score"]),
            "is_atomic_part": len(parts) > 1, "resolved_subject": name if resolved != part else "",
        })
    return out


CLAIM_COLUMNS = ["claim_id", "paper_id", "sentence_index", "text", "source_sentence", "score",
                 "is_atomic_part", "resolved_subject", "merged_from"]


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
    names = {pid: find_method_name(
        "" if titles is None else str(titles.get(pid, "")), list(grp["text"]))
        for pid, grp in abstracts.groupby("paper_id")}
    chosen = table[table["score"] >= threshold].sort_values("score", ascending=False)
    if max_per_paper is not None:
        chosen = chosen.groupby("paper_id", sort=False).head(max_per_paper)
    chosen = chosen.sort_values(["paper_id", "sentence_index"])
    rows = [r for rec in chosen.to_dict("records")
            for r in _claim_rows(rec, names.get(rec["paper_id"], ""))]
    claims = pd.DataFrame(rows, columns=CLAIM_COLUMNS[:-1])
    return merge_duplicates(claims, merge_similarity)


def _similar_pairs(x, threshold: float, max_entries: int = 20_000_000):
    """(row, col) index arrays of the pairs of rows of ``x`` (L2-normalised, sparse) whose
    cosine is at least ``threshold``.  ``x @ x.T`` is computed a block of rows at a time:
    claims share common words, so the full product is nearly dense (42k arXiv claims: ~22 GB),
    while a block holds at most about ``max_entries`` values."""
    n = x.shape[0]
    block = max(1, max_entries // max(n, 1))
    xt = x.T.tocsc()
    rows, cols = [], []
    for start in range(0, n, block):
        part = (x[start:start + block] @ xt).tocoo()
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
        row, col = _similar_pairs(x, similarity)
        order = claims["score"].rank(ascending=False, method="first").to_numpy()
        papers = claims["paper_id"].to_numpy()
        keep = np.ones(len(claims), dtype=bool)
        hit = papers[row] != papers[col]
        pairs = sorted(zip(row[hit], col[hit]), key=lambda t: order[t[0]])
        for i, j in pairs:
            if order[i] < order[j] and keep[i] and keep[j]:
                keep[j] = False
                merged[i].append(claims.at[j, "claim_id"])
        claims = claims.assign(merged_from=merged)[keep].reset_index(drop=True)
        return claims
    return claims.assign(merged_from=merged)


# --- quantitative tuples ------------------------------------------------------------------------
_METRIC = (
    r"(?<![\w-])(?:R@\d+|Recall@\d+|nDCG@\d+|NDCG@\d+|MRR@\d+|Hit@\d+|HR@\d+|pass@\d+|p-MRR|"
    r"top-[15] accuracy|top-[15]|mAP(?:50|75|@\d+(?:\.\d+)?)?(?::\d+(?:\.\d+)?)?|AP(?:50|75)?|AUROC|AUC|F1(?:[- ]scores?)?|"
    r"BLEU(?:-4)?|ROUGE(?:-[L12])?|CIDEr|METEOR|SPICE|nDCG|NDCG|MRR|mIoU|IoU|PSNR|SSIM|LPIPS|"
    r"FID|FVD|WER|CER|EM|exact match|accuracy|precision|recall|success rate|win rate|"
    r"error rate|perplexity|RSUM|SumR|mean rank|MnR|MdR)"
)
_VALUE = (r"(?<![\w@./:,\-^$])(?P<value>\d+(?:\.\d+)?)(?![.,]?\d)"
          r"(?!\s?(?:-{1,2}|–|~|to)\s?\d)"  # not the start of a range ("1--3%", "94% ~ 96%")
          r"(?:\s?(?P<unit>\$?\\?%\$?|pp\b|points?\b|percent(?:age points)?\b|dB\b|°|\{?\\deg\}?|"
          r"degrees?\b|cm\b|mm\b|ms\b))?(?![A-Za-z])")  # not part of a word ("3D", "7B")
# a dataset name of up to three words: "MSR-VTT", "S3DIS Area 5", "Spider 2.0 Lite"
_DATASET = (r"(?:the\s+)?(?P<dataset>[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
            r"(?:\s(?:[A-Z][A-Za-z0-9]*|v?\d+(?:\.\d+)*)\b){0,2})")
# a LaTeX subscript that is part of the metric's name: "mAP\textsubscript{50}", "AP$_{50}$"
_SUBSCRIPT = re.compile(r"\\textsubscript\{([\w:.@]+)\}|\$?_\{?([\w:.@]+)\}?\$?")
# the spread after a value: "0.81 +/- 0.01", "79.8 $\pm$ 4.8%" (its unit is the value's too)
_SPREAD = r"(?:\s*\$?\s*(?:\+/-|±|\\pm)\s*\$?\s*\d+(?:\.\d+)?\s?(?P<spread_unit>\\?%)?)?"
_TUPLE_PATTERNS = tuple(re.compile(p) for p in (
    # "55.9 R@1 on MSR-VTT", "76.2% accuracy on ImageNet"
    (rf"{_VALUE}{_SPREAD}\s+"
     rf"(?:(?:absolute|average|mean|zero-shot|overall)\s+)?(?P<metric>{_METRIC})"
    rf"(?:\s+(?:on|in)\s+{_DATASET})?(?![\w@])"),
    # "an accuracy of 92.1% on X", "R@1 of 55.9"
    (rf"(?P<metric>{_METRIC})(?:\s+scores?)?\s+(?:of|=|:)\s+{_VALUE}{_SPREAD}(?![\w.]*\d)"
    rf"(?:\s+(?:on|in)\s+{_DATASET})?"),
    # "improves R@1 by 3.2 points", "outperforms X by 4.1%"
    (rf"\b(?:improv|boost|increas|outperform|surpass|exceed|reduc|lower)\w*\s+(?:the\s+)?"
    rf"(?:(?P<metric>{_METRIC})\s+)?by\s+{_VALUE}(?![\w.]*\d)"
    rf"(?:\s+(?:in\s+)?(?P<metric2>{_METRIC}))?"),
    # "a 2.1% increase in Recall@1 on MSR-VTT" (a difference)
    (rf"{_VALUE}\s+(?:absolute\s+|relative\s+|average\s+)?(?:increase|improvement|gain|boost|"
     rf"drop|reduction|decrease)s?\s+(?:in|on|of)\s+(?:the\s+)?(?P<metric>{_METRIC})"
     rf"(?:\s+(?:on|in)\s+(?:the\s+)?{_DATASET})?(?![\w@])"),
))
_CHANGE_PATTERNS = (2, 3)  # indices of _TUPLE_PATTERNS whose values are always differences
# a model size or variant written after the name belongs to it: "GPT-2 XL", "Qwen2.5 7B"
_VARIANT = r"(?:\s(?:XXL|XL|Large|Base|Small|Tiny|Mini|Pro|Plus|Ultra|Max|\d+(?:\.\d+)?[BMK]))?"
_COMPARISON = re.compile(
    rf"\b(?:over|than|compared (?:to|with)|relative to|vs\.?|against)\s+(?:the\s+)?"
    rf"(?P<cmp>previous state-of-the-art|state-of-the-art|prior (?:state-of-the-art|methods?|"
    rf"work)|(?:strong(?:est)?\s+)?baselines?|SOTA|"
    rf"(?:{_NAME}|[A-Z][A-Za-z0-9]+)"
    # a name of up to three capitalised words: "Backward Synthesis"
    rf"(?:\s(?!On\b|In\b|And\b|With\b)[A-Z][A-Za-z0-9-]+){{0,2}}{_VARIANT})")
_LEAD_NAME = re.compile(rf"^(?:The\s+)?((?:{_NAME}|[A-Z][a-z]+[A-Z0-9][A-Za-z0-9\-]*){_VARIANT})\b")
_NOT_DATASETS = frozenset({
    "English", "Chinese", "Persian", "Arabic", "French", "German", "Spanish", "Japanese", "Korean",
    "Hindi", "Russian", "Turkish", "Vietnamese", "Italian", "Portuguese", "Bengali", "Urdu",
    "Indonesian", "Thai", "Swahili", "Dutch", "Polish", "Greek", "Hebrew", "Multilingual",
    "The", "All", "Both", "Several", "Multiple", "Standard", "Various",
    "Average", "Overall", "Table", "Figure", "Fig", "Section", "Appendix", "Our", "This", "These",
})
# the capitalised word after "on"/"in" is not a dataset: "in Classic mode", "on the DIFF-OBJ
# setting", "on A and B" (a list: which value goes with which is not written)
_NOT_DATASET_AFTER = re.compile(r"\s(?:domain|subset|split|set|mode|setting|task|track|regime|"
                                r"condition|level)s?\b|\s*(?:,|and|or)\s+(?:the\s+)?[A-Z]")
# "an accuracy of 39.47 on GPT-4o-mini": a model (backbone) named after "on", not a dataset
_MODEL_FAMILY = re.compile(r"(?i)^(?:GPT|LLaMA|Llama|Qwen|Mistral|Mixtral|Gemini|Claude|Gemma|Phi|"
                           r"DeepSeek|Vicuna|OPT|BLOOM|Falcon|InternLM|Yi|GLM|ChatGLM|o[134])\b")
TUPLE_COLUMNS = ["claim_id", "subject", "metric", "dataset", "value", "unit", "kind", "comparison"]
_UNITS = {"\\%": "%", "percent": "%", "percentage points": "pp", "point": "points",
          "{\\deg}": "°", "\\deg": "°", "degree": "°", "degrees": "°"}
# a value that is a difference, not a level: "+5.4% EM", "improves R@1 by 2.5", "a 4.5% accuracy
# gain", "3.1 pp"
_CHANGE_AFTER = re.compile(r"\s*(?:(?!(?:and|or|with|while|whereas|but|a|an|the)\b)\w+\s+){0,2}?"
                           r"(?:(?:improvement|gain|increase|boost|reduction|drop|"
                           r"decrease|degradation|enhancement|gap|difference)s?|higher|lower|better|"
                           r"worse)\b")
# "gains of 4.1% accuracy", "an improvement of up to 3 points"
_CHANGE_BEFORE = re.compile(r"(?:\b(?:gain|improvement|enhancement|increase|boost|reduction|drop|"
                            r"decrease)s?\s+(?:of|by|reach\w*|(?:was|were|is|are)(?:\s+up\s+to)?)"
                            # "by", "by up to", "by an average of", "by greater than or equal to"
                            r"|\bby)\s+(?:(?:(?![a-z]+ing\b)[a-z]+|[<>≥~])\s+){0,5}"
                            r"\+?$|\bimprov\w*\s+over\b[^.;]{0,60}\(\s*up\s?to\s+$"
                            r"|\bgap\b[^,;]{0,60}\bto\s+(?:within\s+)?$"
                            # "improvements in top-1 accuracy of 3.6%"
                            r"|\b(?:gain|improvement|enhancement|increase|boost|reduction|drop|"
                            r"decrease)s?\s+in\s+(?:the\s+)?(?:[\w@-]+\s+){1,3}?(?:of|by)\s+(?:up to\s+)?\+?$")
# the second value of a coordinated difference: "by 1.7% and 2.1% mAP", "gains of 4.1% accuracy on
# A and 2.8% accuracy on B"
_CHANGE_COORDINATED = re.compile(r"\b(?:by|(?:gain|improvement|increase|reduction)s?\s+of)\s+\+?"
                                 r"\d+(?:\.\d+)?\s?%?(?:\s+[^\s,;]+){0,5}?\s*(?:,\s*and|,|and)\s+\+?$")
# "16.8% mIoU and 20.6% mBIoU performance improvement": a list of values ending in a change word
_CHANGE_LIST = re.compile(r"(?:\s*(?:,|and)\s*\+?\d+(?:\.\d+)?\s?(?:\\?%|pp)?\s*[\w@.-]+){1,3}"
                          r"\s+(?:\w+\s+)?(?:improvement|gain|increase|boost|reduction|drop|"
                          r"decrease)s?\b")
# the value belongs to a compared system: "outperforming NASNet, which achieved 89.5%"
_OTHER_SUBJECT = re.compile(rf"\b({_NAME}|[A-Z][A-Za-z0-9]+),?\s+which\s+(?:achieved|achieves|"
                            rf"reached|reaches|obtained|obtains|scored|scores|attained|had|has)"
                            rf"(?:\s+(?:an?|the))?(?:\s+(?:\w+\s+)?{_METRIC}\s+of)?\s*$")
_OWN_VERB = r"(?:achiev|reach|obtain|attain|improv|outperform|surpass|yield|boost|deliver|scor)\w*"
# Contexts in which a number next to a metric is not a level or difference the paper reports
# for its own system.  Each pattern is matched against the text before the value; the first
# that matches names the reason the value is skipped (see `not_own_value`).
_NOT_OWN_VALUE = tuple((reason, re.compile(pattern, flags)) for reason, pattern, flags in (
    ("spread", r"(?:\+/-|±|\\pm)\s*$", 0),  # "0.81 +/- 0.01 AUROC"
    # "surpassing the state-of-the-art (U-VLM, macro F1 = 0.414)", "outperforming VAR (3.3 FID)
    # and FlexVAR (3.05 FID)", "improving on the EDSR baseline (35.57 dB / 0.024 LPIPS)"; but
    # "outperforming YOLOv8 (+3.1% mAP)" is a difference
    ("compared system in parentheses", (r"(?:surpass|outperform|exceed|beat|than|over|versus|"
                                        r"against|vs\.?|compared (?:to|with)|improv\w* (?:on|upon))"
                                        r"\w*\s"
                                        r"(?:[^();]|\([^()]*\)){0,80}"
                                        r"\(\s*(?:[A-Z0-9][^()]*)?$"), 0),
    # "..., whereas the existing method recorded an F1-score of 0.0747"
    ("clause about others", (r"(?:\b(?:while|whereas|but)\b|;)(?![^;]*\b(?:while|whereas|but)\b)"
                             r"[^;]*\b(?:existing|previous|prior|baselines?|competing|competitors?|"
                             r"humans?|annotators|counterparts?)\b[^;]*$"), re.IGNORECASE),
    # "compared with 71.5% accuracy for accept-all", "(vs 85.6% for cosine)", "(compared to
    # 78.2% and 35.3% pass@1)"; not across a parenthesis, a verb of the paper's own result, or a
    # comma or "and" that goes on to something else ("compared with X, the average 2.9% mIoU")
    ("compared value", (rf"(?:\bcompared (?:to|with)|\bvs\.?|\bversus|\brelative to)"
                        rf"(?![^;]*\b{_OWN_VERB})"
                        rf"(?:(?!(?:,|\band\b)\s+(?!and\b|or\b|\+?\d|$))[^;()]){{0,80}}$"), 0),
    # "outperforming ResNet18 at 90.15% accuracy"
    ("compared value", (r"\b(?:outperform|surpass|beat|exceed)\w*\s+(?:the\s+)?"
                        r"(?:[\w.-]+\s+){1,3}?at\s+$"), 0),
    # "94% ~ 96%", "by 1--3%", "from 1 to 3%" (but "from 48% to 71%" is a change of level)
    ("range end", r"(?<!from\s)(?<![\d.])\d+(?:\.\d+)?\s?\\?%?\s?(?:-{1,2}|–|~|to)\s?$", 0),
    # "R@1 (IoU = 0.3)", "an IoU threshold of 0.5", "surpassing the 80% accuracy threshold"
    ("threshold", r"\bthresholds?\s*(?:of|=|at)?\s*$|\(\s*t?IoU\s*(?:=|>=|≥|>)\s*$", 0),
    # "no method exceeds 80% accuracy", "all classes exceeding 94.46%", "does not reach 50%"
    ("bound", (r"\b(?:exceed|surpass)\w*\s+(?:the\s+|an?\s+)?$"
               r"|\b(?:no|not|never|cannot|fails?\s+to)\s+(?:\w+\s+){0,2}?"
               r"(?:reach|achiev|attain|obtain|exceed|surpass)\w*\s+(?:\w+\s+)?$"),
     re.IGNORECASE),
    # "previous methods ..., which reached only 56.9% accuracy"
    ("compared system's clause", (r"\b(?:previous|prior|existing|baselines?|competing|other)\b"
                                  r"[^;]*,\s*which\s+(?:only\s+)?\w+\s+"
                                  r"(?:only\s+|just\s+|merely\s+)?(?:an?\s+)?$"), re.IGNORECASE),
    # "until the best publicly known model reaches at least 80% accuracy"
    ("condition", r"\b(?:until|unless|once|if)\b[^,;]*$", re.IGNORECASE),
    # "outperformed the previous SOTA accuracy of 96.0%", "the baseline's 71.5%", "human
    # accuracy of 90%"
    ("others' value", (rf"\b(?:previous|prior|existing|baseline|competing|original|teacher|human|"
                       rf"random|chance)(?:(?:'s|s')?\s+"
                       rf"(?:(?!by\b|with\b|of\b|{_OWN_VERB})[\w-]+\s+){{0,2}}?"
                       rf"{_METRIC}\s+(?:scores?\s+)?(?:of|=|:)|'s|s')\s+$"), re.IGNORECASE),
    # "Level 2 accuracy is ...": the number names a level, stage or table
    ("label", (r"\b(?:level|stage|phase|task|type|tier|step|round|version|track|group|class|part|"
               r"table|figure|fig\.|section|setting|scenario|case)\s+$"), re.IGNORECASE),
    # "retaining 95.8% average accuracy", "preserving 100% accuracy": a share of the full model's
    ("share retained", (r"\b(?:retain|recover|preserv)\w*\s+(?:(?:over|about|up to|nearly|"
                        r"approximately|roughly|around|more than|at least)\s+)?$"), 0),
    # "exchange 1.7% accuracy on LAMBADA for ...", "at the cost of 0.5% accuracy"
    ("trade-off", (r"\b(?:exchang\w*|sacrific\w*|trad\w* off|at the (?:cost|expense) of|"
                   r"los[est]\w*)\s+(?:(?:about|up to|only|just|a|an)\s+)?$"), 0),
))
# families, modalities and words that are never the name of a paper's own method
_GENERIC_NAMES = frozenset({"LLM", "LLMs", "VLM", "VLMs", "MLLM", "MLLMs", "AI", "ML", "NLP", "GPU",
                            "GPUs", "CNN", "CNNs", "GNN", "GNNs", "RL", "API", "APIs", "DNN", "DNNs",
                            "SOTA", "fMRI", "MRI", "EEG", "CT", "ECG", "LiDAR", "RGB"})


# the previous item of a list of values: "21.1% recall or ", "35.3% pass@1, "
_LIST_ITEM = re.compile(rf"\d+(?:\.\d+)?\s?(?:\$?\\?%\$?)?(?:\s+{_METRIC})?\s*"
                        rf"(?:,\s*(?:and|or)?|and|or)\s+$")
# "barely reaches a 60% accuracy threshold": matched against the text after the match
_THRESHOLD_AFTER = re.compile(r"\s*(?:[\w-]+\s+)?thresholds?\b")


def not_own_value(before: str, after: str = "") -> str:
    """Why the number between ``before`` and ``after`` (the rest of the sentence after the
    tuple's match) is not a result of the paper's own system (``"compared value"``,
    ``"range end"``, ...), or ``""`` when nothing says so.  An item of a list shares the
    reason of the list's first item ("none surpasses 21.1% recall or 6.1% precision")."""
    if _THRESHOLD_AFTER.match(after):
        return "threshold"
    while True:
        for reason, pattern in _NOT_OWN_VALUE:
            if pattern.search(before):
                return reason
        item = _LIST_ITEM.search(before)
        if not item:
            return ""
        before = before[:item.start()]


def _lead_subject(sentence: str) -> str:
    """The system a sentence opens with ("GPT-2 XL reaches ..."), unless it is a benchmark."""
    lead = _LEAD_NAME.match(sentence)
    name = lead.group(1) if lead else ""
    if re.search(r"(?i)bench|dataset|corpus|-(?:powered|based|driven|guided|enhanced|augmented|"
                 r"style|like|aware)$", name) or not re.search(r"[A-Z0-9]", name[1:]) \
            or re.fullmatch(_METRIC, name):
        return ""  # "MAVEN-Bench exposes ...", "ACP-powered systems", "F1 performed well"
    return name


def _is_change(sentence: str, m: re.Match, pattern_index: int, unit: str) -> bool:
    """Whether the value of match ``m`` is a difference ("+5.4% EM", "improves R@1 by 2.5",
    "a 4.5% accuracy gain", "3 pp") rather than a level."""
    start = m.start("value")
    return (pattern_index in _CHANGE_PATTERNS or unit in ("pp", "points")
            or sentence[max(start - 1, 0):start] == "+"
            or bool(_CHANGE_BEFORE.search(sentence[:start]))
            or bool(_CHANGE_COORDINATED.search(sentence[:start]))
            or bool(_CHANGE_AFTER.match(sentence, m.end()))
            or bool(_CHANGE_AFTER.match(sentence, m.end("value")))
            or bool(_CHANGE_LIST.match(sentence, m.end()))
            or bool(re.match(r"\s+points?\b", sentence[m.end():])))  # "5.2 F1 points"


def _governs_list(sentence: str, start: int) -> bool:
    """A change word before the value that governs the list it opens ("improvements of 7.1% on
    A, 6.5% on B, and 2.3% on C", "by 1.7% and 2.1%")."""
    before = sentence[:start]
    return bool(_CHANGE_BEFORE.search(before) or _CHANGE_COORDINATED.search(before))


def tuples_from_sentence(sentence: str, subject: str = "") -> list[dict]:
    """(subject, metric, dataset, value, unit, kind, comparison) dicts found in one sentence.

    Conservative: a tuple needs a number written as a stand-alone token (never part of a name
    such as "FollowIR-7B", "R@1" or "3D") next to a known metric name, and nothing around it
    saying it is another system's, a bound, a threshold or the end of a range
    (`not_own_value`).  ``kind`` is "change" for a difference and "value" for a level; a
    value the sentence gives to a compared system ("outperforming B, which achieved 89.5%")
    gets that system as subject; a dataset in a list ("on A and B") is left empty, since
    which value goes with which is not written.
    """
    subject = subject or _lead_subject(sentence)
    found, seen = [], set()
    for k, pattern in enumerate(_TUPLE_PATTERNS):
        for m in pattern.finditer(sentence):
            start = m.start("value")
            if not_own_value(sentence[:start], sentence[m.end():]):
                continue
            if k == 0 and re.match(rf",?\s*(?:and\s+)?{_METRIC}", sentence[m.end():]):
                continue  # "99.5%, 99.2% and 99.3% accuracy, precision and F1": pairing unwritten
            g = m.groupdict()
            group = "metric" if g.get("metric") else "metric2"
            metric = g.get(group) or ""
            sub = _SUBSCRIPT.match(sentence, m.end(group)) if metric else None
            metric += (sub.group(1) or sub.group(2)) if sub else ""  # "mAP\textsubscript{50}"
            if not metric or (start, m.group("value")) in seen:
                continue
            seen.add((start, m.group("value")))
            cmp_m = _COMPARISON.match(sentence[m.end():m.end() + 60].lstrip(" ,(")) \
                or _COMPARISON.search(m.group(0))
            unit = g.get("unit") or g.get("spread_unit") or ""
            unit = _UNITS.get(unit.strip("$"), unit.strip("$"))
            dataset = g.get("dataset") or ""
            if dataset.split(" ")[0] in _NOT_DATASETS or _MODEL_FAMILY.match(dataset) \
                    or "respectively" in sentence or _NOT_DATASET_AFTER.match(sentence, m.end()):
                dataset = ""  # "A and B on X and Y(, respectively)" pairs values and datasets
            other = _OTHER_SUBJECT.search(sentence[:m.start()])
            owner = other.group(1) if other else subject
            if not other and subject and re.search(r"\b(?:while|whereas|but)\b|;|\.[A-Z]",
                                                   sentence[sentence.find(subject) + len(subject):start]):
                owner = ""  # "SPENT reduces RMSE, while SANT and MANTa achieve 95% accuracy"
            found.append({
                "subject": owner, "metric": metric, "dataset": dataset,
                "value": m.group("value"), "unit": unit,
                "kind": "change" if _is_change(sentence, m, k, unit) else "value",
                "comparison": cmp_m.group("cmp") if cmp_m else "",
                "_start": start, "_end": m.end(), "_governs": _governs_list(sentence, start)})
    # a change word before a list governs every item of it: "improvements of 7.1% accuracy on
    # A, 6.5% accuracy on B, and 2.3% accuracy on C"
    found.sort(key=lambda t: t["_start"])
    for prev, cur in itertools.pairwise(found):
        between = sentence[prev["_end"]:cur["_start"]]
        if prev["_governs"] and prev["kind"] == "change" and re.search(r",|\band\b", between) \
                and not re.search(rf"[;:]|\b(?:{_OWN_VERB}|with|while|whereas|but)\b", between):
            cur["kind"], cur["_governs"] = "change", True
    return [{k: v for k, v in t.items() if not k.startswith("_")} for t in found]


def extract_tuples(claims: pd.DataFrame) -> pd.DataFrame:
    """Quantitative tuples of a claims table (``claim_id``, ``text``, optional
    ``resolved_subject``).  Columns: ``TUPLE_COLUMNS``; ``value`` is the number exactly as
    written in the claim text."""
    rows = []
    for rec in claims.to_dict("records"):
        subject = str(rec.get("resolved_subject") or "")
        for t in tuples_from_sentence(str(rec["text"]), subject):
            rows.append({"claim_id": rec["claim_id"], **t})
    return pd.DataFrame(rows, columns=TUPLE_COLUMNS)

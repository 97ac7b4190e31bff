"""Features of the claim-sentence detector (``synth.claims.score_claims``).

Transparent cue patterns (``CUES``: findings, comparisons, cause-effect, background, method,
future work, and for CS abstracts quantitative results, "experiments show", "outperforms",
code availability, generic background, method detail, hopes), word n-grams, title overlap,
length, position in the abstract (``feature_matrix``) and the second stage's discourse
context (``context_matrix``).  ``synth.claims_train`` fits the model on them.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.preprocessing import normalize

from synth.text import tokenize

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
    pairs = zip(texts.astype(str), titles.fillna("").astype(str), strict=True)
    for i, (text, title) in enumerate(pairs):
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
        vocabulary=model["vocabulary"],
        ngram_range=(1, 2),
        preprocessor=normalize_for_ngrams,
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
    "z",
    "z_gap_to_max",
    "rank_0",
    "rank_1",
    "rank_2",
    "z_prev",
    "z_next",
    "has_prev",
    "has_next",
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
    frame = pd.DataFrame(
        {
            "p": sentences["paper_id"].astype(str),
            "s": section.astype(str),
            "i": sentences["sentence_index"].to_numpy(),
            "z": np.asarray(z),
        }
    )
    frame = frame.reset_index(drop=True).sort_values(["p", "s", "i"])
    grp = frame.groupby(["p", "s"], sort=False)["z"]
    rank = grp.rank(ascending=False, method="first") - 1
    prev, nxt, mean = grp.shift(1), grp.shift(-1), grp.transform("mean")
    cols = [
        frame["z"],
        frame["z"] - grp.transform("max"),
        rank == 0,
        rank == 1,
        rank == 2,
        prev.fillna(mean),
        nxt.fillna(mean),
    ]
    if use_position:
        cols += [prev.notna(), nxt.notna()]
    out = np.column_stack(cols).astype(float)
    return out[np.argsort(frame.index.to_numpy())]

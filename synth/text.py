"""Text utilities shared by the stages: tokens for ranking and matching, and sentences.

``tokenize`` lower-cases, splits on anything that is not a letter or digit, drops English
stop words and stems with the Snowball stemmer (PyStemmer), so that "retrieval" and
"retrieve" meet.  Hyphenated names are kept as parts *and* joined ("MSR-VTT" -> "msr",
"vtt", "msrvtt"), so a query spelled "MSRVTT" still matches.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer
from nupunkt import sent_spans
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

STOP_WORDS: frozenset[str] = frozenset(ENGLISH_STOP_WORDS) | frozenset(
    """
    et al using use used based via paper study results show shows shown propose proposed
    approach method methods
    """.split()
)

# C0 controls but tab and line ends, DEL, C1 controls, bidirectional overrides and isolates
CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_PART = re.compile(r"[a-z0-9]+")
_COMPOUND = re.compile(r"\b[a-z0-9]+(?:[-_][a-z0-9]+)+")


def strip_controls(text: str) -> str:
    """``text`` without control characters (NUL, ESC, BEL, DEL, C1 controls, bidirectional
    overrides); tabs and line ends are kept. Applied where untrusted text comes in."""
    return CONTROL.sub("", text)


@lru_cache(maxsize=1)
def stemmer() -> Stemmer.Stemmer:
    """The English Snowball stemmer (one shared instance)."""
    return Stemmer.Stemmer("english")


def raw_tokens(text: str) -> list[str]:
    """Lower-cased word parts, then hyphenated compounds joined; no stop word removal."""
    low = text.lower()
    compounds = [c.replace("-", "").replace("_", "") for c in _COMPOUND.findall(low)]
    return _PART.findall(low) + compounds


def tokenize(text: str, stem: bool = True) -> list[str]:
    """Index terms of ``text``: raw tokens minus stop words and 1-letter tokens, stemmed."""
    words = [w for w in raw_tokens(text) if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    return stemmer().stemWords(words) if stem else words


# --- sentences ---------------------------------------------------------------------------------
# nupunkt (MIT, model bundled) does the heavy lifting; the rules below repair the few places
# where it cuts scientific text: abbreviations that never end a sentence ("cf.", "Tab.",
# "w.r.t."), list markers left dangling ("1." / "(2)"), and unbalanced brackets or "$" math.

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*|\n(?=[ \t]*[•▪●◦‣*-][ \t])")
_SPACE = re.compile(r"\s+")
_NON_FINAL_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|cf|vs|viz|fig|figs|eq|eqs|sec|sect|secs|tab|tbl|approx|w\.r\.t|al"
    r"|ca|incl|esp|resp|cp|def|thm|lem|prop|alg|appx|suppl)"
    r"|\b(?:No|Nos|Dr|Prof|Mr|Mrs|Ms|Ref|Refs|Vol|pp|Ch|App|Ex|Corr|Obs|Eqn|Eqns|Sup))\.$",
    re.IGNORECASE,
)
_CASED_ABBREV = re.compile(r"(?:\b[A-Za-z]\.){2,}$|\betc\.$")
_ENUM_ONLY = re.compile(r"^(?:\(?\d{1,2}[.)]|\(?[a-zA-Z][.)]|\(?[ivx]{1,4}[.)])$")
_FINAL_CHARS = frozenset(".!?\"')]”’")
_TRAILING_ENUM = re.compile(r"(?<=[.:;!?])\s+(\(?\d{1,2}[.)])$")


def _unbalanced(text: str) -> bool:
    return (
        text.count("(") > text.count(")")
        or text.count("[") > text.count("]")
        or text.count("$") % 2 == 1
    )


def _joins_next(prev: str, nxt: str) -> bool:
    """True when the cut between ``prev`` and ``nxt`` is not a real sentence boundary."""
    if _NON_FINAL_ABBREV.search(prev) or _ENUM_ONLY.match(prev):
        return True
    if nxt[:1].islower() and _CASED_ABBREV.search(prev):
        return True
    if nxt[:1] in ",;:)]" or prev[-1:] not in _FINAL_CHARS:
        return True
    return _unbalanced(prev) and (nxt.count(")") > nxt.count("(") or nxt.count("$") % 2 == 1)


def _repair(pieces: list[str]) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        if out:
            trailing = _TRAILING_ENUM.search(out[-1])
            if trailing and not _NON_FINAL_ABBREV.search(out[-1][: trailing.start()]):
                # "... we show Y. 3." + "We release Z." -> "3." moves to the next sentence
                out[-1] = out[-1][: trailing.start()]
                piece = f"{trailing.group(1)} {piece}"
            if _joins_next(out[-1], piece):
                out[-1] = f"{out[-1]} {piece}"
                continue
        out.append(piece)
    return out


def _split_paragraph(paragraph: str) -> list[str]:
    flat = _SPACE.sub(" ", paragraph).strip()
    if not flat:
        return []
    pieces = [flat[a:b].strip() for a, b in sent_spans(flat)]
    return _repair([p for p in pieces if p])


def split_sentences(text: str) -> list[str]:
    """Whole sentences of ``text``: whitespace collapsed, never cut inside a sentence.

    Hard line wraps are joined; blank lines and bulleted lines ("- ", "• ") start a new
    sentence.  Abbreviations (e.g., i.e., et al., Fig., Eq., vs.), decimals, citations,
    arXiv ids, URLs and ``$...$`` math stay inside their sentence.  Joining the output with
    spaces gives back the input modulo whitespace.  ``""`` gives ``[]``.
    """
    if not text or not text.strip():
        return []
    out: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(text):
        out.extend(_split_paragraph(paragraph))
    return out

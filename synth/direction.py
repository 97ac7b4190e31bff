"""Which way a finding points: does a sentence assert that something goes up (improves,
outperforms, helps), down (degrades, hurts, reduces), or that it makes no difference (no
significant gain, on par, negligible), once negation is read? Comparing the direction of a
hypothesis with that of a paper's finding sentence gives the paper's stance toward it: the
same direction supports it, the opposite direction or "no difference" contradicts it.

Words are read in their clause: "While A improves X, B degrades Y" asserts the main clause
(B degrades Y); "without hurting accuracy" asserts nothing about accuracy going down."""

from __future__ import annotations

import re
from dataclasses import dataclass

from synth.question import COMPARATOR

# direction words (lower case, matched as word prefixes where they end in "*")
UP_WORDS = (
    "improv* enhanc* boost* increas* rais* gain gains benefit* help helps helped helping "
    "outperform* beat beats surpass* exceed* better superior stronger higher effective "
    "effectively succeed* success successful* advantage* strengthen* accelerat* faster "
    "robust* promot* facilitat* amplif* elevat* superior* generaliz* generalis*"
)
DOWN_WORDS = (
    "degrad* hurt* harm* reduc* lower lowers lowered lowering decreas* declin* drop* worse "
    "worsen* underperform* inferior weaker weaken* fail fails failed failure* diminish* "
    "impair* ineffective detrimental compromis* suffer* shorten* collaps* deteriorat* "
    "undermin* hinder* slower less lose loses losing sacrific* penaliz* cut cuts cutting halv*"
)
# "no difference" findings: contradict a hypothesis of an effect in either direction
NULL_PHRASES = re.compile(
    r"\b(?:on par|comparabl[ey]|similar to|(?:very )?close (?:\w+ )?to|negligibl[ey]|"
    r"insignificant(?:ly)?|"
    r"no (?:\w+ ){0,2}(?:significant|clear|consistent|meaningful|measurable|notable|"
    r"substantial|reliable)|not (?:\w+ )?(?:significant(?:ly)?|competitive|necessarily)|"
    r"no (?:\w+ )?(?:difference|effect|evidence|benefit|gain|improvement)s?|"
    r"marginal(?:ly)?|statistically (?:in|non-?)significant|indistinguishable|"
    r"no better than|as (?:good|well|effective) as)\b",
    re.IGNORECASE,
)
NEGATORS = frozenset(
    "not no never cannot unable neither nor without n't doesn don didn isn aren wasn weren "
    "hasn haven won couldn wouldn lack lacks lacking".split()
)
WINDOW = 4  # a negator this many words before a direction word negates it
# "minimal degradation", "a slight drop": a down word played down is no change at all
MINIMISED_DOWN = re.compile(
    r"\b(?:minimal|minor|negligible|slight|small|little|marginal|modest)\s+(?:\w+\s+)?"
    r"(?:degrad\w*|drops?|loss(?:es)?|declines?|decreases?|reductions?|costs?)\b",
    re.IGNORECASE,
)
# quantities where down is better: "reduces the error", "lower latency", "perplexity drops"
COSTS = frozenset(
    "error errors loss losses latency cost costs overhead perplexity hallucination "
    "hallucinations variance runtime footprint wer cer fid mse mae rmse".split()
)
COST_WINDOW = 4  # a cost noun this many words after a direction word reverses it
_BREAK = frozenset(", ; : ( ) but whereas while although though however that which".split())
# clause boundaries: the clause after a leading "While/Although ..., " is the main one
_SUBORDINATE = re.compile(
    r"^(?:[\w\s,-]*?\b)?(?:while|whereas|although|though|even though|despite)\b[^,;]*,\s*",
    re.IGNORECASE,
)
_CLAUSE_SPLIT = re.compile(
    r";\s*|,?\s+\b(?:but|whereas|however|yet|while)\b,?\s+|:\s+", re.IGNORECASE
)
_ELABORATION = re.compile(
    r",\s+(?:exposing|highlighting|showing|suggesting|indicating|demonstrating|revealing|"
    r"underscoring|emphasi[sz]ing|confirming|which)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z0-9]+(?:'t)?|[,;:()]")


def _lexicon(words: str) -> tuple[frozenset[str], tuple[str, ...]]:
    exact = frozenset(w for w in words.split() if not w.endswith("*"))
    prefixes = tuple(w[:-1] for w in words.split() if w.endswith("*"))
    return exact, prefixes


_UP, _DOWN = _lexicon(UP_WORDS), _lexicon(DOWN_WORDS)


def _sign(word: str) -> int:
    for sign, (exact, prefixes) in ((1, _UP), (-1, _DOWN)):
        if word in exact or word.startswith(prefixes):
            return sign
    return 0


@dataclass(frozen=True)
class Direction:
    """``sign``: +1 up, -1 down, 0 no direction word; ``null``: a "no difference" finding;
    ``negated``: a negator outside any direction word's scope (a bare "X does not Y")."""

    sign: int
    null: bool
    negated: bool


def _negated_at(tokens: list[str], i: int) -> bool:
    for j in range(i - 1, max(i - 1 - WINDOW, -1), -1):
        if tokens[j] in _BREAK:
            return False
        if tokens[j] == "without":  # "without hurting": only the word right after it
            return j >= i - 2
        if tokens[j] in NEGATORS or tokens[j].endswith("n't"):
            return True
        if tokens[j] == "to" and j and tokens[j - 1] in ("fail", "fails", "failed", "failing"):
            return True
    return False


def _on_cost(tokens: list[str], i: int) -> bool:
    """Is the direction word at ``i`` about a cost ("reduces the error", "latency drops")?"""
    for rng in (
        range(i + 1, min(i + 1 + COST_WINDOW, len(tokens))),
        range(i - 1, max(i - 3, -1), -1),  # a cost just before: "error rate drops"
    ):
        for j in rng:
            if tokens[j] in _BREAK:
                break
            if tokens[j] in COSTS:
                return True
    return False


def direction(text: str) -> Direction:
    """The direction ``text`` asserts: the sum of its direction words, each flipped when a
    negator stands within ``WINDOW`` words before it in its clause ("does not improve": down;
    "fails to generalise": down); "without" before a down word cancels it ("without hurting
    accuracy"); "fail(s) to" negates the verb after it and is not itself a direction."""
    text = MINIMISED_DOWN.sub(" ", text)
    tokens = _WORD.findall(text.lower())
    total, used_negator = 0, set()
    for i, word in enumerate(tokens):
        sign = _sign(word)
        if word.startswith("fail") and i + 1 < len(tokens) and tokens[i + 1] == "to":
            continue  # "fails to X": the negation of X, not a direction of its own
        if not sign:
            continue
        if _on_cost(tokens, i):
            sign = -sign
        negated = _negated_at(tokens, i)
        if negated:
            used_negator.update(range(max(i - WINDOW, 0), i))
            before = tokens[max(i - WINDOW, 0) : i]
            if sign < 0 and "without" in before:
                continue
            sign = -sign
        total += sign
    bare = any(
        (t in NEGATORS or t.endswith("n't")) and i not in used_negator and t != "without"
        for i, t in enumerate(tokens)
    )
    return Direction(int(total > 0) - int(total < 0), bool(NULL_PHRASES.search(text)), bare)


def main_clause(sentence: str, hypothesis_words: set[str], tokenize) -> str:
    """The clause of ``sentence`` that states its finding about the hypothesis: a leading
    "While/Although ..., " clause is dropped; of the clauses left (split at ";", ":", "but",
    "whereas", "however", "yet"), the one sharing most words with the hypothesis (the later
    on a tie: the contrast is the finding), less a trailing elaboration (", showing that
    ..."). ``tokenize``: the stemmer the hypothesis words were made with."""
    text = _SUBORDINATE.sub("", sentence, count=1)
    parts = [_ELABORATION.split(p, maxsplit=1)[0] for p in _CLAUSE_SPLIT.split(text) if p.strip()]
    if len(parts) < 2:
        return parts[0] if parts else text
    shared = [len(hypothesis_words & set(tokenize(p))) for p in parts]
    return parts[len(shared) - 1 - shared[::-1].index(max(shared))]


def names_comparator_first(hypothesis: str, clause: str, tokenize) -> bool:
    """Does the clause make the hypothesis's comparator its subject ("modular pipelines
    remain more robust" for "LLM systems are more robust than modular pipelines")? The
    words before its first direction word share more with the comparator's own words (after
    "than", "compared with", "over", "outperforms" ...) than with those of the hypothesis
    before it (words both use do not count)."""
    found = COMPARATOR.search(hypothesis)
    words = _WORD.findall(clause.lower())
    first = next((i for i, w in enumerate(words) if _sign(w)), None)
    if not found or first is None:
        return False
    comparator = set(tokenize(found.group("comparator")))
    subject = set(tokenize(hypothesis[: found.start()]))
    comparator, subject = comparator - subject, subject - comparator  # the words apart
    before = set(tokenize(" ".join(words[:first])))
    return len(before & comparator) > len(before & subject)


def agrees(hypothesis: Direction, finding: Direction) -> bool:
    """Does a finding with direction ``finding`` support a hypothesis with ``hypothesis``?
    A "no difference" finding supports only a "no difference" hypothesis; otherwise the
    signs must agree, a sentence without direction words counting +1 unless negated."""
    if hypothesis.null:  # "A is as good as B": a finding that A is better also holds
        return finding.null or finding.sign >= 0
    if finding.null:
        return False
    h = hypothesis.sign or (-1 if hypothesis.negated else 1)
    f = finding.sign or (-1 if finding.negated else 1)
    return h == f

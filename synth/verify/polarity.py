"""Predicate polarity and the cue lexicons of the claim verifier.

``predicate_alignment`` aligns a claim's main predicate ("improves", "outperforms", "is
associated with") with the same stem, a synonym or an antonym in an evidence sentence and
compares their polarity (negation scope, opposite direction, swapped comparison arguments);
``polarity_table`` turns that into ``POLARITY_FEATURES``.  ``counter_claim`` reverses a
claim's main assertion.  The cue lexicons (``NEG``, ``UP``, ``DOWN``, ``NULL``, ``HEDGE``:
space-separated words) are public: ``synth.verify.features`` builds its cue features on them.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from synth.text import STOP_WORDS, stemmer

NEG = (
    "not no never without lack lacks lacking fail fails failed absence absent neither nor "
    "cannot unable none non unaffected unrelated doesn didn isn aren wasn weren don nothing"
)
UP = (
    "increase increases increased increasing higher elevate elevated elevation enhance "
    "enhances enhanced improve improves improved improvement promote promotes promoted "
    "stimulate stimulates activate activates activation induce induces induced upregulate "
    "upregulated upregulation raise raises raised greater augment augments accelerate accelerates "
    "boost boosts potentiates gain gains rise rises positively longer beneficial benefits "
    "sufficient necessary essential protect protects protective facilitate facilitates "
    "promoting enhancing improving inducing stimulated stimulating activated exacerbate "
    "exacerbates exacerbated"
)
DOWN = (
    "decrease decreases decreased decreasing reduce reduces reduced reduction lower "
    "inhibit inhibits inhibited inhibition suppress suppresses suppressed impair impairs "
    "impaired attenuate attenuates attenuated diminish diminishes diminished decline declines "
    "downregulate downregulated downregulation block blocks blocked prevent prevents fewer "
    "reducing inhibiting suppressing impairing preventing blocking lowered lowering "
    "loss lose slow slows abolish abolished repress represses deplete depleted negative "
    "negatively down shorter worse degrade degrades degraded impede impedes hinder hinders "
    "worsen worsens aggravate harm harmful detrimental ineffective insufficient dispensable "
    "unnecessary disrupt disrupts abrogate abrogates"
)
NULL = (
    "similar comparable unchanged unaffected equivalent independent insignificant "
    "nonsignificant neutral indistinguishable irrespective regardless"
)
HEDGE = (
    "may might could suggest suggests suggested possibly possible potential potentially "
    "likely appear appears seem seems perhaps unclear whether hypothesis hypothesize"
)

POLARITY_FEATURES = (
    "pred_aligned",
    "same_pred_same_polarity",
    "same_pred_negation_flip",
    "antonym_pred",
    "arg_swap",
    "pol_flip",
    "pol_flip_cov",
    "pol_same_cov",
)


# ----------------------------------------------------------------------------- predicate polarity
# The claim's main predicate (a direction or effect word: "improves", "reduces", "outperforms",
# "is associated with") is aligned with the same stem or an antonym in an evidence sentence,
# and the polarity of both is compared: negation scope (a negator a few tokens before the
# predicate), opposite direction, and, for comparisons, swapped arguments ("A outperforms B"
# vs "B outperforms A" / "A is outperformed by B").
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_PRED_UP_EXTRA = (
    "better superior outperform outperforms outperformed outperforming exceed exceeds exceeded "
    "surpass surpasses surpassed beat beats benefit"
)
_PRED_DOWN_EXTRA = (
    "worse inferior underperform underperforms underperformed hurt hurts degrades degrading "
    "decline reduction decrease"
)
_PRED_NEUTRAL = (
    "affect affects affected associated association associates correlate correlates correlated "
    "correlation cause causes caused predict predicts predicted influence influences alter "
    "alters altered change changes contribute contributes mediate mediates regulate regulates "
    "linked related require requires required effect effects impact impacts lead leads depend "
    "depends modulate modulates"
)
_PRED_SKIP = _words("down negative positively negatively loss lose gain gains longer shorter")
_COMPARATIVE = _words("outperform underperform superior inferior exceed surpass beat better wors")
_NEGATORS = _words(
    "not no never without neither nor cannot unable none lack lacks lacking absence fail fails "
    "failed failing t doesn didn isn aren wasn weren don hasn haven hadn won couldn wouldn"
)
_SCOPE_BREAK = _words(". , ; : ( ) but whereas while although though however that which than")
_AUX = _words(
    "is are was were be been being does do did not to can may might will could would should "
    "t significantly also further consistently"
)
_ARG_STOP = _words(". , ; : ( ) on in at for across under when while during with using")
_POLARITY_WINDOW = 4


@lru_cache(maxsize=1)
def _predicates() -> dict[str, int]:
    """Predicate stem -> direction (+1 up, -1 down, 0 effect without direction)."""
    stem, out = stemmer().stemWord, {}
    for words, sign in (
        (_PRED_NEUTRAL, 0),
        (f"{UP} {_PRED_UP_EXTRA}", 1),
        (f"{DOWN} {_PRED_DOWN_EXTRA}", -1),
    ):
        out.update({stem(w): sign for w in words.split() if w not in _PRED_SKIP})
    return out


@lru_cache(maxsize=65536)
def _parse(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Ordered lower-case tokens (words and clause punctuation) and their stems."""
    toks = tuple(re.findall(r"[a-z0-9]+|[.,;:()]", text.lower()))
    return toks, tuple(stemmer().stemWords(list(toks)))


def _negated(toks: tuple[str, ...], i: int) -> bool:
    """A negator within ``_POLARITY_WINDOW`` tokens before token i, inside its clause."""
    for j in range(i - 1, max(i - 1 - _POLARITY_WINDOW, -1), -1):
        t = toks[j]
        if t in _SCOPE_BREAK:
            return False
        if t in _NEGATORS and not (t == "not" and j + 1 < len(toks) and toks[j + 1] == "only"):
            return True
    return False


def _args(toks, stems, i: int) -> tuple[set[str], set[str]]:
    """Content stems left (clause start .. i) and right (i .. first preposition) of token i;
    swapped for a passive comparison ("A is outperformed by B")."""

    def content(j: int) -> bool:
        return toks[j] not in STOP_WORDS and len(toks[j]) > 1 and toks[j].isalnum()

    left: set[str] = set()
    for j in range(i - 1, -1, -1):
        if toks[j] in _SCOPE_BREAK and toks[j] != "than":
            break
        if content(j) and stems[j] not in _predicates():
            left.add(stems[j])
    passive = toks[i].endswith("ed") and i + 1 < len(toks) and toks[i + 1] == "by"
    right: set[str] = set()
    for j in range(i + 1 + passive, len(toks)):
        if toks[j] in _ARG_STOP or (toks[j] in _SCOPE_BREAK and toks[j] != "than"):
            break
        if content(j) and stems[j] not in _predicates():
            right.add(stems[j])
    return (right, left) if passive else (left, right)


def _claim_predicates(text: str) -> list[int]:
    """Positions of the claim's candidate main predicates: its verb-like predicate words
    (3rd person "-s" form, or after an auxiliary/negator), else all its predicate words."""
    toks, stems = _parse(text)
    preds = _predicates()
    found = [i for i, s in enumerate(stems) if s in preds]
    verbal = [
        i
        for i in found
        if (toks[i].endswith("s") and not toks[i].endswith("ss"))
        or (i > 0 and toks[i - 1] in _AUX | _NEGATORS)
    ]
    return verbal[:1] or found


def _context(toks, stems, i: int, width: int = 2) -> set[str]:
    """Up to ``width`` content stems on each side of token i (predicate words skipped)."""
    preds, out = _predicates(), set()
    for rng in (range(i - 1, -1, -1), range(i + 1, len(toks))):
        n = 0
        for j in rng:
            if n == width or toks[j] in _SCOPE_BREAK:
                break
            if toks[j] not in STOP_WORDS and len(toks[j]) > 1 and stems[j] not in preds:
                out.add(stems[j])
                n += 1
    return out


def _align(ctoks, cstems, i: int, stoks, sstems) -> tuple[int, list[float], int] | None:
    """Best evidence match of claim predicate i: (context score, features, position)."""
    preds = _predicates()
    pred, direction = cstems[i], preds[cstems[i]]
    c_neg = _negated(ctoks, i)
    ctx = _context(ctoks, cstems, i)
    best = None
    for j, s in enumerate(sstems):
        if s not in preds:
            continue
        neg = _negated(stoks, j)
        if s == pred or (direction and preds[s] == direction):  # same predicate / synonym
            feats, rank = [1.0, float(neg == c_neg), float(neg != c_neg), 0.0, 0.0], 2
        elif direction and preds[s] == -direction:  # antonym; "does not reduce" is no flip
            feats, rank = [1.0, 0.0, 0.0, float(neg == c_neg), 0.0], 1
        elif preds[s] == 0 and neg and not c_neg:  # "X improves Y" vs "X has no effect on Y"
            feats, rank = [1.0, 0.0, 1.0, 0.0, 0.0], 0
        else:
            continue
        key = (len(ctx & _context(stoks, sstems, j)), rank)
        if best is None or key > best[0]:
            best = (key, feats, j)
    return None if best is None else (best[0][0], best[1], best[2])


def predicate_alignment(claim: str, sentence: str) -> tuple[float, float, float, float, float]:
    """(aligned, same_pred_same_polarity, same_pred_negation_flip, antonym_pred, arg_swap).

    The claim's main predicate (``_claim_predicates``; among several, the one whose match
    shares most context words) is matched in the sentence by stem, same-direction synonym,
    antonym, or a negated effect word ("no effect", "not associated").  aligned: a match
    exists.  same_pred_*: same predicate, negation equal / flipped.  antonym_pred: an
    opposite-direction word whose polarity (after negation) opposes the claim's.  arg_swap:
    a comparison ("outperforms", "better than") whose arguments are exchanged.
    """
    ctoks, cstems = _parse(claim)
    stoks, sstems = _parse(sentence)
    found = [
        (m, i) for i in _claim_predicates(claim) if (m := _align(ctoks, cstems, i, stoks, sstems))
    ]
    if not found:
        return (0.0, 0.0, 0.0, 0.0, 0.0)
    (_, out, j), i = max(found, key=lambda f: f[0][0])
    out = list(out)
    if cstems[i] in _COMPARATIVE or "than" in ctoks[i + 1 : i + 4]:
        cl, cr = _args(ctoks, cstems, i)
        el, er = _args(stoks, sstems, j)
        cross, straight = len(cl & er) + len(cr & el), len(cl & el) + len(cr & er)
        out[4] = float(cross > straight and bool(cl & er) and bool(cr & el))
    return tuple(out)  # type: ignore[return-value]


def polarity_table(claims: list[str], docs: pd.DataFrame, sel: pd.DataFrame) -> pd.DataFrame:
    """POLARITY_FEATURES per row of ``sel`` (claim_row, doc_row, sentence_index, s_cover).

    Features of one sentence; ``pol_flip`` = the aligned predicate's polarity is reversed
    (negation flip, antonym, or swapped comparison arguments - an odd number of them).
    """
    rows = [
        predicate_alignment(claims[c], docs["sentences"].iloc[d][s])
        for c, d, s in zip(sel["claim_row"], sel["doc_row"], sel["sentence_index"], strict=True)
    ]
    out = pd.DataFrame(rows, columns=list(POLARITY_FEATURES[:5]), index=sel.index, dtype=float)
    if out.empty:
        return out.assign(pol_flip=0.0, pol_flip_cov=0.0, pol_same_cov=0.0)
    odd = (out["same_pred_negation_flip"] + out["antonym_pred"] + out["arg_swap"]) % 2
    out["pol_flip"] = odd * out["pred_aligned"]
    cover = sel["s_cover"].to_numpy(float)
    out["pol_flip_cov"] = out["pol_flip"] * cover
    out["pol_same_cov"] = out["pred_aligned"] * (1 - out["pol_flip"]) * cover
    return out


# ----------------------------------------------------------------------------- counter-claims
# A claim's counter-claim reverses its main assertion with the smallest edit: drop its
# negation ("does not affect" -> "does affect"), else swap its first direction word for the
# antonym ("increases" -> "decreases"), else negate its first auxiliary ("is" -> "is not").
_ANTONYM_PAIRS = (
    "increase:decrease increases:decreases increased:decreased increasing:decreasing "
    "higher:lower high:low greater:smaller more:less larger:smaller improve:worsen "
    "improves:worsens improved:worsened improving:worsening better:worse enhance:reduce "
    "enhances:reduces enhanced:reduced promote:inhibit promotes:inhibits promoted:inhibited "
    "activate:inhibit activates:inhibits activated:inhibited induce:suppress induces:suppresses "
    "induced:suppressed stimulates:inhibits positive:negative positively:negatively "
    "upregulates:downregulates upregulated:downregulated upregulation:downregulation "
    "elevated:reduced raises:lowers raised:lowered protective:harmful beneficial:detrimental "
    "necessary:dispensable essential:dispensable effective:ineffective sufficient:insufficient "
    "accelerates:slows facilitates:impedes exacerbates:attenuates outperforms:underperforms "
    "superior:inferior gain:loss gains:losses longer:shorter rise:fall rises:falls "
    "efficient:inefficient"
)
_ANTONYMS = {a: b for pair in _ANTONYM_PAIRS.split() for a, b in [pair.split(":")]}
_ANTONYMS.update({b: a for a, b in list(_ANTONYMS.items()) if b not in _ANTONYMS})
_DROP_NEGATION = re.compile(
    r"\b(?:(?P<aux>does|do|did|is|are|was|were|has|have|had|can|could|will|would|may|might"
    r"|should)(?:\s+not|n't)|(?P<bare>not|never)\s|(?P<no>no)\s|(?P<cannot>cannot)"
    r"|(?P<without>without))\b",
    re.IGNORECASE,
)
_FIRST_AUX = re.compile(
    r"\b(?:is|are|was|were|can|could|may|might|will|would|should)\b", re.IGNORECASE
)


def _match_case(word: str, like: str) -> str:
    return word.capitalize() if like[:1].isupper() else word


def counter_claim(claim: str) -> str:
    """The claim with its main assertion reversed by the smallest edit (see above)."""
    neg = _DROP_NEGATION.search(claim)
    if neg:
        g = neg.groupdict()
        keep = g["aux"] or ("can" if g["cannot"] else "with" if g["without"] else "")
        head, rest = claim[: neg.start()], claim[neg.end() :]
        if keep:
            return re.sub(r"\s{2,}", " ", f"{head}{_match_case(keep.lower(), neg.group(0))}{rest}")
        out = re.sub(r"\s{2,}", " ", f"{head}{rest}").strip()
        return out[:1].upper() + out[1:] if not head.strip() else out
    for m in re.finditer(r"[A-Za-z]+", claim):
        swap = _ANTONYMS.get(m.group(0).lower())
        if swap:
            return f"{claim[: m.start()]}{_match_case(swap, m.group(0))}{claim[m.end() :]}"
    aux = _FIRST_AUX.search(claim)
    if aux:
        return f"{claim[: aux.end()]} not{claim[aux.end() :]}"
    return f"It is not the case that {claim[:1].lower()}{claim[1:]}"

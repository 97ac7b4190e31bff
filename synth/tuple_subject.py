"""Whose result a tuple is: the sentence's own system (``sentence_subject``), else the paper's
method name (``paper_method_name``), the default subject of its tuples (``synth.tuples``).

``find_method_name`` (``synth.claims``) reads a "Name: ..." title and the first name after a
verb of proposing anywhere in the abstract, which also takes "the patient later developed
PDAC".  Here a name must be given explicitly ("a system named ePAI", "termed X"), or follow a
proposing verb whose subject is the paper ("we develop X", "this paper introduces X"), where
an acronym in parentheses wins over the words it abbreviates ("Prompt-driven Group Activity
Detection (ProGraD)").  With no name at all, a paper that proposes a method of its own is
named by its title's head ("Frequency-Guided Fusion For RGB-Thermal ..." -> "Frequency-Guided
Fusion"), as a reader would call it.
"""

from __future__ import annotations

import re

from synth.claims import GENERIC_NAMES, NAME, find_method_name
from synth.tuple_lexicon import _OWN_VERB, METRIC_WORDS

_NAMED = re.compile(rf"\b(?:named|called|dubbed|termed|coined)\s+(?:it\s+|as\s+)?({NAME})\b")
_PROPOSER = (
    r"\b(?:[Ww]e|(?:[Tt]his|[Oo]ur)\s+(?:paper|work|study|article|letter))\s+(?:\w+ly\s+)?"
    r"(?:propose|introduce|present|develop|design|build|devise|construct)(?:e?[sd])?\b"
)
# "we introduce Prompt-driven Group Activity Detection (ProGraD)"
_PROPOSED_ACRONYM = re.compile(rf"{_PROPOSER}[^.;]{{0,120}}?\(\s*({NAME})\s*[,;)]")
# "we develop UAV-DETR, a ...": the first name after the verb, not after a preposition
_PROPOSED = re.compile(rf"{_PROPOSER}\s+(?:(?:a|an|the)\s+)?(?:[\w-]+\s+){{0,3}}?({NAME})\b")
_OWN_METHOD = re.compile(
    rf"{_PROPOSER}|\b(?:[Oo]ur|[Tt]he proposed)\s+(?:\w+\s+)?(?:method|approach|framework|"
    r"model|system|pipeline|architecture|algorithm|strategy|technique|network)\b"
)
# the title's head: the words before its first preposition or colon ("Brightness Perceiving
# for ...", "A multitask transformer to sign language ...")
_TITLE_HEAD = re.compile(
    r"^(?:An?\s+|The\s+)?(?P<head>[A-Za-z][\w'-]*(?:\s+[A-Za-z0-9][\w'-]*){1,5}?)"
    r"\s+(?i:for|to|via|with|using|through|in|on|from|towards?|under|across|against|by)\b"
)


# a title opening with a short phrase before its colon: "Fail Fast, or Ask: ...", "Thaka at
# KSAA-2026 Task 2: ..."; not "Towards ...:", "When Multiple Scripts Matter: ..."
_TITLE_PHRASE = re.compile(r"^\s*(?P<name>[A-Z][\w'-]*(?:,?\s+[\w'-]+){1,4})\s*:")
_NOT_TITLE_PHRASE = re.compile(
    r"(?:Towards?|Understanding|Benchmarking|Rethinking|Revisiting|Beyond|When|What|How|Why|"
    r"Can|Do|Does|Is|Are|The|A|An|On|To|From|Position|Survey|Review of|\w+ing)\b"
)


def _is_name(name: str) -> bool:
    return name not in GENERIC_NAMES and not re.fullmatch(
        r"[A-Z][a-z]+-[A-Za-z][a-z]+|[A-Z][A-Za-z]*[A-Z]s|[A-Z][a-z]+", name
    )  # not "Prompt-driven", "ViTs", "Transformer"


def proposed_name(sentences: list[str]) -> str:
    """The name the abstract gives its method explicitly, or ``""``."""
    for pattern in (_NAMED, _PROPOSED_ACRONYM, _PROPOSED):
        for sentence in sentences:
            for m in pattern.finditer(sentence):
                if _is_name(m.group(1)):
                    return m.group(1)
    return ""


def title_phrase(title: str) -> str:
    """The short phrase a title opens with before its colon, or ``""``."""
    m = _TITLE_PHRASE.match(title)
    return "" if not m or _NOT_TITLE_PHRASE.match(m.group("name")) else m.group("name")


def title_head(title: str, sentences: list[str]) -> str:
    """The head of the title when the abstract proposes a method of its own but names none;
    ``""`` for a title that opens with a verb ("Unlocking ...", "Classifying ...")."""
    if not any(_OWN_METHOD.search(s) for s in sentences):
        return ""
    m = _TITLE_HEAD.match(title.strip())
    head = m.group("head") if m else ""
    if not head or re.match(r"\w+ing\b|(?:How|What|When|Why|Can|Do|Does|Is|Are)\b", head):
        return ""
    return head


# one token before a title's colon that ``NAME`` does not read: "mmGAT:", "Li-ViP3D++:",
# "Mem-$π$:"; not a plain word ("Towards:") nor a family ("LLMs:")
_TITLE_TOKEN = re.compile(r"^\s*([^\s:]{2,30})\s*:")
# a title whose words before the colon make a claim, not a name: "Knowledge Access Beats Model
# Size: Memory Augmented Routing for ...", "Images Increase ...: ..."
_TITLE_CLAIM = re.compile(
    r"(?i)^\s*[^:]{0,60}?\b(?:is|are|beats?|matters?|helps?|enables?|meets?|needs?|makes?|hurts?|"
    r"wins?|fails?|improves?|increases?|reduces?|outperforms?)\b[^:]{0,60}:\s*"
)


def title_token(title: str) -> str:
    """A one-token name before the title's colon that the name pattern misses, or ``""``."""
    m = _TITLE_TOKEN.match(title)
    token = m.group(1) if m else ""
    plain = re.fullmatch(r"[A-Z]?[a-z]+|[A-Z][A-Za-z]*[A-Z]s", token)
    return "" if not token or plain or token in GENERIC_NAMES else token


def paper_method_name(title: str, sentences: list[str]) -> str:
    """The paper's method: a one-token "Name: ..." title, else a name the abstract gives its
    method, else a title of one to three capitalised words before its colon, else the phrase
    before the title's colon, else the title's head (``title_head``; after the colon when
    the words before it make a claim), else ``""``."""
    titled = find_method_name(title, []) or title_token(title)
    claim = _TITLE_CLAIM.match(title)
    return (
        (titled if " " not in titled else "")
        or proposed_name(sentences)
        or titled
        or ("" if claim else title_phrase(title))
        or title_head(title[claim.end() :] if claim else title, sentences)
    )


# the marker of an enumeration item: "(1)", "(iii)", "2)"
_ITEM_MARK = r"\(?(?:\d|[ivx]{1,4})\)"
# "SINA achieves", "TrajViT outperforms ViT3D": the sentence's own system before the value
_OWN_NAME = re.compile(
    rf"(?:({NAME})|(?!{_ITEM_MARK})\(([\w.-]+)\))(?:,\s*which)?(?:\s+(?:\w+ly|can|could|also|further|even|still))*"
    rf"\s+{_OWN_VERB}\b(?!\s*(?:of|=|:)\s)"
)  # "SINA achieves", "X, which improves", "model (o3) achieves"; not "an R2 score of"
# the system a possessive names: "CSI's Fast Mode achieved", "VideoChat-A1's accuracy reaches"
_POSSESSIVE_NAME = re.compile(
    rf"\b({NAME})'s\s+(?:[\w-]+\s+){{1,3}}?(?:\w+ly\s+)?(?!\w+ing\b){_OWN_VERB}\b"
)
# a name in apposition: "The best-performing model, Seed-2.0-Pro, achieves"
_APPOSITIVE_NAME = re.compile(
    rf"\b(?:model|method|system|variant|approach|agent)\s*,\s*({NAME}),\s+(?:\w+ly\s+)?"
    rf"(?!\w+ing\b){_OWN_VERB}"
)
# systems reported together: "ResNet101 and InceptionV4 models achieved accuracies of ~90%"
_COORDINATED_NAMES = re.compile(
    rf"(?:^|(?:that|,)\s+)((?:{NAME},\s*)*{NAME},?\s+and\s+{NAME})"
    rf"(?:\s+(?:models?|systems?|variants?))?\s+(?:\w+ly\s+)?(?!\w+ing\b){_OWN_VERB}"
)
# the sentence's grammatical subject: "In contrast, MaintainCoder improves", "STBP provides"
_LEAD_CLAUSE_NAME = re.compile(
    rf"(?:^|,\s+)(?:the\s+|The\s+)?({NAME})\s+(?:\w+ly\s+)?"
    r"(?!(?:increase|decrease|drop|rise|improve|grow|fall|goe)s\s+from\b)[a-z]+s\b"
)  # not a metric that "increases from 82.48% to 89.74%"
# with no name at all, a generic class the sentence reports on: "current LLMs achieve",
# "all architectures perform", "The recipe reaches"
_GENERIC_SUBJECT = re.compile(
    r"(?:^|,\s+|that\s+|while\s+)(?:(?:the|The)\s+)?((?:(?i:all|current|most|leading|best|"
    r"strongest|proposed|final)\s+)?(?:[A-Z]{2,}s|architectures|models|recipe|framework|method|"
    r"approach|system|pipeline|agents?))\s+(?:\w+ly\s+)?(?:achiev|reach|obtain|perform|attain|"
    r"improv|outperform|score|yield|deliver)\w*"
)
# a clause about another subject; not one that goes on with the same subject's verb: "while
# having 4x faster training", "but also", "but achieve", "while largely preserving"
_CONTRAST = re.compile(
    rf"\b(?:while|whereas|but)\b(?!\s+(?:\w+ly\s+)?(?:also\b|\w+ing\b|can\b|{_OWN_VERB}))|;"
    rf"(?!\s*{_ITEM_MARK}\s)"
)  # not the ";" between the items of an enumeration "(1) ...; (2) ..." or "1) ...; 2) ..."
# with no name at all, the phrase that opens the clause of the value (at the sentence start,
# after "that" or a comma): "Three-environment
# training yields", "we find that image presence increases", "Our implicit method boosts"
_PHRASE_SUBJECT = re.compile(
    r"(?:(?:[Aa]n?|[Tt]he|[Oo]ur)\s+)?"
    r"(?P<phrase>[\w-]+(?:\s+[\w-]+){1,5}?)\s+(?:\w+ly\s+)?(?:can\s+|could\s+)?"
    rf"(?:{_OWN_VERB}|increas\w*|reduc\w*|recover\w*|cut\w*|lower\w*)\b"
)
_NOT_PHRASE_WORD = re.compile(
    r"(?i)^(?:the|an?|our|its|their|we|it|this|these|those|they|which|who|results?|experiments?|"
    r"evaluations?|"
    r"analys[ie]s|findings?|stud(?:y|ies)|work|paper|performance|and|or|to|of|on|in|for|by|"
    r"proposed|also|further|overall|average|using|during|including|following|according|"
    r"[\w-]*\d[\w-]*)$"
)
# a phrase names a method or a condition when a word of it is a process or a method noun
_PHRASE_HEAD = re.compile(
    r"(?i)^(?:[\w-]+(?:ing|tion|sion)|method|approach|framework|pipeline|strategy|technique|"
    r"recipe|protocol)$"
)


def _is_system_name(name: str, before: str) -> bool:
    """Whether ``name`` (a subject candidate) names one system: not a family, benchmark or
    metric, not "ACP-powered", not the object of a preposition ("X with SSL achieved") nor
    the last of a coordination ("SANT and MANTa achieve")."""
    return not (
        name in GENERIC_NAMES
        or re.search(r"(?i)bench|dataset", name)
        or re.fullmatch(METRIC_WORDS, name)
        or re.search(r"-(?:powered|based|driven|guided|enhanced|augmented|style|like|aware)$", name)
        or re.search(r"(?i)\b(?:with|using|of|for|by|on|in|from|to|and|or)\s+$|,\s*$", before)
    )


def _phrase_subject(before: str) -> re.Match | None:
    """The clause-opening phrase before a verb of result, when it names a method or a
    condition (two to six words, one a process or method noun, none a pronoun, a report
    word, a number or a metric), as a match whose group 1 is it."""
    starts = [0, *(m.end() for m in re.finditer(r"\bthat\s+|,\s+", before))]
    for m in filter(None, (_PHRASE_SUBJECT.match(before, i) for i in reversed(starts))):
        words = m.group("phrase").split()
        if any(_PHRASE_HEAD.match(w) for w in words) and not any(
            _NOT_PHRASE_WORD.match(w) or re.fullmatch(METRIC_WORDS, w) for w in words
        ):
            return m
    return None


def sentence_subject(text: str, start: int, default: str) -> str:
    """The system named before the value with an own verb, else ``default`` (the paper's),
    else a generic class ("current LLMs"); ``""`` when a contrast ("while", ";", an unsplit
    sentence end) separates the name from the value."""
    full = text[:start]
    before = full[max((m.end() - 1 for m in re.finditer(r"\.[A-Z]", full)), default=0) :]
    names = [
        n
        for m in [*_LEAD_CLAUSE_NAME.finditer(before), *_OWN_NAME.finditer(before)]
        for n in m.groups()
        if n and _is_system_name(n, before[: m.start()])
    ]
    names += [
        m.group(1) for r in (_COORDINATED_NAMES, _APPOSITIVE_NAME) for m in r.finditer(before)
    ]
    names += [
        m.group(1) for m in _POSSESSIVE_NAME.finditer(before) if _is_system_name(m.group(1), "")
    ]
    generic = _GENERIC_SUBJECT.search(before) or _phrase_subject(before)
    if names:
        name, seen = names[-1], before
        after_name = seen[seen.rfind(name) + len(name) :]
    else:
        name = default or (generic.group(1) if generic else "")
        after_name = full[full.find(name) + len(name) :] if name and name in full else ""
    if _CONTRAST.search(after_name) or re.search(r"\.[A-Z]", after_name):
        return ""  # "SPENT reduces RMSE, while others achieve 95%": not its value
    return name


# names coordinated before the values "respectively" pairs them with: "the strongest models,
# Claude-Opus-4.7 and GPT-5.5, violate 30.7% and 27.2% of checks, respectively"
_RESPECTIVE_NAMES = re.compile(rf"((?:{NAME},\s*)*{NAME},?\s+and\s+{NAME})\b[^.;\d]{{0,60}}$")


def respective_subjects(sentence: str, starts: list[int]) -> list[str]:
    """The subject of each value at ``starts`` (offsets, in order) of one "respectively"
    list: the i-th of the names coordinated before the first value, when there are as many
    names as values; else ``[]``."""
    if not starts or "respectively" not in sentence[starts[-1] :]:
        return []
    m = _RESPECTIVE_NAMES.search(sentence[: starts[0]])
    names = re.split(r",?\s+and\s+|,\s*", m.group(1)) if m else []
    clause_start = m and re.search(
        r"(?:^|[,:;]|\bthat)\s*(?:(?:the|both)\s+)?$", sentence[: m.start()]
    )
    if (
        len(names) != len(starts)
        or not clause_start
        or not all(_is_system_name(n, "") for n in names)
    ):
        return []  # not "Experiments on MFNet and PST900", "outperforms strong GCD, FG-GCD"
    return names

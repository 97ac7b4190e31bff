"""Value-centred tuples: every number with a result unit, or next to a metric name, in a sentence.

The pattern rules of ``synth.tuples`` need a metric and a value in a fixed order; this pass
starts from the numbers instead.  Each number written with a unit (%, pp, points, x, dB, fps,
bits) or beside a metric name ("C-index 0.704", "BLEU 42.02", "FRAD = 0.814") is a candidate;
it is dropped when it is not a result (sizes, parameter counts, settings, p-values, spreads,
a before-level in "from A to B", descriptive shares) or not the paper's own (``not_own_value``).
The metric is the nearest metric name around it, the kind a change when a change word, a sign
or a change unit says so, the dataset the name after "on"/"across", and the subject the
sentence's own system name before the value, else the paper's method name.
"""

from __future__ import annotations

import re

from synth.tuple_lexicon import (
    _CHANGE_AFTER,
    _CHANGE_BEFORE,
    _CHANGE_COORDINATED,
    _DATASET,
    _MODEL_FAMILY,
    _NOT_DATASET_AFTER,
    _NOT_DATASETS,
    _OWN_VERB,
    ARROW_AFTER,
    METRIC_WORDS,
    NOT_RESULT_AFTER,
    NOT_RESULT_BEFORE,
    RESPECTIVE_LIST,
    SCALE_AFTER,
    START_LEVEL,
    TO_LEVEL,
)
from synth.tuple_subject import sentence_subject

_UNIT = (
    r"(?:%|percentage[- ]points?\b|percent\b|pp\b|points?\b|x(?![A-Za-z])|×(?!\s*10\b)|dB\b|"
    # "a 5-8 percentage increase": "percentage" before a change noun is a percent
    r"percentage(?=\s+(?:increase|improvement|gain|decrease|reduction|drop|boost)s?\b)|"
    r"(?i:fps)\b|bits?\b)"
)
_NUMBER = re.compile(
    r"(?<![\w@./:,\-^$\\])(?P<sign>[+])?(?P<lo>\d+(?:\.\d+)?)(?![.,]?\d|_|(?!(?:x|pp|dB|fps|FPS)(?![A-Za-z]))[A-Za-z]|-[A-Za-z])"
    rf"(?:\s?(?P<lo_unit>{_UNIT})?\s*(?P<range>-{{1,2}}|–|~|\bto\b)\s*\+?"
    r"(?P<hi>\d+(?:\.\d+)?)(?![.,]?\d|_|(?!(?:x|pp|dB|fps|FPS)(?![A-Za-z]))[A-Za-z]|-[A-Za-z]))?"
    rf"(?:\s{{0,2}}\+?(?P<unit>{_UNIT}))?"
    r"(?![\w-]*\d|-[A-Za-z])"
)
_RATIO = re.compile(r"(?<![\w.:])(?P<lo>\d+:1)(?![\w:])")
# "72,64%": a decimal comma (one or two digits after it, a percent after that)
_DECIMAL_COMMA = re.compile(r"(?<![\w.,])(?P<lo>\d{1,3},\d{1,2})(?:\s?(?P<unit>%))(?![\w,]|\.\d)")
# "92.05/87.04/86.51 AP", "2.4%/4.2%": values joined by slashes, each a decimal or a percent
_SLASH_LIST = re.compile(r"(?<![\w./:-])\d+(?:\.\d+)?%?(?:\s?/\s?\d+(?:\.\d+)?%?)+(?![\w/]|\.\d)")
_SLASH_ITEM = re.compile(r"(?P<sign>\+)?(?P<lo>\d+(?:\.\d+)?)(?P<unit>%)?")
_UNIT_NAMES = {
    "percent": "%",
    "percentage points": "pp",
    "percentage point": "pp",
    "percentage-point": "pp",
    "percentage-points": "pp",
    "percentage": "%",
    "point": "points",
    "FPS": "fps",
    "×": "x",
    "bit": "bits",
}
# "from A to B", "increases median empowerment (A to B)": B is the level reached
_BEFORE_AFTER = re.compile(
    r"\bfrom\s+$|\b(?:increas|decreas|improv|reduc|rais|grow|rise|drop)\w*\s[^.;]{0,50}\(\s*$"
)
_RANGE_VERB = re.compile(r"(?i)\b(?:rang\w*|span\w*|vary\w*|varies|between)\b[^.;]{0,30}$")
_METRIC_BEFORE = re.compile(
    rf"(?:{METRIC_WORDS})\)?\s*(?:\([^()]{{1,20}}\)\s*)?"
    r"(?:scores?\s+)?(?:of|=|:|≈|\\approx|~|is|was|at|reaching|above|below|near|\(|,)?"
    r"\s*(?:about|approximately|around|nearly|only|just|over|under|up to|roughly)?\s*\$?\s*$"
)
_METRIC_AFTER = re.compile(
    rf"^\s*(?:(?!(?:with|and|or|while|at|on|for|of|to|than|over|by|a|an|the)\b)"
    rf"[\w-]+\s+){{0,3}}?(?P<metric>{METRIC_WORDS})(?![\w@])"
)
_METRIC_ANY = re.compile(rf"(?<![\w-])(?P<metric>{METRIC_WORDS})(?![\w@])")
_CHANGE_WORDS_AFTER = re.compile(
    r"(?i)^\s*(?:\w+\s+){0,3}?(?:faster|speed-?ups?|acceleration|higher|lower|less|fewer|"
    r"reduction|deduction|savings?|improvements?|gains?|increase|decrease|boost|better|"
    r"attenuation|drop|more)\b"
)
_DATASET_AFTER = re.compile(
    rf"^(?:(?!\d)[^;:]){{0,40}}?\b(?:on|across)\s+{_DATASET}(?:\s+(?:benchmark|dataset))?"
)
_DATASET_LEAD = re.compile(rf"^(?:On|Across|In)\s+{_DATASET}")


def _normalised(sentence: str) -> str:
    """The sentence with LaTeX money signs and escaped percents blanked, same length."""
    text = sentence.replace("\\%", " %").replace("{\\sim}", "  ~    ").replace("\\times", "×     ")
    text = text.replace("$\\sim$", "  ~   ").replace("\\sim", "  ~ ").replace("$", " ")
    text = re.sub(r"(?<=\d)~(?=[A-Za-z%])", " ", text)  # "40.32~dB": a LaTeX space
    return re.sub(r"(?<=\d)-(?=points?\b|percent\b)", " ", text)  # "a 2.65-point gain"


def _unit(m: re.Match) -> str:
    g = m.groupdict()
    unit = (g.get("unit") or g.get("lo_unit") or "").strip()
    return _UNIT_NAMES.get(unit, unit)


# a character of the same sentence clause: not a full stop (a decimal point is) nor ";"
_NO_STOP = r"(?:[^.;]|(?<=\d)\.(?=\d))"


def _value(m: re.Match, before: str) -> str:
    """The value string: a range as "lo-hi", the end level of "from A to B", else as written."""
    sign = m.groupdict().get("sign") or ""
    hi = m.groupdict().get("hi")
    if not hi:
        return sign + m.group("lo")
    before_after = _BEFORE_AFTER.search(before) or re.search(
        rf"\bfrom\s{_NO_STOP}{{0,60}}\bto\s{_NO_STOP}{{0,60}}$", before
    )  # "... from 0% to 60% ..., and 0% to 57%", "from 40.5% to 61.9%, 23.8% to 38.1%"
    if m.group("range") == "to" and before_after and not _RANGE_VERB.search(before):
        return hi  # "raises Pass@1 from 25.8% to 48.5%": the level reached
    return f"{m.group('lo')}-{hi}"


# "improves execution accuracy by 17.3%", "reducing inference time steps by 64%"
_VERB_METRIC_BY = re.compile(
    r"\b(?:improv|reduc|increas|boost|lower|rais|cut|enhanc|decreas|preserv|retain|speed\w* up)"
    r"\w*\s+(?:the\s+|its\s+|their\s+)?(?P<metric>[\w@^{}$-]+(?:\s+[\w@^{}$-]+){0,3}?)\s+by\s+"
    r"(?:(?:up to|about|approximately|an average of|more than|over|nearly|around)\s+)?\+?$"
)


def _metric(text: str, start: int, end: int) -> str:
    """The metric of the value at ``start:end``: a metric name just after it ("32.1% IoU"),
    the words between a change verb and "by" ("improves execution accuracy by"), or the
    nearest metric name before it in the same clause."""
    after = _METRIC_AFTER.match(text[end : end + 60])
    if after:
        return after.group("metric")
    acronym = re.match(
        r"\s?(?:in\s+)?([a-z]?[A-Z][\w@.:-]*[\w@])(?=[\s,;)]|\.(?:\s|$)|$)", text[end:]
    )
    if acronym and text[end - 1 : end] in "%0123456789" and acronym.group(1) != "On":
        return acronym.group(1)  # "89.13% mFscore"
    named = re.search(r"(?<![\w-])([A-Za-z][\w@^{}-]*)\s*(?:=|≈|\\approx)\s*\+?$", text[:start])
    if named:
        return named.group(1)  # "PRO = 97.5%"
    if re.match(r"\s?(?:x|×)", text[end - 1 : end + 1]) or text[start:end].rstrip().endswith("x"):
        return ""  # "2x faster inference": no metric name in the clause before
    by = _VERB_METRIC_BY.search(text[max(0, start - 80) : start])
    if by and by.group("metric").split()[0] not in ("performance", "results", "baselines", "it"):
        return by.group("metric")
    window = text[max(0, start - 80) : start]
    clause = re.split(r"[,;]|\bwhile\b|\band\b", window)[-1]
    found = [m.group("metric") for m in _METRIC_ANY.finditer(clause)] or [
        m.group("metric") for m in _METRIC_ANY.finditer(window)
    ]
    return found[-1] if found else ""


# "up to 53%, 46.1%, and 57.9% in token, latency and energy reduction"
_CHANGE_LIST_AFTER = re.compile(
    r"^(?:\s*,?\s*(?:and\s+)?\+?\d+(?:\.\d+)?\s*%)+\s+(?:in\s+[^.;\d]{0,40}?|[\w-]+\s+)?"
    r"\b(?:reduction|improvement|gain|increase|decrease|saving|speed-?up)s?\b"
)


# "rendering speedups of 23.3%", "bitrate savings of up to 38%"
_CHANGE_NOUN_OF = re.compile(
    r"(?i)\b(?:speed-?ups?|accelerations?|savings?|reductions?|gains?|improvements?|boosts?)\s+"
    r"of\s+(?:(?:up to|about|approximately|around|over|nearly)\s+)?\+?$"
)


# "AutoSEP improves 13 percent over ...", "improving 1.03%, 2.35% ... on SIM, CC ..."
_CHANGE_VERB_VALUE = re.compile(
    r"\b(?:improv|increas|reduc|boost|rais|lower|decreas|outperform|surpass|exceed|beat)\w*\s+"
    r"(?:(?:by|on average|on average by|up to|about|approximately|over|nearly|around)\s+)*\+?$"
)


def _is_change(text: str, m: re.Match, unit: str) -> bool:
    start, before, after = m.start("lo"), text[: m.start("lo")], text[m.end() :]
    if unit == "x":
        return not re.search(r"(?i)\bratios?\b[^.;]{0,40}$", before)
    return (
        bool(m.groupdict().get("sign"))
        or unit in ("pp", "points")
        or bool(_CHANGE_BEFORE.search(before))
        or bool(_CHANGE_COORDINATED.search(before))
        or bool(_CHANGE_AFTER.match(after))
        or bool(_CHANGE_WORDS_AFTER.match(after))
        or bool(_CHANGE_LIST_AFTER.match(after))
        or bool(_CHANGE_NOUN_OF.search(before))
        or bool(_CHANGE_VERB_VALUE.search(before))
        or bool(re.search(r"(?i)\bdelta\S*\s*=\s*$|\bwithin\s+$", text[max(0, start - 12) : start]))
    )


def sentence_dataset(text: str, end: int) -> str:
    """The dataset named after the value ending at ``end`` ("on MSR-VTT") or opening the
    sentence ("On the SPARK benchmark, ..."); ``""`` for a list, a language or a model."""
    m = _DATASET_AFTER.match(text[end:]) or _DATASET_LEAD.match(text)
    name = m.group("dataset") if m else ""
    tail = text[end + m.end() :] if m is not None and m.re is _DATASET_AFTER else ""
    if "respectively" in text or _NOT_DATASET_AFTER.match(tail):
        return ""  # "on A and B": which value goes with which is not written
    if (
        not name
        or name.split(" ")[0] in _NOT_DATASETS
        or _MODEL_FAMILY.match(name)
        or re.fullmatch(METRIC_WORDS, name)
        or tail.startswith("@")  # "on BEq@10": a metric
    ):
        return ""
    return name


_LIST_BEFORE = re.compile(
    r"\d+(?:\.\d+)?\s?(?:%|percent|pp|points?|x)?\s*(?:,\s*(?:and|or)?|and|or)\s+$"
)


# a value in parentheses after a name, in a list of compared systems
_COMPARED_LIST = re.compile(
    rf"\b(?:outperform\w*|surpass\w*|including|such as|than|compared (?:to|with)|versus|vs\.?)"
    rf"\s(?:(?!\b(?:{_OWN_VERB}|by)\b)(?:[^;()]|\([^()]*\)))*?[A-Za-z0-9][\w.-]*\s\(\s*$"
)


# a parenthesis after the task a comparison is made in: "outperforms X in both lane segment
# detection (37.4% vs. 33.6%)" (not after the compared system: "than Y instances (32% vs. 14%)")
_TASK_PAREN = re.compile(
    r"\b(?:in|on|for)\s+(?:both\s+)?(?:[\w-]+\s+){0,4}[\w-]+\s\("
    r"(?:[^()]*\)\s+and\s+(?:[\w-]+\s+){0,4}[\w-]+\s\()?\s*$"
)  # "... detection (37.4% vs. 33.6%) and centerline perception (46.3% vs. 41.5%)"


def _not_result_before(before: str) -> bool:
    """Whether the text before a value says it is not a result; an item of a list shares
    the verdict of the list's first item ("dice scores were 94 percent and 93 percent")."""
    while not NOT_RESULT_BEFORE.search(before):
        item = _LIST_BEFORE.search(before)
        if not item:
            return False
        before = before[: item.start()]
    return True


# a level with no metric name is a result only after a verb of result: "reaches 78.0% on FC-SH"
_RESULT_CONTEXT = re.compile(
    rf"\b{_OWN_VERB}|\b(?:rang\w*|scor\w*|perform\w*|show\w*|rais\w*|drop\w*|fell|"
    r"cut\w*|reduc\w*|increas\w*|decreas\w*|preserv\w*|retain\w*|recover\w*|enjoy\w*)\b|\(\s*$"
)


def _slash_items(text: str) -> list[tuple[re.Match, str, str | None]]:
    """(match, unit, metric) of each value of a slash list ("$92.05$/$87.04$/$86.51$ AP",
    "improves mDice/mIoU by 2.4%/4.2%"): the metric after the list, or the i-th of a slashed
    metric pair before it."""
    out = []
    for lst in _SLASH_LIST.finditer(text):
        items = list(_SLASH_ITEM.finditer(text, lst.start(), lst.end()))
        unit_after = re.match(rf"\s?(?P<unit>{_UNIT})", text[lst.end() :])
        if not unit_after and not all("." in m.group("lo") or m.group("unit") for m in items):
            continue  # "3/4", "24/7": a fraction or a count; not "206 / 30 fps"
        after = _METRIC_AFTER.match(text[lst.end() : lst.end() + 60])
        pair = re.search(r"([\w@-]+(?:/[\w@-]+)+)\s+(?:by|of|=|:)\s+$", text[: lst.start()])
        names = pair.group(1).split("/") if pair else []
        if not (after or unit_after) and len(names) != len(items) and not items[0].group("unit"):
            continue
        for i, m in enumerate(items):
            metric = (
                names[i] if len(names) == len(items) else after.group("metric") if after else None
            )
            unit = "%" if any(x.group("unit") for x in items) else ""
            if unit_after and not unit:
                unit = _UNIT_NAMES.get(unit_after.group("unit"), unit_after.group("unit"))
            out.append((m, unit, metric))
    return out


def _candidates(text: str) -> list[tuple[re.Match, str, str | None]]:
    """(match, unit, metric or None) of each number that may be a result: with a unit, or
    beside a metric; the values of a slash list come with their metric."""
    slashed = _slash_items(text)
    taken = {m.start() for m, _, _ in slashed}
    out, prev = [], None
    for m in _NUMBER.finditer(text):
        if m.start() in taken:
            continue
        unit = _unit(m)
        before = text[: m.start()]
        beside = _METRIC_BEFORE.search(before[-60:]) or (
            "." in m.group("lo") and re.match(rf"\s?(?:{METRIC_WORDS})(?![\w@])", text[m.end() :])
        )
        before_after = (
            m.group("range") == "to" and _BEFORE_AFTER.search(before) and "." in m.group(0)
        )  # "from 0.658 to 0.623"; not the counts of "from 5 to 100 actions"
        signed = m.group("sign")  # "delta-c = +0.029", "by +20"
        if not unit:  # "4-9 F1 points": a metric between the value and its unit
            worded = re.match(rf"\s+(?:{METRIC_WORDS})\s+(?P<unit>points?|pp)\b", text[m.end() :])
            unit = _UNIT_NAMES.get(worded.group("unit"), worded.group("unit")) if worded else ""
        by = _VERB_METRIC_BY.search(before[-80:])  # "improves average perplexity by 0.2"
        beside = beside or (
            by and re.search(rf"(?<![\w-])(?:{METRIC_WORDS})(?![\w@])", by.group("metric"))
        )
        listed = prev is not None and re.fullmatch(
            r"[^;()]{0,50}(?:,|\band\b)\s*", text[prev.end() : m.start()]
        )  # "an accuracy of 0.78 on A and 0.75 on B"
        if unit or beside or before_after or signed or listed:
            out.append((m, unit, None))
            prev = m if (beside or listed) and not unit else None
    out += [(m, "%", None) for m in _DECIMAL_COMMA.finditer(text)] + slashed
    out += [  # "18:1 reduction"; not a setting such as "a 4:1 head ratio", "1:1 matching"
        (m, "", None)
        for m in _RATIO.finditer(text)
        if re.match(r"\s+(?:[\w-]+\s+)?(?:reduction|compression|savings?)\b", text[m.end() :])
    ]
    return out


def _not_a_result(m: re.Match, unit: str, before: str, after: str) -> bool:
    """Whether the words around a value say it is not a result: a size, a count, a setting
    or a statistic; the level before a change ("from 35x to less than 3x", "from baseline
    levels of 0-5% to 60-75%", "0.209->0.233"); a rating scale ("a 10-point Likert scale");
    a dimension ("an 8$\\times$8 grid"); a year."""
    g = m.groupdict()
    bare_from = not g.get("hi") and not g.get("sign") and re.search(r"\bfrom\s+$", before)
    return bool(
        NOT_RESULT_AFTER.match(after)
        or _not_result_before(before)
        or bare_from
        or (START_LEVEL.search(before) and TO_LEVEL.match(after))
        or ARROW_AFTER.match(after)
        or SCALE_AFTER.match(after)
        or (unit == "x" and re.match(r"\s*\d", after))
        or (re.search(r"(?i)\b(?:19|20)\d\d$", m.group("lo")) and not unit)
    )


def value_tuples(sentence: str, subject: str, not_own) -> list[dict]:
    """Tuples of the numbers of ``sentence`` that look like results (see the module doc);
    ``not_own(before, after)`` names why a value is another system's (``not_own_value``).
    Each dict has the ``tuples_from_sentence`` fields plus ``_start`` (the value's offset)."""
    text = _normalised(sentence)
    found = []
    for m, unit, metric in _candidates(text):
        start, before, after = m.start("lo"), text[: m.start()], text[m.end() :]
        g = m.groupdict()  # a ratio ("18:1") has no sign, range or unit and is a level
        if _not_a_result(m, unit, before, after):
            continue
        # "(AUC = 0.71 vs. 0.52)", "outperforms X in detection (37.4% vs. 33.6%)": the value
        # before "vs." is the own one
        own_vs = bool(g.get("sign") or re.match(r"\s*(?:vs\.?|versus)\s", after))
        if not (own_vs and _TASK_PAREN.search(before)) and _COMPARED_LIST.search(before):
            continue  # "outperforming models including spaCy (74.3%), ..., and GLiNER (60.2%)"
        reason = not_own(sentence[: m.start()], sentence[m.end() :])
        if reason and not (reason == "compared system in parentheses" and own_vs):
            continue
        t = {
            "subject": sentence_subject(sentence, start, subject),
            "metric": _metric(text, m.start(), m.end()) if metric is None else metric,
            "dataset": sentence_dataset(text, m.end()),
            "value": _value(m, before),
            "unit": unit,
            "kind": "change" if "sign" in g and _is_change(text, m, unit) else "value",
            "comparison": "",
            "_start": start,
            "_end": m.end(),
        }
        if (
            t["kind"] == "change"
            or t["metric"]
            or _RESULT_CONTEXT.search(before[-120:])
            or RESPECTIVE_LIST.match(text, m.end())
        ):
            found.append(t)  # a bare level needs a verb of result before it, or "respectively"
    return found

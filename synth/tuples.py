"""Quantitative tuples of claims: (subject, metric, dataset, value, unit, kind, comparison).

Two passes: pattern rules (a number written as a stand-alone token next to a known metric
name) and the value-centred pass of ``synth.tuple_values`` (every other number with a result
unit or beside a metric name); both drop a value when the words around it say it is not the
paper's own (``not_own_value``: compared systems, bounds, thresholds, range ends, labels,
shares, trade-offs).  ``tuples_from_sentence`` reads one sentence, ``extract_tuples`` a claims
table, ``abstract_tuples`` one abstract (``synth extract --tuples``).  Word lists and patterns
are in ``synth.tuple_lexicon``.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter

import pandas as pd

from synth.text import split_sentences
from synth.tuple_lexicon import (
    _CHANGE_AFTER,
    _CHANGE_BEFORE,
    _CHANGE_COORDINATED,
    _CHANGE_LIST,
    _CHANGE_PATTERNS,
    _COMPARISON,
    _LEAD_NAME,
    _LIST_ITEM,
    _METRIC,
    _MODEL_FAMILY,
    _NOT_DATASET_AFTER,
    _NOT_DATASETS,
    _NOT_OWN_VALUE,
    _OTHER_SUBJECT,
    _OWN_VERB,
    _SUBSCRIPT,
    _THRESHOLD_AFTER,
    _TUPLE_PATTERNS,
    _UNITS,
)
from synth.tuple_subject import paper_method_name, respective_subjects, sentence_subject
from synth.tuple_values import sentence_dataset, value_tuples

TUPLE_COLUMNS = ["claim_id", "subject", "metric", "dataset", "value", "unit", "kind", "comparison"]


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
        before = before[: item.start()]


def _lead_subject(sentence: str) -> str:
    """The system a sentence opens with ("GPT-2 XL reaches ..."), unless it is a benchmark."""
    lead = _LEAD_NAME.match(sentence)
    name = lead.group(1) if lead else ""
    if (
        re.search(
            r"(?i)bench|dataset|corpus|-(?:powered|based|driven|guided|enhanced|augmented|"
            r"style|like|aware)$",
            name,
        )
        or not re.search(r"[A-Z0-9]", name[1:])
        or re.fullmatch(_METRIC, name)
    ):
        return ""  # "MAVEN-Bench exposes ...", "ACP-powered systems", "F1 performed well"
    return name


def _is_change(sentence: str, m: re.Match, pattern_index: int, unit: str) -> bool:
    """Whether the value of match ``m`` is a difference ("+5.4% EM", "improves R@1 by 2.5",
    "a 4.5% accuracy gain", "3 pp") rather than a level."""
    start = m.start("value")
    return (
        pattern_index in _CHANGE_PATTERNS
        or unit in ("pp", "points")
        or sentence[max(start - 1, 0) : start] == "+"
        or bool(_CHANGE_BEFORE.search(sentence[:start]))
        or bool(_CHANGE_COORDINATED.search(sentence[:start]))
        or bool(_CHANGE_AFTER.match(sentence, m.end()))
        or bool(_CHANGE_AFTER.match(sentence, m.end("value")))
        or bool(_CHANGE_LIST.match(sentence, m.end()))
        or bool(re.match(r"\s+points?\b", sentence[m.end() :]))
    )  # "5.2 F1 points"


def _governs_list(sentence: str, start: int) -> bool:
    """A change word before the value that governs the list it opens ("improvements of 7.1% on
    A, 6.5% on B, and 2.3% on C", "by 1.7% and 2.1%")."""
    before = sentence[:start]
    return bool(_CHANGE_BEFORE.search(before) or _CHANGE_COORDINATED.search(before))


def tuples_from_sentence(sentence: str, subject: str = "") -> list[dict]:
    """(subject, metric, dataset, value, unit, kind, comparison) dicts found in one sentence.

    Two passes: the pattern rules (``_pattern_tuples``: a metric and a value in a fixed
    order) and, for every other number, the value-centred pass of ``synth.tuple_values`` (a
    number with a result unit or beside a metric name, unless it is a size, a setting, a
    statistic or another system's).  ``subject`` is the paper's method name, used when the
    sentence names no system of its own.  Ordered by the value's position.
    """
    # "(37.4% v.s. 33.6%)": spelt as every pass below reads it; same length, so the offsets
    # of the tuples still point into the caller's sentence
    sentence = re.sub(r"\b[Vv]\.[Ss]\.(?=\s)", "vs. ", sentence)
    default = subject or _lead_subject(sentence)
    found = _pattern_tuples(sentence, subject)
    for t in found:
        own = sentence_subject(sentence, t["_start"], default)
        # the system the sentence itself names ("The best model, Seed-2.0-Pro, achieves")
        # outranks the paper's name; a compared system's value keeps its owner
        t["subject"] = own if own and t["subject"] == subject else t["subject"] or own
        t["dataset"] = t["dataset"] or sentence_dataset(sentence, t["_end"])
    taken = {t["_start"] for t in found}
    found += [
        t
        for t in value_tuples(sentence, default, not_own_value)
        if not any(t["_start"] <= s < t["_end"] for s in taken)
    ]
    found.sort(key=lambda t: t["_start"])
    names = respective_subjects(sentence, [t["_start"] for t in found])
    for t, name in zip(found, names or [t["subject"] for t in found], strict=True):
        t["subject"] = name  # "A and B reach 30.7% and 27.2%, respectively"
    for prev, cur in itertools.pairwise(found):
        between = sentence[prev["_end"] : cur["_start"]]
        level_vs = re.match(r"\s*(?:vs\.?|versus)\s", sentence[cur["_end"] :])  # "(33.9 vs. 30.5)"
        if (
            prev["kind"] == "change"
            and re.fullmatch(r"\s*[\w@.-]*\s*\(\s*\+?", between)
            and not level_vs
        ):
            cur["kind"] = "change"  # "3.56% F1 (2.76% Acc)": the same difference in another metric
        elif (
            prev["kind"] == "change"
            and cur["unit"] == prev["unit"]
            and re.fullmatch(r"[^;:%]{0,40}?(?:,\s*(?:and\s+)?|\s+and\s+)\+?", between)
            and not re.search(rf"\b(?:{_OWN_VERB}|while|whereas|but|from|to)\b", between)
        ):
            cur["kind"] = "change"  # "by 6.1% on MLVU, 8.3% on LVBench, and 3.7% on VideoMME"
    return [{k: v for k, v in t.items() if not k.startswith("_")} for t in found]


def _pattern_dataset(sentence: str, m: re.Match) -> str:
    """The dataset a pattern match names, unless it is a language, a model or one of a list."""
    dataset = m.groupdict().get("dataset") or ""
    if (
        dataset.split(" ")[0] in _NOT_DATASETS
        or _MODEL_FAMILY.match(dataset)
        or "respectively" in sentence
        or _NOT_DATASET_AFTER.match(sentence, m.end())
    ):
        return ""  # "A and B on X and Y(, respectively)" pairs values and datasets
    return dataset


def _pattern_owner(sentence: str, m: re.Match, subject: str) -> str:
    """Whose value a pattern match is: a compared system's ("B, which achieved 89.5%"),
    ``""`` after a contrast, else ``subject``."""
    start = m.start("value")
    other = _OTHER_SUBJECT.search(sentence[: m.start()])
    if other:
        return other.group(1)
    after_subject = sentence[sentence.find(subject) + len(subject) : start]
    if subject and re.search(r"\b(?:while|whereas|but)\b|;|\.[A-Z]", after_subject):
        return ""  # "SPENT reduces RMSE, while SANT and MANTa achieve 95% accuracy"
    return subject


def _pattern_tuples(sentence: str, subject: str = "") -> list[dict]:
    """The pattern rules' tuples of one sentence, each with ``_start`` (the value's offset).

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
            if not_own_value(sentence[:start], sentence[m.end() :]):
                continue
            if k == 0 and re.match(rf",?\s*(?:and\s+)?{_METRIC}", sentence[m.end() :]):
                continue  # "99.5%, 99.2% and 99.3% accuracy, precision and F1": pairing unwritten
            g = m.groupdict()
            group = "metric" if g.get("metric") else "metric2"
            metric = g.get(group) or ""
            sub = _SUBSCRIPT.match(sentence, m.end(group)) if metric else None
            metric += (sub.group(1) or sub.group(2)) if sub else ""  # "mAP\textsubscript{50}"
            if not metric or (start, m.group("value")) in seen:
                continue
            seen.add((start, m.group("value")))
            cmp_m = _COMPARISON.match(
                sentence[m.end() : m.end() + 60].lstrip(" ,(")
            ) or _COMPARISON.search(m.group(0))
            unit = g.get("unit") or g.get("spread_unit") or ""
            unit = _UNITS.get(unit.strip("$"), unit.strip("$"))
            found.append(
                {
                    "subject": _pattern_owner(sentence, m, subject),
                    "metric": metric,
                    "dataset": _pattern_dataset(sentence, m),
                    "value": m.group("value"),
                    "unit": unit,
                    "kind": "change" if _is_change(sentence, m, k, unit) else "value",
                    "comparison": cmp_m.group("cmp") if cmp_m else "",
                    "_start": start,
                    "_end": m.end(),
                    "_governs": _governs_list(sentence, start),
                }
            )
    # a change word before a list governs every item of it: "improvements of 7.1% accuracy on
    # A, 6.5% accuracy on B, and 2.3% accuracy on C"
    found.sort(key=lambda t: t["_start"])
    for prev, cur in itertools.pairwise(found):
        between = sentence[prev["_end"] : cur["_start"]]
        if (
            prev["_governs"]
            and prev["kind"] == "change"
            and re.search(r",|\band\b", between)
            and not re.search(rf"[;:]|\b(?:{_OWN_VERB}|with|while|whereas|but)\b", between)
        ):
            cur["kind"], cur["_governs"] = "change", True
    return found


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


ABSTRACT_TUPLE_FIELDS = [
    "sentence_index",
    "sentence",
    "subject",
    "metric",
    "dataset",
    "value",
    "unit",
    "kind",
]


def paper_sentence_tuples(title: str, sentences: list[str]) -> list[dict]:
    """The tuples of one paper's sentences, each with ``sentence_index`` (its position in
    ``sentences``) and ``sentence``: the paper's method name (title or "we propose X") is the
    subject when a sentence names none, or, when the paper names no method, the system its
    sentences name most often."""
    name = paper_method_name(title, sentences)
    per_sentence = [tuples_from_sentence(s, name) for s in sentences]
    if not name:  # the system the abstract's own sentences name most often stands in for it
        named = Counter(
            t["subject"] for ts in per_sentence for t in ts if re.search(r"[A-Z]", t["subject"])
        )
        fallback = named.most_common(1)[0][0] if named else ""
        per_sentence = [
            tuples_from_sentence(s, fallback) if any(not t["subject"] for t in ts) else ts
            for s, ts in zip(sentences, per_sentence, strict=True)
        ]
    return [
        {"sentence_index": i, "sentence": s, **t}
        for i, (s, ts) in enumerate(zip(sentences, per_sentence, strict=True))
        for t in ts
    ]


def paper_tuples(papers: pd.DataFrame, sentences: pd.DataFrame) -> pd.DataFrame:
    """The tuples of every sentence of ``papers`` (``paper_id, title``; sentences: ``paper_id,
    sentence_index, text``), as ``synth extract --tuples`` finds them: ``TUPLE_COLUMNS`` with
    ``claim_id`` = ``"<paper_id>#<sentence_index>"`` (the id a whole-sentence claim has), plus
    ``paper_id``, ``sentence_index`` and ``sentence``."""
    ordered = sentences.sort_values(["paper_id", "sentence_index"], kind="stable")
    grouped = ordered.groupby("paper_id", sort=False)
    rows = []
    for pid, title in zip(papers["paper_id"], papers["title"], strict=True):
        if pid not in grouped.groups:
            continue
        mine = grouped.get_group(pid)
        positions = mine["sentence_index"].astype(int).tolist()
        for t in paper_sentence_tuples(str(title or ""), mine["text"].astype(str).tolist()):
            index = positions[t["sentence_index"]]
            rows.append(
                {**t, "claim_id": f"{pid}#{index}", "paper_id": pid, "sentence_index": index}
            )
    columns = [*TUPLE_COLUMNS, "paper_id", "sentence_index", "sentence"]
    return pd.DataFrame(rows, columns=columns)


def abstract_tuples(record: dict) -> dict:
    """The tuples of one abstract, the interface of ``synth extract --tuples``.

    ``record``: ``id`` or ``paper_id``, ``title``, and ``abstract`` (split with
    ``synth.text.split_sentences``) or ``sentences`` (a list, used as is).  Returns
    ``{"id": <id or paper_id>, "tuples": [...]}``, each tuple with ``ABSTRACT_TUPLE_FIELDS``;
    the paper's method name (title or "we propose X") is the subject when a sentence names none,
    or, when the paper names no method, the system its sentences name most often.
    """
    sentences = record.get("sentences")
    if not isinstance(sentences, list):
        sentences = split_sentences(str(record.get("abstract") or ""))
    tuples = paper_sentence_tuples(str(record.get("title") or ""), [str(x) for x in sentences])
    rid = record["id"] if record.get("id") is not None else record.get("paper_id")
    return {"id": rid, "tuples": [{k: t[k] for k in ABSTRACT_TUPLE_FIELDS} for t in tuples]}

"""Question analysis: is a research question yes/no (a testable hypothesis) or open, what is
its hypothesis as a declarative sentence, and what are its facets (subject or intervention,
outcome, comparator, dataset, metric)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

YES_NO_AUX = tuple(
    "does do did is are was were can could will would should has have had may might must".split()
)
OPEN_WORDS = ("what", "how", "which", "why", "where", "when", "who", "whom", "whose", "to what")

# base forms of verbs that carry a research hypothesis ("Does X improve Y?")
VERBS = frozenset(
    """
accelerate achieve affect aid allow alter amplify beat benefit boost capture cause change
close compress converge correlate cut damage decrease degrade depend destabilize diminish
dominate eliminate enable encode enhance exceed exhibit explain fail generalize generalise
give harm help hinder hold hurt improve increase induce influence learn lead lengthen lessen
lower make match matter mitigate narrow need obtain offer outperform outweigh overfit perform
predict preserve prevent produce promote provide raise reach reduce reflect reinforce rely
remain remove replace require retain rival saturate scale shorten show slow solve speed
stabilize stabilise strengthen suffer support surpass sustain transfer trigger undermine
underperform weaken work worsen yield have be get become use lose keep run take make go
neutralise neutralize break beat expand raise tend separate recover understand follow find
answer bring cut grow shrink drop rise fall win
contain include exist emerge arise appear happen occur behave respond adapt recover learn
detect identify recognize recognise classify segment generate translate answer reason plan
""".split()
)

# words that open the predicate after "Is/Are/Can ... X": comparatives and evaluative words
PREDICATE_WORDS = frozenset(
    """
better worse faster slower more less fewer superior inferior higher lower larger smaller
stronger weaker cheaper comparable competitive equivalent effective ineffective necessary
sufficient beneficial useful helpful harmful detrimental robust reliable accurate faithful
able possible capable consistent enough still really truly actually
""".split()
)
ARTICLES = frozenset({"a", "an", "the"})  # open the predicate after a copula: "Is X a Y?"
COPULAS = frozenset({"is", "are", "was", "were"})

COMPARATOR = re.compile(
    r"\b(?:than|compared (?:to|with)|versus|vs\.?|relative to|instead of|over|"
    r"outperform(?:s|ed)?|beat(?:s)?|surpass(?:es|ed)?)\s+"
    r"(?P<comparator>.+?)(?=\s+(?:on|in|for|at|when|across|under|by|using|as)\b|[,?;]|$)",
    re.IGNORECASE,
)
METRIC = re.compile(
    r"(?<![\w-])(?P<metric>R@\d+|Recall@\d+|nDCG(?:@\d+)?|MRR(?:@\d+)?|mAP(?:@[\d.:]+)?|"
    r"pass@\d+|top-\d accuracy|F1(?:[- ]score)?|BLEU|ROUGE(?:-\w+)?|METEOR|CIDEr|FID|FVD|(?-i:IS)|"
    r"PSNR|SSIM|LPIPS|WER|CER|AUC|AUROC|IoU|mIoU|(?-i:EM)|perplexity|accuracy|precision|recall|"
    r"error rate|success rate|win rate|latency|throughput|speed(?:-?up)?(?!\s+up\b))(?![\w-])",
    re.IGNORECASE,
)
DATASET = re.compile(
    r"(?<![\w-])(?P<dataset>[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)+|[A-Z][a-z]*[A-Z0-9][A-Za-z0-9]*"
    r"|[A-Z]{2,}[0-9]*[A-Za-z]*)(?![\w-])"
)
DATASET_CONTEXT = re.compile(
    r"\b(?:on|in|across|using|over|for)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}?$", re.IGNORECASE
)
_PREPOSITIONS = frozenset(
    "on in for at to with by than over across under from into of when as using via".split()
)


@dataclass(frozen=True)
class QuestionAnalysis:
    """A research question taken apart. ``kind``: ``yes_no`` or ``open``; ``hypothesis``:
    the declarative statement a yes/no question tests ("" for open questions); facets: the
    parts a paper can match (empty strings where the question does not name one)."""

    question: str
    kind: str
    hypothesis: str
    subject: str
    outcome: str
    comparator: str
    dataset: str
    metric: str

    def facets(self) -> dict[str, str]:
        keys = ("subject", "outcome", "comparator", "dataset", "metric")
        return {k: v for k, v in asdict(self).items() if k in keys}


def question_kind(question: str) -> str:
    """``yes_no`` when the question (or its main clause after a leading phrase and comma)
    opens with an auxiliary verb; ``open`` otherwise."""
    text = question.strip().lower()
    lead, _ = _main_clause(text)
    if lead and not lead.startswith(("what", "how", "which", "why", "who")):
        return "yes_no"  # "When X is trained at scale, does Y ...?": a conditional lead
    clauses = [text] + [c.strip() for c in text.split(",")[1:2]]
    for clause in clauses:
        if clause.startswith(OPEN_WORDS):
            return "open"
        first = re.split(r"\W+", clause, maxsplit=1)[0]
        if first in YES_NO_AUX or first == "whether":
            return "yes_no"
    return "open"


def third_person(verb: str) -> str:
    """``improve`` -> ``improves``, ``reach`` -> ``reaches``, ``rely`` -> ``relies``."""
    if re.search(r"(?:s|x|z|ch|sh|o)$", verb):
        return verb + "es"
    if re.search(r"[^aeiou]y$", verb):
        return verb[:-1] + "ies"
    return verb + "s"


def _main_clause(question: str) -> tuple[str, str]:
    """(lead, clause): a leading phrase before a comma ("In JIT compilers, does X ...")
    is kept apart so the clause starts with its auxiliary."""
    text = " ".join(question.strip().rstrip("?").split())
    head, _, rest = text.partition(",")
    if rest and re.split(r"\W+", rest.strip().lower(), maxsplit=1)[0] in YES_NO_AUX:
        return head.strip(), rest.strip()
    return "", text


def _is_verb(words: list[str], i: int) -> bool:
    """A base-form verb of ``VERBS`` that is not an infinitive ("built to run")."""
    low = words[i].lower().strip("\"'()")
    return low in VERBS and not (i and words[i - 1].lower() == "to")


def _predicate_start(words: list[str], aux: str) -> int:
    """Index of the first word of the predicate after the subject (at least one word in).

    After do/does/did or a modal the predicate opens with a verb; after a copula ("Is X
    better than Y?", "Is X trained on Y?", "Is X a Y?") with an evaluative or comparative
    word, else a participle, else an article. Failing those: before the first preposition.
    """
    rest = range(1, len(words))
    low = [w.lower().strip("\"'()") for w in words]
    tests = [lambda i: low[i] == "not" or _is_verb(words, i)]
    if aux in COPULAS:
        tests = [
            lambda i: (
                low[i] == "not"
                or low[i] in PREDICATE_WORDS
                or (low[i].endswith("er") and i + 1 < len(low) and low[i + 1] == "than")
                or (low[i] == "as" and i + 2 < len(low) and low[i + 2] == "as")
            ),
            lambda i: re.fullmatch(r"[a-z]+(?:ed|en)", words[i]) is not None,
            lambda i: low[i] in ARTICLES,
        ]
    for test in tests:
        found = next((i for i in rest if test(i)), None)
        if found is not None:  # "Is X a better Y?": the article goes with the predicate
            return found - 1 if found > 1 and low[found - 1] in ARTICLES else found
    for i in rest:
        if low[i] in _PREPOSITIONS and i >= 2:
            return i - 1
    return max(1, len(words) - 1)


def split_question(question: str) -> tuple[str, str, str, str]:
    """(lead, auxiliary, subject, predicate) of a yes/no question."""
    lead, clause = _main_clause(question)
    words = clause.split()
    aux = words[0].lower() if words else ""
    if aux == "whether":
        aux, words = "does", ["whether"] + words[1:]
    rest = words[1:]
    cut = _predicate_start(rest, aux) if rest else 0
    return lead, aux, " ".join(rest[:cut]), " ".join(rest[cut:])


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


_RAISING = re.compile(r"^be (?:\w+ly )?(?:shown|demonstrated|proven|found) to (\w+)\b")


def hypothesis_of(question: str) -> str:
    """The declarative statement a yes/no question tests, its direction kept:
    "Does X improve Y on Z?" -> "X improves Y on Z."; "Is A better than B?" -> "A is better
    than B."; "Does X not help?" -> "X does not help."."""
    lead, aux, subject, predicate = split_question(question)
    raised = _RAISING.match(predicate)
    if raised and raised.group(1).lower() in VERBS:  # "Can X be shown to improve Y?"
        aux, predicate = "does", predicate[raised.start(1) :]
    words = predicate.split()
    if aux in ("does", "do", "did") and words:
        if words[0].lower() == "not":
            verb_phrase = f"{'do' if aux == 'do' else 'does'} {predicate}"
        elif words[0].lower() in VERBS:
            verb = words[0].lower() if aux == "do" else third_person(words[0].lower())
            verb_phrase = " ".join([verb, *words[1:]])
        else:
            verb_phrase = predicate
    else:
        verb_phrase = f"{aux} {predicate}".strip()
    sentence = f"{subject} {verb_phrase}".strip()
    if lead:
        sentence = f"{lead}, {sentence}"
    return _capitalise(sentence).rstrip(".") + "."


def _first(pattern: re.Pattern[str], text: str, group: str) -> str:
    match = pattern.search(text)
    return match.group(group).strip() if match else ""


_AFTER_DATASET = re.compile(
    r"\s*(?:$|[,;?.)]|(?:and|or|benchmarks?|datasets?|splits?|test|val|"
    r"when|with|than|by|using|as|under|across|for|in|on|at)\b)"
)


def find_datasets(text: str) -> list[str]:
    """Named benchmarks or datasets: capitalised names after on/in/across/using/for (a list
    such as "MSR-VTT and DiDeMo" counts), not followed by a common noun ("in JIT compilers")."""
    found: list[str] = []
    for match in DATASET.finditer(text):
        name = match.group("dataset")
        if METRIC.fullmatch(name) or name in found or not _AFTER_DATASET.match(text[match.end() :]):
            continue
        before = text[: match.start()]
        if DATASET_CONTEXT.search(before) or (found and re.search(r"(?:and|or|,)\s*$", before)):
            found.append(name)
    return found


def _metric_cue(metric: str) -> re.Pattern[str]:
    """The phrase that only names how an outcome is measured: "by FID", "as measured by
    nDCG@10", "in terms of accuracy"."""
    return re.compile(
        rf"\s*\b(?:(?:as\s+)?measured\s+by|by|in\s+terms\s+of)\s+(?:the\s+)?"
        rf"{re.escape(metric)}(?![\w-])",
        re.IGNORECASE,
    )


def analyze_question(question: str) -> QuestionAnalysis:
    """Kind, hypothesis and facets of a research question (see ``QuestionAnalysis``)."""
    question = " ".join(question.split())
    kind = question_kind(question)
    lead, _, subject, predicate = split_question(question)
    comparator = _first(COMPARATOR, predicate, "comparator")
    datasets = find_datasets(f"{predicate} {lead}")
    metric = _first(METRIC, f"{predicate} {lead}", "metric")
    outcome = _RAISING.sub(r"\1", COMPARATOR.sub("", predicate))
    for part in datasets:
        outcome = outcome.replace(part, "")
    if metric:  # "by FID" goes; "reduce tail latency" keeps its metric word in place
        outcome = _metric_cue(metric).sub("", outcome)
    outcome = " ".join(outcome.split())
    dangling = re.compile(
        r"\s*\b(?:on|in|for|at|by|across|using|the|of|measured|as|and|or|"
        r"like|benchmarks?|when)\s*(?=$|[,;])"
    )
    while dangling.search(outcome):
        outcome = dangling.sub("", outcome).strip(" ,;")
    outcome = re.sub(r"^(?:for|in|on|at|by|across|when)\s+", "", outcome)  # "X beats Y in Z"
    return QuestionAnalysis(
        question=question,
        kind=kind,
        hypothesis=hypothesis_of(question) if kind == "yes_no" else "",
        subject=subject if kind == "yes_no" else "",
        outcome=outcome if kind == "yes_no" else "",
        comparator=comparator,
        dataset=", ".join(datasets),
        metric=metric,
    )

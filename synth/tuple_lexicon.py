"""Word lists and patterns of the tuple rules (``synth.tuples``, ``synth.tuple_values``):
metric names, values with units, dataset names, and the contexts in which a number is not a
result of the paper's own system."""

from __future__ import annotations

import re

from synth.claims import NAME

_METRIC = (
    r"(?<![\w-])(?:R@\d+|Recall@\d+|nDCG@\d+|NDCG@\d+|MRR@\d+|Hit@\d+|HR@\d+|pass@\d+|p-MRR|"
    r"top-[15] accuracy|top-[15]|mAP(?:50|75|@\d+(?:\.\d+)?)?(?:[:-]\d+(?:\.\d+)?)?|AP(?:50|75)?|"
    r"AUROC|AUC|F1(?:[- ]scores?)?|"
    r"BLEU(?:-4)?|ROUGE(?:-[L12])?|CIDEr|METEOR|SPICE|nDCG|NDCG|MRR|mIoU|IoU|PSNR|SSIM|LPIPS|"
    r"FID|FVD|WER|CER|EM|exact match|accuracy|precision|recall|success rate|win rate|"
    r"error rate|perplexity|RSUM|SumR|mean rank|MnR|MdR)"
)
_VALUE = (
    r"(?<![\w@./:,\-^$])(?P<value>\d+(?:\.\d+)?)(?![.,]?\d)"
    r"(?!\s?(?:-{1,2}|–|~|to)\s?\d)"  # not the start of a range ("1--3%", "94% ~ 96%")
    r"(?:\s?(?P<unit>\$?\\?%\$?|pp\b|points?\b|percent(?:age points)?\b|dB\b|°|\{?\\deg\}?|"
    r"degrees?\b|cm\b|mm\b|ms\b))?(?![A-Za-z])"
)  # not part of a word ("3D", "7B")
# a dataset name of up to three words: "MSR-VTT", "S3DIS Area 5", "Spider 2.0 Lite"
_DATASET = (
    r"(?:the\s+)?(?P<dataset>[A-Z][A-Za-z0-9]*(?:[-.][A-Za-z0-9]+)*"
    r"(?:\s(?:[A-Z][A-Za-z0-9]*|v?\d+(?:\.\d+)*)\b){0,2})"
)
# a LaTeX subscript that is part of the metric's name: "mAP\textsubscript{50}", "AP$_{50}$"
_SUBSCRIPT = re.compile(r"\\textsubscript\{([\w:.@]+)\}|\$?_\{?([\w:.@]+)\}?\$?")
# the spread after a value: "0.81 +/- 0.01", "79.8 $\pm$ 4.8%" (its unit is the value's too)
_SPREAD = r"(?:\s*\$?\s*(?:\+/-|±|\\pm)\s*\$?\s*\d+(?:\.\d+)?\s?(?P<spread_unit>\\?%)?)?"
_TUPLE_PATTERNS = tuple(
    re.compile(p)
    for p in (
        # "55.9 R@1 on MSR-VTT", "76.2% accuracy on ImageNet"
        (
            rf"{_VALUE}{_SPREAD}\s+"
            rf"(?:(?:absolute|average|mean|zero-shot|overall)\s+)?(?P<metric>{_METRIC})"
            rf"(?:\s+(?:on|in)\s+{_DATASET})?(?![\w@])"
        ),
        # "an accuracy of 92.1% on X", "R@1 of 55.9"
        (
            rf"(?P<metric>{_METRIC})(?:\s+scores?)?\s+(?:of|=|:)\s+{_VALUE}{_SPREAD}(?![\w.]*\d)"
            rf"(?:\s+(?:on|in)\s+{_DATASET})?"
        ),
        # "improves R@1 by 3.2 points", "outperforms X by 4.1%"
        (
            rf"\b(?:improv|boost|increas|outperform|surpass|exceed|reduc|lower)\w*\s+(?:the\s+)?"
            rf"(?:(?P<metric>{_METRIC})\s+)?by\s+{_VALUE}(?![\w.]*\d)"
            rf"(?:\s+(?:in\s+)?(?P<metric2>{_METRIC}))?"
        ),
        # "a 2.1% increase in Recall@1 on MSR-VTT" (a difference)
        (
            rf"{_VALUE}\s+(?:absolute\s+|relative\s+|average\s+)?(?:increase|improvement|gain|boost|"
            rf"drop|reduction|decrease)s?\s+(?:in|on|of)\s+(?:the\s+)?(?P<metric>{_METRIC})"
            rf"(?:\s+(?:on|in)\s+(?:the\s+)?{_DATASET})?(?![\w@])"
        ),
    )
)
_CHANGE_PATTERNS = (2, 3)  # indices of _TUPLE_PATTERNS whose values are always differences
# a model size or variant written after the name belongs to it: "GPT-2 XL", "Qwen2.5 7B"
_VARIANT = r"(?:\s(?:XXL|XL|Large|Base|Small|Tiny|Mini|Pro|Plus|Ultra|Max|\d+(?:\.\d+)?[BMK]))?"
_COMPARISON = re.compile(
    rf"\b(?:over|than|compared (?:to|with)|relative to|vs\.?|against)\s+(?:the\s+)?"
    rf"(?P<cmp>previous state-of-the-art|state-of-the-art|prior (?:state-of-the-art|methods?|"
    rf"work)|(?:strong(?:est)?\s+)?baselines?|SOTA|"
    rf"(?:{NAME}|[A-Z][A-Za-z0-9]+)"
    # a name of up to three capitalised words: "Backward Synthesis"
    rf"(?:\s(?!On\b|In\b|And\b|With\b)[A-Z][A-Za-z0-9-]+){{0,2}}{_VARIANT})"
)
_LEAD_NAME = re.compile(rf"^(?:The\s+)?((?:{NAME}|[A-Z][a-z]+[A-Z0-9][A-Za-z0-9\-]*){_VARIANT})\b")
_NOT_DATASETS = frozenset(
    {
        "English",
        "Chinese",
        "Persian",
        "Arabic",
        "French",
        "German",
        "Spanish",
        "Japanese",
        "Korean",
        "Hindi",
        "Russian",
        "Turkish",
        "Vietnamese",
        "Italian",
        "Portuguese",
        "Bengali",
        "Urdu",
        "Indonesian",
        "Thai",
        "Swahili",
        "Dutch",
        "Polish",
        "Greek",
        "Hebrew",
        "Multilingual",
        "The",
        "All",
        "Both",
        "Several",
        "Multiple",
        "Standard",
        "Various",
        "Average",
        "Overall",
        "Table",
        "Figure",
        "Fig",
        "Section",
        "Appendix",
        "Our",
        "This",
        "These",
    }
)
# the capitalised word after "on"/"in" is not a dataset: "in Classic mode", "on the DIFF-OBJ
# setting", "on A and B" (a list: which value goes with which is not written)
_NOT_DATASET_AFTER = re.compile(
    r"\s(?:domain|subset|split|set|mode|setting|task|track|regime|"
    r"condition|level)s?\b|\s*(?:,|and|or)\s+(?:the\s+)?[A-Z]"
)
# "an accuracy of 39.47 on GPT-4o-mini": a model (backbone) named after "on", not a dataset
_MODEL_FAMILY = re.compile(
    r"(?i)^(?:GPT|LLaMA|Llama|Qwen|Mistral|Mixtral|Gemini|Claude|Gemma|Phi|"
    r"DeepSeek|Vicuna|OPT|BLOOM|Falcon|InternLM|Yi|GLM|ChatGLM|o[134]|Wan|FLUX|DiT|SDXL|"
    r"Stable Diffusion|ViT|BERT|RoBERTa|CLIP|SAM|Whisper)(?![a-z])"
)
_UNITS = {
    "\\%": "%",
    "percent": "%",
    "percentage points": "pp",
    "point": "points",
    "{\\deg}": "°",
    "\\deg": "°",
    "degree": "°",
    "degrees": "°",
}
# a value that is a difference, not a level: "+5.4% EM", "improves R@1 by 2.5", "a 4.5% accuracy
# gain", "3.1 pp"
_CHANGE_AFTER = re.compile(
    r"\s*(?:(?!(?:and|or|with|while|whereas|but|a|an|the)\b)\w+\s+){0,2}?"
    r"(?:(?:improvement|gain|increase|boost|reduction|drop|"
    r"decrease|degradation|enhancement|gap|difference)s?|higher|lower|"
    r"better|worse)\b"
)
# "gains of 4.1% accuracy", "an improvement of up to 3 points"
_CHANGE_BEFORE = re.compile(
    r"(?:\b(?:gain|improvement|enhancement|increase|boost|reduction|drop|"
    r"decrease)s?\s+(?:of|by|reach\w*|(?:was|were|is|are)(?:\s+up\s+to)?)"
    # "by", "by up to", "by an average of", "by greater than or equal to"
    r"|\bby)\s+(?:(?:(?![a-z]+ing\b)[a-z]+|[<>≥~])\s+){0,5}"
    r"\+?$|\bimprov\w*\s+over\b[^.;]{0,60}\(\s*up\s?to\s+$"
    r"|\bgap\b[^,;]{0,60}\bto\s+(?:within\s+)?$"
    # "improvements in top-1 accuracy of 3.6%"
    r"|\b(?:gain|improvement|enhancement|increase|boost|reduction|drop|"
    r"decrease)s?\s+in\s+(?:the\s+)?(?:[\w@-]+\s+){1,3}?(?:of|by)\s+"
    r"(?:up to\s+)?\+?$"
)
# the second value of a coordinated difference: "by 1.7% and 2.1% mAP", "gains of 4.1% accuracy on
# A and 2.8% accuracy on B"
_CHANGE_COORDINATED = re.compile(
    r"\b(?:by|(?:gain|improvement|increase|reduction)s?\s+of)\s+\+?"
    r"\d+(?:\.\d+)?\s?%?(?:\s+[^\s,;]+){0,5}?\s*(?:,\s*and|,|and)"
    r"\s+\+?$"
)
# "16.8% mIoU and 20.6% mBIoU performance improvement": a list of values ending in a change word
_CHANGE_LIST = re.compile(
    r"(?:\s*(?:,|and)\s*\+?\d+(?:\.\d+)?\s?(?:\\?%|pp)?\s*[\w@.-]+){1,3}"
    r"\s+(?:\w+\s+)?(?:improvement|gain|increase|boost|reduction|drop|"
    r"decrease)s?\b"
)
# the value belongs to a compared system: "outperforming NASNet, which achieved 89.5%"
_OTHER_SUBJECT = re.compile(
    rf"\b({NAME}|[A-Z][A-Za-z0-9]+),?\s+which\s+(?:achieved|achieves|"
    rf"reached|reaches|obtained|obtains|scored|scores|attained|had|has)"
    rf"(?:\s+(?:an?|the))?(?:\s+(?:\w+\s+)?{_METRIC}\s+of)?\s*$"
)
_OWN_VERB = r"(?:achiev|reach|obtain|attain|improv|outperform|surpass|yield|boost|deliver|scor)\w*"
# Contexts in which a number next to a metric is not a level or difference the paper reports
# for its own system.  Each pattern is matched against the text before the value; the first
# that matches names the reason the value is skipped (see `not_own_value`).
_NOT_OWN_VALUE = tuple(
    (reason, re.compile(pattern, flags))
    for reason, pattern, flags in (
        ("spread", r"(?:\+/-|±|\\pm)\s*$", 0),  # "0.81 +/- 0.01 AUROC"
        # "surpassing the state-of-the-art (U-VLM, macro F1 = 0.414)", "outperforming VAR (3.3 FID)
        # and FlexVAR (3.05 FID)", "improving on the EDSR baseline (35.57 dB / 0.024 LPIPS)"; but
        # "outperforming YOLOv8 (+3.1% mAP)" is a difference
        (
            "compared system in parentheses",
            (
                r"(?:surpass|outperform|exceed|beat|than|over|versus|"
                r"against|vs\.?|compared (?:to|with)|improv\w* (?:on|upon))"
                r"\w*\s"
                r"(?:[^();]|\([^()]*\)){0,80}"
                r"\(\s*(?:[A-Z0-9][^()]*)?$"
            ),
            0,
        ),
        # "..., whereas the existing method recorded an F1-score of 0.0747"
        (
            "clause about others",
            (
                r"(?:\b(?:while|whereas|but)\b|;)(?![^;]*\b(?:while|whereas|but)\b)"
                r"[^;]*\b(?:existing|previous|prior|baselines?|competing|competitors?|"
                r"humans?|annotators|counterparts?|vanilla|naive)\b"
                # not past ", EAST achieves": the paper's own clause after the contrast
                rf"(?:(?!,\s+[A-Z][\w-]*\s+{_OWN_VERB})[^;])*$"
            ),
            re.IGNORECASE,
        ),
        # "compared with 71.5% accuracy for accept-all", "(vs 85.6% for cosine)", "(compared to
        # 78.2% and 35.3% pass@1)"; not across a parenthesis, a verb of the paper's own result, or a
        # comma or "and" that goes on to something else ("compared with X, the average 2.9% mIoU")
        (
            "compared value",
            (
                rf"(?:\bcompared (?:to|with)|\bvs\.?|\bversus|\brelative to)"
                rf"(?![^;]*\b{_OWN_VERB})"
                rf"(?:(?!(?:,|\band\b)\s+(?!and\b|or\b|\+?\d|$))[^;()]){{0,80}}$"
            ),
            0,
        ),
        # "outperforming ResNet18 at 90.15% accuracy"
        (
            "compared value",
            (
                r"\b(?:outperform|surpass|beat|exceed)\w*\s+(?:the\s+)?"
                r"(?:[\w.-]+\s+){1,3}?at\s+$"
            ),
            0,
        ),
        # "94% ~ 96%", "by 1--3%", "from 1 to 3%" (but "from 48% to 71%" is a change of level)
        ("range end", r"(?<!from\s)(?<![\d.])\d+(?:\.\d+)?\s?\\?%?\s?(?:-{1,2}|–|~|to)\s?$", 0),
        # "R@1 (IoU = 0.3)", "an IoU threshold of 0.5", "surpassing the 80% accuracy threshold"
        ("threshold", r"\bthresholds?\s*(?:of|=|at)?\s*$|\(\s*t?IoU\s*(?:=|>=|≥|>)\s*$", 0),
        # "no method exceeds 80% accuracy", "all classes exceeding 94.46%", "does not reach 50%"
        (
            "bound",
            (
                r"\b(?:exceed|surpass)\w*\s+(?:the\s+|an?\s+)?$"
                r"|\b(?:no|not|never|cannot|fails?\s+to)\s+(?:\w+\s+){0,2}?"
                r"(?:reach|achiev|attain|obtain|exceed|surpass)\w*\s+(?:\w+\s+)?$"
            ),
            re.IGNORECASE,
        ),
        # "previous methods ..., which reached only 56.9% accuracy"
        (
            "compared system's clause",
            (
                r"\b(?:previous|prior|existing|baselines?|competing|other)\b"
                r"[^;]*,\s*which\s+(?:only\s+)?\w+\s+"
                r"(?:only\s+|just\s+|merely\s+)?(?:an?\s+)?$"
            ),
            re.IGNORECASE,
        ),
        # "other industry studies reporting citation accuracy rates of only about 74%"
        (
            "others' value",
            (
                r"\b(?:other|prior|previous|existing|industry|recent)\s+(?:[\w-]+\s+){0,2}?"
                r"(?:studies|works|papers|reports|surveys)\s+(?:report|show|find|found|observ|"
                r"estimat|measur)\w*\b[^;]{0,80}$"
            ),
            re.IGNORECASE,
        ),
        # "until the best publicly known model reaches at least 80% accuracy"
        ("condition", r"\b(?:until|unless|once|if)\b[^,;]*$", re.IGNORECASE),
        # "outperformed the previous SOTA accuracy of 96.0%", "the baseline's 71.5%", "human
        # accuracy of 90%"
        (
            "others' value",
            (
                rf"\b(?:previous|prior|existing|baseline|competing|original|teacher|human|"
                rf"random|chance)(?:(?:'s|s')?\s+"
                rf"(?:(?!by\b|with\b|of\b|{_OWN_VERB})[\w-]+\s+){{0,2}}?"
                rf"{_METRIC}\s+(?:scores?\s+)?(?:of|=|:)|'s|s')\s+$"
            ),
            re.IGNORECASE,
        ),
        # "Level 2 accuracy is ...": the number names a level, stage or table
        (
            "label",
            (
                r"\b(?:level|stage|phase|task|type|tier|step|round|version|track|group|class|part|"
                r"table|figure|fig\.|section|setting|scenario|case)\s+$"
            ),
            re.IGNORECASE,
        ),
        # "retaining 95.8% average accuracy", "preserving 100% accuracy": a share of the full
        # model's
        (
            "share retained",
            (
                r"\b(?:retain|recover|preserv)\w*\s+(?:(?:over|about|up to|nearly|"
                r"approximately|roughly|around|more than|at least)\s+)?$"
            ),
            0,
        ),
        # "exchange 1.7% accuracy on LAMBADA for ...", "at the cost of 0.5% accuracy"
        (
            "trade-off",
            (
                r"\b(?:exchang\w*|sacrific\w*|trad\w* off|at the (?:cost|expense) of|"
                r"los[est]\w*)\s+(?:(?:about|up to|only|just|a|an)\s+)?$"
            ),
            0,
        ),
    )
)
# the previous item of a list of values: "21.1% recall or ", "35.3% pass@1, "
_LIST_ITEM = re.compile(
    rf"\d+(?:\.\d+)?\s?(?:\$?\\?%\$?)?(?:\s+{_METRIC})?\s*"
    rf"(?:,\s*(?:and|or)?|and|or)\s+$"
)
# "barely reaches a 60% accuracy threshold": matched against the text after the match
_THRESHOLD_AFTER = re.compile(r"\s*(?:[\w-]+\s+)?thresholds?\b")
# metric names beyond the pattern rules' list: "C-index", "R^2", "Dice", "speed-up", "MSE"
METRIC_WORDS = (
    rf"(?:{_METRIC}|C-index|R\^2|R\$\^2\$|R\^\{{?2\}}?|mDice|Dice(?: score)?|MSE|RMSE|MAE|MAPE|"
    r"SRCC|PLCC|Spearman|Pearson|Kendall|correlation|kappa|ASR|attack success rate|"
    r"speed-?ups?|speeds?|acceleration|throughput|latency|FLOPs|memory|fidelity|"
    r"execution accuracy|top-\d accuracy|success|score|gFID|FRAD|DTW distance|"
    r"mAcc|OA|Acc|MOTA|HOTA|IDF1|NDS|ADE|FDE|EPE|Chamfer distance|CLIP score|pass@\d+|"
    r"Pass@\d+|Refine@\d+|[A-Z][A-Za-z]*@\d+|TMR|TAR|EER|FAR|FRR|[A-Za-z-]+ [Rr]ates?|"
    r"sensitivity|specificity|Sharpe ratio|(?:annuali[sz]ed\s+)?returns?)"
)

# a value of a list that "respectively" distributes over named systems or settings: "Claude and
# GPT-5.5 violate 30.7% and 27.2% of checks, respectively"
RESPECTIVE_LIST = re.compile(
    r"(?:\s*(?:,|and|,\s*and)\s*\+?\d+(?:\.\d+)?\s?(?:%|x|pp|points?)?)*[^.;\d]{0,60}?\brespectively\b"
)


# the level before of a before/after: "from 35x to ...", "from baseline levels of 0-5% to
# 60-75%"; an arrow after a value ("0.209->0.233", "41.1\\% \\to 39.3\\%"); the size of a
# rating scale ("a 10-point Likert scale")
START_LEVEL = re.compile(r"\bfrom\s+(?:(?!to\b)[\w-]+\s+){0,3}?(?:of\s+)?$")
TO_LEVEL = re.compile(r"\s*to\s+(?:about\s+|around\s+|nearly\s+)?[-+]?\.?\d")
ARROW_AFTER = re.compile(r"\s*(?:->|→|⟶|=>|\\to\b|\\rightarrow\b)")
SCALE_AFTER = re.compile(r"(?i)\s*(?:[\w-]+\s+)?scales?\b")

# the number is a size, a count, a setting or a statistic, not a result (text after it)
NOT_RESULT_AFTER = re.compile(
    r"(?i)^\s*(?:of\s+(?:the\s+|all\s+|its\s+)?(?:[\w'-]+\s+)?(?:data|tokens|parameters|samples|"
    r"labels|images?|training|examples|cases|pairs|users|participants|respondents|attacks|"
    r"reviews|posts|instances|questions|models|papers|queries|patients|sequences|datasets?|"
    r"classes|categories|tasks|problems|items|prompts|responses|documents|errors|sentences|"
    r"words|nodes|layers|heads|neurons|experts|features|clients|runs|trials|benchmarks)\b"
    r"|(?:(?!(?:and|or|while|with|on|in|at|for|over|than|by)\b)\w+\s+){0,2}?"
    r"(?:parameters?|params|sparsity|budget|retention|masking|mask ratio|"
    r"larger|bigger|smaller|deeper|wider|samples|examples|videos|images|quantiles?|"
    r"confidence|coverage level|overhead|"
    r"of the time|subsets?|splits?|tokens|bound|cap|limit|targets?|goals?|level|overlap|"
    r"CI|LoA|confidence intervals?|prediction intervals?|"
    r"(?:labeled|labelled|unlabeled|training)\s+data|data|"
    r"(?:sampling|noise|masking|mask|mixing|label|missing|pruning|dropout|sparsity)\s+"
    r"(?:ratio|rate)s?)\b|"
    r"\s*(?:\\times|×)\s*10\b|\s*across\s+\d+\s+(?:systems|models|methods)|"
    r"\s*(?:\\times|×|x)\s*\d|"  # a dimension: "an 8$\times$8 grid", "1024x1024 images"
    # "39.8% reduction in parameters", "(1-2% backbone size)", "a 50% mapping ratio"
    r"\s*(?:(?:reduction|decrease|cut)\s+(?:in|of)\s+(?:the\s+)?(?:number of\s+)?"
    r"(?:trainable\s+)?(?:parameters|params|model size)|"
    r"(?:backbone|model|network|parameter)\s+(?:size|count)|"
    r"(?!compression\b)[a-z]+\s+ratio)\b)"
)

# the text before it says so: "p = ", "n=", "k = ", "top-", a spread, a year-like label
NOT_RESULT_BEFORE = re.compile(
    r"(?i)(?:\b[pnk]\s*[<=>≤≥]\s*$|(?:\+/-|±|\\pm)\s*$|\btop-?$|\bfirst\s+$|"
    r"\b(?:sparsity|(?<!Sharpe )ratio|budget|threshold|level|alpha|beta|lambda)\s+(?:of\s+)?$|"
    # a requirement: "requires error rates near 0%"
    r"\b(?:requir|demand|need)\w*\s+(?:[\w-]+\s+){0,3}(?:near|below|under|of|at most)\s+$|"
    # "at 72.3% coverage" (an operating point), not "the highest accuracy at 84.3%"
    r"(?<!\bhighest )(?<!\bbest )(?<!\bpeak )(?<!\btop )(?<!highest accuracy )(?<!peaking )"
    r"(?<!best accuracy )\bat\s+$|"
    r"\bwith\s+\w+\s+(?:near|at|of|fixed at)\s+$|\[\s*$|"
    r"\bwith\s+(?:at least|at most|more than|less than|over|under)\s+$|"
    r"\busing\s+(?:only\s+|just\s+)?$|"  # "using only 10% labeled data"
    # "Compared to the fully-supervised X, which achieves 84.8%"
    r"\bcompared (?:to|with)\s[^,;]{0,60},\s*which\s+\w+\s+(?:[\w-]+\s+){0,3}$|"
    r"\bunder\s[^.;()]{0,60}\([^()]*$|"  # "under extreme noise (sigma=255, SNR = 0.72 dB)"
    r"\b\d+(?:\.\d+)?\s?[MBKG]\b,\s*$|"  # "(1.45M, 51.8% lower than YOLOv8n)": a size
    # an operating point: "at a False Match Rate (FMR) of 1 percent"
    r"\bat\s+an?\s+[^,;()]{0,40}(?:\([^()]*\))?\s*of\s+$|"
    # "surpassing the state-of-the-art dice score of 91.8", "the previous state-of-the-art (41.9%)"
    r"\b(?:state-of-the-art|SOTA|previous best|prior best|best reported|best published)\s+"
    r"(?:[\w-]+\s+){0,3}?(?:of|were|was|is|are|at|=|:|\()\s*(?:about\s+)?$|"
    r"\b(?:state-of-the-art|SOTA)\s*\(\s*$|"
    # "every published system underperforms: HippoRAG-v2 reaches 54%, BM25 48%"
    r"\b(?:existing|published|prior|previous|baseline|competing)\s+(?:\w+\s+){0,2}?"
    r"(?:systems?|methods?|models?|approaches|baselines)\b[^.;]*:[^;]*$)"
)

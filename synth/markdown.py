"""Markdown for untrusted text: sentences shown as plain text (LaTeX markup and HTML entities
turned into what they stand for), escaping, pipe tables, safe links."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from urllib.parse import quote

import pandas as pd

from synth.text import strip_controls

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~$^-])")
# what autolinking renderers (mistune's url plugin in nbconvert, GFM's extended autolinks)
# turn into a live link from bare text: a scheme's "://" and a leading "www."
_AUTOLINK = re.compile(r"(?<=[A-Za-z0-9])(://)|(?<![\w.])(www)(\.)", re.IGNORECASE)
_LATEX_SYMBOLS = {
    r"\%": "%",
    r"\times": "×",
    r"\pm": "±",
    r"\sim": "~",
    r"\approx": "≈",
    r"\geq": "≥",
    r"\ge": "≥",
    r"\leq": "≤",
    r"\le": "≤",
    r"\rightarrow": "→",
    r"\to": "→",
    r"\cdot": "·",
    r"\&": "&",
    r"\_": "_",
    r"\#": "#",
    r"\$": "$",
    r"\ldots": "…",
    r"\dots": "…",
    r"\alpha": "α",
    r"\beta": "β",
    r"\gamma": "γ",
    r"\lambda": "λ",
    r"\mu": "μ",
    r"\infty": "∞",
    r"\uparrow": "↑",
    r"\downarrow": "↓",
}
_LATEX_WRAPPER = re.compile(
    r"\\(?:textbf|textit|texttt|textsc|emph|mathrm|mathbf|mathit|mathcal|mathbb|text|"
    r"operatorname|textsubscript|textsuperscript|underline)\s*\{([^{}]*)\}"
)
_SYMBOL = re.compile(
    "|".join(re.escape(k) + r"(?![A-Za-z])" for k in sorted(_LATEX_SYMBOLS, key=len, reverse=True))
)
_MATH = re.compile(r"(?<!\\)\$\$?([^$]{1,200}?)\$\$?(?!\d)")
_SCRIPT = re.compile(r"[_^]\{([^{}]*)\}")


def plain_text(text: object) -> str:
    """What a reader should see of a sentence from a paper: LaTeX markup (``$5.2\\%$``,
    ``\\textbf{MAVIS}``, ``$\\times$``) and HTML entities (``&amp;``) turned into text, white
    space folded. The stored claim keeps its source text; this is for display only."""
    s = html.unescape(" ".join(strip_controls(str(text if text is not None else "")).split()))
    for _ in range(3):  # nested wrappers: \textbf{\emph{x}}
        s = _LATEX_WRAPPER.sub(r"\1", s)
    s = _MATH.sub(lambda m: _SYMBOL.sub(lambda k: _LATEX_SYMBOLS[k.group(0)], m.group(1)), s)
    s = _SYMBOL.sub(lambda k: _LATEX_SYMBOLS[k.group(0)], s)
    s = _SCRIPT.sub(r"\1", s)
    return " ".join(s.split())


def md_escape(text: object, limit: int | None = None) -> str:
    """Inline-safe Markdown for untrusted text: one line, HTML special characters as entities,
    Markdown and math control characters backslash-escaped. ``limit`` shortens at a word
    boundary with an ellipsis (only for titles in narrow table cells, never for claims).
    Control characters are dropped and bare URLs are kept from becoming links (``\\://``,
    ``www\\.``): untrusted text never renders as a live link."""
    s = " ".join(strip_controls(str(text if text is not None else "")).split())
    if limit and len(s) > limit:
        s = s[: s.rfind(" ", 0, limit) if " " in s[:limit] else limit].rstrip() + " …"
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = _MD_SPECIAL.sub(r"\\\1", s)
    return _AUTOLINK.sub(lambda m: "\\://" if m.group(1) else m.group(2) + "\\.", s)


def md_text(text: object) -> str:
    """A sentence from a paper, as plain text and escaped: ``md_escape(plain_text(text))``."""
    return md_escape(plain_text(text))


def to_markdown_table(table: pd.DataFrame) -> str:
    """A pipe table; cells must already be escaped (``md_escape``)."""
    if table.empty:
        return "_(none)_"
    head = "| " + " | ".join(map(str, table.columns)) + " |"
    sep = "|" + "|".join("---" for _ in table.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join([head, sep, *body])


def safe_url(url: object) -> str:
    """An http(s) URL percent-encoded so that it cannot leave a Markdown autolink; else ""."""
    s = str(url if url is not None else "").strip()
    if not s.lower().startswith(("https://", "http://")):
        return ""
    return quote(s, safe="/:?#[]@!$&'()*+,;=%~")


def sections_in(markdown: str) -> list[str]:
    """Level-2 headings of a Markdown document, in order (used by checks and tests)."""
    return re.findall(r"^## (.+?)\s*$", markdown, flags=re.MULTILINE)


def join_blocks(blocks: Iterable[str]) -> str:
    return "\n\n".join(b for b in blocks if b)

"""Category and year filters (the search stage's ``categories`` and ``years`` parameters).

``categories``: arXiv categories separated by spaces or commas; ``cs.CV`` matches that
category, ``cs`` every ``cs.*`` one; a paper passes when any of its categories matches.
``years``: ``2024`` (that year), ``2024-`` (from), ``-2019`` (until) or ``2020-2022``
(inclusive); papers of unknown year fail a year filter.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from synth.errors import InputError

_CATEGORY = re.compile(r"^[A-Za-z][A-Za-z\-]*(?:\.[A-Za-z\-]+)?$")
_YEARS = re.compile(r"^(\d{4})?(-)?(\d{4})?$")


def parse_categories(text: str, origin: str = "search.categories") -> tuple[str, ...]:
    """``"cs.CV, cs.CL"`` -> ``("cs.CV", "cs.CL")``; raises ``InputError`` on a bad name."""
    names = tuple(dict.fromkeys(text.replace(",", " ").split()))
    for name in names:
        if not _CATEGORY.match(name):
            raise InputError(
                f"{origin}: {name!r} is not an arXiv category (expected e.g. cs.CV or cs)"
            )
    return names


def parse_years(text: str, origin: str = "search.years") -> tuple[int, int] | None:
    """``"2024-"`` -> ``(2024, 9999)``, ``""`` -> None; raises ``InputError`` otherwise."""
    spec = "".join(text.split())
    if not spec:
        return None
    match = _YEARS.match(spec)
    if not match or not (match.group(1) or match.group(3)):
        raise InputError(
            f"{origin}: {text!r} is not a year range (expected 2024, 2024-, -2019 or 2020-2022)"
        )
    low, dash, high = match.groups()
    if not dash:
        return int(low), int(low)
    span = (int(low) if low else 0, int(high) if high else 9999)
    if span[0] > span[1]:
        raise InputError(f"{origin}: {text!r} ends before it starts")
    return span


@dataclass(frozen=True)
class Filters:
    """Which papers a search may return (no categories / no years: all)."""

    categories: tuple[str, ...] = ()
    years: tuple[int, int] | None = None

    @classmethod
    def parse(cls, categories: str = "", years: str = "") -> Filters:
        return cls(parse_categories(categories), parse_years(years))

    def __bool__(self) -> bool:
        return bool(self.categories) or self.years is not None

    def category_ok(self, category: str) -> bool:
        return any(category == c or category.startswith(c + ".") for c in self.categories)

    def year_mask(self, years: np.ndarray) -> np.ndarray:
        """Papers whose year (0 or <NA>: unknown) is in range; all when no year filter."""
        years = np.asarray(years)
        if self.years is None:
            return np.ones(len(years), dtype=bool)
        return (years >= self.years[0]) & (years <= self.years[1]) & (years > 0)

    def category_mask(self, categories: Iterable[str]) -> np.ndarray:
        """Papers (space-separated category strings) with a matching category."""
        cats = list(categories)
        if not self.categories:
            return np.ones(len(cats), dtype=bool)
        return np.array([any(map(self.category_ok, c.split())) for c in cats], dtype=bool)

    def apply(self, papers: pd.DataFrame) -> pd.DataFrame:
        """The papers passing both filters (a papers table, order kept)."""
        if not self:
            return papers
        years = papers["year"].fillna(0).astype(int).to_numpy()
        keep = self.year_mask(years) & self.category_mask(papers["categories"])
        return papers[keep].reset_index(drop=True)

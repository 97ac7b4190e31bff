"""Themes across the included papers: tf-idf of title and abstract factorised by NMF into a
few themes, each named by its most distinctive terms, with every paper in its main theme."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfVectorizer

THEME_COLUMNS = ["theme", "label", "terms", "papers", "paper_ids"]
ASSIGNMENT_COLUMNS = ["paper_id", "theme", "weight"]


def theme_count(n_papers: int) -> int:
    """How many themes ``n_papers`` papers support: one below 4 papers, then about
    sqrt(n/2), from 2 to 6."""
    if n_papers < 4:
        return 1 if n_papers else 0
    return int(np.clip(round(np.sqrt(n_papers / 2)), 2, 6))


def _tfidf(papers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    texts = (papers["title"].fillna("") + ". " + papers["abstract"].fillna("")).tolist()
    vectorizer = TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        sublinear_tf=True,
        token_pattern=r"(?u)\b[A-Za-z][A-Za-z0-9-]+\b",
        max_df=0.85 if len(texts) > 5 else 1.0,
        min_df=1,
    )
    matrix = vectorizer.fit_transform(texts)
    return matrix, vectorizer.get_feature_names_out()


def _label(weights: np.ndarray, vocab: np.ndarray, n_terms: int = 3) -> list[str]:
    """The top terms of a theme, skipping a term that repeats a higher one (a bigram's word)."""
    terms: list[str] = []
    for i in np.argsort(-weights):
        term = str(vocab[i])
        if any(term in t or t in term for t in terms):
            continue
        terms.append(term)
        if len(terms) == n_terms:
            break
    return terms


def compute_themes(
    papers: pd.DataFrame, n_themes: int | None = None, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Themes of ``papers`` (``paper_id, title, abstract``).

    Returns ``(themes, assignments)``: themes ``theme, label, terms, papers, paper_ids`` (label:
    its three most distinctive terms), ordered by size; assignments ``paper_id, theme,
    weight`` (each paper's main theme and its share of the paper's NMF weight).
    """
    k = theme_count(len(papers)) if n_themes is None else min(n_themes, len(papers))
    if k == 0:
        return pd.DataFrame(columns=THEME_COLUMNS), pd.DataFrame(columns=ASSIGNMENT_COLUMNS)
    matrix, vocab = _tfidf(papers)
    if k == 1:
        doc_topic = np.ones((len(papers), 1))
        topic_term = np.asarray(matrix.sum(axis=0))
    else:
        nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=500)
        doc_topic = nmf.fit_transform(matrix)
        topic_term = nmf.components_
    share = doc_topic / np.maximum(doc_topic.sum(axis=1, keepdims=True), 1e-12)
    main = share.argmax(axis=1)
    assignments = pd.DataFrame(
        {
            "paper_id": papers["paper_id"].to_numpy(),
            "theme": main,
            "weight": share[np.arange(len(papers)), main].round(3),
        }
    )
    rows = []
    for t in range(k):
        members = assignments.loc[assignments["theme"] == t, "paper_id"].tolist()
        terms = _label(topic_term[t], vocab)
        rows.append(
            {
                "theme": t,
                "label": ", ".join(terms),
                "terms": terms,
                "papers": len(members),
                "paper_ids": members,
            }
        )
    themes = pd.DataFrame(rows, columns=THEME_COLUMNS)
    themes = themes[themes["papers"] > 0].sort_values("papers", ascending=False, kind="stable")
    order = {old: new for new, old in enumerate(themes["theme"])}
    themes = themes.assign(theme=themes["theme"].map(order)).reset_index(drop=True)
    assignments = assignments.assign(theme=assignments["theme"].map(order))
    return themes, assignments


def plot_themes(themes: pd.DataFrame, ax: plt.Axes | None = None) -> plt.Axes:
    """Papers per theme, each bar labelled by the theme's terms."""
    ax = ax or plt.subplots(figsize=(7, 0.5 + 0.45 * max(1, len(themes))))[1]
    labels = [
        f"{t + 1}. {label}" for t, label in zip(themes["theme"], themes["label"], strict=True)
    ]
    ax.barh(labels, themes["papers"], color="tab:green")
    ax.invert_yaxis()
    ax.set_xlabel("papers")
    ax.set_title("Themes across the included papers")
    return ax

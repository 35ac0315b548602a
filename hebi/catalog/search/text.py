"""Segmentation for indexing and querying. PLACEHOLDER: the search work replaces this module
with the full version (dictionary, synonyms, query parsing, highlighting); the two functions
below keep their signatures."""

from __future__ import annotations

import re
from collections.abc import Iterable

import jieba

_WORD = re.compile(r"[\w\u4e00-\u9fff]+")


def segment(text: str) -> list[str]:
    """The search tokens of a text, lower-cased, punctuation dropped."""
    return [t.lower() for t in jieba.cut_for_search(text or "") if _WORD.fullmatch(t)]


def index_text(*parts: str | Iterable[str] | None) -> str:
    """Space-joined tokens of every part (strings or lists of strings), for the search_text column."""
    tokens: list[str] = []
    for part in parts:
        if not part:
            continue
        if isinstance(part, str):
            tokens.extend(segment(part))
        else:
            for item in part:
                tokens.extend(segment(str(item)))
    return " ".join(tokens)

"""Tokens for lexical matching: jieba search mode, the same segmentation as the registry's
full-text search, so the words a user searched for and the words a match cites agree."""

from __future__ import annotations

from hebi.catalog.search.text import STOP_WORDS, segment

# Enough for any abstract or need description; a 100,000-character paste costs no more.
MAX_TOKEN_CHARS = 20_000


def is_noise(token: str) -> bool:
    """Lone ASCII letters and digits ("a", "3") match almost everything and explain nothing."""
    return token in STOP_WORDS or (len(token) == 1 and token.isascii())


def tokenize(text: str) -> list[str]:
    return [t for t in segment(text[:MAX_TOKEN_CHARS]) if not is_noise(t)]


def split_tokens(search_text: str) -> list[str]:
    """The tokens of a stored search_text column (already segmented, space-joined)."""
    return [t for t in search_text.split() if not is_noise(t)]

"""Segmentation for indexing and querying, query parsing and highlighting. Pure Python: the
dictionary arrives as a `Lexicon` value (built from the SearchTerm table by lexicon.py).

Indexing uses jieba's search mode (`cut_for_search`: every word plus its dictionary sub-words),
querying uses its precise mode (`cut`). For the same text the precise words are a subset of the
search-mode words, so a query word always finds the documents that contain it. Both sides see
the same normalisation (NFKC, lower case, word characters only) and the same dictionary, which
is why `use_lexicon` must run before indexing as well as before querying.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import jieba
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

jieba.setLogLevel(logging.WARNING)

# A 100,000-character query must cost no more than a short one.
MAX_QUERY_CHARS = 200
MAX_QUERY_GROUPS = 12
ELLIPSIS = "…"

# Function words that would match nearly every record and rank nothing.
STOP_WORDS = frozenset(
    {
        *("的", "地", "得", "了", "着", "过", "和", "与", "及", "以及", "或", "或者", "并", "并且"),
        *("而", "且", "在", "是", "对", "于", "为", "以", "之", "其", "等", "中", "把", "被", "将"),
        *("及其", "一种", "一个", "基于", "关于", "通过", "进行", "有关", "用于", "我们"),
        *("这", "那", "也", "就", "都"),
        *("a", "an", "and", "or", "not", "the", "of", "in", "on", "for", "to", "with", "by", "at"),
        *("from", "near"),
    }
)

# Runs of letters and digits; "_" counts as a separator because SQLite's unicode61 tokenizer
# and PostgreSQL's parser treat it as one, and both engines must see the same tokens.
_WORD_RUN = re.compile(r"[^\W_]+")

_lock = threading.Lock()
# Words this process registered with jieba: the frequency jieba had before (0 when the word was
# unknown) and the one it was given, so that removing a word puts jieba back exactly as it was.
_registered: dict[str, tuple[int, int]] = {}


def normalise(text: str) -> str:
    """Full-width forms folded (ＰＬＡ → pla, ５Ｇ → 5g), lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _tokens(pieces: Iterable[str]) -> list[str]:
    tokens: list[str] = []
    for piece in pieces:
        tokens.extend(_WORD_RUN.findall(piece))
    return tokens


def segment(text: str) -> list[str]:
    """The search tokens of a text (jieba search mode), lower-cased, punctuation dropped."""
    if not text:
        return []
    return _tokens(jieba.cut_for_search(normalise(text)))


def query_tokens(text: str) -> list[str]:
    """The words of a query or a synonym (jieba precise mode), normalised like `segment`."""
    if not text:
        return []
    return _tokens(jieba.cut(normalise(text)))


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
                if item:
                    tokens.extend(segment(str(item)))
    return " ".join(tokens)


# -- the dictionary ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Lexicon:
    """Domain words jieba must keep whole, and groups of words that mean the same thing.

    Every member of a synonym group is also a word, so "锂电池" stays whole like "锂离子电池".
    """

    words: frozenset[str] = frozenset()
    synonym_groups: tuple[frozenset[str], ...] = ()

    @classmethod
    def from_entries(cls, entries: Iterable[tuple[str, Iterable[str]]]) -> Lexicon:
        """From (word, synonyms) pairs, as stored in the SearchTerm table."""
        words: set[str] = set()
        groups: list[frozenset[str]] = []
        for word, synonyms in entries:
            group = {normalise(w).strip() for w in [word, *synonyms] if isinstance(w, str)} - {""}
            words |= group
            if len(group) > 1:
                groups.append(frozenset(group))
        return cls(words=frozenset(words), synonym_groups=tuple(groups))

    @cached_property
    def _synonym_map(self) -> dict[str, frozenset[str]]:
        found: dict[str, set[str]] = {}
        for group in self.synonym_groups:
            for word in group:
                found.setdefault(word, set()).update(group)
        return {word: frozenset(group - {word}) for word, group in found.items()}

    def synonyms_of(self, term: str) -> frozenset[str]:
        return self._synonym_map.get(normalise(term).strip(), frozenset())


def use_lexicon(lexicon: Lexicon) -> None:
    """Make jieba's dictionary hold exactly the lexicon's words on top of its own.

    Cheap when nothing changed. jieba's total frequency is kept as if the words had never been
    added, because it weighs every split: letting it drift would change segmentation over time.
    """
    with _lock:
        if _registered.keys() == lexicon.words:
            return
        jieba.initialize()
        for word in _registered.keys() - lexicon.words:
            previous, given = _registered.pop(word)
            if previous:
                jieba.add_word(word, freq=previous)
            else:
                jieba.del_word(word)
            jieba.dt.total -= given
        for word in lexicon.words - _registered.keys():
            previous = jieba.dt.FREQ.get(word) or 0
            given = jieba.suggest_freq(word)
            jieba.add_word(word, freq=given)
            jieba.dt.total -= previous
            _registered[word] = (previous, given)


# -- queries ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TermGroup:
    """One word of the query and what may stand for it.

    A record matches the group when it holds every token of at least one alternative.
    """

    term: str
    alternatives: tuple[tuple[str, ...], ...]
    surfaces: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class SearchQuery:
    """A parsed query: records must match every group (or, in "any" mode, at least one)."""

    text: str
    groups: tuple[TermGroup, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(group.term for group in self.groups)

    @cached_property
    def highlight_terms(self) -> tuple[str, ...]:
        """Every string worth marking, longest first so that a whole word wins over its parts."""
        found: set[str] = set()
        for group in self.groups:
            found.update(group.surfaces)
            for alternative in group.alternatives:
                found.update(alternative)
        return tuple(sorted(found - {""}, key=lambda s: (-len(s), s)))


def parse_query(q: str, lexicon: Lexicon) -> SearchQuery | None:
    """Segment a user's query into groups of alternatives; None when nothing is left to search."""
    text = " ".join((q or "")[:MAX_QUERY_CHARS].split())
    if not text:
        return None
    use_lexicon(lexicon)
    groups: list[TermGroup] = []
    seen: set[str] = set()
    terms = query_tokens(text)
    # A lone ASCII letter or digit (the "1" of "alert(1)", the "b" of "<b>") matches half the
    # registry; it counts only when it is the whole query.
    if any(len(t) > 1 or not t.isascii() for t in terms):
        terms = [t for t in terms if len(t) > 1 or not t.isascii()]
    for term in terms:
        if term in STOP_WORDS or term in seen:
            continue
        seen.add(term)
        alternatives: list[tuple[str, ...]] = [(term,)]
        surfaces = [term]
        for synonym in sorted(lexicon.synonyms_of(term)):
            tokens = tuple(t for t in query_tokens(synonym) if t not in STOP_WORDS)
            if tokens and tokens not in alternatives:
                alternatives.append(tokens)
                surfaces.append(synonym)
        groups.append(TermGroup(term=term, alternatives=tuple(alternatives), surfaces=tuple(surfaces)))
        if len(groups) == MAX_QUERY_GROUPS:
            break
    if not groups:
        return None
    return SearchQuery(text=text, groups=tuple(groups))


# -- highlighting -----------------------------------------------------------------------------
@lru_cache(maxsize=256)
def _term_pattern(terms: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)


def highlight(text: str | None, query: SearchQuery | None, max_length: int | None = None) -> SafeString:
    """The text, HTML-escaped, with every query word and synonym wrapped in <mark>.

    With max_length, a window of about that many characters around the first hit, "…" marking
    the cut ends. The text is cut into hit and non-hit pieces and every piece is escaped before
    any markup is added, so nothing from the text reaches the page unescaped (and a term such as
    "amp" can never land inside an entity that escaping produced).
    """
    text = text or ""
    pattern = _term_pattern(query.highlight_terms) if query and query.highlight_terms else None
    prefix = suffix = ""
    if max_length is not None and len(text) > max_length:
        first_hit = pattern.search(text) if pattern else None
        start = max(0, first_hit.start() - max_length // 4) if first_hit else 0
        end = min(len(text), start + max_length)
        start = max(0, end - max_length)
        prefix = ELLIPSIS if start > 0 else ""
        suffix = ELLIPSIS if end < len(text) else ""
        text = text[start:end]
    pieces: list[str] = [prefix]
    position = 0
    if pattern:
        for hit in pattern.finditer(text):
            pieces.append(escape(text[position : hit.start()]))
            pieces.append(f"<mark>{escape(hit.group())}</mark>")
            position = hit.end()
    pieces.append(escape(text[position:]))
    pieces.append(suffix)
    return mark_safe("".join(pieces))  # noqa: S308 -- every piece of the text was escaped above

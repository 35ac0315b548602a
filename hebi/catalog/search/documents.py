"""What each record contributes to its search_text: the one recipe per model, used by the
services when they save a record and by `reindex_search` after the dictionary changed.

The title goes in twice: the engines rank by term frequency (BM25 on SQLite, ts_rank on
PostgreSQL) over a single column, so repeating it makes a title hit outrank a passing mention in
a long description.
"""

from __future__ import annotations

from collections.abc import Iterable

from hebi.catalog.models import Achievement, Need, Patent
from hebi.catalog.search.lexicon import current_lexicon
from hebi.catalog.search.text import Lexicon, index_text, use_lexicon


def _prepare(lexicon: Lexicon | None) -> None:
    # The dictionary decides where words split, so it must be registered before indexing.
    if lexicon is None:
        current_lexicon()
    else:
        use_lexicon(lexicon)


def achievement_document(achievement: Achievement, *, lexicon: Lexicon | None = None) -> str:
    _prepare(lexicon)
    return index_text(achievement.title, achievement.title, achievement.summary, achievement.keywords)


def need_document(
    need: Need, indicator_names: Iterable[str] | None = None, *, lexicon: Lexicon | None = None
) -> str:
    """indicator_names: the need's core indicators; read from the database when not given."""
    _prepare(lexicon)
    if indicator_names is None:
        indicator_names = list(need.indicators.values_list("name", flat=True)) if need.pk else []
    return index_text(need.title, need.title, need.description, need.keywords, list(indicator_names))


def patent_document(patent: Patent, *, lexicon: Lexicon | None = None) -> str:
    # IPC codes are a facet, not words; applicants and inventors are what people type.
    _prepare(lexicon)
    return index_text(patent.title, patent.title, patent.abstract, patent.applicants, patent.inventors)

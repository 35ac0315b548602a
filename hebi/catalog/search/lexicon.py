"""The search dictionary as a `Lexicon`, read from the SearchTerm table and kept per process.

Several processes hold a copy (web workers, the task worker), so a change must reach all of
them, not only the one that made it. A change (post_save/post_delete of a SearchTerm) drops this
process's copy at once and, after commit, writes a new version token to the shared Django cache.
Every `current_lexicon()` call compares that token with the one its copy was built under: one
cache read, and one SQL query only when the dictionary changed (or the cache lost the token).
The handlers below must be connected in every process that may edit the dictionary, so the app's
ready() imports this module.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from hebi.catalog.models import SearchTerm
from hebi.catalog.search.text import Lexicon, use_lexicon

VERSION_KEY = "hebi:catalog:search-lexicon-version"


@dataclass(frozen=True)
class _Copy:
    version: str | None
    lexicon: Lexicon


_copy: _Copy | None = None
_lock = threading.Lock()


def load_lexicon() -> Lexicon:
    """The dictionary as stored now (one query)."""
    rows = SearchTerm.objects.values_list("word", "synonyms")
    return Lexicon.from_entries(
        (word, [s for s in synonyms if isinstance(s, str)] if isinstance(synonyms, list) else [])
        for word, synonyms in rows
    )


def current_lexicon() -> Lexicon:
    """The dictionary, registered with jieba; call it before segmenting text or a query."""
    global _copy
    # The token is read before the table: a change committed in between then makes the copy
    # look older than it is (one extra reload), never newer.
    shared = cache.get(VERSION_KEY)
    copy = _copy
    if copy is None or shared is None or copy.version != shared:
        with _lock:
            lexicon = load_lexicon()
            if shared is None:
                shared = uuid.uuid4().hex
                if not cache.add(VERSION_KEY, shared, timeout=None):
                    # Another process published a version meanwhile; reload on the next call.
                    shared = None
            copy = _copy = _Copy(version=shared, lexicon=lexicon)
    use_lexicon(copy.lexicon)
    return copy.lexicon


def refresh_lexicon() -> Lexicon:
    """Reload now and make every other process reload at its next call."""
    _publish_change()
    return current_lexicon()


def _publish_change() -> None:
    global _copy
    _copy = None
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def _dictionary_changed(sender: type[SearchTerm], **kwargs: object) -> None:
    global _copy
    # This process sees its own uncommitted change at once; the others after commit.
    _copy = None
    transaction.on_commit(_publish_change)


post_save.connect(_dictionary_changed, sender=SearchTerm, dispatch_uid="search_lexicon_saved")
post_delete.connect(_dictionary_changed, sender=SearchTerm, dispatch_uid="search_lexicon_deleted")

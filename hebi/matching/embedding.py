"""Vectors for records: computed in background tasks, stored with the hash of their text.

`embed_records` is the unit of work (one batch of one kind), safe to run twice and in any
number of workers at once: a record whose stored hash already matches is skipped, a text
another record already has reuses that vector, and each batch commits on its own, so a crash
loses at most the batch in hand. `pending_ids` is how a restart finds what is left.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import IntegrityError, transaction

from hebi.matching.documents import embed_text, matchable, role_of
from hebi.matching.engine import get_embedder, text_hash
from hebi.matching.index import embedder_name
from hebi.matching.models import Embedding, Kind


@dataclass
class EmbedReport:
    embedded: int = 0
    reused: int = 0
    unchanged: int = 0
    seconds: float = 0.0


def encode(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f2").tobytes()


def current_hashes(kind: str, ids: Iterable[int] | None = None) -> dict[int, tuple[str, str]]:
    """{id: (hash, text)} of the records of a kind that take part in matching."""
    qs = matchable(kind)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    out: dict[int, tuple[str, str]] = {}
    for record in qs.iterator(chunk_size=1000):
        text = embed_text(record)
        out[record.pk] = (text_hash(text), text)
    return out


def pending_ids(kind: str) -> list[int]:
    """Records whose vector is missing or was computed from an older text."""
    name = embedder_name()
    stored = dict(Embedding.objects.filter(kind=kind, embedder=name).values_list("object_id", "text_hash"))
    return sorted(pk for pk, (digest, _) in current_hashes(kind).items() if stored.get(pk) != digest)


def embed_records(kind: str, ids: Sequence[int]) -> EmbedReport:
    report = EmbedReport()
    embedder = get_embedder(settings.HEBI_EMBEDDER)
    if embedder is None:
        return report
    started = time.perf_counter()
    name = embedder.name
    wanted = current_hashes(kind, ids)
    stored = dict(
        Embedding.objects.filter(kind=kind, embedder=name, object_id__in=list(wanted)).values_list(
            "object_id", "text_hash"
        )
    )
    todo = {pk: value for pk, value in wanted.items() if stored.get(pk) != value[0]}
    report.unchanged = len(wanted) - len(todo)
    if not todo:
        return report
    # The same text elsewhere (a duplicate record, an earlier version) already has a vector.
    known = {
        digest: (bytes(blob), dim)
        for digest, blob, dim in Embedding.objects.filter(
            embedder=name, text_hash__in=[h for h, _ in todo.values()]
        ).values_list("text_hash", "vector", "dim")
    }
    fresh = [pk for pk, (digest, _) in todo.items() if digest not in known]
    if fresh:
        encode_fn = embedder.queries if role_of(kind) == "query" else embedder.passages
        for pk, vector in zip(fresh, encode_fn([todo[pk][1] for pk in fresh]), strict=True):
            known[todo[pk][0]] = (encode(vector), embedder.dim)
    report.embedded = len(fresh)
    report.reused = len(todo) - len(fresh)
    _store(kind, name, {pk: (digest, *known[digest]) for pk, (digest, _) in todo.items()})
    report.seconds = time.perf_counter() - started
    return report


def _store(kind: str, name: str, rows: dict[int, tuple[str, bytes, int]]) -> None:
    with transaction.atomic():
        existing = {
            e.object_id: e
            for e in Embedding.objects.select_for_update().filter(
                kind=kind, embedder=name, object_id__in=list(rows)
            )
        }
        updates = []
        for pk, (digest, blob, dim) in rows.items():
            row = existing.get(pk)
            if row is None:
                continue
            row.text_hash, row.vector, row.dim = digest, blob, dim
            updates.append(row)
        if updates:
            for row in updates:  # save() so that auto_now moves updated_at: the index reads it
                row.save(update_fields=["text_hash", "vector", "dim", "updated_at"])
        new = [
            Embedding(kind=kind, object_id=pk, embedder=name, text_hash=d, vector=b, dim=dim)
            for pk, (d, b, dim) in rows.items()
            if pk not in existing
        ]
    for row in new:
        # Another worker may have stored the same record meanwhile: theirs is as good as ours.
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            continue


def progress() -> list[dict[str, object]]:
    """Per kind: records that take part, those with a current vector, those still to do."""
    name = embedder_name()
    out = []
    for kind in Kind:
        hashes = current_hashes(kind)
        stored = dict(
            Embedding.objects.filter(kind=kind, embedder=name).values_list("object_id", "text_hash")
        )
        done = sum(1 for pk, (digest, _) in hashes.items() if stored.get(pk) == digest)
        out.append(
            {
                "kind": kind,
                "label": kind.label,
                "total": len(hashes),
                "done": done,
                "pending": len(hashes) - done,
            }
        )
    return out

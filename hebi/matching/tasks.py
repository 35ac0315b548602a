"""Background work of matching, through the one task API (django-tasks).

Embedding is split into batches, one task each, so that any number of workers (on any number
of machines sharing the queue) share the work; every batch commits on its own and skips what is
already current, so re-queuing after a crash (`manage.py embed`) only does what is left."""

from __future__ import annotations

import logging

from django.conf import settings
from django_tasks import task

from hebi.matching import embedding, services
from hebi.matching.documents import matchable
from hebi.matching.models import Kind

logger = logging.getLogger(__name__)


@task()
def embed_batch(kind: str, ids: list[int]) -> dict[str, float]:
    report = embedding.embed_records(kind, ids)
    return {
        "embedded": report.embedded,
        "reused": report.reused,
        "unchanged": report.unchanged,
        "seconds": round(report.seconds, 3),
    }


def enqueue_pending(kinds: list[str] | None = None, batch: int | None = None) -> int:
    """Queue a task per batch of records whose vector is missing or stale. Returns batches."""
    if settings.HEBI_EMBEDDER == "none":
        return 0
    size = batch or settings.HEBI_EMBED_BATCH
    queued = 0
    for kind in kinds or list(Kind.values):
        ids = embedding.pending_ids(kind)
        for at in range(0, len(ids), size):
            embed_batch.enqueue(kind, ids[at : at + size])
            queued += 1
    return queued


@task()
def match_published(kind: str, pk: int) -> int:
    """Embed a newly published record, rank its matches and push the strong ones."""
    record = matchable(kind).filter(pk=pk).first()
    if record is None:
        return 0  # withdrawn again before the worker got to it
    if settings.HEBI_EMBEDDER != "none":
        embedding.embed_records(kind, [pk])
    if kind == Kind.PATENT:
        return 0
    sent = services.push_matches(record)
    services.send_digests({n.recipient_id for n in sent})
    return len(sent)

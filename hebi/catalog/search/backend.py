"""Runs a parsed query on the database's own full-text engine.

SQLite: an FTS5 external-content table `<table>_fts` over the search_text column, kept in step by
triggers. PostgreSQL: a GIN index on to_tsvector('simple', search_text). search_text already
holds space-separated jieba tokens, so neither engine needs to know Chinese: SQLite's unicode61
tokenizer keeps a run of CJK characters as one token, and PostgreSQL's 'simple' configuration
keeps each word as it is.

Every token reaches the engine as a quoted string (quotes doubled), so user input cannot change
the query's structure: "AND", "NEAR", "*", "-" or a stray quote are just words.
"""

# SQL is built from table names of our own models; the user's words always travel as parameters.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.recorder import MigrationRecorder
from django.db.models import F, FloatField, QuerySet, Value
from django.db.models.expressions import Expression
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext as _

from hebi.catalog.search.text import SearchQuery

Mode = Literal["all", "any"]
M = TypeVar("M", bound=models.Model)


# -- query syntax -----------------------------------------------------------------------------
def _fts5_string(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _tsquery_lexeme(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def _compose(query: SearchQuery, mode: Mode, quote: Any, and_: str, or_: str) -> str:
    # parse_query never yields empty tokens, but an empty quoted string is a syntax error for
    # PostgreSQL, so a hand-made query is cleaned the same way.
    groups = []
    for group in query.groups:
        alternatives = [
            "(" + and_.join(quote(token) for token in alternative if token) + ")"
            for alternative in group.alternatives
            if any(alternative)
        ]
        if alternatives:
            groups.append("(" + or_.join(alternatives) + ")")
    return (and_ if mode == "all" else or_).join(groups)


def fts5_match(query: SearchQuery, mode: Mode = "all") -> str:
    """The FTS5 MATCH expression: AND (or OR) across groups, OR inside a group."""
    return _compose(query, mode, _fts5_string, " AND ", " OR ")


def tsquery(query: SearchQuery, mode: Mode = "all") -> str:
    """The same query in to_tsquery syntax."""
    return _compose(query, mode, _tsquery_lexeme, " & ", " | ")


# -- expressions ------------------------------------------------------------------------------
class _RowSearch(Expression):
    """An expression over one column of the row (pk or search_text) and the query text; the
    column is a source expression, so Django renames its table alias inside subqueries."""

    def __init__(self, column: Any, query_text: str, output_field: models.Field, table: str = "") -> None:
        super().__init__(output_field=output_field)
        self.column, self.query_text, self.table = column, query_text, table

    def get_source_expressions(self) -> list[Any]:
        return [self.column]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.column,) = exprs


# -- SQLite FTS5 ------------------------------------------------------------------------------
def fts_table(db_table: str) -> str:
    return f"{db_table}_fts"


class _Fts5Match(_RowSearch):
    """pk IN (the rowids FTS5 finds). Used as a filter; needs no join, so counting stays cheap."""

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        pk_sql, pk_params = compiler.compile(self.column)
        fts = connection.ops.quote_name(self.table)
        return f"{pk_sql} IN (SELECT rowid FROM {fts} WHERE {fts} MATCH %s)", (*pk_params, self.query_text)


class _Fts5Rank(_RowSearch):
    """BM25 of the row, negated so that higher is better.

    FTS5 computes BM25's corpus statistics once per full-text cursor. Looking a row up by rowid
    opens a fresh cursor each time, so a per-row lookup (or a join, which SQLite runs the same
    way when a facet index looks cheaper) would rescan every term's postings for each candidate:
    seconds at 100,000 records. Instead the matches are scored once, in a subquery that
    "LIMIT -1 OFFSET 0" keeps SQLite from flattening, and each row finds its score there through
    an automatic index.
    """

    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        pk_sql, pk_params = compiler.compile(self.column)
        fts = connection.ops.quote_name(self.table)
        scores = f"SELECT rowid AS hit, -rank AS score FROM {fts} WHERE {fts} MATCH %s LIMIT -1 OFFSET 0"
        return (
            f"(SELECT scored.score FROM ({scores}) AS scored WHERE scored.hit = {pk_sql})",
            (self.query_text, *pk_params),
        )


# -- PostgreSQL -------------------------------------------------------------------------------
# Written exactly as in the GIN index so that the planner uses it.
_TSVECTOR = "to_tsvector('simple'::regconfig, {})"
_TSQUERY = "to_tsquery('simple'::regconfig, %s)"


class _TsMatch(_RowSearch):
    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        sql, params = compiler.compile(self.column)
        return f"{_TSVECTOR.format(sql)} @@ {_TSQUERY}", (*params, self.query_text)


class _TsRank(_RowSearch):
    def as_sql(self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any) -> Any:
        sql, params = compiler.compile(self.column)
        return f"ts_rank({_TSVECTOR.format(sql)}, {_TSQUERY})", (*params, self.query_text)


# -- the entry point --------------------------------------------------------------------------
def apply_search(
    qs: QuerySet[M], query: SearchQuery, *, order: bool = True, mode: Mode = "all"
) -> QuerySet[M]:
    """Rows of qs (Achievement, Need or Patent) that match the query, annotated with search_rank
    (higher is better) and, with order, sorted by it (ties keep qs's own order).

    mode="all": every query word must match (through one of its synonyms); mode="any": at least
    one, for a second try when "all" finds nothing.
    """
    connection = connections[qs.db]
    match = fts5_match(query, mode)
    if not match:  # only a hand-made query can be empty
        return qs.annotate(search_rank=Value(0.0)).none()
    if connection.vendor == "sqlite":
        table = fts_table(qs.model._meta.db_table)
        qs = qs.filter(_Fts5Match(F("pk"), match, models.BooleanField(), table))
        qs = qs.annotate(search_rank=_Fts5Rank(F("pk"), match, FloatField(), table))
    elif connection.vendor == "postgresql":
        text = tsquery(query, mode)
        qs = qs.filter(_TsMatch(F("search_text"), text, models.BooleanField()))
        qs = qs.annotate(search_rank=_TsRank(F("search_text"), text, FloatField()))
    else:
        raise NotImplementedError(_("全文检索不支持该数据库：%(vendor)s") % {"vendor": connection.vendor})
    if order:
        tie_break = list(qs.query.order_by or qs.model._meta.ordering or ["-pk"])
        qs = qs.order_by("-search_rank", *tie_break)
    return qs


# -- the index itself (used by migration 0003 and `reindex_search`) ---------------------------
def _sqlite_statements(db_table: str) -> list[str]:
    fts = fts_table(db_table)
    q = f'"{fts}"'
    base = f'"{db_table}"'
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {q} USING fts5("
        f"search_text, content={base}, content_rowid='id', tokenize='unicode61')",
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_ai" AFTER INSERT ON {base} BEGIN '
        f"INSERT INTO {q}(rowid, search_text) VALUES (new.id, new.search_text); END",
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_ad" AFTER DELETE ON {base} BEGIN '
        f"INSERT INTO {q}({q}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
        # Status changes and other edits leave the index alone; only a new text re-indexes.
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_au" AFTER UPDATE OF search_text ON {base} '
        f"WHEN old.search_text IS NOT new.search_text BEGIN "
        f"INSERT INTO {q}({q}, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
        f"INSERT INTO {q}(rowid, search_text) VALUES (new.id, new.search_text); END",
    ]


def _sqlite_objects(db_table: str) -> set[str]:
    fts = fts_table(db_table)
    return {fts, f"{fts}_ai", f"{fts}_ad", f"{fts}_au"}


def _postgresql_index(db_table: str) -> str:
    return f"{db_table}_search_gin"


def create_search_index(connection: BaseDatabaseWrapper, db_tables: Iterable[str]) -> list[str]:
    """Create whatever part of the index is missing and fill it; the names of tables repaired."""
    repaired = []
    with connection.cursor() as cursor:
        for db_table in db_tables:
            if connection.vendor == "sqlite":
                cursor.execute(
                    "SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
                    sorted(_sqlite_objects(db_table)),
                )
                if {row[0] for row in cursor.fetchall()} == _sqlite_objects(db_table):
                    continue
                for statement in _sqlite_statements(db_table):
                    cursor.execute(statement)
                fts = fts_table(db_table)
                cursor.execute(f'INSERT INTO "{fts}"("{fts}") VALUES (\'rebuild\')')
                repaired.append(db_table)
            elif connection.vendor == "postgresql":
                index = _postgresql_index(db_table)
                cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [index])
                if cursor.fetchone():
                    continue
                cursor.execute(
                    f'CREATE INDEX IF NOT EXISTS "{index}" ON "{db_table}" '
                    f"USING gin ({_TSVECTOR.format('search_text')})"
                )
                repaired.append(db_table)
    return repaired


SEARCH_INDEX_MIGRATION = ("catalog", "0003_search_index")


def repair_search_index(*, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> list[str]:
    """post_migrate receiver. On SQLite a later migration that alters a registry table rebuilds
    it (copy, drop, rename), and dropping the old table drops its triggers: the index would stop
    following edits without a word. This puts them back (and refills the index) after migrate."""
    from hebi.catalog.models import Achievement, Need, Patent

    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        return []
    if SEARCH_INDEX_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return []
    return create_search_index(connection, [m._meta.db_table for m in (Achievement, Need, Patent)])


def drop_search_index(connection: BaseDatabaseWrapper, db_tables: Iterable[str]) -> None:
    with connection.cursor() as cursor:
        for db_table in db_tables:
            if connection.vendor == "sqlite":
                fts = fts_table(db_table)
                for trigger in ("ai", "ad", "au"):
                    cursor.execute(f'DROP TRIGGER IF EXISTS "{fts}_{trigger}"')
                cursor.execute(f'DROP TABLE IF EXISTS "{fts}"')
            elif connection.vendor == "postgresql":
                cursor.execute(f'DROP INDEX IF EXISTS "{_postgresql_index(db_table)}"')

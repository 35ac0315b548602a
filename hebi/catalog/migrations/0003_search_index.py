"""The full-text index over search_text: FTS5 tables kept by triggers on SQLite, GIN expression
indexes on PostgreSQL (see hebi/catalog/search/backend.py). Other databases get nothing."""

from django.db import migrations

MODELS = ["Achievement", "Need", "Patent"]


def _tables(apps):
    return [apps.get_model("catalog", name)._meta.db_table for name in MODELS]


def create(apps, schema_editor):
    from hebi.catalog.search.backend import create_search_index

    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        create_search_index(schema_editor.connection, _tables(apps))


def drop(apps, schema_editor):
    from hebi.catalog.search.backend import drop_search_index

    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        drop_search_index(schema_editor.connection, _tables(apps))


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_reference_data")]

    operations = [migrations.RunPython(create, drop)]

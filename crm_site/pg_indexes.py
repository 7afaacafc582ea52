"""Indexes that only PostgreSQL gets, created by migrations (SQLite, the embedded default, goes without).

Expression, partial-with-expression and GIN (pg_trgm) indexes that SQLite cannot create, or that only
matter at a million customers, are kept out of the models' state and written as SQL here, so that
``makemigrations`` never sees them and SQLite keeps working (slower) without them.
"""

from django.db import migrations


def postgresql_indexes(indexes: dict[str, str]) -> migrations.RunPython:
    """A migration operation: ``CREATE INDEX IF NOT EXISTS <name> <definition>`` for each of ``indexes``
    on PostgreSQL (``definition`` starts with ``ON <table>``), ``DROP INDEX IF EXISTS`` backwards;
    nothing on another database."""

    def create(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name, definition in indexes.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for name in indexes:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop, elidable=False)

"""The idempotency key's uniqueness becomes a named constraint: on PostgreSQL one index instead of two.

A CharField with unique=True gets, on PostgreSQL, a second index (varchar_pattern_ops) for LIKE
queries, which nothing runs on keys; every row of a fan-out paid for it (about a tenth of the COPY's
time in the database). The state moves the uniqueness to `delivery_one_per_key`; in the database,
PostgreSQL's unique constraint is renamed to it and the LIKE index dropped. SQLite's table keeps its
column constraint, which is the same unique index; its next rebuild names it.
"""

from django.db import migrations, models

TABLE = "messaging_delivery"
NAME = "delivery_one_per_key"


def _key_indexes(schema_editor):
    """The names of PostgreSQL's unique constraint and LIKE index on the key, as they are now."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, TABLE)
    unique = [
        name
        for name, info in constraints.items()
        if info["columns"] == ["idempotency_key"] and info["unique"] and not info["primary_key"]
    ]
    like = [
        name
        for name, info in constraints.items()
        if info["columns"] == ["idempotency_key"] and info["index"] and name.endswith("_like")
    ]
    return unique, like


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    unique, like = _key_indexes(schema_editor)
    for name in like:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
    for name in unique:
        if name != NAME:
            schema_editor.execute(
                f"ALTER TABLE {TABLE} RENAME CONSTRAINT {schema_editor.quote_name(name)} TO {NAME}"
            )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    unique, like = _key_indexes(schema_editor)
    if NAME in unique:
        schema_editor.execute(
            f"ALTER TABLE {TABLE} RENAME CONSTRAINT {NAME} TO messaging_delivery_idempotency_key_key"
        )
    if not like:
        schema_editor.execute(
            f"CREATE INDEX messaging_delivery_idempotency_key_like ON {TABLE} "
            "(idempotency_key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_deliveries_by_message")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery", name="idempotency_key", field=models.CharField(max_length=64)
                ),
                migrations.AddConstraint(
                    model_name="delivery",
                    constraint=models.UniqueConstraint(fields=["idempotency_key"], name=NAME),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]

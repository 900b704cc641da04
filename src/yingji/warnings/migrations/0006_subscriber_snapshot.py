"""The subscribers' arrays stored for targeting (subscribers.py, decision 0024).

On PostgreSQL the value is stored out of line without compression: its ~45 MB per million subscribers
are mostly coordinates, which TOAST's compression barely shrinks while it slows writing and reading
the value several times over.
"""

import django.utils.timezone
from django.db import migrations, models


def store_uncompressed(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE early_warnings_subscribersnapshot ALTER COLUMN data SET STORAGE EXTERNAL"
        )


class Migration(migrations.Migration):
    dependencies = [("early_warnings", "0005_population_grid_to_geography")]

    operations = [
        migrations.CreateModel(
            name="SubscriberSnapshot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("read_at", models.DateTimeField()),
                ("rows", models.PositiveIntegerField()),
                ("last_id", models.BigIntegerField()),
                ("format", models.PositiveSmallIntegerField(default=1)),
                ("data", models.BinaryField()),
                ("stored_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={"verbose_name": "订阅快照", "verbose_name_plural": "订阅快照"},
        ),
        migrations.RunPython(store_uncompressed, migrations.RunPython.noop),
    ]

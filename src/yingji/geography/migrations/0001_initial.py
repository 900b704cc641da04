"""The population grid, moved here from the warnings app (early_warnings 0003 renamed its table).

State only: on an existing database the table and its rows are already there under this app's
name; on a new one early_warnings 0001 creates it and 0003 renames it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("core", "0002_deadlines_and_notifications"),
        ("early_warnings", "0005_population_grid_to_geography"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="PopulationGrid",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("west", models.FloatField()),
                        ("south", models.FloatField()),
                        ("cell_lon", models.FloatField()),
                        ("cell_lat", models.FloatField()),
                        ("rows", models.PositiveIntegerField()),
                        ("cols", models.PositiveIntegerField()),
                        ("county_codes", models.JSONField(default=list)),
                        ("people", models.BinaryField()),
                        ("county_index", models.BinaryField()),
                        ("township_codes", models.JSONField(default=list)),
                        ("township_index", models.BinaryField(default=b"")),
                        ("village_cells", models.JSONField(default=dict)),
                        ("total_people", models.FloatField(default=0)),
                        ("method", models.TextField(blank=True, verbose_name="方法说明")),
                        ("built_at", models.DateTimeField(default=django.utils.timezone.now)),
                        (
                            "region",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="population_grid",
                                to="core.region",
                            ),
                        ),
                    ],
                    options={"verbose_name": "人口网格", "verbose_name_plural": "人口网格"},
                ),
            ],
        ),
    ]

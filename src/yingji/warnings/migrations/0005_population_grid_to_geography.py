"""The population grid moves to the geography app: its table is renamed, so its rows stay.

The table becomes the one geography's model names (geography_populationgrid); the model leaves this
app's state here and enters geography's in geography 0001, which depends on this migration.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("early_warnings", "0004_messages_of_earlier_deliveries")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(name="populationgrid", table="geography_populationgrid"),
            ],
            state_operations=[migrations.DeleteModel(name="PopulationGrid")],
        ),
    ]

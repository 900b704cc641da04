"""The delivery outbox moves to the shared messaging app: the table stays, only this app's state lets go."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("early_warnings", "0002_warning_types"),
        ("messaging", "0001_delivery_from_warnings"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[migrations.DeleteModel(name="Delivery")]),
    ]

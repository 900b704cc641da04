"""Seed the warning types from data/warning_types.json (data, not code: the city may add or edit them)."""

import json
from pathlib import Path

from django.db import migrations

TYPES_FILE = Path(__file__).resolve().parent.parent / "data" / "warning_types.json"


def load_types(apps, schema_editor):
    WarningType = apps.get_model("early_warnings", "WarningType")
    for row in json.loads(TYPES_FILE.read_text(encoding="utf-8")):
        WarningType.objects.update_or_create(code=row["code"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("early_warnings", "0001_initial")]
    operations = [migrations.RunPython(load_types, migrations.RunPython.noop)]

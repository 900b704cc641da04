"""Load the catalog shipped with the app (data/catalog.json): a deployment has it without the demo."""

from django.db import migrations


def load(apps, schema_editor):
    from yingji.materials.catalog import load_catalog

    load_catalog(apps.get_model("materials", "Material"))


class Migration(migrations.Migration):
    dependencies = [("materials", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""The reference tables a city starts from: headquarters groups, incident profiles, measure checklists."""

from django.db import migrations


def load(apps, schema_editor):
    from yingji.response.data import references

    GroupKind = apps.get_model("response", "GroupKind")
    IncidentProfile = apps.get_model("response", "IncidentProfile")
    MeasureItem = apps.get_model("response", "MeasureItem")
    kinds = {}
    for position, (code, name, duties) in enumerate(references.GROUP_KINDS):
        kinds[code], _ = GroupKind.objects.get_or_create(
            code=code, defaults={"name": name, "duties": duties, "position": position}
        )
    for category, subtype, teams, equipment, chemical, aviation in references.PROFILES:
        IncidentProfile.objects.get_or_create(
            category=category,
            subtype=subtype,
            defaults={
                "team_kinds": list(teams),
                "equipment_kinds": list(equipment),
                "chemical": chemical,
                "aviation": aviation,
            },
        )
    if not MeasureItem.objects.exists():
        MeasureItem.objects.bulk_create(
            MeasureItem(
                category=category, subtype=subtype, text=text, group_kind=kinds[group], hours=hours, position=i
            )
            for i, (category, subtype, text, group, hours) in enumerate(references.MEASURES)
        )


class Migration(migrations.Migration):
    dependencies = [("response", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

# The platform's own steps of an alarm's timeline stored "已通知至县级 / notified up to the county" and
# the like in the note, shown as is in both languages; they now keep the tier told in told_tier and
# leave the note to what people write. Existing rows are converted.

from django.db import migrations, models

TIERS = {"企业": 0, "县级": 1, "市级": 2}
SYSTEM_NOTES = ("读数恢复正常 / readings back to normal", "传感器恢复上报 / the sensor reports again")
TOLD = "已通知至"
OVERDUE = "超时未确认，逐级上报 / not acknowledged in time, reported up."


def split_system_notes(apps, schema_editor):
    AlarmEvent = apps.get_model("monitoring", "AlarmEvent")
    AlarmEvent.objects.filter(note__in=SYSTEM_NOTES).update(note="")
    for event in AlarmEvent.objects.filter(note__contains=TOLD).only("id", "note"):
        rest = event.note.removeprefix(OVERDUE).strip()
        tier = next((rank for label, rank in TIERS.items() if rest.startswith(TOLD + label)), None)
        if tier is not None:
            AlarmEvent.objects.filter(pk=event.pk).update(note="", told_tier=tier)
    AlarmEvent.objects.filter(note=OVERDUE).update(note="")


class Migration(migrations.Migration):

    dependencies = [
        ('monitoring', '0002_sensorstate_without_offline_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='alarmevent',
            name='told_tier',
            field=models.SmallIntegerField(blank=True, choices=[(0, '企业'), (1, '县级'), (2, '市级')], null=True),
        ),
        migrations.RunPython(split_system_notes, migrations.RunPython.noop),
    ]

"""The shelter norms table starts from the defaults of `kinds.SHELTER_DEFAULTS` (unconfirmed values)."""

from django.db import migrations

DEFAULTS = {
    "emergency": (0.5, 0.5),
    "short_term": (2.0, 1.0),
    "medium_term": (3.0, 1.5),
    "long_term": (4.5, 2.0),
    "central": (4.5, 5.0),
}


def seed(apps, schema_editor):
    ShelterNorm = apps.get_model("resources", "ShelterNorm")
    for code, (area, km) in DEFAULTS.items():
        ShelterNorm.objects.get_or_create(
            shelter_type=code, defaults={"area_per_person_m2": area, "service_km": km, "confirmed": False}
        )


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""Every delivery has its message now (early_warnings 0004): the warning column and its indexes go.

The per-object indexes start with the message instead: a warning's coverage count and summaries
read the rows of its few messages (one per channel) as they read the rows of the warning before.
"""

import django.db.models.deletion
from django.db import migrations, models

WARNING = "early_warnings.earlywarning"


def restore_warnings(apps, schema_editor):
    """Going back: each delivery about a warning names it again."""
    Delivery = apps.get_model("messaging", "Delivery")
    Message = apps.get_model("messaging", "Message")
    for message_id, object_id in Message.objects.filter(object_type=WARNING).values_list("id", "object_id"):
        Delivery.objects.filter(message_id=message_id).update(warning_id=int(object_id))


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0002_messages"),
        ("early_warnings", "0004_messages_of_earlier_deliveries"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="delivery", name="delivery_by_warning"),
        migrations.RemoveIndex(model_name="delivery", name="delivery_delivered"),
        migrations.RunPython(migrations.RunPython.noop, restore_warnings),
        migrations.RemoveField(model_name="delivery", name="warning"),
        migrations.AlterField(
            model_name="delivery",
            name="message",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="messaging.message",
            ),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["message", "status", "channel", "cell"], name="delivery_by_message"),
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                condition=models.Q(("delivered_at__isnull", False)),
                fields=["message", "delivered_at"],
                name="delivery_delivered",
            ),
        ),
    ]

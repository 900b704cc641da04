"""The outbox serves every domain: its table is this app's, and each delivery carries a message.

A `Message` is the text and what it is about; a delivery row points to it. The rows queued before
get their messages from early_warnings 0004 (the texts a warning's channels sent), after which 0003
here drops the warning column.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("messaging", "0001_delivery_from_warnings"),
        ("early_warnings", "0003_delivery_to_messaging"),
    ]

    operations = [
        migrations.AlterModelTable(name="delivery", table=None),
        migrations.AlterModelOptions(
            name="delivery",
            options={"ordering": ["id"], "verbose_name": "消息送达", "verbose_name_plural": "消息送达"},
        ),
        migrations.CreateModel(
            name="Message",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("object_type", models.CharField(max_length=64)),
                ("object_id", models.CharField(max_length=64)),
                ("subject", models.CharField(blank=True, max_length=200, verbose_name="标题")),
                ("body", models.TextField(verbose_name="正文")),
                ("link", models.CharField(blank=True, max_length=200, verbose_name="链接")),
                ("digest", models.CharField(max_length=32, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "消息",
                "verbose_name_plural": "消息",
                "ordering": ["id"],
                "indexes": [models.Index(fields=["object_type", "object_id"], name="message_about")],
            },
        ),
        migrations.AddField(
            model_name="delivery",
            name="message",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="messaging.message",
            ),
        ),
        # Nullable for its last steps: reversing 0003 brings the column back before it is filled.
        migrations.AlterField(
            model_name="delivery",
            name="warning",
            field=models.ForeignKey(
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="early_warnings.earlywarning",
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="recipient_kind",
            field=models.CharField(max_length=16, verbose_name="接收对象"),
        ),
    ]

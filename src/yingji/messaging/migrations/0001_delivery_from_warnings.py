"""The warnings' delivery outbox becomes this app's: the same table and rows, taken over in state only.

Migration 0003 of early_warnings drops the model from that app's state; 0002 here then renames the
table and generalizes the rows (decision record 0021).
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_deadlines_and_notifications"),
        ("early_warnings", "0002_warning_types"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Delivery",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("channel", models.CharField(choices=[("sms", "短信"), ("broadcast", "应急广播"), ("app", "App 推送"), ("inbox", "站内消息")], max_length=10, verbose_name="渠道")),
                        ("recipient_kind", models.CharField(choices=[("user", "平台用户"), ("responder", "预警责任人"), ("subscriber", "公众订阅"), ("terminal", "广播终端")], max_length=10, verbose_name="接收对象")),
                        ("recipient_id", models.BigIntegerField()),
                        ("address", models.CharField(max_length=200, verbose_name="地址")),
                        ("cell", models.IntegerField(default=-1)),
                        ("idempotency_key", models.CharField(max_length=64, unique=True)),
                        ("status", models.CharField(choices=[("queued", "排队"), ("sending", "发送中"), ("sent", "已发送"), ("delivered", "已送达"), ("failed", "失败")], default="queued", max_length=10, verbose_name="状态")),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("claimed_by", models.CharField(blank=True, max_length=64)),
                        ("claimed_until", models.DateTimeField(blank=True, null=True)),
                        ("provider_id", models.CharField(blank=True, max_length=100, verbose_name="通道回执号")),
                        ("last_error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("region", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.region")),
                        ("warning", models.ForeignKey(db_constraint=False, db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="deliveries", to="early_warnings.earlywarning")),
                    ],
                    options={
                        "verbose_name": "预警送达",
                        "verbose_name_plural": "预警送达",
                        "ordering": ["id"],
                        "db_table": "early_warnings_delivery",
                        "indexes": [
                            models.Index(fields=["status", "next_attempt_at", "id"], name="delivery_outbox"),
                            models.Index(fields=["warning", "status", "channel", "cell"], name="delivery_by_warning"),
                            models.Index(condition=models.Q(("provider_id", ""), _negated=True), fields=["provider_id"], name="delivery_provider"),
                            models.Index(condition=models.Q(("delivered_at__isnull", False)), fields=["warning", "delivered_at"], name="delivery_delivered"),
                        ],
                    },
                ),
            ],
        ),
    ]

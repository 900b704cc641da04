"""The inbox side of the risk-point demo: a point the demo made due is on its officers' to-do lists (step 31).

The demo writes points due for reassessment straight into that state; the deadline handler that
would have told the officers never ran, so this step writes its to-do, dated when it came due.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from yingji.core.demo import DemoContext, register_demo_step, tell_once
from yingji.risks import services
from yingji.risks.models import RiskPoint


@register_demo_step(31, "风险点待办")
def risk_point_todos(context: DemoContext) -> None:
    due = RiskPoint.objects.filter(reassessment_due=True, reassess_on__isnull=False)
    local = timezone.get_default_timezone()
    for point in due.select_related("enterprise").order_by("id"):
        assert point.reassess_on is not None
        moment = datetime.combine(point.reassess_on, services.DUE_TIME, tzinfo=local)
        tell_once(point, services.REASSESS_TASK, moment, lambda p=point: services.tell_reassessment_due(p))

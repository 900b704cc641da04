"""The inbox side of the major-hazard demo: a filing the demo made due for review is a to-do (step 41).

The demo writes filings whose review notice has passed straight into 待复核; the deadline handler
that would have told the enterprise and the county never ran, so this step writes its to-do, dated
when the notice came.
"""

from __future__ import annotations

from yingji.core.demo import DemoContext, register_demo_step, tell_once
from yingji.majorhazards import services
from yingji.majorhazards.models import REVIEW_DUE, Installation


@register_demo_step(41, "重大危险源待办")
def filing_todos(context: DemoContext) -> None:
    due = Installation.objects.filter(
        filing_status=REVIEW_DUE, is_major=True, review_due_on__isnull=False
    ).select_related("enterprise", "enterprise__region")
    for installation in due.order_by("id"):
        assert installation.review_due_on is not None
        moment = services.review_notice_at(installation.review_due_on)
        tell_once(
            installation, services.REFILE_TASK, moment, lambda i=installation: services.tell_review_due(i)
        )

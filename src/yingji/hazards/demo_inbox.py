"""The inbox side of the hazard stories: the to-dos their states call for (demo step 51).

The hazard stories (demo.py) write hazards, plans and requests straight into their states; this step
then writes what the services would have written on the way: a hazard waiting for acceptance is on its
supervisors' to-do lists from the moment it was submitted, a pending extension from the moment it was
requested. Kept apart from the stories so that either can change without the other.
"""

from __future__ import annotations

from yingji.core.demo import DemoContext, register_demo_step, tell_once
from yingji.hazards import lifecycle, services
from yingji.hazards.models import PENDING, ExtensionRequest, Hazard, HazardTransition


@register_demo_step(51, "隐患待办")
def hazard_todos(context: DemoContext) -> None:
    waiting = Hazard.objects.filter(status=lifecycle.AWAITING_ACCEPTANCE).select_related(
        "enterprise", "enterprise__region"
    )
    submitted = dict(
        HazardTransition.objects.filter(hazard__in=waiting, action=lifecycle.SUBMIT)
        .order_by("hazard_id", "at")
        .values_list("hazard_id", "at")
    )  # the latest submission of each (ordered by time, the dict keeps the last)
    for hazard in waiting.order_by("id"):
        moment = submitted.get(hazard.pk, hazard.updated_at)
        tell_once(hazard, services.ACCEPT_TASK, moment, lambda h=hazard: services.tell_awaiting_acceptance(h))
    requests = ExtensionRequest.objects.filter(status=PENDING).select_related(
        "hazard", "hazard__enterprise", "hazard__enterprise__region"
    )
    for request in requests.order_by("id"):
        tell_once(
            request.hazard,
            services.DECIDE_EXTENSION_TASK,
            request.requested_at,
            lambda r=request: services.tell_extension_requested(r.hazard, r.reason),
        )

"""Notices that come due by themselves (core jobs' periodic checks, ADR 0014): a member's certificate
about to expire, a piece of equipment due for maintenance.

Each record is told once per date (`notified_for` holds the date the notice was for), so a renewal or
a new maintenance date re-arms it. The keepers are told: the county administrators of the record's
county and, for an enterprise's team, the enterprise's safety officers.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse

from yingji.core import jobs, regioncodes, roles
from yingji.core.models import User
from yingji.resources.models import Certificate, Equipment

CERTIFICATE_NOTICE = timedelta(days=30)
MAINTENANCE_NOTICE = timedelta(days=14)
BATCH = 500
LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def keepers(region_path: str, organization_id: int) -> list[User]:
    """The people told about a resource: its county's administrators and its own enterprise officers."""
    county = next(
        (
            code
            for code in regioncodes.codes_in_path(region_path)
            if regioncodes.level_of(code) == regioncodes.COUNTY
        ),
        None,
    )
    condition = Q(role=roles.ENTERPRISE_OFFICER, organization_id=organization_id)
    if county is not None:
        condition |= Q(role=roles.COUNTY_ADMIN, region_id=county)
    return list(User.objects.filter(condition, is_active=True))


@jobs.periodic_check("resources.certificates")
def certificates_expiring(now: datetime) -> int:
    """Tell the keepers of each certificate that expires within 30 days (or has expired) once."""
    today = now.astimezone(LOCAL_TIME).date()
    pending = Certificate.objects.filter(expires_on__lte=today + CERTIFICATE_NOTICE).exclude(
        notified_for=F("expires_on")
    )
    if not pending.exists():
        return 0
    with transaction.atomic():
        rows = list(
            pending.select_for_update(of=("self",))
            .select_related("member__team__region")
            .order_by("id")[:BATCH]
        )
        for certificate in rows:
            team = certificate.member.team
            expired = certificate.expires_on < today
            subject = f"{team.name} {certificate.member.name} 的{certificate.name}" + (
                "已过期" if expired else f"将于 {certificate.expires_on:%Y-%m-%d} 到期"
            )
            jobs.notify(
                keepers(team.region.path, team.organization_id),
                subject,
                body="请及时复审或换证。",
                link=reverse("resources:team_detail", args=[team.pk]),
                about=team,
            )
            certificate.notified_for = certificate.expires_on
        Certificate.objects.bulk_update(rows, ["notified_for"])
    return len(rows)


@jobs.periodic_check("resources.maintenance")
def maintenance_due(now: datetime) -> int:
    """Tell the keepers of each piece of equipment whose maintenance falls due within 14 days once."""
    today = now.astimezone(LOCAL_TIME).date()
    pending = Equipment.objects.filter(maintenance_due_on__lte=today + MAINTENANCE_NOTICE).exclude(
        notified_for=F("maintenance_due_on")
    )
    if not pending.exists():
        return 0
    with transaction.atomic():
        rows = list(pending.select_for_update(of=("self",)).select_related("region").order_by("id")[:BATCH])
        for equipment in rows:
            due = equipment.maintenance_due_on
            overdue = due is not None and due < today
            jobs.notify(
                keepers(equipment.region.path, equipment.organization_id),
                f"{equipment.name}" + ("保养已逾期" if overdue else f"应于 {due:%Y-%m-%d} 前保养"),
                body="请安排维护保养并更新下次保养日期。",
                link=reverse("resources:equipment_list") + f"?q={equipment.name}",
                about=equipment,
            )
            equipment.notified_for = due
        Equipment.objects.bulk_update(rows, ["notified_for"])
    return len(rows)

"""Foreign CAP messages (the meteorological bureau's, the province's) put on air as imported warnings.

An Alert becomes a new warning; an Update or a Cancel a new version of the warning it references
(found by sender and identifier). The issuing region is the lowest region that holds the whole area
(its region codes and its shapes, up to the boundary tolerance), never below a county, and it must
lie in the importing user's region.

Who may put it on air is the city's list of trusted senders (cap/trust.py), not the message's own
`<sender>`, which anyone can write: a trusted sender's message whose area lies in the region it is
trusted for is published at once, through the same `services.make_live` as the platform's own
warnings. Any other message is kept as a submitted warning, and its approvers are told: it goes on
air only when someone who may approve its level in its region publishes it (`ApprovalRule`). Either
way the message is kept as received. Everything happens in one transaction: a message that cannot
be imported leaves nothing behind.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from shapely.geometry import shape as shapely_shape

from yingji.core import audit, regioncodes
from yingji.core.errors import Conflict, Forbidden, InvalidInput
from yingji.core.models import Region, User
from yingji.geography import containment
from yingji.warnings import services
from yingji.warnings.cap import alerts, trust
from yingji.warnings.models import EarlyWarning

ISSUING_DEPTH = regioncodes.LEVEL_DEPTH[regioncodes.COUNTY]


def import_cap(user: User, data: bytes, *, now: datetime | None = None) -> EarlyWarning:
    """Import one CAP 1.2 message as `user`; the new version: published (or cancelled, for a Cancel)
    when a trusted sender sent it for its region, else submitted for approval.

    400 for an invalid or hostile message, 403 when the area lies outside the user's region or the
    user may not import, 409 for a message already imported or a reference no longer on air.
    """
    services.require(services.may_import(user))
    now = now or timezone.now()
    message = alerts.parse_message(data)
    already = Conflict(
        f"该消息已导入：{message.sender} {message.identifier} / "
        f"This message was already imported: {message.sender} {message.identifier}",
        code="already_imported",
    )
    with transaction.atomic():
        if _matching(EarlyWarning.objects.all(), message.sender, message.identifier):
            raise already
        previous = _referenced_version(user, message) if message.msg_type != EarlyWarning.ALERT else None
        warning = _new_version(user, message, previous, now)
        try:
            with transaction.atomic():
                warning.save()
        except IntegrityError:  # the same message imported at the same moment by another request
            raise already from None
        if warning.series_id is None:
            warning.series = warning
            warning.save(update_fields=["series"])
        if trust.trusted_for(message.sender, warning.region) is not None:
            warning.approved_at, warning.approved_by = now, user
            services.make_live(warning, user, now)
        else:
            audit.record(user, "warning.imported", warning, after=audit.snapshot(warning))
            services.tell_approvers(warning)
    return warning


def _referenced_version(user: User, message: alerts.ImportedMessage) -> EarlyWarning:
    """The version on air that an Update or Cancel replaces, among those the user may see."""
    visible = (
        EarlyWarning.objects.visible_to(user)
        .select_for_update(of=("self",))
        .filter(published_at__isnull=False)
    )
    found = []
    for reference in message.references:
        found += _matching(visible, reference.sender, reference.identifier)
    if not found:
        listed = " ".join(f"{r.sender},{r.identifier}" for r in message.references)
        raise InvalidInput(
            f"references 指向的预警不存在或不在您的管辖范围：{listed} / "
            f"No warning in your region matches the references: {listed}",
            code="unknown_reference",
            details={"references": [r.__dict__ for r in message.references]},
        )
    live = [version for version in found if version.status == EarlyWarning.PUBLISHED]
    if not live:
        latest = max(found, key=lambda version: version.version)
        raise Conflict(
            f"被引用的预警已不在发布中（{latest.get_status_display()}）/ "
            f"The referenced warning is no longer published ({latest.status})",
            details={"warning": latest.pk, "status": latest.status},
        )
    return max(live, key=lambda version: version.version)


def _matching(versions: Any, sender: str, identifier: str) -> list[EarlyWarning]:
    """The versions among `versions` that went out as (sender, identifier).

    The platform's own versions carry no sender of their own: theirs is the platform's.
    """
    return [
        version
        for version in versions.filter(identifier=identifier).select_related("region")
        if (version.sender or alerts.platform_sender(version.region)) == sender
    ]


def _new_version(
    user: User, message: alerts.ImportedMessage, previous: EarlyWarning | None, now: datetime
) -> EarlyWarning:
    info = message.info
    if info is None:  # a Cancel without <info> lifts the referenced warning as it stands
        assert previous is not None
        fields: dict[str, Any] = {name: getattr(previous, name) for name in services.DRAFT_FIELDS}
        fields["category"] = previous.category
        fields["headline"] = f"解除{previous.headline}"[: alerts.MAX_HEADLINE]
        region = previous.region
    else:
        if message.msg_type != EarlyWarning.CANCEL and info.expires <= now:
            raise Conflict(
                "消息已过失效时间 / The message has already expired",
                details={"expires": info.expires.isoformat()},
            )
        shapes = services.clean_shapes(info.area_shapes)
        fields = {
            "warning_type": info.warning_type,
            "category": info.category,
            "level": info.level,
            "headline": info.headline,
            "description": info.description,
            "instruction": info.instruction,
            "area_description": info.area_description,
            "area_codes": info.area_codes,
            "area_shapes": shapes,
            "onset": info.onset,
            "expires": info.expires,
        }
        region = issuing_region(info.area_codes, shapes)
    if not user.scope.covers_region(region):
        raise Forbidden(
            f"消息的预警区域（{region.name} {region.code}）不在您的管辖范围 / "
            f"The message's area ({region.code}) lies outside your region",
            details={"region": region.code},
        )
    return EarlyWarning(
        **fields,
        msg_type=message.msg_type,
        supersedes=previous,
        series_id=(previous.series_id or previous.pk) if previous else None,
        version=previous.version + 1 if previous else 1,
        region=region,
        source=EarlyWarning.IMPORTED,
        sender=message.sender,
        identifier=message.identifier,
        cap_xml=message.text,
        status=EarlyWarning.SUBMITTED,
        created_by=user,
        submitted_at=now,
        submitted_by=user,
    )


def issuing_region(codes: list[str], shapes: list[dict[str, Any]]) -> Region:
    """The lowest region holding every region code and every shape, at county level or above.

    A shape is held by the county (else the city) around its centre whose boundary it stays within,
    up to the tolerance (`services.area_tolerance_m`); a shape no region holds is a 400.
    """
    paths = list(Region.objects.filter(code__in=codes).values_list("path", flat=True))
    if shapes:
        outlines = [
            (path, shapely_shape(geometry), geometry)
            for path, geometry in Region.objects.filter(
                level__in=(regioncodes.COUNTY, regioncodes.CITY), geometry__isnull=False
            ).values_list("path", "geometry")
        ]
        # Counties first, so a shape finds the county it lies in before the city around it.
        outlines.sort(key=lambda item: -len(item[0]))
        tolerance = services.area_tolerance_m()
        for index, item in enumerate(shapes):
            centre = _centre(item)
            around = [(path, geometry) for path, outline, geometry in outlines if outline.covers(centre)]
            path = next(
                (path for path, geometry in around if not containment.beyond([item], geometry, tolerance)),
                None,
            )
            if path is None:
                raise services.outside_region(
                    f"area_shapes[{index}]",
                    "区域图形超出平台的行政区划 / The shape reaches past the platform's regions",
                    tolerance_m=tolerance,
                )
            paths.append(path)
    codes_along = [regioncodes.codes_in_path(path) for path in paths]
    common: list[str] = []
    for level_codes in zip(*codes_along, strict=False):
        if len(set(level_codes)) != 1:
            break
        common.append(level_codes[0])
    if not common:
        raise InvalidInput("消息的区域跨越多个省 / The message's area spans several provinces")
    issuing = [
        code for code in common if regioncodes.LEVEL_DEPTH[regioncodes.level_of(code)] <= ISSUING_DEPTH
    ]
    return Region.objects.get(code=issuing[-1])


def _centre(item: dict[str, Any]) -> Any:
    if item["type"] == "Circle":
        return shapely_shape({"type": "Point", "coordinates": item["coordinates"]})
    return shapely_shape(item).centroid

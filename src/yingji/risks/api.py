"""Risk grading API: risk points with their assessments and control measures, bandings, the map layer."""

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import Count
from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from yingji.core.api_common import (
    AUTH,
    MAX_ID,
    BoundedDate,
    Page,
    current_user,
    id_path,
    region_filter,
    responses,
)
from yingji.core.errors import InvalidInput
from yingji.core.models import Region
from yingji.core.scoping import scope_for
from yingji.geography.coordinates import Latitude, Longitude
from yingji.risks import maplayer, services
from yingji.risks.models import RiskBanding, RiskPoint

router = Router(auth=AUTH, tags=["risks"])

Method = Literal["lec", "ls"]
Kind = Literal["place", "equipment", "activity"]
Level = Literal["major", "significant", "general", "low"]
ResponsibleLevel = Literal["company", "workshop", "team", "post"]
MeasureKind = Literal["engineering", "management", "training", "ppe", "emergency"]

# Bodies the scope walk uses for routes that need one (tests/test_scope_walk.py).
WALK_BODIES = {
    ("POST", "/api/v1/risk-points/{point_id}/assess"): {"method": "lec", "l": 3, "e": 6, "c": 15},
    ("POST", "/api/v1/risk-points/{point_id}/measures"): {
        "kind": "management",
        "description": "执行作业许可制度，落实现场监护",
    },
    ("PUT", "/api/v1/risk-bandings/{region_code}"): {
        "method": "ls",
        "major": 20,
        "significant": 10,
        "general": 4,
    },
}


class ControlMeasureOut(Schema):
    id: int
    risk_point_id: int
    kind: str
    kind_label: str
    description: str
    responsible_level: str
    responsible_person: str
    created_at: datetime

    @staticmethod
    def resolve_kind_label(measure: Any) -> str:
        return measure.get_kind_display()


class RiskPointOut(Schema):
    id: int
    enterprise_id: int
    enterprise_name: str
    region_code: str
    name: str
    kind: str
    location: str
    longitude: float | None
    latitude: float | None
    accident_types: str
    method: str
    l: float  # noqa: E741
    e: float | None
    c: float | None
    s: int | None
    score: float
    level: str
    level_label: str
    color: str
    assessed_at: datetime
    assessed_by: str | None
    reassess_on: date | None
    reassessment_due: bool
    responsible_level: str
    responsible_person: str
    measure_count: int

    @staticmethod
    def resolve_enterprise_name(point: RiskPoint) -> str:
        return point.enterprise.name

    @staticmethod
    def resolve_region_code(point: RiskPoint) -> str:
        return point.enterprise.region_id

    @staticmethod
    def resolve_l(point: RiskPoint) -> float:
        return point.factor_l

    @staticmethod
    def resolve_e(point: RiskPoint) -> float | None:
        return point.factor_e

    @staticmethod
    def resolve_c(point: RiskPoint) -> float | None:
        return point.factor_c

    @staticmethod
    def resolve_s(point: RiskPoint) -> int | None:
        return point.factor_s

    @staticmethod
    def resolve_assessed_by(point: RiskPoint) -> str | None:
        return point.assessed_by.username if point.assessed_by else None

    @staticmethod
    def resolve_measure_count(point: RiskPoint) -> int:
        count = getattr(point, "measure_count", None)
        return count if count is not None else point.measures.count()


class RiskPointDetailOut(RiskPointOut):
    measures: list[ControlMeasureOut]

    @staticmethod
    def resolve_measures(point: RiskPoint) -> list[Any]:
        return list(point.measures.all())


class Factors(Schema):
    l: float = Field(ge=0, le=100, description="L 可能性 / likelihood")  # noqa: E741
    e: float | None = Field(None, ge=0, le=100, description="E 暴露频率（LEC）/ exposure (LEC)")
    c: float | None = Field(None, ge=0, le=100, description="C 后果（LEC）/ consequence (LEC)")
    s: float | None = Field(None, ge=0, le=100, description="S 严重性（LS）/ severity (LS)")


class RiskPointIn(Factors):
    enterprise_id: int = Field(ge=1, le=MAX_ID)
    name: str = Field(min_length=1, max_length=100)
    kind: Kind
    method: Method
    location: str = Field("", max_length=200)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    accident_types: str = Field("", max_length=200)
    reassess_on: BoundedDate | None = None
    responsible_level: ResponsibleLevel | None = Field(
        None, description="缺省按风险等级：重大→公司、较大→车间、一般→班组、低→岗位"
    )
    responsible_person: str = Field("", max_length=64)


class RiskPointPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: Kind | None = None
    location: str | None = Field(None, max_length=200)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    accident_types: str | None = Field(None, max_length=200)
    reassess_on: BoundedDate | None = None
    responsible_level: ResponsibleLevel | None = None
    responsible_person: str | None = Field(None, max_length=64)


class AssessIn(Factors):
    method: Method | None = Field(None, description="缺省沿用原方法 / the point's method if omitted")
    reassess_on: BoundedDate | None = None


class RiskPointFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID)
    level: Level | None = None
    method: Method | None = None
    kind: Kind | None = None
    due: bool | None = Field(None, description="仅待复评 / only those due for reassessment")
    q: str | None = Field(None, max_length=50, description="名称包含 / name contains")


class ControlMeasureIn(Schema):
    kind: MeasureKind
    description: str = Field(min_length=1, max_length=500)
    responsible_level: ResponsibleLevel | None = None
    responsible_person: str = Field("", max_length=64)


def _points(request: HttpRequest) -> Any:
    return (
        RiskPoint.objects.visible_to(request.user)
        .select_related("enterprise", "assessed_by")
        .annotate(measure_count=Count("measures"))
    )


@router.get("/risk-points", response=responses(list[RiskPointOut]), summary="Risk points in scope")
@paginate(Page)
def list_risk_points(request: HttpRequest, filters: Query[RiskPointFilter]) -> Any:
    points = region_filter(_points(request), filters.region)
    for name in ("enterprise_id", "level", "method", "kind"):
        value = getattr(filters, name)
        if value is not None:
            points = points.filter(**{name: value})
    if filters.due is not None:
        points = points.filter(reassessment_due=filters.due)
    if filters.q:
        points = points.filter(name__contains=filters.q)
    return points.order_by("enterprise_id", "name", "id")


@router.get("/risk-points/{point_id}", response=responses(RiskPointDetailOut), summary="One risk point")
def get_risk_point(request: HttpRequest, point_id: int = id_path()) -> Any:
    return _points(request).get_visible_or_404(request.user, pk=point_id)


@router.post("/risk-points", response=responses(RiskPointDetailOut, 201), summary="Register a risk point")
def create_risk_point(request: HttpRequest, payload: RiskPointIn) -> Any:
    point = services.create_risk_point(current_user(request), **payload.dict())
    return Status(201, _points(request).get(pk=point.pk))


@router.patch(
    "/risk-points/{point_id}", response=responses(RiskPointDetailOut), summary="Change a risk point"
)
def update_risk_point(request: HttpRequest, payload: RiskPointPatch, point_id: int = id_path()) -> Any:
    services.update_risk_point(current_user(request), point_id, **payload.dict(exclude_unset=True))
    return _points(request).get(pk=point_id)


@router.post(
    "/risk-points/{point_id}/assess",
    response=responses(RiskPointDetailOut),
    summary="Reassess a risk point with new factors",
)
def assess_risk_point(request: HttpRequest, payload: AssessIn, point_id: int = id_path()) -> Any:
    services.reassess_risk_point(current_user(request), point_id, **payload.dict(exclude_unset=True))
    return _points(request).get(pk=point_id)


@router.post(
    "/risk-points/{point_id}/measures",
    response=responses(ControlMeasureOut, 201),
    summary="Add a control measure",
)
def add_control_measure(request: HttpRequest, payload: ControlMeasureIn, point_id: int = id_path()) -> Any:
    return Status(201, services.add_control_measure(current_user(request), point_id, **payload.dict()))


@router.delete(
    "/risk-measures/{measure_id}", response=responses(ControlMeasureOut), summary="Remove a control measure"
)
def remove_control_measure(request: HttpRequest, measure_id: int = id_path()) -> Any:
    return services.remove_control_measure(current_user(request), measure_id)


# Bandings ----------------------------------------------------------------------------------------


class BandingOut(Schema):
    region_code: str
    region_name: str
    method: str
    major: float
    significant: float
    general: float
    updated_at: datetime
    updated_by: str | None

    @staticmethod
    def resolve_region_code(banding: RiskBanding) -> str:
        return banding.region_id

    @staticmethod
    def resolve_region_name(banding: RiskBanding) -> str:
        return banding.region.name

    @staticmethod
    def resolve_major(banding: RiskBanding) -> float:
        return banding.thresholds["major"]

    @staticmethod
    def resolve_significant(banding: RiskBanding) -> float:
        return banding.thresholds["significant"]

    @staticmethod
    def resolve_general(banding: RiskBanding) -> float:
        return banding.thresholds["general"]

    @staticmethod
    def resolve_updated_by(banding: RiskBanding) -> str | None:
        return banding.updated_by.username if banding.updated_by else None


class BandingSetOut(BandingOut):
    regraded_points: int


class BandingIn(Schema):
    method: Method
    major: float = Field(gt=0, le=1_000_000, description="重大风险下限 / lowest score of 重大")
    significant: float = Field(gt=0, le=1_000_000, description="较大风险下限 / lowest score of 较大")
    general: float = Field(gt=0, le=1_000_000, description="一般风险下限 / lowest score of 一般")


class BandingClearedOut(Schema):
    region_code: str
    cleared: list[str]
    regraded_points: int


class BandingInForceOut(Schema):
    method: str
    major: float
    significant: float
    general: float
    is_default: bool
    source_region: str | None = Field(description="设置该阈值的区划代码 / the region whose banding applies")


class BandingFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    method: Method | None = None


class InForceFilter(Schema):
    region: str | None = Field(None, max_length=12, description="缺省为本人所在区划 / the user's own region")


class BandingClearFilter(Schema):
    method: Method | None = Field(None, description="缺省两种方法都清除 / both methods if omitted")


RegionCode = Path(..., min_length=6, max_length=12, pattern=r"^\d+$", description="行政区划代码")


@router.get("/risk-bandings", response=responses(list[BandingOut]), summary="Bandings set in scope")
@paginate(Page)
def list_bandings(request: HttpRequest, filters: Query[BandingFilter]) -> Any:
    bandings = services.bandings_visible_to(request.user).select_related("region", "updated_by")
    if filters.region:
        region = Region.objects.filter(code=filters.region).only("path").first()
        if region is None:
            raise InvalidInput(
                f"未知的行政区划代码 {filters.region} / Unknown region code {filters.region}",
                details={"field": "region"},
            )
        bandings = bandings.filter(region__path__startswith=region.path)
    if filters.method:
        bandings = bandings.filter(method=filters.method)
    return bandings.order_by("region__path", "method")


@router.get(
    "/risk-bandings/in-force",
    response=responses(list[BandingInForceOut]),
    summary="The bandings that apply in a region",
)
def bandings_in_force(request: HttpRequest, filters: Query[InForceFilter]) -> Any:
    user, region = current_user(request), filters.region
    target = user.region
    if region:
        target = Region.objects.filter(code=region).first()  # type: ignore[assignment]
        scope = scope_for(user)
        own = region == user.region_id
        if target is None or not (own or scope.covers_region(target)):
            raise InvalidInput(
                f"行政区划 {region} 不存在或不在您的管辖范围 / Region {region} not in your scope",
                details={"field": "region"},
            )
    answer = []
    for method in ("lec", "ls"):
        banding, source = services.banding_in_force(target, method)
        answer.append(
            {**banding.to_dict(), "method": method, "is_default": source is None,
             "source_region": source.code if source else None}
        )  # fmt: skip
    return answer


@router.put(
    "/risk-bandings/{region_code}",
    response=responses(BandingSetOut),
    summary="Set a region's banding and re-grade its risk points",
)
def set_banding(request: HttpRequest, payload: BandingIn, region_code: str = RegionCode) -> Any:
    thresholds = {"major": payload.major, "significant": payload.significant, "general": payload.general}
    banding, regraded = services.set_banding(current_user(request), region_code, payload.method, thresholds)
    banding.regraded_points = regraded  # type: ignore[attr-defined]
    return banding


@router.delete(
    "/risk-bandings/{region_code}",
    response=responses(BandingClearedOut),
    summary="Clear a region's banding (one method or both) and re-grade",
)
def clear_banding(
    request: HttpRequest, filters: Query[BandingClearFilter], region_code: str = RegionCode
) -> Any:
    cleared, regraded = services.clear_banding(current_user(request), region_code, filters.method)
    return {"region_code": region_code, "cleared": cleared, "regraded_points": regraded}


# The 一张图 layer --------------------------------------------------------------------------------


class FeatureOut(Schema):
    type: Literal["Feature"]
    geometry: dict[str, Any] | None
    properties: dict[str, Any]


class FeatureCollectionOut(Schema):
    type: Literal["FeatureCollection"]
    features: list[FeatureOut]


@router.get(
    "/map/enterprise-risks",
    response=responses(FeatureCollectionOut),
    tags=["map"],
    url_name="map_enterprise_risks",
    summary="Enterprises colored by their highest risk level",
)
def map_enterprise_risks(request: HttpRequest) -> Any:
    return maplayer.enterprise_risk_features(request.user)

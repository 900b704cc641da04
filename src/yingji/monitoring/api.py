"""Monitoring API: readings from gateways, sensors with their limits and latest value, alarms and their
actions, gateways and their keys, sites, and the city's and regions' rules.

Readings are the one route a gateway calls, with its own key; everything else is for people and
starts from `visible_to`. Writes go through services (audited) or the alarm lifecycle.
"""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from ninja.security import HttpBearer

from yingji.core.api_common import (
    AUTH,
    MAX_ID,
    BoundedDateTime,
    FeatureCollectionOut,
    Page,
    current_user,
    id_path,
    region_filter,
    responses,
)
from yingji.core.errors import InvalidInput
from yingji.geography.coordinates import Latitude, Longitude
from yingji.monitoring import alarms, pipeline, queries, services
from yingji.monitoring.maplayer import map_features
from yingji.monitoring.models import Alarm, AlarmEvent, Gateway, Sensor, Site
from yingji.monitoring.sensortypes import KIND_BY_KEY, LEVEL_BY_NAME, LEVEL_NAMES

router = Router(auth=AUTH, tags=["monitoring"])

LevelName = Literal["blue", "yellow", "orange", "red"]
AnyLevel = Literal["normal", "blue", "yellow", "orange", "red"]
SensorKind = Literal[tuple(KIND_BY_KEY)]  # type: ignore[valid-type]
SiteKind = Literal[tuple(key for key, _ in Site.KIND_CHOICES)]  # type: ignore[valid-type]
AlarmStatus = Literal["raised", "acknowledged", "cleared", "closed", "open"]
AlarmRule = Literal["threshold", "rate", "window", "offline"]
MAX_LIMIT = services.MAX_LIMIT

# Bodies the scope walk can send to the routes that validate one before looking up their object.
WALK_BODIES = {
    ("POST", "/api/v1/alarms/{alarm_id}/acknowledge"): {"note": "已安排人员核查"},
    ("POST", "/api/v1/alarms/{alarm_id}/close"): {"disposal_note": "现场核查后恢复正常"},
    ("PATCH", "/api/v1/sensors/{sensor_id}"): {"location": "巡检复核"},
    ("PUT", "/api/v1/sensors/{sensor_id}/thresholds"): {
        "high": [1.0, 2.0, 3.0, 4.0],
        "low": [None, None, None, None],
    },
}


class GatewayKeyAuth(HttpBearer):
    """`Authorization: Bearer yjg_…`: a gateway's key (not a person's token)."""

    def authenticate(self, request: HttpRequest, token: str) -> Gateway | None:
        return services.gateway_for_key(token)


# Readings ----------------------------------------------------------------------------------------


class ReadingIn(Schema):
    sensor: str = Field(max_length=64, description="传感器编码 / sensor code")
    ts: str = Field(
        max_length=40,
        description="带时区的 ISO-8601 时间 / ISO-8601 with offset, e.g. 2027-07-01T08:00:00+08:00",
    )
    value: float


class RejectionOut(Schema):
    line: int = Field(description="数组中的位置或 NDJSON 行号（从 1 起）/ 1-based position or NDJSON line")
    reason: str


class IngestOut(Schema):
    accepted: int = Field(description="新存储的读数 / readings stored")
    duplicates: int = Field(description="已存在的重复读数 / repeats of stored readings, not stored again")
    rejected: list[RejectionOut]


_READINGS_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"type": "array", "items": ReadingIn.json_schema(), "maxItems": 100_000}
        },
        "application/x-ndjson": {
            "schema": {"type": "string", "description": "每行一个读数对象 / one reading per line"}
        },
    },
}


@router.post(
    "/monitoring/readings",
    auth=GatewayKeyAuth(),
    response=responses(IngestOut),
    summary="上报读数 / Send readings (gateway key; JSON array or NDJSON)",
    openapi_extra={"requestBody": _READINGS_BODY},
)
def post_readings(request: HttpRequest) -> Any:
    """Stored, duplicates and refusals with a reason per line; the batch is committed when this answers."""
    gateway: Gateway = request.auth  # type: ignore[attr-defined]
    return pipeline.ingest_body(gateway, request.body).as_dict()


# Sensors ----------------------------------------------------------------------------------------


class LatestOut(Schema):
    ts: datetime
    value: float
    level: AnyLevel


class LimitsOut(Schema):
    source: Literal["sensor", "kind", "default"] = Field(
        description="sensor 本传感器 / kind 类型默认（市级）/ default 系统默认"
    )
    high: list[float | None] = Field(description="蓝、黄、橙、红上限 / blue…red high limits")
    low: list[float | None] = Field(description="蓝、黄、橙、红下限 / blue…red low limits")
    rate_per_minute: float | None
    rate_level: LevelName


def limits_out(source: str, row: tuple[Any, ...]) -> dict[str, Any]:
    return {
        "source": source,
        "high": list(row[0:4]),
        "low": list(row[4:8]),
        "rate_per_minute": row[8],
        "rate_level": LEVEL_NAMES[int(row[9] or 2)],
    }


class SensorOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    unit: str
    gateway_id: int
    enterprise_id: int | None
    installation_id: int | None
    hazard_unit_id: int | None
    risk_point_id: int | None
    site_id: int | None
    region_code: str
    location: str
    longitude: float | None
    latitude: float | None
    offline_after_s: int = Field(description="无读数多久判为离线（秒）/ silence before offline, s")
    active: bool
    online: bool
    alarm_level: AnyLevel = Field(description="未关闭报警的最高级别 / highest level of its active alarms")
    latest: LatestOut | None
    limits: LimitsOut

    @staticmethod
    def resolve_kind_label(sensor: Sensor) -> str:
        return KIND_BY_KEY[sensor.kind].label

    @staticmethod
    def resolve_region_code(sensor: Sensor) -> str:
        return sensor.region_id

    @staticmethod
    def resolve_offline_after_s(sensor: Sensor) -> int:
        return sensor.offline_after_s or KIND_BY_KEY[sensor.kind].offline_after_s

    @staticmethod
    def resolve_online(sensor: Sensor) -> bool:
        state = getattr(sensor, "state", None)
        return bool(state and state.online)

    @staticmethod
    def resolve_alarm_level(sensor: Sensor) -> str:
        state = getattr(sensor, "state", None)
        return LEVEL_NAMES[state.alarm_level if state else 0]

    @staticmethod
    def resolve_latest(sensor: Sensor) -> dict[str, Any] | None:
        state = getattr(sensor, "state", None)
        if state is None or state.last_ts is None:
            return None
        return {
            "ts": datetime.fromtimestamp(state.last_ts / 1000, tz=UTC),
            "value": state.last_value,
            "level": LEVEL_NAMES[state.last_level],
        }

    @staticmethod
    def resolve_limits(sensor: Sensor) -> dict[str, Any]:
        return limits_out(*services.effective_limits(sensor))


class SensorIn(Schema):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=100)
    kind: SensorKind
    gateway_id: int = Field(ge=1, le=MAX_ID)
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID)
    installation_id: int | None = Field(None, ge=1, le=MAX_ID)
    hazard_unit_id: int | None = Field(None, ge=1, le=MAX_ID)
    risk_point_id: int | None = Field(None, ge=1, le=MAX_ID)
    site_id: int | None = Field(None, ge=1, le=MAX_ID)
    location: str = Field("", max_length=100)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    offline_after_s: int | None = Field(None, ge=10, le=7 * 86400)


class SensorPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    location: str | None = Field(None, max_length=100)
    longitude: Longitude | None = None
    latitude: Latitude | None = None
    offline_after_s: int | None = Field(None, ge=10, le=7 * 86400)
    active: bool | None = None


class LimitsIn(Schema):
    high: list[float | None] = Field(
        min_length=4, max_length=4, description="蓝、黄、橙、红上限，null 表示不用"
    )
    low: list[float | None] = Field(
        min_length=4, max_length=4, description="蓝、黄、橙、红下限，null 表示不用"
    )
    rate_per_minute: float | None = Field(None, gt=0, lt=MAX_LIMIT, allow_inf_nan=False)
    rate_level: LevelName = "yellow"


class SensorFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID)
    installation_id: int | None = Field(None, ge=1, le=MAX_ID)
    site_id: int | None = Field(None, ge=1, le=MAX_ID)
    gateway_id: int | None = Field(None, ge=1, le=MAX_ID)
    kind: SensorKind | None = None
    online: bool | None = None
    alarm_level: AnyLevel | None = Field(
        None, description="只列此级别报警的传感器 / sensors at this alarm level"
    )


class SeriesOut(Schema):
    sensor_id: int
    resolution: Literal["raw", "minute"]
    start: datetime
    end: datetime
    points: list[list[float]] = Field(
        description="[毫秒时间戳, 值] 或 [毫秒, 均值, 最小, 最大] / [ts_ms, value(, min, max)]"
    )


class SeriesQuery(Schema):
    start: BoundedDateTime | None = Field(
        None,
        description="默认结束前 6 小时；起止都省略时为最近 6 小时，这段时间没有读数则为最后一次读数之前的 "
        "6 小时 / default: 6 h before end; with neither, the last 6 h, or the 6 h up to the last reading "
        "if none in them",
    )
    end: BoundedDateTime | None = Field(None, description="默认现在 / default: now")


SERIES_DEFAULT_MS = 6 * 3600 * 1000


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _sensor(request: HttpRequest, sensor_id: int) -> Sensor:
    return Sensor.objects.select_related("state").get_visible_or_404(request.user, pk=sensor_id)


@router.get("/sensors", response=responses(list[SensorOut]), summary="传感器（含阈值与最新值）/ Sensors")
@paginate(Page)
def list_sensors(request: HttpRequest, filters: Query[SensorFilter]) -> Any:
    services.require_view(current_user(request))
    sensors = region_filter(Sensor.objects.visible_to(request.user), filters.region).select_related("state")
    for field in ("enterprise_id", "installation_id", "site_id", "gateway_id", "kind"):
        value = getattr(filters, field)
        if value is not None:
            sensors = sensors.filter(**{field: value})
    if filters.online is not None:
        sensors = sensors.filter(state__online=filters.online)
    if filters.alarm_level is not None:
        sensors = sensors.filter(state__alarm_level=LEVEL_BY_NAME[filters.alarm_level])
    return sensors.order_by("code")


@router.post("/sensors", response=responses(SensorOut, 201), summary="登记传感器 / Register a sensor")
def create_sensor(request: HttpRequest, payload: SensorIn) -> Any:
    sensor = services.create_sensor(current_user(request), **payload.dict())
    return Status(201, _sensor(request, sensor.pk))


@router.get("/sensors/{sensor_id}", response=responses(SensorOut))
def get_sensor(request: HttpRequest, sensor_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _sensor(request, sensor_id)


@router.patch("/sensors/{sensor_id}", response=responses(SensorOut))
def update_sensor(request: HttpRequest, payload: SensorPatch, sensor_id: int = id_path()) -> Any:
    services.update_sensor(current_user(request), sensor_id, **payload.dict(exclude_unset=True))
    return _sensor(request, sensor_id)


@router.put(
    "/sensors/{sensor_id}/thresholds", response=responses(SensorOut), summary="设置本传感器阈值 / Own limits"
)
def set_thresholds(request: HttpRequest, payload: LimitsIn, sensor_id: int = id_path()) -> Any:
    services.set_sensor_thresholds(current_user(request), sensor_id, **payload.dict())
    return _sensor(request, sensor_id)


@router.delete(
    "/sensors/{sensor_id}/thresholds",
    response=responses(SensorOut),
    summary="恢复类型默认阈值 / Back to defaults",
)
def clear_thresholds(request: HttpRequest, sensor_id: int = id_path()) -> Any:
    services.clear_sensor_thresholds(current_user(request), sensor_id)
    return _sensor(request, sensor_id)


@router.get(
    "/sensors/{sensor_id}/series", response=responses(SeriesOut), summary="趋势数据 / Readings for a chart"
)
def sensor_series(request: HttpRequest, period: Query[SeriesQuery], sensor_id: int = id_path()) -> Any:
    """Raw readings for periods up to 1 h, per-minute mean/min/max beyond; at most 31 days."""
    services.require_view(current_user(request))
    sensor = _sensor(request, sensor_id)
    if period.start is None and period.end is None:
        recent = queries.recent_span(sensor, SERIES_DEFAULT_MS, int(timezone.now().timestamp() * 1000))
        start, end = _at(recent.start_ms), _at(recent.end_ms)
    else:
        end = period.end or timezone.now()
        start = period.start or end - timedelta(milliseconds=SERIES_DEFAULT_MS)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("时间须带时区 / start and end need a UTC offset", details={"field": "start"})
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    if not 0 < end_ms - start_ms <= queries.MAX_SPAN_MS:
        raise InvalidInput("时段须为正且不超过 31 天 / The period must be positive and at most 31 days")
    found = queries.series(sensor, start_ms, end_ms)
    return {
        "sensor_id": sensor.pk,
        "resolution": found.resolution,
        "start": start,
        "end": end,
        "points": [list(point) for point in found.points],
    }


# Alarms -----------------------------------------------------------------------------------------


class AlarmEventOut(Schema):
    at: datetime
    kind: str
    level: AnyLevel | None
    actor: str | None
    note: str = Field(description="说明（人员填写） / what a person wrote")
    told_tier: Literal["enterprise", "county", "city"] | None = Field(
        description="此步通知到的最高层级 / the highest tier this step told"
    )

    @staticmethod
    def resolve_level(event: AlarmEvent) -> str | None:
        return None if event.level is None else LEVEL_NAMES[event.level]

    @staticmethod
    def resolve_told_tier(event: AlarmEvent) -> str | None:
        return None if event.told_tier is None else alarms.TIER_NAMES[event.told_tier]

    @staticmethod
    def resolve_actor(event: AlarmEvent) -> str | None:
        return event.actor.username if event.actor_id else None


class AlarmOut(Schema):
    id: int
    sensor_id: int
    sensor_code: str
    sensor_name: str
    unit: str
    enterprise_id: int | None
    site_id: int | None
    region_code: str
    rule: AlarmRule
    level: LevelName
    peak_level: LevelName
    status: Literal["raised", "acknowledged", "cleared", "closed"]
    raised_at: datetime
    last_triggered_at: datetime
    trigger_value: float | None
    peak_value: float | None
    window_h: int | None = Field(description="时段规则的时段（小时）/ window of a window rule, h")
    notified: Literal["enterprise", "county", "city"] | None = Field(
        description="已通知到的层级 / told up to"
    )
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    cleared_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    disposal_note: str

    @staticmethod
    def resolve_sensor_code(alarm: Alarm) -> str:
        return alarm.sensor.code

    @staticmethod
    def resolve_sensor_name(alarm: Alarm) -> str:
        return alarm.sensor.name

    @staticmethod
    def resolve_unit(alarm: Alarm) -> str:
        return alarm.sensor.unit

    @staticmethod
    def resolve_enterprise_id(alarm: Alarm) -> int | None:
        return alarm.sensor.enterprise_id

    @staticmethod
    def resolve_site_id(alarm: Alarm) -> int | None:
        return alarm.sensor.site_id

    @staticmethod
    def resolve_region_code(alarm: Alarm) -> str:
        return alarm.region_id

    @staticmethod
    def resolve_level(alarm: Alarm) -> str:
        return LEVEL_NAMES[alarm.level]

    @staticmethod
    def resolve_peak_level(alarm: Alarm) -> str:
        return LEVEL_NAMES[alarm.peak_level]

    @staticmethod
    def resolve_notified(alarm: Alarm) -> str | None:
        return None if alarm.notified_tier is None else alarms.TIER_NAMES[alarm.notified_tier]

    @staticmethod
    def resolve_acknowledged_by(alarm: Alarm) -> str | None:
        return alarm.acknowledged_by.username if alarm.acknowledged_by_id else None

    @staticmethod
    def resolve_closed_by(alarm: Alarm) -> str | None:
        return alarm.closed_by.username if alarm.closed_by_id else None


class AlarmDetailOut(AlarmOut):
    events: list[AlarmEventOut]

    @staticmethod
    def resolve_events(alarm: Alarm) -> list[AlarmEvent]:
        return list(alarm.events.select_related("actor").order_by("at", "id"))


class AlarmFilter(Schema):
    region: str | None = Field(None, max_length=12, description="行政区划代码 / region code")
    status: AlarmStatus | None = Field(None, description="open = 未关闭 / not closed")
    level: LevelName | None = None
    rule: AlarmRule | None = None
    sensor_id: int | None = Field(None, ge=1, le=MAX_ID)
    enterprise_id: int | None = Field(None, ge=1, le=MAX_ID)
    site_id: int | None = Field(None, ge=1, le=MAX_ID)


class AcknowledgeIn(Schema):
    note: str = Field("", max_length=alarms.MAX_NOTE_LENGTH)


class CloseIn(Schema):
    disposal_note: str = Field(
        min_length=1, max_length=alarms.MAX_NOTE_LENGTH, description="处置情况 / what was done"
    )


def _alarm(request: HttpRequest, alarm_id: int) -> Alarm:
    return Alarm.objects.select_related("sensor", "acknowledged_by", "closed_by").get_visible_or_404(
        request.user, pk=alarm_id
    )


@router.get("/alarms", response=responses(list[AlarmOut]), summary="报警 / Alarms")
@paginate(Page)
def list_alarms(request: HttpRequest, filters: Query[AlarmFilter]) -> Any:
    services.require_view(current_user(request))
    found = region_filter(Alarm.objects.visible_to(request.user), filters.region)
    if filters.status == "open":
        found = found.exclude(status=Alarm.CLOSED)
    elif filters.status is not None:
        found = found.filter(status=filters.status)
    if filters.level is not None:
        found = found.filter(level=LEVEL_BY_NAME[filters.level])
    if filters.rule is not None:
        found = found.filter(rule=filters.rule)
    if filters.sensor_id is not None:
        found = found.filter(sensor_id=filters.sensor_id)
    if filters.enterprise_id is not None:
        found = found.filter(sensor__enterprise_id=filters.enterprise_id)
    if filters.site_id is not None:
        found = found.filter(sensor__site_id=filters.site_id)
    return found.select_related("sensor", "acknowledged_by", "closed_by").order_by("-raised_at", "-id")


@router.get("/alarms/{alarm_id}", response=responses(AlarmDetailOut))
def get_alarm(request: HttpRequest, alarm_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return _alarm(request, alarm_id)


@router.post(
    "/alarms/{alarm_id}/acknowledge", response=responses(AlarmDetailOut), summary="确认报警 / Acknowledge"
)
def acknowledge_alarm(request: HttpRequest, payload: AcknowledgeIn, alarm_id: int = id_path()) -> Any:
    alarms.acknowledge(current_user(request), alarm_id, payload.note)
    return _alarm(request, alarm_id)


@router.post(
    "/alarms/{alarm_id}/close", response=responses(AlarmDetailOut), summary="关闭报警 / Close with a note"
)
def close_alarm(request: HttpRequest, payload: CloseIn, alarm_id: int = id_path()) -> Any:
    alarms.close(current_user(request), alarm_id, payload.disposal_note)
    return _alarm(request, alarm_id)


# Gateways ---------------------------------------------------------------------------------------


class GatewayOut(Schema):
    id: int
    name: str = Field(description="MQTT 主题中的标识 / the name in MQTT topics yingji/<name>/<sensor>")
    title: str
    enterprise_id: int | None
    region_code: str
    key_hint: str = Field(description="密钥前缀 / the key's first characters")
    created_at: datetime
    last_seen_at: datetime | None
    revoked_at: datetime | None
    sensor_count: int

    @staticmethod
    def resolve_region_code(gateway: Gateway) -> str:
        return gateway.region_id

    @staticmethod
    def resolve_key_hint(gateway: Gateway) -> str:
        return gateway.hint

    @staticmethod
    def resolve_sensor_count(gateway: Gateway) -> int:
        return gateway.sensors.count()


class GatewayIssuedOut(Schema):
    gateway: GatewayOut
    key: str = Field(description="网关密钥，仅此一次显示 / the key, shown this once")


class GatewayIn(Schema):
    name: str = Field(
        min_length=2, max_length=64, description="小写字母、数字、- 或 _ / lowercase, digits, - or _"
    )
    title: str = Field("", max_length=100)
    enterprise_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="企业的网关 / an enterprise's gateway"
    )
    region_code: str | None = Field(
        None, max_length=12, description="或：监测网络所在区划 / or a network's region"
    )


def _issued(issued: services.IssuedGateway) -> dict[str, Any]:
    return {"gateway": issued.gateway, "key": issued.key}


@router.get("/gateways", response=responses(list[GatewayOut]), summary="数据网关 / Gateways")
@paginate(Page)
def list_gateways(request: HttpRequest, region: str | None = Query(None, max_length=12)) -> Any:
    services.require_view(current_user(request))
    return region_filter(Gateway.objects.visible_to(request.user), region).order_by("name")


@router.post(
    "/gateways", response=responses(GatewayIssuedOut, 201), summary="新建网关并取得密钥 / New gateway"
)
def create_gateway(request: HttpRequest, payload: GatewayIn) -> Any:
    return Status(201, _issued(services.create_gateway(current_user(request), **payload.dict())))


@router.get("/gateways/{gateway_id}", response=responses(GatewayOut))
def get_gateway(request: HttpRequest, gateway_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return Gateway.objects.get_visible_or_404(request.user, pk=gateway_id)


@router.post(
    "/gateways/{gateway_id}/rotate",
    response=responses(GatewayIssuedOut),
    summary="更换密钥 / New key, old one stops",
)
def rotate_gateway(request: HttpRequest, gateway_id: int = id_path()) -> Any:
    return _issued(services.rotate_gateway_key(current_user(request), gateway_id))


@router.post("/gateways/{gateway_id}/revoke", response=responses(GatewayOut), summary="吊销网关 / Revoke")
def revoke_gateway(request: HttpRequest, gateway_id: int = id_path()) -> Any:
    return services.revoke_gateway(current_user(request), gateway_id)


# Sites ------------------------------------------------------------------------------------------


class SiteOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    kind_label: str
    region_code: str
    longitude: float
    latitude: float
    sensor_count: int

    @staticmethod
    def resolve_kind_label(site: Site) -> str:
        return site.get_kind_display()

    @staticmethod
    def resolve_region_code(site: Site) -> str:
        return site.region_id

    @staticmethod
    def resolve_sensor_count(site: Site) -> int:
        return site.sensors.count()


class SiteIn(Schema):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    kind: SiteKind
    region_code: str = Field(min_length=6, max_length=12)
    longitude: Longitude
    latitude: Latitude


@router.get("/monitoring/sites", response=responses(list[SiteOut]), summary="自然灾害监测站点 / Sites")
@paginate(Page)
def list_sites(
    request: HttpRequest, region: str | None = Query(None, max_length=12), kind: SiteKind | None = None
) -> Any:
    services.require_view(current_user(request))
    sites = region_filter(Site.objects.visible_to(request.user), region)
    if kind is not None:
        sites = sites.filter(kind=kind)
    return sites.order_by("code")


@router.post("/monitoring/sites", response=responses(SiteOut, 201))
def create_site(request: HttpRequest, payload: SiteIn) -> Any:
    return Status(201, services.create_site(current_user(request), **payload.dict()))


@router.get("/monitoring/sites/{site_id}", response=responses(SiteOut))
def get_site(request: HttpRequest, site_id: int = id_path()) -> Any:
    services.require_view(current_user(request))
    return Site.objects.get_visible_or_404(request.user, pk=site_id)


# Rules ------------------------------------------------------------------------------------------


class KindDefaultOut(Schema):
    kind: str
    label: str
    unit: str
    limits: LimitsOut


class KindDefaultIn(LimitsIn):
    kind: SensorKind


class WindowCriterionIO(Schema):
    level: LevelName
    window_h: int = Field(ge=1, le=72)
    threshold: float = Field(gt=0, lt=MAX_LIMIT, allow_inf_nan=False)


class WindowRulesOut(Schema):
    region_code: str = Field(description="所查询的区划 / the region asked about")
    kind: str
    source: str = Field(description="规则所属区划代码，或 national / issuing region's code, or national")
    aggregate: Literal["sum", "mean"]
    criteria: list[WindowCriterionIO]


class WindowRulesIn(Schema):
    region_code: str = Field(
        min_length=6, max_length=12, description="发布规则的市或县 / issuing city or county"
    )
    kind: SensorKind = "rainfall"
    aggregate: Literal["sum", "mean"] = "sum"
    criteria: list[WindowCriterionIO] = Field(
        max_length=40, description="空列表：沿用上级 / empty: use the region above"
    )


def _kind_default(kind: str) -> dict[str, Any]:
    probe = Sensor(kind=kind)
    source, row = services.effective_limits(probe)
    return {
        "kind": kind,
        "label": KIND_BY_KEY[kind].label,
        "unit": KIND_BY_KEY[kind].unit,
        "limits": limits_out(source, row),
    }


@router.get(
    "/monitoring/threshold-defaults",
    response=responses(list[KindDefaultOut]),
    summary="各类型默认阈值 / Kind defaults",
)
def list_kind_defaults(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return [_kind_default(kind) for kind in KIND_BY_KEY]


@router.put(
    "/monitoring/threshold-defaults",
    response=responses(KindDefaultOut),
    summary="设置类型默认阈值（市级）/ City sets",
)
def set_kind_default(request: HttpRequest, payload: KindDefaultIn) -> Any:
    data = payload.dict()
    kind = data.pop("kind")
    services.set_kind_default(current_user(request), kind, **data)
    return _kind_default(kind)


@router.get(
    "/monitoring/window-rules", response=responses(WindowRulesOut), summary="时段规则 / Window criteria"
)
def get_window_rules(
    request: HttpRequest, region: str = Query(..., max_length=12), kind: SensorKind = "rainfall"
) -> Any:
    """The criteria that grade sensors of `kind` in `region`: the nearest issuing region's, or national."""
    from yingji.core.models import Region
    from yingji.monitoring import rules

    services.require_view(current_user(request))
    found = Region.objects.filter(code=region).first()
    if found is None or not current_user(request).scope.covers_region(found):
        found = None
    if found is None:
        raise InvalidInput(
            f"未知或不在管辖范围的区划 {region} / Unknown region {region}", details={"field": "region"}
        )
    aggregate, criteria, source = rules.criteria_with_source(found.path, kind)
    return {
        "region_code": found.code,
        "kind": kind,
        "source": source,
        "aggregate": aggregate,
        "criteria": [
            {"level": c.level, "window_h": c.window_h, "threshold": c.threshold_mm} for c in criteria
        ],
    }


@router.put(
    "/monitoring/window-rules", response=responses(WindowRulesOut), summary="发布时段规则 / Set criteria"
)
def set_window_rules(request: HttpRequest, payload: WindowRulesIn) -> Any:
    services.set_window_rules(
        current_user(request),
        payload.region_code,
        payload.kind,
        payload.aggregate,
        [c.dict() for c in payload.criteria],
    )
    return get_window_rules(request, region=payload.region_code, kind=payload.kind)


# Map --------------------------------------------------------------------------------------------


@router.get(
    "/map/monitoring",
    response=responses(FeatureCollectionOut),
    url_name="monitoring_map",
    tags=["map"],
    summary="监测对象按当前报警级别着色（一张图图层）/ Monitored objects by alarm level",
)
def map_monitoring(request: HttpRequest) -> Any:
    services.require_view(current_user(request))
    return map_features(request.user)

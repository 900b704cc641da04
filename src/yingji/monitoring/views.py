"""Pages of monitoring: the monitoring wall, sensors with trend charts, alarms, and gateway keys.

The wall's live part (`wall_live`) is the same fragment the wall page embeds; htmx fetches it every
5 s and swaps it in. Forms post back to their page with an `action`; the view calls the service and,
on a DomainError, shows the page (or the fragment) again with the message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yingji.core import datebounds
from yingji.core.api_common import current_user
from yingji.core.errors import DomainError, NotFound
from yingji.core.registry import counties_for, county_filter
from yingji.enterprises.models import Enterprise
from yingji.monitoring import alarms, queries, services
from yingji.monitoring.maplayer import OFFLINE_COLOR
from yingji.monitoring.models import Alarm, Gateway, Sensor, Site
from yingji.monitoring.sensortypes import KIND_BY_KEY, LEVEL_COLORS, LEVEL_LABELS, LEVEL_NAMES

PAGE_SIZE = 50
WALL_PAGE_SIZE = 12
ALARM_PANEL_SIZE = 40
PERIODS = {"1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600, "7d": 7 * 24 * 3600}
PERIOD_CHOICES = [
    ("1h", gettext_lazy("1 小时")),
    ("6h", gettext_lazy("6 小时")),
    ("24h", gettext_lazy("24 小时")),
    ("7d", gettext_lazy("7 天")),
    ("custom", gettext_lazy("自定义")),
]
LIMIT_SOURCES = {
    "sensor": gettext_lazy("本传感器设定"),
    "kind": gettext_lazy("全市同类型默认"),
    "default": gettext_lazy("平台内置默认（依据国家和行业标准）"),
}
OBJECT_KINDS = [
    ("enterprise", gettext_lazy("企业")),
    ("installation", gettext_lazy("重大危险源")),
    ("site", gettext_lazy("自然灾害监测站点")),
    *((f"site:{key}", label) for key, label in Site.KIND_CHOICES),
]
# Raised first, then acknowledged, then cleared: the order people work an alarm list in.
STATUS_ORDER = Case(
    When(status=Alarm.RAISED, then=Value(0)),
    When(status=Alarm.ACKNOWLEDGED, then=Value(1)),
    When(status=Alarm.CLEARED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
RATE_LEVEL_CHOICES = [(LEVEL_NAMES[level], gettext_lazy(LEVEL_LABELS[level])) for level in range(1, 5)]


def _viewer(request: HttpRequest) -> Any:
    """The signed-in user if their role works with monitoring; otherwise the page does not exist (404)."""
    user = current_user(request)
    if not services.may_view(user):
        raise Http404
    return user


def _int(raw: Any) -> int | None:
    try:
        number = int(raw)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**53 else None


def _visible_or_404(queryset: Any, user: Any, pk: int) -> Any:
    try:
        return queryset.get_visible_or_404(user, pk=pk)
    except NotFound:
        raise Http404 from None


def _moment(ms: int | None) -> datetime | None:
    return None if ms is None else _at(ms)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def format_value(value: float | None) -> str:
    """A reading as people read it: up to four significant digits, no exponent."""
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:.0f}"
    if abs(value) >= 1e-3 or value == 0:
        return f"{value:.4g}"
    return f"{value:.6f}".rstrip("0")


# The wall ---------------------------------------------------------------------------------------


@dataclass
class WallFilter:
    """What the wall (and its live fragment) shows: county, kind of object, one object, alarms only."""

    county: Any = None
    kind: str = ""
    enterprise: int | None = None
    installation: int | None = None
    site: int | None = None
    alarming: bool = False
    query: dict[str, str] = field(default_factory=dict)

    def sensors(self, queryset: Any) -> Any:
        return self._apply(queryset, "")

    def alarms(self, queryset: Any) -> Any:
        return self._apply(queryset, "sensor__")

    def _apply(self, queryset: Any, prefix: str) -> Any:
        if self.county is not None:
            queryset = queryset.filter(**{f"{prefix}region__path__startswith": self.county.path})
        if self.kind == "enterprise":
            queryset = queryset.filter(**{f"{prefix}enterprise__isnull": False})
        elif self.kind == "installation":
            queryset = queryset.filter(
                Q(**{f"{prefix}installation__isnull": False}) | Q(**{f"{prefix}hazard_unit__isnull": False})
            )
        elif self.kind == "site":
            queryset = queryset.filter(**{f"{prefix}site__isnull": False})
        elif self.kind.startswith("site:"):
            queryset = queryset.filter(**{f"{prefix}site__kind": self.kind[5:]})
        if self.enterprise is not None:
            queryset = queryset.filter(**{f"{prefix}enterprise_id": self.enterprise})
        if self.installation is not None:
            queryset = queryset.filter(
                Q(**{f"{prefix}installation_id": self.installation})
                | Q(**{f"{prefix}hazard_unit__installation_id": self.installation})
            )
        if self.site is not None:
            queryset = queryset.filter(**{f"{prefix}site_id": self.site})
        return queryset


def _wall_filter(request: HttpRequest, counties: list[Any]) -> WallFilter:
    get = request.GET
    chosen = WallFilter(
        county=next((c for c in counties if c.code == get.get("county") and len(counties) > 1), None),
        kind=get.get("kind", "") if get.get("kind", "") in dict(OBJECT_KINDS) else "",
        enterprise=_int(get.get("enterprise")),
        installation=_int(get.get("installation")),
        site=_int(get.get("site")),
        alarming=get.get("alarming") == "1",
    )
    chosen.query = {
        key: str(value)
        for key, value in (
            ("county", chosen.county.code if chosen.county else ""),
            ("kind", chosen.kind),
            ("enterprise", chosen.enterprise or ""),
            ("installation", chosen.installation or ""),
            ("site", chosen.site or ""),
            ("alarming", "1" if chosen.alarming else ""),
        )
        if value
    }
    return chosen


@dataclass
class SensorTile:
    """One sensor on the wall: its latest value, the level that value reads and whether it reports."""

    sensor: Sensor
    value: str
    level: int
    alarm_level: int
    online: bool
    last_seen: datetime | None
    open_alarms: int
    name: str = ""  # the sensor's name as its card shows it

    @property
    def css(self) -> str:
        return LEVEL_NAMES[self.level] if self.online else "offline"

    @property
    def level_label(self) -> str:
        return _(LEVEL_LABELS[self.level]) if self.online else _("离线")

    @property
    def alarm_css(self) -> str:
        return LEVEL_NAMES[self.alarm_level]

    @property
    def alarm_label(self) -> str:
        return _(LEVEL_LABELS[self.alarm_level])

    @property
    def seen(self) -> str:
        """When it last reported: the time today, else the date and time."""
        if self.last_seen is None:
            return _("无数据")
        local = timezone.localtime(self.last_seen)
        return f"{local:%H:%M:%S}" if local.date() == timezone.localdate() else f"{local:%m-%d %H:%M}"


def sensor_tile(sensor: Sensor, open_alarms: int = 0) -> SensorTile:
    """A sensor's tile from its state (a sensor that never reported reads as offline without value)."""
    state = getattr(sensor, "state", None)
    return SensorTile(
        sensor=sensor,
        value=format_value(state.last_value if state else None),
        level=state.last_level if state else 0,
        alarm_level=state.alarm_level if state else 0,
        online=bool(state and state.online),
        last_seen=_moment(state.last_ts) if state else None,
        open_alarms=open_alarms,
        name=sensor.name,
    )


@dataclass
class ObjectCard:
    """A monitored enterprise or site with its sensors, as one card of the wall."""

    key: str
    name: str
    url: str
    place: str
    tiles: list[SensorTile] = field(default_factory=list)

    @property
    def alarm_level(self) -> int:
        return max((tile.alarm_level for tile in self.tiles), default=0)

    @property
    def alarm_css(self) -> str:
        return LEVEL_NAMES[self.alarm_level]

    @property
    def alarm_label(self) -> str:
        return _(LEVEL_LABELS[self.alarm_level])

    @property
    def open_alarms(self) -> int:
        return sum(tile.open_alarms for tile in self.tiles)

    @property
    def online(self) -> int:
        return sum(tile.online for tile in self.tiles)


def _county_names(counties: list[Any]) -> dict[str, str]:
    return {county.code: county.name for county in counties}


def _place(path: str, region_name: str, county_names: dict[str, str]) -> str:
    parts = path.split("/")
    county = county_names.get(parts[2], "") if len(parts) > 2 else ""
    return region_name if county in ("", region_name) else f"{county} · {region_name}"


def _cards(user: Any, chosen: WallFilter, counties: list[Any]) -> list[ObjectCard]:
    """Every monitored object the filter shows, alarming ones first, each with its sensors in order."""
    sensors = chosen.sensors(Sensor.objects.visible_to(user).filter(active=True)).select_related(
        "state", "enterprise", "site", "installation", "hazard_unit", "region"
    )
    open_counts = dict(
        chosen.alarms(Alarm.objects.visible_to(user).filter(status__in=Alarm.OPEN_STATUSES))
        .values("sensor_id")
        .annotate(n=Count("pk"))
        .values_list("sensor_id", "n")
    )
    county_names = _county_names(counties)
    wall = reverse("monitoring:wall")
    cards: dict[str, ObjectCard] = {}
    for sensor in sensors.order_by("code"):
        if sensor.enterprise is not None:
            key, name = f"enterprise-{sensor.enterprise_id}", sensor.enterprise.name
            url = reverse("enterprises:detail", args=[sensor.enterprise_id])
        else:
            key, name = f"site-{sensor.site_id}", sensor.site.name
            url = f"{wall}?site={sensor.site_id}"
        card = cards.get(key)
        if card is None:
            card = cards[key] = ObjectCard(
                key, name, url, _place(sensor.region.path, sensor.region.name, county_names)
            )
        tile = sensor_tile(sensor, open_counts.get(sensor.pk, 0))
        if tile.name.startswith(name) and len(tile.name) > len(name):
            tile.name = tile.name[len(name) :]  # "某某雨量站降雨量" on the card of 某某雨量站 reads "降雨量"
        card.tiles.append(tile)
    shown = [card for card in cards.values() if card.open_alarms or not chosen.alarming]
    for card in shown:
        card.tiles.sort(key=lambda tile: (-tile.alarm_level, -tile.level, not tile.online, tile.sensor.code))
    return sorted(shown, key=lambda card: (-card.alarm_level, -card.open_alarms, card.name))


def _alarm_panel(user: Any, chosen: WallFilter) -> tuple[list[Alarm], dict[str, int]]:
    """Open alarms for the side panel (raised, then acknowledged, then cleared; highest level first)
    and how many there are of each status."""
    open_alarms = chosen.alarms(Alarm.objects.visible_to(user).filter(status__in=Alarm.OPEN_STATUSES))
    listed = list(
        open_alarms.select_related("sensor", "sensor__enterprise", "sensor__site").order_by(
            STATUS_ORDER, "-level", "-raised_at", "-id"
        )[:ALARM_PANEL_SIZE]
    )
    for alarm in listed:
        alarm.may_handle = alarms.may_handle(user, alarm)
        alarm.peak_display = format_value(alarm.peak_value)
    counts = dict(open_alarms.order_by().values("status").annotate(n=Count("pk")).values_list("status", "n"))
    return listed, counts


def _wall_context(request: HttpRequest, user: Any) -> dict[str, Any]:
    counties = list(counties_for(user).order_by("code"))
    chosen = _wall_filter(request, counties)
    cards = _cards(user, chosen, counties)
    page = Paginator(cards, WALL_PAGE_SIZE).get_page(request.GET.get("page"))
    open_alarms, status_counts = _alarm_panel(user, chosen)
    query = urlencode({**chosen.query, **({"page": str(page.number)} if page.number > 1 else {})})
    tiles = [tile for card in cards for tile in card.tiles]
    return {
        "page": page,
        "cards": page.object_list,
        "chosen": chosen,
        "counties": counties if len(counties) > 1 else [],
        "object_kinds": OBJECT_KINDS,
        "open_alarms": open_alarms,
        "open_total": sum(status_counts.values()),
        "summary": {
            "objects": len(cards),
            "sensors": len(tiles),
            "online": sum(tile.online for tile in tiles),
            "alarming": sum(1 for tile in tiles if tile.alarm_level),
            "raised": status_counts.get(Alarm.RAISED, 0),
            "acknowledged": status_counts.get(Alarm.ACKNOWLEDGED, 0),
        },
        "wall_url": reverse("monitoring:wall") + (f"?{query}" if query else ""),
        "live_url": reverse("monitoring:wall_live") + (f"?{query}" if query else ""),
        "refreshed_at": timezone.now(),
        "legend": [
            *((_(label), color) for label, color in zip(LEVEL_LABELS, LEVEL_COLORS, strict=True)),
            (_("离线"), OFFLINE_COLOR),
        ],
    }


def _act_on_alarm(request: HttpRequest, user: Any) -> tuple[str, str]:
    """Acknowledge or close the posted alarm; (error message, success message)."""
    alarm_id = _int(request.POST.get("alarm"))
    action = request.POST.get("action", "")
    if alarm_id is None or action not in ("acknowledge", "close"):
        raise Http404
    try:
        if action == "acknowledge":
            alarms.acknowledge(user, alarm_id, request.POST.get("note", ""))
            return "", _("报警已确认。")
        alarms.close(user, alarm_id, request.POST.get("disposal_note", ""))
        return "", _("报警已关闭。")
    except NotFound:
        raise Http404 from None
    except DomainError as failure:
        return failure.page_message, ""


@login_required
def wall(request: HttpRequest) -> HttpResponse:
    """The monitoring wall: objects with their sensors' live values, and the open alarms beside them."""
    user = _viewer(request)
    error = ""
    if request.method == "POST":
        error, done = _act_on_alarm(request, user)
        if not error:
            messages.success(request, done)
            return redirect(request.get_full_path())
    return render(request, "monitoring/wall.html", {**_wall_context(request, user), "error": error})


@login_required
def wall_live(request: HttpRequest) -> HttpResponse:
    """The wall's live part (sensor cards and alarm panel), polled every 5 s and the target of its actions."""
    user = _viewer(request)
    error = notice = ""
    if request.method == "POST":
        error, notice = _act_on_alarm(request, user)
    context = {**_wall_context(request, user), "error": error, "notice": notice}
    response = render(request, "monitoring/_wall_live.html", context)
    response["X-Wall-Live"] = "1"  # wall.js reloads the page if a poll gets anything else (a sign-in page)
    return response


# A sensor ---------------------------------------------------------------------------------------


class ThresholdForm(forms.Form):
    """A sensor's own four-level limits, its rate limit and the level a rate alarm has."""

    high_blue = forms.FloatField(label=gettext_lazy("蓝色上限"), required=False)
    high_yellow = forms.FloatField(label=gettext_lazy("黄色上限"), required=False)
    high_orange = forms.FloatField(label=gettext_lazy("橙色上限"), required=False)
    high_red = forms.FloatField(label=gettext_lazy("红色上限"), required=False)
    low_blue = forms.FloatField(label=gettext_lazy("蓝色下限"), required=False)
    low_yellow = forms.FloatField(label=gettext_lazy("黄色下限"), required=False)
    low_orange = forms.FloatField(label=gettext_lazy("橙色下限"), required=False)
    low_red = forms.FloatField(label=gettext_lazy("红色下限"), required=False)
    rate_per_minute = forms.FloatField(label=gettext_lazy("变化速率上限（每分钟）"), required=False)
    rate_level = forms.ChoiceField(label=gettext_lazy("速率报警级别"), choices=RATE_LEVEL_CHOICES)

    HIGH = ("high_blue", "high_yellow", "high_orange", "high_red")
    LOW = ("low_blue", "low_yellow", "low_orange", "low_red")

    @classmethod
    def from_limits(cls, row: tuple[Any, ...]) -> ThresholdForm:
        names = cls.HIGH + cls.LOW + ("rate_per_minute",)
        initial = dict(zip(names, row[:9], strict=True))
        initial["rate_level"] = LEVEL_NAMES[row[9]] if row[9] else "yellow"
        return cls(initial=initial)


@dataclass(frozen=True)
class Period:
    """The span a chart shows: a preset or a custom start and end.

    `last_seen` is set when a preset ends at the sensor's last reading instead of now (none in the preset).
    """

    key: str
    start: datetime
    end: datetime
    error: str = ""
    last_seen: datetime | None = None


def _preset(key: str, sensor: Sensor, now: datetime, error: str = "") -> Period:
    """The preset's length up to now, or up to the sensor's last readings when it has none in it."""
    span = queries.recent_span(sensor, PERIODS[key] * 1000, _ms(now))
    last_seen = _moment(queries.last_reading_ms(sensor)) if span.moved else None
    return Period(key, _at(span.start_ms), _at(span.end_ms), error, last_seen)


def _period(request: HttpRequest, sensor: Sensor, now: datetime) -> Period:
    key = request.GET.get("period", "24h")
    if key in PERIODS:
        return _preset(key, sensor, now)
    if key == "custom":
        start, end = _local(request.GET.get("start")), _local(request.GET.get("end"))
        if start is None or end is None or start >= end:
            error = _("请填写有效的起止时间（开始早于结束）")
        elif _ms(end) - _ms(start) > queries.MAX_SPAN_MS:
            error = _("时段不超过 31 天")
        else:
            return Period(key, start, end)
        return _preset("24h", sensor, now, error)
    return _preset("24h", sensor, now)


def _local(raw: str | None) -> datetime | None:
    """A `datetime-local` value read in the site's time zone (Asia/Shanghai)."""
    try:
        moment = datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment if datebounds.in_range(moment) else None


def chart_data(
    sensor: Sensor, start_ms: int, end_ms: int, limits: tuple[Any, ...], marks: list[dict[str, Any]]
) -> dict[str, Any]:
    """What sensor-chart.js draws: the series, the four levels' limits and colors, and time marks."""
    series = queries.series(sensor, start_ms, end_ms)
    offset = timezone.localtime(_at(end_ms)).utcoffset() or timedelta(0)
    return {
        "name": sensor.name,
        "unit": sensor.unit,
        "resolution": series.resolution,
        "points": [list(point) for point in series.points],
        "start": start_ms,
        "end": end_ms,
        # The chart shows local (Beijing) time whatever the browser's zone: it adds this and draws UTC.
        "offset_ms": int(offset.total_seconds() * 1000),
        "high": list(limits[0:4]),
        "low": list(limits[4:8]),
        "colors": list(LEVEL_COLORS),
        "labels": [_(label) for label in LEVEL_LABELS],
        # "红色上限" / "Red upper limit": whole phrases, since languages join the words differently.
        "high_labels": [_("%(level)s上限") % {"level": _(label)} for label in LEVEL_LABELS],
        "low_labels": [_("%(level)s下限") % {"level": _(label)} for label in LEVEL_LABELS],
        "marks": marks,
        "texts": {
            "value": _("读数"),
            "mean": _("均值"),
            "range": _("最小—最大"),
            "empty": _("该时段没有读数"),
        },
    }


def _run_threshold_action(request: HttpRequest, user: Any, sensor: Sensor) -> tuple[str, Any]:
    """Set or clear the sensor's own limits from the posted form; (error, bound form)."""
    action = request.POST.get("action", "")
    if action == "clear_limits":
        try:
            services.clear_sensor_thresholds(user, sensor.pk)
        except DomainError as failure:
            return failure.page_message, None
        return "", None
    if action != "set_limits":
        raise Http404
    form = ThresholdForm(request.POST)
    if not form.is_valid():
        return _("请检查填写的内容"), form
    data = form.cleaned_data
    try:
        services.set_sensor_thresholds(
            user,
            sensor.pk,
            high=[data[name] for name in ThresholdForm.HIGH],
            low=[data[name] for name in ThresholdForm.LOW],
            rate_per_minute=data["rate_per_minute"],
            rate_level=data["rate_level"],
        )
    except DomainError as failure:
        return failure.page_message, form
    return "", None


@login_required
def sensor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A sensor: facts, its limits and where they come from, a trend chart over a period, its alarms."""
    user = _viewer(request)
    sensor = _visible_or_404(
        Sensor.objects.select_related(
            "gateway", "enterprise", "installation", "hazard_unit", "risk_point", "site", "region", "state"
        ),
        user,
        pk,
    )
    editable = services.may_edit_sensor(user, sensor)
    error, form = "", None
    if request.method == "POST":
        if not editable:
            raise Http404
        error, form = _run_threshold_action(request, user, sensor)
        if not error:
            messages.success(request, _("阈值已保存，新读数按新阈值判定。"))
            return redirect(request.get_full_path())
    source, limits = services.effective_limits(sensor)
    period = _period(request, sensor, timezone.now())
    recent = list(sensor.alarms.order_by("-raised_at", "-id")[:20])
    kind = KIND_BY_KEY[sensor.kind]
    return render(
        request,
        "monitoring/sensor_detail.html",
        {
            "sensor": sensor,
            "tile": sensor_tile(sensor),
            "offline_after_s": sensor.offline_after_s or kind.offline_after_s,
            "limit_source": LIMIT_SOURCES[source],
            "limit_rows": _limit_rows(limits),
            "rate": (limits[8], _(LEVEL_LABELS[int(limits[9])]) if limits[9] else ""),
            "period": period,
            "period_choices": PERIOD_CHOICES,
            "chart": chart_data(sensor, _ms(period.start), _ms(period.end), limits, []),
            "alarms": recent,
            "editable": editable,
            "has_own_limits": source == "sensor",
            "threshold_form": form or ThresholdForm.from_limits(limits),
            "error": error,
        },
    )


def _limit_rows(limits: tuple[Any, ...]) -> list[dict[str, Any]]:
    return [
        {
            "label": _(LEVEL_LABELS[level]),
            "css": LEVEL_NAMES[level],
            "high": limits[level - 1],
            "low": limits[level + 3],
        }
        for level in range(1, 5)
    ]


# Alarms -----------------------------------------------------------------------------------------

ALARM_FILTERS = ("status", "level", "rule", "county", "sensor", "enterprise")


def listed_alarms(user: Any, chosen: Mapping[str, str]) -> Any:
    """The alarm list's records: what the user sees by status (`open`: not yet closed), level, rule,
    county, sensor and enterprise."""
    if not services.may_view(user):
        return Alarm.objects.none()
    listed = Alarm.objects.visible_to(user)
    status = chosen.get("status", "")
    if status == "open":
        listed = listed.filter(status__in=Alarm.OPEN_STATUSES)
    elif status in dict(Alarm.STATUS_CHOICES):
        listed = listed.filter(status=status)
    if chosen.get("level") in {str(level) for level in range(1, 5)}:
        listed = listed.filter(level=int(chosen["level"]))
    if chosen.get("rule") in dict(Alarm.RULE_CHOICES):
        listed = listed.filter(rule=chosen["rule"])
    county = county_filter(user, chosen.get("county"))
    if county is not None:
        listed = listed.in_region(county)
    sensor_id, enterprise_id = _int(chosen.get("sensor")), _int(chosen.get("enterprise"))
    if sensor_id:
        listed = listed.filter(sensor_id=sensor_id)
    if enterprise_id:
        listed = listed.filter(sensor__enterprise_id=enterprise_id)
    return listed


@login_required
def alarm_list(request: HttpRequest) -> HttpResponse:
    """Alarms the user may see, filtered by status, level, rule and county, newest first."""
    user = _viewer(request)
    visible = Alarm.objects.visible_to(user)
    chosen = {key: request.GET.get(key, "") for key in ALARM_FILTERS}
    listed = listed_alarms(user, chosen)
    counties = list(counties_for(user).order_by("code"))
    sensor_id, enterprise_id = _int(chosen["sensor"]), _int(chosen["enterprise"])
    sensor = Sensor.objects.visible_to(user).filter(pk=sensor_id).first() if sensor_id else None
    enterprise = (
        Enterprise.objects.visible_to(user).filter(pk=enterprise_id).first() if enterprise_id else None
    )
    page = Paginator(
        listed.select_related(
            "sensor", "sensor__enterprise", "sensor__site", "region", "acknowledged_by"
        ).order_by("-raised_at", "-id"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    county_names = _county_names(counties)
    for alarm in page:
        alarm.place = _place(alarm.region.path, alarm.region.name, county_names)
        alarm.peak_display = format_value(alarm.peak_value)
    summary = visible.aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status, _label in Alarm.STATUS_CHOICES}
    )
    return render(
        request,
        "monitoring/alarm_list.html",
        {
            "page": page,
            "chosen": chosen,
            "sensor": sensor,
            "enterprise": enterprise,
            "summary": summary,
            "statuses": Alarm.STATUS_CHOICES,
            "levels": [(str(level), _(label)) for level, label in enumerate(LEVEL_LABELS) if level],
            "rules": Alarm.RULE_CHOICES,
            "counties": counties if len(counties) > 1 else [],
        },
    )


EVENT_LABELS = {
    "raised": gettext_lazy("报警"),
    "reraised": gettext_lazy("再次报警"),
    "escalated": gettext_lazy("升级"),
    "deescalated": gettext_lazy("降级"),
    "notified": gettext_lazy("通知"),
    "overdue": gettext_lazy("超时未确认"),
    "acknowledged": gettext_lazy("确认"),
    "cleared": gettext_lazy("恢复正常"),
    "closed": gettext_lazy("关闭"),
}


def _system_note(alarm: Alarm, event: Any) -> str:
    """What the platform did at a step of the timeline, in the reader's language."""
    if event.told_tier is not None:
        return _("已通知至%(tier)s") % {"tier": dict(Alarm.TIER_CHOICES)[event.told_tier]}
    if event.kind == "cleared" and event.actor_id is None:
        return _("传感器恢复上报") if alarm.rule == Alarm.OFFLINE else _("读数恢复正常")
    return ""


@login_required
def alarm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alarm: what, where, its sensor's chart around it, its timeline, and acknowledge / close."""
    user = _viewer(request)
    alarm = _visible_or_404(
        Alarm.objects.select_related(
            "sensor",
            "sensor__enterprise",
            "sensor__site",
            "sensor__installation",
            "region",
            "acknowledged_by",
            "closed_by",
        ),
        user,
        pk,
    )
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "acknowledge":
                alarms.acknowledge(user, alarm.pk, request.POST.get("note", ""))
                messages.success(request, _("报警已确认。"))
            elif action == "close":
                alarms.close(user, alarm.pk, request.POST.get("disposal_note", ""))
                messages.success(request, _("报警已关闭。"))
            else:
                raise Http404
            return redirect("monitoring:alarm", pk=pk)
        except DomainError as failure:
            error = failure.page_message
    _source, limits = services.effective_limits(alarm.sensor)
    span = queries.alarm_span(alarm, _ms(timezone.now()))
    events = list(alarm.events.select_related("actor").order_by("at", "id"))
    for event in events:
        event.label = EVENT_LABELS.get(event.kind, event.kind)
        event.system_note = _system_note(alarm, event)
    marks = [{"at": _ms(alarm.raised_at), "label": _("报警"), "level": alarm.peak_level}]
    if alarm.cleared_at:
        marks.append({"at": _ms(alarm.cleared_at), "label": _("恢复"), "level": 0})
    return render(
        request,
        "monitoring/alarm_detail.html",
        {
            "alarm": alarm,
            "events": events,
            "may_handle": alarms.may_handle(user, alarm),
            "error": error,
            "chart": chart_data(alarm.sensor, span.start_ms, span.end_ms, limits, marks),
            "trigger_display": format_value(alarm.trigger_value),
            "peak_display": format_value(alarm.peak_value),
            **_incident_offer(user, alarm),
        },
    )


def _incident_offer(user: Any, alarm: Alarm) -> dict[str, Any]:
    """A red alarm offers an incident (command's intake); one already taken in is linked instead."""
    from yingji.command import incident_services
    from yingji.command.models import Incident

    taken = Incident.objects.visible_to(user).filter(source_ref=f"monitoring.alarm:{alarm.pk}").first()
    may_offer = (
        alarm.peak_level == incident_services.RED and alarm.is_open and incident_services.may_record(user)
    )
    return {"incident": taken, "may_take_incident": taken is None and may_offer}


# Gateways (from the enterprise page's monitoring panel) ---------------------------------------


class GatewayForm(forms.Form):
    name = forms.SlugField(
        label=gettext_lazy("网关标识"),
        max_length=64,
        help_text=gettext_lazy("小写字母、数字、- 或 _，用作 MQTT 主题 yingji/<网关标识>/<传感器编码>"),
    )
    title = forms.CharField(label=gettext_lazy("网关名称"), max_length=100, required=False)


def _key_page(request: HttpRequest, gateway: Gateway, key: str, rotated: bool) -> HttpResponse:
    """The one page that shows a gateway key (its views are never_cache: no copy is kept anywhere)."""
    return render(
        request,
        "monitoring/gateway_key.html",
        {
            "gateway": gateway,
            "key": key,
            "rotated": rotated,
            "readings_url": request.build_absolute_uri("/api/v1/monitoring/readings"),
        },
    )


@login_required
@never_cache
def gateway_new(request: HttpRequest) -> HttpResponse:
    """A new gateway of an enterprise; its key is shown once on the answer page."""
    user = _viewer(request)
    enterprise_id = _int(request.POST.get("enterprise") or request.GET.get("enterprise"))
    enterprise = _visible_or_404(Enterprise.objects, user, enterprise_id or 0)
    if not services.may_keep_enterprise(user, enterprise):
        raise Http404
    form = GatewayForm(request.POST or None)
    error = ""
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = services.create_gateway(
                    user,
                    name=form.cleaned_data["name"],
                    title=form.cleaned_data["title"],
                    enterprise_id=enterprise.pk,
                )
            except DomainError as failure:
                error = failure.page_message
            else:
                return _key_page(request, issued.gateway, issued.key, rotated=False)
        else:
            error = _("请检查填写的内容")
    return render(
        request, "monitoring/gateway_new.html", {"form": form, "enterprise": enterprise, "error": error}
    )


def _gateway_back(gateway: Gateway) -> HttpResponse:
    if gateway.enterprise_id is not None:
        return redirect(reverse("enterprises:detail", args=[gateway.enterprise_id]) + "#monitoring")
    return redirect("monitoring:wall")


@login_required
@never_cache
@require_POST
def gateway_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    """A new key for a gateway (shown once); the old key stops working at once."""
    user = _viewer(request)
    gateway = _visible_or_404(Gateway.objects, user, pk)
    try:
        issued = services.rotate_gateway_key(user, gateway.pk)
    except DomainError as failure:
        messages.error(request, failure.page_message)
        return _gateway_back(gateway)
    return _key_page(request, issued.gateway, issued.key, rotated=True)


@login_required
@require_POST
def gateway_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop a gateway: its key is refused from now on."""
    user = _viewer(request)
    gateway = _visible_or_404(Gateway.objects, user, pk)
    try:
        services.revoke_gateway(user, gateway.pk)
    except DomainError as failure:
        messages.error(request, failure.page_message)
    else:
        messages.success(request, _("网关“%(name)s”已吊销，其密钥不再被接受。") % {"name": gateway})
    return _gateway_back(gateway)

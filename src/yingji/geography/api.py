"""Routing on the shared road network: `GET /api/v1/routing/travel-time?from=LON,LAT&to=LON,LAT`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from yingji.core.api_common import AUTH, responses
from yingji.geography.roads.service import MAX_POINT_TEXT, travel_time

router = Router(auth=AUTH, tags=["routing"])


class TravelTimeQuery(Schema):
    origin: str = Field(
        alias="from",
        max_length=MAX_POINT_TEXT,
        description="起点“经度,纬度” / origin LON,LAT, e.g. 112.73,38.42",
    )
    destination: str = Field(
        alias="to", max_length=MAX_POINT_TEXT, description="终点“经度,纬度” / destination LON,LAT"
    )


class TravelTimeOut(Schema):
    reachable: bool = Field(description="路网能否到达 / whether a road joins the two points")
    minutes: float | None = Field(
        description="最快行程时间（分钟）/ quickest travel time in minutes; null if unreachable"
    )
    km: float | None = Field(
        description="该路线里程（千米）/ length of that route in km; null if unreachable"
    )
    network: str = Field(description="所用路网 / the road network used")


@router.get(
    "/routing/travel-time",
    response=responses(TravelTimeOut),
    summary="道路行程时间 / Road travel time between two points",
    description=(
        "最快路线的时间与里程（共享路网，docs/roads.md）；点在有效范围或路网范围之外时返回 400。"
        " / The quickest route's minutes and km on the shared road network; a point outside the valid "
        "range or the network's area is a 400 (`invalid_input`, `outside_network`)."
    ),
)
def get_travel_time(request: HttpRequest, query: Query[TravelTimeQuery]) -> Any:
    network, trip = travel_time(query.origin, query.destination)
    return {
        "reachable": trip is not None,
        "minutes": round(trip.minutes, 2) if trip else None,
        "km": round(trip.km, 2) if trip else None,
        "network": network.name,
    }

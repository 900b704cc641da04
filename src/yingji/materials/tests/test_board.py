"""The materials section of the county resource board: stock against reserve levels, scoped."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F
from django.test import Client

from yingji.materials.models import StockItem

pytestmark = pytest.mark.django_db


def _board(user: Any) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/resources/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_shows_each_countys_stock_against_its_levels(city_admin: Any) -> None:
    page = _board(city_admin)
    assert 'id="board-stock"' in page
    below = StockItem.objects.filter(warehouse__region__path__startswith="140000/140900/140921/").filter(
        on_hand__lt=F("minimum")
    )
    if below.exists():
        assert f'?county=140921&amp;low=1">{below.count()}</a>' in page


def test_a_county_sees_only_its_own_row(county_admin: Any) -> None:
    page = _board(county_admin)
    section = page[page.index('id="board-stock"') :]
    assert "?county=140902" in section and "?county=140921" not in section

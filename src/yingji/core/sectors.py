"""Which records a department's sector supervises: the table in `core/data/sector_industries.json`.

A department (行业部门) supervises the enterprises of some industries and the natural-hazard
monitoring sites of some kinds ("管行业必须管安全"): 住建 construction and gas, 交通 road transport,
水利 rain, river and reservoir gauges. The table is data, so a city can change it without code;
scoping (`core/scoping.py`) reads it for department staff. No Django here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE = Path(__file__).resolve().parent / "data" / "sector_industries.json"


@dataclass(frozen=True)
class SectorRecords:
    """The codes of what one sector supervises, by the kind of code a model's path leads to."""

    sector: str
    industries: frozenset[str]
    site_kinds: frozenset[str]

    def codes(self, kind: str) -> frozenset[str]:
        """The codes for `kind`: "industry" (an enterprise's), "site_kind" (a monitoring site's) or
        "sector" (an organization's own sector, for things a department keeps itself)."""
        if kind == "industry":
            return self.industries
        if kind == "site_kind":
            return self.site_kinds
        if kind == "sector":
            return frozenset({self.sector}) if self.sector else frozenset()
        raise ValueError(f"unknown kind of sector code {kind!r}")


@cache
def table() -> dict[str, SectorRecords]:
    """Every sector in the table (read once per process; the file ships with the code)."""
    raw = json.loads(TABLE.read_text(encoding="utf-8"))["sectors"]
    return {
        sector: SectorRecords(
            sector, frozenset(entry.get("industries", ())), frozenset(entry.get("site_kinds", ()))
        )
        for sector, entry in raw.items()
    }


def records_of(sector: str) -> SectorRecords:
    """What `sector` supervises; nothing but its own for a sector the table does not list."""
    return table().get(sector) or SectorRecords(sector, frozenset(), frozenset())

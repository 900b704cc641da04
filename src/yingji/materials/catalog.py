"""The catalog shipped with the app (data/catalog.json), loaded idempotently by code.

A deployment gets it from its migration without the demo; `yingji materials load-catalog` loads it
again (after an upgrade added items) and changes nothing that is already as the file says.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from yingji.materials import gb38565

CATALOG_FILE = Path(__file__).parent / "data" / "catalog.json"
FIELDS = ("name", "unit", "category", "specification", "shelf_life_days", "unit_weight_kg")


def catalog_rows() -> list[dict[str, Any]]:
    """The file's items, each code checked against GB/T 38565-2020's structure."""
    rows = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    for row in rows:
        gb38565.parse(row["code"])
    return rows


def load_catalog(material_model: Any) -> tuple[int, int]:
    """Create missing items and update changed ones (by code): (created, updated)."""
    existing = {m.code: m for m in material_model.objects.all()}
    created, changed = [], []
    for row in catalog_rows():
        item = existing.get(row["code"])
        if item is None:
            created.append(material_model(code=row["code"], **{f: row[f] for f in FIELDS}))
        elif any(getattr(item, f) != row[f] for f in FIELDS):
            for f in FIELDS:
                setattr(item, f, row[f])
            changed.append(item)
    material_model.objects.bulk_create(created)
    if changed:
        material_model.objects.bulk_update(changed, list(FIELDS))
    return len(created), len(changed)

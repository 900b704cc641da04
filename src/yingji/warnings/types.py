"""The warning types shipped with the platform (data/warning_types.json), loaded where they are missing.

Migration 0002 loads them into a new database. A test run that flushes the database (browser tests)
empties the table, and the demo and the monitoring listener need them: `ensure_loaded()` puts them
back without touching types the city has edited.
"""

from __future__ import annotations

import json
from pathlib import Path

from yingji.warnings.models import WarningType

TYPES_FILE = Path(__file__).resolve().parent / "data" / "warning_types.json"


def ensure_loaded() -> int:
    """Create the shipped types that are missing; returns how many were created."""
    present = set(WarningType.objects.values_list("code", flat=True))
    missing = [
        WarningType(**row)
        for row in json.loads(TYPES_FILE.read_text(encoding="utf-8"))
        if row["code"] not in present
    ]
    WarningType.objects.bulk_create(missing)
    return len(missing)

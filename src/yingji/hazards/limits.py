"""How far ahead an enterprise may set its own rectification deadline: the defaults and the lookup.

Pure, no Django import. A general hazard (一般事故隐患) is one that can be removed at once on discovery
(SAWS Order 16 Art.3), so 90 days is already generous; a major hazard needs a plan and often stopped
production, and gets 180 days by default, within the one-year ceiling that provincial listed-supervision
rules use (shared/domain/STANDARDS.md §3.1). The national judgment standards fix no period per item,
so each criterion takes its grade's period unless the city configures one (`DeadlineLimit`).
"""

from __future__ import annotations

from collections.abc import Mapping

DEFAULT_DAYS = {"general": 90, "major": 180}
MAX_CONFIGURABLE_DAYS = 730  # what the city may configure: two years at most


def period_days(grade: str, criterion_code: str, configured: Mapping[tuple[str, str], int]) -> int:
    """A hazard's longest period: the city's days for its criterion, else for its grade, else the default.

    `configured` maps (grade, criterion code or "") to days.
    """
    if criterion_code and (grade, criterion_code) in configured:
        return configured[(grade, criterion_code)]
    return configured.get((grade, ""), DEFAULT_DAYS[grade])

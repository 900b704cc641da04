"""The one mechanism that decides which records a user may see and change.

Every model that belongs to a region names the path to its region (`scope_region_field`) and, if an
enterprise officer may see it, the path to its organization (`scope_organization_field`). A user's
scope is their region's materialized path (and their organization, for enterprise officers), and
`Model.objects.visible_to(user)` applies it. Lists, details, map layers, exports and API endpoints
all start from `visible_to`, so a county user cannot reach another county's record by any route:
they get the same 404 as for a record that does not exist.

This module knows regions only as things with a materialized `path` (`Located`), so that `models`
may build on it without an import circle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q

from yingji.core import roles, sectors
from yingji.core.errors import NotFound

QS = TypeVar("QS", bound=models.QuerySet[Any])


class Located(Protocol):
    """A region as scoping sees it: its materialized path ("140000/140900/140902/")."""

    path: str


@dataclass(frozen=True)
class Scope:
    """What one user may see: everything under `region_path`, narrowed to one organization if set,
    and, for department staff, to the records of their sector (`sector`, "" for none)."""

    region_path: str | None
    organization_id: int | None = None
    sector: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.region_path is None

    def apply(self, queryset: QS) -> QS:
        model = queryset.model
        if self.region_path is None:
            return queryset.none()
        region_field = model.scope_region_field
        queryset = queryset.filter(**{f"{region_field}__path__startswith": self.region_path})
        if self.organization_id is not None:
            organization_field = getattr(model, "scope_organization_field", None)
            if organization_field is None:
                return queryset.none()
            queryset = queryset.filter(**{organization_field: self.organization_id})
        if self.sector is not None:
            queryset = self._narrow_to_sector(queryset)
        return queryset

    def _narrow_to_sector(self, queryset: QS) -> QS:
        """Keep the records a model binds to a sector (`scope_sector_fields`) only if they are this one's.

        A model names the path to each kind of code it carries, e.g. `{"industry": "enterprise__industry",
        "site_kind": "site__kind"}`; a record is kept when any of them holds one of the sector's codes
        (`core/sectors.py`), or when it matches `scope_sector_unbound` (records of no sector, such as
        bureaus among organizations). A model without `scope_sector_fields` is not bound to sectors.
        """
        model = queryset.model
        fields: dict[str, str] = getattr(model, "scope_sector_fields", None) or {}
        if not fields:
            return queryset
        records = sectors.records_of(self.sector or "")
        condition = Q(**getattr(model, "scope_sector_unbound", {"pk__in": []}))
        for kind, path in fields.items():
            codes = records.codes(kind)
            if codes:
                condition |= Q(**{f"{path}__in": sorted(codes)})
        return queryset.filter(condition)

    def covers_region(self, region: Located) -> bool:
        """Whether a region lies inside this scope (enterprise officers own no region of their own)."""
        return self.covers_path(region.path)

    def covers_path(self, path: str) -> bool:
        """`covers_region` for a region known by its materialized path."""
        return (
            self.region_path is not None
            and self.organization_id is None
            and path.startswith(self.region_path)
        )


NOTHING = Scope(region_path=None)


def scope_for(user: Any) -> Scope:
    """The scope of a signed-in user; anonymous and inactive users see nothing scoped."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    region_path = user.region.path
    if user.role == roles.ENTERPRISE_OFFICER:
        if user.organization_id is None:
            return NOTHING
        return Scope(region_path=region_path, organization_id=user.organization_id)
    if user.role == roles.DEPARTMENT_STAFF:
        sector = user.organization.sector if user.organization_id is not None else ""
        return Scope(region_path=region_path, sector=sector)
    return Scope(region_path=region_path)


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to narrow itself to what a user may see."""

    def visible_to(self, user: Any) -> Any:
        return scope_for(user).apply(self)

    def in_region(self, region: Located) -> Any:
        """Records inside `region` (used by the `region` filter of every list)."""
        field = self.model.scope_region_field  # type: ignore[attr-defined]
        return self.filter(**{f"{field}__path__startswith": region.path})

    def get_visible_or_404(self, user: Any, **lookup: Any) -> Any:
        """The record matching `lookup` if the user may see it, else NotFound (absent or out of scope)."""
        try:
            return self.visible_to(user).get(**lookup)
        except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
            raise NotFound() from None

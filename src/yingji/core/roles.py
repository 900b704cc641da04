"""Roles and what each may do: a plain table, no Django, so the rules read in one place."""

from __future__ import annotations

CITY_ADMIN = "city_admin"  # 市应急局: sees the whole city, supervises counties
COUNTY_ADMIN = "county_admin"  # 县应急局: the same, inside one county
DEPARTMENT_STAFF = "department_staff"  # 行业部门: their sector, inside their region
ENTERPRISE_OFFICER = "enterprise_officer"  # 企业安全管理员: only their own enterprise
DISASTER_REPORTER = "disaster_reporter"  # 灾害信息员: reports from the field in their region
DUTY_OFFICER = "duty_officer"  # 值班员: takes incidents and dispatches at the command center
# 接口账号: a machine account for an integration (a provincial platform, a data exchange). It has no
# password and never signs in; it works only through machine API keys, which only it may hold.
INTEGRATION = "integration"

ROLE_CHOICES = [
    (CITY_ADMIN, "市级管理员"),
    (COUNTY_ADMIN, "县级管理员"),
    (DEPARTMENT_STAFF, "行业部门人员"),
    (ENTERPRISE_OFFICER, "企业安全管理员"),
    (DISASTER_REPORTER, "灾害信息员"),
    (DUTY_OFFICER, "值班员"),
    (INTEGRATION, "接口账号"),
]
ROLE_LABELS = dict(ROLE_CHOICES)
ALL_ROLES = frozenset(ROLE_LABELS)

# Accounts of machines rather than people: API keys only, no password, no pages.
MACHINE_ROLES = frozenset({INTEGRATION})

# Everyone who works with enterprises' registers and monitoring (integrations read them too);
# grassroots disaster reporters do not.
ENTERPRISE_SUPERVISION = ALL_ROLES - {DISASTER_REPORTER}

VIEW_ADMINISTRATION = "view_administration"  # users, organizations, audit log of the region
MANAGE_USERS = "manage_users"
MANAGE_ORGANIZATIONS = "manage_organizations"
MANAGE_API_KEYS = "manage_api_keys"
VIEW_AUDIT = "view_audit"
VIEW_MATERIALS = "view_materials"  # 应急物资: catalog, reserves, stock, requests, carriers of the region
MANAGE_MATERIALS = "manage_materials"  # keep reserves: warehouses, ledger, stocktakes, agreements, carriers
REQUEST_MATERIALS = "request_materials"  # ask for materials, and receive what was sent
APPROVE_MATERIAL_REQUESTS = "approve_material_requests"  # approve, allocate and dispatch (owner of the stock)
VIEW_DUTY = "view_duty"  # the duty rota, handovers, swaps and check-ins of the region (值班值守)
MANAGE_DUTY = "manage_duty"  # draw up the rota, approve or refuse swaps
SEND_CHECKINS = "send_checkins"  # check the counties' duty rooms (查岗); only accounts of the city may
# Emergency resources (teams, equipment, shelters, helipads): who keeps the registers of their region,
# who changes a team's readiness and counts people in and out of shelters (the command center too).
MANAGE_RESOURCES = "manage_resources"
DISPATCH_RESOURCES = "dispatch_resources"
# Incidents (事件): who sees them (an enterprise's officers their own enterprise's), who takes them in
# and keeps them (intake, numbers, reports up the chain, notes, merging), and who may judge a filed
# report 瞒报/谎报 (the city's administrators any report; a county's the unit's report it received).
VIEW_INCIDENTS = "view_incidents"
RECORD_INCIDENTS = "record_incidents"
JUDGE_ACCIDENT_REPORTS = "judge_accident_reports"

_ADMINS = frozenset({CITY_ADMIN, COUNTY_ADMIN})
PERMISSIONS: dict[str, frozenset[str]] = {
    VIEW_ADMINISTRATION: _ADMINS | {DUTY_OFFICER},
    MANAGE_USERS: _ADMINS,
    MANAGE_ORGANIZATIONS: _ADMINS,
    MANAGE_API_KEYS: _ADMINS,
    VIEW_AUDIT: _ADMINS,
    VIEW_MATERIALS: _ADMINS | {DUTY_OFFICER, INTEGRATION},
    MANAGE_MATERIALS: _ADMINS,
    REQUEST_MATERIALS: _ADMINS | {DUTY_OFFICER},
    APPROVE_MATERIAL_REQUESTS: _ADMINS,
    VIEW_DUTY: _ADMINS | {DUTY_OFFICER},
    MANAGE_DUTY: _ADMINS,
    SEND_CHECKINS: _ADMINS | {DUTY_OFFICER},
    MANAGE_RESOURCES: _ADMINS,
    DISPATCH_RESOURCES: _ADMINS | {DUTY_OFFICER},
    VIEW_INCIDENTS: _ADMINS | {DUTY_OFFICER, DEPARTMENT_STAFF, ENTERPRISE_OFFICER, INTEGRATION},
    RECORD_INCIDENTS: _ADMINS | {DUTY_OFFICER},
    JUDGE_ACCIDENT_REPORTS: _ADMINS,
}
# Who may stand a shift: the leader on duty (带班领导) and the duty officers are a bureau's
# administrators and duty officers.
DUTY_ROLES = _ADMINS | {DUTY_OFFICER}

# Which roles an administrator may give to the accounts they create.
ASSIGNABLE_ROLES: dict[str, frozenset[str]] = {
    CITY_ADMIN: ALL_ROLES,
    COUNTY_ADMIN: ALL_ROLES - {CITY_ADMIN},
}


def has_permission(role: str, permission: str) -> bool:
    """Whether a user with `role` may do what `permission` names."""
    return role in PERMISSIONS.get(permission, frozenset())


def is_machine(role: str) -> bool:
    """Whether accounts with `role` belong to machines (API keys) rather than people (passwords)."""
    return role in MACHINE_ROLES


def may_assign(actor_role: str, target_role: str) -> bool:
    """Whether an administrator with `actor_role` may create or change an account to `target_role`."""
    return target_role in ASSIGNABLE_ROLES.get(actor_role, frozenset())

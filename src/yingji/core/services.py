"""Core operations that change state: accounts, organizations and credentials.

Each function checks the actor's permission and scope, changes state in one transaction and
writes the audit entry inside it. Views and API endpoints call these; they never save models.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from yingji.core import audit, roles
from yingji.core.authentication import check_password_login
from yingji.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from yingji.core.models import Credential, Notification, Organization, Region, User


def require_permission(actor: User, permission: str) -> None:
    if not actor.has_role_permission(permission):
        raise Forbidden()


def region_in_scope(actor: User, code: str) -> Region:
    """The region with `code` if it lies inside the actor's scope; NotFound otherwise."""
    region = Region.objects.filter(code=code).first()
    if region is None or not actor.scope.covers_region(region):
        raise NotFound(f"行政区划 {code} 不存在或不在您的管辖范围 / Region {code} not found in your scope")
    return region


def organization_in_scope(actor: User, organization_id: int | None) -> Organization | None:
    if organization_id is None:
        return None
    return Organization.objects.get_visible_or_404(actor, pk=organization_id)


# Organizations ---------------------------------------------------------------------------------

ORGANIZATION_FIELDS = ("name", "kind", "sector", "phone", "address")


@transaction.atomic
def create_organization(
    actor: User, *, region_code: str, parent_id: int | None = None, **fields: Any
) -> Organization:
    require_permission(actor, roles.MANAGE_ORGANIZATIONS)
    region = region_in_scope(actor, region_code)
    parent = organization_in_scope(actor, parent_id)
    organization = Organization(region=region, parent=parent, **_only(fields, ORGANIZATION_FIELDS))
    validate_model(organization)
    save_or_conflict(organization)
    audit.record(actor, "organization.created", organization, after=audit.snapshot(organization))
    return organization


@transaction.atomic
def update_organization(actor: User, organization_id: int, **changes: Any) -> Organization:
    require_permission(actor, roles.MANAGE_ORGANIZATIONS)
    organization = Organization.objects.select_for_update().get_visible_or_404(actor, pk=organization_id)
    before = audit.snapshot(organization)
    for name, value in _only(changes, ORGANIZATION_FIELDS).items():
        setattr(organization, name, value)
    validate_model(organization)
    save_or_conflict(organization)
    audit.record(
        actor, "organization.updated", organization, before=before, after=audit.snapshot(organization)
    )
    return organization


# Users -----------------------------------------------------------------------------------------

USER_FIELDS = ("full_name", "phone", "email")


@transaction.atomic
def create_user(
    actor: User,
    *,
    username: str,
    password: str | None,
    role: str,
    region_code: str,
    organization_id: int | None = None,
    **fields: Any,
) -> User:
    """A person's account (with a password) or a machine account for an integration (without one)."""
    require_permission(actor, roles.MANAGE_USERS)
    if not roles.may_assign(actor.role, role):
        raise Forbidden(f"您不能创建角色为 {role} 的账号 / You may not create accounts with role {role}")
    region = region_in_scope(actor, region_code)
    organization = organization_in_scope(actor, organization_id)
    _check_enterprise_officer(role, organization)
    if User.objects.filter(username=username).exists():
        raise Conflict("用户名已存在 / The username is taken", details={"field": "username"})
    user = User(
        username=username, role=role, region=region, organization=organization, **_only(fields, USER_FIELDS)
    )
    if user.is_machine:
        if password:
            raise InvalidInput(
                "接口账号没有密码，只能使用机器密钥 / A machine account has no password; it uses API keys",
                code="machine_account_password",
                details={"field": "password"},
            )
        user.set_unusable_password()
    else:
        if not password:
            raise InvalidInput(
                "请设置密码 / The account needs a password",
                code="password_required",
                details={"field": "password"},
            )
        _validate_password(password, user)
        user.set_password(password)
    validate_model(user)
    save_or_conflict(user)
    audit.record(actor, "user.created", user, after=audit.snapshot(user))
    return user


@transaction.atomic
def update_user(actor: User, user_id: int, **changes: Any) -> User:
    require_permission(actor, roles.MANAGE_USERS)
    user = User.objects.select_for_update().get_visible_or_404(actor, pk=user_id)
    if not roles.may_assign(actor.role, user.role):
        raise Forbidden()
    before = audit.snapshot(user)
    if "role" in changes and changes["role"] is not None:
        if not roles.may_assign(actor.role, changes["role"]):
            raise Forbidden(f"您不能授予角色 {changes['role']} / You may not grant role {changes['role']}")
        if roles.is_machine(changes["role"]) != user.is_machine:
            raise InvalidInput(
                "个人账号与接口账号不能互相转换，请新建账号 / A person's account and a machine account "
                "cannot be turned into each other; create a new account",
                code="machine_role_change",
                details={"field": "role"},
            )
        user.role = changes["role"]
    if changes.get("region_code") is not None:
        user.region = region_in_scope(actor, changes["region_code"])
    if "organization_id" in changes:
        user.organization = organization_in_scope(actor, changes["organization_id"])
    if changes.get("is_active") is not None:
        if user.pk == actor.pk and not changes["is_active"]:
            raise InvalidInput("不能停用自己的账号 / You cannot deactivate your own account")
        user.is_active = changes["is_active"]
    for name, value in _only(changes, USER_FIELDS).items():
        if value is not None:
            setattr(user, name, value)
    _check_enterprise_officer(user.role, user.organization)
    validate_model(user)
    save_or_conflict(user)
    audit.record(actor, "user.updated", user, before=before, after=audit.snapshot(user))
    return user


def _check_enterprise_officer(role: str, organization: Organization | None) -> None:
    if role == roles.ENTERPRISE_OFFICER and (
        organization is None or organization.kind != Organization.ENTERPRISE
    ):
        raise InvalidInput(
            "企业安全管理员必须属于一个企业 / An enterprise safety officer must belong to an enterprise",
            details={"field": "organization_id"},
        )


# Credentials -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedSecret:
    """A credential just created, with the secret that is shown this once and never stored."""

    credential: Credential
    secret: str


def issue_token(request: HttpRequest | None, username: str, password: str) -> IssuedSecret:
    """Exchange a username and password for an API bearer token."""
    # The attempt is recorded outside the token's transaction, so that a failure still counts.
    user = check_password_login(request, username, password)
    secret, digest = Credential.new_secret(Credential.TOKEN)
    with transaction.atomic():
        credential = Credential.objects.create(
            kind=Credential.TOKEN,
            user=user,
            name="API token",
            digest=digest,
            hint=secret[:8],
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
        audit.record(user, "credential.token_issued", credential, after=audit.snapshot(credential))
    return IssuedSecret(credential, secret)


@transaction.atomic
def create_api_key(actor: User, *, user_id: int, name: str) -> IssuedSecret:
    """A machine API key for a machine account (an integration), acting as that account.

    A person's account gets none: a key never expires and needs no password, so it would let whoever
    holds it act as that person (docs/security.md).
    """
    require_permission(actor, roles.MANAGE_API_KEYS)
    owner = User.objects.get_visible_or_404(actor, pk=user_id)
    if not roles.may_assign(actor.role, owner.role):
        raise Forbidden()
    if not owner.is_machine:
        raise InvalidInput(
            "机器密钥只能发给接口账号，不能发给个人账号 / API keys are issued to machine accounts "
            "(role integration) only, never to a person's account",
            code="not_a_machine_account",
            details={"field": "user_id"},
        )
    if not name.strip():
        raise InvalidInput("密钥名称不能为空 / The key needs a name", details={"field": "name"})
    secret, digest = Credential.new_secret(Credential.API_KEY)
    credential = Credential.objects.create(
        kind=Credential.API_KEY, user=owner, name=name.strip()[:100], digest=digest, hint=secret[:8]
    )
    audit.record(actor, "credential.api_key_created", credential, after=audit.snapshot(credential))
    return IssuedSecret(credential, secret)


@transaction.atomic
def revoke_credential(actor: User, credential_id: int, kind: str = Credential.API_KEY) -> Credential:
    """Revoke an API key (an administrator's act) or one's own token (signing out of the API)."""
    credentials = Credential.objects.select_for_update().filter(kind=kind)
    credential = credentials.filter(pk=credential_id, user=actor).first()
    if credential is None:
        require_permission(actor, roles.MANAGE_API_KEYS)
        credential = credentials.get_visible_or_404(actor, pk=credential_id)
    if credential.revoked_at is not None:
        raise Conflict("该凭据已吊销 / Already revoked")
    before = audit.snapshot(credential)
    credential.revoked_at = timezone.now()
    credential.save(update_fields=["revoked_at"])
    audit.record(actor, "credential.revoked", credential, before=before, after=audit.snapshot(credential))
    return credential


# Passwords -------------------------------------------------------------------------------------

TEMPORARY_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY346789"  # no 0/O, 1/l/I, 2/Z, 5/S


def change_password(
    request: HttpRequest | None,
    actor: User,
    *,
    old_password: str,
    new_password: str,
    keep: Credential | None = None,
) -> int:
    """Change one's own password; every other session and credential of the account ends.

    The old password is checked through the sign-in limits, so a stolen session cannot guess it.
    Sessions end because Django ties each to the password's hash (the caller keeps its own with
    `update_session_auth_hash`); tokens and keys are revoked, except `keep`, the one in use.
    Returns the number of credentials revoked.
    """
    if actor.is_machine:
        raise InvalidInput(
            "接口账号没有密码 / A machine account has no password", code="machine_account_password"
        )
    try:
        check_password_login(request, actor.get_username(), old_password)
    except InvalidInput:
        raise InvalidInput(
            "原密码不正确 / The current password is wrong",
            code="wrong_password",
            details={"field": "old_password"},
        ) from None
    if old_password == new_password:
        raise InvalidInput(
            "新密码不能与原密码相同 / The new password must differ from the current one",
            details={"field": "new_password"},
        )
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.pk)
        _validate_password(new_password, user)
        before = audit.snapshot(user)
        user.set_password(new_password)
        user.must_change_password = False
        user.save(update_fields=["password", "must_change_password"])
        revoked = _revoke_all_credentials(user, keep=keep)
        audit.record(
            user,
            "user.password_changed",
            user,
            before=before,
            after={**audit.snapshot(user), "credentials_revoked": revoked},
        )
    actor.password, actor.must_change_password = user.password, False
    return revoked


@transaction.atomic
def reset_password(actor: User, user_id: int) -> tuple[User, str]:
    """An administrator's reset: a temporary password (shown once) that must be changed at next sign-in.

    The account's sessions end (the password's hash changes) and its tokens are revoked.
    """
    require_permission(actor, roles.MANAGE_USERS)
    user = User.objects.select_for_update().get_visible_or_404(actor, pk=user_id)
    if not roles.may_assign(actor.role, user.role):
        raise Forbidden()
    if user.pk == actor.pk:
        raise InvalidInput(
            "请通过“修改密码”更改自己的密码 / Change your own password with the password change",
            code="own_account",
        )
    if user.is_machine:
        raise InvalidInput(
            "接口账号没有密码 / A machine account has no password", code="machine_account_password"
        )
    temporary = "".join(secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(14))
    before = audit.snapshot(user)
    user.set_password(temporary)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    revoked = _revoke_all_credentials(user)
    audit.record(
        actor,
        "user.password_reset",
        user,
        before=before,
        after={**audit.snapshot(user), "credentials_revoked": revoked},
    )
    return user, temporary


def _revoke_all_credentials(user: User, keep: Credential | None = None) -> int:
    credentials = Credential.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        credentials = credentials.exclude(pk=keep.pk)
    return credentials.update(revoked_at=timezone.now())


# Helpers ---------------------------------------------------------------------------------------


def _only(values: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key in allowed and value is not None}


def validate_model(instance: Any, exclude: list[str] | None = None) -> None:
    """Model validation as a 400 with the fields at fault, or a 409 when a uniqueness rule is broken."""
    try:
        instance.full_clean(exclude=["password", *(exclude or [])])
    except ValidationError as error:
        codes = {e.code for errors in error.error_dict.values() for e in errors}
        if codes & {"unique", "unique_together"}:
            raise Conflict(details=_messages(error)) from None
        raise InvalidInput(details=_messages(error)) from None


def save_or_conflict(instance: Any) -> None:
    """Save, turning a uniqueness race lost to a concurrent request into a 409 instead of a 500."""
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        raise Conflict() from None


def _validate_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput(
            "密码不符合要求 / The password is too weak", details={"password": error.messages}
        ) from None


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return {field: [str(message) for message in messages] for field, messages in error.message_dict.items()}


# Notifications ---------------------------------------------------------------------------------


@transaction.atomic
def mark_notification_read(actor: User, notification_id: int) -> Notification:
    """Mark one of the actor's own notifications read (idempotent)."""
    notification = (
        Notification.objects.select_for_update()
        .filter(recipient=actor)
        .get_visible_or_404(actor, pk=notification_id)
    )
    if notification.read_at is None:
        before = audit.snapshot(notification)
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
        audit.record(
            actor, "notification.read", notification, before=before, after=audit.snapshot(notification)
        )
    return notification

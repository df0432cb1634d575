"""Domain verbs of accounts: sign-up and login, workspaces, members, invitations, API tokens.

Every verb validates first and changes state inside one transaction, recording activity.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from northline.core import activity, ratelimit, tasks
from northline.core.access import Access
from northline.core.errors import Conflict, Forbidden, Gone, Invalid, NotFound, Unauthorized
from northline.core.models import TaskProgress
from northline.core.roles import Role, parse_role

from .models import ApiToken, Invitation, Membership, User, Workspace

TOKEN_PREFIX = "nl_"  # noqa: S105 — a public prefix, not a secret
INVITATION_DAYS = 7


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def clean_email(email: str, field: str = "email") -> str:
    email = (email or "").strip().lower()
    if not email:
        raise Invalid(f"{field}: must not be empty")
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid(f"{field}: {email!r} is not a valid e-mail address") from None
    return email


def clean_name(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise Invalid(f"{field}: must not be empty")
    if len(value) > max_length:
        raise Invalid(f"{field}: must be at most {max_length} characters, got {len(value)}")
    return value


# --- users -----------------------------------------------------------------------------------


SIGNUPS_PER_HOUR = 20


def sign_up(email: str, password: str, name: str = "", client: str | None = None) -> User:
    """A new user. `client` (the caller's address, from the web) limits sign-ups per hour."""
    if client is not None:
        ratelimit.hit(f"signup:client:{client}", SIGNUPS_PER_HOUR, 3600)
    email = clean_email(email)
    name = (name or "").strip()[:150]
    if User.objects.filter(email=email).exists():
        raise Conflict(f"email: {email!r} is already registered; log in instead")
    try:
        password_validation.validate_password(password, User(email=email, name=name))
    except ValidationError as error:
        raise Invalid(*(f"password: {message}" for message in error.messages)) from None
    with transaction.atomic():
        return User.objects.create_user(email, password, name=name)


def log_in(email: str, password: str, client: str) -> User:
    """The user with these credentials. Attempts are limited per e-mail and per client address."""
    email = (email or "").strip().lower()
    limit, window = settings.LOGIN_RATE
    ratelimit.hit(f"login:email:{email}", limit, window)
    ratelimit.hit(f"login:client:{client}", limit * 5, window)
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or not user.check_password(password):
        if user is None:
            User().set_password(password)  # spend the same time as a real check
        raise Invalid("Incorrect e-mail or password")
    ratelimit.reset(f"login:email:{email}")
    return user


# --- workspaces ------------------------------------------------------------------------------


def unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "workspace"
    slug, n = base, 1
    while Workspace.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def create_workspace(user: User, name: str) -> Workspace:
    name = clean_name(name, "name", 100)
    with transaction.atomic():
        workspace = Workspace.objects.create(name=name, slug=unique_slug(name))
        Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
        activity.record(workspace, user, "workspace.created", workspace)
    return workspace


def rename_workspace(access: Access, name: str) -> Workspace:
    access.require(Role.ADMIN)
    workspace = access.workspace
    name = clean_name(name, "name", 100)
    with transaction.atomic():
        changes = activity.diff({"name": workspace.name}, {"name": name})
        workspace.name = name
        workspace.save(update_fields=["name"])
        activity.record(workspace, access.user, "workspace.renamed", workspace, changes)
    return workspace


# --- members ---------------------------------------------------------------------------------


def get_member(access: Access, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("user")
        .filter(workspace=access.workspace, pk=membership_id)
        .first()
    )
    if membership is None:
        raise NotFound(f"member {membership_id} not found")
    return membership


def check_grant(access: Access, role: Role) -> None:
    """Nobody grants a role above their own; only owners make or unmake owners."""
    if role.rank > access.role.rank:
        raise Forbidden(f"role: you cannot grant {role.value}, which is above your role")


def keep_an_owner(membership: Membership) -> None:
    if membership.role != Role.OWNER:
        return
    owners = Membership.objects.filter(workspace=membership.workspace, role=Role.OWNER)
    if owners.count() <= 1:
        raise Invalid(f"role: {membership.user.email} is the last owner; make another owner first")


def change_role(access: Access, membership_id: int, role: str) -> Membership:
    access.require(Role.ADMIN)
    new_role = parse_role(role)
    with transaction.atomic():
        membership = get_member(access, membership_id)
        check_grant(access, new_role)
        check_grant(access, Role(membership.role))
        if new_role != Role.OWNER:
            keep_an_owner(membership)
        changes = activity.diff({"role": membership.role}, {"role": new_role.value})
        membership.role = new_role
        membership.save(update_fields=["role"])
        activity.record(access.workspace, access.user, "member.role_changed", membership, changes)
    return membership


def remove_member(access: Access, membership_id: int) -> None:
    with transaction.atomic():
        membership = get_member(access, membership_id)
        if membership.user_id != access.user.pk:
            access.require(Role.ADMIN)
            check_grant(access, Role(membership.role))
        keep_an_owner(membership)
        verb = "member.left" if membership.user_id == access.user.pk else "member.removed"
        activity.record(access.workspace, access.user, verb, membership)
        ApiToken.objects.filter(workspace=access.workspace, user_id=membership.user_id).update(
            revoked_at=timezone.now()
        )
        membership.delete()


def leave_workspace(access: Access) -> None:
    remove_member(access, access.membership_id)


# --- invitations -----------------------------------------------------------------------------


def invite(access: Access, role: str, email: str = "") -> tuple[Invitation, str]:
    """A single-use invitation link; returns it with its secret, which is not stored."""
    access.require(Role.ADMIN)
    grant = parse_role(role)
    check_grant(access, grant)
    email = clean_email(email) if email and email.strip() else ""
    if email and Membership.objects.filter(workspace=access.workspace, user__email=email).exists():
        raise Conflict(f"email: {email!r} is already a member of {access.workspace.name}")
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        invitation = Invitation.objects.create(
            workspace=access.workspace,
            email=email,
            role=grant,
            token_hash=digest(secret),
            created_by=access.user,
            expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
        )
        activity.record(access.workspace, access.user, "invitation.created", invitation)
    return invitation, secret


def find_invitation(secret: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("workspace").filter(token_hash=digest(secret)).first()
    )
    if invitation is None:
        raise NotFound("invitation not found; ask for a new link")
    if invitation.revoked_at:
        raise Gone("this invitation was revoked; ask for a new link")
    if invitation.accepted_at:
        raise Gone("this invitation was already used; ask for a new link")
    if invitation.expires_at <= timezone.now():
        raise Gone(
            f"this invitation expired on {invitation.expires_at:%Y-%m-%d}; ask for a new link"
        )
    return invitation


def accept_invitation(user: User, secret: str) -> Membership:
    with transaction.atomic():
        invitation = find_invitation(secret)
        if invitation.email and invitation.email != user.email:
            raise Forbidden(f"this invitation is for {invitation.email}; you are {user.email}")
        workspace = invitation.workspace
        if Membership.objects.filter(workspace=workspace, user=user).exists():
            raise Conflict(f"you are already a member of {workspace.name}")
        membership = Membership.objects.create(workspace=workspace, user=user, role=invitation.role)
        invitation.accepted_by, invitation.accepted_at = user, timezone.now()
        invitation.save(update_fields=["accepted_by", "accepted_at"])
        activity.record(workspace, user, "member.joined", membership, {"role": invitation.role})
    return membership


def revoke_invitation(access: Access, invitation_id: int) -> Invitation:
    access.require(Role.ADMIN)
    with transaction.atomic():
        invitation = access.get(Invitation, pk=invitation_id)
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            activity.record(access.workspace, access.user, "invitation.revoked", invitation)
    return invitation


# --- API tokens ------------------------------------------------------------------------------


def create_token(access: Access, name: str, role: str) -> tuple[ApiToken, str]:
    """A token acting as the caller in this workspace with at most `role`; the secret is
    returned once and only its hash is kept."""
    name = clean_name(name, "name", 100)
    grant = parse_role(role)
    check_grant(access, grant)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            workspace=access.workspace,
            user=access.user,
            name=name,
            role=grant,
            prefix=secret[:10],
            token_hash=digest(secret),
        )
        activity.record(access.workspace, access.user, "token.created", token, {"role": grant})
    return token, secret


def revoke_token(access: Access, token_id: int) -> ApiToken:
    with transaction.atomic():
        token = access.get(ApiToken, pk=token_id)
        if token.user_id != access.user.pk:
            access.require(Role.ADMIN)
        if token.revoked_at is None:
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            activity.record(access.workspace, access.user, "token.revoked", token)
    return token


def authenticate_token(secret: str) -> ApiToken:
    token = (
        ApiToken.objects.select_related("user", "workspace")
        .filter(token_hash=digest(secret))
        .first()
    )
    if token is None or not token.user.is_active:
        raise Unauthorized("Invalid API token")
    if token.revoked_at is not None:
        raise Unauthorized("This API token was revoked")
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


# --- export ----------------------------------------------------------------------------------


def start_export(access: Access) -> TaskProgress:
    """Queue a full JSON export of the workspace; its progress page links the file."""
    from .tasks import export_workspace

    access.require(Role.ADMIN)
    activity.record(access.workspace, access.user, "workspace.export_started", access.workspace)
    return tasks.start(
        access.workspace,
        access.user,
        f"Export of {access.workspace.name}",
        export_workspace,
        workspace_id=access.workspace.pk,
    )

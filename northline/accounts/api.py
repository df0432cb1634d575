"""JSON API of accounts: the signed-in user, workspaces, members, invitations, tokens, activity."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status

from northline.core.api import actor, workspace_access
from northline.core.errors import Forbidden
from northline.core.models import Activity, TaskProgress
from northline.core.roles import MANAGE, Role

from . import mail, services
from .models import ApiToken, Invitation, Membership, Workspace

router = Router(tags=["accounts"])


class UserOut(Schema):
    id: int
    email: str
    name: str


class WorkspaceIn(Schema):
    name: str


class WorkspaceOut(Schema):
    slug: str
    name: str
    role: str


class MemberOut(Schema):
    id: int
    email: str
    name: str
    role: str
    since: datetime


class RoleIn(Schema):
    role: str


class InvitationIn(Schema):
    role: str
    email: str = ""


class InvitationOut(Schema):
    id: int
    role: str
    email: str
    expires_at: datetime
    pending: bool
    url: str | None = None


class TokenIn(Schema):
    name: str
    role: str = Role.VIEWER.value


class TokenOut(Schema):
    id: int
    name: str
    role: str
    prefix: str
    owner: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool
    token: str | None = None


class ActivityOut(Schema):
    id: int
    actor: str | None
    verb: str
    object_type: str
    object_id: str
    object: str
    changes: dict[str, Any]
    at: datetime


class TaskOut(Schema):
    """A background task, as every endpoint that starts one answers (202) and as
    `GET /workspaces/{slug}/tasks/{id}` polls it."""

    id: int
    title: str
    status: str  # queued, running, succeeded or failed
    percent: int
    message: str
    result: dict[str, Any]
    created_at: datetime
    updated_at: datetime  # the last progress the task reported
    url: str  # its progress page


def task_out(task: TaskProgress, request: HttpRequest) -> TaskOut:
    url = reverse("core:task", args=[task.workspace.slug, task.pk])
    return TaskOut(
        id=task.pk, title=task.title, status=task.status, percent=task.percent,
        message=task.message, result=task.result, created_at=task.created_at,
        updated_at=task.updated_at, url=request.build_absolute_uri(url),
    )  # fmt: skip


def workspace_out(workspace: Workspace, role: str) -> WorkspaceOut:
    return WorkspaceOut(slug=workspace.slug, name=workspace.name, role=role)


def member_out(m: Membership) -> MemberOut:
    return MemberOut(id=m.pk, email=m.user.email, name=m.user.name, role=m.role, since=m.created_at)


def invitation_out(i: Invitation, request: HttpRequest, secret: str | None = None) -> InvitationOut:
    url = request.build_absolute_uri(reverse("accounts:accept", args=[secret])) if secret else None
    return InvitationOut(
        id=i.pk, role=i.role, email=i.email, expires_at=i.expires_at, pending=i.is_pending, url=url
    )


def token_out(t: ApiToken, secret: str | None = None) -> TokenOut:
    return TokenOut(
        id=t.pk, name=t.name, role=t.role, prefix=t.prefix, owner=t.user.email,
        created_at=t.created_at, last_used_at=t.last_used_at, revoked=not t.is_active, token=secret,
    )  # fmt: skip


def activity_out(a: Activity) -> ActivityOut:
    return ActivityOut(
        id=a.pk, actor=a.actor.email if a.actor else None, verb=a.verb,
        object_type=a.object_type, object_id=a.object_id, object=a.object_repr,
        changes=a.changes, at=a.created_at,
    )  # fmt: skip


@router.get("/me", response=UserOut, summary="The user behind this request")
def me(request: HttpRequest) -> Any:
    return actor(request).user


@router.get("/workspaces", response=list[WorkspaceOut], summary="Workspaces you belong to")
def list_workspaces(request: HttpRequest) -> Any:
    who = actor(request)
    memberships = Membership.objects.filter(user=who.user).select_related("workspace")
    if who.token:
        memberships = memberships.filter(workspace_id=who.token.workspace_id)
    return [workspace_out(m.workspace, m.role) for m in memberships.order_by("workspace__name")]


@router.post("/workspaces", response={201: WorkspaceOut}, summary="Create a workspace")
def create_workspace(request: HttpRequest, body: WorkspaceIn) -> Any:
    who = actor(request)
    if who.token:
        raise Forbidden("API tokens belong to one workspace and cannot create workspaces")
    workspace = services.create_workspace(who.user, body.name)
    return Status(201, workspace_out(workspace, Role.OWNER.value))


@router.get("/workspaces/{slug}", response=WorkspaceOut)
def get_workspace(request: HttpRequest, slug: str) -> Any:
    access = workspace_access(request, slug)
    return workspace_out(access.workspace, access.role.value)


@router.patch("/workspaces/{slug}", response=WorkspaceOut, summary="Rename (admin)")
def rename_workspace(request: HttpRequest, slug: str, body: WorkspaceIn) -> Any:
    access = workspace_access(request, slug, MANAGE)
    return workspace_out(services.rename_workspace(access, body.name), access.role.value)


@router.get("/workspaces/{slug}/members", response=list[MemberOut])
def list_members(request: HttpRequest, slug: str) -> Any:
    access = workspace_access(request, slug)
    members = access.workspace.memberships.select_related("user").order_by("created_at")
    return [member_out(m) for m in members]


@router.patch("/workspaces/{slug}/members/{member_id}", response=MemberOut, summary="Change role")
def change_role(request: HttpRequest, slug: str, member_id: int, body: RoleIn) -> Any:
    access = workspace_access(request, slug, MANAGE)
    return member_out(services.change_role(access, member_id, body.role))


@router.delete("/workspaces/{slug}/members/{member_id}", response={204: None})
def remove_member(request: HttpRequest, slug: str, member_id: int) -> Any:
    access = workspace_access(request, slug)
    services.remove_member(access, member_id)
    return Status(204, None)


@router.get("/workspaces/{slug}/invitations", response=list[InvitationOut])
def list_invitations(request: HttpRequest, slug: str) -> Any:
    access = workspace_access(request, slug, MANAGE)
    return [invitation_out(i, request) for i in access.workspace.invitations.all()]


@router.post("/workspaces/{slug}/invitations", response={201: InvitationOut},
             summary="Create an invitation link (shown once)")  # fmt: skip
def create_invitation(request: HttpRequest, slug: str, body: InvitationIn) -> Any:
    access = workspace_access(request, slug, MANAGE)
    invitation, secret = services.invite(access, body.role, body.email)
    out = invitation_out(invitation, request, secret)
    if invitation.email and out.url:
        mail.send_invitation(invitation, out.url)
    return Status(201, out)


@router.delete("/workspaces/{slug}/invitations/{invitation_id}", response={204: None})
def revoke_invitation(request: HttpRequest, slug: str, invitation_id: int) -> Any:
    services.revoke_invitation(workspace_access(request, slug, MANAGE), invitation_id)
    return Status(204, None)


@router.get("/workspaces/{slug}/tokens", response=list[TokenOut],
            summary="Your tokens (admins see everyone's)")  # fmt: skip
def list_tokens(request: HttpRequest, slug: str) -> Any:
    access = workspace_access(request, slug)
    tokens = access.workspace.tokens.select_related("user")
    if not access.can(MANAGE):
        tokens = tokens.filter(user=access.user)
    return [token_out(t) for t in tokens]


@router.post("/workspaces/{slug}/tokens", response={201: TokenOut},
             summary="Create an API token (the secret is in the answer, once)")  # fmt: skip
def create_token(request: HttpRequest, slug: str, body: TokenIn) -> Any:
    access = workspace_access(request, slug)
    token, secret = services.create_token(access, body.name, body.role)
    return Status(201, token_out(token, secret))


@router.delete("/workspaces/{slug}/tokens/{token_id}", response={204: None})
def revoke_token(request: HttpRequest, slug: str, token_id: int) -> Any:
    services.revoke_token(workspace_access(request, slug), token_id)
    return Status(204, None)


@router.get("/workspaces/{slug}/activity", response=list[ActivityOut],
            summary="Who did what, newest first")  # fmt: skip
def list_activity(
    request: HttpRequest, slug: str, limit: int = 50, before: int | None = None
) -> Any:
    access = workspace_access(request, slug)
    rows = Activity.objects.filter(workspace=access.workspace).select_related("actor")
    if before is not None:
        rows = rows.filter(id__lt=before)
    return [activity_out(a) for a in rows.order_by("-id")[: max(1, min(limit, 200))]]


@router.post("/workspaces/{slug}/exports", response={202: TaskOut},
             summary="Start a full JSON export (admin); poll the task")  # fmt: skip
def start_export(request: HttpRequest, slug: str) -> Any:
    access = workspace_access(request, slug, MANAGE)
    return Status(202, task_out(services.start_export(access), request))


@router.get("/workspaces/{slug}/tasks/{task_id}", response=TaskOut, summary="A task's progress")
def get_task(request: HttpRequest, slug: str, task_id: int) -> Any:
    return task_out(workspace_access(request, slug).get(TaskProgress, pk=task_id), request)

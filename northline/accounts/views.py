"""Pages of accounts: sign-up, log-in, workspaces, members, invitations, API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from northline.core.errors import DomainError, Invalid
from northline.core.pages import show_errors, signed_in, workspace_for
from northline.core.roles import MANAGE, Role

from . import export, mail, services
from .forms import InviteForm, LoginForm, RoleForm, SignupForm, TokenForm, WorkspaceForm
from .models import Invitation


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    return (
        target if target.startswith("/") and not target.startswith("//") else reverse("core:home")
    )


def login_page(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.log_in(
                form.cleaned_data["email"], form.cleaned_data["password"], client_address(request)
            )
        except DomainError as error:
            show_errors(form, error)
        else:
            login(request, user)
            return redirect(safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": safe_next(request)})


def signup_page(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.sign_up(**form.cleaned_data, client=client_address(request))
        except DomainError as error:
            show_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect(safe_next(request))
    return render(request, "accounts/signup.html", {"form": form, "next": safe_next(request)})


@require_POST
def logout_page(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("accounts:login")


@login_required
def workspace_new(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.create_workspace(signed_in(request), form.cleaned_data["name"])
        except DomainError as error:
            show_errors(form, error)
        else:
            return redirect(workspace)
    return render(request, "accounts/workspace_new.html", {"form": form})


@login_required
def settings_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = WorkspaceForm(request.POST or None, initial={"name": access.workspace.name})
    if request.method == "POST":
        access.require(MANAGE)
        if form.is_valid():
            try:
                services.rename_workspace(access, form.cleaned_data["name"])
            except DomainError as error:
                show_errors(form, error)
            else:
                messages.success(request, "Workspace renamed.")
                return redirect("accounts:settings", slug)
    return render(
        request, "accounts/settings.html", {"form": form, "access": access, "nav": "settings"}
    )


@login_required
@require_POST
def export_start(request: HttpRequest, slug: str) -> HttpResponse:
    progress = services.start_export(workspace_for(request, slug, MANAGE))
    return redirect("core:task", slug, progress.pk)


@login_required
def export_download(request: HttpRequest, slug: str, name: str) -> FileResponse:
    workspace_for(request, slug, MANAGE)
    path = export.export_dir() / name
    if not name.startswith(f"{slug}-") or "/" in name or not path.is_file():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=name)


@login_required
def members_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    invite_form = InviteForm(request.POST or None)
    new_link = None
    if request.method == "POST":
        access.require(MANAGE)
        if invite_form.is_valid():
            try:
                invitation, secret = services.invite(access, **invite_form.cleaned_data)
            except DomainError as error:
                show_errors(invite_form, error)
            else:
                new_link = request.build_absolute_uri(reverse("accounts:accept", args=[secret]))
                if invitation.email:
                    mail.send_invitation(invitation, new_link)
                    messages.success(request, f"Invitation sent to {invitation.email}.")
                invite_form = InviteForm()
    members = access.workspace.memberships.select_related("user").order_by("created_at")
    context = {
        "access": access,
        "members": [(m, RoleForm(initial={"role": m.role})) for m in members],
        "invitations": Invitation.objects.filter(workspace=access.workspace).pending(),
        "invite_form": invite_form,
        "new_link": new_link,
        "can_manage": access.can(MANAGE),
        "nav": "members",
    }
    return render(request, "accounts/members.html", context)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    try:
        membership = services.change_role(access, member_id, request.POST.get("role", ""))
        messages.success(request, f"{membership.user.email} is now {membership.role}.")
    except Invalid as error:
        messages.error(request, error.message)
    return redirect("accounts:members", slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    access = workspace_for(request, slug)
    try:
        services.remove_member(access, member_id)
    except Invalid as error:
        messages.error(request, error.message)
        return redirect("accounts:members", slug)
    if member_id == access.membership_id:
        messages.success(request, f"You left {access.workspace.name}.")
        return redirect("core:home")
    messages.success(request, "Member removed.")
    return redirect("accounts:members", slug)


@login_required
@require_POST
def leave_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    try:
        services.leave_workspace(access)
    except Invalid as error:
        messages.error(request, error.message)
        return redirect("accounts:settings", slug)
    request.session.pop("workspace", None)
    messages.success(request, f"You left {access.workspace.name}.")
    return redirect("core:home")


@login_required
@require_POST
def invitation_revoke(request: HttpRequest, slug: str, invitation_id: int) -> HttpResponse:
    services.revoke_invitation(workspace_for(request, slug, MANAGE), invitation_id)
    messages.success(request, "Invitation revoked.")
    return redirect("accounts:members", slug)


def accept_page(request: HttpRequest, secret: str) -> HttpResponse:
    """Opening an invitation link: sign in or up first, then join with one click."""
    try:
        invitation = services.find_invitation(secret)
    except DomainError as error:
        return render(request, "accounts/accept.html", {"error": error}, status=error.status)
    if not request.user.is_authenticated:
        context = {"invitation": invitation, "next": request.path}
        return render(request, "accounts/accept.html", context)
    if request.method == "POST":
        try:
            membership = services.accept_invitation(signed_in(request), secret)
        except DomainError as error:
            return render(request, "accounts/accept.html", {"error": error}, status=error.status)
        messages.success(request, f"Welcome to {membership.workspace.name}.")
        return redirect(membership.workspace)
    return render(request, "accounts/accept.html", {"invitation": invitation})


@login_required
def tokens_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _, new_secret = services.create_token(access, **form.cleaned_data)
        except DomainError as error:
            show_errors(form, error)
        else:
            form = TokenForm()
    tokens = access.workspace.tokens.select_related("user")
    if not access.can(MANAGE):
        tokens = tokens.filter(user=signed_in(request))
    roles = [r for r in Role if access.role.allows(r)]
    form.fields["role"].choices = [(r.value, r.label) for r in roles]  # type: ignore[attr-defined]
    context = {
        "access": access,
        "form": form,
        "tokens": tokens,
        "new_secret": new_secret,
        "nav": "tokens",
    }
    return render(request, "accounts/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, slug: str, token_id: int) -> HttpResponse:
    token = services.revoke_token(workspace_for(request, slug), token_id)
    messages.success(request, f"Token “{token.name}” revoked.")
    return redirect("accounts:tokens", slug)

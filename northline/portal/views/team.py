"""The team's side of the portal under /w/<slug>/portal/: every idea with its voters, an idea's
status, official reply, votes on behalf of customers and links to features; the moderation
queue; the portal's settings (admins)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from northline.core.access import Access
from northline.core.errors import DomainError, NotFound
from northline.core.pages import show_errors, workspace_for
from northline.core.roles import MANAGE, WRITE
from northline.insights.views import paginate, query_without

from ..forms import LinkForm, MergeForm, OnBehalfForm, PortalForm, ReplyForm, StatusForm
from ..models import Comment, Idea
from ..services import moderation, similar, team
from ..services.portal import portal_of, update_portal

STATE_LABELS = {"all": "All", **dict(Idea.State.choices)}


def context(access: Access, tab: str, **extra: Any) -> dict[str, Any]:
    return {"access": access, "nav": "insights", "tab": "portal", "portal_tab": tab,
            "portal": portal_of(access.workspace), "can_write": access.can(WRITE),
            "can_manage": access.can(MANAGE)} | extra  # fmt: skip


def public_url(request: HttpRequest, idea: Idea) -> str:
    return request.build_absolute_uri(idea.get_absolute_url())


@login_required
def ideas_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    state = request.GET.get("state", "all")
    state = state if state in STATE_LABELS else "all"
    problem = None
    try:
        rows = team.team_ideas(access, state=state, q=request.GET.get("q", ""))
    except DomainError as error:
        rows, problem = team.team_ideas(access, state=state), error
    page = paginate(rows, rows.count(), request.GET.get("page"))
    reach = team.reach(page.rows)
    for idea in page.rows:
        idea.companies, idea.revenue = reach[idea.pk]
    return render(request, "portal/team/ideas.html", context(
        access, "ideas", page=page, state=state, states=STATE_LABELS.items(), problem=problem,
        values=request.GET, state_query=query_without(request, "state", "page"),
        page_query=query_without(request, "page"),
    ))  # fmt: skip


def _idea_page(
    request: HttpRequest, access: Access, idea: Idea, status: int = 200, **forms: Any
) -> HttpResponse:
    """The idea with its voters and the team's forms; `?voter=` searches customers to vote
    for (by name or e-mail, on the server: the page works without JavaScript)."""
    defaults = {
        "status_form": StatusForm(initial={"status": idea.status}), "reply_form": ReplyForm(),
        "vote_form": OnBehalfForm(), "link_form": LinkForm(),
    }  # fmt: skip
    query, found, problem = request.GET.get("voter", ""), [], None
    if access.can(WRITE):
        try:
            found = team.find_voters(access, idea, query)
        except DomainError as error:
            problem = error
    return render(request, "portal/team/idea.html", context(
        access, "ideas", idea=idea, voters=team.voters(idea), links=team.linked_features(idea),
        comments=idea.comment_rows.select_related("customer", "author").order_by("id"),
        voter_query=query, found=found, search_problem=problem, **(defaults | forms),
    ), status=status)  # fmt: skip


@login_required
def idea_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug)
    return _idea_page(request, access, team.team_idea(access, pk))


@login_required
@require_POST
def idea_status(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    idea = team.team_idea(access, pk)
    form = StatusForm(request.POST)
    try:
        team.set_status(access, idea, request.POST.get("status", ""), url=public_url(request, idea))
    except DomainError as error:
        show_errors(form, error)
        return _idea_page(request, access, idea, error.status, status_form=form)
    messages.success(request, f"Status set to {idea.get_status_display()}; followers are told.")
    return redirect(idea.get_team_url())


@login_required
@require_POST
def idea_reply(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    idea = team.team_idea(access, pk)
    form = ReplyForm(request.POST)
    try:
        team.reply(access, idea, request.POST.get("text", ""), url=public_url(request, idea))
    except DomainError as error:
        show_errors(form, error)
        return _idea_page(request, access, idea, error.status, reply_form=form)
    messages.success(request, "Replied; followers are told.")
    return redirect(idea.get_team_url())


def on_behalf_ref(data: dict[str, str]) -> dict[str, Any] | None:
    """The customer an on-behalf form names: one picked from the search, else a new e-mail."""
    if data.get("customer"):
        return {"id": data["customer"]}
    if not data.get("email", "").strip():
        return None
    ref: dict[str, Any] = {"email": data["email"], "name": data.get("name", "")}
    if data.get("company", "").strip():
        ref["company"] = {"domain": data["company"]}
    return ref


@login_required
@require_POST
def idea_vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    idea = team.team_idea(access, pk)
    form = OnBehalfForm(request.POST)
    try:
        vote = team.vote_on_behalf(access, idea, on_behalf_ref(request.POST.dict()))
    except DomainError as error:
        renamed = [m.replace("customer.email:", "email:") for m in error.errors or [error.message]]
        show_errors(form, type(error)(*renamed))
        return _idea_page(request, access, idea, error.status, vote_form=form)
    messages.success(request, f"Voted on behalf of {vote.customer}.")
    return redirect(idea.get_team_url())


@login_required
@require_POST
def idea_unvote(request: HttpRequest, slug: str, pk: int, customer_id: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    idea = team.team_idea(access, pk)
    team.remove_vote(access, idea, customer_id)
    messages.success(request, "Vote removed.")
    return redirect(idea.get_team_url())


@login_required
@require_POST
def idea_link(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    idea = team.team_idea(access, pk)
    form = LinkForm(request.POST)
    try:
        link = team.link_feature(
            access, idea, request.POST.get("feature", ""),
            request.POST.get("importance", "important"),
        )  # fmt: skip
    except DomainError as error:
        show_errors(form, error)
        return _idea_page(request, access, idea, error.status, link_form=form)
    messages.success(request, f"Linked to {link.feature.ref} {link.feature.title}.")
    return redirect(idea.get_team_url())


# --- moderation ------------------------------------------------------------------------------


def _merge_form(access: Access, idea: Idea, targets: list[tuple[str, str]]) -> MergeForm:
    """The merge choice, preset to the published idea most like this one (if any is)."""
    best = similar.similar_ideas(access.workspace, f"{idea.title}\n{idea.details}", k=1)
    initial = {"into": str(best[0][0].pk)} if best else {}
    return MergeForm(ideas=targets, prefix=f"i{idea.pk}", initial=initial)


@login_required
def moderation_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    published = Idea.objects.filter(workspace=access.workspace, state=Idea.State.PUBLISHED)
    targets = [(str(i.pk), i.title) for i in published.order_by("-votes", "-id")[:500]]
    pending = [
        (idea, _merge_form(access, idea, targets)) for idea in moderation.pending_ideas(access)
    ]
    return render(request, "portal/team/moderation.html", context(
        access, "moderation", pending=pending, comments=moderation.pending_comments(access),
    ))  # fmt: skip


@login_required
@require_POST
def moderate_idea(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    idea = access.get(Idea, pk=pk)
    if action not in ("approve", "reject", "merge"):
        raise NotFound(f"action: {action!r} is not approve, reject or merge")
    try:
        if action == "approve":
            moderation.approve_idea(access, idea)
            messages.success(request, f"Approved “{idea.title}”.")
        elif action == "reject":
            moderation.reject_idea(access, idea)
            messages.success(request, f"Rejected “{idea.title}”.")
        else:
            into = access.get(Idea, pk=request.POST.get(f"i{pk}-into") or request.POST.get("into"))
            moderation.merge_idea(access, idea, into)
            messages.success(request, f"Merged “{idea.title}” into “{into.title}”.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("portal:moderation", slug)


@login_required
@require_POST
def moderate_comment(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    row = access.get(Comment, pk=pk)
    if action not in ("approve", "reject"):
        raise NotFound(f"action: {action!r} is not approve or reject")
    try:
        if action == "approve":
            moderation.approve_comment(access, row)
        else:
            moderation.reject_comment(access, row)
        messages.success(request, f"Comment {'approved' if action == 'approve' else 'rejected'}.")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("portal:moderation", slug)


# --- settings --------------------------------------------------------------------------------


@login_required
def settings_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    portal = portal_of(access.workspace)
    initial = {
        "enabled": portal.enabled, "visibility": portal.visibility, "title": portal.title,
        "intro": portal.intro, "moderation": portal.moderation,
        "allowed_domains": "\n".join(portal.allowed_domains),
        "invited_emails": "\n".join(portal.invited_emails),
    }  # fmt: skip
    form = PortalForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            sign_in_url = request.build_absolute_uri(reverse("portal:sign_in", args=[slug]))
            update_portal(access, form.cleaned_data, sign_in_url=sign_in_url)
        except DomainError as error:
            show_errors(form, error)
            status = error.status
        else:
            messages.success(request, "Portal settings saved.")
            return redirect("portal:settings", slug)
    return render(request, "portal/team/settings.html", context(access, "settings", form=form),
                  status=status)  # fmt: skip

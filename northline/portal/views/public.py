"""The public portal under /p/<slug>/: ideas (top, new, trending, search, status), an idea
with votes, comments and follow, posting an idea (similar ideas first), and sign-in by e-mail.

A customer's portal session has its own cookie, scoped to the portal's path, apart from team
logins. Forms carry Django's CSRF token like every page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from northline.accounts.views import client_address
from northline.core.errors import DomainError
from northline.core.pages import show_errors
from northline.insights.views import paginate, query_without

from ..forms import CommentForm, IdeaForm, SignInForm
from ..models import Idea
from ..services import antispam, ideas, notify, signin, similar
from ..services.portal import Visit, open_portal, sign_in_portal

COOKIE = "northline_portal"
SORT_LABELS = {"top": "Top", "new": "New", "trending": "Trending"}


def cookie_path(slug: str) -> str:
    return reverse("portal:ideas", args=[slug])


def visit_for(request: HttpRequest, slug: str) -> Visit:
    customer = signin.session_customer(slug, request.COOKIES.get(COOKIE, ""))
    return open_portal(slug, customer, client_address(request))


def render_portal(
    request: HttpRequest, visit: Visit, template: str, status: int = 200, **context: Any
) -> HttpResponse:
    context = {"visit": visit, "portal": visit.portal, "customer": visit.customer} | context
    return render(request, template, context, status=status)


def back_to(request: HttpRequest, idea: Idea) -> str:
    """Where a vote or follow button returns to: the page it was on, else the idea."""
    target = request.POST.get("next", "")
    prefix = cookie_path(idea.workspace.slug)
    return target if target.startswith(prefix) else idea.get_absolute_url()


# --- ideas -----------------------------------------------------------------------------------


@require_GET
def idea_list(request: HttpRequest, slug: str) -> HttpResponse:
    visit = visit_for(request, slug)
    get = request.GET
    sort = get.get("sort", "top")
    sort = sort if sort in SORT_LABELS else "top"
    problem = None
    try:
        rows = ideas.idea_list(visit, sort=sort, q=get.get("q", ""), status=get.get("status", ""))
    except DomainError as error:
        rows, problem = ideas.idea_list(visit, sort=sort), error
    page = paginate(rows, rows.count(), get.get("page"))
    return render_portal(
        request, visit, "portal/ideas.html", page=page, sort=sort, problem=problem, values=get,
        sorts=SORT_LABELS.items(), statuses=Idea.Status.choices, form=IdeaForm(),
        voted_ids=ideas.voted_ids(visit.customer, page.rows),
        sort_query=query_without(request, "sort", "page"), page_query=query_without(request, "page"),
    )  # fmt: skip


def idea_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Post an idea. Before it is saved, the similar ideas are shown (as a step of its own
    without JS; the page's script shows them while typing and marks the form `checked`)."""
    visit = visit_for(request, slug)
    data = request.POST if request.method == "POST" else None
    form = IdeaForm(data, initial={"title": request.GET.get("title", "")})
    found: list[tuple[Idea, float]] = []
    if data is not None and form.is_valid():
        title = form.cleaned_data["title"]
        try:
            visit.signed_in()
            antispam.check_honeypot(form.cleaned_data["website"])
            found = similar.similar_ideas(visit.workspace, title)
            if found and data.get("checked") != "1":
                return _check_step(request, visit, form, found)
            idea = ideas.submit_idea(
                visit, title, form.cleaned_data["details"], honeypot=form.cleaned_data["website"]
            )
        except DomainError as error:
            show_errors(form, error)
            return render_portal(
                request, visit, "portal/idea_new.html", error.status, form=form, similar=found
            )
        done = (
            "Thanks! Your idea waits for the team's approval."
            if visit.portal.moderation
            else ("Thanks! Your idea is posted; you follow it and have voted for it.")
        )
        messages.success(request, done)
        return redirect(idea)
    if data is None and form["title"].value():
        found = similar.similar_ideas(visit.workspace, form["title"].value())
    return render_portal(request, visit, "portal/idea_new.html", form=form, similar=found)


def _check_step(
    request: HttpRequest, visit: Visit, form: IdeaForm, found: list[tuple[Idea, float]]
) -> HttpResponse:
    voted = ideas.voted_ids(visit.customer, [idea for idea, _ in found])
    return render_portal(
        request, visit, "portal/idea_new.html", form=form, similar=found, checking=True,
        voted_ids=voted,
    )  # fmt: skip


@require_GET
def idea_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    visit = visit_for(request, slug)
    idea = ideas.idea_for(visit, pk)
    if idea.state == Idea.State.MERGED and idea.merged_into is not None:
        messages.info(request, f"“{idea.title}” was merged into this idea.")
        return redirect(idea.merged_into)
    return _idea(request, visit, idea, CommentForm())


def _idea(
    request: HttpRequest, visit: Visit, idea: Idea, form: CommentForm, status: int = 200
) -> HttpResponse:
    return render_portal(
        request, visit, "portal/idea.html", status, idea=idea, comment_form=form,
        comments=ideas.comments_of(visit, idea), voted=bool(ideas.voted_ids(visit.customer, [idea])),
        following=ideas.follows(visit.customer, idea),
    )  # fmt: skip


@require_POST
def vote(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    visit = visit_for(request, slug)
    idea = ideas.idea_for(visit, pk)
    wanted = request.POST.get("vote", "1") == "1"
    try:
        ideas.vote(visit, idea, wanted)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect(back_to(request, idea))


@require_POST
def follow(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    visit = visit_for(request, slug)
    idea = ideas.idea_for(visit, pk)
    wanted = request.POST.get("follow", "1") == "1"
    try:
        ideas.follow(visit, idea, wanted)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "You follow this idea." if wanted else "You no longer follow it.")
    return redirect(back_to(request, idea))


@require_POST
def comment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    visit = visit_for(request, slug)
    idea = ideas.idea_for(visit, pk)
    form = CommentForm(request.POST)
    form.is_valid()
    try:
        row = ideas.comment(
            visit, idea, form.cleaned_data["text"], honeypot=form.cleaned_data["website"]
        )
    except DomainError as error:
        show_errors(form, error)
        return _idea(request, visit, idea, form, error.status)
    pending = row.state == row.State.PENDING
    messages.success(request, "Your comment waits for approval." if pending else "Comment added.")
    return redirect(f"{idea.get_absolute_url()}#comment-{row.pk}")


@require_GET
def similar_json(request: HttpRequest, slug: str) -> JsonResponse:
    """Similar published ideas for `q` (a title being typed), for the page's script."""
    visit = visit_for(request, slug)
    try:
        antispam.limit("similar", visit.workspace.pk, visit.client)
        found = similar.similar_ideas(visit.workspace, request.GET.get("q", ""))
    except DomainError as error:
        body = {"ok": False, "error": error.message, "errors": error.errors or [error.message],
                "status": error.status}  # fmt: skip
        return JsonResponse(body, status=error.status)
    voted = ideas.voted_ids(visit.customer, [idea for idea, _ in found])
    items = [
        {"id": idea.pk, "title": idea.title, "votes": idea.votes, "status": idea.status,
         "status_label": idea.get_status_display(), "url": idea.get_absolute_url(),
         "vote_url": reverse("portal:vote", args=[slug, idea.pk]), "voted": idea.pk in voted,
         "score": round(score, 3)}
        for idea, score in found
    ]  # fmt: skip
    return JsonResponse({"ok": True, "ideas": items, "tier": similar.tier()})


# --- sign-in ---------------------------------------------------------------------------------


def sign_in(request: HttpRequest, slug: str) -> HttpResponse:
    portal = sign_in_portal(slug)
    form = SignInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = signin.request_link(
                portal, form.cleaned_data["email"], client_address(request),
                form.cleaned_data["website"],
            )  # fmt: skip
        except DomainError as error:
            show_errors(form, error)
            context = {"portal": portal, "form": form, "hide_sign_in": True}
            return render(request, "portal/sign_in.html", context, status=error.status)
        if issued is not None:
            link, secret = issued
            url = request.build_absolute_uri(reverse("portal:sign_in_link", args=[slug, secret]))
            notify.send_sign_in_link(portal, link, url)
        email = form.cleaned_data["email"].strip().lower()
        context = {"portal": portal, "email": email, "hide_sign_in": True}
        return render(request, "portal/sign_in_sent.html", context)
    context = {"portal": portal, "form": form, "hide_sign_in": True}
    return render(request, "portal/sign_in.html", context)


def sign_in_link(request: HttpRequest, slug: str, secret: str) -> HttpResponse:
    """Opening the link shows a button; pressing it (a POST) signs in. Mail scanners that
    fetch links do not spend them."""
    portal = sign_in_portal(slug)
    if request.method != "POST":
        link = signin.find_link(portal, secret)
        context = {"portal": portal, "link": link, "hide_sign_in": True}
        return render(request, "portal/sign_in_confirm.html", context)
    _, session_secret = signin.use_link(portal, secret)
    response = redirect("portal:ideas", slug)
    response.set_cookie(
        COOKIE, session_secret, max_age=signin.SESSION_DAYS * 86400, path=cookie_path(slug),
        httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE,
    )  # fmt: skip
    messages.success(request, "You are signed in.")
    return response


@require_POST
def sign_out(request: HttpRequest, slug: str) -> HttpResponse:
    signin.sign_out(request.COOKIES.get(COOKIE, ""))
    response = redirect("portal:ideas", slug)
    response.delete_cookie(COOKIE, path=cookie_path(slug))
    return response

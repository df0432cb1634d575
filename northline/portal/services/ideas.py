"""What customers do on a portal: post ideas, find them (top, new, trending, search, status),
vote, comment and follow. Every write is rate-limited per client address and per customer.

Posting an idea casts its author's vote and follows it. A published idea is also a Feedback
item of the insights inbox (source "portal", the author as customer), which is how the team
triages it and links it to planning's features; with moderation on, that happens on approval.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from northline.core import activity
from northline.core.access import intake_access
from northline.core.errors import Invalid, NotFound
from northline.insights.models import Customer, Feedback
from northline.insights.services import feedback as intake
from northline.insights.services import fields as check
from northline.insights.services.fields import Errors

from ..models import Comment, Follow, Idea, Vote
from . import antispam, similar
from .portal import Visit

Status = Idea.Status
State = Idea.State
SORTS = ("top", "new", "trending")
TRENDING_DAYS = 7
MAX_DETAILS = 10_000
MAX_COMMENT = 5_000


def _title_and_details(title: Any, details: Any) -> tuple[str, str]:
    errors = Errors()
    clean_title = errors.check(check.text, title, "title", 200, required=True)
    clean_details = errors.check(check.text, details, "details", MAX_DETAILS)
    if clean_title is not None and 0 < len(clean_title) < 4:
        errors.messages.append(f"title: must be at least 4 characters, got {clean_title!r}")
    errors.raise_any()
    return str(clean_title), str(clean_details or "")


def submit_idea(visit: Visit, title: Any, details: Any = "", *, honeypot: str = "") -> Idea:
    """A signed-in customer's new idea: published at once, or waiting for the team when the
    portal moderates."""
    customer = visit.signed_in()
    antispam.check_honeypot(honeypot)
    clean_title, clean_details = _title_and_details(title, details)
    antispam.limit("idea", visit.workspace.pk, visit.client, str(customer.pk))
    moderated = visit.portal.moderation
    with transaction.atomic():
        idea = Idea.objects.create(
            workspace=visit.workspace, title=clean_title, details=clean_details, author=customer,
            state=State.PENDING if moderated else State.PUBLISHED,
        )  # fmt: skip
        Vote.objects.create(workspace=visit.workspace, idea=idea, customer=customer)
        Follow.objects.create(workspace=visit.workspace, idea=idea, customer=customer)
        recount(idea)
        activity.record(visit.workspace, None, "idea.submitted", idea, {"by": customer.email})
        if not moderated:
            publish(idea)
    return idea


def publish(idea: Idea) -> None:
    """Make the idea public and put it in the insights inbox (once: the feedback's external id
    is the idea's)."""
    idea.state = State.PUBLISHED
    idea.edited_at = timezone.now()
    if idea.feedback_id is None:
        feedback, _ = intake.add_feedback(
            intake_access(idea.workspace),
            {"title": idea.title, "text": idea.details or idea.title, "customer": idea.author,
             "external_id": f"idea-{idea.pk}"},
            default_source=Feedback.Source.PORTAL,
        )  # fmt: skip
        idea.feedback = feedback
    idea.save(update_fields=["state", "edited_at", "feedback", "updated_at"])
    similar.queue_warm(idea.workspace)


def recount(idea: Idea) -> None:
    """Store the idea's published vote and comment counts (sorting reads them from an index)."""
    Idea.objects.filter(pk=idea.pk).update(
        votes=Vote.objects.filter(idea=idea).count(),
        comments=Comment.objects.filter(idea=idea, state=Comment.State.PUBLISHED).count(),
    )
    idea.refresh_from_db(fields=["votes", "comments"])


# --- finding ideas ---------------------------------------------------------------------------


def idea_list(visit: Visit, *, sort: str = "top", q: str = "", status: str = "") -> QuerySet[Idea]:
    """Published ideas: most votes first ("top"), newest ("new"), or most votes in the last
    TRENDING_DAYS days ("trending"); narrowed by a search in title and details and a status."""
    errors = Errors()
    errors.check(check.choice, sort, "sort", SORTS)
    if status:
        errors.check(check.choice, status, "status", Status.values)
    text = errors.check(check.text, q, "q", 200) or ""
    errors.raise_any()
    rows = Idea.objects.filter(workspace=visit.workspace, state=State.PUBLISHED)
    if text:
        rows = rows.filter(Q(title__icontains=text) | Q(details__icontains=text))
    if status:
        rows = rows.filter(status=status)
    if sort == "new":
        return rows.order_by("-id")
    if sort == "trending":
        since = timezone.now() - timedelta(days=TRENDING_DAYS)
        recent = Count("vote_rows", filter=Q(vote_rows__created_at__gte=since))
        return rows.annotate(recent=recent).order_by("-recent", "-votes", "-id")
    return rows.order_by("-votes", "-id")


def idea_for(visit: Visit, pk: int) -> Idea:
    """An idea the visitor may see: a published or merged one, or their own waiting one."""
    idea = Idea.objects.filter(workspace=visit.workspace, pk=pk).select_related("author").first()
    if idea is None or idea.state == State.REJECTED:
        raise NotFound("idea not found")
    if idea.state == State.PENDING and (visit.customer is None or idea.author != visit.customer):
        raise NotFound("idea not found")
    return idea


def comments_of(visit: Visit, idea: Idea) -> QuerySet[Comment]:
    """Published comments, and the visitor's own that wait for approval."""
    shown = Q(state=Comment.State.PUBLISHED)
    if visit.customer is not None:
        shown |= Q(state=Comment.State.PENDING, customer=visit.customer)
    return idea.comment_rows.filter(shown).select_related("customer", "author").order_by("id")


def voted_ids(customer: Customer | None, ideas: list[Idea]) -> set[int]:
    """Which of these ideas the customer has voted for (one query for a page of them)."""
    if customer is None:
        return set()
    ids = [idea.pk for idea in ideas]
    return set(
        Vote.objects.filter(customer=customer, idea_id__in=ids).values_list("idea_id", flat=True)
    )


def follows(customer: Customer | None, idea: Idea) -> bool:
    return customer is not None and Follow.objects.filter(idea=idea, customer=customer).exists()


# --- votes, comments, follows ----------------------------------------------------------------


def _open_for_customers(idea: Idea) -> None:
    if idea.state != State.PUBLISHED:
        raise Invalid(f"idea: {idea.title!r} is {idea.get_state_display().lower()}")


def vote(visit: Visit, idea: Idea, wanted: bool = True) -> bool:
    """Vote for the idea (or take the vote back); at most one vote per customer. Returns
    whether the customer now votes for it."""
    customer = visit.signed_in()
    _open_for_customers(idea)
    antispam.limit("vote", visit.workspace.pk, visit.client, str(customer.pk))
    with transaction.atomic():
        if wanted:
            Vote.objects.get_or_create(
                idea=idea, customer=customer, defaults={"workspace": visit.workspace}
            )
        else:
            Vote.objects.filter(idea=idea, customer=customer).delete()
        recount(idea)
    return wanted


def comment(visit: Visit, idea: Idea, text: Any, *, honeypot: str = "") -> Comment:
    """A customer's comment: published, or waiting for approval when the portal moderates."""
    customer = visit.signed_in()
    antispam.check_honeypot(honeypot)
    _open_for_customers(idea)
    clean = check.text(text, "text", MAX_COMMENT, required=True)
    antispam.limit("comment", visit.workspace.pk, visit.client, str(customer.pk))
    pending = visit.portal.moderation
    with transaction.atomic():
        row = Comment.objects.create(
            workspace=visit.workspace, idea=idea, customer=customer, text=clean,
            state=Comment.State.PENDING if pending else Comment.State.PUBLISHED,
        )  # fmt: skip
        recount(idea)
    return row


def follow(visit: Visit, idea: Idea, wanted: bool = True) -> bool:
    """Follow the idea (e-mails on status changes and official replies) or stop following."""
    customer = visit.signed_in()
    if wanted:
        Follow.objects.get_or_create(
            idea=idea, customer=customer, defaults={"workspace": visit.workspace}
        )
    else:
        Follow.objects.filter(idea=idea, customer=customer).delete()
    return wanted

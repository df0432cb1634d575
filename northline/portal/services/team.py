"""What the team does with the portal's ideas: see every idea with its voters (customers,
their companies and revenue), change its status and reply officially (followers hear of both),
vote on behalf of a customer, and link the idea to a planning feature.

Linking goes through insights: the idea's feedback item is linked, so its author counts as
demand for the feature like any other evidence, and so does every voter (portal.services.
evidence).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet, Sum

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid, NotFound
from northline.core.roles import WRITE
from northline.insights.models import Company, Customer, FeedbackLink
from northline.insights.services import fields as check
from northline.insights.services import links
from northline.insights.services.customers import customer_for, customers
from northline.insights.services.fields import Errors

from ..models import Comment, Idea, Vote
from . import notify as mail
from .ideas import MAX_COMMENT, recount

Status = Idea.Status
State = Idea.State
STATES = ("all", *State.values)
MAX_FOUND = 10


def team_ideas(access: Access, *, state: str = "all", q: str = "") -> QuerySet[Idea]:
    """Every idea of the workspace (any state), most votes first, with its author."""
    errors = Errors()
    errors.check(check.choice, state, "state", STATES)
    text = errors.check(check.text, q, "q", 200) or ""
    errors.raise_any()
    rows = Idea.objects.filter(workspace=access.workspace).select_related("author__company")
    if state != "all":
        rows = rows.filter(state=state)
    if text:
        rows = rows.filter(Q(title__icontains=text) | Q(details__icontains=text))
    return rows.order_by("-votes", "-id")


def team_idea(access: Access, pk: Any) -> Idea:
    return access.get(Idea, pk=pk)


@dataclass(frozen=True)
class Voters:
    votes: list[Vote]
    companies: int
    revenue: Decimal


def voters(idea: Idea) -> Voters:
    """Who voted, newest first, with the number of their companies and those companies'
    summed revenue (each company counted once), from SQL."""
    rows = Vote.objects.filter(idea=idea).select_related("customer__company", "on_behalf_by")
    company_ids = rows.exclude(customer__company=None).values("customer__company")
    companies = Company.objects.filter(pk__in=company_ids)
    revenue = companies.aggregate(total=Sum("revenue"))["total"] or Decimal(0)
    return Voters(list(rows.order_by("-id")), companies.count(), revenue)


def reach(ideas: list[Idea]) -> dict[int, tuple[int, Decimal]]:
    """(distinct companies among the voters, their summed revenue) per idea id, for a page of
    ideas in one query; each company counts once per idea."""
    rows = (
        Vote.objects.filter(idea__in=ideas)
        .exclude(customer__company=None)
        .order_by()
        .values_list("idea_id", "customer__company_id", "customer__company__revenue")
        .distinct()
    )
    totals: dict[int, tuple[int, Decimal]] = {idea.pk: (0, Decimal(0)) for idea in ideas}
    for idea_id, _, revenue in rows:
        companies, revenue_sum = totals[idea_id]
        totals[idea_id] = (companies + 1, revenue_sum + revenue)
    return totals


def set_status(
    access: Access, idea: Idea, status: str, *, url: str = "", notify: bool = True
) -> Idea:
    """Change what customers see of the idea's progress; followers are e-mailed (`url`: the
    idea's public page, for the e-mail) unless `notify` is off (the demo)."""
    access.require(WRITE)
    status = check.choice(status, "status", Status.values)
    if idea.status == status:
        return idea
    before = idea.status
    with transaction.atomic():
        idea.status = status
        idea.save(update_fields=["status", "updated_at"])
        activity.record(
            access.workspace, access.user, "idea.status_changed", idea, {"status": [before, status]}
        )
        label = idea.get_status_display()
        if notify:
            mail.tell_followers(idea, f"{label}: {idea.title}", f"The idea is now {label}.", url)
    return idea


def reply(access: Access, idea: Idea, text: Any, *, url: str = "", notify: bool = True) -> Comment:
    """An official reply by the team, published at once; followers are e-mailed (unless
    `notify` is off)."""
    access.require(WRITE)
    clean = check.text(text, "text", MAX_COMMENT, required=True)
    with transaction.atomic():
        row = Comment.objects.create(
            workspace=access.workspace, idea=idea, author=access.user, text=clean, official=True
        )
        recount(idea)
        activity.record(access.workspace, access.user, "idea.replied", idea)
        if notify:
            news = f"{access.workspace.name} replied:\n\n{clean}"
            mail.tell_followers(idea, f"Reply on {idea.title}", news, url)
    return row


def vote_on_behalf(access: Access, idea: Idea, customer: Any) -> Vote:
    """The team votes for a customer: an existing one ({"id": 12}) or one found or created
    by e-mail ({"email": ..., "name": ..., "company": {...}}); recorded with who cast it."""
    access.require(WRITE)
    if idea.state in (State.REJECTED, State.MERGED):
        raise Invalid(f"idea: {idea.title!r} is {idea.get_state_display().lower()}")
    if not customer:
        raise Invalid("customer: pick a customer or give an e-mail address")
    with transaction.atomic():
        who = customer_for(access, customer)
        assert who is not None
        if Vote.objects.filter(idea=idea, customer=who).exists():
            raise Conflict(f"customer: {who} already voted for this idea")
        vote = Vote.objects.create(
            workspace=access.workspace, idea=idea, customer=who, on_behalf_by=access.user
        )
        recount(idea)
        activity.record(
            access.workspace, access.user, "idea.voted_on_behalf", idea, {"customer": str(who)}
        )
    return vote


@dataclass(frozen=True)
class Candidate:
    customer: Customer
    voted: bool


def find_voters(access: Access, idea: Idea, q: Any) -> list[Candidate]:
    """Customers of the workspace whose name or e-mail contains `q` (at most MAX_FOUND, by
    name), each saying whether they already voted for the idea: the vote-on-behalf search.
    Two queries, whatever the number of customers."""
    text = check.text(q, "voter", 200).strip()
    if not text:
        return []
    if len(text) < 2:
        raise Invalid(f"voter: give at least 2 characters, got {text!r}")
    found = list(customers(access, q=text).order_by("name", "email", "id")[:MAX_FOUND])
    voted = set(
        Vote.objects.filter(idea=idea, customer__in=found).values_list("customer_id", flat=True)
    )
    return [Candidate(customer, customer.pk in voted) for customer in found]


def remove_vote(access: Access, idea: Idea, customer_id: Any) -> None:
    access.require(WRITE)
    vote = Vote.objects.filter(idea=idea, customer_id=customer_id).select_related("customer")
    found = vote.first() if str(customer_id).isdigit() else None
    if found is None:
        raise NotFound(f"customer: {customer_id!r} has not voted for this idea")
    with transaction.atomic():
        found.delete()
        recount(idea)
        activity.record(
            access.workspace, access.user, "idea.vote_removed", idea,
            {"customer": str(found.customer)},
        )  # fmt: skip


def link_feature(
    access: Access, idea: Idea, feature: Any, importance: str = links.Importance.IMPORTANT
) -> FeedbackLink:
    """Link the idea (its feedback item in insights) to a planning feature (F-12 or 12), and
    the feedback of the duplicates merged into it alike (see moderation.share_links)."""
    access.require(WRITE)
    if idea.feedback is None:
        raise Invalid(f"idea: {idea.title!r} is not published yet; approve it first")
    with transaction.atomic():
        link, _ = links.link_feature(access, idea.feedback, feature, importance=importance)
        merged = Idea.objects.filter(merged_into=idea).exclude(feedback=None)
        for duplicate in merged.select_related("feedback").order_by("id"):
            assert duplicate.feedback is not None
            links.link_feature(access, duplicate.feedback, link.feature, importance=importance)
    return link


def linked_features(idea: Idea) -> list[FeedbackLink]:
    if idea.feedback_id is None:
        return []
    return list(FeedbackLink.objects.filter(feedback_id=idea.feedback_id).select_related("feature"))

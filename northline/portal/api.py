"""JSON API of the portal's team side under /api/v1/workspaces/{slug}/portal: settings, every
idea with its voters, status, official replies, votes on behalf of customers, links to
features, and the moderation queue. Customers use the portal's pages, not this API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Schema, Status

from northline.core.access import Access
from northline.core.api import workspace_access
from northline.core.roles import MANAGE, READ, WRITE, Role
from northline.insights.api import (
    CustomerBrief,
    CustomerRef,
    LinkIn,
    LinkOut,
    customer_brief,
    link_out,
    window,
)

from .models import Comment, Idea, Portal, Vote
from .services import moderation, team
from .services.portal import portal_of, update_portal

router = Router(tags=["portal"])
P = "/workspaces/{slug}/portal"


class PortalPatch(Schema):
    enabled: bool | None = None
    visibility: str | None = None
    title: str | None = None
    intro: str | None = None
    moderation: bool | None = None
    allowed_domains: list[str] | None = None
    invited_emails: list[str] | None = None


class PortalOut(Schema):
    enabled: bool
    visibility: str
    title: str
    intro: str
    moderation: bool
    allowed_domains: list[str]
    invited_emails: list[str]
    url: str


class IdeaOut(Schema):
    id: int
    title: str
    details: str
    status: str
    state: str
    votes: int
    comments: int
    author: CustomerBrief | None
    merged_into: int | None
    feedback: int | None
    created_at: datetime
    url: str


class IdeaRow(IdeaOut):
    companies: int
    revenue: float


class IdeaPage(Schema):
    count: int
    offset: int
    limit: int
    items: list[IdeaRow]


class VoteOut(Schema):
    customer: CustomerBrief
    company: str | None
    revenue: float
    on_behalf_by: str | None
    created_at: datetime


class CandidateOut(Schema):
    customer: CustomerBrief
    company: str | None
    voted: bool


class IdeaDetail(IdeaOut):
    voters: list[VoteOut]
    companies: int
    revenue: float
    links: list[LinkOut]


class StatusIn(Schema):
    status: str


class VoteIn(Schema):
    """An existing customer ({"id": 12}) or one found or created by e-mail."""

    customer: CustomerRef


class TextIn(Schema):
    text: str


class CommentOut(Schema):
    id: int
    idea: int
    text: str
    official: bool
    state: str
    customer: CustomerBrief | None
    created_at: datetime


class MergeIn(Schema):
    into: int


class Queue(Schema):
    ideas: list[IdeaOut]
    comments: list[CommentOut]


def portal_out(portal: Portal, request: HttpRequest) -> PortalOut:
    return PortalOut(
        enabled=portal.enabled, visibility=portal.visibility, title=portal.title,
        intro=portal.intro, moderation=portal.moderation, allowed_domains=portal.allowed_domains,
        invited_emails=portal.invited_emails,
        url=request.build_absolute_uri(portal.get_absolute_url()),
    )  # fmt: skip


def idea_out(idea: Idea, request: HttpRequest) -> IdeaOut:
    return IdeaOut(
        id=idea.pk, title=idea.title, details=idea.details, status=idea.status, state=idea.state,
        votes=idea.votes, comments=idea.comments, author=customer_brief(idea.author),
        merged_into=idea.merged_into_id, feedback=idea.feedback_id, created_at=idea.created_at,
        url=request.build_absolute_uri(idea.get_absolute_url()),
    )  # fmt: skip


def vote_out(vote: Vote) -> VoteOut:
    company = vote.customer.company
    return VoteOut(
        customer=customer_brief(vote.customer), company=company.name if company else None,  # type: ignore[arg-type]
        revenue=float(company.revenue) if company else 0.0,
        on_behalf_by=vote.on_behalf_by.email if vote.on_behalf_by else None,
        created_at=vote.created_at,
    )  # fmt: skip


def idea_detail(idea: Idea, request: HttpRequest) -> IdeaDetail:
    voters = team.voters(idea)
    return IdeaDetail(
        **idea_out(idea, request).dict(), voters=[vote_out(v) for v in voters.votes],
        companies=voters.companies, revenue=float(voters.revenue),
        links=[link_out(link) for link in team.linked_features(idea)],
    )  # fmt: skip


def comment_out(row: Comment) -> CommentOut:
    return CommentOut(
        id=row.pk, idea=row.idea_id, text=row.text, official=row.official, state=row.state,
        customer=customer_brief(row.customer), created_at=row.created_at,
    )  # fmt: skip


def one_idea(
    request: HttpRequest, slug: str, idea_id: int, needed: Role = READ
) -> tuple[Access, Idea]:
    access = workspace_access(request, slug, needed)
    return access, team.team_idea(access, idea_id)


def public_url(request: HttpRequest, idea: Idea) -> str:
    return request.build_absolute_uri(idea.get_absolute_url())


# --- settings --------------------------------------------------------------------------------


@router.get(P, response=PortalOut, summary="The portal's settings")
def get_portal(request: HttpRequest, slug: str) -> PortalOut:
    access = workspace_access(request, slug)
    return portal_out(portal_of(access.workspace), request)


@router.patch(P, response=PortalOut, summary="Change the portal's settings (admins)")
def patch_portal(request: HttpRequest, slug: str, payload: PortalPatch) -> PortalOut:
    """Newly invited addresses of an enabled portal are e-mailed the sign-in page."""
    access = workspace_access(request, slug, MANAGE)
    sign_in_url = request.build_absolute_uri(reverse("portal:sign_in", args=[slug]))
    portal = update_portal(access, payload.dict(exclude_unset=True), sign_in_url=sign_in_url)
    return portal_out(portal, request)


# --- ideas -----------------------------------------------------------------------------------


@router.get(P + "/ideas", response=IdeaPage, summary="Every idea, most votes first")
def list_ideas(
    request: HttpRequest, slug: str, state: str = "all", q: str = "", offset: int = 0,
    limit: int = 50,
) -> IdeaPage:  # fmt: skip
    """`state`: all, pending, published, rejected or merged; `q`: text in title or details."""
    access = workspace_access(request, slug)
    rows = team.team_ideas(access, state=state, q=q)
    start, size = window(offset, limit)
    page = list(rows[start : start + size])
    reach = team.reach(page)
    items = [
        IdeaRow(**idea_out(idea, request).dict(), companies=reach[idea.pk][0],
                revenue=float(reach[idea.pk][1]))
        for idea in page
    ]  # fmt: skip
    return IdeaPage(count=rows.count(), offset=start, limit=size, items=items)


@router.get(P + "/ideas/{idea_id}", response=IdeaDetail, summary="One idea with its voters")
def get_idea(request: HttpRequest, slug: str, idea_id: int) -> IdeaDetail:
    _, idea = one_idea(request, slug, idea_id)
    return idea_detail(idea, request)


@router.patch(P + "/ideas/{idea_id}", response=IdeaDetail,
              summary="Set the status customers see; followers are e-mailed")  # fmt: skip
def set_status(request: HttpRequest, slug: str, idea_id: int, payload: StatusIn) -> IdeaDetail:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    team.set_status(access, idea, payload.status, url=public_url(request, idea))
    return idea_detail(idea, request)


@router.post(P + "/ideas/{idea_id}/votes", response={201: VoteOut},
             summary="Vote on behalf of a customer")  # fmt: skip
def vote_on_behalf(
    request: HttpRequest, slug: str, idea_id: int, payload: VoteIn
) -> Status[VoteOut]:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    ref: dict[str, Any] = payload.customer.dict(exclude_unset=True)
    vote = team.vote_on_behalf(access, idea, ref)
    return Status(201, vote_out(vote))


@router.get(P + "/ideas/{idea_id}/voter-candidates", response=list[CandidateOut],
            summary="Customers to vote for on their behalf, by name or e-mail")  # fmt: skip
def voter_candidates(request: HttpRequest, slug: str, idea_id: int, q: str = "") -> Any:
    """Up to 10 customers whose name or e-mail contains `q` (2 characters at least), by name,
    each with whether they already voted for the idea."""
    access, idea = one_idea(request, slug, idea_id, WRITE)
    found = []
    for c in team.find_voters(access, idea, q):
        brief = customer_brief(c.customer)
        assert brief is not None
        company = c.customer.company.name if c.customer.company else None
        found.append(CandidateOut(customer=brief, company=company, voted=c.voted))
    return found


@router.delete(P + "/ideas/{idea_id}/votes/{customer_id}", response={204: None},
               summary="Remove a customer's vote")  # fmt: skip
def remove_vote(request: HttpRequest, slug: str, idea_id: int, customer_id: int) -> Status[None]:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    team.remove_vote(access, idea, customer_id)
    return Status(204, None)


@router.post(P + "/ideas/{idea_id}/replies", response={201: CommentOut},
             summary="An official reply; followers are e-mailed")  # fmt: skip
def reply(request: HttpRequest, slug: str, idea_id: int, payload: TextIn) -> Status[CommentOut]:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    return Status(
        201, comment_out(team.reply(access, idea, payload.text, url=public_url(request, idea)))
    )


@router.post(P + "/ideas/{idea_id}/links", response={201: LinkOut},
             summary="Link the idea to a planning feature (F-12)")  # fmt: skip
def link(request: HttpRequest, slug: str, idea_id: int, payload: LinkIn) -> Status[LinkOut]:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    return Status(
        201, link_out(team.link_feature(access, idea, payload.feature, payload.importance))
    )


# --- moderation ------------------------------------------------------------------------------


@router.get(P + "/moderation", response=Queue, summary="Ideas and comments waiting for approval")
def queue(request: HttpRequest, slug: str) -> Queue:
    access = workspace_access(request, slug)
    return Queue(
        ideas=[idea_out(idea, request) for idea in moderation.pending_ideas(access)],
        comments=[comment_out(row) for row in moderation.pending_comments(access)],
    )


@router.post(P + "/ideas/{idea_id}/approve", response=IdeaOut, summary="Publish a waiting idea")
def approve(request: HttpRequest, slug: str, idea_id: int) -> IdeaOut:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    return idea_out(moderation.approve_idea(access, idea), request)


@router.post(P + "/ideas/{idea_id}/reject", response=IdeaOut, summary="Reject a waiting idea")
def reject(request: HttpRequest, slug: str, idea_id: int) -> IdeaOut:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    return idea_out(moderation.reject_idea(access, idea), request)


@router.post(P + "/ideas/{idea_id}/merge", response=IdeaOut,
             summary="Merge a duplicate into another idea: votes and followers move over")  # fmt: skip
def merge(request: HttpRequest, slug: str, idea_id: int, payload: MergeIn) -> IdeaOut:
    access, idea = one_idea(request, slug, idea_id, WRITE)
    into = team.team_idea(access, payload.into)
    return idea_out(moderation.merge_idea(access, idea, into), request)


@router.post(P + "/comments/{comment_id}/approve", response=CommentOut)
def approve_comment(request: HttpRequest, slug: str, comment_id: int) -> CommentOut:
    access = workspace_access(request, slug, WRITE)
    return comment_out(moderation.approve_comment(access, access.get(Comment, pk=comment_id)))


@router.post(P + "/comments/{comment_id}/reject", response=CommentOut)
def reject_comment(request: HttpRequest, slug: str, comment_id: int) -> CommentOut:
    access = workspace_access(request, slug, WRITE)
    return comment_out(moderation.reject_comment(access, access.get(Comment, pk=comment_id)))

"""The moderation queue: with moderation on, customers' new ideas and comments wait until the
team approves or rejects them; a duplicate idea is merged into another, its votes and
followers moving over (a customer who voted for both keeps one vote).

A merged duplicate that had reached the insights inbox stays there as evidence of its own
(its author asked, in their words), and is linked like the target: after the merge both
feedback items are linked to every feature either was linked to (existing links keep their
importance), and features linked to the target later are linked to its duplicates too
(`team.link_feature`). So no feature loses the duplicate's author or votes (decision 0016).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.roles import WRITE
from northline.insights.models import FeedbackLink
from northline.insights.services import links

from ..models import Comment, Follow, Idea, Vote
from . import similar
from .ideas import publish, recount

State = Idea.State


def pending_ideas(access: Access) -> QuerySet[Idea]:
    return (
        Idea.objects.filter(workspace=access.workspace, state=State.PENDING)
        .select_related("author")
        .order_by("id")
    )


def pending_comments(access: Access) -> QuerySet[Comment]:
    rows = Comment.objects.filter(workspace=access.workspace, state=Comment.State.PENDING)
    return rows.select_related("idea", "customer").order_by("id")


def _waiting(idea: Idea) -> None:
    if idea.state != State.PENDING:
        raise Invalid(f"idea: {idea.title!r} is not waiting for approval (it is {idea.state})")


def approve_idea(access: Access, idea: Idea) -> Idea:
    """Publish the idea and put it in the insights inbox."""
    access.require(WRITE)
    _waiting(idea)
    with transaction.atomic():
        publish(idea)
        activity.record(access.workspace, access.user, "idea.approved", idea)
    return idea


def reject_idea(access: Access, idea: Idea) -> Idea:
    access.require(WRITE)
    _waiting(idea)
    with transaction.atomic():
        idea.state = State.REJECTED
        idea.save(update_fields=["state", "updated_at"])
        activity.record(access.workspace, access.user, "idea.rejected", idea)
    return idea


def merge_idea(access: Access, duplicate: Idea, into: Idea) -> Idea:
    """Fold `duplicate` (waiting or published) into `into`: votes, followers and comments move
    over, without a second vote for anyone; the duplicate's page then points to `into`."""
    access.require(WRITE)
    if duplicate.pk == into.pk:
        raise Invalid(f"into: an idea cannot be merged into itself ({into.pk})")
    if duplicate.state not in (State.PENDING, State.PUBLISHED):
        raise Invalid(f"idea: {duplicate.title!r} is {duplicate.state}; it cannot be merged")
    if into.state != State.PUBLISHED or into.workspace_id != duplicate.workspace_id:
        raise Invalid(f"into: {into.pk} is not a published idea of this workspace")
    with transaction.atomic():
        for model in (Vote, Follow):
            already = model.objects.filter(idea=into).values("customer")
            model.objects.filter(idea=duplicate, customer__in=already).delete()
            model.objects.filter(idea=duplicate).update(idea=into)
        Comment.objects.filter(idea=duplicate).update(idea=into)
        share_links(access, duplicate, into)
        similar.queue_warm(access.workspace)
        duplicate.state, duplicate.merged_into = State.MERGED, into
        duplicate.save(update_fields=["state", "merged_into", "updated_at"])
        recount(duplicate)
        recount(into)
        changes = {"into": [None, into.title]}
        activity.record(access.workspace, access.user, "idea.merged", duplicate, changes)
    return into


def share_links(access: Access, duplicate: Idea, into: Idea) -> int:
    """Link each of the two ideas' feedback items to the features the other is linked to
    (where it is not yet: an existing link keeps its importance); returns how many links
    were made. A duplicate still waiting for approval has no feedback item: nothing to do."""
    if duplicate.feedback_id is None or into.feedback_id is None:
        return 0
    made = 0
    pairs = ((duplicate.feedback_id, into.feedback_id), (into.feedback_id, duplicate.feedback_id))
    for source_id, target_id in pairs:
        have = FeedbackLink.objects.filter(feedback_id=target_id).values("feature_id")
        missing = FeedbackLink.objects.filter(feedback_id=source_id).exclude(feature_id__in=have)
        target = duplicate.feedback if target_id == duplicate.feedback_id else into.feedback
        assert target is not None
        for link in missing.select_related("feature").order_by("id"):
            links.link_feature(access, target, link.feature, importance=link.importance)
            made += 1
    return made


def approve_comment(access: Access, row: Comment) -> Comment:
    return _decide_comment(access, row, Comment.State.PUBLISHED, "comment.approved")


def reject_comment(access: Access, row: Comment) -> Comment:
    return _decide_comment(access, row, Comment.State.REJECTED, "comment.rejected")


def _decide_comment(access: Access, row: Comment, state: str, verb: str) -> Comment:
    access.require(WRITE)
    if row.state != Comment.State.PENDING:
        raise Invalid(f"comment: {row.pk} is not waiting for approval (it is {row.state})")
    with transaction.atomic():
        row.state = state
        row.save(update_fields=["state", "updated_at"])
        recount(row.idea)
        activity.record(access.workspace, access.user, verb, row.idea)
    return row

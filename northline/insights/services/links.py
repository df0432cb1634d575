"""Domain verbs of insights: evidence. Highlight a quote within a feedback's text, and link the
feedback (or a quote of it) to a feature of planning with an importance.

Linking moves new or triaged feedback to "linked"; removing its last link moves it back to
"triaged".
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from northline.core import activity
from northline.core.access import Access
from northline.core.errors import Conflict, Invalid, NotFound
from northline.core.roles import WRITE
from northline.planning.models import Feature
from northline.planning.services.features import feature_by_ref

from ..models import Feedback, FeedbackLink, Highlight
from . import fields as check

Status = Feedback.Status
Importance = FeedbackLink.Importance


def copied_fields(feedback: Feedback) -> dict[str, Any]:
    """What a link copies from its feedback so that demand reads links alone."""
    return {
        "customer_id": feedback.customer_id,
        "company_id": feedback.company_id,
        "source": feedback.source,
        "received_at": feedback.received_at,
        "archived": feedback.status == Status.ARCHIVED,
    }


# --- highlights ------------------------------------------------------------------------------


def _span(feedback: Feedback, start: Any, end: Any, quote: str) -> tuple[int, int]:
    """(start, end) of the quote: given offsets are checked against the text; without them the
    quote's first occurrence is used."""
    size = len(feedback.text)
    if start is None and end is None:
        if not quote.strip():
            raise Invalid("quote: must not be empty")
        at = feedback.text.find(quote)
        if at < 0:
            raise Invalid(f"quote: {quote!r} is not in the text")
        return at, at + len(quote)
    first = check.whole(start, "start", 0, size)
    last = check.whole(end, "end", 0, size)
    if first is None or last is None:
        raise Invalid(f"{'start' if first is None else 'end'}: give both start and end")
    if first >= last:
        raise Invalid(f"end: must be greater than start ({first}), got {last}")
    if quote and feedback.text[first:last] != quote:
        actual = feedback.text[first:last]
        raise Invalid(f"quote: {quote!r} does not match the text at {first}..{last}: {actual!r}")
    return first, last


def add_highlight(
    access: Access, feedback: Feedback, *, start: Any = None, end: Any = None, quote: str = ""
) -> Highlight:
    """Highlight text[start:end] (offsets in Unicode code points), or the first occurrence of
    `quote` when no offsets are given."""
    access.require(WRITE)
    first, last = _span(feedback, start, end, quote or "")
    if feedback.highlights.filter(start=first, end=last).exists():
        raise Conflict(f"quote: {feedback.text[first:last]!r} is already highlighted there")
    with transaction.atomic():
        highlight = Highlight.objects.create(
            workspace=access.workspace, feedback=feedback, start=first, end=last,
            quote=feedback.text[first:last], created_by=access.user,
        )  # fmt: skip
        activity.record(
            access.workspace, access.user, "feedback.highlighted", feedback,
            {"quote": [None, str(highlight)]},
        )  # fmt: skip
    return highlight


def remove_highlight(access: Access, highlight: Highlight) -> None:
    """Links that pointed at the quote keep linking the whole feedback."""
    access.require(WRITE)
    with transaction.atomic():
        activity.record(
            access.workspace, access.user, "feedback.highlight_removed", highlight.feedback,
            {"quote": [str(highlight), None]},
        )  # fmt: skip
        highlight.delete()


def relocate(feedback: Feedback, text: str) -> list[Highlight]:
    """The highlights moved to where their quotes sit in a new `text` (the nearest occurrence);
    Invalid when a quote is gone."""
    moved, spans = [], set()
    for highlight in feedback.highlights.all():
        at = highlight.start if text[highlight.start : highlight.end] == highlight.quote else -1
        if at < 0:
            places = _occurrences(text, highlight.quote)
            if not places:
                raise Invalid(
                    f"text: the highlighted quote {str(highlight)!r} is no longer in the text; "
                    "remove the highlight first"
                )
            at = min(places, key=lambda p: abs(p - highlight.start))
            highlight.start, highlight.end = at, at + len(highlight.quote)
            moved.append(highlight)
        if (highlight.start, highlight.end) in spans:
            raise Invalid(f"text: two highlights of {str(highlight)!r} would fall on one place")
        spans.add((highlight.start, highlight.end))
    return moved


def save_moved(moved: list[Highlight]) -> None:
    """Save relocated highlights. Several are first parked beyond any text, so that two quotes
    that swap places never meet on one (start, end) on the way."""
    if len(moved) > 1:
        for index, highlight in enumerate(moved):
            park = PARKING + 2 * index
            Highlight.objects.filter(pk=highlight.pk).update(start=park, end=park + 1)
    for highlight in moved:
        highlight.save(update_fields=["start", "end", "updated_at"])


PARKING = 2_000_000_000


def _occurrences(text: str, quote: str) -> list[int]:
    places, at = [], text.find(quote)
    while at >= 0:
        places.append(at)
        at = text.find(quote, at + 1)
    return places


# --- links to features -----------------------------------------------------------------------


def feature_of(access: Access, ref: Feature | str | int) -> Feature:
    """A feature given as F-12, 12 or a Feature of this workspace; Invalid if there is none."""
    if isinstance(ref, Feature):
        if ref.workspace_id != access.workspace.pk:
            raise Invalid("feature: not found in this workspace")
        return ref
    try:
        return feature_by_ref(access, ref)
    except NotFound as error:  # a reference inside input, not the subject of the request
        raise Invalid(error.message) from None


def _highlight_of(feedback: Feedback, highlight: Highlight | int | str | None) -> Highlight | None:
    if highlight is None or highlight == "":
        return None
    pk = highlight.pk if isinstance(highlight, Highlight) else highlight
    found = feedback.highlights.filter(pk=pk).first() if str(pk).isdigit() else None
    if found is None:
        raise Invalid(f"highlight: {pk!r} is not a highlight of this feedback")
    return found


def link_feature(
    access: Access,
    feedback: Feedback,
    feature: Feature | str | int,
    *,
    importance: str = Importance.IMPORTANT,
    highlight: Highlight | int | str | None = None,
) -> tuple[FeedbackLink, bool]:
    """Link the feedback (or one of its highlights) to a feature given as F-12, 12 or a Feature;
    linking again changes the importance and quote. Returns the link and whether it is new."""
    access.require(WRITE)
    target = feature_of(access, feature)
    importance = check.choice(importance, "importance", Importance.values)
    quote = _highlight_of(feedback, highlight)
    link = FeedbackLink.objects.filter(feedback=feedback, feature=target).first()
    with transaction.atomic():
        if link is None:
            link = FeedbackLink.objects.create(
                workspace=access.workspace, feedback=feedback, feature=target, highlight=quote,
                importance=importance, created_by=access.user, **copied_fields(feedback),
            )  # fmt: skip
            changes = {"feature": [None, target.ref], "importance": [None, importance]}
            activity.record(access.workspace, access.user, "feedback.linked", feedback, changes)
            if feedback.status in (Status.NEW, Status.TRIAGED):
                _set_status(feedback, Status.LINKED)
            return link, True
        before = {"importance": link.importance, "highlight": link.highlight_id}
        link.importance, link.highlight = importance, quote
        changes = activity.diff(before, {"importance": importance, "highlight": link.highlight_id})
        if changes:
            link.save(update_fields=["importance", "highlight", "updated_at"])
            changes["feature"] = [target.ref, target.ref]
            activity.record(
                access.workspace, access.user, "feedback.link_changed", feedback, changes
            )
    return link, False


def unlink_feature(access: Access, feedback: Feedback, feature: Feature | str | int) -> None:
    access.require(WRITE)
    target = feature_of(access, feature)
    link = FeedbackLink.objects.filter(feedback=feedback, feature=target).first()
    if link is None:
        raise NotFound(f"feature: {target.ref} is not linked to this feedback")
    with transaction.atomic():
        link.delete()
        changes = {"feature": [target.ref, None]}
        activity.record(access.workspace, access.user, "feedback.unlinked", feedback, changes)
        if feedback.status == Status.LINKED and not feedback.links.exists():
            _set_status(feedback, Status.TRIAGED)


def _set_status(feedback: Feedback, status: str) -> None:
    feedback.status = status
    feedback.save(update_fields=["status", "updated_at"])


def evidence(access: Access, feature: Feature) -> QuerySet[FeedbackLink]:
    """The feedback linked to a feature (newest first, archived left out), for planning's
    feature page."""
    return (
        FeedbackLink.objects.filter(workspace=access.workspace, feature=feature, archived=False)
        .select_related("feedback", "customer", "company", "highlight")
        .order_by("-received_at", "-id")
    )

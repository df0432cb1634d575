"""Portal votes as customer evidence: everyone who votes for an idea (themselves or through the
team, on their behalf) backs every feature the idea's feedback item is linked to.

Votes are not copied into insights: `vote_supporters` is registered with insights' demand
(`register_supporters`), which takes the UNION of these voters and the customers of the
feature's linked feedback in SQL, so a customer who both wrote and voted counts once and a
company's revenue is summed once. A vote counts from the moment it was cast (the date filters
read `Vote.created_at`), for the voter's company as it is now; a waiting or rejected idea has
no feedback item, so no links and no demand.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import F, QuerySet

from northline.accounts.models import Workspace
from northline.insights.models import Feedback
from northline.insights.services.demand import within

from ..models import Vote


def vote_supporters(
    workspace: Workspace,
    feature: Any = None,
    *,
    segment: str | None = None,
    plan: str | None = None,
    source: str | None = None,
    since: date | datetime | None = None,
    until: date | datetime | None = None,
) -> QuerySet[Vote]:
    """The votes backing `feature` (an expression for its id) under demand's filters, as
    `supporter` (the voter) and `supporter_company`; with feature None, one row per (vote,
    linked feature) of the workspace, with `supported_feature`. Votes are evidence of source
    "portal"; a link that is archived carries no votes. For one feature the query can run
    from its links (the `feature_id` index) through `Idea.feedback` (unique) to
    `Vote(idea, customer)` (unique), without scanning the workspace's votes."""
    rows: QuerySet[Vote]
    if feature is None:
        rows = Vote.objects.filter(
            workspace=workspace, idea__feedback__links__archived=False
        ).annotate(supported_feature=F("idea__feedback__links__feature"))
    else:
        rows = Vote.objects.filter(  # one filter(): the same join for both conditions
            idea__feedback__links__feature=feature, idea__feedback__links__archived=False
        )
    if source and source != Feedback.Source.PORTAL:
        rows = rows.none()
    if segment:
        rows = rows.filter(customer__company__segment=segment)
    if plan:
        rows = rows.filter(customer__company__plan=plan)
    return within(rows, "created_at", since, until).annotate(
        supporter=F("customer_id"), supporter_company=F("customer__company_id")
    )

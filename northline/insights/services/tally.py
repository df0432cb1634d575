"""The feedback tally (decision 0021): items per (status, type, sentiment, language, source)
of each workspace, which triggers on the feedback table keep in the transaction of every
write. The inbox's tab counts read it instead of counting a million rows; `recount` rebuilds
it from the feedback, for a database restored without its triggers or edited by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum

from northline.accounts.models import Workspace

from ..models import Feedback, FeedbackTally

# The key of a tally row besides the workspace; the inbox filters that can be read from it.
KEY = ("status", "kind", "sentiment", "language", "source")
FACETS = KEY[1:]
Key = tuple[str, ...]


def counts(workspace: Workspace, facets: Mapping[str, str]) -> dict[str, int]:
    """Items per status under these facet filters (names of FACETS, empty values ignored)."""
    rows = FeedbackTally.objects.filter(workspace=workspace)
    rows = rows.filter(**{name: value for name, value in facets.items() if value})
    sums = rows.aggregate(**{s: Sum("n", filter=Q(status=s)) for s in Feedback.Status.values})
    return {status: int(n or 0) for status, n in sums.items()}


@dataclass(frozen=True)
class Recount:
    keys: int  # tally rows after the recount
    fixed: int  # rows that were wrong, missing or left over (0: the tally was right)


def _expected(workspace: Workspace) -> dict[Key, int]:
    rows = Feedback.objects.filter(workspace=workspace).order_by().values_list(*KEY)
    return {tuple(key): n for *key, n in rows.annotate(n=Count("id"))}


def recount(workspace: Workspace) -> Recount:
    """Count the workspace's feedback again and correct the tally where it differs."""
    with transaction.atomic():
        stored = FeedbackTally.objects.select_for_update().filter(workspace=workspace)
        current = {tuple(getattr(t, name) for name in KEY): t for t in stored}
        expected = _expected(workspace)
        wrong = [t for key, t in current.items() if expected.get(key, 0) != t.n]
        for row in wrong:
            row.n = expected.get(tuple(getattr(row, name) for name in KEY), 0)
        FeedbackTally.objects.bulk_update(wrong, ["n"], batch_size=500)
        missing = [key for key in expected if key not in current]
        FeedbackTally.objects.bulk_create(
            [_row(workspace, key, expected[key]) for key in missing], batch_size=500
        )
        FeedbackTally.objects.filter(workspace=workspace, n=0).delete()
    keys = FeedbackTally.objects.filter(workspace=workspace).count()
    return Recount(keys=keys, fixed=len(wrong) + len(missing))


def _row(workspace: Workspace, key: Key, n: int) -> FeedbackTally:
    return FeedbackTally(workspace=workspace, n=n, **dict(zip(KEY, key, strict=True)))

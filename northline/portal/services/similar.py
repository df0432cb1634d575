"""Similar ideas for a title being typed, so that a customer votes instead of posting a
duplicate. The index comes from the text engine's seam (lexical TF-IDF on words and character
n-grams; embeddings when the semantic tier is configured), built over the workspace's
published ideas.

The index is cached in this process per workspace and checked against the database on each
request (number of published ideas, latest `edited_at`), so a change made on any server is
seen by the next request: newly published ideas are added to the cached index (cheap), and
only an idea leaving (rejected, merged) or changing rebuilds it. Votes and comments are not
changes. Scale (docs/benchmarks.md): a cold build is linear in the ideas, about 1.5 s for
1,000 and 9 s for 10,000 on the shared 2-core machine, once per process and workspace; queries
against the cached index stay near 20 ms. Each cached lexical index holds about 25 MB of term
statistics, so only `CACHED_WORKSPACES` stay cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, QuerySet

from northline.accounts.models import Workspace
from northline.insights.services import fields as check
from northline.insights.text import tiers

from ..models import Idea

CACHED_WORKSPACES = 8
MIN_SCORE = 0.12


@dataclass
class _Cached:
    index: tiers.SimilarityIndex
    count: int
    latest: datetime | None


_cache: OrderedDict[int, _Cached] = OrderedDict()
_lock = threading.Lock()


def tier() -> str:
    """The semantic tier where a model is configured, else the lexical one."""
    return tiers.SEMANTIC if settings.SEMANTIC_MODEL else tiers.LEXICAL


def _make_index() -> tiers.SimilarityIndex:
    try:
        return tiers.make_similarity_index(tier(), model_path=settings.SEMANTIC_MODEL or None)
    except tiers.TierUnavailable:
        return tiers.make_similarity_index(tiers.LEXICAL)


def _published(workspace: Workspace) -> QuerySet[Idea]:
    return Idea.objects.filter(workspace=workspace, state=Idea.State.PUBLISHED)


def _add(index: tiers.SimilarityIndex, rows: QuerySet[Idea]) -> None:
    """Each idea is indexed twice under its id: its title alone and title + details. The
    lexical tier gives no weight to a term found in only one indexed text, and a portal holds
    few ideas, so the second copy lets every title word count."""
    pairs = list(rows.order_by("id").values_list("id", "title", "details"))
    ids = [str(pk) for pk, _, _ in pairs]
    index.add(ids + ids, [t for _, t, _ in pairs] + [f"{t}\n{d}" for _, t, d in pairs])


def index_for(workspace: Workspace) -> tiers.SimilarityIndex:
    """The workspace's index, up to date: reused while nothing changed, extended with newly
    published ideas, rebuilt when one left (rejected, merged) or changed."""
    stamp = _published(workspace).aggregate(n=Count("id"), latest=Max("edited_at"))
    with _lock:
        cached = _cache.get(workspace.pk)
        if cached is not None:
            _cache.move_to_end(workspace.pk)
            if (cached.count, cached.latest) == (stamp["n"], stamp["latest"]):
                return cached.index
            new = _published(workspace)
            if cached.latest is not None:
                new = new.filter(edited_at__gt=cached.latest)
            if cached.count + new.count() == stamp["n"]:
                _add(cached.index, new)
                cached.count, cached.latest = stamp["n"], stamp["latest"]
                return cached.index
        index = _make_index()
        _add(index, _published(workspace))
        _cache[workspace.pk] = _Cached(index, stamp["n"], stamp["latest"])
        _cache.move_to_end(workspace.pk)
        while len(_cache) > CACHED_WORKSPACES:
            _cache.popitem(last=False)
    return index


def similar_ideas(workspace: Workspace, text: Any, k: int = 5) -> list[tuple[Idea, float]]:
    """Up to `k` published ideas most like `text` (a title, perhaps with details), best first."""
    query = check.text(text, "q", 500)
    if len(query) < 3:
        return []
    index = index_for(workspace)
    scores: dict[int, float] = {}
    for pk, score in index.query(query, 2 * k):
        if score >= MIN_SCORE:
            scores[int(pk)] = max(score, scores.get(int(pk), 0.0))
    best = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:k]
    ideas = Idea.objects.in_bulk([pk for pk, _ in best])
    return [(ideas[pk], score) for pk, score in best if pk in ideas]

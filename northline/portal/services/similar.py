"""Similar ideas for a title being typed, so that a customer votes instead of posting a
duplicate. The index comes from the text engine's seam (lexical TF-IDF on words and character
n-grams; embeddings when the semantic tier is configured), built over the workspace's
published ideas.

Building costs one pass over the ideas; it is cached in this process per workspace and keyed
by (number of published ideas, latest idea change), so requests between changes reuse it and
a change anywhere (on any server) is seen by the next request. Votes and comments do not count
as changes. Scale: rebuilding is linear in the ideas (measured in docs/benchmarks.md); a portal
with up to ~10,000 published ideas rebuilds within a request. Each cached lexical index holds
about 25 MB of term statistics, so only `CACHED_WORKSPACES` stay cached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from northline.accounts.models import Workspace
from northline.insights.services import fields as check
from northline.insights.text import tiers

from ..models import Idea

CACHED_WORKSPACES = 8
MIN_SCORE = 0.12
_cache: OrderedDict[int, tuple[Any, tiers.SimilarityIndex]] = OrderedDict()
_lock = threading.Lock()


def tier() -> str:
    """The semantic tier where a model is configured, else the lexical one."""
    return tiers.SEMANTIC if settings.SEMANTIC_MODEL else tiers.LEXICAL


def _make_index() -> tiers.SimilarityIndex:
    try:
        return tiers.make_similarity_index(tier(), model_path=settings.SEMANTIC_MODEL or None)
    except tiers.TierUnavailable:
        return tiers.make_similarity_index(tiers.LEXICAL)


def _build(workspace: Workspace) -> tiers.SimilarityIndex:
    """Each idea is indexed twice under its id: its title alone and title + details. The
    lexical tier gives no weight to a term found in only one indexed text, and a portal holds
    few ideas, so the second copy lets every title word count."""
    rows = Idea.objects.filter(workspace=workspace, state=Idea.State.PUBLISHED)
    pairs = list(rows.order_by("id").values_list("id", "title", "details"))
    ids = [str(pk) for pk, _, _ in pairs]
    index = _make_index()
    index.add(ids + ids, [t for _, t, _ in pairs] + [f"{t}\n{d}" for _, t, d in pairs])
    return index


def index_for(workspace: Workspace) -> tiers.SimilarityIndex:
    stamp = tuple(
        Idea.objects.filter(workspace=workspace, state=Idea.State.PUBLISHED)
        .aggregate(n=Count("id"), latest=Max("edited_at"))
        .values()
    )
    with _lock:
        cached = _cache.get(workspace.pk)
        if cached is not None and cached[0] == stamp:
            _cache.move_to_end(workspace.pk)
            return cached[1]
    index = _build(workspace)
    with _lock:
        _cache[workspace.pk] = (stamp, index)
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

"""Similar ideas for a title being typed, so that a customer votes instead of posting a
duplicate. The index comes from the text engine's seam (lexical TF-IDF on words and character
n-grams; embeddings when the semantic tier is configured), built over the workspace's
published ideas.

Where the index lives (decision 0017): each process caches it per workspace, checked against
the database on every request (number of published ideas, latest `edited_at`), so a change
made on any server is seen by the next request. Newly published ideas are *added* to the
cached index (cheap). A full build is linear in the ideas (about 1.5 s for 1,000 and 9–11 s
for 10,000 on the shared 2-core machine), so for portals above `SYNC_BUILD_LIMIT` ideas it
never runs on the request path: the `warm_similar_index` task (queued whenever an idea is
published or merged) builds it in the worker and stores it in the database (`SimilarIndex`),
where every app server's cold process loads it and adds what was published since. Until a
rebuild after an idea left is done, requests keep the index they have; suggestions are
filtered to published ideas, so a merged idea is never suggested. A big portal with no stored
index yet suggests nothing until the worker has built the first one. Votes and comments are
not changes. Each cached lexical index holds about 25 MB of term statistics, so only
`CACHED_WORKSPACES` stay cached. The semantic index encodes with the workspace's encoder in use
(tuned on its merged duplicates, decision 0038): a cached copy of another encoder version is
built again.
"""

from __future__ import annotations

import logging
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, QuerySet

from northline.accounts.models import Workspace
from northline.insights.services import encoders
from northline.insights.services import fields as check
from northline.insights.text import tiers

from ..models import Idea, SimilarIndex
from ..tasks import warm_similar_index

logger = logging.getLogger(__name__)

CACHED_WORKSPACES = 8
MIN_SCORE = 0.12
SYNC_BUILD_LIMIT = 500  # published ideas up to which a request may build the index itself


@dataclass
class _Cached:
    index: tiers.SimilarityIndex
    count: int
    latest: datetime | None
    stale: bool = False  # an idea left or changed since; the worker is rebuilding
    source_at: datetime | None = None  # when the stored index it was loaded from was saved
    encoder: int = 0  # the workspace's encoder version it was built with (semantic tier)


_cache: OrderedDict[int, _Cached] = OrderedDict()
_lock = threading.Lock()


def tier() -> str:
    """The semantic tier where a model is configured, else the lexical one."""
    return tiers.SEMANTIC if settings.SEMANTIC_MODEL else tiers.LEXICAL


def _encoder_version(workspace: Workspace) -> int:
    """The workspace's encoder version, which only a semantic index reads."""
    return encoders.encoder_version(workspace) if tier() == tiers.SEMANTIC else 0


def _make_index(workspace: Workspace, version: int) -> tiers.SimilarityIndex:
    path = settings.SEMANTIC_MODEL or None
    try:
        encoder = encoders.in_use(workspace.pk, version, path)
        return tiers.make_similarity_index(tier(), model_path=path, encoder=encoder)
    except tiers.TierUnavailable:
        return tiers.make_similarity_index(tiers.LEXICAL)


def _published(workspace: Workspace) -> QuerySet[Idea]:
    return Idea.objects.filter(workspace=workspace, state=Idea.State.PUBLISHED)


def _stamp(workspace: Workspace) -> tuple[int, datetime | None]:
    found = _published(workspace).aggregate(n=Count("id"), latest=Max("edited_at"))
    return found["n"], found["latest"]


def _add(index: tiers.SimilarityIndex, rows: QuerySet[Idea]) -> None:
    """Each idea is indexed twice under its id: its title alone and title + details. The
    lexical tier gives no weight to a term found in only one indexed text, and a portal holds
    few ideas, so the second copy lets every title word count."""
    pairs = list(rows.order_by("id").values_list("id", "title", "details"))
    ids = [str(pk) for pk, _, _ in pairs]
    texts = [t for _, t, _ in pairs] + [f"{t}\n{d}" for _, t, d in pairs]
    index.add(ids + ids, texts)
    # each text's neighbour search, for the hubness-corrected ranking (decision 0031)
    index.query_many(texts, 0, excludes=ids + ids, learn=True)


def _build(workspace: Workspace) -> _Cached:
    """A full build over the published ideas, stamped with exactly the rows it indexed."""
    version = _encoder_version(workspace)
    index = _make_index(workspace, version)
    rows = _published(workspace)
    stamp = rows.aggregate(n=Count("id"), latest=Max("edited_at"))
    _add(index, rows.filter(edited_at__lte=stamp["latest"]) if stamp["latest"] else rows)
    return _Cached(index, stamp["n"], stamp["latest"], encoder=version)


def _catch_up(cached: _Cached, workspace: Workspace, stamp: tuple[int, datetime | None]) -> bool:
    """Add the ideas published after the cached ones; True when the index is then current
    (nothing left or changed), False when it needs a rebuild (it is then marked stale)."""
    if (cached.count, cached.latest) == stamp:
        return not cached.stale
    new = _published(workspace)
    if cached.latest is not None:
        new = new.filter(edited_at__gt=cached.latest)
    added = new.count()
    if added:
        _add(cached.index, new)
    current = not cached.stale and cached.count + added == stamp[0]
    cached.count, cached.latest, cached.stale = stamp[0], stamp[1], not current
    return current


def _stored_at(workspace: Workspace) -> datetime | None:
    """When the stored index was last saved (its data not loaded), or None if there is none."""
    rows = SimilarIndex.objects.filter(workspace=workspace, tier=tier())
    return rows.values_list("updated_at", flat=True).first()


def _load(workspace: Workspace) -> _Cached | None:
    row = SimilarIndex.objects.filter(workspace=workspace, tier=tier()).first()
    if row is None:
        return None
    try:
        index = tiers.similarity_index_from_bytes(zlib.decompress(bytes(row.data)), row.tier)
    except (ValueError, KeyError, zlib.error) as error:  # another format: rebuild
        logger.info("portal: stored similar-ideas index unusable (%s); rebuilding", error)
        return None
    return _Cached(index, row.ideas, row.latest, source_at=row.updated_at)


def _builds_on_request(count: int) -> bool:
    """Small portals build on the request; so does any portal whose tier is not stored (only
    the lexical index is: a semantic one carries its model, see decision 0017)."""
    return count <= SYNC_BUILD_LIMIT or tier() != tiers.LEXICAL


def _keep(workspace: Workspace, cached: _Cached) -> tiers.SimilarityIndex:
    _cache[workspace.pk] = cached
    _cache.move_to_end(workspace.pk)
    while len(_cache) > CACHED_WORKSPACES:
        _cache.popitem(last=False)
    return cached.index


def index_for(workspace: Workspace) -> tiers.SimilarityIndex | None:
    """The workspace's index for this request: this process's copy, brought up to date with
    newly published ideas; else the stored one (loaded, then brought up to date); else, for a
    portal of at most SYNC_BUILD_LIMIT ideas, one built now. A big portal whose index must be
    rebuilt keeps serving the copy it has (the worker is rebuilding it), and one with no index
    anywhere yet gets None (no suggestions) until the worker has built it."""
    stamp = _stamp(workspace)
    with _lock:
        cached = _cache.get(workspace.pk)
        if cached is not None and cached.encoder != _encoder_version(workspace):
            cached = None  # the workspace's encoder was retrained: its vectors are another's
        if cached is not None:
            _cache.move_to_end(workspace.pk)
            if _catch_up(cached, workspace, stamp):
                return cached.index
            if _builds_on_request(stamp[0]):
                return _keep(workspace, _build(workspace))
            if _stored_at(workspace) in (None, cached.source_at):
                return cached.index  # stale until the worker's rebuild lands (filtered)
        elif _builds_on_request(stamp[0]):
            return _keep(workspace, _build(workspace))
        stored = _load(workspace)
        if stored is not None:
            _catch_up(stored, workspace, stamp)  # if still stale, a newer one is coming
            return _keep(workspace, stored)
    queue_warm(workspace)
    return None


def queue_warm(workspace: Workspace) -> None:
    """Have the worker bring the stored index up to date once the current change commits."""
    transaction.on_commit(lambda: warm_similar_index.enqueue(workspace.pk))


def warm(workspace: Workspace) -> str:
    """Bring the stored index up to date (the task's work): "small" (requests build it
    themselves), "current", "extended" (ideas published since were added) or "rebuilt"."""
    stamp = _stamp(workspace)
    if _builds_on_request(stamp[0]):
        return "small"
    covers = SimilarIndex.objects.filter(workspace=workspace, tier=tier())
    if covers.filter(ideas=stamp[0], latest=stamp[1]).exists():
        return "current"  # without loading it
    stored = _load(workspace)
    outcome = "extended"
    if stored is None or not _catch_up(stored, workspace, stamp):
        stored, outcome = _build(workspace), "rebuilt"
    data = zlib.compress(tiers.similarity_index_bytes(stored.index), 1)
    SimilarIndex.objects.update_or_create(
        workspace=workspace,
        defaults={"tier": tier(), "ideas": stored.count, "latest": stored.latest, "data": data},
    )
    return outcome


def similar_ideas(workspace: Workspace, text: Any, k: int = 5) -> list[tuple[Idea, float]]:
    """Up to `k` published ideas most like `text` (a title, perhaps with details), best first."""
    query = check.text(text, "q", 500)
    if len(query) < 3:
        return []
    index = index_for(workspace)
    if index is None:
        return []
    scores: dict[int, float] = {}  # in the index's (hubness-corrected) order
    for pk, score in index.query(query, 2 * k + 5):
        if score >= MIN_SCORE:
            scores[int(pk)] = max(score, scores.get(int(pk), 0.0))
    best = list(scores.items())
    ideas = _published(workspace).in_bulk([pk for pk, _ in best])
    return [(ideas[pk], score) for pk, score in best if pk in ideas][:k]

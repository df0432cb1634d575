"""Themes of a workspace's feedback: clustered in full on demand (or when drift is large),
grown incrementally as items arrive, and shaped by the team (rename, split, merge).

The theme model (`text.clustering.ThemeModel`) is kept, pickled, on the workspace's
TextSettings row with `theme_ids`, the Theme row of each of its themes, so that every worker
places new items the same way. A full re-cluster matches its clusters to the previous themes
by shared members, so a theme keeps its id (and URL) while it stays about the same thing.
Curated themes (renamed, split or merged by the team) are left as they are: their members
stay, and they join the model with their members' centroid, so new items can still join them.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth, TruncWeek
from django.utils import timezone
from sklearn.preprocessing import normalize

from northline.accounts.models import Workspace
from northline.core import activity
from northline.core import tasks as background
from northline.core.access import Access
from northline.core.errors import Invalid
from northline.core.models import TaskProgress
from northline.core.roles import WRITE
from northline.insights.text.clustering import Theme as ModelTheme
from northline.insights.text.clustering import ThemeModel, cluster_themes

from ..models import Feedback, TextSettings, Theme
from . import fields as check
from .similarity import item_text, settings_of

MIN_ITEMS = 8  # a first clustering needs this many processed items
DRIFT = 0.5  # re-cluster once incrementally placed items reach this share of the clustered
CENTROID_SAMPLE = 500
_MAGIC = b"northline-themes-v1\n"
ARCHIVED = Feedback.Status.ARCHIVED


def load_model(state: TextSettings) -> ThemeModel | None:
    data = bytes(state.theme_model or b"")
    if not data.startswith(_MAGIC):
        return None
    model = pickle.loads(data[len(_MAGIC) :])  # noqa: S301 - written by save_model only
    return model if isinstance(model, ThemeModel) else None


def save_model(state: TextSettings, model: ThemeModel, ids: list[int]) -> None:
    state.theme_model = _MAGIC + pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)
    state.theme_ids = ids


def _locked(workspace: Workspace) -> TextSettings:
    settings_of(workspace)
    return TextSettings.objects.select_for_update().get(workspace=workspace)


# --- placing new items -----------------------------------------------------------------------


def assign(workspace: Workspace, rows: Sequence[Feedback], texts: Sequence[str]) -> bool:
    """Put each row without a theme into the nearest theme (or found one); runs inside the
    caller's transaction. True while a full re-cluster is due (not only at the batch that made
    it due: a re-cluster deferred during an import is still owed after it, decision 0034)."""
    state = _locked(workspace)
    pending = [
        (row, text)
        for row, text in zip(rows, texts, strict=True)
        if row.theme_id is None and row.status != ARCHIVED
    ]
    model = load_model(state)
    if model is None:  # the caller has stored its rows as processed already
        return len(rows) >= MIN_ITEMS or _enough(workspace)
    if not pending:
        return False
    ids = list(state.theme_ids)
    placed = model.assign([text for _, text in pending])
    for index in range(len(ids), len(model.themes)):
        founded = model.themes[index]
        row = pending[founded.members[0] - (model.n_texts - len(pending))][0]
        theme = Theme.objects.create(
            workspace=workspace, label=founded.label[:200], terms=list(founded.terms),
            representative=row,
        )  # fmt: skip
        ids.append(theme.pk)
    for (row, _), index in zip(pending, placed, strict=True):
        row.theme_id = ids[index]
    Feedback.objects.bulk_update([row for row, _ in pending], ["theme"], batch_size=500)
    state.themes_assigned += len(pending)
    save_model(state, model, ids)
    state.save(update_fields=["theme_model", "theme_ids", "themes_assigned", "updated_at"])
    refresh_sizes(workspace, {ids[i] for i in placed})
    return _drifted(state)


def refresh_sizes(workspace: Workspace, theme_ids: set[int] | None = None) -> None:
    """Recount the open items of these themes (of every theme when None)."""
    themes = Theme.objects.filter(workspace=workspace)
    if theme_ids is not None:
        themes = themes.filter(pk__in=theme_ids)
    counts = dict(
        Feedback.objects.filter(workspace=workspace, theme__in=themes)
        .exclude(status=ARCHIVED)
        .order_by()
        .values_list("theme")
        .annotate(n=Count("id"))
    )
    rows = list(themes)
    for theme in rows:
        theme.size = counts.get(theme.pk, 0)
    Theme.objects.bulk_update(rows, ["size"])


# --- full re-clustering ----------------------------------------------------------------------


def recluster(workspace: Workspace, *, seed: int = 0, when_due: bool = False) -> int:
    """Cluster every open, processed item afresh; returns the number of themes. Items of
    curated themes are clustered too (so the model knows their words) but stay where they
    are; a cluster made mostly of one curated theme's items becomes that theme.

    `when_due` (the automatic re-clustering that processing queues) does nothing when a model
    exists and its drift is below `DRIFT`: batches processed before the first clustering ran
    each queue one, and a million-row import must not cluster everything once per batch."""
    with transaction.atomic():
        state = _locked(workspace)
        if when_due and not _due(state):
            return Theme.objects.filter(workspace=workspace).count()
        rows = list(
            Feedback.objects.filter(workspace=workspace, processed_at__isnull=False)
            .exclude(status=ARCHIVED)
            .order_by("pk")
            .values_list("pk", "title", "text", "theme_id")
        )
        if len(rows) < 2:
            return Theme.objects.filter(workspace=workspace).count()
        model = cluster_themes([item_text(r[1], r[2]) for r in rows], seed=seed)
        curated = set(
            Theme.objects.filter(workspace=workspace, curated=True).values_list("pk", flat=True)
        )
        ids = _match(workspace, model, rows, curated)
        ids += _add_curated(workspace, model, curated - set(ids))
        state.themes_clustered = model.n_texts
        state.themes_assigned = 0
        save_model(state, model, ids)
        state.save()
        refresh_sizes(workspace)
        return len(set(ids))


def _due(state: TextSettings) -> bool:
    return load_model(state) is None or _drifted(state)


def _drifted(state: TextSettings) -> bool:
    return state.themes_assigned > DRIFT * max(state.themes_clustered, 1)


def due(workspace: Workspace) -> bool:
    """Whether the automatic re-clustering is owed: there is no model yet but enough processed
    items for one, or the items placed since the last one drifted past `DRIFT`."""
    state = settings_of(workspace)
    return _enough(workspace) if load_model(state) is None else _drifted(state)


def _enough(workspace: Workspace) -> bool:
    """Enough processed items for a first clustering (counting `MIN_ITEMS` at most). In the
    order of the primary key, where processing goes: unordered, SQLite read the items by
    their index sequence, and every item not yet indexed came first (0.2 s with 744,000 of
    a million items waiting)."""
    processed = Feedback.objects.filter(workspace=workspace, processed_at__isnull=False)
    return processed.order_by("pk")[:MIN_ITEMS].count() >= MIN_ITEMS


def _match(
    workspace: Workspace,
    model: ThemeModel,
    rows: Sequence[tuple[int, str, str, int | None]],
    curated: set[int],
) -> list[int]:
    """The Theme row of each of the model's clusters: the old theme sharing most members
    (each old theme at most once, largest overlaps first; a curated one only when it holds
    half the cluster), else a new one. Old automatic themes left unmatched are deleted."""
    old = np.array([r[3] or 0 for r in rows], dtype=np.int64)
    new = np.empty(len(rows), dtype=np.int64)
    for index, cluster in enumerate(model.themes):
        new[cluster.members] = index
    has_old = old > 0
    pairs, overlap = np.unique(
        np.column_stack([new[has_old], old[has_old]]), axis=0, return_counts=True
    )
    sizes = np.bincount(new, minlength=len(model.themes))
    matched: dict[int, int] = {}
    for position in np.argsort(-overlap, kind="stable"):
        number, theme_id = int(pairs[position][0]), int(pairs[position][1])
        if number in matched or theme_id in matched.values():
            continue
        if theme_id not in curated or 2 * overlap[position] >= sizes[number]:
            matched[number] = theme_id
    existing = {t.pk: t for t in Theme.objects.filter(workspace=workspace, curated=False)}
    ids = []
    for index, found in enumerate(model.themes):
        target = matched.get(index)
        fields = {
            "label": found.label[:200] or "(no distinctive words)",
            "terms": list(found.terms),
            "representative_id": rows[found.representative][0],
        }
        if target is None:
            target = Theme.objects.create(workspace=workspace, **fields).pk
        elif target in existing:
            Theme.objects.filter(pk=target).update(**fields)
            existing.pop(target)
        movable = [
            rows[m][0] for m in found.members if rows[m][3] not in curated and rows[m][3] != target
        ]  # most items keep their theme: an UPDATE (and its tally trigger) only for those moving
        for start in range(0, len(movable), 5000):
            Feedback.objects.filter(pk__in=movable[start : start + 5000]).update(theme=target)
        ids.append(target)
    Theme.objects.filter(pk__in=list(existing)).delete()
    return ids


def _add_curated(workspace: Workspace, model: ThemeModel, theme_ids: set[int]) -> list[int]:
    """Give the model these curated themes, each as the centroid of (a sample of) its members.

    Its `members` stand for the theme's size only (they are not positions in the model's
    texts): the size weighs the centroid when new items join."""
    ids = []
    for theme in Theme.objects.filter(workspace=workspace, pk__in=theme_ids).order_by("pk"):
        texts = [
            item_text(title, text)
            for title, text in theme.feedback.exclude(status=ARCHIVED).values_list("title", "text")[
                :CENTROID_SAMPLE
            ]
        ]
        if not texts:
            continue
        centroid = normalize(model.embed(texts).mean(axis=0, keepdims=True))[0]
        size = theme.feedback.exclude(status=ARCHIVED).count()
        model.themes.append(ModelTheme(theme.label, tuple(theme.terms), -1, [-1] * size))
        model.centroids = np.vstack([model.centroids, centroid])
        ids.append(theme.pk)
    return ids


def start_recluster(access: Access) -> TaskProgress:
    """Queue a full re-cluster, with a progress page."""
    access.require(WRITE)
    from ..tasks import recluster_themes

    return background.start(
        access.workspace, access.user, "Re-cluster themes", recluster_themes,
        workspace_id=access.workspace.pk,
    )  # fmt: skip


# --- the team's changes ----------------------------------------------------------------------


def rename_theme(access: Access, theme: Theme, label: str) -> Theme:
    access.require(WRITE)
    clean = check.text(label, "label", 200, required=True)
    with transaction.atomic():
        before = theme.label
        theme.label = clean
        theme.curated = True
        theme.save(update_fields=["label", "curated", "updated_at"])
        activity.record(
            access.workspace, access.user, "theme.renamed", theme, {"label": [before, clean]}
        )
    return theme


def merge_themes(access: Access, theme: Theme, into: Theme) -> Theme:
    """Move `theme`'s items into `into` and delete `theme`; the model sends what would have
    joined `theme` to `into` from now on."""
    access.require(WRITE)
    if theme.pk == into.pk:
        raise Invalid(f"into: must differ from the theme itself ({theme.pk})")
    with transaction.atomic():
        state = _locked(access.workspace)
        Feedback.objects.filter(theme=theme).update(theme=into)
        state.theme_ids = [into.pk if i == theme.pk else i for i in state.theme_ids]
        state.save(update_fields=["theme_ids", "updated_at"])
        into.curated = True
        into.save(update_fields=["curated", "updated_at"])
        activity.record(
            access.workspace, access.user, "theme.merged", into, {"merged": [theme.label, None]}
        )
        theme.delete()
        refresh_sizes(access.workspace, {into.pk})
    into.refresh_from_db()
    return into


def split_theme(access: Access, theme: Theme, *, seed: int = 0) -> list[Theme]:
    """Cut a theme in two by clustering its own items; both halves are curated."""
    access.require(WRITE)
    rows = list(
        theme.feedback.exclude(status=ARCHIVED).order_by("pk").values_list("pk", "title", "text")
    )
    if len(rows) < 2:
        raise Invalid(f"theme: needs at least 2 items to split, has {len(rows)}")
    halves = cluster_themes([item_text(r[1], r[2]) for r in rows], k=2, seed=seed)
    if len(halves.themes) < 2:
        raise Invalid("theme: its items are all alike; there is nothing to split")
    with transaction.atomic():
        state = _locked(access.workspace)
        first, second = halves.themes[0], halves.themes[1]
        theme.curated = True
        theme.save(update_fields=["curated", "updated_at"])
        other = Theme.objects.create(
            workspace=access.workspace, label=second.label[:200] or f"{theme.label} (split)",
            terms=list(second.terms), representative_id=rows[second.representative][0],
            curated=True,
        )  # fmt: skip
        moved = [rows[m][0] for m in second.members]
        Feedback.objects.filter(pk__in=moved).update(theme=other)
        _split_in_model(
            state, theme, other, [rows[m] for m in first.members], [rows[m] for m in second.members]
        )
        activity.record(
            access.workspace, access.user, "theme.split", theme,
            {"split": [theme.label, other.label]},
        )  # fmt: skip
        refresh_sizes(access.workspace, {theme.pk, other.pk})
    theme.refresh_from_db()
    other.refresh_from_db()
    return [theme, other]


def _split_in_model(
    state: TextSettings, theme: Theme, other: Theme, kept: list[Any], moved: list[Any]
) -> None:
    """The model's centroid of `theme` becomes its kept half's; `other` joins the model."""
    model = load_model(state)
    if model is None or theme.pk not in state.theme_ids:
        return
    ids = list(state.theme_ids)
    centroids = [
        normalize(model.embed([item_text(r[1], r[2]) for r in half]).mean(axis=0, keepdims=True))[0]
        for half in (kept, moved)
    ]
    for index, theme_id in enumerate(ids):
        if theme_id == theme.pk:
            model.centroids[index] = centroids[0]
            model.themes[index].members = [-1] * len(kept)
    model.themes.append(ModelTheme(other.label, tuple(other.terms), -1, [-1] * len(moved)))
    model.centroids = np.vstack([model.centroids, centroids[1]])
    save_model(state, model, [*ids, other.pk])
    state.save(update_fields=["theme_model", "theme_ids", "updated_at"])


def move_to_theme(access: Access, feedback: Feedback, theme: Theme | None) -> Feedback:
    """The team puts an item into another theme (or none); the theme becomes curated."""
    access.require(WRITE)
    with transaction.atomic():
        before = feedback.theme
        feedback.theme = theme
        feedback.save(update_fields=["theme", "updated_at"])
        if theme is not None:
            Theme.objects.filter(pk=theme.pk).update(curated=True)
        changes = {"theme": [str(before) if before else None, str(theme) if theme else None]}
        activity.record(access.workspace, access.user, "feedback.theme_changed", feedback, changes)
        refresh_sizes(access.workspace, {t.pk for t in (before, theme) if t is not None})
    return feedback


# --- reading ---------------------------------------------------------------------------------


def theme_list(access: Access, *, min_size: int = 2) -> QuerySet[Theme]:
    """Themes, largest first; single-item themes (newly founded) only when min_size is 1."""
    return (
        Theme.objects.filter(workspace=access.workspace, size__gte=min_size)
        .select_related("representative")
        .order_by("-size", "label", "id")
    )


UNITS = {"week": TruncWeek, "month": TruncMonth}


def trend(theme: Theme, unit: str = "week") -> list[tuple[date, int]]:
    """Open items of the theme per week or month of receipt, oldest first; every period from
    the first to the current one (or the last item's, if later) is there, an empty one as 0, so
    a chart shows the gaps as gaps, and a theme that went quiet ends at 0, not at its last
    item's count."""
    check.choice(unit, "unit", tuple(UNITS))
    rows = (
        theme.feedback.exclude(status=ARCHIVED)
        .annotate(period=UNITS[unit]("received_at"))
        .order_by("period")
        .values_list("period")
        .annotate(n=Count("id"))
    )
    counts = {_day(period): n for period, n in rows}
    if not counts:
        return []
    days, last = [min(counts)], max(max(counts), _period(timezone.localdate(), unit))
    while days[-1] < last:
        days.append(_next(days[-1], unit))
    return [(day, counts.get(day, 0)) for day in days]


def _period(day: date, unit: str) -> date:
    """The first day of the week (Monday, as the database truncates) or month of `day`."""
    if unit == "week":
        return day - timedelta(days=day.weekday())
    return day.replace(day=1)


def _next(day: date, unit: str) -> date:
    """The first day of the period after the one starting on `day`."""
    if unit == "week":
        return day + timedelta(days=7)
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _day(value: Any) -> date:
    return value.date() if hasattr(value, "date") else value

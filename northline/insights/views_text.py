"""Pages of processing: the "why" on a feedback page (confidences, similar items with scores)
and its corrections, the themes and a theme (trend, rename, split, merge), and the
workspace's processing settings (tier, models, retraining)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from northline.core import charts
from northline.core.access import Access
from northline.core.errors import DomainError
from northline.core.pages import workspace_for
from northline.core.roles import MANAGE, WRITE
from northline.insights.text.tiers import TIERS

from . import views as base
from .models import Feedback, TextModel, Theme, label_name
from .services import encoders, learning, processing, retraining, similarity, themes

NEW_CATEGORY = "__new__"


def text_context(access: Access, feedback: Feedback, problem: DomainError | None) -> dict[str, Any]:
    """What the feedback page shows of processing."""
    state = similarity.settings_of(access.workspace)
    similar, features = processing.related(access, feedback)
    return {
        "similar": similar, "similar_features": features, "processing_problem": problem,
        "type_choices": learning.labels_of(state.categories, "type"),
        "sentiment_choices": learning.SENTIMENTS,
        "theme_choices": Theme.objects.filter(workspace=access.workspace).order_by("label")[:200],
        "duplicate_threshold": state.duplicate_threshold,
    }  # fmt: skip


def filter_choices(access: Access) -> dict[str, Any]:
    """Options of the inbox's processing filters."""
    state = similarity.settings_of(access.workspace)
    return {
        "type_choices": learning.labels_of(state.categories, "type"),
        "sentiment_choices": learning.SENTIMENTS,
        "themes": themes.theme_list(access)[:100],
    }


def _after(
    request: HttpRequest, access: Access, feedback: Feedback, action: Any, done: str
) -> HttpResponse:
    """Run a correction; back to the page, or the page again (422) with the error."""
    try:
        action()
    except DomainError as error:
        feedback.refresh_from_db()
        return base.detail(request, access, feedback, 422, processing_problem=error)
    messages.success(request, done)
    return redirect(feedback.get_absolute_url() + "#processing")


@login_required
@require_POST
def correct_type(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = base.load(request, slug, pk, write=True)
    value = request.POST.get("type", "")
    if value == NEW_CATEGORY:
        value = request.POST.get("new_type", "")
    return _after(
        request, access, feedback,
        lambda: retraining.correct(access, feedback, "type", value), "Type corrected.",
    )  # fmt: skip


@login_required
@require_POST
def correct_sentiment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = base.load(request, slug, pk, write=True)
    value = request.POST.get("sentiment", "")
    return _after(
        request, access, feedback,
        lambda: retraining.correct(access, feedback, "sentiment", value), "Sentiment corrected.",
    )  # fmt: skip


@login_required
@require_POST
def merge_duplicate(request: HttpRequest, slug: str, pk: int, other: int) -> HttpResponse:
    access, feedback = base.load(request, slug, pk, write=True)
    original = access.get(Feedback, pk=other)
    return _after(
        request, access, feedback,
        lambda: retraining.merge_duplicate(access, feedback, original),
        f"Merged as a duplicate of feedback {original.pk}.",
    )  # fmt: skip


@login_required
@require_POST
def dismiss_duplicate(request: HttpRequest, slug: str, pk: int, other: int) -> HttpResponse:
    access, feedback = base.load(request, slug, pk, write=True)
    pair = access.get(Feedback, pk=other)
    return _after(
        request, access, feedback,
        lambda: retraining.dismiss_duplicate(access, feedback, pair), "Not a duplicate: noted.",
    )  # fmt: skip


@login_required
@require_POST
def move_theme(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access, feedback = base.load(request, slug, pk, write=True)
    chosen = request.POST.get("theme", "")
    theme = access.get(Theme, pk=chosen) if chosen else None
    return _after(
        request, access, feedback,
        lambda: themes.move_to_theme(access, feedback, theme), "Theme changed.",
    )  # fmt: skip


# --- themes ----------------------------------------------------------------------------------


@login_required
def themes_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    everything = request.GET.get("all") == "1"
    rows = list(themes.theme_list(access, min_size=1 if everything else 2)[:200])
    chart = charts.bar_chart(
        [(t.label, t.size, t.get_absolute_url()) for t in rows[:15]], value_label="items"
    )
    hidden = Theme.objects.filter(workspace=access.workspace, size__lt=2).count()
    context = base.page_context(
        access, "themes", themes=rows, chart=chart, everything=everything,
        hidden=0 if everything else hidden,
    )  # fmt: skip
    return render(request, "insights/themes.html", context)


def theme_detail(
    request: HttpRequest, access: Access, theme: Theme, status: int = 200, problem: Any = None
) -> HttpResponse:
    unit = request.GET.get("unit", "week")
    unit = unit if unit in themes.UNITS else "week"
    points = themes.trend(theme, unit)
    chart = charts.line_chart([(theme.label, points)], y_label="items", x_label=unit)
    newest = theme.feedback.exclude(status=Feedback.Status.ARCHIVED).select_related("customer")
    others = Theme.objects.filter(workspace=access.workspace).exclude(pk=theme.pk)
    context = base.page_context(
        access, "themes", theme=theme, chart=chart, unit=unit, points=points,
        items=newest.order_by("-received_at", "-id")[:50], others=others.order_by("label")[:200],
        problem=problem,
    )  # fmt: skip
    return render(request, "insights/theme.html", context, status=status)


@login_required
def theme_page(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    access = workspace_for(request, slug)
    return theme_detail(request, access, access.get(Theme, pk=pk))


def _theme_action(request: HttpRequest, slug: str, pk: int, act: Any, done: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    theme = access.get(Theme, pk=pk)
    try:
        target = act(access, theme)
    except DomainError as error:
        theme.refresh_from_db()
        return theme_detail(request, access, theme, 422, error)
    messages.success(request, done)
    return redirect(target.get_absolute_url())


@login_required
@require_POST
def theme_rename(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    label = request.POST.get("label", "")
    return _theme_action(
        request, slug, pk, lambda a, t: themes.rename_theme(a, t, label), "Theme renamed."
    )


@login_required
@require_POST
def theme_split(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _theme_action(
        request, slug, pk, lambda a, t: themes.split_theme(a, t)[0], "Theme split in two."
    )


@login_required
@require_POST
def theme_merge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    def merge(access: Access, theme: Theme) -> Theme:
        into = access.get(Theme, pk=request.POST.get("into", ""))
        return themes.merge_themes(access, theme, into)

    return _theme_action(request, slug, pk, merge, "Themes merged.")


@login_required
@require_POST
def themes_recluster(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    progress = themes.start_recluster(access)
    return redirect("core:task", slug, progress.pk)


# --- settings --------------------------------------------------------------------------------


def settings_detail(
    request: HttpRequest, access: Access, status: int = 200, problem: Any = None
) -> HttpResponse:
    state = similarity.settings_of(access.workspace)
    encoder = TextModel.objects.filter(
        workspace=access.workspace, task=encoders.TASK, version=state.encoder_version
    ).select_related("trained_by")
    context = base.page_context(
        access, "processing", state=state, tiers=TIERS,
        semantic_problem=processing.semantic_problem(), encoder=encoder.first(),
        encoder_problem=retraining.encoder_problem(access.workspace, state),
        retrain_after_merges=encoders.RETRAIN_AFTER_MERGES, min_clusters=encoders.MIN_CLUSTERS,
        min_items=encoders.MIN_ITEMS, adapt_growth=encoders.ADAPT_GROWTH,
        models=TextModel.objects.filter(workspace=access.workspace).select_related("trained_by")[:20],
        can_manage=access.can(MANAGE), problem=problem, seed_count=len(learning.seed()),
        categories=[label_name(c) for c in state.categories],
        corrections=retraining.corrections(state), retrain_after=retraining.RETRAIN_AFTER,
        retraining=retraining.in_flight(access.workspace),
    )  # fmt: skip
    return render(request, "insights/processing.html", context, status=status)


@login_required
def processing_page(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug)
    if request.method == "POST":
        access = workspace_for(request, slug, MANAGE)
        try:
            processing.set_tier(access, request.POST.get("tier", ""))
        except DomainError as error:
            return settings_detail(request, access, 422, error)
        messages.success(request, "Tier saved; every item is being processed again.")
        return redirect("insights:processing", slug)
    return settings_detail(request, access)


@login_required
@require_POST
def processing_retrain(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, WRITE)
    try:
        progress = retraining.start_retraining(access, request.POST.get("task", ""))
    except DomainError as error:
        return settings_detail(request, access, 422, error)
    return redirect("core:task", slug, progress.pk)


@login_required
@require_POST
def processing_retrain_encoder(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    try:
        progress = retraining.start_encoder_retraining(access)
    except DomainError as error:
        return settings_detail(request, access, 422, error)
    return redirect("core:task", slug, progress.pk)


@login_required
@require_POST
def processing_reprocess(request: HttpRequest, slug: str) -> HttpResponse:
    access = workspace_for(request, slug, MANAGE)
    count = processing.reprocess(access)
    messages.success(request, f"{count} items queued for processing.")
    return redirect("insights:processing", slug)

"""Themes: clustered once enough items are processed, grown as items arrive, kept across
re-clustering when the team renamed, split or merged them; pages with a trend chart; API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from northline.insights.models import Feedback, Theme
from northline.insights.services import feedback as service
from northline.insights.services import similarity, themes
from tests.conftest import Team
from tests.insights.processing_helpers import Commits, add, expected
from tests.personas import EDITORS, EVERYONE, PERSONAS, call, error

pytestmark = pytest.mark.django_db

DARK = [
    "Please add a dark mode to the mobile app",
    "Dark mode for the mobile app please",
    "A dark theme would be easier on the eyes at night",
    "Night mode with a dark background in the app",
    "My eyes hurt, I need a dark mode",
    "Dark mode on the mobile app would be great",
]
EXPORT = [
    "Export of reports to CSV fails",
    "The CSV export of the reports is broken",
    "I cannot export my reports to CSV or Excel",
    "Export reports to Excel please",
    "CSV export drops the last column of the report",
    "Exporting a report to CSV takes forever",
]


@pytest.fixture
def clustered(team: Team, commits: Commits) -> dict[str, list[Feedback]]:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    items = [
        {"text": t, "received_at": (start + timedelta(days=9 * i)).isoformat()}
        for i, t in enumerate(DARK + EXPORT)
    ]
    with commits():
        result = service.import_feedback(team.access("editor"), items)
    rows = list(Feedback.objects.filter(pk__in=result.ids).order_by("pk"))
    return {"dark": rows[: len(DARK)], "export": rows[len(DARK) :]}


def theme_of(items: list[Feedback]) -> set[int | None]:
    return set(
        Feedback.objects.filter(pk__in=[f.pk for f in items]).values_list("theme", flat=True)
    )


def test_a_first_clustering_separates_the_needs(clustered: dict[str, list[Feedback]]) -> None:
    dark, export = theme_of(clustered["dark"]), theme_of(clustered["export"])
    assert len(dark) == 1 and None not in dark and None not in export and not dark & export
    theme = Theme.objects.get(pk=next(iter(dark)))
    assert theme.size == 6 and "dark" in theme.label
    assert theme.representative in clustered["dark"]


def test_too_few_items_make_no_themes(team: Team, commits: Commits) -> None:
    for text in DARK[: themes.MIN_ITEMS - 2]:
        add(team, commits, text)
    assert not Theme.objects.exists()
    assert Feedback.objects.filter(theme__isnull=False).count() == 0


def test_a_new_item_joins_the_nearest_theme(
    team: Team, commits: Commits, clustered: dict[str, list[Feedback]]
) -> None:
    new = add(team, commits, "Please, a dark mode for the mobile app")
    assert {new.theme_id} == theme_of(clustered["dark"])
    assert new.theme.size == 7
    assert similarity.settings_of(team.workspace).themes_assigned == 1


def test_drift_reclusters(
    team: Team, commits: Commits, clustered: dict[str, list[Feedback]]
) -> None:
    state = similarity.settings_of(team.workspace)
    for text in ["Offline mode for travelling", "Offline access on the plane", "Work offline please",
                 "Offline mode when there is no network", "Offline sync of my data", "Let me use the app offline",
                 "Offline mode for the mobile app"]:  # fmt: skip
        add(team, commits, text)
    state.refresh_from_db()
    assert state.themes_assigned < 7 and state.themes_clustered > 12  # re-clustered on the way


def test_a_renamed_theme_survives_reclustering(
    team: Team, clustered: dict[str, list[Feedback]]
) -> None:
    theme = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    themes.rename_theme(team.access("editor"), theme, "Dark mode")
    themes.recluster(team.workspace, seed=3)
    theme.refresh_from_db()
    assert theme.label == "Dark mode" and theme.curated and theme.size == 6
    assert theme_of(clustered["dark"]) == {theme.pk}


def test_an_automatic_theme_keeps_its_id_across_reclustering(
    team: Team, clustered: dict[str, list[Feedback]]
) -> None:
    before = theme_of(clustered["export"])
    with CaptureQueriesContext(connection) as queries:
        themes.recluster(team.workspace, seed=7)
    assert theme_of(clustered["export"]) == before
    # items that keep their theme are not written again (each write also runs the tally trigger)
    moved = [q["sql"] for q in queries if q["sql"].startswith('UPDATE "insights_feedback"')]
    assert moved == []


def test_split_and_merge(team: Team, clustered: dict[str, list[Feedback]]) -> None:
    dark = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    halves = themes.split_theme(team.access("editor"), dark)
    assert len(halves) == 2 and sum(t.size for t in halves) == 6
    assert all(t.curated for t in halves) and min(t.size for t in halves) >= 1
    merged = themes.merge_themes(team.access("editor"), halves[1], halves[0])
    assert merged.size == 6 and not Theme.objects.filter(pk=halves[1].pk).exists()
    assert theme_of(clustered["dark"]) == {halves[0].pk} == {dark.pk}
    themes.recluster(team.workspace)
    assert theme_of(clustered["dark"]) == {dark.pk}
    assert not theme_of(clustered["export"]) & {dark.pk}


def test_new_items_still_join_a_curated_theme(
    team: Team, commits: Commits, clustered: dict[str, list[Feedback]]
) -> None:
    theme = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    themes.rename_theme(team.access("editor"), theme, "Dark mode")
    themes.recluster(team.workspace)
    new = add(team, commits, "Dark mode in the mobile app, please")
    assert new.theme_id == theme.pk


@pytest.mark.parametrize(
    ("action", "message"),
    [
        ("rename-empty", "label: must not be empty"),
        ("merge-self", "into: must differ from the theme itself ({pk})"),
    ],
)
def test_bad_theme_changes(
    team: Team, clustered: dict[str, list[Feedback]], action: str, message: str
) -> None:
    theme = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    w = f"/api/v1/workspaces/{team.workspace.slug}/themes/{theme.pk}"
    client = team.client("editor")
    if action == "rename-empty":
        response = call(client, "patch", w, {"label": "  "})
    else:
        response = call(client, "post", f"{w}/merge", {"into": theme.pk})
    assert response.status_code == 422
    assert response.json() == error(422, message.format(pk=theme.pk))
    theme.refresh_from_db()
    assert not theme.curated and theme.size == 6


def test_a_single_item_cannot_be_split(team: Team, clustered: dict[str, list[Feedback]]) -> None:
    theme = Theme.objects.create(workspace=team.workspace, label="Lonely")
    Feedback.objects.filter(pk=clustered["dark"][0].pk).update(theme=theme)
    response = call(
        team.client("editor"),
        "post",
        f"/api/v1/workspaces/{team.workspace.slug}/themes/{theme.pk}/split",
    )
    assert response.json() == error(422, "theme: needs at least 2 items to split, has 1")


def test_trend_per_week_and_month(team: Team, clustered: dict[str, list[Feedback]]) -> None:
    theme = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    months = themes.trend(theme, "month")
    assert sum(n for _, n in months) == 6 and months[0][0] == date(2025, 1, 1)
    assert sum(n for _, n in months[:2]) == 6 and {n for _, n in months[2:]} == {0}
    # the theme went quiet in February 2025: the chart runs on to this month, at 0
    today = timezone.localdate()
    assert months[-1][0] == today.replace(day=1)
    weeks = themes.trend(theme, "week")
    assert sum(n for _, n in weeks) == 6 and all(d.weekday() == 0 for d, _ in weeks)
    assert weeks[-1] == (today - timedelta(days=today.weekday()), 0)
    # items 9 days apart leave some weeks empty: they are there, as 0, one week after another
    steps = {b - a for (a, _), (b, _) in pairwise(weeks)}
    assert steps == {timedelta(days=7)}
    assert 0 in [n for _, n in weeks[:8]] and weeks[0][1] > 0
    body = (
        team.client("viewer")
        .get(f"/api/v1/workspaces/{team.workspace.slug}/themes/{theme.pk}?unit=month")
        .json()
    )
    assert body["trend"] == [{"period": d.isoformat(), "items": n} for d, n in months]
    assert len(body["items"]) == 6 and body["size"] == 6
    bad = team.client("viewer").get(
        f"/api/v1/workspaces/{team.workspace.slug}/themes/{theme.pk}?unit=year"
    )
    assert bad.json() == error(422, "unit: 'year' is not one of week, month")


def test_themes_pages(team: Team, clustered: dict[str, list[Feedback]]) -> None:
    theme = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/themes/")
    html = page.content.decode()
    assert page.status_code == 200 and theme.label in html and "<svg" in html
    detail = team.client("viewer").get(theme.get_absolute_url() + "?unit=month")
    assert detail.status_code == 200 and "<svg" in detail.content.decode()
    assert "Rename" not in detail.content.decode()
    inbox = team.client("viewer").get(
        f"/w/{team.workspace.slug}/insights/", {"theme": theme.pk, "status": "all"}
    )
    assert sorted(f.pk for f in inbox.context["page"].rows) == sorted(
        f.pk for f in clustered["dark"]
    )


def test_rename_page_shows_errors(team: Team, clustered: dict[str, list[Feedback]]) -> None:
    theme = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    bad = team.client("editor").post(f"{theme.get_absolute_url()}rename/", {"label": ""})
    assert bad.status_code == 422 and "label: must not be empty" in bad.content.decode()
    terms = f'<small class="muted">{", ".join(theme.terms)}</small>'
    listed = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/themes/")
    assert terms not in listed.content.decode()  # the label is the terms: not repeated below
    good = team.client("editor").post(f"{theme.get_absolute_url()}rename/", {"label": "Night mode"})
    assert good.status_code == 302
    theme.refresh_from_db()
    assert theme.label == "Night mode"
    renamed = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/themes/")
    assert "Night mode" in renamed.content.decode() and terms in renamed.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_themes_api_for_each_persona(
    team: Team, commits: Commits, clustered: dict[str, list[Feedback]], persona: str
) -> None:
    dark = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    export = Theme.objects.get(pk=next(iter(theme_of(clustered["export"]))))
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    client = team.client(persona)
    reads = [client.get(f"{w}/themes"), client.get(f"{w}/themes/{dark.pk}")]
    for response in reads:
        assert response.status_code == expected(persona, EVERYONE, 200)
    with commits():
        writes = [
            (call(client, "patch", f"{w}/themes/{dark.pk}", {"label": "Dark mode"}), 200),
            (
                call(
                    client,
                    "put",
                    f"{w}/feedback/{clustered['dark'][0].pk}/theme",
                    {"theme": export.pk},
                ),
                200,
            ),
            (call(client, "post", f"{w}/themes/{export.pk}/split"), 200),
            (call(client, "post", f"{w}/themes/recluster"), 202),
        ]
    for response, ok in writes:
        assert response.status_code == expected(persona, EDITORS, ok), response.content
    dark.refresh_from_db()
    assert (dark.label == "Dark mode") == (persona in EDITORS)


def test_theme_of_another_workspace_is_404(
    team: Team, clustered: dict[str, list[Feedback]]
) -> None:
    theme = Theme.objects.get(pk=next(iter(theme_of(clustered["dark"]))))
    response = team.client("outsider").get(theme.get_absolute_url())
    assert response.status_code == 404


def test_every_processing_verb_has_a_phrase(
    team: Team, commits: Commits, clustered: dict[str, list[Feedback]]
) -> None:
    from northline.core.models import Activity
    from northline.insights.services import processing, retraining

    access = team.access("owner")
    dark, export = clustered["dark"], clustered["export"]
    retraining.correct(access, dark[0], "type", "design")
    retraining.correct(access, dark[0], "sentiment", "positive")
    retraining.merge_duplicate(access, dark[1], dark[0])
    retraining.dismiss_duplicate(access, dark[2], export[0])
    theme = Theme.objects.get(pk=dark[3].theme_id)
    themes.move_to_theme(access, export[1], theme)
    themes.rename_theme(access, theme, "Dark mode")
    halves = themes.split_theme(access, theme)
    themes.merge_themes(access, halves[1], halves[0])
    wanted = set(processing.PHRASES) - {  # test_encoder's own
        "processing.encoder_trained", "processing.encoder_adapted",
    }  # fmt: skip
    if processing.semantic_problem():  # no other tier to switch to here
        wanted.discard("processing.tier_changed")
    else:
        processing.set_tier(access, "semantic")
    verbs = set(Activity.objects.values_list("verb", flat=True))
    assert verbs - {"feedback.imported", "workspace.created"} == wanted
    assert all(Activity(verb=v).phrase == processing.PHRASES[v] for v in wanted)


def test_a_queued_recluster_runs_only_when_due(
    team: Team, commits: Commits, clustered: dict[str, list[Feedback]]
) -> None:
    state = similarity.settings_of(team.workspace)
    model, clustered_at = bytes(state.theme_model), state.themes_clustered
    add(team, commits, "Please, a dark mode for the mobile app")  # one item: drift 1/12
    assert themes.recluster(team.workspace, when_due=True) == Theme.objects.count()
    state.refresh_from_db()
    assert (state.themes_assigned, state.themes_clustered) == (1, clustered_at)
    assert bytes(state.theme_model) != model  # the new item joined the kept model
    themes.recluster(team.workspace)  # asked for by the team: always
    state.refresh_from_db()
    assert (state.themes_assigned, state.themes_clustered) == (0, clustered_at + 1)

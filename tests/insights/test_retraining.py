"""Corrections retrain the workspace's models: a new category ("billing") is learnt from a
handful of corrected items, versions are stored with who and on how many labels, unlabelled
items are predicted again; merged and dismissed duplicates set the duplicate threshold."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from northline.core.models import TaskProgress
from northline.insights.models import DuplicateVerdict, Feedback, TextModel
from northline.insights.services import learning, processing, retraining, similarity
from northline.insights.tasks import retrain_classifier
from northline.insights.text.thresholds import carried_threshold, duplicate_threshold
from tests.conftest import Team
from tests.insights.conftest import DATABASE
from tests.insights.processing_helpers import Commits, add, expected
from tests.personas import EDITORS, PERSONAS, call, error

pytestmark = pytest.mark.django_db

BILLING = [
    "I was charged twice for my subscription this month",
    "The invoice shows the wrong VAT number",
    "Please refund the extra payment on my credit card",
    "Why did my bill go up? The invoice total is wrong",
    "Payment failed but the card was charged anyway",
]


def api(team: Team) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}"


def test_the_seed_model_does_not_know_billing(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "My invoice was charged twice, please refund the payment")
    assert fb.kind in learning.TYPES and fb.kind != "billing"
    assert "billing" not in learning.seed_classifier("type", "lexical").labels


def test_a_new_category_is_learnt_from_corrections(team: Team, commits: Commits) -> None:
    items = [add(team, commits, text) for text in BILLING]
    waiting = add(team, commits, "My invoice was charged twice, please refund the payment")
    assert waiting.kind != "billing"
    with commits():
        for fb in items:
            response = call(
                team.client("editor"),
                "put",
                f"{api(team)}/feedback/{fb.pk}/type",
                {"type": "Billing"},
            )
            assert response.status_code == 200, response.content
            assert response.json()["type"] == {
                "value": "billing",
                "confidence": 1.0,
                "by_team": True,
            }
    model = TextModel.objects.get(workspace=team.workspace, task="type")
    assert (model.version, model.team_labels, model.seed_labels) == (1, 5, len(learning.seed()))
    assert "billing" in model.labels and model.trained_by == team.editor
    waiting.refresh_from_db()
    assert waiting.kind == "billing" and not waiting.kind_by_team
    new = add(team, commits, "Refund please: the invoice charged my card twice")
    assert new.kind == "billing"
    progress = TaskProgress.objects.get()
    assert progress.status == "succeeded" and progress.result["labels"] == model.labels
    assert progress.result["repredicted"] == 1  # the one item the team did not label


def test_corrections_count_until_a_retraining(team: Team, commits: Commits) -> None:
    fb = add(team, commits, BILLING[0])
    with commits():
        for _ in range(retraining.RETRAIN_AFTER - 1):
            retraining.correct(team.access("editor"), fb, "type", "billing")
    assert not TextModel.objects.exists()
    assert retraining.corrections(similarity.settings_of(team.workspace)) == {
        "type": 4, "sentiment": 0,
    }  # fmt: skip
    assert similarity.settings_of(team.workspace).categories == ["billing"]


def test_each_task_retrains_after_its_own_corrections(team: Team, commits: Commits) -> None:
    """Type and sentiment corrections count apart: four of each retrain nothing; the fifth of
    types retrains the type model only, and its count starts again while sentiment's stays."""
    fb = add(team, commits, BILLING[0])
    editor = team.access("editor")
    with commits():
        for _ in range(retraining.RETRAIN_AFTER - 1):
            retraining.correct(editor, fb, "type", "billing")
            retraining.correct(editor, fb, "sentiment", "negative")
    assert not TextModel.objects.exists()
    with commits():
        retraining.correct(editor, fb, "type", "billing")
    assert list(TextModel.objects.values_list("task", flat=True)) == ["type"]
    assert retraining.corrections(similarity.settings_of(team.workspace)) == {
        "type": 0, "sentiment": 4,
    }  # fmt: skip
    body = team.client("viewer").get(f"{api(team)}/processing").json()
    assert body["corrections_since_training"] == {"type": 0, "sentiment": 4}
    assert body["retrain_after"] == retraining.RETRAIN_AFTER
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/processing/")
    assert '<span id="corrections">type 0, sentiment 4</span>' in page.content.decode()


def test_a_retraining_on_demand_starts_its_count_again(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "Great app, thank you so much")
    with commits():
        for _ in range(2):
            retraining.correct(team.access("editor"), fb, "sentiment", "positive")
        retraining.correct(team.access("editor"), fb, "type", "praise")
        call(
            team.client("editor"), "post", f"{api(team)}/processing/retrain", {"task": "sentiment"}
        )
    assert retraining.corrections(similarity.settings_of(team.workspace)) == {
        "type": 1, "sentiment": 0,
    }  # fmt: skip


def test_retraining_on_demand_stores_a_new_version(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "Great app, thank you so much")
    retraining.correct(team.access("editor"), fb, "sentiment", "positive")
    with commits():
        first = call(
            team.client("editor"), "post", f"{api(team)}/processing/retrain", {"task": "sentiment"}
        )
        call(team.client("admin"), "post", f"{api(team)}/processing/retrain", {"task": "sentiment"})
    assert first.status_code == 202 and first.json()["status"] == "succeeded"  # ran at once
    versions = list(
        TextModel.objects.filter(task="sentiment").values_list("version", "trained_by__email")
    )
    assert versions == [(2, "admin@example.com"), (1, "editor@example.com")]
    assert learning.classifier_for(team.workspace, "sentiment", "lexical")[1] == 2
    body = team.client("viewer").get(f"{api(team)}/processing").json()
    assert [m["version"] for m in body["models"]] == [2, 1]
    assert body["models"][0]["team_labels"] == 1


def test_a_retraining_waiting_in_the_queue_is_not_queued_twice(
    team: Team, commits: Commits, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fb = add(team, commits, BILLING[0])
    settings.TASKS = DATABASE  # queued for a worker that is not running
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3 * retraining.RETRAIN_AFTER):  # three retrainings fall due
            retraining.correct(team.access("editor"), fb, "type", "billing")
    queued = DBTaskResult.objects.filter(task_path=retrain_classifier.module_path)
    assert queued.count() == 1
    waiting = TaskProgress.objects.get()
    response = call(
        team.client("admin"), "post", f"{api(team)}/processing/retrain", {"task": "type"}
    )
    assert (response.status_code, response.json()["id"]) == (202, waiting.pk)
    assert queued.count() == 1
    sentiment = retraining.start_retraining(team.access("editor"), "sentiment")  # another model
    assert sentiment.pk != waiting.pk and queued.count() == 2
    # once the worker has started it, it may have read the corrections before the newest one
    queued.update(status=TaskResultStatus.RUNNING)
    again = retraining.start_retraining(team.access("editor"), "type")
    assert again.pk not in {waiting.pk, sentiment.pk} and queued.count() == 3


def test_the_processing_page_shows_a_retraining_until_it_ends(
    team: Team, commits: Commits, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    fb = add(team, commits, BILLING[0])
    page_url = f"/w/{team.workspace.slug}/insights/processing/"
    assert 'id="retraining"' not in team.client("viewer").get(page_url).content.decode()
    assert team.client("viewer").get(f"{api(team)}/processing").json()["retraining"] == []
    settings.TASKS = DATABASE  # queued for a worker that is not running
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(retraining.RETRAIN_AFTER):
            retraining.correct(team.access("editor"), fb, "type", "billing")
    waiting = TaskProgress.objects.get()
    body = team.client("viewer").get(f"{api(team)}/processing").json()["retraining"]
    assert [(t["id"], t["title"], t["status"]) for t in body] == [
        (waiting.pk, "Retrain the type model", "queued")
    ]
    assert body[0]["url"].endswith(f"/w/{team.workspace.slug}/tasks/{waiting.pk}/")
    html = team.client("viewer").get(page_url).content.decode()
    assert "Retrain the type model</a>: waiting for the worker (last change" in html
    assert ">just now</time>" in html  # not "0 minutes ago"
    an_hour_ago = timezone.now() - timedelta(hours=1)  # a worker that stopped mid-way
    TaskProgress.objects.filter(pk=waiting.pk).update(
        status="running", percent=40, updated_at=an_hour_ago
    )
    html = team.client("viewer").get(page_url).content.decode()
    assert "Retrain the type model</a>: running, 40% (last change <time" in html
    assert ">1\xa0hour ago</time>" in html
    TaskProgress.objects.filter(pk=waiting.pk).update(status="succeeded", percent=100)
    assert 'id="retraining"' not in team.client("viewer").get(page_url).content.decode()
    assert team.client("outsider").get(page_url).status_code == 404


CRASHES_AS_COMPLAINTS = [
    "The app crashes when I open a large board",
    "Crashes again after the update, tired of this",
    "It crashed twice during my demo today",
    "The mobile app crashes on every launch",
    "Another crash while exporting, this keeps happening",
    "Crashed in the middle of a meeting, really annoying",
    "The web app crashes when I scroll the timeline",
    "Yet another crash when I upload a photo",
]


def test_the_teams_reading_of_a_word_wins_over_the_seed_sets(team: Team, commits: Commits) -> None:
    """The seed set files crash reports as bugs; a team that files them as complaints gets
    complaints after one retraining on 8 labels, because its labels are the model's own domain
    and the seed set only background (decision 0048). Trained as one flat set, the seed set's
    crash bugs outvote the 8 and every new crash report below stays a bug."""
    new = ["The desktop app crashes when I paste an image", "Crash on startup since Monday"]
    assert [add(team, commits, text).kind for text in new] == ["bug", "bug"]
    items = [add(team, commits, text) for text in CRASHES_AS_COMPLAINTS]
    with commits():
        for fb in items:
            retraining.correct(team.access("editor"), fb, "type", "complaint")
        retraining.start_retraining(team.access("editor"), "type")
    model = TextModel.objects.filter(workspace=team.workspace, task="type").latest("version")
    assert (model.team_labels, model.seed_labels) == (8, len(learning.seed()))
    later = [add(team, commits, text) for text in [*new, "crashes whenever I sync my calendar"]]
    assert [fb.kind for fb in later] == ["complaint"] * 3
    assert Feedback.objects.get(text=new[0], pk__lt=items[0].pk).kind == "complaint"  # re-predicted


def test_a_corrected_item_keeps_its_label_when_retrained(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "The app crashes on start")
    retraining.correct(team.access("editor"), fb, "type", "question")
    with commits():
        retraining.start_retraining(team.access("editor"), "type")
    fb.refresh_from_db()
    assert (fb.kind, fb.kind_confidence, fb.kind_by_team) == ("question", 1.0, True)


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("type", {"type": "  "}, "type: must start with a letter and hold only letters, digits and spaces (at most 40), got '  '"),
        ("type", {"type": "9 lives"}, "type: must start with a letter and hold only letters, digits and spaces (at most 40), got '9 lives'"),
        ("type", {"type": "x" * 41}, f"type: must start with a letter and hold only letters, digits and spaces (at most 40), got '{'x' * 41}'"),
        ("sentiment", {"sentiment": "angry"}, "sentiment: expected one of positive, neutral, negative, got 'angry'"),
    ],
)  # fmt: skip
def test_bad_corrections(team: Team, commits: Commits, path: str, body: Any, message: str) -> None:
    fb = add(team, commits, "The app crashes on start")
    response = call(team.client("editor"), "put", f"{api(team)}/feedback/{fb.pk}/{path}", body)
    assert response.status_code == 422 and response.json() == error(422, message)
    fb.refresh_from_db()
    assert not fb.kind_by_team and not fb.sentiment_by_team
    assert similarity.settings_of(team.workspace).categories == []


def test_a_bad_retraining_task_is_refused(team: Team) -> None:
    response = call(
        team.client("editor"), "post", f"{api(team)}/processing/retrain", {"task": "mood"}
    )
    assert response.json() == error(422, "task: expected type or sentiment, got 'mood'")
    assert not TaskProgress.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_corrections_for_each_persona(team: Team, commits: Commits, persona: str) -> None:
    fb = add(team, commits, "Dark mode please")
    other = add(team, commits, "Please add a dark mode")
    w = api(team)
    table = [
        ("put", f"{w}/feedback/{fb.pk}/type", {"type": "bug"}),
        ("put", f"{w}/feedback/{fb.pk}/sentiment", {"sentiment": "negative"}),
        ("post", f"{w}/feedback/{fb.pk}/not-duplicate", {"other": other.pk}),
        ("post", f"{w}/feedback/{fb.pk}/duplicate-of", {"original": other.pk}),
        ("post", f"{w}/processing/retrain", {"task": "type"}),
    ]
    for method, url, body in table:
        response = call(team.client(persona), method, url, body)
        ok = 202 if url.endswith("retrain") else 200
        assert response.status_code == expected(persona, EDITORS, ok), (url, response.content)
    fb.refresh_from_db()
    assert fb.kind_by_team == (persona in EDITORS)
    assert (fb.duplicate_of_id == other.pk) == (persona in EDITORS)


def test_correction_pages_for_each_persona(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "Dark mode please")
    url = f"/w/{team.workspace.slug}/insights/feedback/{fb.pk}/type/"
    for persona in PERSONAS:
        response = team.client(persona).post(url, {"type": "__new__", "new_type": "Design"})
        assert response.status_code == expected(persona, EDITORS, 302, page=True), persona
    fb.refresh_from_db()
    assert fb.kind == "design" and fb.kind_by_team
    bad = team.client("editor").post(url, {"type": "__new__", "new_type": ""})
    assert bad.status_code == 422
    assert "type: must start with a letter" in bad.content.decode()


# --- duplicates ------------------------------------------------------------------------------


def test_merging_archives_the_duplicate_and_learns_the_threshold(
    team: Team, commits: Commits
) -> None:
    first = add(team, commits, "Please add a dark mode to the mobile app")
    again = add(team, commits, "Dark mode for the mobile app please")
    add(team, commits, "The export to CSV crashes")
    score = processing.related(team.access("viewer"), again)[0][0].score
    response = call(
        team.client("editor"),
        "post",
        f"{api(team)}/feedback/{again.pk}/duplicate-of",
        {"original": first.pk},
    )
    assert response.status_code == 200 and response.json()["duplicate_of"] == first.pk
    again.refresh_from_db()
    assert again.status == "archived" and again.duplicate_of == first
    assert similarity.settings_of(team.workspace).duplicate_threshold == round(min(score, 0.95), 4)


def test_a_dismissed_pair_is_no_longer_offered(team: Team, commits: Commits) -> None:
    first = add(team, commits, "Please add a dark mode to the mobile app")
    again = add(team, commits, "Dark mode for the mobile app please")
    assert [s.feedback for s in processing.related(team.access("viewer"), again)[0]] == [first]
    retraining.dismiss_duplicate(team.access("editor"), again, first)
    assert processing.related(team.access("viewer"), again)[0] == []
    assert processing.related(team.access("viewer"), first)[0] == []
    assert DuplicateVerdict.objects.get().duplicate is False


def test_an_item_is_not_its_own_duplicate(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "Dark mode please")
    response = call(
        team.client("editor"),
        "post",
        f"{api(team)}/feedback/{fb.pk}/duplicate-of",
        {"original": fb.pk},
    )
    assert response.json() == error(422, f"other: must differ from the feedback itself ({fb.pk})")
    fb.refresh_from_db()
    assert fb.status == "new" and not DuplicateVerdict.objects.exists()


def test_merging_into_an_unknown_item_is_404(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "Dark mode please")
    response = call(
        team.client("editor"),
        "post",
        f"{api(team)}/feedback/{fb.pk}/duplicate-of",
        {"original": 99999},
    )
    assert response.status_code == 404 and response.json() == error(404, "feedback not found")


@pytest.mark.parametrize(
    ("duplicates", "others", "threshold"),
    [
        ([], [0.9], 0.5),
        ([0.8, 0.7], [], 0.7),
        ([0.8, 0.7], [0.75], 0.7),  # 0.7: F1 0.8 at both cuts 0.7 and 0.7501 -> the higher one
        ([0.9, 0.85], [0.6, 0.4], 0.85),
        ([0.1], [], 0.2),
    ],
)
def test_the_duplicate_threshold(
    duplicates: list[float], others: list[float], threshold: float
) -> None:
    assert duplicate_threshold(duplicates, others) == threshold


def test_a_threshold_carried_to_a_new_encoder_keeps_its_place_among_the_scores() -> None:
    before = np.array([0.3, 0.45, 0.55, 0.6, 0.7, 0.8, 0.9, 0.95])
    assert carried_threshold(0.5, before, before) == 0.5  # the same scores: the same cut
    assert carried_threshold(0.5, before, before - 0.1) == 0.4  # scores 0.1 lower: the cut too
    stretched = carried_threshold(0.5, before, np.linspace(0.1, 0.8, 8))
    assert stretched == 0.25  # halfway between the 2nd and 3rd of 8 scores, there as here
    assert carried_threshold(0.5, np.array([]), before) == 0.5  # nothing learnt: unchanged
    assert carried_threshold(0.99, before, before - 0.1) == 0.99  # above every text
    assert carried_threshold(0.1, before, before - 0.1) == 0.1  # below every text
    assert carried_threshold(0.5, before, np.full(8, 0.01)) == 0.2  # kept between LOWEST, HIGHEST


def test_verdict_scores_are_kept(team: Team, commits: Commits) -> None:
    first = add(team, commits, "Please add a dark mode to the mobile app")
    again = add(team, commits, "Dark mode for the mobile app please")
    retraining.merge_duplicate(team.access("editor"), again, first)
    verdict = DuplicateVerdict.objects.get()
    assert verdict.score > 0.5 and verdict.created_by == team.editor
    assert Feedback.objects.get(pk=again.pk).duplicate_of_id == first.pk

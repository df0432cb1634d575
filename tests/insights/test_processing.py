"""Processing of feedback: type, sentiment and language with confidences, near-duplicates
and similar features, stored on the item, batched after an import, idempotent; the similar
feedback API and the inbox filters."""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pytest
from django.utils.html import escape

from northline.insights.models import Feedback, SimilarFeature, SimilarFeedback, TextSettings
from northline.insights.services import feedback as service
from northline.insights.services import learning, processing, similarity
from northline.insights.text import duplicates
from northline.insights.text.labels import FEATURE_MIN, predicted
from northline.insights.text.language import detect_languages
from northline.insights.text.semantic import semantic_available
from northline.planning.services import features
from tests.conftest import Team
from tests.insights.processing_helpers import Commits, add, expected
from tests.personas import EVERYONE, PERSONAS, call, error

pytestmark = pytest.mark.django_db

ITEMS = [
    "The app crashes every time I upload a photo from my phone, so frustrating",
    "Please add a dark mode to the mobile app",
    "How do I change the e-mail address of my account?",
    "Love the new design, great work team!",
    "Support took a week to answer, this is unacceptable",
    "Dark mode for the mobile app please, my eyes hurt at night",
    "Die App stürzt ab, wenn ich ein Foto hochlade",
]


@pytest.fixture
def imported(team: Team, commits: Commits) -> list[Feedback]:
    access = team.access("editor")
    features.create_feature(access, "Dark mode", description="A dark theme for the mobile app")
    with commits():
        result = service.import_feedback(access, [{"text": t} for t in ITEMS])
    return list(Feedback.objects.filter(pk__in=result.ids).order_by("pk"))


def test_an_item_is_processed_once_its_transaction_commits(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "The app crashes every time I upload a photo, so frustrating")
    assert (fb.kind, fb.sentiment, fb.language) == ("bug", "negative", "en")
    assert 0 < fb.kind_confidence <= 1 and 0 < fb.sentiment_confidence <= 1
    assert fb.processed_at is not None and fb.indexed_seq == 1


def test_nothing_is_processed_before_the_commit(team: Team, commits: Commits) -> None:
    fb, _ = service.add_feedback(team.access("editor"), {"text": "The export fails"})
    fb.refresh_from_db()
    assert fb.processed_at is None and fb.kind == ""
    # The correction forms choose nothing for it (a browser would show the first type).
    html = team.client("editor").get(fb.get_absolute_url()).content.decode()
    assert "Not processed yet" in html
    assert '<option value="" selected disabled>Choose a type</option>' in html
    assert '<option value="" selected disabled>Choose a sentiment</option>' in html
    assert " selected>" not in html.split('id="correct-type"')[1].split("</select>")[0]


def test_an_import_is_processed_in_one_batch(imported: list[Feedback]) -> None:
    kinds = [f.kind for f in imported]
    assert kinds[:5] == ["bug", "feature_request", "question", "praise", "complaint"]
    assert [f.sentiment for f in imported[3:5]] == ["positive", "negative"]
    assert imported[6].language == "de"
    assert sorted(f.indexed_seq for f in imported) == list(range(1, 8))


def test_near_duplicates_are_stored_with_scores(imported: list[Feedback]) -> None:
    dark, again = imported[1], imported[5]
    rows = list(SimilarFeedback.objects.filter(feedback=again))
    assert rows[0].other == dark and 0.5 <= rows[0].score <= 1
    assert all(processing.SIMILAR_MIN <= r.score < rows[0].score for r in rows[1:])
    assert not SimilarFeedback.objects.filter(feedback=again, other=imported[4]).exists()


def test_similar_features_are_found(imported: list[Feedback]) -> None:
    match = SimilarFeature.objects.get(feedback=imported[1])
    assert match.feature.title == "Dark mode" and match.score >= FEATURE_MIN
    assert not SimilarFeature.objects.filter(feedback=imported[0]).exists()


def stored(items: list[Feedback]) -> list[Any]:
    rows = Feedback.objects.filter(pk__in=[f.pk for f in items]).order_by("pk")
    labels = list(rows.values_list("kind", "kind_confidence", "sentiment", "sentiment_confidence",
                                   "language", "indexed_seq", "theme_id"))  # fmt: skip
    pairs = list(
        SimilarFeedback.objects.order_by("feedback", "other").values_list(
            "feedback", "other", "score"
        )
    )
    return [labels, pairs, TextSettings.objects.get().next_seq]


def test_processing_again_stores_the_same_result(
    team: Team, commits: Commits, imported: list[Feedback]
) -> None:
    before = stored(imported)
    outcome = processing.process(team.workspace, [f.pk for f in imported])
    assert outcome.processed == 7 and outcome.indexed == 0
    assert stored(imported) == before
    with commits():
        processing.queue(team.workspace, [f.pk for f in imported])
    assert stored(imported) == before


def test_a_batch_stores_what_one_query_per_item_finds(
    team: Team, commits: Commits, imported: list[Feedback], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the batch is joined three texts at a time, so the stored pairs span several join batches;
    # with no more than `bulk_pool` items indexed the join's answers are exactly `query`'s
    monkeypatch.setattr(duplicates, "BULK_ROWS", 3)
    SimilarFeedback.objects.all().delete()
    processing.process(team.workspace, [f.pk for f in imported])
    for f in imported:
        text = similarity.item_text(f.title, f.text)
        hits = similarity.query(team.workspace, "lexical", text, processing.SIMILAR_K, exclude=f.pk)
        want = [(doc, round(score, 4)) for doc, score in hits if score >= processing.SIMILAR_MIN]
        got = list(
            SimilarFeedback.objects.filter(feedback=f)
            .order_by("-score", "other")
            .values_list("other", "score")
        )
        assert got == sorted(want, key=lambda hit: (-hit[1], hit[0])), f.text
    assert SimilarFeedback.objects.filter(feedback=imported[5], other=imported[1]).exists()
    assert SimilarFeature.objects.get(feedback=imported[1]).created_at is not None


def test_no_pair_is_stored_with_an_item_deleted_after_it_was_indexed(
    team: Team, imported: list[Feedback]
) -> None:
    # the index keeps a deleted item until it is next built; a batch must not store a pair
    # with it (its foreign key would fail)
    twin = imported[1].pk
    assert SimilarFeedback.objects.filter(feedback=imported[5], other=twin).exists()
    Feedback.objects.filter(pk=twin).delete()
    processing.process(team.workspace, [imported[5].pk])
    hits = similarity.query(team.workspace, "lexical", similarity.item_text("", ITEMS[5]), 10)
    assert twin in [doc for doc, _ in hits]  # still in the index
    stored_pairs = SimilarFeedback.objects.filter(feedback=imported[5])
    assert stored_pairs.exists() and not stored_pairs.filter(other_id=twin).exists()


def test_a_batch_in_parts_relates_items_of_different_parts(
    team: Team, commits: Commits, monkeypatch: pytest.MonkeyPatch
) -> None:
    # parts of 3: the second dark-mode request (item 5, part 2) finds the first (item 1, part
    # 1), indexed before it; the first lists it through that pair
    monkeypatch.setattr(processing, "PART", 3)
    with commits():
        result = service.import_feedback(team.access("editor"), [{"text": t} for t in ITEMS])
    items = list(Feedback.objects.filter(pk__in=result.ids).order_by("pk"))
    assert sorted(f.indexed_seq for f in items) == list(range(1, 8))
    index = similarity.index_for(team.workspace, "lexical")
    assert len(index) == 7  # each item indexed once
    assert SimilarFeedback.objects.filter(feedback=items[5], other=items[1]).exists()
    related, _ = processing.related(team.access("viewer"), items[1])
    assert items[5].pk in [similar.feedback.pk for similar in related]


def test_a_part_reads_the_items_numbered_elsewhere_before_it(
    team: Team, commits: Commits, imported: list[Feedback]
) -> None:
    # another worker numbered (indexed) an item this process's copy does not hold: the next
    # batch reads it from the database before adding its own items with their counts
    index = similarity.index_for(team.workspace, "lexical")
    assert len(index) == 7
    elsewhere, _ = service.add_feedback(
        team.access("editor"), {"text": "Invoices are charged twice on my credit card"}
    )  # not committed: not processed here
    assert processing._index(team.workspace, [elsewhere], [elsewhere.text]) == 1
    mine = add(team, commits, "My invoice was charged twice this month")
    assert (elsewhere.indexed_seq, mine.indexed_seq) == (8, 9)
    assert similarity.index_for(team.workspace, "lexical") is index
    assert sorted(index.ids) == sorted(str(pk) for pk in [*map(lambda f: f.pk, imported),
                                                          elsewhere.pk, mine.pk])  # fmt: skip
    assert SimilarFeedback.objects.filter(feedback=mine, other=elsewhere).exists()


def test_a_batch_stores_the_labels_each_text_gets_alone(
    team: Team, imported: list[Feedback]
) -> None:
    # the batch cleans each text once for every stage (decision 0039); alone, each stage
    # cleans for itself: the stored labels must be those
    texts = [similarity.item_text(f.title, f.text) for f in imported]
    want = {
        task: [predicted(learning.classifier_for(team.workspace, task, "lexical")[0], [t])[0]
               for t in texts]
        for task in ("type", "sentiment")
    }  # fmt: skip
    languages = [detect_languages([t])[0] for t in texts]
    rows = Feedback.objects.filter(pk__in=[f.pk for f in imported]).order_by("pk")
    assert [(f.kind, f.kind_confidence) for f in rows] == want["type"]
    assert [(f.sentiment, f.sentiment_confidence) for f in rows] == want["sentiment"]
    assert [(f.language, f.language_confidence) for f in rows] == [
        (g.code, round(g.confidence, 4)) for g in languages
    ]


def test_a_correction_survives_processing_again(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "The app crashes every time I upload a photo, so frustrating")
    fb.kind, fb.kind_by_team = "billing", True
    fb.save()
    processing.process(team.workspace, [fb.pk])
    fb.refresh_from_db()
    assert fb.kind == "billing" and fb.sentiment == "negative"


def test_an_edited_text_is_processed_and_indexed_again(team: Team, commits: Commits) -> None:
    fb = add(team, commits, "Love the new design, great work team!")
    assert fb.kind == "praise"
    with commits():
        service.update_feedback(
            team.access("editor"), fb, text="The export to CSV crashes with an error"
        )
    fb.refresh_from_db()
    assert fb.kind == "bug" and fb.indexed_seq == 2


def test_a_snapshot_is_loaded_by_a_fresh_process(team: Team, imported: list[Feedback]) -> None:
    name = similarity.write_snapshot(team.workspace, "lexical")
    assert (similarity.folder(team.workspace) / name).exists()
    similarity.forget(team.workspace)
    hits = similarity.query(team.workspace, "lexical", "dark mode mobile app", 2)
    assert {doc for doc, _ in hits} == {imported[1].pk, imported[5].pk}
    loaded = similarity._copies[team.workspace.pk]
    assert loaded.snapshot == name and name.endswith(".npz")
    assert loaded.seq == len(imported)  # read from the file, not rebuilt (a rebuild starts at -1)


def test_an_unusable_snapshot_is_rebuilt_from_the_database(
    team: Team, imported: list[Feedback]
) -> None:
    name = similarity.write_snapshot(team.workspace, "lexical")
    (similarity.folder(team.workspace) / name).write_bytes(b"not an index")
    similarity.forget(team.workspace)
    hits = similarity.query(team.workspace, "lexical", "dark mode mobile app", 2)
    assert {doc for doc, _ in hits} == {imported[1].pk, imported[5].pk}


def test_a_snapshot_of_the_previous_index_layout_is_rebuilt(
    team: Team, imported: list[Feedback], caplog: pytest.LogCaptureFixture
) -> None:
    """A v3 snapshot (word candidates, before the stem keys) is refused, not read as v4."""
    name = similarity.write_snapshot(team.workspace, "lexical")
    path = similarity.folder(team.workspace) / name
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files if key != "postings_df"}
    arrays["format"] = np.array("northline-duplicate-index-v3")
    with path.open("wb") as handle:
        np.savez(handle, **arrays)
    similarity.forget(team.workspace)
    caplog.set_level(logging.INFO, logger=similarity.logger.name)
    hits = similarity.query(team.workspace, "lexical", "dark mode mobile app", 2)
    assert {doc for doc, _ in hits} == {imported[1].pk, imported[5].pk}
    assert "saved in an older layout (northline-duplicate-index-v3)" in caplog.text


def test_a_server_catches_up_with_items_indexed_elsewhere(
    team: Team, commits: Commits, imported: list[Feedback]
) -> None:
    similarity.index_for(team.workspace, "lexical")
    first = add(team, commits, "Invoices are charged twice on my credit card")
    second = add(team, commits, "My invoice was charged twice this month")
    hits = similarity.query(team.workspace, "lexical", "invoice charged twice", 2)
    assert {doc for doc, _ in hits} == {first.pk, second.pk}


# --- the similar feedback API ----------------------------------------------------------------


def test_similar_feedback_for_a_new_text(team: Team, imported: list[Feedback]) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/feedback/similar"
    body = team.client("viewer").get(url, {"text": "dark mode for the mobile app", "k": 2}).json()
    assert [hit["id"] for hit in body] == [imported[5].pk, imported[1].pk] or [
        hit["id"] for hit in body
    ] == [imported[1].pk, imported[5].pk]
    assert all(0 < hit["score"] <= 1 for hit in body) and body[0]["score"] >= body[1]["score"]
    posted = call(
        team.client("viewer"), "post", url, {"text": "dark mode for the mobile app", "k": 2}
    )
    assert posted.json() == body


def test_archived_items_are_not_offered(team: Team, imported: list[Feedback]) -> None:
    service.archive_feedback(team.access("editor"), imported[5])
    url = f"/api/v1/workspaces/{team.workspace.slug}/feedback/similar"
    body = team.client("viewer").get(url, {"text": "dark mode for the mobile app"}).json()
    assert imported[5].pk not in [hit["id"] for hit in body] and body[0]["id"] == imported[1].pk


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"text": ""}, "text: must not be empty"),
        ({"text": "x" * 5001}, "text: must be at most 5000 characters, got 5001"),
        ({"text": "dark mode", "k": 0}, "k: must be between 1 and 50, got 0"),
        ({"text": "dark mode", "k": 51}, "k: must be between 1 and 50, got 51"),
    ],
)
def test_similar_feedback_bad_input(team: Team, query: dict[str, Any], message: str) -> None:
    url = f"/api/v1/workspaces/{team.workspace.slug}/feedback/similar"
    response = team.client("viewer").get(url, query)
    assert response.status_code == 422 and response.json() == error(422, message)


@pytest.mark.parametrize("persona", PERSONAS)
def test_similar_and_related_for_each_persona(
    team: Team, imported: list[Feedback], persona: str
) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    client = team.client(persona)
    for response in (
        client.get(f"{w}/feedback/similar", {"text": "dark mode"}),
        call(client, "post", f"{w}/feedback/similar", {"text": "dark mode"}),
        client.get(f"{w}/feedback/{imported[1].pk}/related"),
        client.get(f"{w}/processing"),
    ):
        assert response.status_code == expected(persona, EVERYONE, 200), response.content


def test_related_explains_the_labels(team: Team, imported: list[Feedback]) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    body = team.client("viewer").get(f"{w}/feedback/{imported[5].pk}/related").json()
    assert body["type"]["value"] == "feature_request" and body["type"]["by_team"] is False
    assert 0 < body["type"]["confidence"] <= 1
    assert body["language"]["value"] == "en"
    assert body["similar"][0]["id"] == imported[1].pk
    assert body["features"][0]["feature"] == "F-1"
    again = team.client("viewer").get(f"{w}/feedback/{imported[1].pk}/related").json()
    assert imported[5].pk in [s["id"] for s in again["similar"]]


# --- settings --------------------------------------------------------------------------------


def test_the_semantic_tier_cannot_be_chosen_where_it_is_missing(team: Team, settings: Any) -> None:
    settings.SEMANTIC_MODEL = ""
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    problem = processing.semantic_problem()
    assert problem == semantic_available(None) and not problem.startswith("tier:")
    response = call(team.client("admin"), "patch", f"{w}/processing", {"tier": "semantic"})
    message = f"tier: the semantic tier is not available on this server ({problem})"
    assert response.status_code == 422 and response.json() == error(422, message)
    assert similarity.settings_of(team.workspace).tier == "lexical"
    body = team.client("viewer").get(f"{w}/processing").json()
    assert body["semantic_available"] is False and body["semantic_problem"] == problem
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/processing/")
    said = f"The semantic tier cannot be chosen on this server: {escape(problem)}."
    assert said in page.content.decode()


def test_an_unknown_tier_is_refused(team: Team) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    response = call(team.client("owner"), "patch", f"{w}/processing", {"tier": "magic"})
    assert response.json() == error(422, "tier: expected one of lexical, semantic, got 'magic'")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_admins_change_the_tier(team: Team, persona: str) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    response = call(team.client(persona), "patch", f"{w}/processing", {"tier": "lexical"})
    assert response.status_code == expected(persona, {"owner", "admin"}, 200)
    if response.status_code == 403:
        message = f"this needs the admin role or higher; your role is {persona}"
        assert response.json() == error(403, message)


def test_reprocess_queues_every_item(
    team: Team, commits: Commits, imported: list[Feedback]
) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    with commits():
        response = call(team.client("admin"), "post", f"{w}/processing/reprocess")
    assert response.status_code == 202 and response.json() == {"queued": 7}
    assert call(team.client("editor"), "post", f"{w}/processing/reprocess").status_code == 403


# --- the inbox -------------------------------------------------------------------------------


def test_inbox_filters_by_type_sentiment_language(team: Team, imported: list[Feedback]) -> None:
    page = team.client("viewer").get(
        f"/w/{team.workspace.slug}/insights/", {"type": "feature_request", "sentiment": "neutral"}
    )
    assert page.status_code == 200
    shown = [f.pk for f in page.context["page"].rows]
    expected_ids = [
        f.pk for f in imported if f.kind == "feature_request" and f.sentiment == "neutral"
    ]
    assert shown == sorted(expected_ids, reverse=True) and shown
    assert b"Feature request" in page.content
    german = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/", {"language": "de"})
    assert [f.pk for f in german.context["page"].rows] == [imported[6].pk]


def test_api_list_filters_and_shows_labels(team: Team, imported: list[Feedback]) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    body = team.client("viewer").get(f"{w}/feedback", {"type": "bug", "language": "en"}).json()
    assert [item["id"] for item in body["items"]] == [imported[0].pk]
    assert body["items"][0]["type"] == "bug" and body["items"][0]["sentiment"] == "negative"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"sentiment": "angry"}, "sentiment: 'angry' is not one of positive, neutral, negative"),
        ({"type": "bug report!"}, "type: must be a code such as bug or en, got 'bug report!'"),
        ({"theme": 999}, "theme: 999 not found"),
    ],
)
def test_inbox_filter_bad_input(team: Team, query: dict[str, Any], message: str) -> None:
    w = f"/api/v1/workspaces/{team.workspace.slug}"
    response = team.client("viewer").get(f"{w}/feedback", query)
    assert response.status_code == 422 and response.json() == error(422, message)
    page = team.client("viewer").get(f"/w/{team.workspace.slug}/insights/", query)
    assert page.status_code == 200 and message.encode() in page.content.replace(b"&#x27;", b"'")


def test_feedback_page_shows_why(team: Team, imported: list[Feedback]) -> None:
    page = team.client("viewer").get(imported[5].get_absolute_url())
    html = page.content.decode()
    assert "Feature request" in html and "confidence" in html
    score = SimilarFeedback.objects.get(feedback=imported[5], other=imported[1]).score
    assert f"{score:.2f}" in html and "F-1" in html
    assert "Save type" not in html  # viewers do not correct
    html = team.client("editor").get(imported[5].get_absolute_url()).content.decode()
    assert "Save type" in html and "Choose a type" not in html
    assert '<option value="feature_request" selected>' in html
